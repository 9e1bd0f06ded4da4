// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU objects and their file descriptors: KVM_CREATE_VCPU, the mmap'd
 * struct kvm_run and PIO page, and the vCPU ioctls. A vCPU is "loaded"
 * (its VMCS current and the guest's MSRs in the CPU) for the length of
 * an ioctl; preempt notifiers move it along if the thread migrates.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>

#include "vmxlab.h"
#include "irqchip.h"
#include "mmu/walk.h"
#include "vmx/vmx_ops.h"
#include "irq/lapic.h"

static struct vmxlab_vcpu *notifier_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct vmxlab_vcpu, preempt_notifier);
}

static void vcpu_sched_in(struct preempt_notifier *pn, int cpu)
{
	vmx_vcpu_load(notifier_to_vcpu(pn), cpu);
}

static void vcpu_sched_out(struct preempt_notifier *pn,
			   struct task_struct *next)
{
	struct vmxlab_vcpu *vcpu = notifier_to_vcpu(pn);

	irqchip_vcpu_leaving(vcpu);
	vmx_vcpu_put(vcpu);
}

static struct preempt_ops vcpu_preempt_ops = {
	.sched_in = vcpu_sched_in,
	.sched_out = vcpu_sched_out,
};

static void vcpu_load(struct vmxlab_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_register(&vcpu->preempt_notifier);
	vmx_vcpu_load(vcpu, smp_processor_id());
	preempt_enable();
}

static void vcpu_put(struct vmxlab_vcpu *vcpu)
{
	preempt_disable();
	vmx_vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

static void pio_in_to_rax(struct vmxlab_vcpu *vcpu)
{
	u64 *rax = &vcpu->vmx.regs.gpr[VCPU_RAX];
	u64 value = 0;

	memcpy(&value, vcpu->pio_data, vcpu->pio.size);
	if (vcpu->pio.size == 4)
		*rax = value;
	else if (vcpu->pio.size == 2)
		*rax = (*rax & ~0xffffULL) | value;
	else
		*rax = (*rax & ~0xffULL) | value;
}

static int pio_in_to_memory(struct vmxlab_vcpu *vcpu)
{
	u64 step = vcpu->pio.dir * (s64)vcpu->pio.size;
	u32 i;
	int err;

	if (vcpu->pio.dir > 0)
		return guest_write_linear(vcpu, vcpu->pio.linear,
					  vcpu->pio_data,
					  vcpu->pio.count * vcpu->pio.size);
	for (i = 0; i < vcpu->pio.count; i++) {
		err = guest_write_linear(vcpu, vcpu->pio.linear + i * step,
					 vcpu->pio_data + i * vcpu->pio.size,
					 vcpu->pio.size);
		if (err)
			return err;
	}
	return 0;
}

static void mmio_read_done(struct vmxlab_vcpu *vcpu)
{
	u64 *gpr = vcpu->vmx.regs.gpr;
	u64 value = 0;

	memcpy(&value, vcpu->run->mmio.data, vcpu->mmio.size);
	gpr[VCPU_RSP] = vmcs_read(GUEST_RSP);
	mmio_insn_complete_read(&vcpu->mmio, gpr, value);
	vmcs_write(GUEST_RSP, gpr[VCPU_RSP]);
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vcpu->mmio.len);
}

/* Finish the instruction whose exit userspace has just served. */
static int vcpu_complete_userspace_io(struct vmxlab_vcpu *vcpu)
{
	enum vcpu_completion c = vcpu->completion;
	int err = 0;

	vcpu->completion = COMPLETE_NONE;
	switch (c) {
	case COMPLETE_NONE:
		return 0;
	case COMPLETE_SKIP:
		break;
	case COMPLETE_PIO_IN:
		pio_in_to_rax(vcpu);
		break;
	case COMPLETE_PIO_STRING_IN:
		err = pio_in_to_memory(vcpu);
		if (err || !vcpu->pio.done)
			return err;
		break;
	case COMPLETE_MMIO_READ:
		mmio_read_done(vcpu);
		return 0;
	}
	vmx_skip_instruction(vcpu);
	return err;
}

static void vcpu_report_state(struct vmxlab_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->cr8 = vcpu->cr8;
	run->apic_base = vcpu->apic_base;
	run->if_flag = !!(vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = !lapic_in_kernel(vcpu) &&
		!vcpu->user_irq_pending && !vmx_event_injection_pending() &&
		vmx_interrupt_allowed();
}

static int vcpu_run(struct vmxlab_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int err;

	vcpu->task = current;
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, true);
	vcpu_load(vcpu);
	err = vcpu_complete_userspace_io(vcpu);
	/* As KVM: the pending exit completes, exit_reason stays as it was. */
	if (!err && READ_ONCE(run->immediate_exit))
		err = -EINTR;
	else if (!err)
		err = vmx_vcpu_run(vcpu);
	vcpu->ran = true;
	irqchip_vcpu_leaving(vcpu);
	vcpu_report_state(vcpu);
	vcpu_put(vcpu);
	fpu_swap_kvm_fpstate(&vcpu->guest_fpu, false);
	vcpu->task = NULL;
	return err;
}

/* The legacy FXSAVE image at the start of the XSAVE buffer. */
struct fxsave_image {
	u16 fcw, fsw;
	u8 ftw, pad0;
	u16 fop;
	u64 fip, fdp;
	u32 mxcsr, mxcsr_mask;
	u8 st[8][16];
	u8 xmm[16][16];
};

#define XSAVE_HEADER_OFFSET	512

static u64 guest_xfeatures(void)
{
	return vmx_host_xcr0() ?: XFEATURE_MASK_FPSSE;
}

static int vcpu_get_fpu(struct vmxlab_vcpu *vcpu, struct kvm_fpu __user *u)
{
	struct kvm_xsave *xs;
	struct fxsave_image *fx;
	struct kvm_fpu fpu = {};

	xs = kzalloc(sizeof(*xs), GFP_KERNEL);
	if (!xs)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, xs->region,
				       sizeof(xs->region), guest_xfeatures(), 0);
	fx = (struct fxsave_image *)xs->region;
	memcpy(fpu.fpr, fx->st, sizeof(fpu.fpr));
	fpu.fcw = fx->fcw;
	fpu.fsw = fx->fsw;
	fpu.ftwx = fx->ftw;
	fpu.last_opcode = fx->fop;
	fpu.last_ip = fx->fip;
	fpu.last_dp = fx->fdp;
	memcpy(fpu.xmm, fx->xmm, sizeof(fpu.xmm));
	/* As KVM: MXCSR is not part of this ioctl (see KVM_GET_XSAVE). */
	kfree(xs);
	return copy_to_user(u, &fpu, sizeof(fpu)) ? -EFAULT : 0;
}

static int vcpu_set_fpu(struct vmxlab_vcpu *vcpu, struct kvm_fpu __user *u)
{
	struct kvm_xsave *xs;
	struct fxsave_image *fx;
	struct kvm_fpu fpu;
	u32 pkru = 0;
	int err;

	if (copy_from_user(&fpu, u, sizeof(fpu)))
		return -EFAULT;
	xs = kzalloc(sizeof(*xs), GFP_KERNEL);
	if (!xs)
		return -ENOMEM;
	fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, xs->region,
				       sizeof(xs->region), guest_xfeatures(), 0);
	fx = (struct fxsave_image *)xs->region;
	/* XRSTOR ignores the legacy area unless the header marks it in use. */
	xs->region[XSAVE_HEADER_OFFSET / 4] |= XFEATURE_MASK_FPSSE;
	memcpy(fx->st, fpu.fpr, sizeof(fpu.fpr));
	fx->fcw = fpu.fcw;
	fx->fsw = fpu.fsw;
	fx->ftw = fpu.ftwx;
	fx->fop = fpu.last_opcode;
	fx->fip = fpu.last_ip;
	fx->fdp = fpu.last_dp;
	memcpy(fx->xmm, fpu.xmm, sizeof(fpu.xmm));
	err = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, xs->region,
					     guest_xfeatures(), &pkru);
	kfree(xs);
	return err;
}

static long vcpu_ioctl_loaded(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			      void __user *argp)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
	} *u;
	long r;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	vcpu_load(vcpu);
	switch (ioctl) {
	case KVM_GET_REGS:
		vmx_get_regs(vcpu, &u->regs);
		r = copy_to_user(argp, &u->regs, sizeof(u->regs)) ? -EFAULT : 0;
		break;
	case KVM_SET_REGS:
		r = -EFAULT;
		if (copy_from_user(&u->regs, argp, sizeof(u->regs)))
			break;
		vmx_set_regs(vcpu, &u->regs);
		vcpu->completion = COMPLETE_NONE;
		r = 0;
		break;
	case KVM_GET_SREGS:
		vmx_get_sregs(vcpu, &u->sregs);
		r = copy_to_user(argp, &u->sregs, sizeof(u->sregs)) ? -EFAULT : 0;
		break;
	case KVM_SET_SREGS:
		r = -EFAULT;
		if (copy_from_user(&u->sregs, argp, sizeof(u->sregs)))
			break;
		r = vmx_set_sregs(vcpu, &u->sregs);
		break;
	case KVM_GET_MSRS:
		r = vcpu_msrs_ioctl(vcpu, argp, false);
		break;
	case KVM_SET_MSRS:
		r = vcpu_msrs_ioctl(vcpu, argp, true);
		break;
	default:
		r = -EINVAL;
	}
	vcpu_put(vcpu);
	kfree(u);
	return r;
}

static long vcpu_get_mp_state(struct vmxlab_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp = { .mp_state = vcpu->mp_state };

	return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
}

static long vcpu_set_mp_state(struct vmxlab_vcpu *vcpu, void __user *argp)
{
	struct kvm_mp_state mp;

	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	/* Without an in-kernel LAPIC only RUNNABLE exists, as in KVM. */
	switch (mp.mp_state) {
	case KVM_MP_STATE_RUNNABLE:
		break;
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
		if (lapic_in_kernel(vcpu))
			break;
		fallthrough;
	default:
		return -EINVAL;
	}
	vcpu->mp_state = mp.mp_state;
	return 0;
}

static long vcpu_ioctl(struct file *file, unsigned int ioctl,
		       unsigned long arg)
{
	struct vmxlab_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;
	long r;

	if (vcpu->vm->mmu.mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	switch (ioctl) {
	case KVM_RUN:
		r = arg ? -EINVAL : vcpu_run(vcpu);
		break;
	case KVM_GET_REGS:
	case KVM_SET_REGS:
	case KVM_GET_SREGS:
	case KVM_SET_SREGS:
	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		r = vcpu_ioctl_loaded(vcpu, ioctl, argp);
		break;
	case KVM_GET_FPU:
		r = vcpu_get_fpu(vcpu, argp);
		break;
	case KVM_SET_FPU:
		r = vcpu_set_fpu(vcpu, argp);
		break;
	case KVM_SET_CPUID2:
		r = vcpu_set_cpuid2(vcpu, argp);
		if (!r && vcpu->lapic)
			lapic_set_x2apic_supported(vcpu->lapic,
						   vcpu_has_x2apic(vcpu));
		break;
	case KVM_GET_CPUID2:
		r = vcpu_get_cpuid2(vcpu, argp);
		break;
	case KVM_GET_MP_STATE:
		r = vcpu_get_mp_state(vcpu, argp);
		break;
	case KVM_GET_LAPIC:
	case KVM_SET_LAPIC:
	case KVM_INTERRUPT:
	case KVM_NMI:
		r = irqchip_vcpu_ioctl(vcpu, ioctl, argp);
		break;
	case KVM_SET_MP_STATE:
		r = vcpu_set_mp_state(vcpu, argp);
		break;
	default:
		/* What KVM answers for a vCPU ioctl it does not know. */
		r = -EINVAL;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static vm_fault_t vcpu_fault(struct vm_fault *vmf)
{
	struct vmxlab_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff == 0)
		page = virt_to_page(vcpu->run);
	else if (vmf->pgoff == KVM_PIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->pio_data);
	else
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct vcpu_vm_ops = {
	.fault = vcpu_fault,
};

static int vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &vcpu_vm_ops;
	return 0;
}

static int vcpu_release(struct inode *inode, struct file *file)
{
	struct vmxlab_vcpu *vcpu = file->private_data;

	vmxlab_vm_put(vcpu->vm);
	return 0;
}

static const struct file_operations vcpu_fops = {
	.owner = THIS_MODULE,
	.release = vcpu_release,
	.unlocked_ioctl = vcpu_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vcpu_mmap,
	.llseek = noop_llseek,
};

static int vcpu_exits_show(struct seq_file *m, void *unused)
{
	struct vmxlab_vcpu *vcpu = m->private;
	int i;

	seq_printf(m, "%-22s %12s %16s\n", "exit", "count", "tsc");
	for (i = 0; i < VMX_NR_EXIT_REASONS; i++) {
		if (!vcpu->stats.count[i])
			continue;
		seq_printf(m, "%-22s %12llu %16llu\n", vmx_exit_reason_name(i),
			   vcpu->stats.count[i], vcpu->stats.tsc[i]);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpu_exits);

void vmxlab_vcpu_free(struct vmxlab_vcpu *vcpu)
{
	debugfs_remove_recursive(vcpu->debugfs);
	irqchip_vcpu_destroy(vcpu);
	vmx_vcpu_destroy(vcpu);
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
	kvfree(vcpu->cpuid);
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
}

static struct vmxlab_vcpu *vcpu_alloc(struct vmxlab_vm *vm, unsigned int id)
{
	struct vmxlab_vcpu *vcpu;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return NULL;
	vcpu->vm = vm;
	vcpu->id = id;
	mutex_init(&vcpu->mutex);
	preempt_notifier_init(&vcpu->preempt_notifier, &vcpu_preempt_ops);
	vcpu->run = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	vcpu->pio_data = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->run || !vcpu->pio_data)
		goto fail;
	if (!fpu_alloc_guest_fpstate(&vcpu->guest_fpu))
		goto fail;
	if (vmx_vcpu_create(vcpu)) {
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
		goto fail;
	}
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	vcpu_reset_msrs(vcpu);
	if (irqchip_vcpu_create(vcpu)) {
		vmx_vcpu_destroy(vcpu);
		fpu_free_guest_fpstate(&vcpu->guest_fpu);
		goto fail;
	}
	if (vcpu->lapic)
		vcpu->apic_base = lapic_get_base(vcpu->lapic);
	return vcpu;
fail:
	free_page((unsigned long)vcpu->pio_data);
	free_page((unsigned long)vcpu->run);
	kfree(vcpu);
	return NULL;
}

int vmxlab_create_vcpu(struct vmxlab_vm *vm, unsigned long id)
{
	struct vmxlab_vcpu *vcpu;
	char name[16];
	int fd;

	if (id >= VMXLAB_MAX_VCPUS)
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (vm->vcpus[id]) {
		fd = -EEXIST;
		goto out;
	}
	vcpu = vcpu_alloc(vm, id);
	if (!vcpu) {
		fd = -ENOMEM;
		goto out;
	}
	vmxlab_vm_get(vm);
	fd = anon_inode_getfd("vmxlab-vcpu", &vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		vmxlab_vm_put(vm);
		vmxlab_vcpu_free(vcpu);
		goto out;
	}
	vm->vcpus[id] = vcpu;
	vm->nr_vcpus++;
	snprintf(name, sizeof(name), "vcpu%lu", id);
	vcpu->debugfs = debugfs_create_dir(name, vm->debugfs);
	debugfs_create_file("exits", 0444, vcpu->debugfs, vcpu,
			    &vcpu_exits_fops);
out:
	mutex_unlock(&vm->lock);
	return fd;
}
