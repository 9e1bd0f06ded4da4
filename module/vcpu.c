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
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/fpu/api.h>

#include "vmxlab.h"
#include "compat.h"
#include "irq/kernel/irqchip.h"
#include "mem.h"
#include "run.h"
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

/*
 * Called with the runqueue lock held: no timer or LAPIC work here. A TSC
 * deadline timed by the preemption timer stays so while the thread is
 * preempted (it is runnable and re-checks the deadline before its next
 * entry), as KVM leaves its hv timer; a vCPU that blocks or returns to
 * userspace gives the deadline back to the hrtimer (irqchip_vcpu_leaving).
 */
static void vcpu_sched_out(struct preempt_notifier *pn,
			   struct task_struct *next)
{
	vmx_vcpu_put(notifier_to_vcpu(pn));
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

/*
 * Finish the instruction whose exit userspace has just served. Returns 1
 * to go on into the guest, 0 if an exit for userspace was filled in
 * instead (the instruction could not be finished), or -errno.
 */
static int vcpu_complete_userspace_io(struct vmxlab_vcpu *vcpu)
{
	enum vcpu_completion c = vcpu->completion;

	vcpu->completion = COMPLETE_NONE;
	switch (c) {
	case COMPLETE_NONE:
		break;
	case COMPLETE_SKIP:
		vmx_skip_instruction(vcpu);
		break;
	case COMPLETE_PIO_IN:
		vmx_complete_pio_in(vcpu);
		break;
	case COMPLETE_PIO_STRING_IN:
		return vmx_complete_string_in(vcpu);
	case COMPLETE_MMIO_READ:
		return vmx_complete_mmio_read(vcpu);
	case COMPLETE_OUTS_MMIO:
		return vmx_complete_outs_mmio(vcpu);
	case COMPLETE_MMIO_PUSHA:
		return vmx_complete_mmio_pusha(vcpu);
	case COMPLETE_RDMSR:
	case COMPLETE_WRMSR:
		vcpu_complete_user_msr(vcpu, c == COMPLETE_WRMSR);
		break;
	}
	return 1;
}

static void vcpu_report_state(struct vmxlab_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->cr8 = vcpu->cr8;
	run->apic_base = vcpu->apic_base;
	run->if_flag = !!(vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF);
	run->ready_for_interrupt_injection = vcpu_accepts_user_pic(vcpu) &&
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
	if (err > 0 && vmxlab_run_immediate_exit(run))
		err = -EINTR;
	else if (err > 0)
		err = vcpu_run_loop(vcpu);
	vcpu->ran = true;
	vcpu->completion_rip = vmx_rip();
	vcpu_deadline_to_host_timer(vcpu);
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

/* The guest's FPU state as an XSAVE image, in a buffer of our own. */
static struct kvm_xsave *guest_xsave_image(struct vmxlab_vcpu *vcpu)
{
	struct kvm_xsave *xs = vmxlab_zalloc(sizeof(*xs));

	if (xs)
		fpu_copy_guest_fpstate_to_uabi(&vcpu->guest_fpu, xs->region,
					       sizeof(xs->region),
					       guest_xfeatures(), 0);
	return xs;
}

static int vcpu_get_fpu(struct vmxlab_vcpu *vcpu, struct kvm_fpu __user *u)
{
	struct kvm_xsave *xs = guest_xsave_image(vcpu);
	struct fxsave_image *fx;
	struct kvm_fpu fpu = {};

	if (!xs)
		return -ENOMEM;
	fx = (struct fxsave_image *)xs->region;
	memcpy(fpu.fpr, fx->st, sizeof(fpu.fpr));
	fpu.fcw = fx->fcw;
	fpu.fsw = fx->fsw;
	fpu.ftwx = fx->ftw;
	fpu.last_opcode = fx->fop;
	fpu.last_ip = fx->fip;
	fpu.last_dp = fx->fdp;
	memcpy(fpu.xmm, fx->xmm, sizeof(fpu.xmm));
	fpu.mxcsr = fx->mxcsr;
	vmxlab_free(xs, sizeof(*xs));
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
	xs = guest_xsave_image(vcpu);
	if (!xs)
		return -ENOMEM;
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
	/* An MXCSR with reserved bits set is refused there, as in KVM. */
	fx->mxcsr = fpu.mxcsr;
	err = fpu_copy_uabi_to_guest_fpstate(&vcpu->guest_fpu, xs->region,
					     guest_xfeatures(), &pkru);
	vmxlab_free(xs, sizeof(*xs));
	return err;
}

/* As KVM: the APIC base is checked first, then the rest goes in. */
static int vcpu_set_sregs(struct vmxlab_vcpu *vcpu,
			  const struct kvm_sregs *sregs)
{
	int err;

	if (!vmx_sregs_valid(vcpu, sregs))
		return -EINVAL;
	err = irqchip_set_apic_base(vcpu, sregs->apic_base, true);
	if (err)
		return err;
	return vmx_set_sregs(vcpu, sregs);
}

static void get_regs(struct vmxlab_vcpu *vcpu, void *regs)
{
	vmx_get_regs(vcpu, regs);
}

/*
 * As KVM: an exit still to be completed (an IN's value, an OUT's step)
 * survives KVM_SET_REGS that leaves RIP where it was (QEMU puts every
 * register back before each KVM_RUN at reset and after its kvmvapic
 * handler); a new RIP abandons it.
 */
static int set_regs(struct vmxlab_vcpu *vcpu, const void *regs)
{
	const struct kvm_regs *r = regs;

	if (r->rip != vcpu->completion_rip)
		vcpu->completion = COMPLETE_NONE;
	vmx_set_regs(vcpu, regs);
	return 0;
}

static void get_sregs(struct vmxlab_vcpu *vcpu, void *sregs)
{
	vmx_get_sregs(vcpu, sregs);
}

static int set_sregs(struct vmxlab_vcpu *vcpu, const void *sregs)
{
	return vcpu_set_sregs(vcpu, sregs);
}

static void get_debugregs(struct vmxlab_vcpu *vcpu, void *d)
{
	vmx_get_debugregs(vcpu, d);
}

static int set_debugregs(struct vmxlab_vcpu *vcpu, const void *d)
{
	return vmx_set_debugregs(vcpu, d);
}

static void get_events(struct vmxlab_vcpu *vcpu, void *events)
{
	vmx_get_vcpu_events(vcpu, events);
}

static int set_events(struct vmxlab_vcpu *vcpu, const void *events)
{
	return vmx_set_vcpu_events(vcpu, events);
}

/* A fixed-size register block, read or written with the vCPU loaded. */
struct loaded_state {
	unsigned int get, set;		/* the two ioctls */
	size_t size;
	void (*read)(struct vmxlab_vcpu *vcpu, void *buf);
	int (*write)(struct vmxlab_vcpu *vcpu, const void *buf);
};

static const struct loaded_state loaded_states[] = {
	{ KVM_GET_REGS, KVM_SET_REGS, sizeof(struct kvm_regs),
	  get_regs, set_regs },
	{ KVM_GET_SREGS, KVM_SET_SREGS, sizeof(struct kvm_sregs),
	  get_sregs, set_sregs },
	{ KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, sizeof(struct kvm_debugregs),
	  get_debugregs, set_debugregs },
	{ KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
	  sizeof(struct kvm_vcpu_events), get_events, set_events },
};

static long loaded_state_ioctl(struct vmxlab_vcpu *vcpu,
			       const struct loaded_state *st, bool set,
			       void __user *argp)
{
	void *buf = vmxlab_zalloc(st->size);
	long r = 0;

	if (!buf)
		return -ENOMEM;
	if (set && copy_from_user(buf, argp, st->size)) {
		r = -EFAULT;
		goto out;
	}
	vcpu_load(vcpu);
	if (set)
		r = st->write(vcpu, buf);
	else
		st->read(vcpu, buf);
	vcpu_put(vcpu);
	if (!set && copy_to_user(argp, buf, st->size))
		r = -EFAULT;
out:
	vmxlab_free(buf, st->size);
	return r;
}

/* Register and MSR ioctls: the VMCS and the CPU hold the state. */
static long vcpu_ioctl_loaded(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			      void __user *argp)
{
	long r;
	int i;

	for (i = 0; i < ARRAY_SIZE(loaded_states); i++) {
		if (ioctl == loaded_states[i].get || ioctl == loaded_states[i].set)
			return loaded_state_ioctl(vcpu, &loaded_states[i],
						  ioctl == loaded_states[i].set,
						  argp);
	}
	vcpu_load(vcpu);
	r = vcpu_msrs_ioctl(vcpu, argp, ioctl == KVM_SET_MSRS);
	vcpu_put(vcpu);
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

/* The vCPU ioctls, each called with vcpu->mutex held. */
typedef long (*vcpu_ioctl_fn)(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			      void __user *argp);

static long ioctl_run(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
		      void __user *argp)
{
	return argp ? -EINVAL : vcpu_run(vcpu);
}

static long ioctl_fpu(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
		      void __user *argp)
{
	return ioctl == KVM_GET_FPU ? vcpu_get_fpu(vcpu, argp) :
				      vcpu_set_fpu(vcpu, argp);
}

static long ioctl_cpuid(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			void __user *argp)
{
	long r;

	if (ioctl == KVM_GET_CPUID2)
		return vcpu_get_cpuid2(vcpu, argp);
	r = vcpu_set_cpuid2(vcpu, argp);
	if (!r && vcpu->lapic)
		lapic_set_x2apic_supported(vcpu->lapic, vcpu_has_x2apic(vcpu));
	return r;
}

static long ioctl_mp_state(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			   void __user *argp)
{
	return ioctl == KVM_GET_MP_STATE ? vcpu_get_mp_state(vcpu, argp) :
					   vcpu_set_mp_state(vcpu, argp);
}

static long ioctl_setup_mce(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			    void __user *argp)
{
	return vcpu_setup_mce(vcpu, argp);
}

/*
 * KVM_HAS/GET/SET_DEVICE_ATTR on a vCPU: of the groups of devices/vcpu.rst
 * only KVM_VCPU_TSC_CTRL's KVM_VCPU_TSC_OFFSET (guest TSC = host TSC +
 * offset), which a VMM reads to relate guest and host TSC values.
 */
static long ioctl_device_attr(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			      void __user *argp)
{
	struct kvm_device_attr attr;
	u64 __user *uaddr;
	u64 offset;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != KVM_VCPU_TSC_CTRL || attr.attr != KVM_VCPU_TSC_OFFSET)
		return -ENXIO;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;
	uaddr = u64_to_user_ptr(attr.addr);
	if (ioctl == KVM_GET_DEVICE_ATTR)
		return put_user(vcpu->tsc_offset, uaddr);
	if (get_user(offset, uaddr))
		return -EFAULT;
	vcpu_load(vcpu);
	vmx_set_tsc_offset(vcpu, offset);
	vcpu_put(vcpu);
	return 0;
}

static const struct {
	unsigned int ioctl;
	vcpu_ioctl_fn fn;
} vcpu_ioctls[] = {
	{ KVM_RUN, ioctl_run },
	{ KVM_GET_REGS, vcpu_ioctl_loaded },
	{ KVM_SET_REGS, vcpu_ioctl_loaded },
	{ KVM_GET_SREGS, vcpu_ioctl_loaded },
	{ KVM_SET_SREGS, vcpu_ioctl_loaded },
	{ KVM_GET_DEBUGREGS, vcpu_ioctl_loaded },
	{ KVM_SET_DEBUGREGS, vcpu_ioctl_loaded },
	{ KVM_GET_MSRS, vcpu_ioctl_loaded },
	{ KVM_GET_VCPU_EVENTS, vcpu_ioctl_loaded },
	{ KVM_SET_VCPU_EVENTS, vcpu_ioctl_loaded },
	{ KVM_SET_MSRS, vcpu_ioctl_loaded },
	{ KVM_GET_FPU, ioctl_fpu },
	{ KVM_SET_FPU, ioctl_fpu },
	{ KVM_GET_CPUID2, ioctl_cpuid },
	{ KVM_SET_CPUID2, ioctl_cpuid },
	{ KVM_GET_MP_STATE, ioctl_mp_state },
	{ KVM_SET_MP_STATE, ioctl_mp_state },
	{ KVM_GET_LAPIC, irqchip_vcpu_ioctl },
	{ KVM_SET_LAPIC, irqchip_vcpu_ioctl },
	{ KVM_INTERRUPT, irqchip_vcpu_ioctl },
	{ KVM_NMI, irqchip_vcpu_ioctl },
	{ KVM_X86_SETUP_MCE, ioctl_setup_mce },
	{ KVM_GET_XSAVE, vcpu_state_ioctl },
	{ KVM_GET_XSAVE2, vcpu_state_ioctl },
	{ KVM_SET_XSAVE, vcpu_state_ioctl },
	{ KVM_GET_XCRS, vcpu_state_ioctl },
	{ KVM_SET_XCRS, vcpu_state_ioctl },
	{ KVM_GET_TSC_KHZ, vcpu_state_ioctl },
	{ KVM_SET_TSC_KHZ, vcpu_state_ioctl },
	{ KVM_SET_VAPIC_ADDR, vcpu_state_ioctl },
	{ KVM_TPR_ACCESS_REPORTING, vcpu_state_ioctl },
	{ KVM_HAS_DEVICE_ATTR, ioctl_device_attr },
	{ KVM_GET_DEVICE_ATTR, ioctl_device_attr },
	{ KVM_SET_DEVICE_ATTR, ioctl_device_attr },
};

static long vcpu_ioctl(struct file *file, unsigned int ioctl,
		       unsigned long arg)
{
	struct vmxlab_vcpu *vcpu = file->private_data;
	/* What KVM answers for a vCPU ioctl it does not know. */
	long r = -EINVAL;
	int i;

	if (vcpu->vm->mmu.mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	for (i = 0; i < ARRAY_SIZE(vcpu_ioctls); i++) {
		if (vcpu_ioctls[i].ioctl == ioctl) {
			r = vcpu_ioctls[i].fn(vcpu, ioctl, (void __user *)arg);
			break;
		}
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
	else if (vmf->pgoff == KVM_COALESCED_MMIO_PAGE_OFFSET)
		page = virt_to_page(vcpu->vm->coalesced_ring);
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

/* The VMCS as the CPU holds it: loaded here for the read, like an ioctl. */
static int vcpu_vmcs_show(struct seq_file *m, void *unused)
{
	struct vmxlab_vcpu *vcpu = m->private;

	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	vcpu_load(vcpu);
	vmx_show_vmcs(m);
	vcpu_put(vcpu);
	mutex_unlock(&vcpu->mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpu_vmcs);

static void vcpu_free_struct(struct vmxlab_vcpu *vcpu)
{
	vmxlab_page_free(vcpu->pio_data);
	vmxlab_page_free(vcpu->run);
	vmxlab_free(vcpu, sizeof(*vcpu));
	vmxlab_count(VMXLAB_LIVE_VCPUS, -1);
}

void vmxlab_vcpu_free(struct vmxlab_vcpu *vcpu)
{
	debugfs_remove_recursive(vcpu->debugfs);
	irqchip_vcpu_destroy(vcpu);
	vmx_vcpu_destroy(vcpu);
	fpu_free_guest_fpstate(&vcpu->guest_fpu);
	vmxlab_free(vcpu->cpuid, vcpu->cpuid_nent * sizeof(*vcpu->cpuid));
	vcpu_free_struct(vcpu);
}

static struct vmxlab_vcpu *vcpu_alloc(struct vmxlab_vm *vm, unsigned int id)
{
	struct vmxlab_vcpu *vcpu;

	vcpu = vmxlab_zalloc(sizeof(*vcpu));
	if (!vcpu)
		return NULL;
	vmxlab_count(VMXLAB_LIVE_VCPUS, 1);
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->tsc_offset = vm->tsc_offset;
	mutex_init(&vcpu->mutex);
	preempt_notifier_init(&vcpu->preempt_notifier, &vcpu_preempt_ops);
	vcpu->run = vmxlab_page_alloc();
	vcpu->pio_data = vmxlab_page_alloc();
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
	vcpu_free_struct(vcpu);
	return NULL;
}

static void vcpu_debugfs_add(struct vmxlab_vcpu *vcpu)
{
	char name[16];

	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	vcpu->debugfs = debugfs_create_dir(name, vcpu->vm->debugfs);
	debugfs_create_file("exits", 0444, vcpu->debugfs, vcpu,
			    &vcpu_exits_fops);
	debugfs_create_file("vmcs", 0400, vcpu->debugfs, vcpu,
			    &vcpu_vmcs_fops);
}

/*
 * Everything that can fail (the fd, the file, the allocations) happens
 * before the vCPU becomes visible: once its LAPIC is on the APIC bus,
 * IPIs, MSIs, irqfds and the PIT may hold it, so it must never be freed
 * again before the VM goes.
 */
int vmxlab_create_vcpu(struct vmxlab_vm *vm, unsigned long id)
{
	struct vmxlab_vcpu *vcpu;
	struct file *file;
	int fd, err;

	if (id >= VMXLAB_MAX_VCPUS)
		return -EINVAL;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	mutex_lock(&vm->lock);
	err = -EEXIST;
	if (vm->vcpus[id])
		goto fail;
	err = -ENOMEM;
	vcpu = vcpu_alloc(vm, id);
	if (!vcpu)
		goto fail;
	err = irqchip_vcpu_attach_mmio(vcpu);
	if (err) {
		vmxlab_vcpu_free(vcpu);
		goto fail;
	}
	file = anon_inode_getfile("vmxlab-vcpu", &vcpu_fops, vcpu, O_RDWR);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		irqchip_vcpu_detach_mmio(vcpu);
		vmxlab_vcpu_free(vcpu);
		goto fail;
	}
	vmxlab_vm_get(vm);
	vcpu_debugfs_add(vcpu);
	/* Pairs with READ_ONCE() of vm->vcpus[] by the interrupt paths. */
	smp_store_release(&vm->vcpus[id], vcpu);
	vm->nr_vcpus++;
	irqchip_vcpu_publish(vcpu);
	mutex_unlock(&vm->lock);
	fd_install(fd, file);
	return fd;
fail:
	mutex_unlock(&vm->lock);
	put_unused_fd(fd);
	return err;
}
