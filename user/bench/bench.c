// SPDX-License-Identifier: GPL-2.0
/*
 * vmxlab bench latency: boots the Multiboot test kernel with a bench
 * word on its command line, under the irqchip and device asked for. The
 * guest measures in its own TSC (a timer's deadline is a guest TSC value;
 * a device interrupt's trigger is the host thread's TSC plus the vCPU's
 * TSC offset, bench_device.c) and leaves its samples in its memory; the
 * launcher reads them when the guest has ended, so nothing on the
 * measured path exits to the launcher. Then the percentiles are printed
 * and CSV and JSON written (latency_stats.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/bench_device.h"
#include "bench/bench_hog.h"
#include "bench/bench_options.h"
#include "bench/latency_stats.h"
#include "devices/device.h"
#include "le.h"
#include "vm.h"

/* The guest's result buffer (user/guests/mbtest: bench_timer()). */
#define BENCH_BUF_GPA		0x400000ULL
#define BENCH_BUF_MAGIC		0x54414c56u
#define BENCH_BUF_HEADER	16
#define BENCH_MODES		2

static const char * const wait_names[BENCH_MODES] = { "halted", "spinning" };

static const char *hypervisor_name(const char *device)
{
	return strstr(device, "kvm") ? "kvm" : "vmxlab";
}

/* build/bench/latency-HYPERVISOR-SOURCE-IRQCHIP-WAIT[-hogN].EXT */
static void result_path(char *path, size_t size, const struct bench_options *b,
			const struct lat_run *run, const char *ext)
{
	char hogs[16] = "";

	if (run->hogs)
		snprintf(hogs, sizeof(hogs), "-hog%u", run->hogs);
	snprintf(path, size, "%s/latency-%s-%s-%s-%s%s.%s", b->out,
		 run->hypervisor, run->source, run->irqchip, run->wait, hogs,
		 ext);
}

static int write_results(const struct bench_options *b, struct lat_run *run,
			 uint64_t *ticks, unsigned int n)
{
	struct lat_summary s;
	char path[512];
	FILE *f;
	int rc = 0;

	result_path(path, sizeof(path), b, run, "csv");
	f = fopen(path, "w");
	if (!f || lat_write_csv(f, run, ticks, n))
		rc = -1;
	if (f)
		fclose(f);
	lat_summarize(ticks, n, &s);
	printf("bench latency: %s %s irqchip %s %s%s%s: samples %zu median %llu p90 %llu p99 %llu p99.9 %llu max %llu ticks",
	       run->hypervisor, run->source, run->irqchip, run->wait,
	       run->hogs ? ", CPU hogs " : "",
	       run->hogs ? (run->hogs == 1 ? "1" : "several") : "", s.n,
	       (unsigned long long)s.median, (unsigned long long)s.p90,
	       (unsigned long long)s.p99, (unsigned long long)s.p999,
	       (unsigned long long)s.max);
	if (run->tsc_khz)
		printf(" (median %.3f us)", lat_ticks_to_us(s.median, run->tsc_khz));
	printf("\n");
	result_path(path, sizeof(path), b, run, "json");
	f = fopen(path, "w");
	if (!f || lat_write_json(f, run, &s))
		rc = -1;
	if (f)
		fclose(f);
	if (rc)
		fprintf(stderr, "vmxlab bench: cannot write %s: %s\n", path,
			strerror(errno));
	return rc;
}

/*
 * @skew: what to take off each sample, the receiving vCPU's TSC offset
 * less the sending one's (ipi: two vCPUs; 0 for one).
 */
static int read_samples(struct vm *vm, const struct bench_options *b,
			uint64_t skew)
{
	uint64_t size = BENCH_BUF_HEADER +
			(uint64_t)BENCH_MODES * b->samples * 8;
	uint8_t *buf = guest_mem_ptr(&vm->mem, BENCH_BUF_GPA, size);
	uint64_t *ticks;
	unsigned int mode, i;
	long khz;
	int rc = 0;
	struct lat_run run = {
		.hypervisor = hypervisor_name(b->device),
		.source = bench_run_source(b),
		.irqchip = irqchip_mode_name(b->irqchip),
		.real_time = b->real_time,
		.warmup = b->warmup,
		.hogs = b->hogs,
	};

	if (!buf || get_le32(buf) != BENCH_BUF_MAGIC ||
	    get_le32(buf + 4) != b->samples ||
	    get_le32(buf + 8) != BENCH_MODES) {
		fprintf(stderr, "vmxlab bench: the guest left no results\n");
		return -1;
	}
	khz = b->tsc_khz ? (long)b->tsc_khz :
	      ioctl(vm->vcpus[0].fd, KVM_GET_TSC_KHZ, 0);
	run.tsc_khz = khz > 0 ? (uint64_t)khz : 0;
	if (get_le32(buf + 12))
		printf("bench latency: %u interrupts lost and retried\n",
		       get_le32(buf + 12));
	ticks = malloc(b->samples * sizeof(*ticks));
	if (!ticks)
		return -1;
	for (mode = 0; mode < BENCH_MODES; mode++) {
		for (i = 0; i < b->samples; i++)
			ticks[i] = get_le64(buf + BENCH_BUF_HEADER +
					    ((uint64_t)mode * b->samples + i) * 8) -
				   skew;
		run.wait = wait_names[mode];
		rc |= write_results(b, &run, ticks, b->samples);
	}
	free(ticks);
	return rc;
}

/* ipi: the AP's TSC runs ahead of the BSP's by this much. */
static int ipi_skew(struct vm *vm, uint64_t *skew, struct errbuf *err)
{
	uint64_t bsp, ap;

	if (bench_tsc_offset(vm->vcpus[0].fd, &bsp, err) ||
	    bench_tsc_offset(vm->vcpus[1].fd, &ap, err))
		return -1;
	*skew = ap - bsp;
	return 0;
}

/* device and net: a host thread triggers each sample (bench_device.c). */
static bool has_trigger(const struct bench_options *b)
{
	return b->source == BENCH_SOURCE_DEVICE || b->source == BENCH_SOURCE_NET;
}

static int bench_latency(const struct bench_options *b)
{
	static struct vm vm = { .dev_fd = -1, .fd = -1 };
	static struct bench_device dev;
	static struct bench_hogs hogs;
	struct vmxlab_options opts = { 0 };
	struct errbuf err = { "" };
	char cmdline[128];
	uint64_t skew = 0;
	int status, rc;

	if (mkdir(b->out, 0755) && errno != EEXIST) {
		fprintf(stderr, "vmxlab bench: mkdir %s: %s\n", b->out,
			strerror(errno));
		return EXIT_SETUP;
	}
	snprintf(cmdline, sizeof(cmdline), "bench=%s samples=%u warmup=%u",
		 b->oneshot ? "oneshot" : bench_source_name(b->source),
		 b->samples, b->warmup);
	if (b->source == BENCH_SOURCE_NET) {
		opts.tap = b->tap;
		opts.net_backend = b->backend;
	}
	opts.command = CMD_RUN;
	opts.kernel = b->kernel;
	opts.cmdline = cmdline;
	opts.device = b->device;
	opts.mem_mb = 64;
	opts.cpus = b->source == BENCH_SOURCE_IPI ? 2 : 1;
	opts.irqchip = b->irqchip;
	/* The timer source with the launcher's LAPIC: its TSC-deadline timer. */
	opts.user_tsc_deadline = b->irqchip == IRQCHIP_USER && !b->oneshot;
	vm.pin_vcpus = true;

	printf("bench latency: %s, %s irqchip, %u samples per state after %u discarded, %u CPU hogs; %s\n",
	       b->device, irqchip_mode_name(b->irqchip), b->samples, b->warmup,
	       b->hogs, b->real_time ? "real time" :
	       "lab path lengths (not real time: see docs/latency.md)");
	fflush(stdout);
	vm_block_signals();
	if (launcher_setup(&vm, &opts, &err)) {
		fprintf(stderr, "vmxlab bench: %s\n", err.msg);
		vm_close(&vm);
		return EXIT_SETUP;
	}
	if ((has_trigger(b) &&
	     bench_device_start(&dev, &vm,
				BENCH_MODES * (b->samples + b->warmup),
				b->source == BENCH_SOURCE_NET ? b->tap : NULL,
				&err)) ||
	    (b->source == BENCH_SOURCE_IPI && ipi_skew(&vm, &skew, &err))) {
		fprintf(stderr, "vmxlab bench: %s\n", err.msg);
		vm_close(&vm);
		return EXIT_SETUP;
	}
	if (bench_hogs_start(&hogs, b->hogs, &err)) {
		fprintf(stderr, "vmxlab bench: %s\n", err.msg);
		if (has_trigger(b))
			bench_device_stop(&dev);
		vm_close(&vm);
		return EXIT_SETUP;
	}
	devices_start(&vm);
	status = vm_run(&vm);
	devices_exit(&vm);
	bench_hogs_stop(&hogs);
	if (has_trigger(b)) {
		bench_device_stop(&dev);
		bench_device_report(&dev);
	}
	if (status != 1) {
		fprintf(stderr, "vmxlab bench: the guest failed (%s, status %d)\n",
			vm.exit_reason, status);
		vm_close(&vm);
		return status ? status : 1;
	}
	if (b->source == BENCH_SOURCE_IPI && vm.vcpus[0].pinned_cpu >= 0 &&
	    vm.vcpus[1].pinned_cpu >= 0)
		printf("bench latency: vCPU 0 on CPU %d, vCPU 1 on CPU %d\n",
		       vm.vcpus[0].pinned_cpu, vm.vcpus[1].pinned_cpu);
	else if (b->source == BENCH_SOURCE_IPI)
		printf("bench latency: the vCPUs are not on CPUs of their own\n");
	rc = read_samples(&vm, b, skew);
	vm_close(&vm);
	return rc ? 1 : 0;
}

int bench_main(int argc, char **argv)
{
	struct bench_options b;
	struct errbuf err = { "" };

	if (bench_options_parse(argc, argv, &b, &err)) {
		fprintf(stderr, "vmxlab: %s\n", err.msg);
		return EXIT_USAGE;
	}
	if (b.help) {
		fputs(bench_usage, stdout);
		return 0;
	}
	return bench_latency(&b);
}
