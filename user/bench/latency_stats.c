// SPDX-License-Identifier: GPL-2.0
/*
 * vmxlab bench: statistics and result files of a latency run (see
 * latency_stats.h). Portable; the launcher's bench command and the host
 * unit tests use it.
 */
#include <stdlib.h>

#include "bench/latency_stats.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t lat_percentile(const uint64_t *sorted, size_t n, uint32_t p)
{
	uint64_t rank;

	if (!n)
		return 0;
	if (p > LAT_P100)
		p = LAT_P100;
	/* nearest rank: ceil(p * n / 100000), at least 1 */
	rank = ((uint64_t)p * n + LAT_P100 - 1) / LAT_P100;
	if (!rank)
		rank = 1;
	return sorted[rank - 1];
}

int lat_summarize(uint64_t *samples, size_t n, struct lat_summary *s)
{
	double sum = 0;
	size_t i;

	if (!n)
		return -1;
	qsort(samples, n, sizeof(*samples), cmp_u64);
	for (i = 0; i < n; i++)
		sum += (double)samples[i];
	s->n = n;
	s->min = samples[0];
	s->median = lat_percentile(samples, n, LAT_P50);
	s->p90 = lat_percentile(samples, n, LAT_P90);
	s->p99 = lat_percentile(samples, n, LAT_P99);
	s->p999 = lat_percentile(samples, n, LAT_P999);
	s->max = samples[n - 1];
	s->mean = sum / (double)n;
	return 0;
}

uint64_t lat_histogram(const uint64_t *sorted, size_t n, uint64_t lo,
		       uint64_t hi, unsigned int nbins, size_t *counts)
{
	uint64_t width;
	size_t i;

	if (!nbins)
		return 0;
	if (hi < lo)
		hi = lo;
	width = (hi - lo) / nbins + 1;
	for (i = 0; i < nbins; i++)
		counts[i] = 0;
	for (i = 0; i < n; i++) {
		uint64_t bin = sorted[i] < lo ? 0 : (sorted[i] - lo) / width;

		counts[bin < nbins ? bin : nbins - 1]++;
	}
	return width;
}

double lat_ticks_to_us(uint64_t ticks, uint64_t tsc_khz)
{
	if (!tsc_khz)
		return -1.0;
	return (double)ticks * 1000.0 / (double)tsc_khz;
}

/* CSV fields here are our own words; refuse what would need quoting. */
static bool csv_plain(const char *s)
{
	for (; s && *s; s++)
		if (*s == ',' || *s == '"' || *s == '\n' || *s == '\r')
			return false;
	return true;
}

int lat_write_csv(FILE *f, const struct lat_run *run, const uint64_t *samples,
		  size_t n)
{
	size_t i;

	if (!csv_plain(run->hypervisor) || !csv_plain(run->source) ||
	    !csv_plain(run->irqchip) || !csv_plain(run->wait))
		return -1;
	fprintf(f, "hypervisor,source,irqchip,wait,sample,ticks,us\n");
	for (i = 0; i < n; i++) {
		fprintf(f, "%s,%s,%s,%s,%zu,%llu,", run->hypervisor,
			run->source, run->irqchip, run->wait, i,
			(unsigned long long)samples[i]);
		if (run->tsc_khz)
			fprintf(f, "%.3f\n",
				lat_ticks_to_us(samples[i], run->tsc_khz));
		else
			fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

void lat_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_figure(FILE *f, const char *name, uint64_t ticks,
			uint64_t tsc_khz)
{
	fprintf(f, "    \"%s\": { \"ticks\": %llu, \"us\": ", name,
		(unsigned long long)ticks);
	if (tsc_khz)
		fprintf(f, "%.3f }", lat_ticks_to_us(ticks, tsc_khz));
	else
		fprintf(f, "null }");
}

int lat_write_json(FILE *f, const struct lat_run *run,
		   const struct lat_summary *s)
{
	static const char * const names[] = {
		"min", "median", "p90", "p99", "p99.9", "max"
	};
	uint64_t v[] = { s->min, s->median, s->p90, s->p99, s->p999, s->max };
	unsigned int i;

	fprintf(f, "{\n  \"hypervisor\": ");
	lat_json_string(f, run->hypervisor);
	fprintf(f, ",\n  \"source\": ");
	lat_json_string(f, run->source);
	fprintf(f, ",\n  \"irqchip\": ");
	lat_json_string(f, run->irqchip);
	fprintf(f, ",\n  \"wait\": ");
	lat_json_string(f, run->wait);
	fprintf(f, ",\n  \"figures\": ");
	lat_json_string(f, run->real_time ? "real time" : "lab path lengths");
	fprintf(f, ",\n  \"tsc_khz\": %llu,\n  \"host_hogs\": %u,\n  \"warmup\": %zu,\n  \"samples\": %zu,\n  \"mean_ticks\": %.1f,\n  \"latency\": {\n",
		(unsigned long long)run->tsc_khz, run->hogs, run->warmup, s->n,
		s->mean);
	for (i = 0; i < 6; i++) {
		json_figure(f, names[i], v[i], run->tsc_khz);
		fprintf(f, i < 5 ? ",\n" : "\n");
	}
	fprintf(f, "  }\n}\n");
	return ferror(f) ? -1 : 0;
}
