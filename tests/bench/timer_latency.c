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
	if (vcpu_enable_tsc_deadline(vcpu)) {
		fprintf(stderr, "%s: KVM_SET_CPUID2 failed\n", path);
		goto out;
	}
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

#define PTIMER_PARAM	"/sys/module/vmxlab/parameters/preemption_timer"

/* vmxlab's option: time the deadline with the VMX preemption timer. */
static bool set_preemption_timer(bool on)
{
	FILE *f = fopen(PTIMER_PARAM, "we");
	bool ok;

	if (!f)
		return false;
	ok = fputs(on ? "Y" : "N", f) >= 0;
	return !fclose(f) && ok;
}

enum setup { VMXLAB_HRTIMER, VMXLAB_PTIMER, KVM, NR_SETUPS };

static const char * const setup_name[NR_SETUPS] = {
	"vmxlab (hrtimer)", "vmxlab (VMX preemption timer)", "kvm",
};

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000;
	struct stats st[NR_SETUPS][NR_MODES];
	int pass = 0, fail = 0;
	int d, m;

	if (n < 1 || n > MAX_SAMPLES)
		n = 1000;
	for (d = 0; d < NR_SETUPS; d++) {
		const char *path = d == KVM ? "/dev/kvm" : "/dev/vmxlab";

		if (d != KVM && !set_preemption_timer(d == VMXLAB_PTIMER)) {
			fprintf(stderr, "cannot set %s\n", PTIMER_PARAM);
			memset(st[d], 0, sizeof(st[d]));
			fail += NR_MODES;
			continue;
		}
		for (m = 0; m < NR_MODES; m++) {
			st[d][m] = measure(path, n, m);
			if (st[d][m].valid)
				pass++;
			else
				fail++;
		}
	}
	set_preemption_timer(false);

	printf("# TSC-deadline timer latency, guest TSC ticks from deadline to handler (%u samples)\n",
	       n);
	printf("# %-30s %-8s %10s %10s %10s\n", "irqchip in the kernel of",
	       "guest", "median", "p99", "max");
	for (d = 0; d < NR_SETUPS; d++)
		for (m = 0; m < NR_MODES; m++)
			printf("# %-30s %-8s %10llu %10llu %10llu\n",
			       setup_name[d], mode_name[m],
			       (unsigned long long)st[d][m].median,
			       (unsigned long long)st[d][m].p99,
			       (unsigned long long)st[d][m].max);
	for (d = VMXLAB_HRTIMER; d <= VMXLAB_PTIMER; d++)
		for (m = 0; m < NR_MODES; m++)
			if (st[d][m].valid && st[KVM][m].valid)
				printf("# %s, %s: median vmxlab/kvm %.2f\n",
				       setup_name[d], mode_name[m],
				       (double)st[d][m].median /
				       st[KVM][m].median);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       pass, fail);
	return fail ? 1 : 0;
}
