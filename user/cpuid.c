// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher's CPUID policy (see cpuid.h). The device's supported set
 * leaves out what its in-kernel LAPIC emulates without the host CPU's
 * help: KVM reports the TSC-deadline timer as KVM_CAP_TSC_DEADLINE_TIMER,
 * not in CPUID, and a VMM that wants its guests to use it sets
 * CPUID.1:ECX[24] itself, as QEMU does. Features of the in-kernel LAPIC
 * are cleared when the LAPIC is the launcher's. KVM leaves the
 * hypervisor-present bit, CPUID.1:ECX[31], to the VMM too: without it a
 * guest never reads the KVM leaves, and so never finds kvm-clock.
 */
#include "cpuid.h"

/*
 * KVM paravirtual features that need the LAPIC in the kernel: async page
 * faults, PV EOI, PV unhalt, PV IPIs, async PF by interrupt, extended MSI
 * destination IDs. A guest would enable them and fault.
 */
#define KVM_PV_NEEDS_KERNEL_LAPIC \
	((1u << 4) | (1u << 6) | (1u << 7) | (1u << 11) | (1u << 14) | (1u << 15))

static void cpuid_leaf1(struct kvm_cpuid_entry2 *e, const struct cpuid_policy *p)
{
	e->ebx = (e->ebx & 0x0000ffff) | (p->vcpu_id & 0xff) << 24 |
		 (p->nr_vcpus & 0xff) << 16;
	e->ecx |= CPUID_1_ECX_HYPERVISOR;
	if (!p->lapic_in_kernel) {
		e->ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE);
		if (p->user_tsc_deadline)
			e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
		return;
	}
	if (p->tsc_deadline_cap)
		e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	else
		e->ecx &= ~CPUID_1_ECX_TSC_DEADLINE;
}

void cpuid_apply_policy(struct kvm_cpuid_entry2 *entries, unsigned int n,
			const struct cpuid_policy *p)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *e = &entries[i];

		switch (e->function) {
		case 1:
			cpuid_leaf1(e, p);
			break;
		case KVM_CPUID_FEATURES_LEAF:
			if (!p->lapic_in_kernel)
				e->eax &= ~KVM_PV_NEEDS_KERNEL_LAPIC;
			break;
		case 0xb:
		case 0x1f:
			e->edx = p->vcpu_id;
			break;
		}
	}
}
