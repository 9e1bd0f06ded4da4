// SPDX-License-Identifier: GPL-2.0
/*
 * The state ioctls VMMs use for reset, save/restore and start-up checks,
 * beyond registers and MSRs: KVM_GET/SET_XSAVE and KVM_GET_XSAVE2 (the
 * guest's FPU/SSE/AVX state in XSAVE's standard format), KVM_GET/SET_XCRS
 * (XCR0), KVM_GET/SET_TSC_KHZ and the two kvmvapic settings for a vCPU,
 * and KVM_GET/SET_CLOCK for a VM (the kvmclock epoch). As api.rst defines
 * them; what vmxlab cannot do (scale the TSC) is refused, never pretended.
 */
#include <linux/kvm.h>
#include <linux/ktime.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/tsc.h>

#include "vmxlab.h"
#include "irq/kernel/irqchip.h"
#include "mem.h"

/* As KVM: the state a guest may have, not all the host has (PKRU, AMX). */
static u64 xsave_features(void)
{
	return vmxlab_supported_xcr0() ?: XFEATURE_MASK_FPSSE;
}

/* KVM_GET_XSAVE, and KVM_GET_XSAVE2 with its KVM_CAP_XSAVE2 size. */
static long vcpu_get_xsave(struct vmxlab_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *xs = vmxlab_zalloc(sizeof(*xs));
	long r = 0;

	if (!xs)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, xs->region,
				       sizeof(xs->region), xsave_features(), 0);
	if (copy_to_user(argp, xs, sizeof(*xs)))
		r = -EFAULT;
	vmxlab_free(xs, sizeof(*xs));
	return r;
}

/* Reserved header bits, or features not enabled, are -EINVAL (as KVM). */
static long vcpu_set_xsave(struct vmxlab_vcpu *vcpu, void __user *argp)
{
	struct kvm_xsave *xs;
	u32 pkru = 0;
	long r;

	xs = vmxlab_memdup_user(argp, sizeof(*xs));
	if (IS_ERR(xs))
		return PTR_ERR(xs);
	r = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, xs->region,
					   xsave_features(), &pkru);
	vmxlab_free(xs, sizeof(*xs));
	return r;
}

/* As KVM: without XSAVE on the host there are no XCRs to move. */
static long vcpu_get_xcrs(struct vmxlab_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs xcrs = {};

	if (vmx_host_xcr0()) {
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].xcr = XCR_XFEATURE_ENABLED_MASK;
		xcrs.xcrs[0].value = vcpu->vmx.xcr0;
	}
	return copy_to_user(argp, &xcrs, sizeof(xcrs)) ? -EFAULT : 0;
}

/* Only XCR0 exists; each value must be one XSETBV would take. */
static long vcpu_set_xcrs(struct vmxlab_vcpu *vcpu, void __user *argp)
{
	struct kvm_xcrs xcrs;
	u64 xcr0 = vcpu->vmx.xcr0;
	u32 i;

	if (!vmx_host_xcr0())
		return -EINVAL;
	if (copy_from_user(&xcrs, argp, sizeof(xcrs)))
		return -EFAULT;
	if (xcrs.nr_xcrs > KVM_MAX_XCRS || xcrs.flags)
		return -EINVAL;
	for (i = 0; i < xcrs.nr_xcrs; i++) {
		if (xcrs.xcrs[i].xcr != XCR_XFEATURE_ENABLED_MASK ||
		    !vmx_xcr0_valid(vcpu, xcrs.xcrs[i].value))
			return -EINVAL;
		xcr0 = xcrs.xcrs[i].value;
	}
	vcpu->vmx.xcr0 = xcr0;
	return 0;
}

/*
 * Without TSC scaling (KVM_CAP_TSC_CONTROL is 0) the guest's TSC runs at
 * the host's rate; a request within KVM's tolerance of it (250 ppm) is
 * that rate, anything else is refused.
 */
static long vcpu_set_tsc_khz(struct vmxlab_vcpu *vcpu, unsigned long khz)
{
	u64 slack = (u64)tsc_khz * 250 / 1000000;

	if (!khz)
		return 0;
	if (khz + slack < tsc_khz || khz > tsc_khz + slack)
		return -EINVAL;
	return 0;
}

/*
 * KVM_SET_VAPIC_ADDR and KVM_TPR_ACCESS_REPORTING, for QEMU's kvmvapic
 * (which aborts if either fails). vmxlab keeps both settings and checks
 * them as KVM does, but reports no KVM_CAP_VAPIC: it neither mirrors the
 * TPR into the vAPIC page nor exits with KVM_EXIT_TPR_ACCESS (neither
 * does KVM on a CPU with TPR virtualization, as the lab's).
 */
static long vcpu_set_vapic_addr(struct vmxlab_vcpu *vcpu, void __user *argp)
{
	struct kvm_vapic_addr va;

	if (!lapic_in_kernel(vcpu))
		return -EINVAL;
	if (copy_from_user(&va, argp, sizeof(va)))
		return -EFAULT;
	if (va.vapic_addr && !mmu_gpa_is_ram(vcpu->vm, va.vapic_addr, true))
		return -EINVAL;
	vcpu->vapic_addr = va.vapic_addr;
	return 0;
}

static long vcpu_tpr_access_reporting(struct vmxlab_vcpu *vcpu,
				      void __user *argp)
{
	struct kvm_tpr_access_ctl tac;

	if (!lapic_in_kernel(vcpu))
		return -EINVAL;
	if (copy_from_user(&tac, argp, sizeof(tac)))
		return -EFAULT;
	if (tac.flags)
		return -EINVAL;
	vcpu->tpr_access_reporting = !!tac.enabled;
	return copy_to_user(argp, &tac, sizeof(tac)) ? -EFAULT : 0;
}

long vcpu_state_ioctl(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
		      void __user *argp)
{
	switch (ioctl) {
	case KVM_SET_VAPIC_ADDR:
		return vcpu_set_vapic_addr(vcpu, argp);
	case KVM_TPR_ACCESS_REPORTING:
		return vcpu_tpr_access_reporting(vcpu, argp);
	case KVM_GET_XSAVE:
	case KVM_GET_XSAVE2:
		return vcpu_get_xsave(vcpu, argp);
	case KVM_SET_XSAVE:
		return vcpu_set_xsave(vcpu, argp);
	case KVM_GET_XCRS:
		return vcpu_get_xcrs(vcpu, argp);
	case KVM_SET_XCRS:
		return vcpu_set_xcrs(vcpu, argp);
	case KVM_GET_TSC_KHZ:
		return tsc_khz ? (long)tsc_khz : -EIO;
	case KVM_SET_TSC_KHZ:
		return vcpu_set_tsc_khz(vcpu, (unsigned long)argp);
	default:
		return -EINVAL;
	}
}

/*
 * KVM_GET_CLOCK: the VM's kvmclock in ns, and the host's wall clock at
 * the same moment (KVM_CLOCK_REALTIME), so that KVM_SET_CLOCK on the
 * destination can add the time that passed in between.
 */
static long vm_get_clock(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_clock_data data = {};

	data.realtime = ktime_get_real_ns();
	data.clock = ktime_get_boottime_ns() + READ_ONCE(vm->kvmclock_offset);
	data.flags = KVM_CLOCK_REALTIME;
	return copy_to_user(argp, &data, sizeof(data)) ? -EFAULT : 0;
}

static long vm_set_clock(struct vmxlab_vm *vm, void __user *argp)
{
	const u32 valid = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME |
			  KVM_CLOCK_HOST_TSC;
	struct kvm_clock_data data;
	u64 now_real, clock;

	if (copy_from_user(&data, argp, sizeof(data)))
		return -EFAULT;
	if (data.flags & ~valid)
		return -EINVAL;
	clock = data.clock;
	if (data.flags & KVM_CLOCK_REALTIME) {
		now_real = ktime_get_real_ns();
		if (now_real > data.realtime)
			clock += now_real - data.realtime;
	}
	WRITE_ONCE(vm->kvmclock_offset, clock - ktime_get_boottime_ns());
	vm_pvclock_changed(vm);
	return 0;
}

long vm_clock_ioctl(struct vmxlab_vm *vm, unsigned int ioctl,
		    void __user *argp)
{
	return ioctl == KVM_GET_CLOCK ? vm_get_clock(vm, argp) :
					vm_set_clock(vm, argp);
}
