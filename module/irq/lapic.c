// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC model.
 *
 * Registers live in regs[], one u32 per 16-byte slot of the xAPIC page,
 * which is also the layout of KVM's struct kvm_lapic_state. Guest accesses
 * come from the vCPU's own thread; other vCPUs, devices and the timer
 * callback only set IRR/TMR bits and pending events. Everything is done
 * under lapic->lock, and what must happen outside it (kicking the vCPU,
 * sending an IPI, telling the IOAPIC about an EOI) is collected in a
 * struct lapic_effects and done after the unlock.
 *
 * The host timer is armed under the lock and never cancelled under it:
 * a stale expiry finds timer_armed clear (or its target in the future)
 * and does nothing.
 */
#ifdef VMXLAB_HOST
#include <errno.h>
#else
#include <linux/errno.h>
#endif

#include "lapic.h"
#include "apic_bus.h"

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define SVR_WRITABLE		0x3ffu	/* vector, enable, focus check */
#define SVR_ENABLE		(1u << 8)

#define LVT_VECTOR		0xffu
#define LVT_DM_BITS		(7u << 8)
#define LVT_POLARITY		(1u << 13)
#define LVT_LEVEL		(1u << 15)
#define LVT_MASKED		(1u << 16)
#define LVT_TIMER_MODE_BITS	(3u << 17)
#define LVT_DM(lvt)		(((lvt) >> 8) & 7)

#define TIMER_ONESHOT		0
#define TIMER_PERIODIC		1
#define TIMER_TSC_DEADLINE	2

#define ICR_DEST_LOGICAL	(1u << 11)
#define ICR_BUSY		(1u << 12)
#define ICR_ASSERT		(1u << 14)
#define ICR_LEVEL		(1u << 15)
#define ICR_SHORTHAND(lo)	(((lo) >> 18) & 3)
/* Bits 31:20, 17:16 and 13 of an x2APIC ICR write must be zero. */
#define X2APIC_ICR_RESERVED	0xfff32000u

#define ESR_SEND_ILLEGAL	(1u << 5)
#define ESR_RECV_ILLEGAL	(1u << 6)
#define ESR_ILLEGAL_REG		(1u << 7)

#define DFR_FLAT		0xfu
#define DFR_RESERVED_ONES	0x0fffffffu
#define XAPIC_ID_BITS		0xff000000u

#define NSEC_PER_MSEC_U64	1000000ull

/* What a locked operation leaves to do once the lock is dropped. */
struct lapic_effects {
	bool kick;
	int eoi_vector;
	bool send_ipi;
	struct apic_irq ipi;
};

#define NO_EFFECTS { .eoi_vector = -1 }

static bool lvt_fire(struct lapic *lapic, u32 reg);

/* ---------------------------------------------------------------- state */

static u32 reg_get(const struct lapic *lapic, u32 offset)
{
	return lapic->regs[offset >> 4];
}

static void reg_set(struct lapic *lapic, u32 offset, u32 val)
{
	lapic->regs[offset >> 4] = val;
}

static u32 *vec_word(struct lapic *lapic, u32 base, u8 vector)
{
	return &lapic->regs[(base >> 4) + (vector >> 5)];
}

static bool vec_test(struct lapic *lapic, u32 base, u8 vector)
{
	return *vec_word(lapic, base, vector) & (1u << (vector & 31));
}

static void vec_set(struct lapic *lapic, u32 base, u8 vector)
{
	*vec_word(lapic, base, vector) |= 1u << (vector & 31);
}

static void vec_clear(struct lapic *lapic, u32 base, u8 vector)
{
	*vec_word(lapic, base, vector) &= ~(1u << (vector & 31));
}

/* Highest vector set in the 256-bit ISR, TMR or IRR at base, or -1. */
static int vec_highest(const struct lapic *lapic, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 word = lapic->regs[(base >> 4) + i];

		if (word)
			return i * 32 + 31 - __builtin_clz(word);
	}
	return -1;
}

static bool hw_enabled(const struct lapic *lapic)
{
	return lapic->base & LAPIC_BASE_EN;
}

static bool x2apic_mode(const struct lapic *lapic)
{
	return lapic->base & LAPIC_BASE_EXTD;
}

static bool sw_enabled(const struct lapic *lapic)
{
	return reg_get(lapic, LAPIC_SVR) & SVR_ENABLE;
}

static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

static void update_ppr(struct lapic *lapic)
{
	u32 tpr = reg_get(lapic, LAPIC_TPR);
	int isr = vec_highest(lapic, LAPIC_ISR);
	u32 isr_class = isr < 0 ? 0 : (u32)isr & 0xf0;

	if ((tpr & 0xf0) >= isr_class)
		reg_set(lapic, LAPIC_PPR, tpr);
	else
		reg_set(lapic, LAPIC_PPR, isr_class);
}

/* SDM "Arbitration Priority Register": TPR unless IRR or ISR is higher. */
static u32 compute_apr(struct lapic *lapic)
{
	u32 tpr = reg_get(lapic, LAPIC_TPR);
	int irr = vec_highest(lapic, LAPIC_IRR);
	int isr = vec_highest(lapic, LAPIC_ISR);
	u32 irr_class = irr < 0 ? 0 : (u32)irr & 0xf0;
	u32 isr_class = isr < 0 ? 0 : (u32)isr & 0xf0;
	u32 apr = tpr & 0xf0;

	if (apr >= irr_class && apr > isr_class)
		return tpr;
	if (irr_class > apr)
		apr = irr_class;
	return isr_class > apr ? isr_class : apr;
}

/* ---------------------------------------------------------------- accept */

static bool record_error(struct lapic *lapic, u32 error)
{
	bool first = !(lapic->esr_pending & error);

	lapic->esr_pending |= error;
	/* Only a new error interrupts, so an illegal LVTERR vector ends here. */
	return first && lvt_fire(lapic, LAPIC_LVTERR);
}

static bool accept_vector(struct lapic *lapic, u8 vector, bool level)
{
	if (!sw_enabled(lapic))
		return false;
	if (vector < 16)
		return record_error(lapic, ESR_RECV_ILLEGAL);

	vec_set(lapic, LAPIC_IRR, vector);
	if (level)
		vec_set(lapic, LAPIC_TMR, vector);
	else
		vec_clear(lapic, LAPIC_TMR, vector);
	return true;
}

/* Returns true if something became pending: the vCPU needs a kick. */
static bool accept(struct lapic *lapic, u8 mode, u8 vector, bool level)
{
	switch (mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWEST:
		return accept_vector(lapic, vector, level);
	case APIC_DM_NMI:
		lapic->nmi_pending = true;
		return true;
	case APIC_DM_INIT:
		lapic->init_pending = true;
		lapic->sipi_pending = false;
		return true;
	case APIC_DM_SIPI:
		lapic->sipi_pending = true;
		lapic->sipi_vector = vector;
		return true;
	default:
		/* No SMM; ExtINT comes from the PIC through LINT0. */
		return false;
	}
}

static bool lvt_fire(struct lapic *lapic, u32 reg)
{
	u32 lvt = reg_get(lapic, reg);
	bool lint = reg == LAPIC_LVT0 || reg == LAPIC_LVT1;
	u8 mode = APIC_DM_FIXED;

	if (lvt & LVT_MASKED)
		return false;
	if (reg != LAPIC_LVTT && reg != LAPIC_LVTERR)
		mode = LVT_DM(lvt);
	return accept(lapic, mode, lvt & LVT_VECTOR, lint && (lvt & LVT_LEVEL));
}

/* ---------------------------------------------------------------- timer */

static u32 timer_mode(const struct lapic *lapic)
{
	return (reg_get(lapic, LAPIC_LVTT) & LVT_TIMER_MODE_BITS) >> 17;
}

/* TDCR bits 3,1:0: 000 = /2, 001 = /4, ... 110 = /128, 111 = /1. */
static u32 timer_divisor(const struct lapic *lapic)
{
	u32 tdcr = reg_get(lapic, LAPIC_TDCR);
	u32 code = (tdcr & 3) | ((tdcr >> 1) & 4);

	return 1u << ((code + 1) & 7);
}

static void timer_arm(struct lapic *lapic, u64 target_ns)
{
	lapic->timer_armed = true;
	lapic->timer_target_ns = target_ns;
	irq_timer_arm(&lapic->timer, target_ns);
}

static void timer_stop(struct lapic *lapic)
{
	lapic->timer_armed = false;
	lapic->timer_period_ns = 0;
}

/* The APIC timer counts at 1 GHz before division, as KVM's does. */
static void timer_load_count(struct lapic *lapic)
{
	u32 count = reg_get(lapic, LAPIC_TMICT);

	timer_stop(lapic);
	if (!count)
		return;
	lapic->timer_period_ns = (u64)count * timer_divisor(lapic);
	timer_arm(lapic, irq_host_now_ns() + lapic->timer_period_ns);
}

static u32 timer_current_count(struct lapic *lapic)
{
	u64 now = irq_host_now_ns();
	u64 period = lapic->timer_period_ns;
	u64 target = lapic->timer_target_ns;
	u64 left, count;

	if (timer_mode(lapic) == TIMER_TSC_DEADLINE || !period)
		return 0;
	if (now < target)
		left = target - now;
	else if (timer_mode(lapic) == TIMER_PERIODIC)
		left = period - (now - target) % period;
	else
		return 0;
	count = left / timer_divisor(lapic);
	if (count > reg_get(lapic, LAPIC_TMICT))
		count = reg_get(lapic, LAPIC_TMICT);
	return count;
}

/* Rounded up, so that the guest never sees its deadline early. */
static u64 tsc_to_ns(u64 ticks, u32 tsc_khz)
{
	u64 ms = ticks / tsc_khz;
	u64 rest = ticks % tsc_khz;

	/* Beyond ~50 days: wake then and look again. */
	if (ms >> 32)
		return (1ull << 32) * NSEC_PER_MSEC_U64;
	return ms * NSEC_PER_MSEC_U64 +
	       (rest * NSEC_PER_MSEC_U64 + tsc_khz - 1) / tsc_khz;
}

/* Arms for the deadline, or fires now if it has passed. */
static bool tsc_deadline_arm(struct lapic *lapic)
{
	u64 tsc = irq_host_guest_tsc(lapic->vcpu);
	u32 khz = irq_host_tsc_khz(lapic->vcpu);

	if (lapic->tsc_deadline <= tsc || !khz) {
		lapic->timer_armed = false;
		lapic->tsc_deadline = 0;
		return lvt_fire(lapic, LAPIC_LVTT);
	}
	if (lapic->deadline_host_timed) {
		lapic->timer_armed = true;	/* the host calls _due() */
		return false;
	}
	timer_arm(lapic, irq_host_now_ns() +
		  tsc_to_ns(lapic->tsc_deadline - tsc, khz));
	return false;
}

static bool tsc_deadline_write(struct lapic *lapic, u64 deadline)
{
	if (!hw_enabled(lapic) || timer_mode(lapic) != TIMER_TSC_DEADLINE)
		return false;
	lapic->tsc_deadline = deadline;
	lapic->timer_armed = false;
	return deadline ? tsc_deadline_arm(lapic) : false;
}

/* Catches up missed periods with one interrupt, as an IRR bit would. */
static void timer_reload(struct lapic *lapic, u64 now)
{
	u64 period = lapic->timer_period_ns;
	u64 late;

	if (period < LAPIC_MIN_PERIOD_NS)
		period = LAPIC_MIN_PERIOD_NS;
	late = (now - lapic->timer_target_ns) % period;
	timer_arm(lapic, now + period - late);
}

static bool timer_expire(struct lapic *lapic)
{
	u64 now = irq_host_now_ns();

	if (!lapic->timer_armed || now < lapic->timer_target_ns)
		return false;
	if (timer_mode(lapic) == TIMER_TSC_DEADLINE)
		return tsc_deadline_arm(lapic);
	if (timer_mode(lapic) == TIMER_PERIODIC)
		timer_reload(lapic, now);
	else
		lapic->timer_armed = false;
	/* A masked LVT drops the interrupt but the count goes on. */
	return lvt_fire(lapic, LAPIC_LVTT);
}

static void lapic_timer_expired(struct irq_timer *timer)
{
	struct lapic *lapic = container_of(timer, struct lapic, timer);
	bool kick;

	irq_lock(&lapic->lock);
	kick = timer_expire(lapic);
	irq_unlock(&lapic->lock);
	if (kick)
		irq_host_kick_vcpu(lapic->vcpu);
}

/*
 * For a host that can time the deadline itself while the guest runs (the
 * VMX preemption timer): the armed TSC deadline, and its expiry. The
 * host timer stays armed as a fallback; firing here disarms it, so its
 * later expiry finds nothing to do.
 */
bool lapic_tsc_deadline_armed(struct lapic *lapic, u64 *deadline)
{
	bool armed;

	irq_lock(&lapic->lock);
	armed = timer_mode(lapic) == TIMER_TSC_DEADLINE &&
		lapic->timer_armed && lapic->tsc_deadline;
	*deadline = lapic->tsc_deadline;
	irq_unlock(&lapic->lock);
	return armed;
}

void lapic_tsc_deadline_due(struct lapic *lapic)
{
	irq_lock(&lapic->lock);
	if (timer_mode(lapic) == TIMER_TSC_DEADLINE && lapic->timer_armed &&
	    lapic->tsc_deadline &&
	    lapic->tsc_deadline <= irq_host_guest_tsc(lapic->vcpu))
		tsc_deadline_arm(lapic);	/* past due: fires now */
	irq_unlock(&lapic->lock);
}

/*
 * While the guest runs, a host with a guest-mode timer times the deadline
 * itself (on); whenever the vCPU may stay out of guest mode (halt, return
 * to userspace, preemption) the host timer takes over again (off).
 */
void lapic_set_deadline_host_timed(struct lapic *lapic, bool on)
{
	bool kick = false, deadline_mode;

	irq_lock(&lapic->lock);
	if (lapic->deadline_host_timed == on) {
		irq_unlock(&lapic->lock);
		return;
	}
	lapic->deadline_host_timed = on;
	deadline_mode = timer_mode(lapic) == TIMER_TSC_DEADLINE;
	if (!on && deadline_mode && lapic->timer_armed && lapic->tsc_deadline)
		kick = tsc_deadline_arm(lapic);
	irq_unlock(&lapic->lock);
	/* The host timer would race the guest-mode one: take it off. */
	if (on && deadline_mode)
		irq_timer_cancel(&lapic->timer);
	if (kick)
		irq_host_kick_vcpu(lapic->vcpu);
}

/* Leaving or entering TSC-deadline mode disarms the timer (SDM). */
static void lvtt_write(struct lapic *lapic, u32 val)
{
	bool was_deadline = timer_mode(lapic) == TIMER_TSC_DEADLINE;

	reg_set(lapic, LAPIC_LVTT, val);
	if (was_deadline == (timer_mode(lapic) == TIMER_TSC_DEADLINE))
		return;
	timer_stop(lapic);
	reg_set(lapic, LAPIC_TMICT, 0);
	lapic->tsc_deadline = 0;
}

/* A new divisor applies to the counts still to go. */
static void tdcr_write(struct lapic *lapic, u32 val)
{
	u32 old_div = timer_divisor(lapic);
	u32 new_div;
	u64 now, left;

	reg_set(lapic, LAPIC_TDCR, val & 0xb);
	new_div = timer_divisor(lapic);
	if (new_div == old_div || !lapic->timer_armed ||
	    !lapic->timer_period_ns)
		return;
	now = irq_host_now_ns();
	left = lapic->timer_target_ns > now ? lapic->timer_target_ns - now : 0;
	lapic->timer_period_ns = (u64)reg_get(lapic, LAPIC_TMICT) * new_div;
	timer_arm(lapic, now + left / old_div * new_div);
}

static void tmict_write(struct lapic *lapic, u32 val)
{
	if (timer_mode(lapic) == TIMER_TSC_DEADLINE)
		return;
	reg_set(lapic, LAPIC_TMICT, val);
	timer_load_count(lapic);
}

/* ---------------------------------------------------------------- writes */

static const u32 lvt_writable[] = {
	[0] = LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE_BITS,	/* timer */
	[1] = LVT_VECTOR | LVT_MASKED | LVT_DM_BITS,		/* thermal */
	[2] = LVT_VECTOR | LVT_MASKED | LVT_DM_BITS,		/* PMC */
	[3] = LVT_VECTOR | LVT_MASKED | LVT_DM_BITS |		/* LINT0 */
	      LVT_POLARITY | LVT_LEVEL,
	[4] = LVT_VECTOR | LVT_MASKED | LVT_DM_BITS |		/* LINT1 */
	      LVT_POLARITY | LVT_LEVEL,
	[5] = LVT_VECTOR | LVT_MASKED,				/* error */
};

static u32 lvt_sanitize(struct lapic *lapic, u32 reg, u32 val)
{
	/* A software-disabled APIC keeps every LVT masked. */
	if (!sw_enabled(lapic))
		val |= LVT_MASKED;
	return val & lvt_writable[(reg - LAPIC_LVTT) >> 4];
}

static void lvt_write(struct lapic *lapic, u32 reg, u32 val)
{
	val = lvt_sanitize(lapic, reg, val);
	if (reg == LAPIC_LVTT)
		lvtt_write(lapic, val);
	else
		reg_set(lapic, reg, val);
}

static void svr_write(struct lapic *lapic, u32 val)
{
	u32 reg;

	reg_set(lapic, LAPIC_SVR, val & SVR_WRITABLE);
	if (val & SVR_ENABLE)
		return;
	for (reg = LAPIC_LVTT; reg <= LAPIC_LVTERR; reg += 0x10)
		reg_set(lapic, reg, reg_get(lapic, reg) | LVT_MASKED);
}

static void eoi_write(struct lapic *lapic, struct lapic_effects *fx)
{
	int vector = vec_highest(lapic, LAPIC_ISR);

	if (vector < 0)
		return;
	vec_clear(lapic, LAPIC_ISR, vector);
	update_ppr(lapic);
	/* A level interrupt's source may be waiting for this EOI. */
	if (vec_test(lapic, LAPIC_TMR, vector))
		fx->eoi_vector = vector;
}

static void esr_write(struct lapic *lapic)
{
	reg_set(lapic, LAPIC_ESR, lapic->esr_pending);
	lapic->esr_pending = 0;
}

/* Turns an ICR write into a bus message for after the unlock. */
static void icr_send(struct lapic *lapic, u32 low, u32 dest,
		     struct lapic_effects *fx)
{
	u8 mode = (low >> 8) & 7;
	u8 vector = low & 0xff;

	/* INIT level de-assert does nothing since the Pentium 4. */
	if (mode == APIC_DM_INIT && (low & ICR_LEVEL) && !(low & ICR_ASSERT))
		return;
	if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
		fx->kick |= record_error(lapic, ESR_SEND_ILLEGAL);
		return;
	}
	fx->send_ipi = true;
	fx->ipi = (struct apic_irq) {
		.dest = dest,
		.vector = vector,
		.delivery_mode = mode,
		.shorthand = ICR_SHORTHAND(low),
		.dest_logical = low & ICR_DEST_LOGICAL,
		.level_trigger = low & ICR_LEVEL,
	};
}

static void xapic_icr_write(struct lapic *lapic, u32 val,
			    struct lapic_effects *fx)
{
	val &= ~ICR_BUSY;	/* delivery is immediate: never busy */
	reg_set(lapic, LAPIC_ICR, val);
	icr_send(lapic, val, reg_get(lapic, LAPIC_ICR2) >> 24, fx);
}

static int x2apic_icr_write(struct lapic *lapic, u64 val,
			    struct lapic_effects *fx)
{
	u32 low = (u32)val & ~ICR_BUSY;

	if (low & X2APIC_ICR_RESERVED)
		return -EINVAL;
	reg_set(lapic, LAPIC_ICR, low);
	reg_set(lapic, LAPIC_ICR2, val >> 32);
	icr_send(lapic, low, val >> 32, fx);
	return 0;
}

static int self_ipi_write(struct lapic *lapic, u32 val,
			  struct lapic_effects *fx)
{
	if (!x2apic_mode(lapic) || (val & ~0xffu))
		return -EINVAL;
	icr_send(lapic, (APIC_SH_SELF << 18) | val, 0, fx);
	return 0;
}

/* Registers whose meaning is the same in xAPIC and x2APIC mode. */
static int common_write(struct lapic *lapic, u32 reg, u32 val,
			struct lapic_effects *fx)
{
	switch (reg) {
	case LAPIC_TPR:
		reg_set(lapic, LAPIC_TPR, val & 0xff);
		update_ppr(lapic);
		return 0;
	case LAPIC_SVR:
		svr_write(lapic, val);
		return 0;
	case LAPIC_LVTT ... LAPIC_LVTERR:
		lvt_write(lapic, reg, val);
		return 0;
	case LAPIC_TMICT:
		tmict_write(lapic, val);
		return 0;
	case LAPIC_TDCR:
		tdcr_write(lapic, val);
		return 0;
	case LAPIC_LVR:
	case LAPIC_PPR:
	case LAPIC_ISR ... LAPIC_IRR + 0x70:
	case LAPIC_TMCCT:
		return -EPERM;
	default:
		return -EINVAL;
	}
}

/* -EPERM: read-only, ignored; -EINVAL: no such register. */
static int xapic_write(struct lapic *lapic, u32 reg, u32 val,
		       struct lapic_effects *fx)
{
	switch (reg) {
	case LAPIC_ID:
		reg_set(lapic, LAPIC_ID, val & XAPIC_ID_BITS);
		return 0;
	case LAPIC_EOI:
		eoi_write(lapic, fx);
		return 0;
	case LAPIC_LDR:
		reg_set(lapic, LAPIC_LDR, val & XAPIC_ID_BITS);
		return 0;
	case LAPIC_DFR:
		reg_set(lapic, LAPIC_DFR, val | DFR_RESERVED_ONES);
		return 0;
	case LAPIC_ESR:
		esr_write(lapic);
		return 0;
	case LAPIC_ICR:
		xapic_icr_write(lapic, val, fx);
		return 0;
	case LAPIC_ICR2:
		reg_set(lapic, LAPIC_ICR2, val & XAPIC_ID_BITS);
		return 0;
	case LAPIC_APR:
		return -EPERM;
	default:
		return common_write(lapic, reg, val, fx);
	}
}

/* Any error is a #GP in x2APIC mode. */
static int x2apic_write(struct lapic *lapic, u32 reg, u64 val,
			struct lapic_effects *fx)
{
	if (reg == LAPIC_ICR)
		return x2apic_icr_write(lapic, val, fx);
	if (val >> 32)
		return -EINVAL;

	switch (reg) {
	case LAPIC_EOI:
		if (val)
			return -EINVAL;
		eoi_write(lapic, fx);
		return 0;
	case LAPIC_ESR:
		if (val)
			return -EINVAL;
		esr_write(lapic);
		return 0;
	case LAPIC_SELF_IPI:
		return self_ipi_write(lapic, val, fx);
	case LAPIC_ID:
	case LAPIC_LDR:
		return -EPERM;
	default:
		return common_write(lapic, reg, val, fx);
	}
}

/* ---------------------------------------------------------------- reads */

static int reg_read(struct lapic *lapic, u32 reg, u32 *val)
{
	bool x2 = x2apic_mode(lapic);

	switch (reg) {
	case LAPIC_APR:
	case LAPIC_DFR:
	case LAPIC_ICR2:
		if (x2)
			return -EINVAL;
		*val = reg == LAPIC_APR ? compute_apr(lapic) :
					  reg_get(lapic, reg);
		return 0;
	case LAPIC_TMCCT:
		*val = timer_current_count(lapic);
		return 0;
	case LAPIC_ID ... LAPIC_LVR:
	case LAPIC_TPR:
	case LAPIC_PPR:
	case LAPIC_LDR:
	case LAPIC_SVR ... LAPIC_ESR:
	case LAPIC_ICR:
	case LAPIC_LVTT ... LAPIC_TMICT:
	case LAPIC_TDCR:
		*val = reg_get(lapic, reg);
		return 0;
	case LAPIC_EOI:
	case LAPIC_SELF_IPI:
		return -EPERM;	/* write-only */
	default:
		return -EINVAL;
	}
}

/* ---------------------------------------------------------------- locking */

static void apply_effects(struct lapic *lapic, struct lapic_effects *fx)
{
	if (fx->kick)
		irq_host_kick_vcpu(lapic->vcpu);
	if (fx->eoi_vector >= 0 && lapic->bus)
		apic_bus_eoi(lapic->bus, fx->eoi_vector);
	if (fx->send_ipi && lapic->bus)
		apic_bus_deliver(lapic->bus, lapic, &fx->ipi);
}

static bool xapic_reg_ok(u32 offset, u32 size)
{
	return offset < LAPIC_NR_REGS * 16 && (offset & 0xf) + size <= 4;
}

static u64 size_mask(u32 size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

u64 lapic_mmio_read(struct lapic *lapic, u32 offset, u32 size)
{
	u32 val = 0;
	int err = 0;
	bool kick = false;

	irq_lock(&lapic->lock);
	if (!hw_enabled(lapic) || x2apic_mode(lapic)) {
		/* Not an APIC page: reads float high, as in KVM. */
		irq_unlock(&lapic->lock);
		return size_mask(size);
	}
	if (xapic_reg_ok(offset, size))
		err = reg_read(lapic, offset & ~0xfu, &val);
	if (err == -EINVAL || offset >= LAPIC_NR_REGS * 16)
		kick = record_error(lapic, ESR_ILLEGAL_REG);
	irq_unlock(&lapic->lock);

	if (kick)
		irq_host_kick_vcpu(lapic->vcpu);
	return err ? 0 : (val >> ((offset & 3) * 8)) & size_mask(size);
}

/* Only aligned 32-bit writes reach a register (SDM "Local APIC"). */
void lapic_mmio_write(struct lapic *lapic, u32 offset, u32 size, u64 val)
{
	struct lapic_effects fx = NO_EFFECTS;

	irq_lock(&lapic->lock);
	if (hw_enabled(lapic) && !x2apic_mode(lapic) &&
	    size == 4 && !(offset & 0xf)) {
		if (offset >= LAPIC_NR_REGS * 16 ||
		    xapic_write(lapic, offset, val, &fx) == -EINVAL)
			fx.kick |= record_error(lapic, ESR_ILLEGAL_REG);
	}
	irq_unlock(&lapic->lock);
	apply_effects(lapic, &fx);
}

static int x2apic_rdmsr(struct lapic *lapic, u32 reg, u64 *val)
{
	u32 low = 0;
	int err = 0;

	irq_lock(&lapic->lock);
	if (!x2apic_mode(lapic) || reg >= LAPIC_NR_REGS * 16)
		err = -EINVAL;
	else if (reg == LAPIC_ICR)
		*val = reg_get(lapic, LAPIC_ICR) |
		       (u64)reg_get(lapic, LAPIC_ICR2) << 32;
	else
		err = reg_read(lapic, reg, &low);
	irq_unlock(&lapic->lock);

	if (!err && reg != LAPIC_ICR)
		*val = low;
	return err ? -EINVAL : 0;
}

static int x2apic_wrmsr(struct lapic *lapic, u32 reg, u64 val)
{
	struct lapic_effects fx = NO_EFFECTS;
	int err = -EINVAL;

	irq_lock(&lapic->lock);
	if (x2apic_mode(lapic) && reg < LAPIC_NR_REGS * 16)
		err = x2apic_write(lapic, reg, val, &fx);
	irq_unlock(&lapic->lock);
	apply_effects(lapic, &fx);
	return err ? -EINVAL : 0;
}

static u64 tsc_deadline_read(struct lapic *lapic)
{
	u64 deadline = 0;

	irq_lock(&lapic->lock);
	if (timer_mode(lapic) == TIMER_TSC_DEADLINE)
		deadline = lapic->tsc_deadline;
	irq_unlock(&lapic->lock);
	return deadline;
}

int lapic_rdmsr(struct lapic *lapic, u32 msr, u64 *val)
{
	if (msr == LAPIC_MSR_APIC_BASE) {
		*val = lapic_get_base(lapic);
		return 0;
	}
	if (msr == LAPIC_MSR_TSC_DEADLINE) {
		*val = tsc_deadline_read(lapic);
		return 0;
	}
	if (msr >= LAPIC_MSR_X2APIC_FIRST && msr <= LAPIC_MSR_X2APIC_LAST)
		return x2apic_rdmsr(lapic, (msr - LAPIC_MSR_X2APIC_FIRST) << 4,
				    val);
	return -EINVAL;
}

int lapic_wrmsr(struct lapic *lapic, u32 msr, u64 val)
{
	bool kick;

	if (msr == LAPIC_MSR_APIC_BASE)
		return lapic_set_base(lapic, val, false);
	if (msr == LAPIC_MSR_TSC_DEADLINE) {
		irq_lock(&lapic->lock);
		kick = tsc_deadline_write(lapic, val);
		irq_unlock(&lapic->lock);
		if (kick)
			irq_host_kick_vcpu(lapic->vcpu);
		return 0;
	}
	if (msr >= LAPIC_MSR_X2APIC_FIRST && msr <= LAPIC_MSR_X2APIC_LAST)
		return x2apic_wrmsr(lapic, (msr - LAPIC_MSR_X2APIC_FIRST) << 4,
				    val);
	return -EINVAL;
}

/* ---------------------------------------------------------------- reset */

/* Power-on values of everything but ID, LDR (x2APIC) and APIC_BASE. */
static void reset_registers(struct lapic *lapic)
{
	u32 id = reg_get(lapic, LAPIC_ID);
	u32 reg;

	memset(lapic->regs, 0, sizeof(lapic->regs));
	reg_set(lapic, LAPIC_ID, id);
	if (x2apic_mode(lapic))
		reg_set(lapic, LAPIC_LDR, x2apic_ldr(id));
	reg_set(lapic, LAPIC_LVR, LAPIC_VERSION);
	reg_set(lapic, LAPIC_DFR, ~0u);
	reg_set(lapic, LAPIC_SVR, 0xff);
	for (reg = LAPIC_LVTT; reg <= LAPIC_LVTERR; reg += 0x10)
		reg_set(lapic, reg, LVT_MASKED);
	lapic->esr_pending = 0;
	lapic->tsc_deadline = 0;
	timer_stop(lapic);
}

static void clear_events(struct lapic *lapic)
{
	lapic->nmi_pending = false;
	lapic->init_pending = false;
	lapic->sipi_pending = false;
}

/*
 * INIT keeps APIC_BASE, the ID and pending events (a SIPI may already be
 * on its way); power-on resets all. The BSP's LINT0 starts in ExtINT mode
 * so that the PIC works without APIC set-up, as with KVM's default quirk.
 */
void lapic_reset(struct lapic *lapic, bool init_signal)
{
	irq_lock(&lapic->lock);
	if (!init_signal) {
		lapic->base = LAPIC_DEFAULT_BASE | LAPIC_BASE_EN;
		if (lapic->bsp)
			lapic->base |= LAPIC_BASE_BSP;
		reg_set(lapic, LAPIC_ID, lapic->initial_id << 24);
		clear_events(lapic);
	}
	reset_registers(lapic);
	if (!init_signal && lapic->bsp)
		reg_set(lapic, LAPIC_LVT0, APIC_DM_EXTINT << 8);
	irq_unlock(&lapic->lock);
}

void lapic_init(struct lapic *lapic, struct apic_bus *bus, void *vcpu,
		u32 apic_id, bool bsp)
{
	memset(lapic, 0, sizeof(*lapic));
	irq_lock_init(&lapic->lock);
	irq_timer_init(&lapic->timer, lapic_timer_expired);
	lapic->bus = bus;
	lapic->vcpu = vcpu;
	lapic->initial_id = apic_id;
	lapic->bsp = bsp;
	lapic->x2apic_supported = true;
	lapic_reset(lapic, false);
}

/* The caller has taken the LAPIC off its bus. */
void lapic_destroy(struct lapic *lapic)
{
	irq_timer_cancel(&lapic->timer);
	irq_timer_destroy(&lapic->timer);
}

/* Set from the guest's CPUID: without x2APIC, EXTD is reserved. */
void lapic_set_x2apic_supported(struct lapic *lapic, bool supported)
{
	irq_lock(&lapic->lock);
	lapic->x2apic_supported = supported;
	irq_unlock(&lapic->lock);
}

/* ---------------------------------------------------------------- base */

u64 lapic_get_base(struct lapic *lapic)
{
	u64 base;

	irq_lock(&lapic->lock);
	base = lapic->base;
	irq_unlock(&lapic->lock);
	return base;
}

u64 lapic_base_address(struct lapic *lapic)
{
	return lapic_get_base(lapic) & LAPIC_BASE_ADDR_MASK;
}

bool lapic_xapic_mode(struct lapic *lapic)
{
	u64 base = lapic_get_base(lapic);

	return (base & LAPIC_BASE_EN) && !(base & LAPIC_BASE_EXTD);
}

static bool base_transition_ok(u64 old, u64 new)
{
	bool old_x2 = old & LAPIC_BASE_EXTD;
	bool new_x2 = new & LAPIC_BASE_EXTD;

	if (old_x2 && !new_x2 && (new & LAPIC_BASE_EN))
		return false;		/* x2APIC -> xAPIC */
	if (!(old & LAPIC_BASE_EN) && new_x2)
		return false;		/* disabled -> x2APIC */
	return true;
}

static void base_mode_changed(struct lapic *lapic, u64 old)
{
	u64 modes = LAPIC_BASE_EN | LAPIC_BASE_EXTD;
	u32 id = lapic->initial_id;

	if ((old & modes) == (lapic->base & modes))
		return;
	if (!hw_enabled(lapic)) {
		/* Disabling loses all state; it comes back as at power-on. */
		reg_set(lapic, LAPIC_ID, id << 24);
		reset_registers(lapic);
		clear_events(lapic);
	} else if (x2apic_mode(lapic)) {
		reg_set(lapic, LAPIC_ID, id);
		reg_set(lapic, LAPIC_LDR, x2apic_ldr(id));
	} else {
		reg_set(lapic, LAPIC_ID, id << 24);
		if (old & LAPIC_BASE_EXTD)
			reg_set(lapic, LAPIC_LDR, 0);
	}
}

/*
 * host_initiated (KVM_SET_MSRS) may make any transition between valid
 * modes; the guest only disabled -> xAPIC -> x2APIC -> disabled.
 */
int lapic_set_base(struct lapic *lapic, u64 val, bool host_initiated)
{
	u64 reserved = ~(LAPIC_BASE_ADDR_MASK | LAPIC_BASE_EN |
			 LAPIC_BASE_EXTD | LAPIC_BASE_BSP);
	int err = 0;
	u64 old;

	irq_lock(&lapic->lock);
	if (!lapic->x2apic_supported)
		reserved |= LAPIC_BASE_EXTD;
	old = lapic->base;
	if ((val & reserved) ||
	    (val & (LAPIC_BASE_EN | LAPIC_BASE_EXTD)) == LAPIC_BASE_EXTD ||
	    (!host_initiated && !base_transition_ok(old, val))) {
		err = -EINVAL;
	} else {
		lapic->base = val;
		base_mode_changed(lapic, old);
	}
	irq_unlock(&lapic->lock);
	return err;
}

/* ---------------------------------------------------------------- engine */

u32 lapic_get_tpr(struct lapic *lapic)
{
	u32 tpr;

	irq_lock(&lapic->lock);
	tpr = reg_get(lapic, LAPIC_TPR);
	irq_unlock(&lapic->lock);
	return tpr;
}

/* For CR8 (TPR = CR8 << 4) and the TPR shadow. */
void lapic_set_tpr(struct lapic *lapic, u32 tpr)
{
	irq_lock(&lapic->lock);
	reg_set(lapic, LAPIC_TPR, tpr & 0xff);
	update_ppr(lapic);
	irq_unlock(&lapic->lock);
}

static int pending_vector(struct lapic *lapic)
{
	int vector;

	if (!hw_enabled(lapic) || !sw_enabled(lapic))
		return -1;
	vector = vec_highest(lapic, LAPIC_IRR);
	if (vector < 0)
		return -1;
	if (((u32)vector & 0xf0) <= (reg_get(lapic, LAPIC_PPR) & 0xf0))
		return -1;
	return vector;
}

int lapic_pending_vector(struct lapic *lapic)
{
	int vector;

	irq_lock(&lapic->lock);
	vector = pending_vector(lapic);
	irq_unlock(&lapic->lock);
	return vector;
}

/* The vector is being injected: IRR -> ISR. */
void lapic_ack_vector(struct lapic *lapic, int vector)
{
	if (vector < 0 || vector > 255)
		return;
	irq_lock(&lapic->lock);
	if (vec_test(lapic, LAPIC_IRR, vector)) {
		vec_clear(lapic, LAPIC_IRR, vector);
		vec_set(lapic, LAPIC_ISR, vector);
		update_ppr(lapic);
	}
	irq_unlock(&lapic->lock);
}

/* An 8259A's INTR reaches the CPU: LINT0 unmasked in ExtINT mode. */
static bool accepts_extint(struct lapic *lapic)
{
	u32 lvt0 = reg_get(lapic, LAPIC_LVT0);

	/* A disabled APIC passes LINT0 straight to INTR. */
	if (!hw_enabled(lapic))
		return true;
	return !(lvt0 & LVT_MASKED) && LVT_DM(lvt0) == APIC_DM_EXTINT;
}

static bool extint_pending(struct lapic *lapic)
{
	return lapic->lint_level[0] && accepts_extint(lapic);
}

bool lapic_accepts_extint(struct lapic *lapic)
{
	bool accepts;

	irq_lock(&lapic->lock);
	accepts = accepts_extint(lapic);
	irq_unlock(&lapic->lock);
	return accepts;
}

bool lapic_extint_pending(struct lapic *lapic)
{
	bool pending;

	irq_lock(&lapic->lock);
	pending = extint_pending(lapic);
	irq_unlock(&lapic->lock);
	return pending;
}

static bool take_flag(struct lapic *lapic, bool *flag)
{
	bool was;

	irq_lock(&lapic->lock);
	was = *flag;
	*flag = false;
	irq_unlock(&lapic->lock);
	return was;
}

bool lapic_take_nmi(struct lapic *lapic)
{
	return take_flag(lapic, &lapic->nmi_pending);
}

bool lapic_take_init(struct lapic *lapic)
{
	return take_flag(lapic, &lapic->init_pending);
}

bool lapic_take_sipi(struct lapic *lapic, u8 *vector)
{
	bool was;

	irq_lock(&lapic->lock);
	was = lapic->sipi_pending;
	lapic->sipi_pending = false;
	*vector = lapic->sipi_vector;
	irq_unlock(&lapic->lock);
	return was;
}

/* ---------------------------------------------------------------- inputs */

static bool lint_rising(struct lapic *lapic, int pin)
{
	u32 reg = pin ? LAPIC_LVT1 : LAPIC_LVT0;
	u32 lvt = reg_get(lapic, reg);

	/* Disabled APIC: LINT0 is INTR, LINT1 is NMI (virtual wire). */
	if (!hw_enabled(lapic)) {
		if (pin)
			lapic->nmi_pending = true;
		return true;
	}
	if (lvt & LVT_MASKED)
		return false;
	if (LVT_DM(lvt) == APIC_DM_EXTINT)
		return pin == 0;
	return lvt_fire(lapic, reg);
}

/* Level of the LINT0/LINT1 input; LVT entries act on its rising edge. */
void lapic_set_lint(struct lapic *lapic, int pin, bool level)
{
	bool kick = false;

	if (pin != 0 && pin != 1)
		return;
	irq_lock(&lapic->lock);
	if (level && !lapic->lint_level[pin])
		kick = lint_rising(lapic, pin);
	lapic->lint_level[pin] = level;
	irq_unlock(&lapic->lock);
	if (kick)
		irq_host_kick_vcpu(lapic->vcpu);
}

/* Delivers to this LAPIC whatever the destination; 1 if accepted. */
int lapic_deliver(struct lapic *lapic, const struct apic_irq *irq)
{
	bool kick;

	irq_lock(&lapic->lock);
	kick = accept(lapic, irq->delivery_mode, irq->vector,
		      irq->level_trigger);
	irq_unlock(&lapic->lock);
	if (kick)
		irq_host_kick_vcpu(lapic->vcpu);
	return kick;
}

/* ---------------------------------------------------------------- bus */

static bool match_logical(struct lapic *lapic, u32 dest)
{
	u32 ldr = reg_get(lapic, LAPIC_LDR);

	if (x2apic_mode(lapic))
		return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff);
	if (dest > 0xff)
		return false;
	ldr >>= 24;
	if ((reg_get(lapic, LAPIC_DFR) >> 28) == DFR_FLAT)
		return ldr & dest;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);
}

static bool match_dest(struct lapic *lapic, struct lapic *src,
		       const struct apic_irq *irq)
{
	bool x2 = x2apic_mode(lapic);
	u32 dest = irq->dest;

	if (!hw_enabled(lapic))
		return false;
	switch (irq->shorthand) {
	case APIC_SH_SELF:
		return lapic == src;
	case APIC_SH_ALL:
		return true;
	case APIC_SH_ALL_BUT_SELF:
		return lapic != src;
	}
	/* The 8-bit broadcast of an IOAPIC or MSI reaches x2APIC CPUs too. */
	if (x2 && !src && dest == APIC_BROADCAST)
		dest = X2APIC_BROADCAST;
	if (dest == (x2 ? X2APIC_BROADCAST : APIC_BROADCAST))
		return true;
	if (irq->dest_logical)
		return match_logical(lapic, dest);
	if (x2)
		return dest == reg_get(lapic, LAPIC_ID);
	return dest == reg_get(lapic, LAPIC_ID) >> 24;
}

/* Returns whether the LAPIC is a destination; *kick if it accepted. */
bool lapic_accept_if_match(struct lapic *lapic, struct lapic *src,
			   const struct apic_irq *irq, bool *kick)
{
	bool match;

	irq_lock(&lapic->lock);
	match = match_dest(lapic, src, irq);
	*kick = match && accept(lapic, irq->delivery_mode, irq->vector,
				irq->level_trigger);
	irq_unlock(&lapic->lock);
	return match;
}

/* Lowest-priority arbitration: lowest PPR wins, then lowest APIC ID. */
bool lapic_arbitration_key(struct lapic *lapic, struct lapic *src,
			   const struct apic_irq *irq, u64 *key)
{
	bool match;
	u32 id;

	irq_lock(&lapic->lock);
	match = match_dest(lapic, src, irq);
	id = reg_get(lapic, LAPIC_ID);
	if (!x2apic_mode(lapic))
		id >>= 24;
	*key = (u64)reg_get(lapic, LAPIC_PPR) << 32 | id;
	irq_unlock(&lapic->lock);
	return match;
}

/* ---------------------------------------------------------------- state */

/* Slots KVM_SET_LAPIC may load; the rest are computed or reserved. */
#define SLOT(reg)		(1ull << ((reg) >> 4))
#define SLOTS8(reg)		(0xffull << ((reg) >> 4))
#define LOADABLE_SLOTS							\
	(SLOT(LAPIC_ID) | SLOT(LAPIC_TPR) | SLOT(LAPIC_LDR) |		\
	 SLOT(LAPIC_DFR) | SLOT(LAPIC_SVR) | SLOTS8(LAPIC_ISR) |	\
	 SLOTS8(LAPIC_TMR) | SLOTS8(LAPIC_IRR) | SLOT(LAPIC_ESR) |	\
	 SLOT(LAPIC_ICR) | SLOT(LAPIC_ICR2) | SLOT(LAPIC_LVTT) |	\
	 SLOT(LAPIC_LVTTHMR) | SLOT(LAPIC_LVTPC) | SLOT(LAPIC_LVT0) |	\
	 SLOT(LAPIC_LVT1) | SLOT(LAPIC_LVTERR) | SLOT(LAPIC_TMICT) |	\
	 SLOT(LAPIC_TDCR))

void lapic_get_state(struct lapic *lapic, u8 regs[LAPIC_STATE_SIZE])
{
	u32 val;
	int i;

	memset(regs, 0, LAPIC_STATE_SIZE);
	irq_lock(&lapic->lock);
	for (i = 0; i < LAPIC_NR_REGS; i++)
		memcpy(regs + i * 16, &lapic->regs[i], 4);
	val = timer_current_count(lapic);
	memcpy(regs + LAPIC_TMCCT, &val, 4);
	if (!x2apic_mode(lapic)) {
		val = compute_apr(lapic);
		memcpy(regs + LAPIC_APR, &val, 4);
	}
	irq_unlock(&lapic->lock);
}

static void sanitize_loaded(struct lapic *lapic)
{
	u32 id = reg_get(lapic, LAPIC_ID);
	u32 reg;

	reg_set(lapic, LAPIC_LVR, LAPIC_VERSION);
	reg_set(lapic, LAPIC_TPR, reg_get(lapic, LAPIC_TPR) & 0xff);
	reg_set(lapic, LAPIC_SVR, reg_get(lapic, LAPIC_SVR) & SVR_WRITABLE);
	reg_set(lapic, LAPIC_TDCR, reg_get(lapic, LAPIC_TDCR) & 0xb);
	reg_set(lapic, LAPIC_ICR, reg_get(lapic, LAPIC_ICR) & ~ICR_BUSY);
	for (reg = LAPIC_LVTT; reg <= LAPIC_LVTERR; reg += 0x10)
		reg_set(lapic, reg, reg_get(lapic, reg) &
			lvt_writable[(reg - LAPIC_LVTT) >> 4]);
	if (x2apic_mode(lapic)) {
		reg_set(lapic, LAPIC_LDR, x2apic_ldr(id));
		reg_set(lapic, LAPIC_DFR, 0);
		return;
	}
	reg_set(lapic, LAPIC_ID, id & XAPIC_ID_BITS);
	reg_set(lapic, LAPIC_LDR, reg_get(lapic, LAPIC_LDR) & XAPIC_ID_BITS);
	reg_set(lapic, LAPIC_DFR, reg_get(lapic, LAPIC_DFR) | DFR_RESERVED_ONES);
	reg_set(lapic, LAPIC_ICR2, reg_get(lapic, LAPIC_ICR2) & XAPIC_ID_BITS);
}

/*
 * APIC_BASE is restored first (KVM_SET_MSRS). In x2APIC mode the ID
 * holds the whole x2APIC ID and must be this vCPU's. The timer restarts
 * from its initial count; a TSC deadline comes back through its MSR.
 */
int lapic_set_state(struct lapic *lapic, const u8 regs[LAPIC_STATE_SIZE])
{
	u32 loaded[LAPIC_NR_REGS];
	int i;

	for (i = 0; i < LAPIC_NR_REGS; i++) {
		memcpy(&loaded[i], regs + i * 16, 4);
		if (!(LOADABLE_SLOTS & (1ull << i)))
			loaded[i] = 0;
	}
	irq_lock(&lapic->lock);
	if (x2apic_mode(lapic) && loaded[LAPIC_ID >> 4] != lapic->initial_id) {
		irq_unlock(&lapic->lock);
		return -EINVAL;
	}
	memcpy(lapic->regs, loaded, sizeof(loaded));
	sanitize_loaded(lapic);
	update_ppr(lapic);
	lapic->esr_pending = 0;
	lapic->tsc_deadline = 0;
	timer_stop(lapic);
	if (timer_mode(lapic) != TIMER_TSC_DEADLINE)
		timer_load_count(lapic);
	irq_unlock(&lapic->lock);
	return 0;
}
