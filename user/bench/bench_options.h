/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxlab bench's command line (portable, unit-tested):
 *
 *   vmxlab bench latency --source timer|device|ipi|net
 *                        [--irqchip kernel|split|user] [--device PATH]
 *                        [--samples N] [--warmup N] --kernel GUEST
 *                        [--timer deadline|oneshot] [--hog N]
 *                        [--tap NAME] [--backend user|vmxlab|vhost-net]
 *                        [--out DIR] [--tsc-khz KHZ] [--real-time]
 */
#ifndef VMXLAB_USER_BENCH_OPTIONS_H
#define VMXLAB_USER_BENCH_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "errbuf.h"
#include "options.h"

#define BENCH_DEFAULT_SAMPLES	10000
#define BENCH_DEFAULT_WARMUP	1000
#define BENCH_MAX_SAMPLES	200000	/* what the guest's buffer holds */
#define BENCH_DEFAULT_OUT	"build/bench"
#define BENCH_DEFAULT_TAP	"vmxbench0"

enum bench_source {
	BENCH_SOURCE_TIMER,
	BENCH_SOURCE_DEVICE,
	BENCH_SOURCE_IPI,
	BENCH_SOURCE_NET,
};

struct bench_options {
	bool help;
	enum bench_source source;
	enum irqchip_mode irqchip;
	const char *device;
	const char *kernel;	/* the bench guest (user/guests/mbtest) */
	const char *out;	/* directory for CSV and JSON */
	unsigned int samples;
	unsigned int warmup;
	uint64_t tsc_khz;	/* 0: ask the device */
	bool real_time;		/* bare metal: figures are real time */
	bool oneshot;		/* timer: the LAPIC's one-shot mode */
	unsigned int hogs;	/* host threads spinning beside the vCPUs */
	const char *tap;	/* net: the tap the host sends into */
	enum net_backend backend;	/* net: who serves the rings */
};

extern const char bench_usage[];

/* argv[0] is "latency"; -1 and a message on error. */
int bench_options_parse(int argc, char **argv, struct bench_options *b,
			struct errbuf *err);

const char *bench_source_name(enum bench_source s);

/*
 * The source as results name it: "oneshot" for the one-shot timer,
 * "net_BACKEND" (net_user, net_vmxlab, net_vhost_net) for net.
 */
const char *bench_run_source(const struct bench_options *b);

#endif
