// SPDX-License-Identifier: GPL-2.0
/*
 * vmxlab bench --hog N (see bench_hog.h): busy host threads, hog i on the
 * CPU vm_pick_cpu(i) gives vCPU i, unpinned where the host has one CPU.
 */
#include <string.h>

#include "bench/bench_hog.h"
#include "vm.h"

static void *hog_thread(void *arg)
{
	struct bench_hogs *h = arg;
	volatile unsigned long spins = 0;

	while (!atomic_load_explicit(&h->stop, memory_order_relaxed))
		spins++;
	return NULL;
}

int bench_hogs_start(struct bench_hogs *h, unsigned int n, struct errbuf *err)
{
	unsigned int i;
	int rc, cpu;

	h->n = 0;
	atomic_store(&h->stop, false);
	if (n > BENCH_MAX_HOGS)
		return errbuf_set(err, "--hog %u: at most %u", n, BENCH_MAX_HOGS);
	for (i = 0; i < n; i++) {
		rc = pthread_create(&h->threads[i], NULL, hog_thread, h);
		if (rc) {
			bench_hogs_stop(h);
			return errbuf_set(err, "cannot start CPU hog %u: %s", i,
					  strerror(rc));
		}
		h->n++;
		cpu = vm_pick_cpu(i);
		if (cpu >= 0 && vm_pin_thread(h->threads[i], cpu)) {
			bench_hogs_stop(h);
			return errbuf_set(err, "cannot pin CPU hog %u to CPU %d", i,
					  cpu);
		}
	}
	return 0;
}

void bench_hogs_stop(struct bench_hogs *h)
{
	unsigned int i;

	atomic_store(&h->stop, true);
	for (i = 0; i < h->n; i++)
		pthread_join(h->threads[i], NULL);
	h->n = 0;
}
