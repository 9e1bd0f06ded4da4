/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX vCPU engine: per-vCPU VMCS state, the guest registers the VMCS
 * does not hold, and the interface between the engine and the vCPU ioctls.
 */
#ifndef VMXLAB_VMX_H
#define VMXLAB_VMX_H

#include <linux/list.h>
#include <linux/types.h>
#include <asm/desc_defs.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

struct vmxlab_vcpu;
struct kvm_vcpu_events;
struct kvm_regs;
struct kvm_sregs;
struct kvm_segment;
struct kvm_debugregs;

/* Guest GPRs in x86 encoding order; RSP lives in the VMCS. Used by vmenter.S. */
enum vmx_gpr {
	VCPU_RAX, VCPU_RCX, VCPU_RDX, VCPU_RBX, VCPU_RSP, VCPU_RBP, VCPU_RSI,
	VCPU_RDI, VCPU_R8, VCPU_R9, VCPU_R10, VCPU_R11, VCPU_R12, VCPU_R13,
	VCPU_R14, VCPU_R15, VCPU_NR_GPRS
};

struct vmx_guest_regs {
	u64 gpr[VCPU_NR_GPRS];
	u64 cr2;
};

/* MSRs switched between host and guest values while a vCPU is loaded. */
enum vmx_swapped_msr {
	SWAP_STAR, SWAP_LSTAR, SWAP_CSTAR, SWAP_SFMASK, SWAP_KERNEL_GS_BASE,
	SWAP_TSC_AUX, NR_SWAPPED_MSRS
};

/* Host state that is per task rather than per CPU, restored after exits. */
struct vmx_host_state {
	unsigned long cr3, cr4, fs_base, kernel_gs_base;
	u16 ds, es, fs, gs;
	struct desc_ptr gdt, idt;
	u64 msr[NR_SWAPPED_MSRS];
	unsigned long debugctl;
	u16 ldt_sel;
	bool msrs_saved;
};

struct vmx_vcpu {
	struct vmx_guest_regs regs;	/* first: vmenter.S addresses it */
	void *vmcs;
	int cpu;			/* where the VMCS is active, or -1 */
	bool launched;
	struct list_head loaded_link;	/* on the per-CPU list of active VMCSs */
	u16 vpid;

	u64 cr0, cr4, efer;		/* as the guest believes them */
	u64 xcr0;
	u64 guest_msr[NR_SWAPPED_MSRS];
	u64 dr[4], dr6, dr7;
	u64 pat_default;
	struct vmx_host_state host;

	u32 exit_reason;
	unsigned long exit_qual;
	u32 idt_vectoring;
	u64 exit_tsc;

	unsigned long *msr_bitmap;
};

/* Engine set-up at module load (controls from the capability MSRs). */
int vmx_engine_setup(void);
void vmx_engine_teardown(void);

/* Per-vCPU VMCS life cycle. */
int vmx_vcpu_create(struct vmxlab_vcpu *vcpu);
void vmx_vcpu_destroy(struct vmxlab_vcpu *vcpu);
void vmx_vcpu_reset(struct vmxlab_vcpu *vcpu);

/* Make the VMCS current on this CPU / give the CPU back to the host. */
void vmx_vcpu_load(struct vmxlab_vcpu *vcpu, int cpu);
void vmx_vcpu_put(struct vmxlab_vcpu *vcpu);

/* VMCLEAR every VMCS active on this CPU (before VMXOFF; IRQs off). */
void vmx_clear_loaded_vmcss(void);

/* Host state a VM exit loses, put back after each exit (IRQs off). */
void vmx_restore_host_debugctl(struct vmx_vcpu *vmx);

/* IBPBs issued between VMCSs of different VMs, for debugfs. */
unsigned long vmx_vm_switch_barriers(void);
/* Print the main VMCS fields of the loaded vCPU. */
struct seq_file;
void vmx_show_vmcs(struct seq_file *m);

/* Event injection and windows (vCPU loaded). */
bool vmx_event_injection_pending(void);
bool vmx_guest_interrupts_enabled(void);
bool vmx_interrupt_allowed(void);
bool vmx_nmi_allowed(void);
void vmx_inject_irq(struct vmxlab_vcpu *vcpu, u8 vector);
void vmx_inject_nmi(struct vmxlab_vcpu *vcpu);
void vmx_get_vcpu_events(struct vmxlab_vcpu *vcpu, struct kvm_vcpu_events *ev);
int vmx_set_vcpu_events(struct vmxlab_vcpu *vcpu,
			const struct kvm_vcpu_events *ev);
void vmx_request_irq_window(bool on);
void vmx_request_nmi_window(bool on);
void vmx_vcpu_sipi(struct vmxlab_vcpu *vcpu, u8 vector);
bool vmx_has_preemption_timer(void);
bool vmx_has_invpcid(void);
void vmx_set_preemption_timer(bool on, u64 ticks);

/*
 * What an exit handler, a completion or a step of the run loop wants
 * next; a negative errno ends KVM_RUN with that error instead.
 */
enum {
	EXIT_TO_USERSPACE = 0,	/* struct kvm_run says why */
	RESUME_GUEST = 1,
};

/* One VM entry and exit (entry.c). */
enum vmx_entry {
	VMX_EXITED,		/* the guest ran and exited: dispatch it */
	VMX_ENTRY_CANCELLED,	/* work came first (request, signal, resched) */
	VMX_ENTRY_FAILED,	/* VMLAUNCH/VMRESUME refused the VMCS */
};

enum vmx_entry vmx_enter_exit(struct vmxlab_vcpu *vcpu);
int vmx_report_entry_failure(struct vmxlab_vcpu *vcpu);

/* Finish an instruction after userspace served its exit (pio.c, mmio.c). */
void vmx_complete_pio_in(struct vmxlab_vcpu *vcpu);
int vmx_complete_string_in(struct vmxlab_vcpu *vcpu);
int vmx_complete_outs_mmio(struct vmxlab_vcpu *vcpu);
int vmx_mmio_write(struct vmxlab_vcpu *vcpu, u64 gpa, u8 size, u64 value);
int vmx_mmio_read(struct vmxlab_vcpu *vcpu, u64 gpa, u8 size, u64 *value);
int vmx_complete_mmio_read(struct vmxlab_vcpu *vcpu);
int vmx_complete_mmio_pusha(struct vmxlab_vcpu *vcpu);

/* Register access for the vCPU ioctls (vCPU loaded). */
void vmx_get_regs(struct vmxlab_vcpu *vcpu, struct kvm_regs *regs);
void vmx_set_regs(struct vmxlab_vcpu *vcpu, const struct kvm_regs *regs);
void vmx_get_sregs(struct vmxlab_vcpu *vcpu, struct kvm_sregs *sregs);
bool vmx_sregs_valid(struct vmxlab_vcpu *vcpu, const struct kvm_sregs *sregs);
/* Only what vmx_sregs_valid() accepted. */
int vmx_set_sregs(struct vmxlab_vcpu *vcpu, const struct kvm_sregs *sregs);
void vmx_get_debugregs(struct vmxlab_vcpu *vcpu, struct kvm_debugregs *d);
int vmx_set_debugregs(struct vmxlab_vcpu *vcpu, const struct kvm_debugregs *d);
int vmx_get_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 *data, bool host);
int vmx_set_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 data, bool host);
void vmx_set_tsc_offset(struct vmxlab_vcpu *vcpu, u64 offset);
void vmx_flush_tlb(struct vmxlab_vcpu *vcpu);

/* Segment registers in VMCS and VMX instruction-information order. */
enum vmx_sreg {
	VCPU_SREG_ES, VCPU_SREG_CS, VCPU_SREG_SS, VCPU_SREG_DS,
	VCPU_SREG_FS, VCPU_SREG_GS,
};

/* Guest state helpers shared by the exit handlers. */
unsigned long vmx_rip(void);
bool vmx_guest_64bit_code(struct vmxlab_vcpu *vcpu);
void vmx_skip_instruction(struct vmxlab_vcpu *vcpu);
/* After RIP moved past an instruction vmxlab completed: TF's #DB. */
void vmx_single_step_trap(struct vmxlab_vcpu *vcpu);
int vmx_guest_cpl(void);
bool vmx_guest_long_mode(struct vmxlab_vcpu *vcpu);
void vmx_inject_exception(struct vmxlab_vcpu *vcpu, u8 vector,
			  bool has_error, u32 error);
int vmx_set_cr0(struct vmxlab_vcpu *vcpu, unsigned long cr0);
int vmx_set_cr4(struct vmxlab_vcpu *vcpu, unsigned long cr4);
int vmx_guest_set_cr0(struct vmxlab_vcpu *vcpu, unsigned long cr0);
int vmx_guest_set_cr4(struct vmxlab_vcpu *vcpu, unsigned long cr4);
int vmx_set_efer(struct vmxlab_vcpu *vcpu, u64 efer);
void vmx_write_efer(struct vmxlab_vcpu *vcpu, u64 efer);
bool vmx_efer_valid(u64 efer);
bool vmx_cr4_valid(struct vmxlab_vcpu *vcpu, unsigned long cr4);

/* vmenter.S: 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed. */
int vmx_enter_guest(struct vmx_guest_regs *regs, bool launched);

/* The exit handler table (exits.c): RESUME_GUEST, EXIT_TO_USERSPACE, -errno. */
int vmx_handle_exit(struct vmxlab_vcpu *vcpu);
const char *vmx_exit_reason_name(u32 reason);

#define VMX_NR_EXIT_REASONS	76

/* CR4 bits the guest changes without an exit. */
#define VMX_GUEST_OWNED_CR4	(X86_CR4_PVI | X86_CR4_DE | X86_CR4_TSD | \
				 X86_CR4_PCE | X86_CR4_PGE | X86_CR4_OSFXSR | \
				 X86_CR4_OSXMMEXCPT)

/* Debug register values and writable bits (SDM vol. 3, 18.2). */
#define VCPU_DR6_INIT		0xffff0ff0ULL
#define VCPU_DR6_VOLATILE	0x0001e80fULL
#define VCPU_DR6_STEP		BIT_ULL(14)
#define VCPU_DR7_INIT		0x400ULL
#define VCPU_DR7_VOLATILE	0xffff2bffULL
#define VCPU_DR6_BD		BIT_ULL(13)
#define VCPU_DR7_GD		BIT_ULL(13)
#define VCPU_DR7_ENABLES	0xffULL		/* L0-L3, G0-G3 */

extern char vmx_guest_exit[];

u64 vmx_host_xcr0(void);
bool vmx_xcr0_valid(struct vmxlab_vcpu *vcpu, u64 value);
unsigned long vmx_msrs_cr4_fixed1(void);
void vmx_init_msr_bitmap(struct vmxlab_vcpu *vcpu);
u32 vmx_swapped_msr_index(enum vmx_swapped_msr i);
int vmx_swapped_msr_slot(u32 index);
unsigned long vmx_read_cr0(struct vmxlab_vcpu *vcpu);
unsigned long vmx_read_cr4(struct vmxlab_vcpu *vcpu);
int vmx_load_pdptrs(struct vmxlab_vcpu *vcpu, unsigned long cr3);

#endif
