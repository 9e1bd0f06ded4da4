/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit tests' host for module/irq/: a fake clock that only moves when
 * a test says so, timers fired in expiry order by fake_clock_advance(), a
 * guest TSC derived from the fake clock, and vCPUs that count kicks.
 * Tests run single-threaded, so a lock only checks that it is not taken
 * twice.
 */
#ifndef VMXLAB_TESTS_UNIT_IRQ_HOST_IMPL_H
#define VMXLAB_TESTS_UNIT_IRQ_HOST_IMPL_H

#include <stdbool.h>
#include <stdint.h>

struct irq_lock {
	bool held;
};

struct irq_timer {
	void (*fn)(struct irq_timer *timer);
	bool armed;
	uint64_t expires_ns;
	struct irq_timer *next;		/* all initialised timers */
};

/* The opaque vcpu pointer of irq_host.h, in the tests. */
struct fake_vcpu {
	int kicks;
	uint64_t tsc_offset;
};

#define FAKE_TSC_KHZ	2000000u	/* 2 GHz: 2 TSC ticks per ns */

void fake_clock_advance(uint64_t ns);
void fake_clock_set(uint64_t ns);	/* moves time without firing */
uint64_t fake_clock_now(void);
uint64_t fake_guest_tsc(struct fake_vcpu *vcpu);

/* Locks taken and not yet released; kicks and cancels made under one. */
extern int fake_locks_held;
extern unsigned int fake_kicks_under_lock;
extern unsigned int fake_cancels_under_lock;

#endif
