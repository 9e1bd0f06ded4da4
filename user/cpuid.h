/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The launcher's CPUID policy: from the device's supported set to what
 * one vCPU sees. Portable (host unit tests): the vCPU code passes the
 * facts it learnt from the device.
 */
#ifndef VMXLAB_USER_CPUID_H
#define VMXLAB_USER_CPUID_H

#include <stdbool.h>
#include <linux/kvm.h>

#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)
#define KVM_CPUID_FEATURES_LEAF	0x40000001

struct cpuid_policy {
	unsigned int vcpu_id;
	unsigned int nr_vcpus;
	bool lapic_in_kernel;	/* kernel or split irqchip */
	bool tsc_deadline_cap;	/* KVM_CAP_TSC_DEADLINE_TIMER */
	bool user_tsc_deadline;	/* the launcher's LAPIC has the timer */
};

void cpuid_apply_policy(struct kvm_cpuid_entry2 *entries, unsigned int n,
			const struct cpuid_policy *p);

#endif
