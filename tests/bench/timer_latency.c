// SPDX-License-Identifier: GPL-2.0
/*
 * TSC-deadline timer latency: guest TSC ticks from the programmed deadline
 * to the first instruction of the guest's interrupt handler, with the
 * irqchip in the kernel, under vmxlab and KVM in the same run. Two guest
 * behaviours: halted while waiting (the vCPU sleeps in the host) and
 * spinning (the vCPU is in guest mode when the timer fires).
 *
 * Usage: timer_latency [SAMPLES]   (default 1000)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "guest.h"
#include "apic.h"

#define MAX_SAMPLES	4096
#define DEADLINE_DELTA	20000	/* ticks from programming to deadline */
#define VEC_TIMER	0x41

enum wait_mode { WAIT_HLT, WAIT_SPIN, NR_MODES };

static const char * const mode_name[NR_MODES] = { "halted", "spinning" };

uint64_t latency[MAX_SAMPLES];

static void guest_latency(uint64_t n, uint64_t mode)
{
	uint64_t i, before, deadline;

	apic_enable();
	apic_write(APIC_LVTT, VEC_TIMER | LVT_TSC_DEADLINE);
	for (i = 0; i < n; i++) {
		before = isr_count;
		deadline = guest_rdtsc() + DEADLINE_DELTA;
		wrmsr(MSR_TSC_DEADLINE, deadline);
		if (mode == WAIT_HLT) {
			while (isr_count == before)
				sti_hlt();
		} else {
			asm volatile("sti");
			while (isr_count == before)
				asm volatile("pause");
		}
		asm volatile("cli");
		latency[i] = isr_tsc - deadline;
	}
	GUEST_DONE();
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	uint64_t median, p99, max;
	bool valid;
};

static struct stats measure(const char *path, unsigned int n,
			    enum wait_mode mode)
{
	struct stats st = {};
	struct kvm_cpuid2 *cpuid;
	struct kvm_cpuid_entry2 *leaf1;
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;

	if (guest_device_unusable(path))
		return st;
	vm = vm_create(path);
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0)) {
		fprintf(stderr, "%s: KVM_CREATE_IRQCHIP: %s\n", path,
			strerror(errno));
		goto out;
	}
	vcpu = vm_add_vcpu(vm, 0, guest_latency);
	cpuid = default_cpuid(vm);
	leaf1 = cpuid_find(cpuid, 1, 0);
	if (leaf1)
		leaf1->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
	set_idt_handler(vm, VEC_TIMER, isr_apic_stub);
	vcpu_args_set(vcpu, 2, (uint64_t)n, (uint64_t)mode);

	if (vcpu_run(vcpu) || get_ucall(vcpu, &uc) != UCALL_DONE) {
		char buf[256];

		fprintf(stderr, "%s %s: %s\n", path, mode_name[mode],
			exit_str(vcpu, buf, sizeof(buf)));
		goto out;
	}
	vm_sync_from_guest(vm, latency, n * sizeof(latency[0]));
	qsort(latency, n, sizeof(latency[0]), cmp_u64);
	st.median = latency[n / 2];
	st.p99 = latency[(n * 99) / 100];
	st.max = latency[n - 1];
	st.valid = true;
out:
	vm_free(vm);
	return st;
}

int main(int argc, char **argv)
{
	static const char * const paths[] = { "/dev/vmxlab", "/dev/kvm" };
	unsigned int n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000;
	struct stats st[2][NR_MODES];
	int pass = 0, fail = 0;
	int d, m;

	if (n < 1 || n > MAX_SAMPLES)
		n = 1000;
	for (d = 0; d < 2; d++) {
		for (m = 0; m < NR_MODES; m++) {
			st[d][m] = measure(paths[d], n, m);
			if (st[d][m].valid)
				pass++;
			else
				fail++;
		}
	}

	printf("# TSC-deadline timer latency, guest TSC ticks from deadline to handler (%u samples)\n",
	       n);
	printf("# %-9s %-8s %10s %10s %10s\n", "device", "guest", "median",
	       "p99", "max");
	for (d = 0; d < 2; d++)
		for (m = 0; m < NR_MODES; m++)
			printf("# %-9s %-8s %10llu %10llu %10llu\n",
			       paths[d] + 5, mode_name[m],
			       (unsigned long long)st[d][m].median,
			       (unsigned long long)st[d][m].p99,
			       (unsigned long long)st[d][m].max);
	for (m = 0; m < NR_MODES; m++)
		if (st[0][m].valid && st[1][m].valid)
			printf("# %-8s median vmxlab/kvm %.2f\n", mode_name[m],
			       (double)st[0][m].median / st[1][m].median);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       pass, fail);
	return fail ? 1 : 0;
}
