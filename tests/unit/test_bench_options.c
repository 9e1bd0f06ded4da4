// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of vmxlab bench's command line
 * (user/bench/bench_options.c): defaults, every source and irqchip
 * mode, and clean refusals.
 */
#include <string.h>

#include "bench/bench_options.h"
#include "kselftest_harness.h"

#define ARGS(...) ((char *[]){ __VA_ARGS__ })
#define NARGS(...) (int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
#define PARSE(b, err, ...) \
	bench_options_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), b, err)

TEST(defaults)
{
	struct bench_options b;
	struct errbuf err = { "" };

	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--source", "timer",
			   "--kernel", "mb.elf")) TH_LOG("%s", err.msg);
	EXPECT_EQ(BENCH_SOURCE_TIMER, b.source);
	EXPECT_EQ(IRQCHIP_KERNEL, b.irqchip);
	EXPECT_STREQ("/dev/vmxlab", b.device);
	EXPECT_STREQ("build/bench", b.out);
	EXPECT_EQ(10000, b.samples);
	EXPECT_EQ(1000, b.warmup);
	EXPECT_FALSE(b.real_time);
	EXPECT_EQ(0, b.tsc_khz);
	EXPECT_FALSE(b.oneshot);
	EXPECT_EQ(0, b.hogs);
	EXPECT_STREQ("timer", bench_run_source(&b));
}

TEST(oneshot_and_hogs)
{
	struct bench_options b;
	struct errbuf err = { "" };

	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--source", "timer",
			   "--timer", "oneshot", "--hog", "64", "--kernel", "k"))
		TH_LOG("%s", err.msg);
	EXPECT_TRUE(b.oneshot);
	EXPECT_EQ(64, b.hogs);
	EXPECT_STREQ("oneshot", bench_run_source(&b));
	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--source", "device",
			   "--timer", "deadline", "--kernel", "k"));
	EXPECT_FALSE(b.oneshot);
	EXPECT_STREQ("device", bench_run_source(&b));
}

TEST(net_backends)
{
	struct bench_options b;
	struct errbuf err = { "" };

	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--source", "net",
			   "--kernel", "k")) TH_LOG("%s", err.msg);
	EXPECT_STREQ("vmxbench0", b.tap);
	EXPECT_EQ(NET_BACKEND_VMXLAB, b.backend);
	EXPECT_STREQ("net_vmxlab", bench_run_source(&b));
	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--source", "net",
			   "--backend", "vhost-net", "--tap", "t0",
			   "--kernel", "k")) TH_LOG("%s", err.msg);
	EXPECT_STREQ("t0", b.tap);
	EXPECT_STREQ("net_vhost_net", bench_run_source(&b));
	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--source", "net",
			   "--backend", "user", "--kernel", "k"));
	EXPECT_STREQ("net_user", bench_run_source(&b));
}

TEST(every_option)
{
	struct bench_options b;
	struct errbuf err = { "" };

	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--source", "net",
			   "--irqchip", "split", "--device", "/dev/kvm",
			   "--samples", "200000", "--warmup", "0",
			   "--kernel", "k", "--out", "/tmp/o",
			   "--tsc-khz", "2400000", "--real-time"))
		TH_LOG("%s", err.msg);
	EXPECT_EQ(BENCH_SOURCE_NET, b.source);
	EXPECT_EQ(IRQCHIP_SPLIT, b.irqchip);
	EXPECT_STREQ("/dev/kvm", b.device);
	EXPECT_EQ(200000, b.samples);
	EXPECT_EQ(0, b.warmup);
	EXPECT_STREQ("/tmp/o", b.out);
	EXPECT_EQ(2400000, b.tsc_khz);
	EXPECT_TRUE(b.real_time);
	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--source", "ipi",
			   "--irqchip", "user", "--kernel", "k"));
	EXPECT_EQ(BENCH_SOURCE_IPI, b.source);
	EXPECT_EQ(IRQCHIP_USER, b.irqchip);
	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--source", "device",
			   "--kernel", "k"));
	EXPECT_EQ(BENCH_SOURCE_DEVICE, b.source);
}

TEST(help)
{
	struct bench_options b;
	struct errbuf err = { "" };

	ASSERT_EQ(0, bench_options_parse(0, NULL, &b, &err));
	EXPECT_TRUE(b.help);
	ASSERT_EQ(0, PARSE(&b, &err, "latency", "--help"));
	EXPECT_TRUE(b.help);
	EXPECT_NE(NULL, strstr(bench_usage, "--source"));
}

TEST(refused)
{
	static const struct {
		const char *args[6];
		const char *message;
	} cases[] = {
		{ { "throughput" }, "unknown benchmark" },
		{ { "latency", "--kernel", "k" }, "--source is required" },
		{ { "latency", "--source", "timer" }, "--kernel GUEST is required" },
		{ { "latency", "--source", "disk" }, "timer, device, ipi or net" },
		{ { "latency", "--irqchip", "none" }, "kernel, split or user" },
		{ { "latency", "--samples", "0" }, "must be 1 to 200000" },
		{ { "latency", "--samples", "200001" }, "must be 1 to 200000" },
		{ { "latency", "--samples", "-5" }, "must be 1 to" },
		{ { "latency", "--samples", "12x" }, "must be 1 to" },
		{ { "latency", "--tsc-khz", "0" }, "must be 1 to" },
		{ { "latency", "--bogus", "1" }, "unknown option --bogus" },
		{ { "latency", "--samples" }, "needs a value" },
		{ { "latency", "samples" }, "unexpected argument" },
		{ { "latency", "--timer", "periodic" }, "deadline or oneshot" },
		{ { "latency", "--hog", "65" }, "must be 0 to 64" },
		{ { "latency", "--backend", "auto" }, "user, vmxlab or vhost-net" },
		{ { "latency", "--tap", "a-name-far-too-long" }, "1 to 15 characters" },
		{ { "latency", "--source", "ipi", "--timer", "oneshot" },
		  "is for --source timer" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bench_options b;
		struct errbuf err = { "" };
		int argc = 0;

		while (argc < 6 && cases[i].args[argc])
			argc++;
		EXPECT_EQ(-1, bench_options_parse(argc, (char **)cases[i].args,
						  &b, &err)) TH_LOG("case %u", i);
		EXPECT_NE(NULL, strstr(err.msg, cases[i].message))
			TH_LOG("case %u: '%s'", i, err.msg);
	}
}

TEST_HARNESS_MAIN
