// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side of module/irq/irq_host.h: irqsave spinlocks, the
 * monotonic clock and hrtimers. The vCPU side of the interface (kick,
 * guest TSC) lives with the vCPU, in module/irqchip.c.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "../irq_host.h"

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
