// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher's command line: commands, both value forms, defaults,
 * every option's range checks and the messages for bad input.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "options.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int parse(int argc, const char **argv, struct vmxlab_options *o,
		 struct errbuf *err)
{
	memset(err, 0, sizeof(*err));
	return options_parse(argc, (char **)argv, o, err);
}

TEST(no_arguments_is_help)
{
	const char *argv[] = { "vmxlab" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(0, parse(ARGC(argv), argv, &o, &err));
	EXPECT_EQ(CMD_HELP, o.command);
}

TEST(top_level_help)
{
	const char *argv[] = { "vmxlab", "--help" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(0, parse(ARGC(argv), argv, &o, &err));
	EXPECT_EQ(CMD_HELP, o.command);
}

TEST(run_help)
{
	const char *argv[] = { "vmxlab", "run", "--help" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(0, parse(ARGC(argv), argv, &o, &err));
	EXPECT_EQ(CMD_RUN_HELP, o.command);
}

TEST(unknown_command)
{
	const char *argv[] = { "vmxlab", "boot" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(-1, parse(ARGC(argv), argv, &o, &err));
	EXPECT_NE(NULL, strstr(err.msg, "unknown command 'boot'"));
}

TEST(defaults)
{
	const char *argv[] = { "vmxlab", "run", "--kernel", "bz" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(0, parse(ARGC(argv), argv, &o, &err));
	EXPECT_EQ(CMD_RUN, o.command);
	EXPECT_STREQ("bz", o.kernel);
	EXPECT_STREQ("/dev/vmxlab", o.device);
	EXPECT_EQ(256, o.mem_mb);
	EXPECT_EQ(1, o.cpus);
	EXPECT_EQ(IRQCHIP_KERNEL, o.irqchip);
	EXPECT_EQ(NULL, o.initrd);
	EXPECT_EQ(NULL, o.cmdline);
	EXPECT_EQ(NULL, o.tap);
	EXPECT_FALSE(o.stats);
	EXPECT_FALSE(o.flat);
}

TEST(every_option_both_forms)
{
	const char *argv[] = { "vmxlab", "run", "--kernel=k", "--initrd", "i",
			       "--cmdline=console=ttyS0 quiet", "--mem", "1G",
			       "--cpus=4", "--irqchip", "split",
			       "--net=tap=vmx0", "--device", "/dev/kvm",
			       "--stats" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(0, parse(ARGC(argv), argv, &o, &err)) TH_LOG("%s", err.msg);
	EXPECT_STREQ("k", o.kernel);
	EXPECT_STREQ("i", o.initrd);
	EXPECT_STREQ("console=ttyS0 quiet", o.cmdline);
	EXPECT_EQ(1024, o.mem_mb);
	EXPECT_EQ(4, o.cpus);
	EXPECT_EQ(IRQCHIP_SPLIT, o.irqchip);
	EXPECT_STREQ("vmx0", o.tap);
	EXPECT_STREQ("/dev/kvm", o.device);
	EXPECT_TRUE(o.stats);
}

TEST(irqchip_user_and_flat)
{
	const char *argv[] = { "vmxlab", "run", "--kernel", "k", "--irqchip",
			       "user", "--flat", "0x200000" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(0, parse(ARGC(argv), argv, &o, &err)) TH_LOG("%s", err.msg);
	EXPECT_EQ(IRQCHIP_USER, o.irqchip);
	EXPECT_TRUE(o.flat);
	EXPECT_EQ(0x200000, o.flat_addr);
}

TEST(mem_suffixes)
{
	static const struct {
		const char *arg;
		int ok;
		unsigned long mb;
	} cases[] = {
		{ "64", 1, 64 }, { "64M", 1, 64 }, { "2g", 1, 2048 },
		{ "8192K", 1, 8 }, { "0x100", 1, 256 },
		{ "3", 0, 0 }, { "65537", 0, 0 }, { "1000K", 0, 0 },
		{ "", 0, 0 }, { "M", 0, 0 }, { "-5", 0, 0 }, { "12x", 0, 0 },
		{ "99999999999999999999", 0, 0 }, { "17179869184G", 0, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[] = { "vmxlab", "run", "--kernel", "k",
				       "--mem", cases[i].arg };
		struct vmxlab_options o;
		struct errbuf err;
		int rc = parse(ARGC(argv), argv, &o, &err);

		EXPECT_EQ(cases[i].ok ? 0 : -1, rc) TH_LOG("--mem %s", cases[i].arg);
		if (cases[i].ok) {
			EXPECT_EQ(cases[i].mb, o.mem_mb);
		} else {
			EXPECT_NE(NULL, strstr(err.msg, "--mem"));
		}
	}
}

TEST(cpus_range)
{
	const char *bad[] = { "0", "65", "-1", "two", "" };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = { "vmxlab", "run", "--kernel", "k",
				       "--cpus", bad[i] };
		struct vmxlab_options o;
		struct errbuf err;

		EXPECT_EQ(-1, parse(ARGC(argv), argv, &o, &err));
		EXPECT_NE(NULL, strstr(err.msg, "--cpus"));
	}
}

TEST(bad_irqchip)
{
	const char *argv[] = { "vmxlab", "run", "--kernel", "k", "--irqchip",
			       "pic" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(-1, parse(ARGC(argv), argv, &o, &err));
	EXPECT_NE(NULL, strstr(err.msg, "kernel, split or user"));
}

TEST(net_backends)
{
	const char *names[] = { "user", "vmxlab", "vhost-net" };
	enum net_backend want[] = { NET_BACKEND_USER, NET_BACKEND_VMXLAB,
				    NET_BACKEND_VHOST_NET };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		char net[64];
		const char *argv[] = { "vmxlab", "run", "--kernel", "k",
				       "--net", net };
		struct vmxlab_options o;
		struct errbuf err;

		snprintf(net, sizeof(net), "tap=vmx0,backend=%s", names[i]);
		ASSERT_EQ(0, parse(ARGC(argv), argv, &o, &err)) TH_LOG("%s", err.msg);
		EXPECT_STREQ("vmx0", o.tap);
		EXPECT_EQ(want[i], o.net_backend);
		EXPECT_STREQ(names[i], net_backend_name(o.net_backend));
	}
}

TEST(net_backend_default_is_auto)
{
	const char *argv[] = { "vmxlab", "run", "--kernel", "k", "--net",
			       "tap=vmx0" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(0, parse(ARGC(argv), argv, &o, &err));
	EXPECT_EQ(NET_BACKEND_AUTO, o.net_backend);
}

TEST(bad_net)
{
	const char *bad[] = { "tap", "tap=", "bridge=br0", "tap=a/b",
			      "tap=waytoolongname123", "tap=,backend=user",
			      "tap=vmx0,backend=", "tap=vmx0,backend=qemu",
			      "tap=vmx0,queues=2", "tap=vmx0,backend=user,x" };
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = { "vmxlab", "run", "--kernel", "k",
				       "--net", bad[i] };
		struct vmxlab_options o;
		struct errbuf err;

		EXPECT_EQ(-1, parse(ARGC(argv), argv, &o, &err)) TH_LOG("%s", bad[i]);
		EXPECT_NE(NULL, strstr(err.msg, "--net"));
	}
}

TEST(missing_kernel)
{
	const char *argv[] = { "vmxlab", "run", "--mem", "64" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(-1, parse(ARGC(argv), argv, &o, &err));
	EXPECT_NE(NULL, strstr(err.msg, "--kernel FILE is required"));
}

TEST(missing_value)
{
	const char *argv[] = { "vmxlab", "run", "--kernel" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(-1, parse(ARGC(argv), argv, &o, &err));
	EXPECT_NE(NULL, strstr(err.msg, "--kernel needs a value"));
}

TEST(unknown_option_and_stray_argument)
{
	const char *argv1[] = { "vmxlab", "run", "--kernel", "k", "--smp", "2" };
	const char *argv2[] = { "vmxlab", "run", "--kernel", "k", "extra" };
	const char *argv3[] = { "vmxlab", "run", "--kernel", "k", "--stats=1" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(-1, parse(ARGC(argv1), argv1, &o, &err));
	EXPECT_NE(NULL, strstr(err.msg, "unknown option --smp"));
	ASSERT_EQ(-1, parse(ARGC(argv2), argv2, &o, &err));
	EXPECT_NE(NULL, strstr(err.msg, "unexpected argument 'extra'"));
	ASSERT_EQ(-1, parse(ARGC(argv3), argv3, &o, &err));
	EXPECT_NE(NULL, strstr(err.msg, "--stats takes no value"));
}

TEST(flat_checks)
{
	const char *argv1[] = { "vmxlab", "run", "--kernel", "k", "--flat",
				"0x100000000" };
	const char *argv2[] = { "vmxlab", "run", "--kernel", "k", "--flat",
				"0x100000", "--initrd", "i" };
	struct vmxlab_options o;
	struct errbuf err;

	ASSERT_EQ(-1, parse(ARGC(argv1), argv1, &o, &err));
	EXPECT_NE(NULL, strstr(err.msg, "below 4 GiB"));
	ASSERT_EQ(-1, parse(ARGC(argv2), argv2, &o, &err));
	EXPECT_NE(NULL, strstr(err.msg, "--initrd cannot"));
}

TEST(usage_texts_name_every_option)
{
	const char *names[] = { "--kernel", "--initrd", "--cmdline", "--mem",
				"--cpus", "--irqchip", "--net", "--device",
				"--flat", "--stats", "--help" };
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		EXPECT_NE(NULL, strstr(options_run_usage, names[i]));
	EXPECT_NE(NULL, strstr(options_usage, "run"));
}

TEST_HARNESS_MAIN
