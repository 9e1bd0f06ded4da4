// SPDX-License-Identifier: GPL-2.0
/*
 * The VMCS of each vCPU: control words computed once from the capability
 * MSRs, host state, the architectural reset state of the guest, and making
 * a VMCS current on a CPU (VMPTRLD), including moving it between CPUs
 * (VMCLEAR on the old one first).
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include <asm/debugreg.h>
#include <asm/nospec-branch.h>

#include "../vmxlab.h"
#include "../compat.h"
#include "../mem.h"
#include "vmx_cpu.h"
#include "vmx_ops.h"

struct vmx_config {
	u32 pin, proc, proc2, exit, entry;
	u32 revision;
	bool vpid;
	u64 host_xcr0;
	u64 host_efer;
	u64 host_pat;
	u64 cr4_fixed1;
	bool preemption_timer;
	u8 preemption_timer_rate;	/* counts once per 2^rate TSC ticks */
};

/* KVM's defaults: PAUSEs closer than the gap, for longer than the window. */
#define VMX_PLE_GAP	128
#define VMX_PLE_WINDOW	4096

static struct vmx_config vmcfg;
static DEFINE_PER_CPU(struct list_head, loaded_vmcss);
static DEFINE_PER_CPU(void *, current_vmcs);
/* The VM whose VMCS this CPU loaded last; only compared, never followed. */
static DEFINE_PER_CPU(const void *, last_vm);
static atomic_long_t vm_switch_barriers;
static DEFINE_IDA(vpid_ida);

void vmx_insn_failed(const char *insn, unsigned long field)
{
	pr_err_ratelimited("%s failed (field %#lx, cpu%d)\n", insn, field,
			   raw_smp_processor_id());
}

bool vmx_has_preemption_timer(void)
{
	return vmcfg.preemption_timer;
}

/* Exit after @ticks of guest TSC, or never (@on false). */
void vmx_set_preemption_timer(bool on, u64 ticks)
{
	u64 value = ticks >> vmcfg.preemption_timer_rate;

	if (on) {
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, min_t(u64, value, U32_MAX));
		vmcs_set_bits(PIN_BASED_VM_EXEC_CONTROL,
			      PIN_BASED_VMX_PREEMPTION_TIMER);
	} else {
		vmcs_clear_bits(PIN_BASED_VM_EXEC_CONTROL,
				PIN_BASED_VMX_PREEMPTION_TIMER);
	}
}

/* INVPCID executes in the guest only with its secondary control. */
bool vmx_has_invpcid(void)
{
	return vmcfg.proc2 & SECONDARY_EXEC_ENABLE_INVPCID;
}

unsigned long vmx_msrs_cr4_fixed1(void)
{
	return vmcfg.cr4_fixed1;
}

u64 vmx_host_xcr0(void)
{
	return vmcfg.host_xcr0;
}

static int adjust(const char *name, u32 required, u32 optional, u64 cap,
		  u32 *ctl)
{
	int err = vmx_adjust_controls(required, optional, cap, ctl);

	if (err)
		pr_err("cannot load: the CPU lacks required %s controls (%#x of %#x)\n",
		       name, required & ~(u32)(cap >> 32), required);
	return err;
}

int vmx_engine_setup(void)
{
	const struct vmx_msrs *m = &vmx_msrs;
	/* Pause-loop exiting: a spinning guest gives its CPU back, as KVM. */
	u32 proc2_optional = SECONDARY_EXEC_ENABLE_RDTSCP |
			     SECONDARY_EXEC_ENABLE_INVPCID |
			     SECONDARY_EXEC_WBINVD_EXITING |
			     SECONDARY_EXEC_PAUSE_LOOP_EXITING;
	unsigned int cpu;
	int err;

	if (m->ept_vpid_cap & VMX_VPID_INVVPID_BIT &&
	    m->ept_vpid_cap & VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT)
		proc2_optional |= SECONDARY_EXEC_ENABLE_VPID;

	err = adjust("pin-based", PIN_BASED_EXT_INTR_MASK |
		     PIN_BASED_NMI_EXITING, PIN_BASED_VIRTUAL_NMIS,
		     m->pinbased, &vmcfg.pin);
	err = err ?: adjust("processor-based",
			    CPU_BASED_HLT_EXITING |
			    CPU_BASED_UNCOND_IO_EXITING |
			    CPU_BASED_MOV_DR_EXITING |
			    CPU_BASED_USE_MSR_BITMAPS |
			    CPU_BASED_CR8_LOAD_EXITING |
			    CPU_BASED_CR8_STORE_EXITING |
			    CPU_BASED_MWAIT_EXITING |
			    CPU_BASED_MONITOR_EXITING |
			    CPU_BASED_RDPMC_EXITING |
			    CPU_BASED_USE_TSC_OFFSETTING |
			    CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, 0,
			    m->procbased, &vmcfg.proc);
	err = err ?: adjust("secondary", SECONDARY_EXEC_ENABLE_EPT |
			    SECONDARY_EXEC_UNRESTRICTED_GUEST,
			    proc2_optional, m->procbased2, &vmcfg.proc2);
	err = err ?: adjust("VM-exit", VM_EXIT_HOST_ADDR_SPACE_SIZE |
			    VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_IA32_EFER |
			    VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_PAT,
			    VM_EXIT_SAVE_DEBUG_CONTROLS, m->exit,
			    &vmcfg.exit);
	err = err ?: adjust("VM-entry", VM_ENTRY_LOAD_IA32_EFER |
			    VM_ENTRY_LOAD_IA32_PAT,
			    VM_ENTRY_LOAD_DEBUG_CONTROLS, m->entry,
			    &vmcfg.entry);
	if (err)
		return -EOPNOTSUPP;

	vmcfg.vpid = vmcfg.proc2 & SECONDARY_EXEC_ENABLE_VPID;
	ept_set_flush_type(vmx_invept_type(m->ept_vpid_cap));
	if (m->pinbased & ((u64)PIN_BASED_VMX_PREEMPTION_TIMER << 32)) {
		u64 misc;

		rdmsrl(MSR_IA32_VMX_MISC, misc);
		vmcfg.preemption_timer = true;
		vmcfg.preemption_timer_rate =
			misc & MSR_IA32_VMX_MISC_PREEMPTION_TIMER_SCALE;
	}
	vmcfg.revision = m->basic & VMXCAP_BASIC_REVISION_MASK;
	vmcfg.host_xcr0 = boot_cpu_has(X86_FEATURE_XSAVE) ?
			  xgetbv(XCR_XFEATURE_ENABLED_MASK) : 0;
	rdmsrl(MSR_EFER, vmcfg.host_efer);
	rdmsrl(MSR_IA32_CR_PAT, vmcfg.host_pat);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmcfg.cr4_fixed1);

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(loaded_vmcss, cpu));
	return 0;
}

void vmx_engine_teardown(void)
{
	ida_destroy(&vpid_ida);
}

/* Runs on the CPU where @arg's VMCS is active. */
static void vmx_clear_here(void *arg)
{
	struct vmx_vcpu *vmx = arg;

	if (vmx->cpu != raw_smp_processor_id())
		return;
	vmcs_clear(__pa(vmx->vmcs));
	if (this_cpu_read(current_vmcs) == vmx->vmcs)
		this_cpu_write(current_vmcs, NULL);
	list_del(&vmx->loaded_link);
	/* Publish after the list is updated: a new CPU may take it next. */
	smp_wmb();
	vmx->cpu = -1;
	vmx->launched = false;
}

static void vmx_clear_remote(struct vmx_vcpu *vmx)
{
	int cpu = READ_ONCE(vmx->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_clear_here, vmx, 1);
}

void vmx_clear_loaded_vmcss(void)
{
	struct list_head *list = this_cpu_ptr(&loaded_vmcss);
	struct vmx_vcpu *vmx, *tmp;

	list_for_each_entry_safe(vmx, tmp, list, loaded_link)
		vmx_clear_here(vmx);
}

static unsigned long host_tr_base(int cpu)
{
	return (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss;
}

/* Host state that differs from CPU to CPU. */
static void vmx_set_host_cpu_state(int cpu)
{
	u64 gs_base, sysenter_esp;

	rdmsrl(MSR_GS_BASE, gs_base);
	rdmsrl(MSR_IA32_SYSENTER_ESP, sysenter_esp);
	vmcs_write(HOST_TR_BASE, host_tr_base(cpu));
	vmcs_write(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	vmcs_write(HOST_GS_BASE, gs_base);
	vmcs_write(HOST_IA32_SYSENTER_ESP, sysenter_esp);
}

/* Host state that is the same on every CPU and for every task. */
static void vmx_set_host_constant_state(void)
{
	struct desc_ptr idt;
	u64 sysenter_cs, sysenter_eip;

	store_idt(&idt);
	rdmsrl(MSR_IA32_SYSENTER_CS, sysenter_cs);
	rdmsrl(MSR_IA32_SYSENTER_EIP, sysenter_eip);

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, __read_cr3());
	vmcs_write(HOST_CR4, cr4_read_shadow());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	vmcs_write(HOST_RIP, (unsigned long)vmx_guest_exit);
	vmcs_write(HOST_IA32_SYSENTER_CS, sysenter_cs);
	vmcs_write(HOST_IA32_SYSENTER_EIP, sysenter_eip);
	vmcs_write(HOST_IA32_EFER, vmcfg.host_efer);
	vmcs_write(HOST_IA32_PAT, vmcfg.host_pat);
}

static void vmx_set_controls(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	u32 proc2 = vmcfg.proc2;

	if (!vmx->vpid)
		proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, vmcfg.pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, vmcfg.proc);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, proc2);
	vmcs_write(VM_EXIT_CONTROLS, vmcfg.exit);
	vmcs_write(VM_ENTRY_CONTROLS, vmcfg.entry);
	/* #MC: a host machine check must reach the host, not the guest. */
	vmcs_write(EXCEPTION_BITMAP, BIT(DB_VECTOR) | BIT(AC_VECTOR) |
		   BIT(MC_VECTOR));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(MSR_BITMAP, __pa(vmx->msr_bitmap));
	vmcs_write(EPT_POINTER, vcpu->vm->mmu.eptp);
	vmcs_write(TSC_OFFSET, vcpu->tsc_offset);
	vmcs_write(VMCS_LINK_POINTER, -1ull);
	if (vmx->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vmx->vpid);
	if (proc2 & SECONDARY_EXEC_PAUSE_LOOP_EXITING) {
		vmcs_write(PLE_GAP, VMX_PLE_GAP);
		vmcs_write(PLE_WINDOW, VMX_PLE_WINDOW);
	}
	/* Every CR0 bit but TS, and the CR4 bits below, are the host's. */
	vmcs_write(CR0_GUEST_HOST_MASK, ~(unsigned long)X86_CR0_TS);
	vmcs_write(CR4_GUEST_HOST_MASK, ~(unsigned long)VMX_GUEST_OWNED_CR4);
}

static void vmx_write_segment(unsigned long sel_field, u16 sel, u64 base,
			      u32 limit, u32 ar)
{
	unsigned long off = sel_field - GUEST_ES_SELECTOR;

	vmcs_write(sel_field, sel);
	vmcs_write(GUEST_ES_BASE + off, base);
	vmcs_write(GUEST_ES_LIMIT + off, limit);
	vmcs_write(GUEST_ES_AR_BYTES + off, ar);
}

/* The state after RESET, as KVM sets it up for a new vCPU. */
void vmx_vcpu_reset(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	unsigned long seg;

	memset(&vmx->regs, 0, sizeof(vmx->regs));
	vmx->regs.gpr[VCPU_RDX] = 0x600;
	vmx_write_segment(GUEST_CS_SELECTOR, 0xf000, 0xffff0000, 0xffff, 0x9b);
	for (seg = GUEST_ES_SELECTOR; seg <= GUEST_GS_SELECTOR; seg += 2)
		if (seg != GUEST_CS_SELECTOR)
			vmx_write_segment(seg, 0, 0, 0xffff, 0x93);
	vmx_write_segment(GUEST_LDTR_SELECTOR, 0, 0, 0xffff, 0x82);
	vmx_write_segment(GUEST_TR_SELECTOR, 0, 0, 0xffff, 0x8b);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_RIP, 0xfff0);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_DR7, VCPU_DR7_INIT);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(GUEST_IA32_PAT, vmx->pat_default);
	vmcs_write(GUEST_FS_BASE, 0);
	vmcs_write(GUEST_GS_BASE, 0);

	vmx->efer = 0;
	vmcs_write(GUEST_IA32_EFER, 0);
	vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	vmx->cr0 = 0;
	vmx->cr4 = 0;
	vmx_set_cr4(vcpu, 0);
	vmx_set_cr0(vcpu, X86_CR0_NW | X86_CR0_CD | X86_CR0_ET);
	vmcs_write(GUEST_CR3, 0);
	vmx->xcr0 = XFEATURE_MASK_FP;
	vmx->dr6 = VCPU_DR6_INIT;
	vmx->dr7 = VCPU_DR7_INIT;
	memset(vmx->dr, 0, sizeof(vmx->dr));
	memset(vmx->guest_msr, 0, sizeof(vmx->guest_msr));
}

int vmx_vcpu_create(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	int vpid;

	vmx->vmcs = vmxlab_page_alloc();
	if (!vmx->vmcs)
		return -ENOMEM;
	*(u32 *)vmx->vmcs = vmcfg.revision;
	vmx->msr_bitmap = vmxlab_page_alloc();
	if (!vmx->msr_bitmap) {
		vmxlab_page_free(vmx->vmcs);
		return -ENOMEM;
	}
	vmx_init_msr_bitmap(vcpu);
	vmx->cpu = -1;
	INIT_LIST_HEAD(&vmx->loaded_link);
	vmx->pat_default = 0x0007040600070406ULL;

	if (vmcfg.vpid) {
		vpid = ida_alloc_range(&vpid_ida, 1, 0xffff, GFP_KERNEL);
		vmx->vpid = vpid > 0 ? vpid : 0;
	}

	/* A new VMCS region must be cleared before its first VMPTRLD. */
	preempt_disable();
	vmcs_clear(__pa(vmx->vmcs));
	vmx_vcpu_load(vcpu, smp_processor_id());
	vmx_set_controls(vcpu);
	vmx_set_host_constant_state();
	vmx_vcpu_reset(vcpu);
	vmx_vcpu_put(vcpu);
	preempt_enable();
	return 0;
}

void vmx_vcpu_destroy(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	cpus_read_lock();
	vmx_clear_remote(vmx);
	cpus_read_unlock();
	if (vmx->vpid)
		ida_free(&vpid_ida, vmx->vpid);
	vmxlab_page_free(vmx->msr_bitmap);
	vmxlab_page_free(vmx->vmcs);
}

void vmx_flush_tlb(struct vmxlab_vcpu *vcpu)
{
	ept_flush_this_cpu(vcpu->vm->mmu.eptp);
	if (vcpu->vmx.vpid)
		vpid_flush(vcpu->vmx.vpid);
}

static const u32 swapped_msr_index[NR_SWAPPED_MSRS] = {
	[SWAP_STAR] = MSR_STAR,
	[SWAP_LSTAR] = MSR_LSTAR,
	[SWAP_CSTAR] = MSR_CSTAR,
	[SWAP_SFMASK] = MSR_SYSCALL_MASK,
	[SWAP_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[SWAP_TSC_AUX] = MSR_TSC_AUX,
};

u32 vmx_swapped_msr_index(enum vmx_swapped_msr i)
{
	return swapped_msr_index[i];
}

int vmx_swapped_msr_slot(u32 index)
{
	int i;

	for (i = 0; i < NR_SWAPPED_MSRS; i++)
		if (swapped_msr_index[i] == index)
			return i;
	return -1;
}

static bool host_has_tsc_aux(void)
{
	return boot_cpu_has(X86_FEATURE_RDTSCP) ||
	       boot_cpu_has(X86_FEATURE_RDPID);
}

/* Switch the per-task host state out for the guest's (preemption off). */
static void vmx_switch_to_guest(struct vmx_vcpu *vmx)
{
	struct vmx_host_state *h = &vmx->host;
	int i;

	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	native_store_gdt(&h->gdt);
	store_idt(&h->idt);
	rdmsrl(MSR_FS_BASE, h->fs_base);
	vmcs_write(HOST_FS_BASE, h->fs_base);
	h->cr3 = __read_cr3();
	vmcs_write(HOST_CR3, h->cr3);
	h->cr4 = cr4_read_shadow();
	vmcs_write(HOST_CR4, h->cr4);
	/* A VM exit clears both (SDM vol. 3, 28.5.1 and 28.5.2). */
	h->debugctl = get_debugctlmsr();
	asm volatile("sldt %0" : "=g"(h->ldt_sel));

	for (i = 0; i < NR_SWAPPED_MSRS; i++) {
		if (i == SWAP_TSC_AUX && !host_has_tsc_aux())
			continue;
		rdmsrl(swapped_msr_index[i], h->msr[i]);
		wrmsrl(swapped_msr_index[i], vmx->guest_msr[i]);
	}
	h->msrs_saved = true;
}

static void vmx_switch_to_host(struct vmx_vcpu *vmx)
{
	struct vmx_host_state *h = &vmx->host;
	int i;

	if (!h->msrs_saved)
		return;
	for (i = 0; i < NR_SWAPPED_MSRS; i++) {
		if (i == SWAP_TSC_AUX && !host_has_tsc_aux())
			continue;
		rdmsrl(swapped_msr_index[i], vmx->guest_msr[i]);
		wrmsrl(swapped_msr_index[i], h->msr[i]);
	}
	h->msrs_saved = false;

	/* A VM exit loaded null DS/ES/FS/GS and GDT/IDT limits of 0xffff. */
	if (h->ds)
		loadsegment(ds, h->ds);
	if (h->es)
		loadsegment(es, h->es);
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs) {
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, h->msr[SWAP_KERNEL_GS_BASE]);
	}
	load_fixmap_gdt(raw_smp_processor_id());
	load_idt(&h->idt);
	/* The exit also left LDTR null and the TR limit at 0x67. */
	if (h->ldt_sel)
		asm volatile("lldt %0" : : "rm"(h->ldt_sel));
	invalidate_tss_limit();
}

/* The host's DEBUGCTL (LBR, BTF) after an exit cleared it; IRQs off. */
void vmx_restore_host_debugctl(struct vmx_vcpu *vmx)
{
	if (vmx->host.debugctl)
		update_debugctlmsr(vmx->host.debugctl);
}

/*
 * A VMCS of another VM is about to run here: keep that guest's branch
 * predictions from steering this one (as KVM; tasks are already
 * separated by the kernel's own IBPB on mm switches).
 */
static void vmx_barrier_between_vms(struct vmxlab_vcpu *vcpu)
{
	if (this_cpu_read(last_vm) == vcpu->vm)
		return;
	this_cpu_write(last_vm, vcpu->vm);
	indirect_branch_prediction_barrier();
	atomic_long_inc(&vm_switch_barriers);
}

/* The fields a reader of the engine looks at first (debugfs "vmcs"). */
void vmx_show_vmcs(struct seq_file *m)
{
	static const struct {
		const char *name;
		unsigned long field;
	} fields[] = {
		{ "pin_based_controls", PIN_BASED_VM_EXEC_CONTROL },
		{ "cpu_based_controls", CPU_BASED_VM_EXEC_CONTROL },
		{ "secondary_controls", SECONDARY_VM_EXEC_CONTROL },
		{ "exit_controls", VM_EXIT_CONTROLS },
		{ "entry_controls", VM_ENTRY_CONTROLS },
		{ "exception_bitmap", EXCEPTION_BITMAP },
		{ "cr0_guest_host_mask", CR0_GUEST_HOST_MASK },
		{ "cr4_guest_host_mask", CR4_GUEST_HOST_MASK },
		{ "guest_rip", GUEST_RIP },
		{ "guest_rflags", GUEST_RFLAGS },
		{ "guest_cr0", GUEST_CR0 },
		{ "guest_cr3", GUEST_CR3 },
		{ "guest_cr4", GUEST_CR4 },
		{ "guest_efer", GUEST_IA32_EFER },
		{ "guest_activity_state", GUEST_ACTIVITY_STATE },
		{ "guest_interruptibility", GUEST_INTERRUPTIBILITY_INFO },
		{ "guest_cs_selector", GUEST_CS_SELECTOR },
		{ "guest_cs_base", GUEST_CS_BASE },
		{ "guest_cs_limit", GUEST_CS_LIMIT },
		{ "guest_cs_ar", GUEST_CS_AR_BYTES },
		{ "guest_ss_ar", GUEST_SS_AR_BYTES },
		{ "entry_intr_info", VM_ENTRY_INTR_INFO_FIELD },
		{ "entry_error_code", VM_ENTRY_EXCEPTION_ERROR_CODE },
		{ "entry_insn_len", VM_ENTRY_INSTRUCTION_LEN },
		{ "exit_reason", VM_EXIT_REASON },
		{ "exit_qualification", EXIT_QUALIFICATION },
		{ "exit_intr_info", VM_EXIT_INTR_INFO },
		{ "idt_vectoring_info", IDT_VECTORING_INFO_FIELD },
		{ "instruction_error", VM_INSTRUCTION_ERROR },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(fields); i++)
		seq_printf(m, "%-24s %#lx\n", fields[i].name,
			   vmcs_read(fields[i].field));
}

unsigned long vmx_vm_switch_barriers(void)
{
	return atomic_long_read(&vm_switch_barriers);
}

/*
 * Make @vcpu's VMCS current on @cpu, the CPU we are running on, with
 * preemption off. Between a CPU's offline callback (VMXOFF) and its death
 * the scheduler may still switch the vCPU's thread in there before pushing
 * it to another CPU: load nothing then (not even the guest's MSRs), and
 * leave the VMCS owned by no CPU, so that the next load elsewhere takes it
 * cleanly and vmx_enter_exit() refuses to enter on this one.
 */
void vmx_vcpu_load(struct vmxlab_vcpu *vcpu, int cpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	bool moved = vmx->cpu != cpu;

	if (unlikely(!vmx_is_on_this_cpu())) {
		vmx_clear_remote(vmx);
		return;
	}
	if (moved) {
		vmx_clear_remote(vmx);
		/* Pairs with the smp_wmb() in vmx_clear_here(). */
		smp_rmb();
		local_irq_disable();
		list_add(&vmx->loaded_link, this_cpu_ptr(&loaded_vmcss));
		vmx->cpu = cpu;
		local_irq_enable();
	}
	if (this_cpu_read(current_vmcs) != vmx->vmcs) {
		vmcs_load(__pa(vmx->vmcs));
		this_cpu_write(current_vmcs, vmx->vmcs);
		vmx_barrier_between_vms(vcpu);
	}
	if (moved) {
		vmx_set_host_cpu_state(cpu);
		if (vcpu->vm->mmu.eptp)
			vmx_flush_tlb(vcpu);
	}
	vmx_switch_to_guest(vmx);
}

void vmx_vcpu_put(struct vmxlab_vcpu *vcpu)
{
	vmx_switch_to_host(&vcpu->vmx);
}
