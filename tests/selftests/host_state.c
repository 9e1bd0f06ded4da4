// SPDX-License-Identifier: GPL-2.0
/*
 * What a VM exit takes from the host must be back before the host needs
 * it. Each test has the host use something an exit clobbers, runs a
 * guest through many exits, then checks the host still has it, on
 * /dev/vmxlab and /dev/kvm:
 *   a hardware breakpoint (an exit sets DR7 to 0x400);
 *   IA32_DEBUGCTL (an exit clears it);
 *   the I/O bitmap of an ioperm() task (an exit sets the TR limit to 0x67);
 *   an LDT from modify_ldt() (an exit leaves LDTR null).
 * And, on vmxlab: an IBPB between the VMCSs of two VMs sharing a CPU, and
 * host machine checks intercepted rather than left to the guest.
 */
#include <sched.h>
#include <stdio.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <asm/ldt.h>
#include <linux/hw_breakpoint.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define EXITS		50
#define MSR_DEBUGCTL	0x1d9
#define DEBUGCTL_BTF	(1ULL << 1)
#define MC_VECTOR	18

static volatile uint64_t watched;

static void guest_sync_loop(void)
{
	uint64_t i;

	for (i = 0; i < EXITS; i++)
		GUEST_SYNC(i);
	GUEST_DONE();
}

/* A guest on @path that makes EXITS round trips to userspace. */
static int run_guest_exits(const char *path)
{
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm = vm_create_with_vcpu(path, guest_sync_loop, &vcpu);
	int i, bad = 0;

	for (i = 0; i <= EXITS && !bad; i++) {
		if (vcpu_run(vcpu))
			bad = 1;
		else if (get_ucall(vcpu, &uc) != (i < EXITS ? UCALL_SYNC :
						     UCALL_DONE))
			bad = 1;
	}
	vm_free(vm);
	return bad;
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

FIXTURE(host) {
};

FIXTURE_VARIANT(host) {
	const char *path;
};

FIXTURE_VARIANT_ADD(host, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(host, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(host)
{
	pin_to_cpu(0);
}

FIXTURE_TEARDOWN(host)
{
	if (!strcmp(variant->path, VMXLAB_DEV))
		EXPECT_VMXLAB_HOLDS_NOTHING();
}

static long perf_open(struct perf_event_attr *attr)
{
	return syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
}

static uint64_t read_count(int fd)
{
	uint64_t count = 0;

	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return ~0ULL;
	return count;
}

TEST_F(host, hardware_breakpoint_survives_exits)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (uintptr_t)&watched,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.sample_period = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	int fd;

	GUEST_DEVICE_OR_SKIP(variant->path);
	fd = perf_open(&attr);
	ASSERT_GE(fd, 0) TH_LOG("perf_event_open: %s", strerror(errno));
	watched = 1;
	ASSERT_EQ(1ULL, read_count(fd)) TH_LOG("the CPU has no working DR7");

	ASSERT_EQ(0, run_guest_exits(variant->path));
	watched = 2;
	EXPECT_EQ(2ULL, read_count(fd)) TH_LOG("the breakpoint was lost");
	close(fd);
}

static int msr_fd(int cpu)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	return open(path, O_RDWR | O_CLOEXEC);
}

TEST_F(host, debugctl_survives_exits)
{
	uint64_t before, value, after;
	int fd;

	GUEST_DEVICE_OR_SKIP(variant->path);
	fd = msr_fd(0);
	if (fd < 0 && !vmxlab_in_lab())
		SKIP(return, "no /dev/cpu/0/msr (modprobe msr)");
	ASSERT_GE(fd, 0) TH_LOG("/dev/cpu/0/msr: %s", strerror(errno));
	ASSERT_EQ(8, pread(fd, &before, 8, MSR_DEBUGCTL));
	value = before | DEBUGCTL_BTF;
	ASSERT_EQ(8, pwrite(fd, &value, 8, MSR_DEBUGCTL))
		TH_LOG("the CPU refuses DEBUGCTL.BTF: %s", strerror(errno));
	ASSERT_EQ(8, pread(fd, &value, 8, MSR_DEBUGCTL));
	/* Bochs, the lab's CPU, has no DEBUGCTL: writes vanish. */
	if (!(value & DEBUGCTL_BTF))
		SKIP(return, "this CPU does not keep DEBUGCTL.BTF");

	ASSERT_EQ(0, run_guest_exits(variant->path));
	ASSERT_EQ(8, pread(fd, &after, 8, MSR_DEBUGCTL));
	EXPECT_EQ(value, after) TH_LOG("DEBUGCTL after the guest ran");
	ASSERT_EQ(8, pwrite(fd, &before, 8, MSR_DEBUGCTL));
	close(fd);
}

/* Run @fn in a child; it must exit 0, not die of a signal. */
static int in_child(int (*fn)(const char *path), const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		pin_to_cpu(0);
		_exit(fn(path));
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int ioperm_then_guest(const char *path)
{
	if (ioperm(0x80, 1, 1))
		return 2;
	outb(0, 0x80);
	if (run_guest_exits(path))
		return 3;
	/* With the TR limit left at 0x67 the bitmap is gone: SIGSEGV. */
	outb(0, 0x80);
	return 0;
}

TEST_F(host, io_bitmap_survives_exits)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	EXPECT_EQ(0, in_child(ioperm_then_guest, variant->path))
		TH_LOG("129+ is a signal: 139 is SIGSEGV");
}

static int ldt_then_guest(const char *path)
{
	struct user_desc desc = {
		.entry_number = 0, .base_addr = 0, .limit = 0xfffff,
		.seg_32bit = 1, .limit_in_pages = 1, .useable = 1,
	};
	uint16_t sel = 0x7;	/* LDT entry 0, RPL 3 */

	if (syscall(SYS_modify_ldt, 1, &desc, sizeof(desc)))
		return 2;
	asm volatile("mov %0, %%gs; mov %1, %%gs" : : "r"(sel), "r"(0));
	if (run_guest_exits(path))
		return 3;
	/* A null LDTR makes this load #GP: SIGSEGV. */
	asm volatile("mov %0, %%gs; mov %1, %%gs" : : "r"(sel), "r"(0));
	return 0;
}

TEST_F(host, ldt_survives_exits)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	EXPECT_EQ(0, in_child(ldt_then_guest, variant->path))
		TH_LOG("129+ is a signal: 139 is SIGSEGV");
}

static unsigned long ibpb_count(void)
{
	struct vmx_state st;

	return vmx_state_read(&st) ? ~0UL : st.vm_switch_ibpb;
}

/* Run vCPU a, then b, @rounds times, each one exit, on this CPU. */
static void alternate(struct __test_metadata *_metadata, struct vcpu *a,
		      struct vcpu *b, int rounds)
{
	struct ucall uc;
	int i;

	for (i = 0; i < rounds; i++) {
		RUN_UCALL(a, UCALL_SYNC, &uc);
		RUN_UCALL(b, UCALL_SYNC, &uc);
	}
}

static void guest_sync_forever(void)
{
	for (;;)
		GUEST_SYNC(0);
}

TEST(vmxlab_ibpb_between_vms_not_within_one)
{
	struct vcpu *a, *b, *c;
	struct vm *vm1, *vm2;
	unsigned long before, mid, after;

	GUEST_DEVICE_OR_SKIP(VMXLAB_DEV);
	pin_to_cpu(0);
	vm1 = vm_create_with_vcpu(VMXLAB_DEV, guest_sync_forever, &a);
	b = vm_add_vcpu(vm1, 1, guest_sync_forever);
	vm2 = vm_create_with_vcpu(VMXLAB_DEV, guest_sync_forever, &c);

	alternate(_metadata, a, b, 1);
	before = ibpb_count();
	ASSERT_NE(~0UL, before) TH_LOG("%s unreadable", VMXLAB_DEBUGFS_CPUS);
	alternate(_metadata, a, b, 10);
	mid = ibpb_count();
	EXPECT_EQ(before, mid) TH_LOG("vCPUs of one VM trust each other");
	alternate(_metadata, a, c, 10);
	after = ibpb_count();
	/* a (same VM as before), c, a, c, ...: 19 switches of VM. */
	EXPECT_EQ(mid + 19, after) TH_LOG("one IBPB per switch of VM");
	vm_free(vm1);
	vm_free(vm2);
	EXPECT_VMXLAB_HOLDS_NOTHING();
}

/* The VMCS field as vmxlab's debugfs shows it, or -1. */
static long vmcs_field(const char *name)
{
	char cmd[160], key[64];
	unsigned long value;
	long found = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "cat /sys/kernel/debug/vmxlab/vm%d-*/vcpu0/vmcs", getpid());
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lx", key, &value) == 2)
		if (!strcmp(key, name))
			found = value;
	pclose(f);
	return found;
}

/*
 * A machine check taken while a guest runs belongs to the host: #MC is
 * in the exception bitmap of every vCPU. (No CPU of the lab can raise a
 * real one; the handler path is exercised only on real hardware.)
 */
TEST(vmxlab_machine_checks_exit_to_the_host)
{
	struct vcpu *vcpu;
	struct vm *vm;
	long bitmap;

	GUEST_DEVICE_OR_SKIP(VMXLAB_DEV);
	vm = vm_create_with_vcpu(VMXLAB_DEV, guest_sync_forever, &vcpu);
	bitmap = vmcs_field("exception_bitmap");
	ASSERT_NE(-1, bitmap) TH_LOG("no vmcs file in debugfs");
	EXPECT_TRUE(bitmap & (1L << MC_VECTOR));
	vm_free(vm);
}

TEST_HARNESS_MAIN
