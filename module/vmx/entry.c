// SPDX-License-Identifier: GPL-2.0
/*
 * Entering the guest and taking the exit: vmx_enter_exit() runs one VM
 * entry (vmenter.S) with IRQs off from the last look at pending work to
 * the moment the exit is recorded, and gives the host back what the exit
 * took (NMIs and #MCs, breakpoints, DEBUGCTL). Also the guest state the
 * run loop and the exit handlers read and write between entries: event
 * injection and windows, interruptibility, RIP and CPL.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/irq_vectors.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/traps.h>

#include "../vmxlab.h"
#include "../requests.h"
#include "vmx_ops.h"

unsigned long vmx_rip(void)
{
	return vmcs_read(GUEST_RIP);
}

/*
 * The single-step trap an instruction vmxlab completed for the guest would
 * have raised: the CPU saw a VM exit instead (SDM vol. 3, 18.3.1.4). As
 * KVM, DR6.BS and a #DB after the instruction.
 */
void vmx_single_step_trap(struct vmxlab_vcpu *vcpu)
{
	if (!(vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_TF) ||
	    vmx_event_injection_pending())
		return;
	vcpu->vmx.dr6 |= VCPU_DR6_STEP;
	/* Delivered once: not also as a pending debug exception. */
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS,
		   vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) & ~VCPU_DR6_STEP);
	vmx_inject_exception(vcpu, X86_TRAP_DB, false, 0);
}

/* Step over the instruction that exited, ending any STI/MOV SS shadow. */
void vmx_skip_instruction(struct vmxlab_vcpu *vcpu)
{
	unsigned long rip = vmcs_read(GUEST_RIP);
	u32 shadow = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	rip += vmcs_read32(VM_EXIT_INSTRUCTION_LEN);
	if (!vmx_guest_long_mode(vcpu))
		rip = (u32)rip;
	vmcs_write(GUEST_RIP, rip);
	if (shadow & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   shadow & ~(GUEST_INTR_STATE_STI |
				      GUEST_INTR_STATE_MOV_SS));
	vmx_single_step_trap(vcpu);
}

int vmx_guest_cpl(void)
{
	return (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3;
}

bool vmx_guest_long_mode(struct vmxlab_vcpu *vcpu)
{
	return vcpu->vmx.efer & EFER_LMA;
}

/* 64-bit mode proper: long mode with a 64-bit code segment (CS.L). */
bool vmx_guest_64bit_code(struct vmxlab_vcpu *vcpu)
{
	return vmx_guest_long_mode(vcpu) &&
	       (vmcs_read32(GUEST_CS_AR_BYTES) & BIT(13));
}

/* Faults, whose frame has RFLAGS.RF set (SDM vol. 3, 6.15 and 18.3.1.1). */
#define FAULT_VECTORS	(BIT(X86_TRAP_DE) | BIT(X86_TRAP_BR) | \
			 BIT(X86_TRAP_UD) | BIT(X86_TRAP_NM) | \
			 BIT(X86_TRAP_TS) | BIT(X86_TRAP_NP) | \
			 BIT(X86_TRAP_SS) | BIT(X86_TRAP_GP) | \
			 BIT(X86_TRAP_PF) | BIT(X86_TRAP_MF) | \
			 BIT(X86_TRAP_AC) | BIT(X86_TRAP_XF) | \
			 BIT(X86_TRAP_VE))

void vmx_inject_exception(struct vmxlab_vcpu *vcpu, u8 vector,
			  bool has_error, u32 error)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	/*
	 * Injection pushes RFLAGS as it is, so a fault's RF is set here, as
	 * the CPU does for its own faults and KVM for those it injects.
	 */
	if (vector < 32 && (FAULT_VECTORS & BIT(vector)))
		vmcs_write(GUEST_RFLAGS,
			   vmcs_read(GUEST_RFLAGS) | X86_EFLAGS_RF);

	/* No error code is pushed in real mode. */
	if (has_error && (vcpu->vmx.cr0 & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
}

bool vmx_event_injection_pending(void)
{
	return vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK;
}

bool vmx_interrupt_allowed(void)
{
	return (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

bool vmx_guest_interrupts_enabled(void)
{
	return vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;
}

bool vmx_nmi_allowed(void)
{
	return !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_NMI | GUEST_INTR_STATE_STI |
		  GUEST_INTR_STATE_MOV_SS));
}

void vmx_inject_irq(struct vmxlab_vcpu *vcpu, u8 vector)
{
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD,
		   vector | INTR_TYPE_EXT_INTR | INTR_INFO_VALID_MASK);
}

void vmx_inject_nmi(struct vmxlab_vcpu *vcpu)
{
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD,
		   NMI_VECTOR | INTR_TYPE_NMI_INTR | INTR_INFO_VALID_MASK);
}

void vmx_request_irq_window(bool on)
{
	if (on)
		vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL,
			      CPU_BASED_INTR_WINDOW_EXITING);
	else
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL,
				CPU_BASED_INTR_WINDOW_EXITING);
}

void vmx_request_nmi_window(bool on)
{
	/* NMI-window exiting needs virtual NMIs; without, poll each exit. */
	if (!(vmcs_read32(PIN_BASED_VM_EXEC_CONTROL) & PIN_BASED_VIRTUAL_NMIS))
		return;
	if (on)
		vmcs_set_bits(CPU_BASED_VM_EXEC_CONTROL,
			      CPU_BASED_NMI_WINDOW_EXITING);
	else
		vmcs_clear_bits(CPU_BASED_VM_EXEC_CONTROL,
				CPU_BASED_NMI_WINDOW_EXITING);
}

/* A SIPI starts the vCPU in real mode at vector << 12. */
void vmx_vcpu_sipi(struct vmxlab_vcpu *vcpu, u8 vector)
{
	vmcs_write(GUEST_CS_SELECTOR, vector << 8);
	vmcs_write(GUEST_CS_BASE, (u64)vector << 12);
	vmcs_write(GUEST_RIP, 0);
}

static void vmx_account_exit_time(struct vmxlab_vcpu *vcpu, u64 now)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	u32 reason = vmx->exit_reason & 0xffff;

	if (vmx->exit_tsc && reason < VMX_NR_EXIT_REASONS)
		vcpu->stats.tsc[reason] += now - vmx->exit_tsc;
	vmx->exit_tsc = 0;
}

/* Keep an event that an exit interrupted, so the next entry delivers it. */
static void vmx_requeue_idt_vectoring(struct vmx_vcpu *vmx)
{
	u32 info = vmx->idt_vectoring;
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	/* Real mode pushes no error code: entry refuses one (SDM 26.2.1.3). */
	if (!(vmcs_read(GUEST_CR0) & X86_CR0_PE))
		info &= ~VECTORING_INFO_DELIVER_CODE_MASK;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_RESVD_BITS_MASK);
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmcs_read32(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_EXCEPTION || type == INTR_TYPE_SOFT_INTR ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN,
			   vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

static bool vmx_exit_is_event(u32 reason, u32 type, int vector)
{
	u32 info, mask = INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK;

	if (reason != EXIT_REASON_EXCEPTION_NMI)
		return false;
	info = vmcs_read32(VM_EXIT_INTR_INFO);
	if (vector >= 0)
		mask |= INTR_INFO_VECTOR_MASK;
	return (info & mask) == (INTR_INFO_VALID_MASK | type |
				 (vector >= 0 ? vector : 0));
}

/* A machine check taken in the guest, or during entry, is the host's. */
static void vmx_machine_check(u32 exit_reason)
{
	u32 reason = exit_reason & 0xffff;

	if (reason != EXIT_REASON_MCE_DURING_VMENTRY &&
	    !vmx_exit_is_event(reason, INTR_TYPE_HARD_EXCEPTION, X86_TRAP_MC))
		return;
#ifdef CONFIG_X86_MCE
	{
		/* As KVM: the handler sees an interrupted user context. */
		struct pt_regs regs = { .cs = 3, .flags = X86_EFLAGS_IF };

		do_machine_check(&regs);
	}
#endif
}

/*
 * What a VM exit takes from the host and must be put back before IRQs
 * are on again: NMIs and #MCs that hit the guest, host breakpoints (an
 * exit sets DR7 to 0x400) and DEBUGCTL (an exit clears it).
 */
static void vmx_after_exit_irqs_off(struct vmx_vcpu *vmx)
{
	u32 reason = vmx->exit_reason & 0xffff;

	if (vmx_exit_is_event(reason, INTR_TYPE_NMI_INTR, -1))
		asm volatile("int $2");
	vmx_machine_check(vmx->exit_reason);
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	vmx_restore_host_debugctl(vmx);
}

/*
 * The guest's breakpoint addresses, live in the CPU while it runs: the
 * entry loads DR7 from the VMCS, the exit sets DR7 to 0x400, and the host's
 * own breakpoints come back in vmx_after_exit_irqs_off(), as in KVM. Only
 * when the guest enables one, so that other guests pay nothing.
 */
static void vmx_load_guest_drs(struct vmx_vcpu *vmx)
{
	if (!(vmx->dr7 & VCPU_DR7_ENABLES))
		return;
	/* Host breakpoints off first: not one on a guest address here. */
	native_set_debugreg(7, 0);
	native_set_debugreg(0, vmx->dr[0]);
	native_set_debugreg(1, vmx->dr[1]);
	native_set_debugreg(2, vmx->dr[2]);
	native_set_debugreg(3, vmx->dr[3]);
}

/*
 * One entry and exit, with IRQs off from the last check for pending work
 * until the exit is recorded. No entry if a request, a signal or a
 * reschedule came first: the run loop deals with it and comes back.
 */
enum vmx_entry vmx_enter_exit(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	u64 host_xcr0 = vmx_host_xcr0();
	unsigned long cr3, cr4;
	int failed;

	local_irq_disable();
	WRITE_ONCE(vcpu->mode, VCPU_IN_GUEST);
	/* Pairs with the barrier in vcpu_kick(): see run.c. */
	smp_mb();
	if (need_resched() || signal_pending(current) ||
	    vcpu_has_requests(vcpu) ||
	    unlikely(vmx->cpu != raw_smp_processor_id())) {
		WRITE_ONCE(vcpu->mode, VCPU_OUTSIDE_GUEST);
		local_irq_enable();
		return VMX_ENTRY_CANCELLED;
	}
	/*
	 * A context switch since KVM_RUN began saved the guest's FPU
	 * registers to its fpstate and left another task's in the CPU:
	 * load the guest's back, or it runs on them and its own writes are
	 * lost when KVM_RUN returns.
	 */
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	cr3 = __read_cr3();
	if (unlikely(cr3 != vmx->host.cr3)) {
		vmcs_write(HOST_CR3, cr3);
		vmx->host.cr3 = cr3;
	}
	cr4 = cr4_read_shadow();
	if (unlikely(cr4 != vmx->host.cr4)) {
		vmcs_write(HOST_CR4, cr4);
		vmx->host.cr4 = cr4;
	}
	if (host_xcr0 && vmx->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, vmx->xcr0);
	vmx_load_guest_drs(vmx);
	vmx_account_exit_time(vcpu, rdtsc());

	failed = vmx_enter_guest(&vmx->regs, vmx->launched);

	vmx->exit_tsc = rdtsc();
	WRITE_ONCE(vcpu->mode, VCPU_OUTSIDE_GUEST);
	if (host_xcr0 && vmx->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
	if (failed) {
		local_irq_enable();
		return VMX_ENTRY_FAILED;
	}
	vmx->launched = true;
	vmx->exit_reason = vmcs_read32(VM_EXIT_REASON);
	vmx_after_exit_irqs_off(vmx);
	local_irq_enable();

	vmx->idt_vectoring = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	vmx_requeue_idt_vectoring(vmx);
	return VMX_EXITED;
}

/* VMLAUNCH/VMRESUME refused the VMCS: the instruction error says why. */
int vmx_report_entry_failure(struct vmxlab_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason =
		vmcs_read32(VM_INSTRUCTION_ERROR);
	run->fail_entry.cpu = raw_smp_processor_id();
	return EXIT_TO_USERSPACE;
}
