// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of vmxlab bench's statistics and result files
 * (user/bench/latency_stats.c): nearest-rank percentiles on known sets,
 * histograms that add up, CSV and JSON as a reader expects them.
 */
#include <stdlib.h>
#include <string.h>

#include "bench/latency_stats.h"
#include "kselftest_harness.h"

static char *capture(void (*fn)(FILE *f, void *arg), void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, arg);
	fclose(f);
	return buf;
}

TEST(percentiles_of_1_to_1000)
{
	uint64_t s[1000];
	struct lat_summary sum;
	size_t i;

	for (i = 0; i < 1000; i++)	/* reversed: the summary sorts */
		s[i] = 1000 - i;
	ASSERT_EQ(0, lat_summarize(s, 1000, &sum));
	EXPECT_EQ(1000, sum.n);
	EXPECT_EQ(1, sum.min);
	EXPECT_EQ(500, sum.median);
	EXPECT_EQ(900, sum.p90);
	EXPECT_EQ(990, sum.p99);
	EXPECT_EQ(999, sum.p999);
	EXPECT_EQ(1000, sum.max);
	EXPECT_TRUE(sum.mean > 500.49 && sum.mean < 500.51);
	for (i = 1; i < 1000; i++)
		ASSERT_LE(s[i - 1], s[i]);
}

/* 10,000 samples with a tail of 11: p99.9 sees the tail, p99 does not. */
TEST(the_tail_shows_in_p99_9)
{
	static uint64_t s[10000];
	struct lat_summary sum;
	size_t i;

	for (i = 0; i < 10000; i++)
		s[i] = i < 11 ? 100000 + i : 4000 + i % 7;
	ASSERT_EQ(0, lat_summarize(s, 10000, &sum));
	EXPECT_EQ(4006, sum.p99);
	EXPECT_EQ(100000, sum.p999);
	EXPECT_EQ(100010, sum.max);
	EXPECT_EQ(4003, sum.median);
}

TEST(small_sets)
{
	uint64_t one[1] = { 7 }, two[2] = { 9, 3 };
	struct lat_summary sum;

	EXPECT_EQ(-1, lat_summarize(one, 0, &sum));
	ASSERT_EQ(0, lat_summarize(one, 1, &sum));
	EXPECT_EQ(7, sum.median);
	EXPECT_EQ(7, sum.p999);
	ASSERT_EQ(0, lat_summarize(two, 2, &sum));
	EXPECT_EQ(3, sum.median);	/* rank ceil(0.5 * 2) = 1 */
	EXPECT_EQ(9, sum.p90);
	EXPECT_EQ(0, lat_percentile(two, 0, LAT_P50));
	EXPECT_EQ(9, lat_percentile(two, 2, 200000));	/* clamped */
	EXPECT_EQ(3, lat_percentile(two, 2, 0));	/* rank at least 1 */
}

TEST(histogram_adds_up)
{
	uint64_t s[] = { 0, 5, 9, 10, 19, 20, 500 };
	size_t counts[3];
	uint64_t width;

	width = lat_histogram(s, 7, 0, 29, 3, counts);
	EXPECT_EQ(10, width);
	EXPECT_EQ(3, counts[0]);
	EXPECT_EQ(2, counts[1]);
	EXPECT_EQ(2, counts[2]);	/* 20 and the outlier */
	width = lat_histogram(s, 7, 9, 9, 2, counts);
	EXPECT_EQ(1, width);
	EXPECT_EQ(3, counts[0]);	/* below lo too */
	EXPECT_EQ(4, counts[1]);
	EXPECT_EQ(0, lat_histogram(s, 7, 0, 10, 0, counts));
}

TEST(ticks_to_us)
{
	EXPECT_TRUE(lat_ticks_to_us(5, 0) < 0);
	EXPECT_TRUE(lat_ticks_to_us(3000, 3000000) > 0.9999 &&
		    lat_ticks_to_us(3000, 3000000) < 1.0001);
}

struct csv_arg {
	struct lat_run run;
	uint64_t samples[2];
	int rc;
};

static void write_csv(FILE *f, void *p)
{
	struct csv_arg *a = p;

	a->rc = lat_write_csv(f, &a->run, a->samples, 2);
}

TEST(csv_lines)
{
	struct csv_arg a = {
		{ "vmxlab", "timer", "kernel", "halted", 2000000, false, 100, 0 },
		{ 4000, 1000 }, 0
	};
	char *out = capture(write_csv, &a);

	EXPECT_EQ(0, a.rc);
	EXPECT_STREQ("hypervisor,source,irqchip,wait,sample,ticks,us\n"
		     "vmxlab,timer,kernel,halted,0,4000,2.000\n"
		     "vmxlab,timer,kernel,halted,1,1000,0.500\n", out);
	free(out);

	a.run.tsc_khz = 0;		/* unknown: the us column is empty */
	out = capture(write_csv, &a);
	EXPECT_NE(NULL, strstr(out, "halted,1,1000,\n"));
	free(out);

	a.run.wait = "a,b";		/* would break the columns */
	out = capture(write_csv, &a);
	EXPECT_EQ(-1, a.rc);
	free(out);
}

static void write_string(FILE *f, void *p)
{
	lat_json_string(f, p);
}

TEST(json_strings_escaped)
{
	char *out = capture(write_string, "a\"b\\c\n\x01");

	EXPECT_STREQ("\"a\\\"b\\\\c\\u000a\\u0001\"", out);
	free(out);
}

struct json_arg {
	struct lat_run run;
	struct lat_summary sum;
};

static void write_json(FILE *f, void *p)
{
	struct json_arg *a = p;

	lat_write_json(f, &a->run, &a->sum);
}

TEST(json_summary)
{
	struct json_arg a = {
		{ "kvm", "device", "split", "spinning", 1000000, true, 1000, 2 },
		{ 10000, 10, 2000, 3000, 4000, 5000, 6000, 2100.5 }
	};
	char *out = capture(write_json, &a);

	EXPECT_NE(NULL, strstr(out, "\"hypervisor\": \"kvm\""));
	EXPECT_NE(NULL, strstr(out, "\"figures\": \"real time\""));
	EXPECT_NE(NULL, strstr(out, "\"samples\": 10000,"));
	EXPECT_NE(NULL, strstr(out, "\"warmup\": 1000,"));
	EXPECT_NE(NULL, strstr(out, "\"host_hogs\": 2,"));
	EXPECT_NE(NULL, strstr(out, "\"median\": { \"ticks\": 2000, \"us\": 2.000 }"));
	EXPECT_NE(NULL, strstr(out, "\"p99.9\": { \"ticks\": 5000, \"us\": 5.000 }"));
	EXPECT_NE(NULL, strstr(out, "\"max\": { \"ticks\": 6000, \"us\": 6.000 }\n  }\n}\n"));
	free(out);

	a.run.tsc_khz = 0;
	a.run.real_time = false;
	out = capture(write_json, &a);
	EXPECT_NE(NULL, strstr(out, "\"figures\": \"lab path lengths\""));
	EXPECT_NE(NULL, strstr(out, "\"p90\": { \"ticks\": 3000, \"us\": null }"));
	free(out);
}

TEST_HARNESS_MAIN
