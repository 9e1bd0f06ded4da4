// SPDX-License-Identifier: GPL-2.0
/*
 * The scale a guest's kvmclock multiplies its TSC by (pvclock_scale.h).
 * The shift brings the rate into (1 GHz, 2 GHz] so that the multiplier,
 * 2^32 times the ns per shifted tick, is in [2^31, 2^32): all 32 bits.
 */
#include "pvclock_scale.h"

#define NSEC_PER_SEC_U64	1000000000ULL

struct pvclock_scale pvclock_scale_for(u64 hz)
{
	const u64 num = NSEC_PER_SEC_U64 << 32;	/* fits: < 2^62 */
	struct pvclock_scale s = { 0, 0 };
	u64 q, r;

	if (!hz)
		return s;
	/* hz * 2^shift into (10^9, 2 * 10^9], compared exactly. */
	while (hz > (2 * NSEC_PER_SEC_U64) << -s.shift)
		s.shift--;
	while (s.shift >= 0 && hz << s.shift <= NSEC_PER_SEC_U64)
		s.shift++;
	/* mul = 10^9 * 2^32 / (hz * 2^shift), in 64 bits and exact. */
	if (s.shift >= 0) {
		s.mul = (u32)(num / (hz << s.shift));
		return s;
	}
	q = num / hz;
	r = num % hz;
	s.mul = (u32)((q << -s.shift) + (r << -s.shift) / hz);
	return s;
}

u64 pvclock_scaled_ns(struct pvclock_scale s, u64 ticks)
{
	if (s.shift < 0)
		ticks >>= -s.shift;
	else
		ticks <<= s.shift;
	return (u64)(((unsigned __int128)ticks * s.mul) >> 32);
}
