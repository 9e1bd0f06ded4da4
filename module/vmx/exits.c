// SPDX-License-Identifier: GPL-2.0
/*
 * The exit handlers, one per basic exit reason, in a table indexed by it.
 * A handler returns 1 to resume the guest, 0 after filling struct kvm_run
 * for userspace, or -errno. Reading the table tells what the engine does.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/fpu/xcr.h>
#include <asm/traps.h>

#include "../vmxlab.h"
#include "../irq/kernel/irqchip.h"
#include "../io_bus.h"
#include "../run.h"
#include "vmx_ops.h"
#include "exits.h"

#define CREATE_TRACE_POINTS
#include "vmxlab_trace.h"

typedef int (*exit_handler_fn)(struct vmxlab_vcpu *vcpu);

static unsigned long exit_qual(void)
{
	return vmcs_read(EXIT_QUALIFICATION);
}

/*
 * MOV CR and MOV DR name a 32-bit register outside 64-bit mode: bits 63:32
 * of the register are neither checked nor kept (what KVM does too).
 */
static u64 get_gpr(struct vmxlab_vcpu *vcpu, int reg)
{
	u64 value = reg == VCPU_RSP ? vmcs_read(GUEST_RSP) :
				      vcpu->vmx.regs.gpr[reg];

	return vmx_guest_64bit_code(vcpu) ? value : (u32)value;
}

static void set_gpr(struct vmxlab_vcpu *vcpu, int reg, u64 value)
{
	if (!vmx_guest_64bit_code(vcpu))
		value = (u32)value;
	if (reg == VCPU_RSP)
		vmcs_write(GUEST_RSP, value);
	else
		vcpu->vmx.regs.gpr[reg] = value;
}

static int inject_gp(struct vmxlab_vcpu *vcpu)
{
	vmx_inject_exception(vcpu, X86_TRAP_GP, true, 0);
	return 1;
}

static int inject_ud(struct vmxlab_vcpu *vcpu)
{
	vmx_inject_exception(vcpu, X86_TRAP_UD, false, 0);
	return 1;
}

int vmx_skip_and_resume(struct vmxlab_vcpu *vcpu)
{
	vmx_skip_instruction(vcpu);
	return 1;
}

int vmx_internal_error(struct vmxlab_vcpu *vcpu, u32 suberror, int ndata,
		       const u64 *data)
{
	struct kvm_run *run = vcpu->run;
	int i;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = ndata;
	for (i = 0; i < ndata; i++)
		run->internal.data[i] = data[i];
	return 0;
}

static int unexpected_exit(struct vmxlab_vcpu *vcpu)
{
	u64 data[] = {
		vcpu->vmx.exit_reason, raw_smp_processor_id(), exit_qual(),
		vmcs_read(GUEST_RIP),
	};

	pr_warn_ratelimited("vcpu%u: unhandled exit %u (%s) qual %#llx rip %#llx\n",
			    vcpu->id, vcpu->vmx.exit_reason & 0xffff,
			    vmx_exit_reason_name(vcpu->vmx.exit_reason & 0xffff),
			    data[2], data[3]);
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
			      ARRAY_SIZE(data), data);
}

/* Would this #AC have happened on bare metal (SDM vol. 3, 6.15, #AC)? */
static bool guest_alignment_check_on(struct vmxlab_vcpu *vcpu)
{
	return vmx_guest_cpl() == 3 && (vmx_read_cr0(vcpu) & X86_CR0_AM) &&
	       (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_AC);
}

/*
 * An #AC is the guest's own only if it enabled alignment checking, or if
 * the host cannot raise one itself; else it is the host's split-lock
 * detection, which decides (as for a task: warn and let it go on, or
 * SIGBUS). As KVM, what the host does not resolve goes to userspace.
 */
static int handle_alignment_check(struct vmxlab_vcpu *vcpu)
{
	u32 error = vmcs_read32(VM_EXIT_INTR_ERROR_CODE);

	if (!boot_cpu_has(X86_FEATURE_SPLIT_LOCK_DETECT) ||
	    guest_alignment_check_on(vcpu)) {
		vmx_inject_exception(vcpu, X86_TRAP_AC, true, error);
		return 1;
	}
	if (handle_guest_split_lock(vmcs_read(GUEST_RIP)))
		return 1;
	vcpu->run->exit_reason = KVM_EXIT_EXCEPTION;
	vcpu->run->ex.exception = X86_TRAP_AC;
	vcpu->run->ex.error_code = error;
	return 0;
}

static int handle_exception_nmi(struct vmxlab_vcpu *vcpu)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
	u8 vector = info & INTR_INFO_VECTOR_MASK;

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return 1;	/* the host's NMI, already handled */

	switch (vector) {
	case X86_TRAP_DB:
		/* Intercepted so a #DB loop cannot hang the CPU; pass it on. */
		vcpu->vmx.dr6 = (vcpu->vmx.dr6 & ~0xfULL) |
				(exit_qual() & (0xfULL | VCPU_DR6_STEP)) |
				VCPU_DR6_INIT;
		/* As the CPU delivering it would, clear GD for the handler. */
		vcpu->vmx.dr7 &= ~VCPU_DR7_GD;
		vmcs_write(GUEST_DR7, vcpu->vmx.dr7);
		vmx_inject_exception(vcpu, X86_TRAP_DB, false, 0);
		return 1;
	case X86_TRAP_AC:
		return handle_alignment_check(vcpu);
	case X86_TRAP_MC:
		/* Handed to the host right after the exit (run.c). */
		return 1;
	default:
		return unexpected_exit(vcpu);
	}
}

static int handle_external_interrupt(struct vmxlab_vcpu *vcpu)
{
	/* Not acknowledged on exit: the host takes it once IRQs are on. */
	return 1;
}

static int handle_triple_fault(struct vmxlab_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_SHUTDOWN;
	return 0;
}

static int handle_cpuid(struct vmxlab_vcpu *vcpu)
{
	u64 *g = vcpu->vmx.regs.gpr;
	u32 eax = g[VCPU_RAX], ebx, ecx = g[VCPU_RCX], edx;

	vcpu_cpuid(vcpu, &eax, &ebx, &ecx, &edx);
	g[VCPU_RAX] = eax;
	g[VCPU_RBX] = ebx;
	g[VCPU_RCX] = ecx;
	g[VCPU_RDX] = edx;
	return vmx_skip_and_resume(vcpu);
}

static int handle_hlt(struct vmxlab_vcpu *vcpu)
{
	vmx_skip_instruction(vcpu);
	/* A single-step #DB after HLT wakes it at once. */
	if (vmx_event_injection_pending())
		return 1;
	return vcpu_halt(vcpu);
}

static int handle_irq_window(struct vmxlab_vcpu *vcpu)
{
	vmx_request_irq_window(false);
	return vcpu_irq_window_open(vcpu);
}

/* A PAUSE loop: leave the guest so the host can run, then resume it. */
static int handle_pause(struct vmxlab_vcpu *vcpu)
{
	return vmx_skip_and_resume(vcpu);
}

static int handle_preemption_timer(struct vmxlab_vcpu *vcpu)
{
	vcpu_deadline_due(vcpu);
	return RESUME_GUEST;
}

static int handle_nmi_window(struct vmxlab_vcpu *vcpu)
{
	vmx_request_nmi_window(false);
	return 1;
}

static int handle_vmcall(struct vmxlab_vcpu *vcpu)
{
	u64 *g = vcpu->vmx.regs.gpr;
	u64 nr = g[VCPU_RAX];
	long ret;

	if (!vmx_guest_long_mode(vcpu))
		nr = (u32)nr;
	if (vmx_guest_cpl() != 0)
		ret = -KVM_EPERM;
	else if (nr == KVM_HC_VAPIC_POLL_IRQ)
		ret = 0;
	else
		ret = -KVM_ENOSYS;
	g[VCPU_RAX] = vmx_guest_long_mode(vcpu) ? (u64)ret : (u32)ret;
	return vmx_skip_and_resume(vcpu);
}

static int handle_cr8(struct vmxlab_vcpu *vcpu, bool write, int reg)
{
	u64 value;
	u64 old = vcpu->cr8;

	if (!write) {
		set_gpr(vcpu, reg, irqchip_get_cr8(vcpu));
		return vmx_skip_and_resume(vcpu);
	}
	value = get_gpr(vcpu, reg);
	if (value > 15)
		return inject_gp(vcpu);
	irqchip_set_cr8(vcpu, value);
	vmx_skip_instruction(vcpu);
	/* Without an in-kernel LAPIC, userspace learns of a lower TPR. */
	if (!lapic_in_kernel(vcpu) && value < old) {
		vcpu->run->exit_reason = KVM_EXIT_SET_TPR;
		return 0;
	}
	return 1;
}

static int handle_cr_access(struct vmxlab_vcpu *vcpu)
{
	unsigned long qual = exit_qual();
	int cr = qual & 15;
	int type = (qual >> 4) & 3;
	int reg = (qual >> 8) & 15;
	unsigned long cr0;
	int err = 0;

	switch (type) {
	case 0:		/* MOV to CR */
		if (cr == 0)
			err = vmx_guest_set_cr0(vcpu, get_gpr(vcpu, reg));
		else if (cr == 4)
			err = vmx_guest_set_cr4(vcpu, get_gpr(vcpu, reg));
		else if (cr == 8)
			return handle_cr8(vcpu, true, reg);
		else
			return unexpected_exit(vcpu);
		break;
	case 1:		/* MOV from CR */
		if (cr == 8)
			return handle_cr8(vcpu, false, reg);
		return unexpected_exit(vcpu);
	case 2:		/* CLTS */
		err = vmx_guest_set_cr0(vcpu, vmx_read_cr0(vcpu) & ~X86_CR0_TS);
		break;
	case 3:		/* LMSW: may set PE, never clears it */
		cr0 = vmx_read_cr0(vcpu);
		cr0 = (cr0 & ~0xeUL) | ((qual >> 16) & 0xf);
		err = vmx_guest_set_cr0(vcpu, cr0 | (vcpu->vmx.cr0 & X86_CR0_PE));
		break;
	}
	if (err)
		return inject_gp(vcpu);
	return vmx_skip_and_resume(vcpu);
}

/*
 * A MOV DR with DR7.GD set is a #DB fault with DR6.BD, and the CPU clears
 * GD for the handler (SDM vol. 3, 18.2.4); the exit came first.
 */
static int inject_general_detect(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	vmx->dr6 |= VCPU_DR6_BD;
	vmx->dr7 &= ~VCPU_DR7_GD;
	vmcs_write(GUEST_DR7, vmx->dr7);
	vmx_inject_exception(vcpu, X86_TRAP_DB, false, 0);
	return 1;
}

static void write_dr(struct vmx_vcpu *vmx, int dr, u64 value)
{
	if (dr < 4) {
		vmx->dr[dr] = value;
	} else if (dr == 6) {
		vmx->dr6 = (value & VCPU_DR6_VOLATILE) |
			   (VCPU_DR6_INIT & ~VCPU_DR6_VOLATILE);
	} else {
		vmx->dr7 = (value & VCPU_DR7_VOLATILE) | VCPU_DR7_INIT;
		/* The CPU takes DR7 from the VMCS on entry. */
		vmcs_write(GUEST_DR7, vmx->dr7);
	}
}

/*
 * MOV DR (SDM vol. 3, MOV DR and 18.2): #GP at CPL > 0, DR4/DR5 alias
 * DR6/DR7 unless CR4.DE makes them #UD, GD makes any access #DB, and the
 * upper halves of DR6/DR7 are reserved. DR0-DR3 reach the CPU before
 * each entry (vmx_load_guest_drs()), DR7 through the VMCS; DR6 is kept
 * here, since every #DB the guest takes exits first.
 */
static int handle_dr_access(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	unsigned long qual = exit_qual();
	int dr = qual & 7;
	bool read = qual & BIT(4);
	int reg = (qual >> 8) & 15;
	u64 value;

	if (vmx_guest_cpl() != 0)
		return inject_gp(vcpu);
	if (dr == 4 || dr == 5) {
		if (vmx_read_cr4(vcpu) & X86_CR4_DE)
			return inject_ud(vcpu);
		dr += 2;
	}
	if (vmx->dr7 & VCPU_DR7_GD)
		return inject_general_detect(vcpu);
	if (read) {
		value = dr < 4 ? vmx->dr[dr] : dr == 6 ? vmx->dr6 : vmx->dr7;
		set_gpr(vcpu, reg, value);
		return vmx_skip_and_resume(vcpu);
	}
	value = get_gpr(vcpu, reg);
	if (dr >= 6 && (value >> 32))
		return inject_gp(vcpu);
	write_dr(vmx, dr, value);
	return vmx_skip_and_resume(vcpu);
}

/* A denied (@err 0) or failed guest MSR access: userspace's, or #GP. */
static int msr_access_failed(struct vmxlab_vcpu *vcpu, u32 index, u64 data,
			     bool write, int err)
{
	if (vcpu_msr_to_userspace(vcpu, index, data, write, err))
		return EXIT_TO_USERSPACE;
	return inject_gp(vcpu);
}

static int handle_msr_read(struct vmxlab_vcpu *vcpu)
{
	u64 *g = vcpu->vmx.regs.gpr;
	u32 index = (u32)g[VCPU_RCX];
	u64 data;
	int err;

	if (!vcpu_msr_allowed(vcpu, index, false))
		return msr_access_failed(vcpu, index, 0, false, 0);
	err = vmx_get_msr(vcpu, index, &data, false);
	if (err)
		return msr_access_failed(vcpu, index, 0, false, err);
	g[VCPU_RAX] = (u32)data;
	g[VCPU_RDX] = data >> 32;
	return vmx_skip_and_resume(vcpu);
}

static int handle_msr_write(struct vmxlab_vcpu *vcpu)
{
	u64 *g = vcpu->vmx.regs.gpr;
	u32 index = (u32)g[VCPU_RCX];
	u64 data = (u32)g[VCPU_RAX] | (g[VCPU_RDX] << 32);
	int err;

	if (!vcpu_msr_allowed(vcpu, index, true))
		return msr_access_failed(vcpu, index, data, true, 0);
	err = vmx_set_msr(vcpu, index, data, false);
	if (err)
		return msr_access_failed(vcpu, index, data, true, err);
	return vmx_skip_and_resume(vcpu);
}

static int handle_invalid_state(struct vmxlab_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason = vcpu->vmx.exit_reason;
	run->fail_entry.cpu = raw_smp_processor_id();
	return 0;
}

/*
 * A task switch (JMP, CALL or IRET to another task, or an event through
 * a task gate) is not emulated: userspace gets an internal error with
 * the exit reason and the qualification (the new TSS selector in bits
 * 15:0, the source in 31:30), as for any exit vmxlab does not handle,
 * and the host log says which it was.
 */
static int handle_task_switch(struct vmxlab_vcpu *vcpu)
{
	static const char *const source[] = { "CALL", "IRET", "JMP", "task gate" };
	u64 data[] = {
		vcpu->vmx.exit_reason, raw_smp_processor_id(), exit_qual(),
		vmcs_read(GUEST_RIP),
	};

	pr_info_ratelimited("vcpu%u: task switch by %s to TSS %#llx at rip %#llx: not emulated\n",
			    vcpu->id, source[(data[2] >> 30) & 3],
			    data[2] & 0xffff, data[3]);
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				  ARRAY_SIZE(data), data);
}

static int handle_nop(struct vmxlab_vcpu *vcpu)
{
	return vmx_skip_and_resume(vcpu);
}

/* Code fetched from MMIO, including an in-kernel device's page. */
static int handle_fetch_from_mmio(struct vmxlab_vcpu *vcpu, u64 gpa)
{
	u64 data[] = { gpa, vmcs_read(GUEST_RIP) };

	/* As KVM: report, and the guest takes #UD if resumed. */
	vmx_inject_exception(vcpu, X86_TRAP_UD, false, 0);
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				  ARRAY_SIZE(data), data);
}

static int handle_ept_violation(struct vmxlab_vcpu *vcpu)
{
	unsigned long qual = exit_qual();
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	int ret = 1;

	if (!io_bus_over_ram(vcpu, gpa))
		ret = mmu_handle_ept_violation(vcpu->vm, gpa,
					       qual & EPT_VIOLATION_ACC_WRITE);
	if (ret < 0)
		return ret;
	/* An IRET that faulted re-executes, so NMIs stay blocked. */
	if ((qual & INTR_INFO_UNBLOCK_NMI) &&
	    !(vcpu->vmx.idt_vectoring & VECTORING_INFO_VALID_MASK))
		vmcs_set_bits(GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_NMI);
	if (ret == 0)
		return 1;
	if (qual & EPT_VIOLATION_ACC_INSTR)
		return handle_fetch_from_mmio(vcpu, gpa);
	return vmx_emulate_mmio(vcpu, gpa);
}

static int handle_ept_misconfig(struct vmxlab_vcpu *vcpu)
{
	pr_err_ratelimited("vcpu%u: EPT misconfiguration at %#lx\n", vcpu->id,
			   vmcs_read(GUEST_PHYSICAL_ADDRESS));
	return unexpected_exit(vcpu);
}

/* SDM XSETBV: what XCR0 may hold; KVM_SET_XCRS checks the same. */
bool vmx_xcr0_valid(struct vmxlab_vcpu *vcpu, u64 value)
{
	u64 supported = vcpu_supported_xcr0(vcpu);

	if (!(value & XFEATURE_MASK_FP) || (value & ~supported))
		return false;
	if ((value & XFEATURE_MASK_YMM) && !(value & XFEATURE_MASK_SSE))
		return false;
	if ((value & XFEATURE_MASK_AVX512) &&
	    ((value & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512 ||
	     !(value & XFEATURE_MASK_YMM)))
		return false;
	return true;
}

static int handle_xsetbv(struct vmxlab_vcpu *vcpu)
{
	u64 *g = vcpu->vmx.regs.gpr;
	u64 value = (u32)g[VCPU_RAX] | (g[VCPU_RDX] << 32);

	if ((u32)g[VCPU_RCX] != 0 || vmx_guest_cpl() != 0)
		return inject_gp(vcpu);
	if (!vmx_xcr0_valid(vcpu, value))
		return inject_gp(vcpu);
	vcpu->vmx.xcr0 = value;
	return vmx_skip_and_resume(vcpu);
}

static const exit_handler_fn exit_handlers[VMX_NR_EXIT_REASONS] = {
	[EXIT_REASON_EXCEPTION_NMI]		= handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT]	= handle_external_interrupt,
	[EXIT_REASON_TRIPLE_FAULT]		= handle_triple_fault,
	[EXIT_REASON_CPUID]			= handle_cpuid,
	[EXIT_REASON_HLT]			= handle_hlt,
	[EXIT_REASON_INTERRUPT_WINDOW]		= handle_irq_window,
	[EXIT_REASON_NMI_WINDOW]		= handle_nmi_window,
	[EXIT_REASON_INVD]			= handle_nop,
	[EXIT_REASON_RDPMC]			= inject_gp,
	[EXIT_REASON_VMCALL]			= handle_vmcall,
	[EXIT_REASON_VMCLEAR]			= inject_ud,
	[EXIT_REASON_VMLAUNCH]			= inject_ud,
	[EXIT_REASON_VMPTRLD]			= inject_ud,
	[EXIT_REASON_VMPTRST]			= inject_ud,
	[EXIT_REASON_VMREAD]			= inject_ud,
	[EXIT_REASON_VMRESUME]			= inject_ud,
	[EXIT_REASON_VMWRITE]			= inject_ud,
	[EXIT_REASON_VMOFF]			= inject_ud,
	[EXIT_REASON_VMON]			= inject_ud,
	[EXIT_REASON_CR_ACCESS]			= handle_cr_access,
	[EXIT_REASON_DR_ACCESS]			= handle_dr_access,
	[EXIT_REASON_IO_INSTRUCTION]		= vmx_handle_io,
	[EXIT_REASON_MSR_READ]			= handle_msr_read,
	[EXIT_REASON_MSR_WRITE]			= handle_msr_write,
	[EXIT_REASON_INVALID_STATE]		= handle_invalid_state,
	[EXIT_REASON_MSR_LOAD_FAIL]		= handle_invalid_state,
	[EXIT_REASON_MWAIT_INSTRUCTION]		= handle_nop,
	[EXIT_REASON_MONITOR_INSTRUCTION]	= handle_nop,
	[EXIT_REASON_PAUSE_INSTRUCTION]		= handle_pause,
	[EXIT_REASON_PREEMPTION_TIMER]		= handle_preemption_timer,
	[EXIT_REASON_EPT_VIOLATION]		= handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG]		= handle_ept_misconfig,
	[EXIT_REASON_INVEPT]			= inject_ud,
	[EXIT_REASON_INVVPID]			= inject_ud,
	[EXIT_REASON_WBINVD]			= handle_nop,
	[EXIT_REASON_XSETBV]			= handle_xsetbv,
	[EXIT_REASON_TASK_SWITCH]		= handle_task_switch,
	[EXIT_REASON_VMFUNC]			= inject_ud,
	[11 /* GETSEC */]			= inject_ud,
};

static const char * const exit_names[VMX_NR_EXIT_REASONS] = {
	[EXIT_REASON_EXCEPTION_NMI] = "exception/nmi",
	[EXIT_REASON_EXTERNAL_INTERRUPT] = "external-interrupt",
	[EXIT_REASON_TRIPLE_FAULT] = "triple-fault",
	[3] = "init", [4] = "sipi",
	[EXIT_REASON_INTERRUPT_WINDOW] = "interrupt-window",
	[EXIT_REASON_NMI_WINDOW] = "nmi-window",
	[EXIT_REASON_TASK_SWITCH] = "task-switch",
	[EXIT_REASON_CPUID] = "cpuid", [11] = "getsec",
	[EXIT_REASON_HLT] = "hlt", [EXIT_REASON_INVD] = "invd",
	[EXIT_REASON_INVLPG] = "invlpg", [EXIT_REASON_RDPMC] = "rdpmc",
	[EXIT_REASON_RDTSC] = "rdtsc", [EXIT_REASON_VMCALL] = "vmcall",
	[EXIT_REASON_VMCLEAR] = "vmclear", [EXIT_REASON_VMLAUNCH] = "vmlaunch",
	[EXIT_REASON_VMPTRLD] = "vmptrld", [EXIT_REASON_VMPTRST] = "vmptrst",
	[EXIT_REASON_VMREAD] = "vmread", [EXIT_REASON_VMRESUME] = "vmresume",
	[EXIT_REASON_VMWRITE] = "vmwrite", [EXIT_REASON_VMOFF] = "vmxoff",
	[EXIT_REASON_VMON] = "vmxon", [EXIT_REASON_CR_ACCESS] = "cr-access",
	[EXIT_REASON_DR_ACCESS] = "dr-access",
	[EXIT_REASON_IO_INSTRUCTION] = "io",
	[EXIT_REASON_MSR_READ] = "rdmsr", [EXIT_REASON_MSR_WRITE] = "wrmsr",
	[EXIT_REASON_INVALID_STATE] = "invalid-guest-state",
	[EXIT_REASON_MSR_LOAD_FAIL] = "msr-load-fail",
	[EXIT_REASON_MWAIT_INSTRUCTION] = "mwait",
	[EXIT_REASON_MONITOR_TRAP_FLAG] = "monitor-trap-flag",
	[EXIT_REASON_MONITOR_INSTRUCTION] = "monitor",
	[EXIT_REASON_PAUSE_INSTRUCTION] = "pause",
	[EXIT_REASON_MCE_DURING_VMENTRY] = "mce-during-entry",
	[EXIT_REASON_TPR_BELOW_THRESHOLD] = "tpr-below-threshold",
	[EXIT_REASON_APIC_ACCESS] = "apic-access",
	[EXIT_REASON_EOI_INDUCED] = "eoi-induced",
	[EXIT_REASON_GDTR_IDTR] = "gdtr-idtr",
	[EXIT_REASON_LDTR_TR] = "ldtr-tr",
	[EXIT_REASON_EPT_VIOLATION] = "ept-violation",
	[EXIT_REASON_EPT_MISCONFIG] = "ept-misconfig",
	[EXIT_REASON_INVEPT] = "invept", [EXIT_REASON_RDTSCP] = "rdtscp",
	[EXIT_REASON_PREEMPTION_TIMER] = "preemption-timer",
	[EXIT_REASON_INVVPID] = "invvpid", [EXIT_REASON_WBINVD] = "wbinvd",
	[EXIT_REASON_XSETBV] = "xsetbv", [EXIT_REASON_APIC_WRITE] = "apic-write",
	[EXIT_REASON_RDRAND] = "rdrand", [EXIT_REASON_INVPCID] = "invpcid",
	[EXIT_REASON_VMFUNC] = "vmfunc", [EXIT_REASON_ENCLS] = "encls",
	[EXIT_REASON_RDSEED] = "rdseed", [EXIT_REASON_PML_FULL] = "pml-full",
	[EXIT_REASON_XSAVES] = "xsaves", [EXIT_REASON_XRSTORS] = "xrstors",
	[EXIT_REASON_UMWAIT] = "umwait", [EXIT_REASON_TPAUSE] = "tpause",
	[EXIT_REASON_BUS_LOCK] = "bus-lock", [EXIT_REASON_NOTIFY] = "notify",
};

const char *vmx_exit_reason_name(u32 reason)
{
	if (reason < VMX_NR_EXIT_REASONS && exit_names[reason])
		return exit_names[reason];
	return "unknown";
}

int vmx_handle_exit(struct vmxlab_vcpu *vcpu)
{
	u32 reason = vcpu->vmx.exit_reason & 0xffff;

	if (reason < VMX_NR_EXIT_REASONS)
		vcpu->stats.count[reason]++;
	if (trace_vmxlab_exit_enabled())
		trace_vmxlab_exit(vcpu->id, reason, vmcs_read(GUEST_RIP),
				  exit_qual());
	if (vcpu->vmx.exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY)
		return handle_invalid_state(vcpu);
	if (reason < VMX_NR_EXIT_REASONS && exit_handlers[reason])
		return exit_handlers[reason](vcpu);
	return unexpected_exit(vcpu);
}
