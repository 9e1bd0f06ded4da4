// SPDX-License-Identifier: GPL-2.0
/*
 * Delta debugging over step lists; see minimize.h.
 */
#include <stdlib.h>
#include <string.h>

#include "minimize.h"

/* Try @steps without chunk [from, to): keep the shorter list if it fails. */
static bool try_without(long *steps, long *n, long from, long to,
			long *scratch, still_fails_fn fails, void *ctx)
{
	long m = 0, i;

	for (i = 0; i < *n; i++)
		if (i < from || i >= to)
			scratch[m++] = steps[i];
	if (!m || !fails(scratch, m, ctx))
		return false;
	memcpy(steps, scratch, m * sizeof(*steps));
	*n = m;
	return true;
}

long minimize_steps(long *steps, long n, still_fails_fn fails, void *ctx,
		    int budget, int *tries)
{
	long *scratch = malloc(n * sizeof(*scratch));
	long chunks = 2, size, from;
	bool removed;

	*tries = 0;
	if (!scratch)
		return n;
	while (n > 1 && *tries < budget) {
		if (chunks > n)
			chunks = n;
		size = (n + chunks - 1) / chunks;
		removed = false;
		for (from = 0; from < n && *tries < budget; from += size) {
			long to = from + size < n ? from + size : n;

			++*tries;
			if (try_without(steps, &n, from, to, scratch, fails,
					ctx)) {
				removed = true;
				break;
			}
		}
		if (removed)
			chunks = chunks > 2 ? chunks - 1 : 2;
		else if (size == 1)
			break;
		else
			chunks *= 2;
	}
	free(scratch);
	return n;
}
