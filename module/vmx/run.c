// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: enter the guest with IRQs off, take the exit, hand it to
 * the exit handler table, and go round again until an exit needs
 * userspace. Also the guest control registers, which the VMCS splits
 * between what the guest believes (read shadows) and what the CPU runs.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <asm/debugreg.h>
#include <asm/fpu/xcr.h>
#include <asm/mce.h>
#include <asm/traps.h>
#include <asm/irq_vectors.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "../vmxlab.h"
#include "../irqchip.h"
#include "vmx_ops.h"

unsigned long vmx_rip(void)
{
	return vmcs_read(GUEST_RIP);
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

void vmx_inject_exception(struct vmxlab_vcpu *vcpu, u8 vector,
			  bool has_error, u32 error)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

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

unsigned long vmx_read_cr0(struct vmxlab_vcpu *vcpu)
{
	return (vcpu->vmx.cr0 & ~X86_CR0_TS) |
	       (vmcs_read(GUEST_CR0) & X86_CR0_TS);
}

unsigned long vmx_read_cr4(struct vmxlab_vcpu *vcpu)
{
	return (vcpu->vmx.cr4 & ~VMX_GUEST_OWNED_CR4) |
	       (vmcs_read(GUEST_CR4) & VMX_GUEST_OWNED_CR4);
}

static bool pae_paging(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	return (vmx->cr0 & X86_CR0_PG) && (vmx->cr4 & X86_CR4_PAE) &&
	       !(vmx->efer & EFER_LMA);
}

/* With EPT, PAE paging outside long mode takes its PDPTEs from the VMCS. */
int vmx_load_pdptrs(struct vmxlab_vcpu *vcpu, unsigned long cr3)
{
	u64 pdpte[4];
	int i, err;

	err = mmu_read_gpa(vcpu->vm, cr3 & 0xffffffe0UL, pdpte, sizeof(pdpte));
	if (err)
		return err;
	for (i = 0; i < 4; i++) {
		/* Bits 2:1 and 8:5 are reserved in a present PDPTE. */
		if ((pdpte[i] & 1) && (pdpte[i] & 0x1e6))
			return -EINVAL;
	}
	for (i = 0; i < 4; i++)
		vmcs_write(GUEST_PDPTR0 + i * 2, pdpte[i]);
	return 0;
}

static void vmx_update_efer(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	vmcs_write(GUEST_IA32_EFER, vmx->efer);
	if (vmx->efer & EFER_LMA)
		vmcs_set_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	else
		vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
}

/* MOV to CR0 as the guest would see it done; -EINVAL means #GP. */
int vmx_set_cr0(struct vmxlab_vcpu *vcpu, unsigned long cr0)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	unsigned long old = vmx->cr0;

	cr0 |= X86_CR0_ET;
	if (cr0 >> 32)
		return -EINVAL;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return -EINVAL;

	if ((cr0 & X86_CR0_PG) && !(old & X86_CR0_PG) &&
	    (vmx->efer & EFER_LME)) {
		if (!(vmx->cr4 & X86_CR4_PAE))
			return -EINVAL;
		vmx->efer |= EFER_LMA;
		vmx_update_efer(vcpu);
	} else if (!(cr0 & X86_CR0_PG) && (vmx->efer & EFER_LMA)) {
		vmx->efer &= ~EFER_LMA;
		vmx_update_efer(vcpu);
	}

	vmx->cr0 = cr0;
	vmcs_write(CR0_READ_SHADOW, cr0);
	/* Caching stays on in hardware; NE is required in VMX operation. */
	vmcs_write(GUEST_CR0, (cr0 & ~(X86_CR0_CD | X86_CR0_NW)) | X86_CR0_NE);
	if (pae_paging(vcpu) && ((cr0 ^ old) & X86_CR0_PG))
		return vmx_load_pdptrs(vcpu, vmcs_read(GUEST_CR3));
	return 0;
}

#define CR4_SUPPORTED	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
			 X86_CR4_FSGSBASE | X86_CR4_PCIDE | X86_CR4_OSXSAVE | \
			 X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_UMIP)

/* The CR4 bits this vCPU may set at all: vmxlab's, the CPU's, its CPUID's. */
bool vmx_cr4_valid(struct vmxlab_vcpu *vcpu, unsigned long cr4)
{
	unsigned long host_ok = CR4_SUPPORTED & vmx_msrs_cr4_fixed1();

	return !(cr4 & ~(host_ok & vcpu_cr4_allowed(vcpu)));
}

int vmx_set_cr4(struct vmxlab_vcpu *vcpu, unsigned long cr4)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	unsigned long old = vmx->cr4;

	if (!vmx_cr4_valid(vcpu, cr4))
		return -EINVAL;
	if ((vmx->efer & EFER_LMA) && !(cr4 & X86_CR4_PAE))
		return -EINVAL;
	if ((cr4 & X86_CR4_PCIDE) && !(vmx->efer & EFER_LMA))
		return -EINVAL;

	vmx->cr4 = cr4;
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, cr4 | X86_CR4_VMXE);
	if (pae_paging(vcpu) &&
	    ((cr4 ^ old) & (X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PSE)))
		return vmx_load_pdptrs(vcpu, vmcs_read(GUEST_CR3));
	return 0;
}

#define EFER_SUPPORTED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/* No reserved bits, and NX only where the host has it to give. */
bool vmx_efer_valid(u64 efer)
{
	if (efer & ~EFER_SUPPORTED)
		return false;
	return !(efer & EFER_NX) || boot_cpu_has(X86_FEATURE_NX);
}

/* WRMSR to EFER from the guest; LMA follows LME and CR0.PG. */
int vmx_set_efer(struct vmxlab_vcpu *vcpu, u64 efer)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	if (!vmx_efer_valid(efer))
		return -EINVAL;
	if ((vmx->cr0 & X86_CR0_PG) &&
	    ((efer ^ vmx->efer) & EFER_LME))
		return -EINVAL;
	efer = (efer & ~EFER_LMA) | (vmx->efer & EFER_LMA);
	vmx->efer = efer;
	vmx_update_efer(vcpu);
	return 0;
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
 * One entry and exit, with IRQs off from the last check for pending work
 * until the exit is recorded. Returns 1 after an exit, 0 if work (signal,
 * reschedule) came first, or -EIO if the entry instruction failed.
 */
static int vmx_enter_exit(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	u64 host_xcr0 = vmx_host_xcr0();
	unsigned long cr3, cr4;
	int failed;

	local_irq_disable();
	WRITE_ONCE(vcpu->mode, VCPU_IN_GUEST);
	/* Pairs with the barrier in irq_host_kick_vcpu(). */
	smp_mb();
	if (need_resched() || signal_pending(current) ||
	    READ_ONCE(vcpu->event_pending)) {
		WRITE_ONCE(vcpu->mode, VCPU_OUTSIDE_GUEST);
		local_irq_enable();
		return 0;
	}
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
	vmx_account_exit_time(vcpu, rdtsc());

	failed = vmx_enter_guest(&vmx->regs, vmx->launched);

	vmx->exit_tsc = rdtsc();
	WRITE_ONCE(vcpu->mode, VCPU_OUTSIDE_GUEST);
	if (host_xcr0 && vmx->xcr0 != host_xcr0)
		xsetbv(XCR_XFEATURE_ENABLED_MASK, host_xcr0);
	if (failed) {
		local_irq_enable();
		return -EIO;
	}
	vmx->launched = true;
	vmx->exit_reason = vmcs_read32(VM_EXIT_REASON);
	vmx_after_exit_irqs_off(vmx);
	local_irq_enable();

	vmx->idt_vectoring = vmcs_read32(IDT_VECTORING_INFO_FIELD);
	vmx_requeue_idt_vectoring(vmx);
	return 1;
}

static int vmx_report_entry_failure(struct vmxlab_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_FAIL_ENTRY;
	run->fail_entry.hardware_entry_failure_reason =
		vmcs_read32(VM_INSTRUCTION_ERROR);
	run->fail_entry.cpu = raw_smp_processor_id();
	return 0;
}

int vmx_vcpu_run(struct vmxlab_vcpu *vcpu)
{
	int ret;

	/* As KVM: a vCPU waiting for SIPI returns -EAGAIN once started. */
	if (vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED) {
		ret = irqchip_block(vcpu);
		return ret < 0 ? ret : -EAGAIN;
	}

	for (;;) {
		if (signal_pending(current)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		if (vcpu_is_blocked(vcpu)) {
			ret = irqchip_block(vcpu);
			if (ret <= 0)
				return ret;
			continue;
		}
		cond_resched();

		ret = irqchip_prepare_entry(vcpu);
		if (ret <= 0)
			return ret;
		ret = vmx_enter_exit(vcpu);
		if (ret == 0)
			continue;
		if (ret < 0)
			return vmx_report_entry_failure(vcpu);

		ret = vmx_handle_exit(vcpu);
		if (ret <= 0)
			return ret;
	}
}
