// SPDX-License-Identifier: GPL-2.0
/*
 * vmxlab: the character device /dev/vmxlab and its system ioctls, which
 * follow KVM's ABI (<linux/kvm.h>), and module load and unload.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/major.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/preempt.h>

#include "vmxlab.h"
#include "irq/irq_route.h"
#include "mem.h"
#include "net/vhost.h"
#include "vmx/vmx_cpu.h"

static struct dentry *vmxlab_debugfs;

/*
 * Programs written for KVM (QEMU 7.2 among them) open /dev/kvm by path and
 * have no option for another device. With kvm_alias=1 vmxlab also answers
 * as the misc device "kvm" (minor 232, /dev/kvm), which only works while
 * kvm.ko is not loaded: it owns that name and minor.
 */
static bool kvm_alias;
module_param(kvm_alias, bool, 0444);
MODULE_PARM_DESC(kvm_alias, "also register as /dev/kvm (misc minor 232) when kvm.ko is not loaded");

/*
 * Capabilities are reported only once implemented, so that programs
 * written for KVM fall back instead of failing later.
 */
int vmxlab_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_ENABLE_CAP_VM:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_HLT:
	case KVM_CAP_XSAVE:
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_VCPU_ATTRIBUTES:
	case KVM_CAP_X86_MSR_FILTER:
		return 1;
	case KVM_CAP_X86_USER_SPACE_MSR:
		return 1;
	case KVM_CAP_XCRS:
		return !!vmx_host_xcr0();	/* as KVM: the host has XSAVE */
	case KVM_CAP_XSAVE2:
		return sizeof(struct kvm_xsave);
	case KVM_CAP_ADJUST_CLOCK:
		return KVM_CLOCK_REALTIME;	/* the flags KVM_GET_CLOCK sets */
	/* As api.rst: these are numbers, not yes/no. */
	case KVM_CAP_IRQ_ROUTING:
		return IRQ_ROUTE_MAX_GSI;	/* GSIs a routing table may name */
	case KVM_CAP_MCE:
		return VMXLAB_MCE_BANKS;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return VMXLAB_MAX_VCPUS;
	case KVM_CAP_NR_MEMSLOTS:
		return VMXLAB_MAX_SLOTS;
	case KVM_CAP_COALESCED_MMIO:
		return KVM_COALESCED_MMIO_PAGE_OFFSET;	/* the ring's page */
	case KVM_CAP_COALESCED_PIO:
		return 1;
	default:
		return 0;
	}
}

struct dentry *vmxlab_debugfs_root(void)
{
	return vmxlab_debugfs;
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
	case KVM_GET_SUPPORTED_CPUID:
		return vmxlab_get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return vmxlab_get_msr_index_list((void __user *)arg);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return vmxlab_get_mce_cap_supported((u64 __user *)arg);
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

static struct miscdevice vmxlab_kvm_misc = {
	.minor = KVM_MINOR,
	.name = "kvm",
	.fops = &vmxlab_dev_fops,
	.mode = 0660,
};

/* The /dev/kvm alias; refused, with the reason, when kvm.ko holds it. */
static int kvm_alias_register(void)
{
	int err;

	if (!kvm_alias)
		return 0;
	err = misc_register(&vmxlab_kvm_misc);
	if (err == -EBUSY)
		pr_err("kvm_alias=1: /dev/kvm (misc minor %d) is taken: unload kvm_intel and kvm first\n",
		       KVM_MINOR);
	else if (err)
		pr_err("kvm_alias=1: cannot register /dev/kvm: %d\n", err);
	else
		pr_info("kvm_alias=1: /dev/kvm is vmxlab\n");
	return err;
}

static void kvm_alias_deregister(void)
{
	if (kvm_alias)
		misc_deregister(&vmxlab_kvm_misc);
}

static int __init vmxlab_init(void)
{
	int err;

	vmxlab_debugfs = debugfs_create_dir("vmxlab", NULL);
	vmxlab_mem_debugfs(vmxlab_debugfs);
	err = vmx_cpu_setup(vmxlab_debugfs);
	if (err)
		goto out_debugfs;
	err = vmx_engine_setup();
	if (err)
		goto out_vmx;
	preempt_notifier_inc();
	err = misc_register(&vmxlab_misc);
	if (err) {
		pr_err("cannot register /dev/vmxlab: %d\n", err);
		goto out_engine;
	}
	err = kvm_alias_register();
	if (err)
		goto out_misc;
	err = vnet_register();
	if (err) {
		pr_err("cannot register /dev/vmxlab-net: %d\n", err);
		goto out_alias;
	}
	pr_info("ready: /dev/vmxlab (KVM API %d), /dev/vmxlab-net\n",
		KVM_API_VERSION);
	return 0;

out_alias:
	kvm_alias_deregister();
out_misc:
	misc_deregister(&vmxlab_misc);
out_engine:
	preempt_notifier_dec();
	vmx_engine_teardown();
out_vmx:
	vmx_cpu_teardown();
out_debugfs:
	debugfs_remove_recursive(vmxlab_debugfs);
	return err;
}

static void __exit vmxlab_exit(void)
{
	vnet_unregister();
	kvm_alias_deregister();
	misc_deregister(&vmxlab_misc);
	debugfs_remove_recursive(vmxlab_debugfs);
	preempt_notifier_dec();
	vmx_engine_teardown();
	vmx_cpu_teardown();
	pr_info("unloaded\n");
}

module_init(vmxlab_init);
module_exit(vmxlab_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(VMXLAB_VERSION);
MODULE_DESCRIPTION("vmxlab: a small VT-x hypervisor speaking the KVM ioctl ABI");
