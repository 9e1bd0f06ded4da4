// SPDX-License-Identifier: GPL-2.0
/*
 * Exit-cost benchmark: guest TSC ticks per round trip of an exit handled
 * in the kernel (CPUID, VMCALL) and of one that goes to userspace and back
 * (OUT), on /dev/vmxlab and /dev/kvm in the same run, side by side.
 *
 * In the lab the guest TSC counts emulated instructions, so the figures
 * are path lengths: repeatable, and comparable as ratios.
 *
 * Usage: exit_cost [ITERATIONS]   (default 20000)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#define MEM_SIZE	0x10000
#define CODE_GPA	0x1000
#define TSC_GPA		0x600
#define BENCH_PORT	0xe0

extern const unsigned char exit_cost_guest[], exit_cost_guest_end[];

enum bench_kind { BENCH_CPUID, BENCH_VMCALL, BENCH_PIO, NR_BENCH };

static const char * const bench_name[NR_BENCH] = {
	"cpuid (in kernel)", "vmcall (in kernel)", "port I/O (userspace)",
};

struct guest {
	int vm, vcpu;
	struct kvm_run *run;
	unsigned char *mem;
	size_t run_size;
};

static int guest_create(struct guest *g, int dev)
{
	struct kvm_userspace_memory_region region = {
		.memory_size = MEM_SIZE,
	};
	int size;

	g->vm = ioctl(dev, KVM_CREATE_VM, 0);
	if (g->vm < 0)
		return -errno;
	g->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->mem == MAP_FAILED)
		return -errno;
	memcpy(g->mem + CODE_GPA, exit_cost_guest,
	       exit_cost_guest_end - exit_cost_guest);
	region.userspace_addr = (unsigned long)g->mem;
	if (ioctl(g->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	g->vcpu = ioctl(g->vm, KVM_CREATE_VCPU, 0);
	if (g->vcpu < 0)
		return -errno;
	size = ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		return -errno;
	g->run_size = size;
	g->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      g->vcpu, 0);
	return g->run == MAP_FAILED ? -errno : 0;
}

static void guest_destroy(struct guest *g)
{
	if (g->run && g->run != MAP_FAILED)
		munmap(g->run, g->run_size);
	if (g->mem && g->mem != MAP_FAILED)
		munmap(g->mem, MEM_SIZE);
	if (g->vcpu >= 0)
		close(g->vcpu);
	if (g->vm >= 0)
		close(g->vm);
}

static int guest_start(struct guest *g, enum bench_kind kind, unsigned int n)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = CODE_GPA, .rflags = 2, .rsi = n, .rbx = kind,
	};

	if (ioctl(g->vcpu, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(g->vcpu, KVM_SET_SREGS, &sregs) ||
	    ioctl(g->vcpu, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

/* Run the loop to its HLT; returns ticks per iteration or a negative. */
static double bench_one(int dev, enum bench_kind kind, unsigned int n)
{
	struct guest g = { .vm = -1, .vcpu = -1 };
	uint64_t start, end;
	unsigned int ios = 0;
	double ticks = -1;

	if (guest_create(&g, dev) || guest_start(&g, kind, n))
		goto out;
	for (;;) {
		if (ioctl(g.vcpu, KVM_RUN, 0)) {
			fprintf(stderr, "KVM_RUN: %s\n", strerror(errno));
			goto out;
		}
		if (g.run->exit_reason == KVM_EXIT_HLT)
			break;
		if (g.run->exit_reason != KVM_EXIT_IO ||
		    g.run->io.port != BENCH_PORT) {
			fprintf(stderr, "unexpected exit %u\n",
				g.run->exit_reason);
			goto out;
		}
		ios++;
	}
	if (kind == BENCH_PIO && ios != n) {
		fprintf(stderr, "%u port exits for %u iterations\n", ios, n);
		goto out;
	}
	memcpy(&start, g.mem + TSC_GPA, 8);
	memcpy(&end, g.mem + TSC_GPA + 8, 8);
	ticks = (double)(end - start) / n;
out:
	guest_destroy(&g);
	return ticks;
}

int main(int argc, char **argv)
{
	static const char * const paths[] = { "/dev/vmxlab", "/dev/kvm" };
	unsigned int n = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	double ticks[2][NR_BENCH];
	int pass = 0, fail = 0, skip = 0;
	int d, k;

	for (d = 0; d < 2; d++) {
		int dev = open(paths[d], O_RDWR | O_CLOEXEC);

		for (k = 0; k < NR_BENCH; k++) {
			ticks[d][k] = dev < 0 ? -1 : bench_one(dev, k, n);
			if (dev < 0)
				skip++;
			else if (ticks[d][k] < 0)
				fail++;
			else
				pass++;
		}
		if (dev >= 0)
			close(dev);
	}

	printf("# exit cost, guest TSC ticks per round trip (%u iterations)\n", n);
	printf("# %-22s %10s %10s %8s\n", "exit", "vmxlab", "kvm",
	       "vmxlab/kvm");
	for (k = 0; k < NR_BENCH; k++) {
		printf("# %-22s %10.0f %10.0f", bench_name[k], ticks[0][k],
		       ticks[1][k]);
		if (ticks[0][k] > 0 && ticks[1][k] > 0)
			printf(" %8.2f", ticks[0][k] / ticks[1][k]);
		printf("\n");
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, fail, skip);
	return fail ? 1 : 0;
}
