// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher's device registry, user/devices/device.c: types sorted by
 * level then name whatever order they register in, one zeroed instance
 * each passed as the opaque pointer to every hook, absent devices
 * dropped, the ACPI hooks walked in order, exits in reverse, and a
 * failing init stopping the walk with its message.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "devices/device.h"
#include "firmware/acpi.h"
#include "vm.h"

#define MAX_EVENTS	32
#define MAGIC		0x5eed

struct test_dev {
	unsigned int magic;	/* 0 until its init ran */
	const char *name;
	char payload[100];	/* the instance is as big as its type says */
};

static char events[MAX_EVENTS][32];
static unsigned int nr_events;
static void *inits[MAX_EVENTS];	/* the opaque pointer each init got */
static bool flaky_fails;

static void event(const char *hook, const char *name)
{
	if (nr_events < MAX_EVENTS)
		snprintf(events[nr_events++], sizeof(events[0]), "%s:%s",
			 hook, name);
}

static int dev_init(struct vm *vm, void *opaque, struct errbuf *err,
		    const char *name)
{
	struct test_dev *d = opaque;
	static const struct test_dev zero;

	inits[nr_events] = opaque;
	event("init", name);
	if (memcmp(d, &zero, sizeof(zero)))
		return errbuf_set(err, "%s: instance not zeroed", name);
	d->magic = MAGIC;
	d->name = name;
	return 0;
}

/* Every later hook must get the instance its init filled in. */
static void dev_hook(const char *hook, void *opaque)
{
	struct test_dev *d = opaque;

	event(hook, d->magic == MAGIC ? d->name : "(wrong instance)");
}

static void dev_start(struct vm *vm, void *opaque)
{
	dev_hook("start", opaque);
}

static void dev_exit(struct vm *vm, void *opaque)
{
	dev_hook("exit", opaque);
}

static void dev_acpi(struct vm *vm, void *opaque, struct acpi_config *cfg)
{
	struct test_dev *d = opaque;

	dev_hook("acpi", opaque);
	cfg->virtio[cfg->nr_virtio++].base = d->name[0];
}

static int zeta_init(struct vm *vm, void *dev, struct errbuf *err)
{
	return dev_init(vm, dev, err, "zeta");
}

static int beta_init(struct vm *vm, void *dev, struct errbuf *err)
{
	return dev_init(vm, dev, err, "beta");
}

static int alpha_init(struct vm *vm, void *dev, struct errbuf *err)
{
	return dev_init(vm, dev, err, "alpha");
}

/* A type without size: its opaque pointer is its own, but holds nothing. */
static int console_init(struct vm *vm, void *dev, struct errbuf *err)
{
	inits[nr_events] = dev;
	event("init", "console");
	return 0;
}

static void console_start(struct vm *vm, void *dev)
{
	event("start", dev == vm->devices->priv ? "console" : "(wrong)");
}

static void console_exit(struct vm *vm, void *dev)
{
	event("exit", dev == vm->devices->priv ? "console" : "(wrong)");
}

static int flaky_init(struct vm *vm, void *dev, struct errbuf *err)
{
	if (flaky_fails) {
		event("init", "flaky");
		return errbuf_set(err, "flaky: refused");
	}
	return dev_init(vm, dev, err, "flaky");
}

static int absent_init(struct vm *vm, void *dev, struct errbuf *err)
{
	event("init", "absent");
	return DEVICE_ABSENT;
}

/* Registered out of order on purpose: the registry sorts them. */
DEVICE_REGISTER(zeta, DEVICE_LEVEL_OPTIONAL, .size = sizeof(struct test_dev),
		.init = zeta_init, .start = dev_start, .acpi = dev_acpi,
		.exit = dev_exit);
DEVICE_REGISTER(beta, DEVICE_LEVEL_PLATFORM, .size = sizeof(struct test_dev),
		.init = beta_init, .exit = dev_exit);
DEVICE_REGISTER(absent, DEVICE_LEVEL_PLATFORM, .size = sizeof(struct test_dev),
		.init = absent_init, .start = dev_start, .acpi = dev_acpi,
		.exit = dev_exit);
DEVICE_REGISTER(alpha, DEVICE_LEVEL_PLATFORM, .size = sizeof(struct test_dev),
		.init = alpha_init, .start = dev_start, .acpi = dev_acpi,
		.exit = dev_exit);
DEVICE_REGISTER(flaky, DEVICE_LEVEL_TEST, .size = sizeof(struct test_dev),
		.init = flaky_init, .start = dev_start, .exit = dev_exit);
/* No size: still an instance of its own, as stateless devices get. */
DEVICE_REGISTER(console, DEVICE_LEVEL_CONSOLE,
		.init = console_init, .start = console_start,
		.exit = console_exit);

static struct vm vm;	/* static: the instances stay reachable */

static void expect_events(struct __test_metadata *_metadata,
			  const char *const *want, unsigned int n)
{
	unsigned int i;

	ASSERT_EQ(n, nr_events);
	for (i = 0; i < n; i++)
		EXPECT_STREQ(want[i], events[i]);
}

#define EXPECT_EVENTS(...) do {						\
	static const char *const want[] = { __VA_ARGS__ };		\
	expect_events(_metadata, want, ARRAY_SIZE(want));	\
} while (0)

static int init_all(void)
{
	struct errbuf err = { "" };

	return devices_init(&vm, &err);
}

TEST(init_runs_by_level_then_name)
{
	ASSERT_EQ(0, init_all());
	EXPECT_EVENTS("init:console", "init:flaky", "init:absent",
		      "init:alpha", "init:beta", "init:zeta");
}

TEST(absent_devices_keep_no_instance)
{
	struct device *d;
	const char *names[5];
	unsigned int n = 0;

	ASSERT_EQ(0, init_all());
	for (d = vm.devices; d && n < 5; d = d->next)
		names[n++] = d->type->name;
	ASSERT_EQ(5, n);
	EXPECT_EQ(NULL, d);
	EXPECT_STREQ("console", names[0]);
	EXPECT_STREQ("flaky", names[1]);
	EXPECT_STREQ("alpha", names[2]);
	EXPECT_STREQ("beta", names[3]);
	EXPECT_STREQ("zeta", names[4]);
}

TEST(each_instance_is_its_own_opaque_pointer)
{
	struct device *d;
	unsigned int i, j;

	ASSERT_EQ(0, init_all());
	/* the pointer each init got is the one the list keeps */
	for (d = vm.devices, i = 0; d; d = d->next, i++) {
		while (strcmp(events[i] + 5, d->type->name))
			i++;
		EXPECT_EQ(inits[i], d->priv);
		if (d->type->size)
			EXPECT_EQ(MAGIC, ((struct test_dev *)d->priv)->magic);
	}
	for (i = 0; i < nr_events; i++)
		for (j = i + 1; j < nr_events; j++)
			if (inits[i] || inits[j])
				EXPECT_NE(inits[i], inits[j]);
}

TEST(start_hooks_follow_init_order)
{
	ASSERT_EQ(0, init_all());
	nr_events = 0;
	devices_start(&vm);
	EXPECT_EVENTS("start:console", "start:flaky", "start:alpha",
		      "start:zeta");
}

TEST(acpi_hooks_are_walked_in_order)
{
	struct acpi_config cfg = { 0 };

	ASSERT_EQ(0, init_all());
	nr_events = 0;
	devices_acpi(&vm, &cfg);
	EXPECT_EVENTS("acpi:alpha", "acpi:zeta");
	ASSERT_EQ(2, cfg.nr_virtio);
	EXPECT_EQ('a', cfg.virtio[0].base);
	EXPECT_EQ('z', cfg.virtio[1].base);
}

TEST(exit_hooks_run_in_reverse)
{
	ASSERT_EQ(0, init_all());
	nr_events = 0;
	devices_exit(&vm);
	EXPECT_EVENTS("exit:zeta", "exit:beta", "exit:alpha", "exit:flaky",
		      "exit:console");
}

TEST(a_failing_init_stops_with_its_message)
{
	struct errbuf err = { "" };

	flaky_fails = true;
	EXPECT_EQ(-1, devices_init(&vm, &err));
	EXPECT_STREQ("flaky: refused", err.msg);
	EXPECT_EVENTS("init:console", "init:flaky");
}

TEST(no_devices_no_hooks)
{
	struct acpi_config cfg = { 0 };

	devices_start(&vm);
	devices_acpi(&vm, &cfg);
	devices_exit(&vm);
	EXPECT_EQ(0, nr_events);
	EXPECT_EQ(0, cfg.nr_virtio);
}

TEST_HARNESS_MAIN
