/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shrinking a failing sequence of fuzzer steps to a short one that still
 * fails (delta debugging: drop chunks of ever smaller size while the
 * failure stays). Portable: the fuzzers use it in the lab, and
 * tests/unit/test_minimize.c checks it on the host.
 */
#ifndef VMXLAB_TEST_MINIMIZE_H
#define VMXLAB_TEST_MINIMIZE_H

#include <stdbool.h>

/* Whether running exactly @steps[0..n) still shows the failure. */
typedef bool (*still_fails_fn)(const long *steps, long n, void *ctx);

/*
 * Shrinks @steps (n of them, known to fail) in place and returns the new
 * count. At most @budget calls of @fails; *tries says how many were made.
 * The result fails, and removing any one of its chunks at the last
 * granularity tried did not: with budget to spare it is 1-minimal.
 */
long minimize_steps(long *steps, long n, still_fails_fn fails, void *ctx,
		    int budget, int *tries);

#endif
