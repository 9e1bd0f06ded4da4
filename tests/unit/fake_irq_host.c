// SPDX-License-Identifier: GPL-2.0
/* The fake host of irq_host.h for the unit tests; see irq_host_impl.h. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "irq/irq_host.h"

static uint64_t fake_now_ns;
static struct irq_timer *fake_timers;

int fake_locks_held;
unsigned int fake_kicks_under_lock;
unsigned int fake_cancels_under_lock;

void irq_lock_init(struct irq_lock *lock)
{
	lock->held = false;
}

void irq_lock(struct irq_lock *lock)
{
	if (lock->held) {
		fprintf(stderr, "fake_irq_host: lock %p taken twice\n", lock);
		abort();
	}
	lock->held = true;
	fake_locks_held++;
}

void irq_unlock(struct irq_lock *lock)
{
	assert(lock->held);
	lock->held = false;
	fake_locks_held--;
}

u64 irq_host_now_ns(void)
{
	return fake_now_ns;
}

void irq_timer_init(struct irq_timer *timer, irq_timer_fn fn)
{
	timer->fn = fn;
	timer->armed = false;
	timer->next = fake_timers;
	fake_timers = timer;
}

void irq_timer_arm(struct irq_timer *timer, u64 expires_ns)
{
	timer->armed = true;
	timer->expires_ns = expires_ns;
}

void irq_timer_cancel(struct irq_timer *timer)
{
	if (fake_locks_held)
		fake_cancels_under_lock++;
	timer->armed = false;
}

void irq_timer_destroy(struct irq_timer *timer)
{
	struct irq_timer **link;

	for (link = &fake_timers; *link; link = &(*link)->next) {
		if (*link == timer) {
			*link = timer->next;
			break;
		}
	}
	timer->armed = false;
}

/* The armed timer due first by end_ns; the earliest initialised on ties. */
static struct irq_timer *next_due(uint64_t end_ns)
{
	struct irq_timer *timer, *due = NULL;

	for (timer = fake_timers; timer; timer = timer->next) {
		if (timer->armed && timer->expires_ns <= end_ns &&
		    (!due || timer->expires_ns <= due->expires_ns))
			due = timer;
	}
	return due;
}

void fake_clock_advance(uint64_t ns)
{
	uint64_t end_ns = fake_now_ns + ns;
	struct irq_timer *timer;

	while ((timer = next_due(end_ns))) {
		if (timer->expires_ns > fake_now_ns)
			fake_now_ns = timer->expires_ns;
		timer->armed = false;
		timer->fn(timer);
	}
	fake_now_ns = end_ns;
}

void fake_clock_set(uint64_t ns)
{
	fake_now_ns = ns;
}

uint64_t fake_clock_now(void)
{
	return fake_now_ns;
}

uint64_t fake_guest_tsc(struct fake_vcpu *vcpu)
{
	return fake_now_ns * (FAKE_TSC_KHZ / 1000000u) + vcpu->tsc_offset;
}

void irq_host_kick_vcpu(void *vcpu)
{
	if (fake_locks_held)
		fake_kicks_under_lock++;
	((struct fake_vcpu *)vcpu)->kicks++;
}

u64 irq_host_guest_tsc(void *vcpu)
{
	return fake_guest_tsc(vcpu);
}

u32 irq_host_tsc_khz(void *vcpu)
{
	return FAKE_TSC_KHZ;
}
