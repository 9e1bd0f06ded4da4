/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host interface of the portable interrupt-controller models.
 *
 * The LAPIC, IOAPIC, PIC and PIT models in module/irq/ are plain C that
 * know nothing of VMX or of where they run. They are built three times:
 * into vmxlab.ko (hrtimers, IPIs), into the launcher for irqchip=user
 * (timerfd, KVM_INTERRUPT), and into the host unit tests (a fake clock).
 * Each host supplies "irq_host_impl.h" (found through its include path)
 * defining struct irq_lock and struct irq_timer, and implements the
 * functions declared here.
 */
#ifndef VMXLAB_IRQ_HOST_H
#define VMXLAB_IRQ_HOST_H

#include "../portable.h"

#include "irq_host_impl.h"

/* A lock protecting one device model's state; may be taken in timer callbacks. */
void irq_lock_init(struct irq_lock *lock);
void irq_lock(struct irq_lock *lock);
void irq_unlock(struct irq_lock *lock);

/* Monotonic host time in nanoseconds. */
u64 irq_host_now_ns(void);

/*
 * One-shot timers. The callback runs in the host's timer context (hrtimer,
 * timer thread, or the fake clock's advance) with no model lock held.
 * irq_timer_cancel() returns only once a running callback has finished,
 * so it is never called with a model lock held. irq_timer_arm() does not
 * wait: it may be called with a model lock held and from the callback,
 * and replaces any earlier expiry.
 */
typedef void (*irq_timer_fn)(struct irq_timer *timer);

void irq_timer_init(struct irq_timer *timer, irq_timer_fn fn);
void irq_timer_arm(struct irq_timer *timer, u64 expires_ns);
void irq_timer_cancel(struct irq_timer *timer);
void irq_timer_destroy(struct irq_timer *timer);

/*
 * The vCPU behind a LAPIC. vcpu is the host's opaque pointer given when
 * the LAPIC was created.
 *   irq_host_kick_vcpu: something became pending for this vCPU (interrupt,
 *     NMI, INIT, SIPI): wake it if halted, force it out of guest mode if
 *     running, so that it looks at its LAPIC before the next entry.
 *   irq_host_guest_tsc: the vCPU's guest TSC now (for TSC-deadline mode).
 *   irq_host_tsc_khz: the guest TSC frequency.
 */
void irq_host_kick_vcpu(void *vcpu);
u64 irq_host_guest_tsc(void *vcpu);
u32 irq_host_tsc_khz(void *vcpu);

#endif
