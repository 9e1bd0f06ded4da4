/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxlab's core objects: the VM behind a VM file descriptor and the vCPUs
 * behind vCPU file descriptors, shared by the ioctl code (module/), the
 * engine (module/vmx/) and guest memory (module/mmu/).
 */
#ifndef VMXLAB_H
#define VMXLAB_H

#include <linux/kref.h>
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/rcuwait.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <asm/fpu/api.h>

#include "emul/insn.h"
#include "mmu/mmu.h"
#include "vmx/vmx.h"

/* kvm_run page plus the PIO data page, as KVM lays out the vCPU mapping. */
#define VMXLAB_VCPU_MMAP_PAGES	3	/* kvm_run, PIO data, coalesced ring */
#define VMXLAB_MAX_VCPUS	64
#define VMXLAB_MAX_CPUID	128
#define VMXLAB_MCE_BANKS	32	/* KVM_CAP_MCE, as KVM_MAX_MCE_BANKS */

struct dentry;
struct io_bus;
struct lapic;
struct lapic_mmio;
struct vm_irqchip;

/* Where a vCPU is, for kicks: IPI it only when it is in the guest. */
enum vcpu_mode {
	VCPU_OUTSIDE_GUEST,
	VCPU_IN_GUEST,
};

struct vmxlab_vm {
	struct kref refs;		/* the VM file and each vCPU file */
	struct mutex lock;		/* vCPU creation, VM state */
	struct vmxlab_mmu mmu;
	struct vmxlab_vcpu *vcpus[VMXLAB_MAX_VCPUS];
	int nr_vcpus;
	struct dentry *debugfs;
	struct vm_irqchip *irqchip;	/* NULL: interrupt controllers in userspace */
	struct mutex eventfd_lock;	/* irqfds and ioeventfds (writers) */
	struct list_head irqfds;
	struct list_head resamplers;	/* the irqfds with a resample fd */
	struct list_head ioeventfds;	/* each also a device on io_bus[] */
	unsigned int nr_irqfds, nr_ioeventfds;
	/* The in-kernel I/O bus (io_bus.c): PIO and MMIO, read under io_srcu. */
	struct io_bus __rcu *io_bus[2];	/* enum io_bus_kind */
	struct mutex io_bus_lock;
	struct srcu_struct io_srcu;
	bool io_srcu_ready;
	u64 tss_addr;
	u64 identity_map_addr;
	s64 kvmclock_offset;		/* KVM_SET_CLOCK: ns added to boot time */
	u64 tsc_offset;			/* a new vCPU's: its TSC starts at 0 */
	/* Coalesced MMIO/PIO (coalesced.c): zones, and the ring they fill. */
	struct kvm_coalesced_mmio_ring *coalesced_ring;
	spinlock_t coalesced_lock;	/* appending to the ring */
	struct mutex coalesced_mutex;	/* the zone list */
	struct list_head coalesced_zones;
	unsigned int nr_coalesced_zones;
	/* Guest MSR accesses for userspace (msr_user.c). */
	u32 user_space_msr;		/* KVM_MSR_EXIT_REASON_* enabled */
	struct msr_filter __rcu *msr_filter;	/* replaced under lock */
};

/* Work left over from an exit to userspace, finished by the next KVM_RUN. */
enum vcpu_completion {
	COMPLETE_NONE,
	COMPLETE_SKIP,		/* step over the instruction (OUT) */
	COMPLETE_PIO_IN,	/* copy the PIO page into RAX, then step */
	COMPLETE_PIO_STRING_IN,	/* copy the PIO page to ES:RDI, then step */
	COMPLETE_MMIO_READ,	/* put run->mmio.data in the destination */
	COMPLETE_OUTS_MMIO,	/* OUTS read its element from MMIO: send it */
	COMPLETE_MMIO_PUSHA,	/* a slot written to userspace: the next one */
	COMPLETE_RDMSR,		/* userspace's msr.data or msr.error */
	COMPLETE_WRMSR,		/* userspace's msr.error */
};

/* A port I/O exit in flight; for INS and OUTS, the string's geometry. */
struct vcpu_pio {
	u8 size;		/* bytes per element */
	u32 count;		/* elements in this exit */
	int dir;		/* +1, or -1 with EFLAGS.DF */
	bool rep;
	u8 addr_size;		/* 2, 4 or 8: how RSI/RDI/RCX wrap */
	u64 seg_base;
	u16 port;
	bool mmio;		/* INS to, OUTS from, MMIO at mmio_gpa */
	u64 mmio_gpa;
};

struct vcpu_exit_stats {
	u64 count[VMX_NR_EXIT_REASONS];
	u64 tsc[VMX_NR_EXIT_REASONS];	/* TSC ticks spent handling */
};

struct vmxlab_vcpu {
	struct vmxlab_vm *vm;
	unsigned int id;
	struct mutex mutex;		/* one ioctl at a time */
	struct kvm_run *run;
	void *pio_data;
	struct preempt_notifier preempt_notifier;
	struct fpu_guest guest_fpu;
	struct vmx_vcpu vmx;

	struct kvm_cpuid_entry2 *cpuid;
	int cpuid_nent;

	u64 apic_base;
	u64 misc_enable;
	u64 tsc_offset;
	u64 tsc_adjust;			/* IA32_TSC_ADJUST */
	u64 mtrr_def_type;
	u64 mtrr_fixed[11];
	u64 mtrr_var[16];
	u64 cr8;
	/* Machine-check banks (mce.c). */
	u64 mcg_cap, mcg_status, mcg_ctl;
	u64 mce_banks[VMXLAB_MCE_BANKS * 4];
	/* kvmclock (pvclock.c): the guest's MSRs, as written, and its page. */
	u64 kvm_system_time, kvm_wall_clock;
	u32 pvclock_version;		/* of the page, odd while it changes */
	u32 mp_state;
	bool ran;			/* KVM_RUN was called: CPUID is fixed */

	enum vcpu_completion completion;
	u64 completion_rip;		/* RIP when KVM_RUN returned */
	struct vcpu_pio pio;		/* COMPLETE_PIO_* */
	struct mmio_insn mmio;		/* COMPLETE_MMIO_READ */
	u64 mmio_gpa;			/* where it goes */
	u64 mmio_read[MMIO_INSN_STACK_SLOTS];	/* elements or slots read */
	int mmio_reads;			/* ... or PUSHA's slots written */

	/* Interrupts: the in-kernel LAPIC, or what userspace injects. */
	struct lapic *lapic;
	struct lapic_mmio *lapic_mmio;	/* its xAPIC page on the I/O bus */
	struct task_struct *task;	/* in KVM_RUN */
	struct rcuwait wait;		/* halted or waiting for SIPI */
	int mode;			/* enum vcpu_mode */
	unsigned long requests;		/* enum vcpu_request bits (requests.h) */
	bool user_irq_pending;		/* KVM_INTERRUPT */
	u8 user_irq;
	bool nmi_pending;		/* taken from a request, not yet injected */
	u8 eoi_exit_vector;		/* VCPU_REQ_EOI_EXIT */
	u32 sipi_vector;		/* KVM_SET_VCPU_EVENTS, read back */
	u64 vapic_addr;			/* KVM_SET_VAPIC_ADDR, kept only */
	bool tpr_access_reporting;	/* KVM_TPR_ACCESS_REPORTING, kept only */
	bool preemption_timer_on;	/* VMX preemption timer armed */

	struct vcpu_exit_stats stats;
	struct dentry *debugfs;
};

int vmxlab_check_extension(long cap);
struct dentry *vmxlab_debugfs_root(void);

int vmxlab_create_vm(unsigned long type);
void vmxlab_vm_get(struct vmxlab_vm *vm);
void vmxlab_vm_put(struct vmxlab_vm *vm);

int vmxlab_create_vcpu(struct vmxlab_vm *vm, unsigned long id);
void vmxlab_vcpu_free(struct vmxlab_vcpu *vcpu);
void vcpu_reset_msrs(struct vmxlab_vcpu *vcpu);

/* CPUID as userspace configured it (cpuid.c). */
long vmxlab_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid);
int vcpu_set_cpuid2(struct vmxlab_vcpu *vcpu, struct kvm_cpuid2 __user *u);
int vcpu_get_cpuid2(struct vmxlab_vcpu *vcpu, struct kvm_cpuid2 __user *u);
void vcpu_cpuid(struct vmxlab_vcpu *vcpu, u32 *eax, u32 *ebx, u32 *ecx,
		u32 *edx);
const struct kvm_cpuid_entry2 *vcpu_find_cpuid(struct vmxlab_vcpu *vcpu,
					       u32 function, u32 index);
/* The XCR0 bits any guest may set: the host's that vmxlab virtualizes. */
u64 vmxlab_supported_xcr0(void);
u64 vcpu_supported_xcr0(struct vmxlab_vcpu *vcpu);
bool vcpu_has_x2apic(struct vmxlab_vcpu *vcpu);
bool vcpu_has_tsc_adjust(struct vmxlab_vcpu *vcpu);
unsigned long vcpu_cr4_allowed(struct vmxlab_vcpu *vcpu);

/* XSAVE, XCRS, TSC_KHZ of a vCPU; the VM's clock (vcpu_state.c). */
long vcpu_state_ioctl(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
		      void __user *argp);
long vm_clock_ioctl(struct vmxlab_vm *vm, unsigned int ioctl,
		    void __user *argp);

/* Machine-check banks (mce.c). */
long vmxlab_get_mce_cap_supported(u64 __user *ucap);
void vcpu_mce_reset(struct vmxlab_vcpu *vcpu);
int vcpu_setup_mce(struct vmxlab_vcpu *vcpu, u64 __user *ucap);
bool vcpu_mce_get_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 *data,
		      bool host, int *err);
bool vcpu_mce_set_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 data,
		      bool host, int *err);

/* Guest MSR accesses served by userspace (msr_user.c). */
int vm_enable_user_space_msr(struct vmxlab_vm *vm,
			     const struct kvm_enable_cap *cap);
long vm_set_msr_filter(struct vmxlab_vm *vm, void __user *argp);
void vm_free_msr_filter(struct vmxlab_vm *vm);
bool vcpu_msr_allowed(struct vmxlab_vcpu *vcpu, u32 index, bool write);
bool vcpu_msr_to_userspace(struct vmxlab_vcpu *vcpu, u32 index, u64 data,
			   bool write, int err);
void vcpu_complete_user_msr(struct vmxlab_vcpu *vcpu, bool write);

/* kvmclock MSRs and KVM_GET/SET_CLOCK (pvclock.c). */
bool vcpu_pvclock_get_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 *data,
			  bool host, int *err);
bool vcpu_pvclock_set_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 data,
			  bool host, int *err);
void vcpu_pvclock_update(struct vmxlab_vcpu *vcpu);
void vm_pvclock_changed(struct vmxlab_vm *vm);

/* MSR list and user-facing MSR access (msr.c). */
long vmxlab_get_msr_index_list(struct kvm_msr_list __user *ulist);
int vcpu_msrs_ioctl(struct vmxlab_vcpu *vcpu, struct kvm_msrs __user *u,
		    bool set);

#endif
