// SPDX-License-Identifier: GPL-2.0
/*
 * VM objects: one per KVM_CREATE_VM, living as long as its anonymous-inode
 * file. Each VM holds a reference on VMX operation, so the first VM turns
 * VMX on across the CPUs and the last one to close turns it off.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/slab.h>

#include "vmxlab.h"
#include "vmx/vmx_cpu.h"

static void vmxlab_vm_free(struct vmxlab_vm *vm)
{
	kfree(vm);
	vmx_put();
}

static int vmxlab_vm_release(struct inode *inode, struct file *file)
{
	vmxlab_vm_free(file->private_data);
	return 0;
}

static long vmxlab_vm_ioctl(struct file *file, unsigned int ioctl,
			    unsigned long arg)
{
	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return vmxlab_check_extension(arg);
	default:
		/* What KVM answers for a VM ioctl it does not know. */
		return -ENOTTY;
	}
}

static const struct file_operations vmxlab_vm_fops = {
	.owner = THIS_MODULE,
	.release = vmxlab_vm_release,
	.unlocked_ioctl = vmxlab_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

int vmxlab_create_vm(unsigned long type)
{
	struct vmxlab_vm *vm;
	int err, fd;

	if (type)
		return -EINVAL;
	err = vmx_get();
	if (err)
		return err;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm) {
		vmx_put();
		return -ENOMEM;
	}
	mutex_init(&vm->lock);

	fd = anon_inode_getfd("vmxlab-vm", &vmxlab_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		vmxlab_vm_free(vm);
	return fd;
}
