// SPDX-License-Identifier: GPL-2.0
/*
 * Exceptions and their frames (SDM vol. 3, 6.12-6.15): vector, error code,
 * the RIP a fault or a trap leaves, RFLAGS.RF in a fault's frame (set by
 * the CPU for its own faults and by the hypervisor for those it injects,
 * 18.3.1.1), CR2 for #PF, and a #DF from a fault while delivering #PF.
 * (Nesting inside a handler is not checked: every gate uses IST1.)
 */
#include <stdio.h>
#include <string.h>

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

/*
 * A fault inside an exception handler (SDM vol. 3, 6.14.1): a #UD in the
 * #GP handler is delivered on the handler's own stack (its gate made
 * IST 0 for this: IST1 would start the nested frame over the outer one),
 * the handler goes on after it, and the outer fault returns as usual.
 */
static volatile int nested_vector = -1;
static volatile uint64_t nested_rip, nested_rsp, outer_regs;
extern char nested_ud[];

static bool nest_a_fault(struct guest_ex_regs *regs)
{
	if (regs->vector != GP_VECTOR || nested_vector >= 0)
		return false;
	outer_regs = (uintptr_t)regs;
	nested_vector = guest_asm_safe("nested_ud: ud2");
	nested_rip = guest_last_fault.rip;
	nested_rsp = guest_last_fault.rsp;
	return false;	/* the outer #GP's own fixup goes on */
}

static void guest_nested_fault(void)
{
	volatile uint64_t *gate = (volatile uint64_t *)(IDT_GPA + 16 * UD_VECTOR);
	uint64_t saved = *gate;
	int v;

	*gate = saved & ~(7ULL << 32);
	guest_exception_hook = nest_a_fault;
	v = guest_asm_safe("mov (%%rax), %%rax", "a"(NONCANONICAL));
	guest_exception_hook = NULL;
	*gate = saved;
	GUEST_ASSERT_EQ(v, GP_VECTOR);
	GUEST_ASSERT_EQ(guest_last_fault.error_code, 0);
	GUEST_ASSERT_EQ(nested_vector, UD_VECTOR);
	GUEST_ASSERT_EQ(nested_rip, (uintptr_t)nested_ud);
	/* Pushed below the outer handler's frame, on the same stack. */
	GUEST_ASSERT(nested_rsp < outer_regs && nested_rsp > outer_regs - 4096);
}

/*
 * Real mode: #UD from the CPU and #GP from the hypervisor (RDMSR of no
 * MSR) go through the IVT, push FLAGS, CS and IP (the faulting one) and
 * no error code. Each handler reports the IP it found and skips the
 * 2-byte instruction.
 */
#define RM_CONF_GPA	0x10000ULL	/* runs at 1000:0000 */
#define RM_CONF_PORT	0x2f0

extern char rm_conf_start[], rm_conf_ud[], rm_conf_gp[], rm_conf_end[];
asm(
"	.pushsection .text, \"ax\"\n"
"	.code16\n"
"rm_conf_start:\n"
"	xor %ax, %ax\n"
"	mov %ax, %ds\n"
"	movw $(rm_conf_ud_handler - rm_conf_start), 6 * 4\n"
"	movw $0x1000, 6 * 4 + 2\n"
"	movw $(rm_conf_gp_handler - rm_conf_start), 13 * 4\n"
"	movw $0x1000, 13 * 4 + 2\n"
"	mov $0x2000, %ax\n"
"	mov %ax, %ss\n"
"	mov $0x1000, %sp\n"
"rm_conf_ud:\n"
"	ud2\n"
"	mov $0x2ff0, %ecx\n"
"rm_conf_gp:\n"
"	rdmsr\n"
"	hlt\n"
"rm_conf_ud_handler:\n"
"rm_conf_gp_handler:\n"
"	mov %sp, %bp\n"
"	mov (%bp), %ax\n"
"	mov $" GUEST_STR(RM_CONF_PORT) ", %dx\n"
"	out %ax, %dx\n"
"	addw $2, (%bp)\n"
"	iret\n"
"rm_conf_end:\n"
"	.code64\n"
"	.popsection\n"
);

static int expect_rm_out(struct vcpu *vcpu, uint16_t want, char *why,
			 size_t size)
{
	return expect_out16(vcpu, RM_CONF_PORT, want, 0xffff,
			    "the IP the handler saw", why, size);
}

static int real_mode_faults(struct vm *vm, struct vcpu *vcpu, char *why,
			    size_t size)
{
	vm_load(vm, RM_CONF_GPA, rm_conf_start, rm_conf_end);
	vcpu_set_real_mode(vcpu, RM_CONF_GPA >> 4, 0, 0);
	if (expect_rm_out(vcpu, rm_conf_ud - rm_conf_start, why, size) ||
	    expect_rm_out(vcpu, rm_conf_gp - rm_conf_start, why, size))
		return -1;
	return expect_hlt(vcpu, why, size);
}

const struct check exception_checks[] = {
	{ .name = "real-mode-ud-and-injected-gp", .host_only = real_mode_faults },
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
	{ .name = "fault-in-a-handler", .guest = guest_nested_fault },
};
const size_t nr_exception_checks = sizeof(exception_checks) /
				   sizeof(exception_checks[0]);
