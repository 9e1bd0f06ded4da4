// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side of module/irq/irq_host.h: irqsave raw spinlocks, the
 * monotonic clock, hrtimers, and the vCPU behind a LAPIC (a kick goes to
 * the run loop's vcpu_kick(); guest time is the host TSC plus the vCPU's
 * offset).
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#include "../irq_host.h"
#include "../../vmxlab.h"
#include "../../run.h"

void irq_lock_init(struct irq_lock *lock)
{
	raw_spin_lock_init(&lock->lock);
}

void irq_lock(struct irq_lock *lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&lock->lock, flags);
	lock->flags = flags;
}

void irq_unlock(struct irq_lock *lock)
{
	raw_spin_unlock_irqrestore(&lock->lock, lock->flags);
}

u64 irq_host_now_ns(void)
{
	return ktime_get_ns();
}

static enum hrtimer_restart irq_timer_expired(struct hrtimer *hrtimer)
{
	struct irq_timer *timer = container_of(hrtimer, struct irq_timer,
					       hrtimer);

	timer->fn(timer);
	return HRTIMER_NORESTART;
}

void irq_timer_init(struct irq_timer *timer, irq_timer_fn fn)
{
	/* Hard-IRQ expiry: the path from deadline to guest stays short. */
	hrtimer_init(&timer->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	timer->hrtimer.function = irq_timer_expired;
	timer->fn = fn;
}

void irq_timer_arm(struct irq_timer *timer, u64 expires_ns)
{
	hrtimer_start(&timer->hrtimer, ns_to_ktime(expires_ns),
		      HRTIMER_MODE_ABS_HARD);
}

void irq_timer_cancel(struct irq_timer *timer)
{
	hrtimer_cancel(&timer->hrtimer);
}

void irq_timer_destroy(struct irq_timer *timer)
{
	hrtimer_cancel(&timer->hrtimer);
}

void irq_host_kick_vcpu(void *opaque)
{
	vcpu_kick(opaque);
}

u64 irq_host_guest_tsc(void *opaque)
{
	struct vmxlab_vcpu *vcpu = opaque;

	return rdtsc() + vcpu->tsc_offset;
}

u32 irq_host_tsc_khz(void *opaque)
{
	return tsc_khz;
}
