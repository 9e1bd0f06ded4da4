/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxlab bench --hog N: host threads that spin beside the vCPUs for the
 * whole run, the first on vCPU 0's CPU, so that the figures show what a
 * busy host does to the tail (the vCPU threads then share their CPUs
 * with the scheduler's other business).
 */
#ifndef VMXLAB_USER_BENCH_HOG_H
#define VMXLAB_USER_BENCH_HOG_H

#include <pthread.h>
#include <stdatomic.h>

#include "errbuf.h"

#define BENCH_MAX_HOGS	64

struct bench_hogs {
	unsigned int n;			/* running */
	atomic_bool stop;
	pthread_t threads[BENCH_MAX_HOGS];
};

/* Starts @n spinning threads; on failure none runs and @err says why. */
int bench_hogs_start(struct bench_hogs *h, unsigned int n, struct errbuf *err);

void bench_hogs_stop(struct bench_hogs *h);

#endif
