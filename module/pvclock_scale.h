/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmclock's arithmetic, the guest's side of which is fixed by the
 * pvclock ABI: nanoseconds since system_time are the TSC ticks since
 * tsc_timestamp, shifted left by tsc_shift (right if it is negative),
 * times tsc_to_system_mul, divided by 2^32. Portable: built into
 * vmxlab.ko (pvclock.c) and into host unit tests (tests/unit/test_pvclock.c).
 */
#ifndef VMXLAB_PVCLOCK_SCALE_H
#define VMXLAB_PVCLOCK_SCALE_H

#include "portable.h"

struct pvclock_scale {
	u32 mul;
	s8 shift;
};

/* The scale for a TSC of @hz ticks per second (0 < hz < 2^40). */
struct pvclock_scale pvclock_scale_for(u64 hz);
/* Nanoseconds in @ticks, as a guest computes them. */
u64 pvclock_scaled_ns(struct pvclock_scale s, u64 ticks);

#endif
