/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU requests: work for a vCPU that someone else (an interrupt model in
 * a timer callback, another vCPU's IPI, an ioctl) or the vCPU itself
 * noticed, recorded as one bit each in vcpu->requests and done by the run
 * loop (run.c) before the next entry. KVM's kvm_make_request() and
 * kvm_check_request() are the model.
 *
 * Ordering: whatever the request is about (a LAPIC's IRR, an EOI vector)
 * is written before the bit is set, and read after the bit is seen and
 * cleared: vcpu_make_request()'s smp_wmb() pairs with the smp_mb__after_atomic()
 * in vcpu_check_request(). Telling a vCPU that is in the guest or asleep
 * is vcpu_kick()'s business (run.c), whose own barrier pairs with the
 * one the entry path executes after it marks the vCPU as in the guest.
 */
#ifndef VMXLAB_REQUESTS_H
#define VMXLAB_REQUESTS_H

#include <linux/bitops.h>
#include <linux/compiler.h>

#include "vmxlab.h"

enum vcpu_request {
	VCPU_REQ_EVENT,		/* an interrupt, NMI, INIT or SIPI may be due */
	VCPU_REQ_NMI,		/* KVM_NMI: inject an NMI */
	VCPU_REQ_EOI_EXIT,	/* split irqchip: KVM_EXIT_IOAPIC_EOI of eoi_exit_vector */
	VCPU_REQ_CLOCK_UPDATE,	/* kvmclock: write the vCPU's pvclock page */
	VCPU_REQ_MSR_FILTER,	/* the MSR filter changed: rebuild the MSR bitmap */
	VCPU_NR_REQUESTS
};

static inline void vcpu_make_request(struct vmxlab_vcpu *vcpu,
				     enum vcpu_request req)
{
	/* The data behind the request first; pairs with vcpu_check_request. */
	smp_wmb();
	set_bit(req, &vcpu->requests);
}

static inline bool vcpu_test_request(struct vmxlab_vcpu *vcpu,
				     enum vcpu_request req)
{
	return test_bit(req, &vcpu->requests);
}

/* Take @req if it is there: true once per vcpu_make_request(). */
static inline bool vcpu_check_request(struct vmxlab_vcpu *vcpu,
				      enum vcpu_request req)
{
	if (!test_bit(req, &vcpu->requests))
		return false;
	clear_bit(req, &vcpu->requests);
	/* Pairs with the smp_wmb() in vcpu_make_request(). */
	smp_mb__after_atomic();
	return true;
}

static inline bool vcpu_has_requests(struct vmxlab_vcpu *vcpu)
{
	return READ_ONCE(vcpu->requests);
}

#endif
