/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The launcher's command line:
 *
 *   vmxlab --help
 *   vmxlab run --kernel FILE [--initrd FILE] [--cmdline STR] [--mem MB]
 *              [--cpus N] [--irqchip kernel|split|user]
 *              [--net tap=NAME[,backend=user|vmxlab|vhost-net]]
 *              [--device PATH] [--flat ADDR] [--stats]
 *   vmxlab run --help
 *
 * Parsing only: files are not opened here, so the parser is portable and
 * unit-tested on its own.
 */
#ifndef VMXLAB_USER_OPTIONS_H
#define VMXLAB_USER_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "errbuf.h"

#define OPT_DEFAULT_DEVICE	"/dev/vmxlab"
#define OPT_DEFAULT_MEM_MB	256
#define OPT_MIN_MEM_MB		4
#define OPT_MAX_MEM_MB		(64 * 1024)
#define OPT_MAX_CPUS		64
#define OPT_MAX_TAP_NAME	15	/* IFNAMSIZ - 1 */

enum vmxlab_command {
	CMD_HELP,		/* vmxlab --help, or no arguments */
	CMD_RUN,
	CMD_RUN_HELP,		/* vmxlab run --help */
};

enum irqchip_mode {
	IRQCHIP_KERNEL,		/* KVM_CREATE_IRQCHIP: all in the kernel */
	IRQCHIP_SPLIT,		/* LAPIC in the kernel, IOAPIC/PIC here */
	IRQCHIP_USER,		/* everything in the launcher */
};

/* Where virtio-net's rings are served (--net tap=NAME,backend=...). */
enum net_backend {
	NET_BACKEND_AUTO,	/* vmxlab, else vhost-net, else user */
	NET_BACKEND_USER,	/* the launcher's threads */
	NET_BACKEND_VMXLAB,	/* /dev/vmxlab-net, in vmxlab.ko */
	NET_BACKEND_VHOST_NET,	/* Linux's /dev/vhost-net */
};

struct vmxlab_options {
	enum vmxlab_command command;
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	const char *device;
	const char *tap;		/* --net tap=NAME, or NULL */
	char tap_name[OPT_MAX_TAP_NAME + 1];
	enum net_backend net_backend;
	uint64_t mem_mb;
	unsigned int cpus;
	enum irqchip_mode irqchip;
	bool flat;			/* --flat ADDR given */
	uint64_t flat_addr;
	bool stats;
	/*
	 * irqchip user: the launcher's LAPIC offers the TSC-deadline timer,
	 * its MSR trapped with KVM_X86_SET_MSR_FILTER (vmxlab bench only,
	 * until vmxlab run's Linux boots have been measured with it).
	 */
	bool user_tsc_deadline;
};

/* Fills opts from argv (argv[0] is the program); -1 and a message on error. */
int options_parse(int argc, char **argv, struct vmxlab_options *opts,
		  struct errbuf *err);

const char *irqchip_mode_name(enum irqchip_mode mode);
const char *net_backend_name(enum net_backend backend);

extern const char options_usage[];
extern const char options_run_usage[];

#endif
