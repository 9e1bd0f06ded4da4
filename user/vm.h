/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine: the device (/dev/vmxlab or /dev/kvm), the VM, its memory,
 * the trapped-range table, the interrupt controllers and the vCPUs, and
 * how a run ends. One struct vm per launcher process.
 */
#ifndef VMXLAB_USER_VM_H
#define VMXLAB_USER_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "boot/boot.h"
#include "errbuf.h"
#include "guest_mem.h"
#include "io_bus.h"
#include "options.h"

/* Exit statuses of the launcher (see options_run_usage) */
#define EXIT_GUEST_OFF		0
#define EXIT_USAGE		2
#define EXIT_SETUP		3
#define EXIT_GUEST_CRASH	4
#define EXIT_INTERRUPTED	130

#define VCPU_EXIT_REASONS	64	/* KVM_EXIT_* counted per vCPU */

struct irqchip;
struct device;

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	int pinned_cpu;		/* vm->pin_vcpus: where it runs, or -1 */
	uint64_t exits[VCPU_EXIT_REASONS];	/* exits to the launcher */
	void *irq;		/* the irqchip mode's per-vCPU state */
};

struct vm {
	const struct vmxlab_options *opts;
	int dev_fd;
	int fd;
	bool is_vmxlab;
	int run_size;
	struct guest_mem mem;
	struct io_bus bus;
	struct irqchip *irqchip;
	struct device *devices;	/* devices/device.h, in init order */
	unsigned int nr_vcpus;
	struct vcpu vcpus[OPT_MAX_CPUS];
	struct kvm_cpuid2 *cpuid;	/* what the device supports */
	bool pin_vcpus;		/* vCPU N's thread on allowed CPU N (bench) */
	/* Called once the run ends, before the vCPU threads are stopped. */
	void (*before_stop)(void *arg);
	void *before_stop_arg;
	pthread_t main_thread;

	/* how the run ends: the first stop request wins */
	pthread_mutex_t stop_lock;
	bool stopping;
	int exit_status;
	char exit_reason[160];
};

/* Open the device and create the VM, with a clear message on failure. */
int vm_open(struct vm *vm, const struct vmxlab_options *opts,
	    struct errbuf *err);
int vm_setup_memory(struct vm *vm, struct errbuf *err);
void vm_close(struct vm *vm);

int vcpu_create(struct vm *vm, unsigned int id, struct errbuf *err);
int vcpu_set_boot_state(struct vcpu *vcpu, const struct boot_entry *entry,
			struct errbuf *err);
void vcpu_dump(struct vcpu *vcpu);

/*
 * End the run with this exit status (first caller wins); reason is
 * printed on stderr at the end if not NULL. Any thread may call it.
 */
void vm_request_stop(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool vm_is_stopping(struct vm *vm);

/*
 * Called first, before any thread exists: every thread then leaves the
 * stop signals (SIGINT, SIGTERM, SIGHUP) to vm_run()'s sigwait.
 */
void vm_block_signals(void);

/* Run every vCPU on its own thread until a stop; returns the status. */
int vm_run(struct vm *vm);

/* The vCPU whose thread this is (NULL outside vCPU threads). */
extern __thread struct vcpu *vcpu_current;

/* The @n-th CPU this process may run on (wrapping), -1 if under two. */
int vm_pick_cpu(unsigned int n);
/* pthread_setaffinity_np() to one CPU: 0 or its error number. */
int vm_pin_thread(pthread_t thread, int cpu);

/* Force a vCPU out of KVM_RUN (it re-checks what it should do). */
void vcpu_kick(struct vcpu *vcpu);

void vm_print_stats(struct vm *vm);

#endif
