/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC of one vCPU: xAPIC MMIO page, x2APIC MSRs, LVT, timer
 * (one-shot, periodic, TSC-deadline), IPIs through the APIC bus, and the
 * interrupt acceptance calls the vCPU engine makes before each entry.
 */
#ifndef VMXLAB_IRQ_LAPIC_H
#define VMXLAB_IRQ_LAPIC_H

#include "irq_host.h"

struct apic_bus;
struct apic_irq;

/* Register offsets in the xAPIC page; x2APIC MSR = 0x800 + offset / 16. */
#define LAPIC_ID		0x020
#define LAPIC_LVR		0x030
#define LAPIC_TPR		0x080
#define LAPIC_APR		0x090
#define LAPIC_PPR		0x0a0
#define LAPIC_EOI		0x0b0
#define LAPIC_LDR		0x0d0
#define LAPIC_DFR		0x0e0
#define LAPIC_SVR		0x0f0
#define LAPIC_ISR		0x100
#define LAPIC_TMR		0x180
#define LAPIC_IRR		0x200
#define LAPIC_ESR		0x280
#define LAPIC_ICR		0x300
#define LAPIC_ICR2		0x310
#define LAPIC_LVTT		0x320
#define LAPIC_LVTTHMR		0x330
#define LAPIC_LVTPC		0x340
#define LAPIC_LVT0		0x350
#define LAPIC_LVT1		0x360
#define LAPIC_LVTERR		0x370
#define LAPIC_TMICT		0x380
#define LAPIC_TMCCT		0x390
#define LAPIC_TDCR		0x3e0
#define LAPIC_SELF_IPI		0x3f0	/* x2APIC only */

#define LAPIC_NR_REGS		64	/* one per 16 bytes up to 0x3f0 */
#define LAPIC_STATE_SIZE	1024	/* struct kvm_lapic_state.regs */

/* Version 0x14, 6 LVT entries (max LVT index 5), as KVM reports. */
#define LAPIC_VERSION		0x00050014u

#define LAPIC_MSR_APIC_BASE	0x1b
#define LAPIC_MSR_TSC_DEADLINE	0x6e0
#define LAPIC_MSR_X2APIC_FIRST	0x800
#define LAPIC_MSR_X2APIC_LAST	0x8ff

#define LAPIC_BASE_BSP		(1ull << 8)
#define LAPIC_BASE_EXTD		(1ull << 10)
#define LAPIC_BASE_EN		(1ull << 11)
#define LAPIC_BASE_ADDR_MASK	0x000ffffffffff000ull
#define LAPIC_DEFAULT_BASE	0xfee00000ull

/* Kept small so that periodic timers cannot flood the host (KVM: 200us). */
#define LAPIC_MIN_PERIOD_NS	200000ull

/*
 * All fields are private to lapic.c. lock guards everything below it;
 * the timer callback and other vCPUs' IPIs take it, the host timer is
 * armed under it but never cancelled under it.
 */
struct lapic {
	struct irq_lock lock;
	struct apic_bus *bus;
	void *vcpu;
	u32 initial_id;
	bool bsp;
	bool x2apic_supported;

	u64 base;
	u32 regs[LAPIC_NR_REGS];
	u32 esr_pending;	/* errors since the last ESR write */

	struct irq_timer timer;
	bool timer_armed;
	u64 timer_target_ns;	/* next expiry */
	u64 timer_period_ns;	/* initial count in ns; 0 if stopped */
	u64 tsc_deadline;

	bool nmi_pending;
	bool init_pending;
	bool sipi_pending;
	u8 sipi_vector;
	bool lint_level[2];
	bool deadline_host_timed;	/* the host times the TSC deadline */
};

/* Life cycle. lapic_init() leaves the APIC in its power-on state. */
void lapic_init(struct lapic *lapic, struct apic_bus *bus, void *vcpu,
		u32 apic_id, bool bsp);
void lapic_destroy(struct lapic *lapic);
void lapic_reset(struct lapic *lapic, bool init_signal);
void lapic_set_x2apic_supported(struct lapic *lapic, bool supported);

/* Guest accesses. A negative return means: inject #GP. */
u64 lapic_mmio_read(struct lapic *lapic, u32 offset, u32 size);
void lapic_mmio_write(struct lapic *lapic, u32 offset, u32 size, u64 val);
int lapic_rdmsr(struct lapic *lapic, u32 msr, u64 *val);
int lapic_wrmsr(struct lapic *lapic, u32 msr, u64 val);

u64 lapic_get_base(struct lapic *lapic);
int lapic_set_base(struct lapic *lapic, u64 val, bool host_initiated);
u64 lapic_base_address(struct lapic *lapic);
bool lapic_xapic_mode(struct lapic *lapic);
u32 lapic_get_tpr(struct lapic *lapic);
void lapic_set_tpr(struct lapic *lapic, u32 tpr);

/* Interrupt acceptance, called by the engine on the vCPU's thread. */
int lapic_pending_vector(struct lapic *lapic);
void lapic_ack_vector(struct lapic *lapic, int vector);
bool lapic_extint_pending(struct lapic *lapic);
/* Would a vector from a PIC outside (KVM_INTERRUPT, split irqchip) go in? */
bool lapic_accepts_extint(struct lapic *lapic);
bool lapic_take_nmi(struct lapic *lapic);
bool lapic_take_init(struct lapic *lapic);
bool lapic_take_sipi(struct lapic *lapic, u8 *vector);

/* Inputs from devices and other APICs. */
bool lapic_tsc_deadline_armed(struct lapic *lapic, u64 *deadline);
void lapic_tsc_deadline_due(struct lapic *lapic);
void lapic_set_deadline_host_timed(struct lapic *lapic, bool on);
void lapic_set_lint(struct lapic *lapic, int pin, bool level);
int lapic_deliver(struct lapic *lapic, const struct apic_irq *irq);

/* KVM_GET/SET_LAPIC: registers at their xAPIC offsets. */
void lapic_get_state(struct lapic *lapic, u8 regs[LAPIC_STATE_SIZE]);
int lapic_set_state(struct lapic *lapic, const u8 regs[LAPIC_STATE_SIZE]);

/* For apic_bus.c: matching and acceptance under the target's lock. */
bool lapic_accept_if_match(struct lapic *lapic, struct lapic *src,
			   const struct apic_irq *irq, bool *kick);
bool lapic_arbitration_key(struct lapic *lapic, struct lapic *src,
			   const struct apic_irq *irq, u64 *key);

#endif
