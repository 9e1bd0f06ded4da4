// SPDX-License-Identifier: GPL-2.0
/*
 * Control registers, EFER and PCID (SDM vol. 3, 2.5, 4.10.1 and MOV CR,
 * INVPCID, WRMSR): every reserved or forbidden change is #GP in the guest,
 * never a failed VM entry; CR4.PCIDE needs IA-32e mode and CR3[11:0] = 0;
 * INVPCID checks its type, descriptor and address.
 */
#include "conformance.h"

#define CR0_PE		(1ULL << 0)
#define CR0_NW		(1ULL << 29)
#define CR0_PG		(1ULL << 31)
#define NONCANONICAL	0x8000000000000000ULL
#define CR3_NOFLUSH	(1ULL << 63)

static int set_cr0_safe(uint64_t v)
{
	return guest_asm_safe("mov %%rdi, %%cr0", "D"(v));
}

static int set_cr3_safe(uint64_t v)
{
	return guest_asm_safe("mov %%rdi, %%cr3", "D"(v));
}

static int set_cr8_safe(uint64_t v)
{
	return guest_asm_safe("mov %%rdi, %%cr8", "D"(v));
}

/* CR4 bit: #GP and unchanged unless its feature is in CPUID. */
static void cr4_bit_gp(int bit)
{
	uint64_t cr4 = get_cr4();

	GUEST_ASSERT_EQ(set_cr4_safe(cr4 | (1ULL << bit)), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr4(), cr4);
}

static void guest_cr4_reserved(void)
{
	static const int reserved[] = { 15, 26, 27, 28, 29, 30, 31, 32, 40, 63 };
	unsigned int i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		cr4_bit_gp(reserved[i]);
	/* Features vmxlab and KVM offer only when CPUID says so. */
	if (!guest_has(1, 0, 2, 6))
		cr4_bit_gp(14);		/* SMXE */
	if (!guest_has(7, 0, 2, 3))
		cr4_bit_gp(22);		/* PKE */
	if (!guest_has(7, 0, 2, 31))
		cr4_bit_gp(24);		/* PKS */
	if (!guest_has(7, 0, 2, 2))
		cr4_bit_gp(11);		/* UMIP */
	if (!guest_has(7, 0, 1, 0))
		cr4_bit_gp(16);		/* FSGSBASE */
	/* LA57 never changes in IA-32e mode. */
	cr4_bit_gp(12);
}

static void guest_cr4_clear_pae(void)
{
	uint64_t cr4 = get_cr4();

	GUEST_ASSERT_EQ(set_cr4_safe(cr4 & ~X86_CR4_PAE), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr4(), cr4);
}

static void guest_cr0_reserved(void)
{
	uint64_t cr0 = get_cr0();

	GUEST_ASSERT_EQ(set_cr0_safe(cr0 | (1ULL << 32)), GP_VECTOR);
	GUEST_ASSERT_EQ(set_cr0_safe(cr0 | (1ULL << 63)), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr0(), cr0);
}

static void guest_cr0_nw_without_cd(void)
{
	uint64_t cr0 = get_cr0();

	GUEST_ASSERT_EQ(set_cr0_safe(cr0 | CR0_NW), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr0(), cr0);
}

static void guest_cr0_pe_off_with_pg(void)
{
	uint64_t cr0 = get_cr0();

	GUEST_ASSERT_EQ(set_cr0_safe(cr0 & ~CR0_PE), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr0(), cr0);
}

/* Leaving paging from 64-bit code is #GP (SDM MOV CR, 64-bit mode). */
static void guest_cr0_pg_off_64bit(void)
{
	uint64_t cr0 = get_cr0();

	GUEST_ASSERT_EQ(set_cr0_safe(cr0 & ~CR0_PG), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr0(), cr0);
}

static void guest_cr3_reserved(void)
{
	uint32_t r[4];
	uint64_t cr3 = get_cr3();
	int maxphys;

	guest_cpuid(0x80000008, 0, r);
	maxphys = r[0] & 0xff;
	if (maxphys < 52)
		GUEST_ASSERT_EQ(set_cr3_safe(cr3 | (1ULL << maxphys)), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr3(), cr3);
}

static void guest_cr8_reserved(void)
{
	/*
	 * Bits 63:4 are reserved. Only low ones are checked: the lab's CPU
	 * takes MOV to CR8 itself under KVM's TPR shadow and ignores bits
	 * 63:32. The TPR is never lowered, so that no KVM_EXIT_SET_TPR
	 * comes (these VMs have no in-kernel LAPIC).
	 */
	GUEST_ASSERT_EQ(set_cr8_safe(16), GP_VECTOR);
	GUEST_ASSERT_EQ(set_cr8_safe(0x20), GP_VECTOR);
	GUEST_ASSERT_EQ(set_cr8_safe(15), NO_EXCEPTION);
}

static void guest_efer_reserved(void)
{
	static const int reserved[] = { 1, 2, 7, 9, 12, 16, 32, 63 };
	uint64_t efer = rdmsr(MSR_EFER_NR);
	unsigned int i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER_NR,
					   efer | (1ULL << reserved[i])),
				GP_VECTOR);
	/* LME does not change while paging is on. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER_NR, efer & ~(1ULL << 8)),
			GP_VECTOR);
	GUEST_ASSERT_EQ(rdmsr(MSR_EFER_NR), efer);
	/* SCE and (with CPUID's NX) NXE are the guest's to set. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER_NR, efer | EFER_SCE_BIT),
			NO_EXCEPTION);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER_NR, efer | (1ULL << 11)),
			guest_has(0x80000001, 0, 3, 20) ? NO_EXCEPTION :
							  GP_VECTOR);
	wrmsr(MSR_EFER_NR, efer);
}

/*
 * 32-bit protected mode, no paging: setting CR4.PCIDE is #GP, and with
 * no IDT that ends in a triple fault (KVM_EXIT_SHUTDOWN), not a failed
 * entry. The OUT after it must not be reached.
 */
extern char pm32_pcide[];
asm(
"	.pushsection .text, \"ax\"\n"
"	.code32\n"
"pm32_pcide:\n"
"	mov %cr4, %eax\n"
"	or $0x20000, %eax\n"
"	mov %eax, %cr4\n"
"	mov $0x2f0, %dx\n"
"	out %eax, %dx\n"
"	hlt\n"
"	.code64\n"
"	.popsection\n"
);

static void setup_pm32(struct vm *vm, struct vcpu *vcpu)
{
	vcpu_set_protected_mode(vcpu, (uintptr_t)pm32_pcide, 0x300000, 0);
}

const struct check cr_checks[] = {
	{ .name = "cr4-reserved-bits-gp", .guest = guest_cr4_reserved },
	{ .name = "cr4-clear-pae-in-long-mode-gp", .guest = guest_cr4_clear_pae },
	{ .name = "cr0-reserved-bits-gp", .guest = guest_cr0_reserved },
	{ .name = "cr0-nw-without-cd-gp", .guest = guest_cr0_nw_without_cd },
	{ .name = "cr0-clear-pe-with-pg-gp", .guest = guest_cr0_pe_off_with_pg },
	{ .name = "cr0-clear-pg-in-64bit-gp", .guest = guest_cr0_pg_off_64bit },
	{ .name = "cr3-reserved-bits-gp", .guest = guest_cr3_reserved },
	{ .name = "cr8-reserved-bits-gp", .guest = guest_cr8_reserved },
	{ .name = "efer-reserved-bits-gp", .guest = guest_efer_reserved },
};
const size_t nr_cr_checks = sizeof(cr_checks) / sizeof(cr_checks[0]);

/* ------------------------------------------------------------ PCID */

static bool has_pcid(void)
{
	return guest_has(1, 0, 2, 17);
}

static void guest_pcide_cr3_low_bits(void)
{
	uint64_t cr3 = get_cr3(), cr4 = get_cr4();

	if (!has_pcid()) {
		GUEST_ASSERT_EQ(set_cr4_safe(cr4 | X86_CR4_PCIDE), GP_VECTOR);
		return;
	}
	/* With PCIDE clear, CR3 bit 0 is ignored by the CPU and kept. */
	GUEST_ASSERT_EQ(set_cr3_safe(cr3 | 1), NO_EXCEPTION);
	GUEST_ASSERT_EQ(set_cr4_safe(cr4 | X86_CR4_PCIDE), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr4(), cr4);
	GUEST_ASSERT_EQ(set_cr3_safe(cr3), NO_EXCEPTION);
	GUEST_ASSERT_EQ(set_cr4_safe(cr4 | X86_CR4_PCIDE), NO_EXCEPTION);
	GUEST_ASSERT_EQ(get_cr4(), cr4 | X86_CR4_PCIDE);
	set_cr4(cr4);
}

static void guest_pcid_cr3(void)
{
	uint64_t cr3 = get_cr3(), cr4 = get_cr4(), cr0 = get_cr0();

	if (!has_pcid())
		return;
	set_cr4(cr4 | X86_CR4_PCIDE);
	GUEST_ASSERT_EQ(set_cr3_safe(cr3 | 5), NO_EXCEPTION);
	GUEST_ASSERT_EQ(get_cr3(), cr3 | 5);
	/* Bit 63 asks for no flush and is not kept. */
	GUEST_ASSERT_EQ(set_cr3_safe(cr3 | 7 | CR3_NOFLUSH), NO_EXCEPTION);
	GUEST_ASSERT_EQ(get_cr3(), cr3 | 7);
	/* No leaving paging with PCIDE set. */
	GUEST_ASSERT_EQ(set_cr0_safe(cr0 & ~CR0_PG), GP_VECTOR);
	GUEST_ASSERT_EQ(set_cr3_safe(cr3), NO_EXCEPTION);
	GUEST_ASSERT_EQ(set_cr4_safe(cr4), NO_EXCEPTION);
	GUEST_ASSERT_EQ(get_cr4(), cr4);
}

struct invpcid_desc {
	uint64_t pcid, addr;
};

static int invpcid_safe(uint64_t type, uint64_t pcid, uint64_t addr)
{
	struct invpcid_desc d = { pcid, addr };

	return guest_asm_safe("invpcid %1, %2", "m"(d), "r"(type));
}

static void guest_invpcid(void)
{
	uint64_t t;

	if (!guest_has(7, 0, 1, 10)) {
		GUEST_ASSERT_EQ(invpcid_safe(2, 0, 0), UD_VECTOR);
		return;
	}
	for (t = 0; t < 4; t++)
		GUEST_ASSERT_EQ(invpcid_safe(t, 0, 0), NO_EXCEPTION);
	GUEST_ASSERT_EQ(invpcid_safe(4, 0, 0), GP_VECTOR);
	GUEST_ASSERT_EQ(invpcid_safe(0x80000000ULL, 0, 0), GP_VECTOR);
	GUEST_ASSERT_EQ(invpcid_safe(0, 0, NONCANONICAL), GP_VECTOR);
	/* A PCID other than 0 needs CR4.PCIDE for types 0 and 1. */
	GUEST_ASSERT_EQ(invpcid_safe(0, 1, 0), GP_VECTOR);
	GUEST_ASSERT_EQ(invpcid_safe(1, 1, 0), GP_VECTOR);
	/* Bits 63:12 of the descriptor's PCID field are reserved. */
	GUEST_ASSERT_EQ(invpcid_safe(2, 1ULL << 12, 0), GP_VECTOR);
	if (has_pcid()) {
		set_cr4(get_cr4() | X86_CR4_PCIDE);
		GUEST_ASSERT_EQ(invpcid_safe(0, 1, 0x1000), NO_EXCEPTION);
		GUEST_ASSERT_EQ(invpcid_safe(1, 4095, 0), NO_EXCEPTION);
		set_cr4(get_cr4() & ~X86_CR4_PCIDE);
	}
}

/*
 * Two address spaces that map PCID_GVA to different pages, switched by
 * MOV to CR3 with PCIDs 1 and 2: each CR3 sees its own page, also when
 * switching back without a flush (bit 63).
 */
#define PCID_GVA	0x8000000000ULL		/* PML4 entry 1 */
#define PAGE_A_VALUE	0xaaaa5555aaaa5555ULL
#define PAGE_B_VALUE	0xbbbb6666bbbb6666ULL

static uint64_t new_table(struct vm *vm, uint64_t *parent, int index)
{
	uint64_t t = vm_alloc(vm, 4096);

	parent[index] = t | 3;
	return t;
}

static void setup_two_spaces(struct vm *vm, struct vcpu *vcpu)
{
	uint64_t a = vm_alloc(vm, 4096), b = vm_alloc(vm, 4096);
	uint64_t pml4b = vm_alloc(vm, 4096), t;
	uint64_t *pml4 = gpa_to_hva(vm, PML4_GPA);
	uint64_t *second = gpa_to_hva(vm, pml4b);

	*(uint64_t *)gpa_to_hva(vm, a) = PAGE_A_VALUE;
	*(uint64_t *)gpa_to_hva(vm, b) = PAGE_B_VALUE;
	vm_map_page(vm, PCID_GVA, a);
	second[0] = pml4[0];		/* the identity map, shared */
	t = new_table(vm, second, (PCID_GVA >> 39) & 511);
	t = new_table(vm, gpa_to_hva(vm, t), (PCID_GVA >> 30) & 511);
	t = new_table(vm, gpa_to_hva(vm, t), (PCID_GVA >> 21) & 511);
	((uint64_t *)gpa_to_hva(vm, t))[(PCID_GVA >> 12) & 511] = b | 3;
	vcpu_args_set(vcpu, 1, pml4b);
}

static void guest_pcid_spaces(uint64_t pml4b)
{
	volatile uint64_t *p = (volatile uint64_t *)PCID_GVA;
	uint64_t cr3 = get_cr3(), cr4 = get_cr4();

	GUEST_ASSERT_EQ(*p, PAGE_A_VALUE);
	if (!has_pcid())
		return;
	set_cr4(cr4 | X86_CR4_PCIDE);
	GUEST_ASSERT_EQ(set_cr3_safe(cr3 | 1), NO_EXCEPTION);
	GUEST_ASSERT_EQ(*p, PAGE_A_VALUE);
	GUEST_ASSERT_EQ(set_cr3_safe(pml4b | 2), NO_EXCEPTION);
	GUEST_ASSERT_EQ(*p, PAGE_B_VALUE);
	GUEST_ASSERT_EQ(set_cr3_safe(cr3 | 1 | CR3_NOFLUSH), NO_EXCEPTION);
	GUEST_ASSERT_EQ(*p, PAGE_A_VALUE);
	GUEST_ASSERT_EQ(set_cr3_safe(pml4b | 2 | CR3_NOFLUSH), NO_EXCEPTION);
	GUEST_ASSERT_EQ(*p, PAGE_B_VALUE);
	GUEST_ASSERT_EQ(set_cr3_safe(cr3), NO_EXCEPTION);
	set_cr4(cr4);
	GUEST_ASSERT_EQ(*p, PAGE_A_VALUE);
}

static void user_invpcid(void)
{
	GUEST_ASSERT_EQ(invpcid_safe(2, 0, 0), GP_VECTOR);
	GUEST_DONE();
	for (;;)
		;
}

/* At CPL 3 INVPCID is #GP, or #UD where CPUID does not offer it. */
static void guest_invpcid_cpl3(void)
{
	if (guest_has(7, 0, 1, 10))
		enter_user(user_invpcid);
}

const struct check pcid_checks[] = {
	{ .name = "invpcid-at-cpl3-gp", .guest = guest_invpcid_cpl3,
	  .setup = setup_user_mode },
	{ .name = "pcide-needs-cr3-low-bits-zero", .guest = guest_pcide_cr3_low_bits },
	{ .name = "pcid-in-cr3-and-noflush", .guest = guest_pcid_cr3 },
	{ .name = "invpcid-types-and-operands", .guest = guest_invpcid },
	{ .name = "pcid-address-spaces", .guest = guest_pcid_spaces,
	  .setup = setup_two_spaces },
	{ .name = "pcide-outside-long-mode-gp", .setup = setup_pm32,
	  .want_exit = KVM_EXIT_SHUTDOWN },
};
const size_t nr_pcid_checks = sizeof(pcid_checks) / sizeof(pcid_checks[0]);
