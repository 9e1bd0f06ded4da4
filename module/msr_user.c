// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSR accesses for userspace to serve, as api.rst's
 * KVM_CAP_X86_USER_SPACE_MSR and KVM_X86_SET_MSR_FILTER define them: a
 * guest RDMSR or WRMSR that the VM's filter denies, that vmxlab does not
 * know, or whose value it refuses, exits with KVM_EXIT_X86_RDMSR/WRMSR
 * for the reasons userspace enabled; otherwise it is #GP, as before.
 * The next KVM_RUN finishes it: #GP if userspace set msr.error, else the
 * data (RDMSR) and the step over the instruction. The filter's rules are
 * msr_filter.c's; here is its life: copied in whole, swapped under RCU.
 */
#include <linux/kvm.h>
#include <linux/rcupdate.h>
#include <linux/uaccess.h>
#include <asm/traps.h>

#include "vmxlab.h"
#include "mem.h"
#include "msr_filter.h"
#include "requests.h"
#include "run.h"
#include "vmx/vmx.h"

#define USER_SPACE_MSR_REASONS	(KVM_MSR_EXIT_REASON_INVAL |	\
				 KVM_MSR_EXIT_REASON_UNKNOWN |	\
				 KVM_MSR_EXIT_REASON_FILTER)

int vm_enable_user_space_msr(struct vmxlab_vm *vm, const struct kvm_enable_cap *cap)
{
	if (cap->flags || (cap->args[0] & ~USER_SPACE_MSR_REASONS))
		return -EINVAL;
	WRITE_ONCE(vm->user_space_msr, (u32)cap->args[0]);
	return 0;
}

static void msr_filter_free(struct msr_filter *f)
{
	unsigned int i;

	if (!f)
		return;
	for (i = 0; i < f->nr_ranges; i++)
		vmxlab_free(f->ranges[i].bitmap,
			    msr_filter_bitmap_bytes(f->ranges[i].nmsrs));
	vmxlab_free(f, sizeof(*f));
}

/* The ranges in the caller's order, each bitmap copied: as KVM. */
static struct msr_filter *msr_filter_copy(const struct kvm_msr_filter *uf,
					  int *err)
{
	struct msr_filter *f = vmxlab_zalloc(sizeof(*f));
	unsigned int i;

	*err = -ENOMEM;
	if (!f)
		return NULL;
	f->default_deny = uf->flags & KVM_MSR_FILTER_DEFAULT_DENY;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct kvm_msr_filter_range *r = &uf->ranges[i];
		struct msr_filter_range *to = &f->ranges[f->nr_ranges];
		void *bitmap;

		if (!r->nmsrs)
			continue;
		bitmap = vmxlab_memdup_user((const void __user *)r->bitmap,
					    msr_filter_bitmap_bytes(r->nmsrs));
		if (IS_ERR(bitmap)) {
			*err = PTR_ERR(bitmap);
			msr_filter_free(f);
			return NULL;
		}
		*to = (struct msr_filter_range){
			.flags = r->flags, .base = r->base, .nmsrs = r->nmsrs,
			.bitmap = bitmap,
		};
		f->nr_ranges++;
	}
	*err = 0;
	return f;
}

long vm_set_msr_filter(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_msr_filter uf;
	struct msr_filter *f, *old;
	int err, i;

	if (copy_from_user(&uf, argp, sizeof(uf)))
		return -EFAULT;
	err = msr_filter_check(&uf);
	if (err)
		return err;
	f = msr_filter_copy(&uf, &err);
	if (!f)
		return err;
	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(vm->msr_filter, f, lockdep_is_held(&vm->lock));
	for (i = 0; i < VMXLAB_MAX_VCPUS; i++) {
		struct vmxlab_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu)
			continue;
		vcpu_make_request(vcpu, VCPU_REQ_MSR_FILTER);
		vcpu_kick(vcpu);
	}
	mutex_unlock(&vm->lock);
	synchronize_rcu();
	msr_filter_free(old);
	return 0;
}

void vm_free_msr_filter(struct vmxlab_vm *vm)
{
	msr_filter_free(rcu_dereference_protected(vm->msr_filter, 1));
	RCU_INIT_POINTER(vm->msr_filter, NULL);
}

bool vcpu_msr_allowed(struct vmxlab_vcpu *vcpu, u32 index, bool write)
{
	bool allowed;

	rcu_read_lock();
	allowed = msr_filter_allows(rcu_dereference(vcpu->vm->msr_filter),
				    index, write ? KVM_MSR_FILTER_WRITE :
						   KVM_MSR_FILTER_READ);
	rcu_read_unlock();
	return allowed;
}

/*
 * After a guest RDMSR/WRMSR of @index was denied (@err 0) or failed:
 * true if userspace takes it (the exit is filled in), false for #GP.
 */
bool vcpu_msr_to_userspace(struct vmxlab_vcpu *vcpu, u32 index, u64 data,
			   bool write, int err)
{
	u32 reason = !err ? KVM_MSR_EXIT_REASON_FILTER :
		     err == -ENOENT ? KVM_MSR_EXIT_REASON_UNKNOWN :
				      KVM_MSR_EXIT_REASON_INVAL;
	struct kvm_run *run = vcpu->run;

	if (!(READ_ONCE(vcpu->vm->user_space_msr) & reason))
		return false;
	run->exit_reason = write ? KVM_EXIT_X86_WRMSR : KVM_EXIT_X86_RDMSR;
	run->msr.error = 0;
	memset(run->msr.pad, 0, sizeof(run->msr.pad));
	run->msr.reason = reason;
	run->msr.index = index;
	run->msr.data = write ? data : 0;
	vcpu->completion = write ? COMPLETE_WRMSR : COMPLETE_RDMSR;
	return true;
}

/* The next KVM_RUN: #GP if userspace said so, else the access is done. */
void vcpu_complete_user_msr(struct vmxlab_vcpu *vcpu, bool write)
{
	struct kvm_run *run = vcpu->run;
	u64 *g = vcpu->vmx.regs.gpr;

	if (READ_ONCE(run->msr.error)) {
		vmx_inject_exception(vcpu, X86_TRAP_GP, true, 0);
		return;
	}
	if (!write) {
		u64 data = READ_ONCE(run->msr.data);

		g[VCPU_RAX] = (u32)data;
		g[VCPU_RDX] = data >> 32;
	}
	vmx_skip_instruction(vcpu);
}
