/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxlab bench latency --source device and --source net: the host thread
 * that raises the guest's interrupt, or sends it a frame (bench_device.c).
 */
#ifndef VMXLAB_USER_BENCH_DEVICE_H
#define VMXLAB_USER_BENCH_DEVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "errbuf.h"

struct vm;

struct bench_device {
	struct vm *vm;
	volatile void *mailbox;		/* in guest memory */
	uint64_t tsc_offset;		/* guest TSC = host TSC + this */
	int efd;
	int pkt;			/* net: a packet socket on the tap */
	int ifindex;			/* net: the tap's */
	unsigned int triggers;		/* the guest's samples, warm-up too */
	unsigned int lost;		/* interrupts fired again */
	bool pinned;			/* the trigger on a CPU of its own */
	int cpu;			/* which, or -1 */
	pthread_t thread, relay;
	bool thread_started, relay_started;
	_Atomic bool quit;
};

/* The vCPU's KVM_VCPU_TSC_OFFSET, with a message if the device has none. */
int bench_tsc_offset(int vcpu_fd, uint64_t *offset, struct errbuf *err);

/*
 * After launcher_setup(), before vm_run(): @triggers samples at most;
 * @tap names the tap to send frames into (net), or is NULL (device).
 */
int bench_device_start(struct bench_device *d, struct vm *vm,
		       unsigned int triggers, const char *tap,
		       struct errbuf *err);
/* After vm_run(): the threads end once the guest has. */
void bench_device_stop(struct bench_device *d);

/* Where the threads ran, and what was lost, for the report. */
void bench_device_report(const struct bench_device *d);

#endif
