// SPDX-License-Identifier: GPL-2.0
/*
 * vmxlab bench's command line (see bench_options.h). Parsing only, so
 * it is portable and unit-tested on its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_hog.h"
#include "bench/bench_options.h"

const char bench_usage[] =
	"usage: vmxlab bench latency --source SOURCE --kernel GUEST [OPTIONS]\n"
	"\n"
	"Interrupt latency seen by a guest, in TSC ticks (and microseconds\n"
	"where the TSC frequency is known), with no guest exit on the\n"
	"measured path. GUEST is the Multiboot test kernel (mbtest.elf).\n"
	"\n"
	"  --source SOURCE    timer: the LAPIC TSC-deadline timer, deadline to\n"
	"                     handler (with the irqchip in userspace the\n"
	"                     launcher's LAPIC times it, which needs guest MSR\n"
	"                     exits from the device); device: an\n"
	"                     IOAPIC line a host thread raises (an irqfd, or\n"
	"                     the launcher's IOAPIC), trigger to handler; ipi:\n"
	"                     a fixed IPI from vCPU 0 to vCPU 1, on two host\n"
	"                     CPUs, ICR write to handler; net: a frame the\n"
	"                     host sends into a tap, to the guest's virtio-net\n"
	"                     receive interrupt\n"
	"  --irqchip MODE     kernel (default), split or user\n"
	"  --device PATH      /dev/vmxlab (default) or /dev/kvm\n"
	"  --timer MODE       timer source: deadline (default), the TSC-deadline\n"
	"                     timer, or oneshot, the LAPIC timer's one-shot\n"
	"                     mode against a deadline the guest calibrates\n"
	"  --hog N            N host threads spin throughout, the first on\n"
	"                     vCPU 0's CPU (default 0, at most 64)\n"
	"  --tap NAME         net: the tap, made if missing (default vmxbench0)\n"
	"  --backend B        net: user, vmxlab (default) or vhost-net, who\n"
	"                     serves the rings\n"
	"  --samples N        samples per guest state (default 10000)\n"
	"  --warmup N         samples discarded first (default 1000)\n"
	"  --out DIR          where the CSV and JSON go (default build/bench)\n"
	"  --tsc-khz KHZ      the TSC frequency, if the device cannot say\n"
	"  --real-time        the figures are real time (bare metal); without\n"
	"                     it they are labelled lab path lengths\n";

const char *bench_source_name(enum bench_source s)
{
	static const char * const names[] = { "timer", "device", "ipi", "net" };

	return s <= BENCH_SOURCE_NET ? names[s] : "?";
}

static const char * const backend_names[] = {
	[NET_BACKEND_USER] = "user",
	[NET_BACKEND_VMXLAB] = "vmxlab",
	[NET_BACKEND_VHOST_NET] = "vhost-net",
};

const char *bench_run_source(const struct bench_options *b)
{
	static const char * const net_names[] = {
		[NET_BACKEND_USER] = "net_user",
		[NET_BACKEND_VMXLAB] = "net_vmxlab",
		[NET_BACKEND_VHOST_NET] = "net_vhost_net",
	};

	if (b->oneshot)
		return "oneshot";
	if (b->source == BENCH_SOURCE_NET && b->backend >= NET_BACKEND_USER &&
	    b->backend <= NET_BACKEND_VHOST_NET)
		return net_names[b->backend];
	return bench_source_name(b->source);
}

static int parse_count(const char *name, const char *val, unsigned int min,
		       unsigned int max, unsigned int *out, struct errbuf *err)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (!*val || *end || errno || *val == '-' || v < min || v > max)
		return errbuf_set(err, "--%s '%s': must be %u to %u", name, val,
				  min, max);
	*out = v;
	return 0;
}

static int parse_one(const char *name, const char *val,
		     struct bench_options *b, struct errbuf *err)
{
	unsigned int khz;

	if (!strcmp(name, "source")) {
		for (b->source = BENCH_SOURCE_TIMER;
		     b->source <= BENCH_SOURCE_NET; b->source++)
			if (!strcmp(val, bench_source_name(b->source)))
				return 0;
		return errbuf_set(err, "--source '%s': timer, device, ipi or net",
				  val);
	}
	if (!strcmp(name, "irqchip")) {
		if (!strcmp(val, "kernel"))
			b->irqchip = IRQCHIP_KERNEL;
		else if (!strcmp(val, "split"))
			b->irqchip = IRQCHIP_SPLIT;
		else if (!strcmp(val, "user"))
			b->irqchip = IRQCHIP_USER;
		else
			return errbuf_set(err, "--irqchip '%s': kernel, split or user",
					  val);
		return 0;
	}
	if (!strcmp(name, "samples"))
		return parse_count(name, val, 1, BENCH_MAX_SAMPLES, &b->samples,
				   err);
	if (!strcmp(name, "warmup"))
		return parse_count(name, val, 0, BENCH_MAX_SAMPLES, &b->warmup,
				   err);
	if (!strcmp(name, "timer")) {
		if (strcmp(val, "deadline") && strcmp(val, "oneshot"))
			return errbuf_set(err, "--timer '%s': deadline or oneshot",
					  val);
		b->oneshot = !strcmp(val, "oneshot");
		return 0;
	}
	if (!strcmp(name, "backend")) {
		for (b->backend = NET_BACKEND_USER;
		     b->backend <= NET_BACKEND_VHOST_NET; b->backend++)
			if (!strcmp(val, backend_names[b->backend]))
				return 0;
		return errbuf_set(err, "--backend '%s': user, vmxlab or vhost-net",
				  val);
	}
	if (!strcmp(name, "hog"))
		return parse_count(name, val, 0, BENCH_MAX_HOGS, &b->hogs, err);
	if (!strcmp(name, "tsc-khz")) {
		if (parse_count(name, val, 1, 100000000, &khz, err))
			return -1;
		b->tsc_khz = khz;
		return 0;
	}
	if (!strcmp(name, "device"))
		b->device = val;
	else if (!strcmp(name, "kernel"))
		b->kernel = val;
	else if (!strcmp(name, "out"))
		b->out = val;
	else if (!strcmp(name, "tap") && *val && strlen(val) <= OPT_MAX_TAP_NAME)
		b->tap = val;
	else if (!strcmp(name, "tap"))
		return errbuf_set(err, "--tap '%s': 1 to %d characters", val,
				  OPT_MAX_TAP_NAME);
	else
		return errbuf_set(err, "unknown option --%s (see vmxlab bench --help)",
				  name);
	return 0;
}

int bench_options_parse(int argc, char **argv, struct bench_options *b,
			struct errbuf *err)
{
	bool source_given = false;
	int i;

	memset(b, 0, sizeof(*b));
	b->irqchip = IRQCHIP_KERNEL;
	b->device = OPT_DEFAULT_DEVICE;
	b->out = BENCH_DEFAULT_OUT;
	b->samples = BENCH_DEFAULT_SAMPLES;
	b->warmup = BENCH_DEFAULT_WARMUP;
	b->tap = BENCH_DEFAULT_TAP;
	b->backend = NET_BACKEND_VMXLAB;
	if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "help")) {
		b->help = true;
		return 0;
	}
	if (strcmp(argv[0], "latency"))
		return errbuf_set(err, "bench: unknown benchmark '%s' (latency)",
				  argv[0]);
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--help")) {
			b->help = true;
			return 0;
		}
		if (!strcmp(arg, "--real-time")) {
			b->real_time = true;
			continue;
		}
		if (strncmp(arg, "--", 2) || !arg[2])
			return errbuf_set(err, "unexpected argument '%s'", arg);
		if (i + 1 >= argc)
			return errbuf_set(err, "%s needs a value", arg);
		if (parse_one(arg + 2, argv[++i], b, err))
			return -1;
		source_given |= !strcmp(arg, "--source");
	}
	if (!source_given)
		return errbuf_set(err, "bench latency: --source is required");
	if (b->oneshot && b->source != BENCH_SOURCE_TIMER)
		return errbuf_set(err, "bench latency: --timer oneshot is for --source timer");
	if (!b->kernel)
		return errbuf_set(err, "bench latency: --kernel GUEST is required (mbtest.elf)");
	return 0;
}
