// SPDX-License-Identifier: GPL-2.0
/*
 * TSC and IA32_TSC_ADJUST (SDM vol. 3, 18.17.3), XSAVE/XCR0 (vol. 1,
 * 13.3), and SMEP, SMAP and UMIP (vol. 3, 4.6): each feature works as
 * the SDM says where the guest's CPUID offers it, and its CR4 bit is #GP
 * where it does not.
 */
#include "conformance.h"

#define MSR_TSC			0x10
#define MSR_TSC_ADJUST		0x3b
#define TSC_SLACK		(1ULL << 32)	/* ticks an exit may take */

static void guest_tsc_adjust_cpuid(void)
{
	GUEST_ASSERT(guest_has(7, 0, 1, 1));
}

/* Writing TSC_ADJUST moves the TSC by the difference. */
static void guest_tsc_adjust_write(void)
{
	uint64_t t0, t1, delta = 1ULL << 40;

	GUEST_ASSERT_EQ(rdmsr(MSR_TSC_ADJUST), 0);
	t0 = rdtsc_guest();
	wrmsr(MSR_TSC_ADJUST, delta);
	t1 = rdtsc_guest();
	GUEST_ASSERT_EQ(rdmsr(MSR_TSC_ADJUST), delta);
	GUEST_ASSERT(t1 - t0 >= delta && t1 - t0 < delta + TSC_SLACK);
	/* And back: the TSC drops by as much. */
	wrmsr(MSR_TSC_ADJUST, 0);
	t0 = rdtsc_guest();
	GUEST_ASSERT(t1 - t0 <= delta && t1 - t0 > delta - TSC_SLACK);
}

/* Writing the TSC moves TSC_ADJUST by as much. */
static void guest_tsc_write_moves_adjust(void)
{
	uint64_t t0, adj, jump = 1ULL << 36;

	t0 = rdtsc_guest();
	wrmsr(MSR_TSC, t0 + jump);
	adj = rdmsr(MSR_TSC_ADJUST);
	GUEST_ASSERT(adj <= jump && adj > jump - TSC_SLACK);
	GUEST_ASSERT(rdtsc_guest() - t0 >= jump);
}

const struct check tsc_checks[] = {
	{ .name = "cpuid-7-ebx-tsc-adjust", .guest = guest_tsc_adjust_cpuid },
	{ .name = "tsc-adjust-write-moves-tsc", .guest = guest_tsc_adjust_write },
	{ .name = "tsc-write-moves-tsc-adjust", .guest = guest_tsc_write_moves_adjust },
};
const size_t nr_tsc_checks = sizeof(tsc_checks) / sizeof(tsc_checks[0]);

/* ------------------------------------------------------------ XSAVE */

#define XCR0_X87	(1ULL << 0)
#define XCR0_SSE	(1ULL << 1)
#define XCR0_YMM	(1ULL << 2)

static void guest_xcr0(void)
{
	uint32_t r[4], small;

	if (!guest_has(1, 0, 2, 26)) {
		GUEST_ASSERT_EQ(set_cr4_safe(get_cr4() | X86_CR4_OSXSAVE),
				GP_VECTOR);
		return;
	}
	set_cr4(get_cr4() | X86_CR4_OSXSAVE);
	GUEST_ASSERT(guest_has(1, 0, 2, 27));		/* OSXSAVE */
	GUEST_ASSERT_EQ(xsetbv_safe(1, XCR0_X87), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | (1ULL << 63)), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_YMM), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE), NO_EXCEPTION);
	guest_cpuid(0xd, 0, r);
	small = r[1];
	GUEST_ASSERT_EQ(small, 576);	/* legacy area and header */
	if (r[0] & XCR0_YMM) {
		GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE | XCR0_YMM),
				NO_EXCEPTION);
		guest_cpuid(0xd, 0, r);
		GUEST_ASSERT(r[1] > small);
	}
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87), NO_EXCEPTION);
	set_cr4(get_cr4() & ~X86_CR4_OSXSAVE);
	GUEST_ASSERT(!guest_has(1, 0, 2, 27));
}

static void user_xsetbv(void)
{
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE), GP_VECTOR);
	GUEST_DONE();
	for (;;)
		;
}

static void guest_xsetbv_cpl3(void)
{
	if (!guest_has(1, 0, 2, 26))
		return;
	set_cr4(get_cr4() | X86_CR4_OSXSAVE);
	enter_user(user_xsetbv);
}

const struct check xsave_checks[] = {
	{ .name = "xcr0-rules-and-cpuid-d-size", .guest = guest_xcr0 },
	{ .name = "xsetbv-at-cpl3-gp", .guest = guest_xsetbv_cpl3,
	  .setup = setup_user_mode },
};
const size_t nr_xsave_checks = sizeof(xsave_checks) / sizeof(xsave_checks[0]);

/* ------------------------------------------------- SMEP, SMAP, UMIP */

#define PTE_US		(1ULL << 2)
#define PF_PRESENT	(1U << 0)
#define PF_FETCH	(1U << 4)

/* One user page (a RET) in a 2 MiB region of its own; RDI has its GPA. */
static void setup_user_page(struct vm *vm, struct vcpu *vcpu)
{
	uint64_t gpa = vm_alloc(vm, 2ULL << 20);
	uint64_t *pml4 = gpa_to_hva(vm, PML4_GPA);
	uint64_t *pdpt = gpa_to_hva(vm, PDPT_GPA);
	int i;

	gpa = (gpa + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	if (!gpa_to_hva(vm, gpa))
		return;
	*(uint8_t *)gpa_to_hva(vm, gpa) = 0xc3;
	pml4[0] |= PTE_US;
	for (i = 0; i < 4; i++)
		pdpt[i] |= PTE_US;
	*vm_pde(vm, gpa) |= PTE_US;
	vcpu_args_set(vcpu, 1, gpa);
}

static void guest_smep(uint64_t user_page)
{
	if (!guest_has(7, 0, 1, 7)) {
		GUEST_ASSERT_EQ(set_cr4_safe(get_cr4() | X86_CR4_SMEP), GP_VECTOR);
		return;
	}
	GUEST_ASSERT(user_page);
	set_cr4(get_cr4() | X86_CR4_SMEP);
	GUEST_ASSERT_EQ(guest_asm_safe("jmp *%1", "r"(user_page)), PF_VECTOR);
	GUEST_ASSERT_EQ(guest_last_fault.error_code, PF_PRESENT | PF_FETCH);
	GUEST_ASSERT_EQ(get_cr2(), user_page);
	set_cr4(get_cr4() & ~X86_CR4_SMEP);
}

static void guest_smap(uint64_t user_page)
{
	if (!guest_has(7, 0, 1, 20)) {
		GUEST_ASSERT_EQ(set_cr4_safe(get_cr4() | X86_CR4_SMAP), GP_VECTOR);
		return;
	}
	GUEST_ASSERT(user_page);
	set_cr4(get_cr4() | X86_CR4_SMAP);
	GUEST_ASSERT_EQ(guest_asm_safe("cmpb $0, (%1)", "r"(user_page)),
			PF_VECTOR);
	GUEST_ASSERT_EQ(guest_last_fault.error_code, PF_PRESENT);
	/* With RFLAGS.AC set, supervisor reads of user pages are allowed. */
	GUEST_ASSERT_EQ(guest_asm_safe("stac\n\tcmpb $0, (%1)\n\tclac",
				       "r"(user_page)), NO_EXCEPTION);
	set_cr4(get_cr4() & ~X86_CR4_SMAP);
}

static void user_sgdt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr;

	GUEST_ASSERT_EQ(guest_asm_safe("sgdt %1", "m"(gdtr)), GP_VECTOR);
	GUEST_DONE();
	for (;;)
		;
}

static void user_smsw(void)
{
	GUEST_ASSERT_EQ(guest_asm_safe_clobber("smsw %%ax", "rax"), GP_VECTOR);
	GUEST_DONE();
	for (;;)
		;
}

static void guest_umip_smsw(void)
{
	if (!guest_has(7, 0, 2, 2))
		return;
	set_cr4(get_cr4() | X86_CR4_UMIP);
	enter_user(user_smsw);
}

static void guest_umip(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr;

	if (!guest_has(7, 0, 2, 2)) {
		GUEST_ASSERT_EQ(set_cr4_safe(get_cr4() | X86_CR4_UMIP), GP_VECTOR);
		return;
	}
	/* UMIP restricts CPL > 0 only: SGDT at CPL 0 still works. */
	set_cr4(get_cr4() | X86_CR4_UMIP);
	GUEST_ASSERT_EQ(guest_asm_safe("sgdt %1", "m"(gdtr)), NO_EXCEPTION);
	/* At CPL 3 SGDT is #GP. */
	enter_user(user_sgdt);
}

const struct check paging_checks[] = {
	{ .name = "smep-fetch-from-user-page", .guest = guest_smep,
	  .setup = setup_user_page },
	{ .name = "smap-read-of-user-page", .guest = guest_smap,
	  .setup = setup_user_page },
	{ .name = "umip", .guest = guest_umip, .setup = setup_user_mode },
	{ .name = "umip-smsw-at-cpl3-gp", .guest = guest_umip_smsw,
	  .setup = setup_user_mode,
	  .kvm_differs = "on a CPU without UMIP, KVM 6.1 offers it by "
			 "descriptor-table exiting, which does not catch SMSW" },
};
const size_t nr_paging_checks = sizeof(paging_checks) / sizeof(paging_checks[0]);
