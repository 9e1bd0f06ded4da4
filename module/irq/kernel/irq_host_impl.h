/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's types behind module/irq/irq_host.h: locks are irqsave raw
 * spinlocks, because LAPIC and PIT timer callbacks run in hard interrupt
 * context (even on PREEMPT_RT, where a spinlock_t would sleep) and the
 * vCPU engine may call in with interrupts off; timers are hrtimers on
 * CLOCK_MONOTONIC, the clock irq_host_now_ns() reads.
 */
#ifndef VMXLAB_IRQ_KERNEL_IRQ_HOST_IMPL_H
#define VMXLAB_IRQ_KERNEL_IRQ_HOST_IMPL_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>

/*
 * flags is written only by the holder after taking the lock and read
 * before releasing it, so one field serves every holder in turn.
 */
struct irq_lock {
	raw_spinlock_t lock;
	unsigned long flags;
};

struct irq_timer {
	struct hrtimer hrtimer;
	void (*fn)(struct irq_timer *timer);
};

#endif
