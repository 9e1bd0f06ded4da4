/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxlab bench: the statistics and result files of a latency run.
 * Portable (host unit tests): samples in, percentiles, histograms, CSV
 * and JSON out. Percentiles are nearest-rank: the smallest sample that
 * at least p of all samples do not exceed, so every figure is a sample
 * that was measured, never an interpolation.
 */
#ifndef VMXLAB_USER_BENCH_LATENCY_STATS_H
#define VMXLAB_USER_BENCH_LATENCY_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Percentiles in parts per 100,000, so that p99.9 is exact. */
#define LAT_P50		50000u
#define LAT_P90		90000u
#define LAT_P99		99000u
#define LAT_P999	99900u
#define LAT_P100	100000u

struct lat_summary {
	size_t n;
	uint64_t min, median, p90, p99, p999, max;
	double mean;
};

/* What was measured, for the files and the plots' legends. */
struct lat_run {
	const char *hypervisor;	/* "vmxlab" or "kvm" */
	const char *source;	/* timer, device, ipi, net */
	const char *irqchip;	/* kernel, split, user */
	const char *wait;	/* halted, spinning */
	uint64_t tsc_khz;	/* 0: unknown, ticks only */
	bool real_time;		/* false: the lab's path lengths */
	size_t warmup;		/* samples discarded before these */
	unsigned int hogs;	/* host threads spinning throughout */
};

/* The sample at percentile p (parts per 100,000) of n sorted samples. */
uint64_t lat_percentile(const uint64_t *sorted, size_t n, uint32_t p);

/* Sorts samples in place and summarises them; -1 if n is 0. */
int lat_summarize(uint64_t *samples, size_t n, struct lat_summary *s);

/*
 * Counts sorted samples into nbins equal bins over [lo, hi]; samples above
 * hi go to the last bin, so the counts always add up to n. Returns the
 * bin width (at least 1).
 */
uint64_t lat_histogram(const uint64_t *sorted, size_t n, uint64_t lo,
		       uint64_t hi, unsigned int nbins, size_t *counts);

/* Ticks as microseconds; negative if the TSC frequency is unknown. */
double lat_ticks_to_us(uint64_t ticks, uint64_t tsc_khz);

/* One line per sample: a header, then run fields, index, ticks, us. */
int lat_write_csv(FILE *f, const struct lat_run *run, const uint64_t *samples,
		  size_t n);

/* One JSON object: the run and its summary (microseconds where known). */
int lat_write_json(FILE *f, const struct lat_run *run,
		   const struct lat_summary *s);

/* A JSON string literal of s, escaped, into f. */
void lat_json_string(FILE *f, const char *s);

#endif
