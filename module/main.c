// SPDX-License-Identifier: GPL-2.0
/*
 * vmxlab: the character device /dev/vmxlab and its system ioctls, which
 * follow KVM's ABI (<linux/kvm.h>), and module load and unload.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "vmxlab.h"
#include "vmx/vmx_cpu.h"

static struct dentry *vmxlab_debugfs;

/*
 * Capabilities are reported only once implemented, so that programs
 * written for KVM fall back instead of failing later.
 */
int vmxlab_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_CHECK_EXTENSION_VM:
		return 1;
	default:
		return 0;
	}
}

static long vmxlab_dev_ioctl(struct file *file, unsigned int ioctl,
			     unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return vmxlab_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return vmxlab_check_extension(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : VMXLAB_VCPU_MMAP_PAGES * PAGE_SIZE;
	default:
		/* What KVM answers for a system ioctl it does not know. */
		return -EINVAL;
	}
}

static const struct file_operations vmxlab_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vmxlab_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vmxlab_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmxlab",
	.fops = &vmxlab_dev_fops,
	.mode = 0660,
};

static int __init vmxlab_init(void)
{
	int err;

	vmxlab_debugfs = debugfs_create_dir("vmxlab", NULL);
	err = vmx_cpu_setup(vmxlab_debugfs);
	if (err)
		goto out_debugfs;
	err = misc_register(&vmxlab_misc);
	if (err) {
		pr_err("cannot register /dev/vmxlab: %d\n", err);
		goto out_vmx;
	}
	pr_info("ready: /dev/vmxlab (KVM API %d)\n", KVM_API_VERSION);
	return 0;

out_vmx:
	vmx_cpu_teardown();
out_debugfs:
	debugfs_remove_recursive(vmxlab_debugfs);
	return err;
}

static void __exit vmxlab_exit(void)
{
	misc_deregister(&vmxlab_misc);
	debugfs_remove_recursive(vmxlab_debugfs);
	vmx_cpu_teardown();
	pr_info("unloaded\n");
}

module_init(vmxlab_init);
module_exit(vmxlab_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmxlab: a small VT-x hypervisor speaking the KVM ioctl ABI");
