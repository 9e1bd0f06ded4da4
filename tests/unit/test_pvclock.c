// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock's scale (module/pvclock_scale.c): for TSC rates from the
 * slowest to the fastest a guest may be told of, a second of ticks comes
 * out as a second to within the multiplier's rounding, the multiplier
 * uses its 32 bits, and time never runs backwards as ticks grow.
 */
#include "kselftest_harness.h"
#include "pvclock_scale.h"

static const u64 rates[] = {
	1000, 32768, 1000000, 999999999, 1000000000, 1000000001,
	1999999999, 2000000000, 2000000001, 2400000000ULL, 3500000000ULL,
	3999999999ULL, 4000000000ULL, 5123456789ULL, 1ULL << 39,
};

TEST(a_second_of_ticks_is_a_second)
{
	unsigned int i;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct pvclock_scale s = pvclock_scale_for(rates[i]);
		u64 ns = pvclock_scaled_ns(s, rates[i]);
		/* mul is truncated: at most 1 part in 2^31 slow, plus a tick. */
		u64 slack = 1000000000ULL / (1ULL << 30) + 1000000000ULL / rates[i] + 2;

		EXPECT_GE(s.mul, 1U << 31) TH_LOG("%llu Hz", (unsigned long long)rates[i]);
		EXPECT_LE(ns, 1000000000ULL) TH_LOG("%llu Hz: %llu ns",
						     (unsigned long long)rates[i],
						     (unsigned long long)ns);
		EXPECT_GE(ns + slack, 1000000000ULL)
			TH_LOG("%llu Hz: %llu ns", (unsigned long long)rates[i],
			       (unsigned long long)ns);
	}
}

TEST(an_hour_of_ticks_within_a_millisecond)
{
	struct pvclock_scale s = pvclock_scale_for(3500000000ULL);
	u64 ns = pvclock_scaled_ns(s, 3600ULL * 3500000000ULL);

	EXPECT_LE(ns, 3600ULL * 1000000000ULL);
	EXPECT_GE(ns + 1000000, 3600ULL * 1000000000ULL);
}

TEST(monotonic_in_ticks)
{
	struct pvclock_scale s = pvclock_scale_for(2999999999ULL);
	u64 t, last = 0, ns;

	for (t = 0; t < 1000000; t += 7) {
		ns = pvclock_scaled_ns(s, t);
		ASSERT_GE(ns, last);
		last = ns;
	}
}

TEST(zero_rate_gives_zero_scale)
{
	struct pvclock_scale s = pvclock_scale_for(0);

	EXPECT_EQ(0U, s.mul);
	EXPECT_EQ(0ULL, pvclock_scaled_ns(s, 12345));
}

TEST_HARNESS_MAIN
