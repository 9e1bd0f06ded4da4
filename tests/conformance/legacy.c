// SPDX-License-Identifier: GPL-2.0
/*
 * Conformance, legacy modes: virtual-8086 mode entered from 32-bit
 * protected mode by IRET with EFLAGS.VM (SDM vol. 3, 20.2), and the way
 * back: a privileged instruction there (HLT at CPL 3) raises #GP(0), which
 * a 32-bit interrupt gate takes on the stack of TSS.SS0:ESP0 with the v86
 * segment registers pushed after the frame (20.3.1.1, figure 20-5).
 * SYSENTER and SYSEXIT in 32-bit mode, through the MSRs the hypervisor
 * keeps in the VMCS. All run without the hypervisor's help under
 * unrestricted guest; what is checked is that vmxlab's guest state lets
 * them, as KVM's does.
 * (32-bit task switches are not emulated by vmxlab: see
 * docs/conformance.md; exit_misc has the test of that refusal.)
 */
#include <stdio.h>
#include <string.h>

#include "conformance.h"

#define V86_CODE_GPA	0x10000	/* v86 CS 0x1000; in asm too: no suffix */
#define V86_IDT_GPA	0x12000ULL
#define PM32_STACK	0x18000
#define V86_RING0_STACK	0x1f000ULL
#define V86_PORT	0x2f4
#define V86_SS		0x2000

extern char v86_start[], v86_code[], v86_gp[], v86_end[];
asm(
"	.pushsection .text, \"ax\"\n"
"	.code32\n"
"v86_start:\n"
"	push $0\n"			/* GS */
"	push $0\n"			/* FS */
"	push $0\n"			/* DS */
"	push $0\n"			/* ES */
"	push $" GUEST_STR(V86_SS) "\n"	/* SS */
"	push $0x0ff0\n"			/* ESP */
"	push $0x20002\n"		/* EFLAGS: VM, IOPL 0 */
"	push $(" GUEST_STR(V86_CODE_GPA) " >> 4)\n"	/* CS */
"	push $(v86_code - v86_start)\n"			/* EIP */
"	iretl\n"
"	.code16\n"
"v86_code:\n"
"	hlt\n"
"	.code32\n"
"v86_gp:\n"
"	mov $" GUEST_STR(V86_PORT) ", %dx\n"
"	mov 4(%esp), %eax\n"		/* EIP of the HLT */
"	out %ax, %dx\n"
"	mov 12(%esp), %eax\n"		/* EFLAGS: VM is bit 17 */
"	shr $16, %eax\n"
"	out %ax, %dx\n"
"	mov (%esp), %eax\n"		/* the error code */
"	out %ax, %dx\n"
"	mov 20(%esp), %eax\n"		/* the v86 SS */
"	out %ax, %dx\n"
"	mov %esp, %eax\n"		/* on the ring-0 stack? */
"	out %ax, %dx\n"
"	hlt\n"
"v86_end:\n"
"	.code64\n"
"	.popsection\n"
);

static int expect_out(struct vcpu *vcpu, uint16_t want, uint16_t mask,
		      const char *what, char *why, size_t size)
{
	return expect_out16(vcpu, V86_PORT, want, mask, what, why, size);
}

static int expect_out_on(struct vcpu *vcpu, uint16_t port, uint16_t want,
			 const char *what, char *why, size_t size)
{
	return expect_out16(vcpu, port, want, 0xffff, what, why, size);
}

/* A 32-bit interrupt gate to @handler through the 32-bit code segment. */
static uint64_t gate32(uint32_t handler)
{
	return (handler & 0xffffULL) | (uint64_t)SEL_CODE32 << 16 |
	       0x8eULL << 40 | (uint64_t)(handler >> 16) << 48;
}

/*
 * Flat 32-bit protected mode at @code_gpa, where [start, end) of this
 * program is copied, with an IDT at @idt_gpa whose only gate is #GP's,
 * to @gp; the TSS gives SS0:ESP0 for a fault at CPL 3 or in v86 mode.
 */
static void pm32_setup(struct vm *vm, struct vcpu *vcpu, uint32_t code_gpa,
		       const char *start, const char *end, const char *gp,
		       uint64_t idt_gpa, uint32_t esp0)
{
	uint64_t *idt = gpa_to_hva(vm, idt_gpa);
	uint8_t *tss = gpa_to_hva(vm, TSS_GPA);
	uint32_t ss0 = SEL_DATA;
	struct kvm_sregs sregs;

	vm_load(vm, code_gpa, start, end);
	memset(idt, 0, 256 * 8);
	idt[GP_VECTOR] = gate32(code_gpa + (gp - start));
	/* The 32-bit TSS fields: ESP0 at 4, SS0 at 8. */
	memcpy(tss + 4, &esp0, 4);
	memcpy(tss + 8, &ss0, 4);
	vcpu_set_protected_mode(vcpu, code_gpa, PM32_STACK, 0);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.idt.base = idt_gpa;
	sregs.idt.limit = 256 * 8 - 1;
	vcpu_sregs_set(vcpu, &sregs);
}

static int v86_hlt_is_gp(struct vm *vm, struct vcpu *vcpu, char *why,
			 size_t size)
{
	pm32_setup(vm, vcpu, V86_CODE_GPA, v86_start, v86_end, v86_gp,
		   V86_IDT_GPA, V86_RING0_STACK);
	/* The frame: 9 dwords (GS..EIP) and the error code below ESP0. */
	if (expect_out(vcpu, v86_code - v86_start, 0xffff, "EIP", why, size) ||
	    expect_out(vcpu, 2, 2, "EFLAGS.VM", why, size) ||
	    expect_out(vcpu, 0, 0xffff, "error code", why, size) ||
	    expect_out(vcpu, V86_SS, 0xffff, "SS", why, size) ||
	    expect_out(vcpu, (uint16_t)(V86_RING0_STACK - 40), 0xffff,
		       "ESP", why, size))
		return -1;
	return expect_hlt(vcpu, why, size);
}

/*
 * SYSENTER and SYSEXIT in 32-bit protected mode (SDM vol. 2, SYSENTER,
 * SYSEXIT): SYSENTER takes CS from IA32_SYSENTER_CS and SS = CS + 8,
 * ESP and EIP from their MSRs, at CPL 0; SYSEXIT returns to CPL 3 with
 * CS = SYSENTER_CS + 16 and SS = + 24 (RPL 3), EIP = EDX, ESP = ECX.
 * With IA32_SYSENTER_CS 0, SYSENTER is #GP(0).
 */
#define SE32_CODE_GPA	0x10000
#define SE32_IDT_GPA	0x12000ULL
#define SE32_ESP	0x1e000
#define SE32_USER_ESP	0x1d000
#define SE32_PORT	0x2f6
#define SE32_CS		0x28		/* the 32-bit code selector */

extern char se32_start[], se32_entry[], se32_user[], se32_gp[], se32_end[];
asm(
"	.pushsection .text, \"ax\"\n"
"	.code32\n"
"	.macro se32_report\n"		/* OUT of CS, SS and ESP */
"	mov $" GUEST_STR(SE32_PORT) ", %dx\n"
"	mov %cs, %ax\n"
"	out %ax, %dx\n"
"	mov %ss, %ax\n"
"	out %ax, %dx\n"
"	mov %esp, %eax\n"
"	out %ax, %dx\n"
"	.endm\n"
"se32_start:\n"
"	sysenter\n"
"se32_entry:\n"
"	se32_report\n"
"	mov $(" GUEST_STR(SE32_CODE_GPA) " + se32_user - se32_start), %edx\n"
"	mov $" GUEST_STR(SE32_USER_ESP) ", %ecx\n"
"	sysexit\n"
"se32_user:\n"
"	se32_report\n"
"	mov $0x174, %ecx\n"		/* SYSENTER_CS: #GP at CPL 3 */
"	rdmsr\n"
"se32_gp:\n"
"	mov $" GUEST_STR(SE32_PORT) ", %dx\n"
"	mov $0xd, %ax\n"
"	out %ax, %dx\n"
"	mov (%esp), %eax\n"		/* the error code */
"	out %ax, %dx\n"
"	hlt\n"
"se32_end:\n"
"	.code64\n"
"	.popsection\n"
);

static int sysenter_32(struct vm *vm, struct vcpu *vcpu, char *why,
		       size_t size)
{
	struct kvm_regs regs;

	pm32_setup(vm, vcpu, SE32_CODE_GPA, se32_start, se32_end, se32_gp,
		   SE32_IDT_GPA, SE32_ESP - 0x800);
	vcpu_regs_get(vcpu, &regs);
	regs.rflags = 0x3002;		/* IOPL 3: the OUTs at CPL 3 */
	vcpu_regs_set(vcpu, &regs);
	if (vcpu_set_msr(vcpu, 0x174, SE32_CS) != 1 ||
	    vcpu_set_msr(vcpu, 0x175, SE32_ESP) != 1 ||
	    vcpu_set_msr(vcpu, 0x176, SE32_CODE_GPA +
			 (se32_entry - se32_start)) != 1) {
		snprintf(why, size, "KVM_SET_MSRS of the SYSENTER MSRs failed");
		return -1;
	}
	return expect_out_on(vcpu, SE32_PORT, SE32_CS, "CS at CPL 0", why, size) ||
	       expect_out_on(vcpu, SE32_PORT, SE32_CS + 8, "SS at CPL 0", why, size) ||
	       expect_out_on(vcpu, SE32_PORT, (uint16_t)SE32_ESP, "ESP", why, size) ||
	       expect_out_on(vcpu, SE32_PORT, (SE32_CS + 16) | 3, "CS after SYSEXIT",
			     why, size) ||
	       expect_out_on(vcpu, SE32_PORT, (SE32_CS + 24) | 3, "SS after SYSEXIT",
			     why, size) ||
	       expect_out_on(vcpu, SE32_PORT, (uint16_t)SE32_USER_ESP,
			     "ESP after SYSEXIT", why, size) ||
	       expect_out_on(vcpu, SE32_PORT, GP_VECTOR, "RDMSR at CPL 3: vector",
			     why, size) ||
	       expect_out_on(vcpu, SE32_PORT, 0, "its error code", why, size) ?
	       -1 : 0;
}

/* SYSENTER with IA32_SYSENTER_CS 0 in 32-bit mode: #GP(0). */
extern char se32z_start[], se32z_gp[], se32z_end[];
asm(
"	.pushsection .text, \"ax\"\n"
"	.code32\n"
"se32z_start:\n"
"	sysenter\n"
"	hlt\n"
"se32z_gp:\n"
"	mov $" GUEST_STR(SE32_PORT) ", %dx\n"
"	mov 4(%esp), %eax\n"		/* the faulting EIP */
"	out %ax, %dx\n"
"	mov (%esp), %eax\n"
"	out %ax, %dx\n"
"	hlt\n"
"se32z_end:\n"
"	.code64\n"
"	.popsection\n"
);

static int sysenter_32_cs0(struct vm *vm, struct vcpu *vcpu, char *why,
			   size_t size)
{
	pm32_setup(vm, vcpu, SE32_CODE_GPA, se32z_start, se32z_end, se32z_gp,
		   SE32_IDT_GPA, SE32_ESP - 0x800);
	if (vcpu_set_msr(vcpu, 0x174, 0) != 1) {
		snprintf(why, size, "KVM_SET_MSRS of SYSENTER_CS failed");
		return -1;
	}
	return expect_out_on(vcpu, SE32_PORT, SE32_CODE_GPA & 0xffff,
			     "#GP's EIP", why, size) ||
	       expect_out_on(vcpu, SE32_PORT, 0, "#GP's error code", why, size) ?
	       -1 : 0;
}

const struct check legacy_checks[] = {
	{ .name = "v86-hlt-gp-frame", .host_only = v86_hlt_is_gp },
	{ .name = "sysenter-sysexit-32", .host_only = sysenter_32 },
	{ .name = "sysenter-32-cs0-gp", .host_only = sysenter_32_cs0 },
};
const size_t nr_legacy_checks = sizeof(legacy_checks) /
				sizeof(legacy_checks[0]);
