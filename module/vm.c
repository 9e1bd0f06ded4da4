// SPDX-License-Identifier: GPL-2.0
/*
 * VM objects: one per KVM_CREATE_VM. The VM file and each vCPU file hold
 * a reference; the VM, with its vCPUs and memory, goes with the last one.
 * Each VM holds a reference on VMX operation, so the first VM turns VMX
 * on across the CPUs and the last one to go turns it off.
 */
#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>

#include "vmxlab.h"
#include "irq/kernel/irqchip.h"
#include "coalesced.h"
#include "eventfd.h"
#include "io_bus.h"
#include "mem.h"
#include "vmx/vmx_cpu.h"

static atomic_t vm_serial = ATOMIC_INIT(0);

static int vm_memory_show(struct seq_file *m, void *unused)
{
	mmu_show_stats(m, m->private);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vm_memory);

static void vm_free_vcpus(struct vmxlab_vm *vm)
{
	struct vmxlab_vcpu *vcpu;
	int i;

	for (i = 0; i < VMXLAB_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu)
			continue;
		WRITE_ONCE(vm->vcpus[i], NULL);
		vcpu->debugfs = NULL;
		vmxlab_vcpu_free(vcpu);
	}
}

/*
 * No file refers to the VM any more, but interrupt sources outside any
 * vCPU may still fire: an irqfd signalled by another process, the PIT's
 * timer. They go first, so that nothing can reach a LAPIC once the vCPUs
 * that own them are freed.
 */
static void vm_destroy(struct kref *kref)
{
	struct vmxlab_vm *vm = container_of(kref, struct vmxlab_vm, refs);

	debugfs_remove_recursive(vm->debugfs);
	vm_eventfds_destroy(vm);
	irqchip_stop_sources(vm);
	vm_free_vcpus(vm);
	irqchip_destroy(vm);
	vm_coalesced_destroy(vm);
	vm_free_msr_filter(vm);
	io_bus_destroy(vm);
	mmu_destroy(vm);
	vmxlab_free(vm, sizeof(*vm));
	vmxlab_count(VMXLAB_LIVE_VMS, -1);
	vmx_put();
}

void vmxlab_vm_get(struct vmxlab_vm *vm)
{
	kref_get(&vm->refs);
}

void vmxlab_vm_put(struct vmxlab_vm *vm)
{
	kref_put(&vm->refs, vm_destroy);
}

static int vm_release(struct inode *inode, struct file *file)
{
	vmxlab_vm_put(file->private_data);
	return 0;
}

static long vm_set_memory_region(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_userspace_memory_region region;

	if (copy_from_user(&region, argp, sizeof(region)))
		return -EFAULT;
	return mmu_set_memory_region(vm, &region);
}

static long vm_get_dirty_log(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_dirty_log log;

	if (copy_from_user(&log, argp, sizeof(log)))
		return -EFAULT;
	return mmu_get_dirty_log(vm, &log);
}

static long vm_set_identity_map_addr(struct vmxlab_vm *vm, void __user *argp)
{
	u64 addr;

	if (copy_from_user(&addr, argp, sizeof(addr)))
		return -EFAULT;
	/* Only needed by CPUs without unrestricted guest; kept for KVM ABI. */
	vm->identity_map_addr = addr;
	return 0;
}

static long vm_enable_cap(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	if (cap.cap == KVM_CAP_SPLIT_IRQCHIP)
		return irqchip_enable_split(vm, &cap);
	if (cap.cap == KVM_CAP_X86_USER_SPACE_MSR)
		return vm_enable_user_space_msr(vm, &cap);
	return -EINVAL;
}

static long vm_ioctl(struct file *file, unsigned int ioctl, unsigned long arg)
{
	struct vmxlab_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mmu.mm != current->mm)
		return -EIO;
	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return vmxlab_check_extension(arg);
	case KVM_CREATE_VCPU:
		return vmxlab_create_vcpu(vm, arg);
	case KVM_SET_USER_MEMORY_REGION:
		return vm_set_memory_region(vm, argp);
	case KVM_SET_TSS_ADDR:
		/* Real-mode emulation needs no TSS with unrestricted guest. */
		vm->tss_addr = arg;
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR:
		return vm_set_identity_map_addr(vm, argp);
	case KVM_ENABLE_CAP:
		return vm_enable_cap(vm, argp);
	case KVM_IRQFD:
		return vm_irqfd(vm, argp);
	case KVM_IOEVENTFD:
		return vm_ioeventfd(vm, argp);
	case KVM_GET_DIRTY_LOG:
		return vm_get_dirty_log(vm, argp);
	case KVM_GET_CLOCK:
	case KVM_SET_CLOCK:
		return vm_clock_ioctl(vm, ioctl, argp);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		return vm_coalesced_ioctl(vm, ioctl, argp);
	case KVM_X86_SET_MSR_FILTER:
		return vm_set_msr_filter(vm, argp);
	default:
		/* -ENOTTY, what KVM answers for a VM ioctl it does not know. */
		return irqchip_vm_ioctl(vm, ioctl, argp, arg);
	}
}

static const struct file_operations vm_fops = {
	.owner = THIS_MODULE,
	.release = vm_release,
	.unlocked_ioctl = vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

int vmxlab_create_vm(unsigned long type)
{
	struct vmxlab_vm *vm;
	char name[32];
	int err, fd;

	if (type)
		return -EINVAL;
	err = vmx_get();
	if (err)
		return err;
	vm = vmxlab_zalloc(sizeof(*vm));
	if (!vm) {
		vmx_put();
		return -ENOMEM;
	}
	vmxlab_count(VMXLAB_LIVE_VMS, 1);
	/* As KVM: the vCPUs' TSCs start at 0 together, not at the host's. */
	vm->tsc_offset = -rdtsc();
	mutex_init(&vm->lock);
	kref_init(&vm->refs);
	vm_eventfds_init(vm);
	err = vm_coalesced_init(vm);
	if (!err)
		err = io_bus_init(vm);
	if (!err)
		err = mmu_init(vm);
	if (err) {
		vmxlab_vm_put(vm);
		return err;
	}
	snprintf(name, sizeof(name), "vm%d-%d", task_pid_nr(current),
		 atomic_inc_return(&vm_serial));
	vm->debugfs = debugfs_create_dir(name, vmxlab_debugfs_root());
	debugfs_create_file("memory", 0444, vm->debugfs, vm, &vm_memory_fops);

	fd = anon_inode_getfd("vmxlab-vm", &vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		vmxlab_vm_put(vm);
	return fd;
}
