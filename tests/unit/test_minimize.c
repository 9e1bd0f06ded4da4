// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the fuzzers' sequence shrinker (tests/selftests/lib/
 * minimize.c): failures that need one step, several steps in order, or
 * a step and its predecessor, found among thousands of steps, within the
 * budget, and always still failing.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "../selftests/lib/minimize.h"

struct needs {
	const long *needed;	/* steps that must all be present, in order */
	int nr_needed;
	int calls;
};

static bool has_all_in_order(const long *steps, long n, void *ctx)
{
	struct needs *w = ctx;
	int k = 0;
	long i;

	w->calls++;
	for (i = 0; i < n && k < w->nr_needed; i++)
		if (steps[i] == w->needed[k])
			k++;
	return k == w->nr_needed;
}

static long *iota(long n)
{
	long *s = malloc(n * sizeof(*s)), i;

	for (i = 0; i < n; i++)
		s[i] = i;
	return s;
}

TEST(one_step_among_thousands)
{
	static const long needed[] = { 1234 };
	struct needs w = { needed, 1, 0 };
	long *s = iota(5000), n;
	int tries;

	n = minimize_steps(s, 5000, has_all_in_order, &w, 200, &tries);
	ASSERT_EQ(1, n);
	EXPECT_EQ(1234, s[0]);
	EXPECT_GE(200, tries);
	EXPECT_EQ(tries, w.calls);
	free(s);
}

TEST(several_steps_keep_their_order)
{
	static const long needed[] = { 3, 700, 701, 4999 };
	struct needs w = { needed, 4, 0 };
	long *s = iota(5000), n, i;
	int tries;

	n = minimize_steps(s, 5000, has_all_in_order, &w, 400, &tries);
	ASSERT_EQ(4, n);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(needed[i], s[i]);
	free(s);
}

TEST(budget_bounds_the_work_and_the_result_still_fails)
{
	static const long needed[] = { 10, 20, 30, 40, 50, 60, 70, 80 };
	struct needs w = { needed, 8, 0 };
	long *s = iota(100000), n;
	int tries;

	n = minimize_steps(s, 100000, has_all_in_order, &w, 10, &tries);
	EXPECT_EQ(10, tries);
	EXPECT_GE(100000, n);
	w.calls = 0;
	EXPECT_TRUE(has_all_in_order(s, n, &w));
	free(s);
}

TEST(already_minimal_stays)
{
	static const long needed[] = { 5 };
	struct needs w = { needed, 1, 0 };
	long s[1] = { 5 };
	int tries;

	EXPECT_EQ(1, minimize_steps(s, 1, has_all_in_order, &w, 50, &tries));
	EXPECT_EQ(0, tries);
	EXPECT_EQ(5, s[0]);
}

TEST_HARNESS_MAIN
