// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: one thread per vCPU around KVM_RUN, exits dispatched
 * through the trapped-range table, and the end of a run.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP are blocked in every thread and
 * taken by the main thread with sigwait(), together with SIGUSR2, which
 * a thread sends to the main thread when it asks for a stop. The main
 * thread then kicks every vCPU out of KVM_RUN with SIGUSR1 (a no-op
 * handler, so KVM_RUN returns EINTR) and immediate_exit, joins them and
 * returns the exit status. Nothing exits the process from a vCPU thread,
 * so the terminal is always restored by the one normal exit path.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "irqchip/irqchip.h"
#include "vm.h"

#define SIG_KICK	SIGUSR1

__thread struct vcpu *vcpu_current;
#define SIG_STOPPED	SIGUSR2

void vm_request_stop(struct vm *vm, int status, const char *fmt, ...)
{
	bool first;
	va_list ap;

	pthread_mutex_lock(&vm->stop_lock);
	first = !vm->stopping;
	if (first) {
		vm->stopping = true;
		vm->exit_status = status;
		if (fmt) {
			va_start(ap, fmt);
			vsnprintf(vm->exit_reason, sizeof(vm->exit_reason), fmt, ap);
			va_end(ap);
		}
	}
	pthread_mutex_unlock(&vm->stop_lock);
	if (first)
		pthread_kill(vm->main_thread, SIG_STOPPED);
}

bool vm_is_stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE);
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (vcpu->thread_started && !pthread_equal(vcpu->thread, pthread_self()))
		pthread_kill(vcpu->thread, SIG_KICK);
}

static void vcpu_exit_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i;

	for (i = 0; i < run->io.count; i++, data += run->io.size)
		io_bus_dispatch(&vcpu->vm->bus, IO_SPACE_PORT, run->io.port,
				data, run->io.size,
				run->io.direction == KVM_EXIT_IO_OUT);
}

static void vcpu_exit_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len > 8)
		return;
	io_bus_dispatch(&vcpu->vm->bus, IO_SPACE_MMIO, run->mmio.phys_addr,
			run->mmio.data, run->mmio.len, run->mmio.is_write);
}

static void vcpu_exit_crash(struct vcpu *vcpu, const char *what)
{
	struct kvm_run *run = vcpu->run;

	vm_request_stop(vcpu->vm, EXIT_GUEST_CRASH, "vCPU %u: %s", vcpu->id,
			what);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		fprintf(stderr, "vCPU %u: internal error suberror %u\n",
			vcpu->id, run->internal.suberror);
	if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		fprintf(stderr, "vCPU %u: entry failed, reason 0x%llx\n",
			vcpu->id, (unsigned long long)
			run->fail_entry.hardware_entry_failure_reason);
	vcpu_dump(vcpu);
}

/* false: the vCPU thread is done */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vm *vm = vcpu->vm;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_exit_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_exit_mmio(vcpu);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		vcpu_exit_crash(vcpu, "triple fault (KVM_EXIT_SHUTDOWN)");
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_exit_crash(vcpu, "internal error");
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_exit_crash(vcpu, "VM entry failed");
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vm_request_stop(vm, EXIT_GUEST_OFF, "guest %s",
				run->system_event.type == KVM_SYSTEM_EVENT_RESET ?
				"reset" : "powered off");
		return false;
	default:
		if (vm->irqchip->ops->handle_exit &&
		    vm->irqchip->ops->handle_exit(vcpu))
			return true;
		if (run->exit_reason == KVM_EXIT_HLT) {
			vm_request_stop(vm, EXIT_GUEST_OFF,
					"vCPU %u halted with nothing to wake it",
					vcpu->id);
			return false;
		}
		vm_request_stop(vm, EXIT_GUEST_CRASH,
				"vCPU %u: unexpected exit reason %u", vcpu->id,
				run->exit_reason);
		vcpu_dump(vcpu);
		return false;
	}
}

int vm_pick_cpu(unsigned int n)
{
	cpu_set_t allowed;
	int cpu, count;

	if (sched_getaffinity(0, sizeof(allowed), &allowed))
		return -1;
	count = CPU_COUNT(&allowed);
	if (count < 2)
		return -1;
	n %= count;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &allowed) && !n--)
			return cpu;
	return -1;
}

int vm_pin_thread(pthread_t thread, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(thread, sizeof(set), &set);
}

/* On a CPU of its own where there are enough; a failure only costs that. */
static void vcpu_pin_thread(struct vcpu *vcpu)
{
	int cpu = vm_pick_cpu(vcpu->id), rc;

	if (cpu < 0)
		return;
	rc = vm_pin_thread(pthread_self(), cpu);
	if (rc)
		fprintf(stderr, "vmxlab: vCPU %u stays unpinned: %s\n",
			vcpu->id, strerror(rc));
	else
		vcpu->pinned_cpu = cpu;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	const struct irqchip_ops *irq = vm->irqchip->ops;
	char name[16];

	vcpu_current = vcpu;
	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	if (vm->pin_vcpus)
		vcpu_pin_thread(vcpu);
	while (!vm_is_stopping(vm)) {
		if (irq->pre_run)
			irq->pre_run(vcpu);
		if (vm_is_stopping(vm))
			break;
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vcpu->exits[KVM_EXIT_INTR]++;
				continue;
			}
			vm_request_stop(vm, EXIT_GUEST_CRASH,
					"vCPU %u: KVM_RUN: %s", vcpu->id,
					strerror(errno));
			break;
		}
		if (vcpu->run->exit_reason < VCPU_EXIT_REASONS)
			vcpu->exits[vcpu->run->exit_reason]++;
		if (!vcpu_handle_exit(vcpu))
			break;
	}
	return NULL;
}

static void on_kick(int sig)
{
}

static void vm_stop_vcpus(struct vm *vm)
{
	struct timespec deadline;
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		if (!vcpu->thread_started)
			continue;
		/* kick until it is out: a kick can land just before KVM_RUN */
		for (;;) {
			vcpu->run->immediate_exit = 1;
			if (vm->irqchip->ops->wake)
				vm->irqchip->ops->wake(vcpu);
			pthread_kill(vcpu->thread, SIG_KICK);
			clock_gettime(CLOCK_REALTIME, &deadline);
			deadline.tv_nsec += 50 * 1000 * 1000;
			if (deadline.tv_nsec >= 1000000000) {
				deadline.tv_sec++;
				deadline.tv_nsec -= 1000000000;
			}
			if (!pthread_timedjoin_np(vcpu->thread, NULL, &deadline))
				break;
		}
		vcpu->thread_started = false;
	}
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIG_STOPPED);
}

void vm_block_signals(void)
{
	struct sigaction sa = { .sa_handler = on_kick };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(SIG_KICK, &sa, NULL);	/* no SA_RESTART: KVM_RUN gets EINTR */
	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int vm_run(struct vm *vm)
{
	sigset_t waitset;
	unsigned int i;
	int sig;

	stop_signals(&waitset);

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		vcpu->pinned_cpu = -1;
		if (pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu)) {
			vm_request_stop(vm, EXIT_SETUP, "cannot start vCPU thread %u",
					i);
			break;
		}
		vcpu->thread_started = true;
	}

	for (;;) {
		if (sigwait(&waitset, &sig))
			continue;
		if (sig == SIG_STOPPED && vm_is_stopping(vm))
			break;
		if (sig != SIG_STOPPED) {
			vm_request_stop(vm, EXIT_INTERRUPTED, "interrupted (%s)",
					strsignal(sig));
			break;
		}
	}
	if (vm->before_stop)
		vm->before_stop(vm->before_stop_arg);
	vm_stop_vcpus(vm);
	return vm->exit_status;
}
