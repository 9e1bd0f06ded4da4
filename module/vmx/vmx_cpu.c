// SPDX-License-Identifier: GPL-2.0
/*
 * VMX operation per CPU.
 *
 * vmxlab enters VMX operation only while VMs exist, so that it coexists
 * with other hypervisors when idle. vmx_users counts the references; the
 * transitions 0 -> 1 and 1 -> 0 run VMXON/VMXOFF on every online CPU.
 * The "enabled" flag is only changed with the CPU hotplug lock held for
 * read, so the hotplug callbacks, which run with it held for write, see
 * a stable value.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <asm/asm.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "../compat.h"
#include "vmx.h"
#include "vmx_cpu.h"

struct vmx_cpu {
	struct page *vmxon_page;
	bool vmx_on;		/* this module executed VMXON here */
};

static DEFINE_PER_CPU(struct vmx_cpu, vmx_cpus);
static DEFINE_MUTEX(vmx_users_lock);
static unsigned int vmx_users;
static bool vmx_enabled;
static enum cpuhp_state vmx_cpuhp_state;

struct vmx_msrs vmx_msrs;

static void vmx_read_msrs(struct vmx_msrs *m)
{
	bool true_ctls;

	m->cpuid_vmx = boot_cpu_has(X86_FEATURE_VMX);
	if (!(cpuid_ecx(1) & BIT(5)))
		m->cpuid_vmx = false;
	if (!m->cpuid_vmx)
		return;
	rdmsrl_safe(MSR_IA32_FEAT_CTL, &m->feature_control);
	rdmsrl_safe(MSR_IA32_VMX_BASIC, &m->basic);
	true_ctls = m->basic & VMXCAP_BASIC_TRUE_CTLS;
	rdmsrl_safe(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
		    MSR_IA32_VMX_PINBASED_CTLS, &m->pinbased);
	rdmsrl_safe(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
		    MSR_IA32_VMX_PROCBASED_CTLS, &m->procbased);
	rdmsrl_safe(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
		    MSR_IA32_VMX_EXIT_CTLS, &m->exit);
	rdmsrl_safe(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
		    MSR_IA32_VMX_ENTRY_CTLS, &m->entry);
	if (m->procbased & ((u64)VMXCAP_ACTIVATE_SECONDARY << 32))
		rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &m->procbased2);
	if (m->procbased2 & ((u64)VMXCAP_SECONDARY_EPT << 32))
		rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &m->ept_vpid_cap);
}

static int vmxon_insn(u64 vmxon_pa)
{
	asm goto("1: vmxon %[pa]\n\t"
			  _ASM_EXTABLE(1b, %l[fault])
			  : : [pa] "m"(vmxon_pa) : "cc", "memory" : fault);
	return 0;
fault:
	return -EIO;
}

static int vmxoff_insn(void)
{
	asm goto("1: vmxoff\n\t"
			  _ASM_EXTABLE(1b, %l[fault])
			  :: : "cc", "memory" : fault);
	return 0;
fault:
	return -EIO;
}

static bool vmx_fixed_bits_ok(void)
{
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned long cr0 = read_cr0();
	unsigned long cr4 = cr4_read_shadow() | X86_CR4_VMXE;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, cr4_fixed1);
	return (cr0 & cr0_fixed0) == cr0_fixed0 && !(cr0 & ~cr0_fixed1) &&
	       (cr4 & cr4_fixed0) == cr4_fixed0 && !(cr4 & ~cr4_fixed1);
}

/* Runs on the CPU concerned, with preemption (and usually IRQs) off. */
static int vmx_on_this_cpu(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	int cpu = smp_processor_id();

	if (vc->vmx_on)
		return 0;
	if (cr4_read_shadow() & X86_CR4_VMXE)
		return -EBUSY;
	if (!vmx_fixed_bits_ok()) {
		pr_err("cpu%d: CR0/CR4 do not meet the VMX fixed bits\n", cpu);
		return -EIO;
	}
	intel_pt_handle_vmx(1);
	cr4_set_bits(X86_CR4_VMXE);
	if (vmxon_insn(page_to_phys(vc->vmxon_page))) {
		cr4_clear_bits(X86_CR4_VMXE);
		intel_pt_handle_vmx(0);
		pr_err("cpu%d: VMXON faulted\n", cpu);
		return -EIO;
	}
	vc->vmx_on = true;
	pr_debug("cpu%d: VMXON\n", cpu);
	return 0;
}

/*
 * VMXOFF forgets the VMCSs active here: VMCLEAR them first, so their
 * state reaches memory and the next CPU to load one starts clean (SDM
 * vol. 3, 25.11.3). Runs with IRQs off, so that no VMCLEAR IPI from
 * another CPU runs between.
 */
static void vmx_off_this_cpu(void)
{
	struct vmx_cpu *vc = this_cpu_ptr(&vmx_cpus);
	int cpu = smp_processor_id();

	lockdep_assert_irqs_disabled();
	if (!vc->vmx_on)
		return;
	vmx_clear_loaded_vmcss();
	if (vmxoff_insn())
		pr_err("cpu%d: VMXOFF faulted\n", cpu);
	cr4_clear_bits(X86_CR4_VMXE);
	intel_pt_handle_vmx(0);
	vc->vmx_on = false;
	pr_debug("cpu%d: VMXOFF\n", cpu);
}

/* Call with preemption off: the answer holds until it is turned back on. */
bool vmx_is_on_this_cpu(void)
{
	return this_cpu_read(vmx_cpus.vmx_on);
}

struct vmx_on_result {
	atomic_t busy;
	atomic_t failed;
	atomic_t first_bad_cpu;
};

static void vmx_on_ipi(void *data)
{
	struct vmx_on_result *res = data;
	int err = vmx_on_this_cpu();

	if (!err)
		return;
	atomic_inc(err == -EBUSY ? &res->busy : &res->failed);
	atomic_cmpxchg(&res->first_bad_cpu, -1, smp_processor_id());
}

static void vmx_off_ipi(void *unused)
{
	vmx_off_this_cpu();
}

static void vmx_report_busy(int cpu)
{
	bool kvm_loaded = __symbol_get("kvm_rebooting");

	if (kvm_loaded) {
		__symbol_put("kvm_rebooting");
		pr_warn("VMX is in use on cpu%d, most likely by kvm_intel: "
			VMXLAB_KVM_BUSY_HINT ", then retry\n", cpu);
	} else {
		pr_warn("VMX is in use on cpu%d by another hypervisor (not KVM): stop it, then retry\n",
			cpu);
	}
}

/* Called with vmx_users_lock held. */
static int vmx_enable_all(void)
{
	struct vmx_on_result res = {
		.busy = ATOMIC_INIT(0),
		.failed = ATOMIC_INIT(0),
		.first_bad_cpu = ATOMIC_INIT(-1),
	};
	int err = 0;

	cpus_read_lock();
	on_each_cpu(vmx_on_ipi, &res, 1);
	if (atomic_read(&res.busy) || atomic_read(&res.failed)) {
		on_each_cpu(vmx_off_ipi, NULL, 1);
		err = atomic_read(&res.busy) ? -EBUSY : -EIO;
	} else {
		vmx_enabled = true;
	}
	cpus_read_unlock();

	if (err == -EBUSY)
		vmx_report_busy(atomic_read(&res.first_bad_cpu));
	return err;
}

static void vmx_disable_all(void)
{
	cpus_read_lock();
	vmx_enabled = false;
	on_each_cpu(vmx_off_ipi, NULL, 1);
	cpus_read_unlock();
}

int vmx_get(void)
{
	int err = 0;

	mutex_lock(&vmx_users_lock);
	if (vmx_users == 0)
		err = vmx_enable_all();
	if (!err)
		vmx_users++;
	mutex_unlock(&vmx_users_lock);
	return err;
}

void vmx_put(void)
{
	mutex_lock(&vmx_users_lock);
	if (!WARN_ON(vmx_users == 0) && --vmx_users == 0)
		vmx_disable_all();
	mutex_unlock(&vmx_users_lock);
}

static int vmx_cpu_online(unsigned int cpu)
{
	int err;

	if (!vmx_enabled)
		return 0;
	preempt_disable();
	err = vmx_on_this_cpu();
	preempt_enable();
	if (err == -EBUSY)
		vmx_report_busy(cpu);
	return err;
}

static int vmx_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	vmx_off_this_cpu();
	local_irq_restore(flags);
	return 0;
}

static int vmx_reboot_notify(struct notifier_block *nb, unsigned long code,
			     void *unused)
{
	/* Leave no CPU in VMX operation: INIT is blocked there. */
	on_each_cpu(vmx_off_ipi, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block vmx_reboot_nb = {
	.notifier_call = vmx_reboot_notify,
};

/* Suspend runs on the last online CPU; the others went through offline. */
static int vmx_suspend(void)
{
	vmx_off_this_cpu();
	return 0;
}

static void vmx_resume(void)
{
	if (vmx_enabled)
		WARN_ON(vmx_on_this_cpu());
}

static struct syscore_ops vmx_syscore_ops = {
	.suspend = vmx_suspend,
	.resume = vmx_resume,
};

static void vmx_state_ipi(void *data)
{
	bool *cr4_vmxe = data;

	*cr4_vmxe = cr4_read_shadow() & X86_CR4_VMXE;
}

/* debugfs "cpus": per CPU, whether vmxlab did VMXON and what CR4 says. */
static int vmx_cpus_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	mutex_lock(&vmx_users_lock);
	cpus_read_lock();
	seq_printf(m, "users %u enabled %d vm_switch_ibpb %lu ibpb_on_cpu %d\n",
		   vmx_users, vmx_enabled, vmx_vm_switch_barriers(),
		   boot_cpu_has(X86_FEATURE_USE_IBPB));
	for_each_possible_cpu(cpu) {
		bool vmxe = false;
		bool online = cpu_online(cpu);

		if (online)
			smp_call_function_single(cpu, vmx_state_ipi, &vmxe, 1);
		seq_printf(m, "cpu%u %s vmxon %d cr4.vmxe %d\n", cpu,
			   online ? "online" : "offline",
			   per_cpu(vmx_cpus, cpu).vmx_on, vmxe);
	}
	cpus_read_unlock();
	mutex_unlock(&vmx_users_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmx_cpus);

static void vmx_free_vmxon_pages(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		if (vc->vmxon_page)
			__free_page(vc->vmxon_page);
		vc->vmxon_page = NULL;
	}
}

static int vmx_alloc_vmxon_pages(void)
{
	u32 revision = vmx_msrs.basic & VMXCAP_BASIC_REVISION_MASK;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu *vc = per_cpu_ptr(&vmx_cpus, cpu);

		vc->vmxon_page = alloc_pages_node(cpu_to_node(cpu),
						  GFP_KERNEL | __GFP_ZERO, 0);
		if (!vc->vmxon_page) {
			vmx_free_vmxon_pages();
			return -ENOMEM;
		}
		*(u32 *)page_address(vc->vmxon_page) = revision;
	}
	return 0;
}

int vmx_cpu_setup(struct dentry *debugfs_dir)
{
	const char *missing;
	int err;

	vmx_read_msrs(&vmx_msrs);
	missing = vmx_caps_missing(&vmx_msrs);
	if (missing) {
		pr_err("cannot load: %s\n", missing);
		return -EOPNOTSUPP;
	}
	err = vmx_alloc_vmxon_pages();
	if (err)
		return err;
	err = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "vmxlab:online",
					vmx_cpu_online, vmx_cpu_offline);
	if (err < 0) {
		vmx_free_vmxon_pages();
		return err;
	}
	vmx_cpuhp_state = err;
	register_reboot_notifier(&vmx_reboot_nb);
	register_syscore_ops(&vmx_syscore_ops);
	debugfs_create_file("cpus", 0444, debugfs_dir, NULL, &vmx_cpus_fops);
	return 0;
}

void vmx_cpu_teardown(void)
{
	WARN_ON(vmx_users);
	unregister_syscore_ops(&vmx_syscore_ops);
	unregister_reboot_notifier(&vmx_reboot_nb);
	cpuhp_remove_state_nocalls(vmx_cpuhp_state);
	vmx_free_vmxon_pages();
}
