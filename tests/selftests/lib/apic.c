// SPDX-License-Identifier: GPL-2.0
/* Interrupt handler stubs for guest code, and their IDT set-up (apic.h). */
#include <errno.h>
#include <stdlib.h>

#include "guest.h"
#include "apic.h"

volatile uint64_t isr_count, isr_tsc, nmi_count, user_isr_count;
volatile uint64_t ap_isr_count, level_count, ap_ready;

asm(".pushsection .text\n"
    ".globl isr_apic_stub, isr_ap_stub, isr_nmi_stub, isr_level_stub\n"
    ".globl isr_user_stub\n"
    "isr_apic_stub:\n"
    "	push %rax\n	push %rdx\n"
    "	rdtsc\n	shl $32, %rdx\n	or %rdx, %rax\n"
    "	mov %rax, isr_tsc(%rip)\n"
    "	lock incq isr_count(%rip)\n"
    "	mov $0xfee000b0, %eax\n	movl $0, (%rax)\n"
    "	pop %rdx\n	pop %rax\n	iretq\n"
    "isr_ap_stub:\n"
    "	push %rax\n"
    "	lock incq ap_isr_count(%rip)\n"
    "	mov $0xfee000b0, %eax\n	movl $0, (%rax)\n"
    "	pop %rax\n	iretq\n"
    "isr_nmi_stub:\n"
    "	lock incq nmi_count(%rip)\n	iretq\n"
    "isr_level_stub:\n"
    "	lock incq level_count(%rip)\n	iretq\n"
    "isr_user_stub:\n"
    "	lock incq user_isr_count(%rip)\n	iretq\n"
    ".popsection\n");

int vcpu_enable_tsc_deadline(struct vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = default_cpuid(vcpu->vm);
	struct kvm_cpuid_entry2 *leaf1 = cpuid_find(cpuid, 1, 0);
	int r = -ENOENT;

	if (leaf1) {
		leaf1->ecx |= CPUID_1_ECX_TSC_DEADLINE;
		r = vcpu_set_cpuid(vcpu, cpuid);
	}
	free(cpuid);
	return r;
}

void set_idt_handler(struct vm *vm, int vector, void (*fn)(void))
{
	uint64_t *idt = gpa_to_hva(vm, IDT_GPA);
	uint64_t addr = (uintptr_t)fn;
	uint64_t *lo = &idt[2 * vector];

	/* Keep selector, IST and type; replace the offset. */
	*lo = (*lo & 0x0000ffffffff0000ULL) | (addr & 0xffff) |
	      ((addr >> 16) & 0xffff) << 48;
	idt[2 * vector + 1] = addr >> 32;
}
