// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock's MSRs (MSR_KVM_WALL_CLOCK/SYSTEM_TIME and their _NEW twins at
 * 0x4b564d00). vmxlab does not fill a pvclock page yet and so advertises
 * no kvmclock in its KVM CPUID leaves: a guest that writes these MSRs gets
 * #GP, as on a CPU without the feature. Userspace still saves and restores
 * them at every reset (QEMU 7.2 does, whatever the CPUID says, and asserts
 * that each write succeeds), so host-initiated access reads back what was
 * written.
 */
#include <asm/kvm_para.h>

#include "vmxlab.h"

static u64 *pvclock_msr(struct vmxlab_vcpu *vcpu, u32 index)
{
	switch (index) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		return &vcpu->kvm_wall_clock;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		return &vcpu->kvm_system_time;
	default:
		return NULL;
	}
}

/* Returns true if @index is a kvmclock MSR; *err is then 0 or -EINVAL. */
bool vcpu_pvclock_get_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 *data,
			  bool host, int *err)
{
	u64 *msr = pvclock_msr(vcpu, index);

	if (!msr)
		return false;
	*err = host ? 0 : -EINVAL;
	*data = host ? *msr : 0;
	return true;
}

bool vcpu_pvclock_set_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 data,
			  bool host, int *err)
{
	u64 *msr = pvclock_msr(vcpu, index);

	if (!msr)
		return false;
	*err = host ? 0 : -EINVAL;
	if (host)
		*msr = data;
	return true;
}
