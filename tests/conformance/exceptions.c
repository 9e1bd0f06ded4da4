// SPDX-License-Identifier: GPL-2.0
/*
 * Exceptions and their frames (SDM vol. 3, 6.12-6.15): vector, error code,
 * the RIP a fault or a trap leaves, RFLAGS.RF in a fault's frame (set by
 * the CPU for its own faults and by the hypervisor for those it injects,
 * 18.3.1.1), CR2 for #PF, and a #DF from a fault while delivering #PF.
 * (Nesting inside a handler is not checked: every gate uses IST1.)
 */
#include "conformance.h"

#define UNMAPPED_GVA	0x100000000ULL	/* PDPT entry 4: not present */
#define NONCANONICAL	0x8000000000000000ULL

/* A fault at an instruction of len bytes, with RF set in its frame. */
static void assert_fault(int got, int vector, uint64_t error, int len)
{
	GUEST_ASSERT_EQ(got, vector);
	GUEST_ASSERT_EQ(guest_last_fault.vector, vector);
	GUEST_ASSERT_EQ(guest_last_fault.error_code, error);
	GUEST_ASSERT(FAULT_AT_INSN(len));
	GUEST_ASSERT(guest_last_fault.rflags & X86_RFLAGS_RF);
}

static void guest_ud2(void)
{
	assert_fault(guest_asm_safe("ud2"), UD_VECTOR, 0, 2);
}

/* WRMSR to an MSR that does not exist: the hypervisor injects the #GP. */
static void guest_gp_injected_wrmsr(void)
{
	assert_fault(wrmsr_safe(0x2ff0, 0), GP_VECTOR, 0, 2);
}

static void guest_gp_injected_rdmsr(void)
{
	uint64_t v;

	assert_fault(rdmsr_safe(0x2ff0, &v), GP_VECTOR, 0, 2);
}

/* MOV to CR4 with a reserved bit: also injected (CR4 writes exit). */
static void guest_gp_injected_cr4(void)
{
	assert_fault(set_cr4_safe(get_cr4() | (1ULL << 15)), GP_VECTOR, 0, 3);
}

static void guest_de(void)
{
	assert_fault(guest_asm_safe("div %%rcx", "a"(1ULL), "d"(0ULL),
				    "c"(0ULL)), DE_VECTOR, 0, 3);
}

static void guest_gp_noncanonical(void)
{
	assert_fault(guest_asm_safe("mov (%%rax), %%rax", "a"(NONCANONICAL)),
		     GP_VECTOR, 0, 3);
}

static void guest_pf_read(void)
{
	assert_fault(guest_asm_safe("mov (%%rax), %%rax", "a"(UNMAPPED_GVA)),
		     PF_VECTOR, 0, 3);
	GUEST_ASSERT_EQ(get_cr2(), UNMAPPED_GVA);
}

static void guest_pf_write(void)
{
	assert_fault(guest_asm_safe("mov %%rax, (%%rax)", "a"(UNMAPPED_GVA + 8)),
		     PF_VECTOR, 2, 3);
	GUEST_ASSERT_EQ(get_cr2(), UNMAPPED_GVA + 8);
}

/* Traps: RIP after the instruction, RF clear. */
static void guest_int3(void)
{
	GUEST_ASSERT_EQ(guest_asm_safe("int3"), BP_VECTOR);
	GUEST_ASSERT_EQ(guest_last_fault.rip, guest_last_fault.r14);
	GUEST_ASSERT(!(guest_last_fault.rflags & X86_RFLAGS_RF));
}

static void guest_int_n(void)
{
	GUEST_ASSERT_EQ(guest_asm_safe("int $0x80"), 0x80);
	GUEST_ASSERT_EQ(guest_last_fault.rip, guest_last_fault.r14);
	GUEST_ASSERT_EQ(guest_last_fault.error_code, 0);
}

/* #PF whose gate is not present: #NP while delivering it, so #DF(0). */
static void guest_double_fault(void)
{
	volatile uint64_t *gate = (volatile uint64_t *)(IDT_GPA + 16 * PF_VECTOR);
	uint64_t saved = *gate;
	int v;

	*gate = saved & ~(1ULL << 47);
	v = guest_asm_safe("mov (%%rax), %%rax", "a"(UNMAPPED_GVA));
	*gate = saved;
	GUEST_ASSERT_EQ(v, DF_VECTOR);
	GUEST_ASSERT_EQ(guest_last_fault.error_code, 0);
}

const struct check exception_checks[] = {
	{ .name = "ud2-frame-rf", .guest = guest_ud2 },
	{ .name = "injected-gp-wrmsr-rf", .guest = guest_gp_injected_wrmsr },
	{ .name = "injected-gp-rdmsr-rf", .guest = guest_gp_injected_rdmsr },
	{ .name = "injected-gp-cr4-rf", .guest = guest_gp_injected_cr4 },
	{ .name = "de-divide-by-zero", .guest = guest_de },
	{ .name = "gp-noncanonical", .guest = guest_gp_noncanonical },
	{ .name = "pf-read-cr2", .guest = guest_pf_read },
	{ .name = "pf-write-error-code", .guest = guest_pf_write },
	{ .name = "bp-trap-rip", .guest = guest_int3 },
	{ .name = "int-n", .guest = guest_int_n },
	{ .name = "double-fault", .guest = guest_double_fault },
};
const size_t nr_exception_checks = sizeof(exception_checks) /
				   sizeof(exception_checks[0]);
