// SPDX-License-Identifier: GPL-2.0
/*
 * What KVM clients (QEMU, Firecracker, programs written from api.rst) rely
 * on beyond the basic ABI, on /dev/vmxlab and /dev/kvm with the same
 * expectations: capability values that are numbers, the MCA banks, the
 * kvmclock MSRs as userspace saves them, XSAVE/XCRS/TSC_KHZ/CLOCK state
 * ioctls and their round trips, also from one VM into another, and the
 * vCPU's TSC offset attribute.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MC0_CTL		0x400
#define MSR_MC0_STATUS		0x401
#define MCG_CTL_P		(1ULL << 8)
#define MSR_KVM_WALL_CLOCK	0x11
#define MSR_KVM_SYSTEM_TIME	0x12
#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01
#define XSAVE_XMM0		160	/* offset in the legacy area */
#define XSAVE_XSTATE_BV		512
#define XMM_PATTERN		0x1122334455667788ULL

FIXTURE(client) {
	int fd;
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_VARIANT(client) {
	const char *path;
};

FIXTURE_VARIANT_ADD(client, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(client, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(client)
{
	self->fd = -1;
	self->vm = NULL;
}

FIXTURE_TEARDOWN(client)
{
	if (self->vm)
		vm_free(self->vm);
	if (self->fd >= 0)
		close(self->fd);
}

static void guest_report_xmm0(void)
{
	uint64_t lo;

	asm volatile("movq %%xmm0, %0" : "=r"(lo));
	GUEST_SYNC(lo);
	GUEST_DONE();
}

static struct vcpu *make_vcpu(struct __test_metadata *_metadata,
			      FIXTURE_DATA(client) *self, const char *path)
{
	self->vm = vm_create_with_vcpu(path, guest_report_xmm0, &self->vcpu);
	return self->vcpu;
}

/* api.rst: these capabilities answer with a number, not yes/no. */
TEST_F(client, capability_values)
{
	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	/* QEMU sizes its GSI table from it; 24 IOAPIC pins are not enough. */
	EXPECT_LE(1024, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING));
	EXPECT_LE(32, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS));
	EXPECT_EQ(32, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_MCE));
	EXPECT_LE((int)sizeof(struct kvm_xsave),
		  ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2));
	EXPECT_TRUE(ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_ADJUST_CLOCK) &
		    KVM_CLOCK_REALTIME);
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT_STATE2));
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_HLT));
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE));
	EXPECT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_TSC_KHZ));
}

static int set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value)
{
	return vcpu_set_msr(vcpu, index, value);
}

/* As KVM: 32 banks until KVM_X86_SETUP_MCE; then what userspace chose. */
TEST_F(client, mce_banks)
{
	uint64_t cap = 0, v;
	struct vcpu *vcpu;

	GUEST_DEVICE_OR_SKIP(variant->path);
	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	ASSERT_EQ(0, ioctl(self->fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &cap));
	EXPECT_TRUE(cap & MCG_CTL_P);
	vcpu = make_vcpu(_metadata, self, variant->path);
	ASSERT_EQ(1, vcpu_get_msr(vcpu, MSR_MCG_CAP, &v));
	EXPECT_EQ(32, v & 0xff);

	cap = 0;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap = 33;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap = 10 | (1ULL << 40);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	EXPECT_EQ(EINVAL, errno);

	/* QEMU's default CPU: 10 banks with MCG_CTL. */
	cap = 10 | MCG_CTL_P;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	ASSERT_EQ(1, vcpu_get_msr(vcpu, MSR_MCG_CAP, &v));
	EXPECT_EQ(cap, v);
	ASSERT_EQ(1, vcpu_get_msr(vcpu, MSR_MCG_CTL, &v));
	EXPECT_EQ(~0ULL, v);
	ASSERT_EQ(1, vcpu_get_msr(vcpu, MSR_MC0_CTL + 4 * 9, &v));
	EXPECT_EQ(~0ULL, v);
	EXPECT_EQ(0, vcpu_get_msr(vcpu, MSR_MC0_CTL + 4 * 10, &v));

	/* What QEMU puts at reset: all of it must go in. */
	EXPECT_EQ(1, set_msr(vcpu, MSR_MCG_STATUS, 0));
	EXPECT_EQ(1, set_msr(vcpu, MSR_MCG_CTL, ~0ULL));
	EXPECT_EQ(1, set_msr(vcpu, MSR_MC0_CTL, ~0ULL));
	EXPECT_EQ(1, set_msr(vcpu, MSR_MC0_STATUS, 0xb200000000000000ULL));
	ASSERT_EQ(1, vcpu_get_msr(vcpu, MSR_MC0_STATUS, &v));
	EXPECT_EQ(0xb200000000000000ULL, v);
	/* MCi_CTL is all ones or zero, MCG_CAP read-only. */
	EXPECT_EQ(0, set_msr(vcpu, MSR_MC0_CTL, 5));
	EXPECT_EQ(0, set_msr(vcpu, MSR_MCG_CTL, 5));
	EXPECT_EQ(0, set_msr(vcpu, MSR_MCG_CAP, 10));
}

/* QEMU 7.2 puts and gets these at every reset, whatever the CPUID says. */
TEST_F(client, kvmclock_msrs_from_the_host)
{
	static const uint32_t msrs[] = {
		MSR_KVM_WALL_CLOCK, MSR_KVM_SYSTEM_TIME,
		MSR_KVM_WALL_CLOCK_NEW, MSR_KVM_SYSTEM_TIME_NEW,
	};
	struct vcpu *vcpu;
	unsigned int i;
	uint64_t v;

	GUEST_DEVICE_OR_SKIP(variant->path);
	vcpu = make_vcpu(_metadata, self, variant->path);
	for (i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		EXPECT_EQ(1, set_msr(vcpu, msrs[i], 0)) TH_LOG("MSR %#x", msrs[i]);
		v = 1;
		EXPECT_EQ(1, vcpu_get_msr(vcpu, msrs[i], &v)) TH_LOG("MSR %#x", msrs[i]);
		EXPECT_EQ(0, v);
	}
}

static void set_xmm0(struct __test_metadata *_metadata, struct vcpu *vcpu,
		     uint64_t value)
{
	struct kvm_fpu fpu;

	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_FPU, &fpu));
	memcpy(fpu.xmm[0], &value, sizeof(value));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_FPU, &fpu));
}

/*
 * XSAVE state read on one VM and written into another: the guest there
 * finds the same XMM0. Also both sizes of the GET (XSAVE and XSAVE2).
 */
TEST_F(client, xsave_into_another_vm)
{
	static struct kvm_xsave xs, xs2;
	struct vcpu *other;
	struct vm *vm2;
	struct ucall uc;
	uint64_t v;

	GUEST_DEVICE_OR_SKIP(variant->path);
	make_vcpu(_metadata, self, variant->path);
	set_xmm0(_metadata, self->vcpu, XMM_PATTERN);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_XSAVE, &xs));
	memcpy(&v, (uint8_t *)xs.region + XSAVE_XMM0, sizeof(v));
	EXPECT_EQ(XMM_PATTERN, v);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_XSAVE2, &xs2));
	EXPECT_EQ(0, memcmp(&xs, &xs2, sizeof(xs)));

	vm2 = vm_create_with_vcpu(variant->path, guest_report_xmm0, &other);
	ASSERT_EQ(0, ioctl(other->fd, KVM_SET_XSAVE, &xs));
	RUN_UCALL(other, UCALL_SYNC, &uc);
	EXPECT_EQ(XMM_PATTERN, uc.args[0]);

	/* A reserved XSTATE_BV bit (63) is refused. */
	xs.region[XSAVE_XSTATE_BV / 4 + 1] |= 0x80000000u;
	EXPECT_EQ(-1, ioctl(other->fd, KVM_SET_XSAVE, &xs));
	EXPECT_EQ(EINVAL, errno);
	vm_free(vm2);
}

TEST_F(client, xcrs)
{
	struct kvm_xcrs xcrs = {}, back = {};
	struct vcpu *vcpu;

	GUEST_DEVICE_OR_SKIP(variant->path);
	vcpu = make_vcpu(_metadata, self, variant->path);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XCRS, &xcrs));
	/* The lab's kernel turns XSAVE off on its emulated CPU: no XCRs. */
	if (!vm_check_cap(self->vm, KVM_CAP_XCRS)) {
		EXPECT_EQ(0, xcrs.nr_xcrs);
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].value = 1;
		EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
		EXPECT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_EQ(1, xcrs.nr_xcrs);
	EXPECT_EQ(0, xcrs.xcrs[0].xcr);
	EXPECT_TRUE(xcrs.xcrs[0].value & 1);
	/* x87 + SSE, which the guest's CPUID offers. */
	xcrs.xcrs[0].value = 3;
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XCRS, &back));
	EXPECT_EQ(3, back.xcrs[0].value);

	xcrs.xcrs[0].value = 2;		/* no x87: what XSETBV refuses */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	EXPECT_EQ(EINVAL, errno);
	xcrs.xcrs[0].value = 1;
	xcrs.xcrs[0].xcr = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	EXPECT_EQ(EINVAL, errno);
	xcrs.xcrs[0].xcr = 0;
	xcrs.flags = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	EXPECT_EQ(EINVAL, errno);
	xcrs.flags = 0;
	xcrs.nr_xcrs = KVM_MAX_XCRS + 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_XCRS, &xcrs));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(vcpu->fd, KVM_GET_XCRS, &back));
	EXPECT_EQ(3, back.xcrs[0].value);
}

TEST_F(client, tsc_khz)
{
	struct vcpu *vcpu;
	int khz;

	GUEST_DEVICE_OR_SKIP(variant->path);
	vcpu = make_vcpu(_metadata, self, variant->path);
	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	ASSERT_LT(0, khz);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_TSC_KHZ, khz));
	EXPECT_EQ(khz, ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0));
}

/*
 * kvmclock as a Linux guest uses it: the KVM leaves offer it, the guest
 * gives each MSR a GPA, and reads the time from the page without an
 * exit. That time is the VM's clock (KVM_GET_CLOCK), advances as the
 * host's does, jumps with KVM_SET_CLOCK, and the wall clock adds up to
 * the host's real time.
 */
struct pvclock_page {
	uint32_t version, pad0;
	uint64_t tsc_timestamp, system_time;
	uint32_t mul;
	int8_t shift;
	uint8_t flags, pad[2];
};

static struct pvclock_page pvclock __attribute__((aligned(64)));
static struct {
	uint32_t version, sec, nsec;
} wall_clock __attribute__((aligned(64)));

static uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t kvmclock_ns(void)
{
	volatile struct pvclock_page *p = &pvclock;
	uint64_t ticks, ns;
	uint32_t version;

	do {
		version = p->version;
		asm volatile("" ::: "memory");
		ticks = guest_rdtsc() - p->tsc_timestamp;
		ticks = p->shift < 0 ? ticks >> -p->shift : ticks << p->shift;
		ns = p->system_time +
		     (uint64_t)(((unsigned __int128)ticks * p->mul) >> 32);
		asm volatile("" ::: "memory");
	} while ((version & 1) || version != p->version);
	return ns;
}

static void guest_kvmclock(void)
{
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uintptr_t)&pvclock | 1);
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, (uintptr_t)&wall_clock);
	GUEST_SYNC(kvmclock_ns(), wall_clock.version, wall_clock.sec);
	GUEST_SYNC(kvmclock_ns(), pvclock.version, pvclock.mul);
	GUEST_SYNC(kvmclock_ns());
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#define SEC_NS		1000000000ULL

#define ASSERT_MMIO_READ(run, gpa, size)				\
	do {								\
		EXPECT_FALSE((run)->mmio.is_write);			\
		EXPECT_EQ((uint64_t)(gpa), (run)->mmio.phys_addr);	\
		ASSERT_EQ((uint32_t)(size), (run)->mmio.len);		\
	} while (0)

TEST_F(client, kvmclock_page_in_the_guest)
{
	struct kvm_cpuid_entry2 *sig, *feat;
	struct kvm_clock_data c = {};
	struct kvm_cpuid2 *cpuid;
	uint64_t ns1, ns2, host1, host2;
	struct ucall uc;
	struct timespec real;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_kvmclock,
				       &self->vcpu);
	cpuid = supported_cpuid(self->vm);
	ASSERT_NE(NULL, cpuid);
	sig = cpuid_find(cpuid, 0x40000000, 0);
	feat = cpuid_find(cpuid, 0x40000001, 0);
	ASSERT_NE(NULL, sig);
	ASSERT_NE(NULL, feat);
	EXPECT_LE(0x40000001U, sig->eax);
	EXPECT_EQ(0, memcmp(&sig->ebx, "KVMK", 4));
	EXPECT_EQ(0, memcmp(&sig->ecx, "VMKV", 4));
	EXPECT_EQ(0, memcmp(&sig->edx, "M\0\0\0", 4));
	/* CLOCKSOURCE and CLOCKSOURCE2: both MSR pairs. */
	EXPECT_EQ(0x9U, feat->eax & 0x9);
	free(cpuid);

	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_GET_CLOCK, &c));
	clock_gettime(CLOCK_REALTIME, &real);
	host1 = boottime_ns();
	ns1 = uc.args[0];
	/* Read first, so no later, but for the two clocks' own rounding. */
	EXPECT_LE(ns1, c.clock + 1000000);
	EXPECT_GT(ns1 + SEC_NS, c.clock)
		TH_LOG("guest %llu ns, KVM_GET_CLOCK %llu ns",
		       (unsigned long long)ns1, (unsigned long long)c.clock);
	/* Wall clock: real time at kvmclock 0, to within two seconds. */
	EXPECT_EQ(0, uc.args[1] & 1);
	EXPECT_NE(0, uc.args[1]);
	EXPECT_GT(uc.args[2] + c.clock / SEC_NS + 2, (uint64_t)real.tv_sec);
	EXPECT_LT(uc.args[2] + c.clock / SEC_NS, (uint64_t)real.tv_sec + 2);

	usleep(50000);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	host2 = boottime_ns();
	ns2 = uc.args[0];
	EXPECT_EQ(0, uc.args[1] & 1);
	EXPECT_LE(1U << 31, uc.args[2]);
	EXPECT_LE(ns1 + 50000000ULL, ns2);
	EXPECT_GE(ns1 + (host2 - host1) + SEC_NS / 10, ns2)
		TH_LOG("guest +%llu ns, host +%llu ns",
		       (unsigned long long)(ns2 - ns1),
		       (unsigned long long)(host2 - host1));

	/* 1000 s later, the page says so. */
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_GET_CLOCK, &c));
	c.clock += 1000 * SEC_NS;
	c.flags = 0;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_CLOCK, &c));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	EXPECT_LE(ns2 + 1000 * SEC_NS, uc.args[0]);
	EXPECT_GT(ns2 + 1010 * SEC_NS, uc.args[0]);
	RUN_DONE(self->vcpu);
}

/*
 * Coalesced MMIO and PIO: writes to a registered zone do not exit and
 * land, in order, in the ring at page KVM_COALESCED_MMIO_PAGE_OFFSET of
 * the vCPU mmap; a read of the zone exits; once unregistered, a write
 * exits again. QEMU registers such zones for its devices' write-only
 * registers.
 */
#define COAL_GPA	0xd0000000ULL	/* no slot: MMIO */
#define COAL_PORT	0x5100
#define COAL_DONE_PORT	0x5108

static void guest_outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %b0, %w1" :: "a"(v), "Nd"(port));
}

static void guest_coalesced(void)
{
	volatile uint32_t *mmio = (volatile uint32_t *)COAL_GPA;
	uint32_t v;

	mmio[0] = 0x11111111;
	mmio[1] = 0x22222222;
	*(volatile uint8_t *)(COAL_GPA + 9) = 0x33;
	asm volatile("outw %w0, %w1" :: "a"(0x4444), "Nd"(COAL_PORT));
	v = mmio[2];
	guest_outb(COAL_DONE_PORT, (uint8_t)v);
	mmio[3] = 0x55555555;
	guest_outb(COAL_DONE_PORT, 1);
}

TEST_F(client, coalesced_mmio_and_pio)
{
	struct kvm_coalesced_mmio_zone mz = { .addr = COAL_GPA, .size = 0x100 };
	struct kvm_coalesced_mmio_zone pz = { .addr = COAL_PORT, .size = 4,
					      .pio = 1 };
	struct kvm_coalesced_mmio_ring *ring;
	struct kvm_run *run;
	long page = sysconf(_SC_PAGESIZE);
	int off;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_coalesced,
				       &self->vcpu);
	run = self->vcpu->run;
	off = ioctl(self->vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	ASSERT_EQ(KVM_COALESCED_MMIO_PAGE_OFFSET, off);
	ASSERT_LT(0, ioctl(self->vm->sys_fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_COALESCED_PIO));
	ASSERT_LE((off + 1) * page, self->vm->run_size);
	ring = (void *)((char *)run + off * page);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_REGISTER_COALESCED_MMIO, &mz));
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_REGISTER_COALESCED_MMIO, &pz));
	mz.pio = 2;
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_REGISTER_COALESCED_MMIO, &mz));
	EXPECT_EQ(EINVAL, errno);
	mz.pio = 0;

	/* Three MMIO writes and an OUT: no exit, until the read. */
	RUN_EXIT(self->vcpu, KVM_EXIT_MMIO);
	ASSERT_MMIO_READ(run, COAL_GPA + 8, 4);
	ASSERT_EQ(0U, ring->first);
	ASSERT_EQ(4U, ring->last);
	EXPECT_EQ(COAL_GPA, ring->coalesced_mmio[0].phys_addr);
	EXPECT_EQ(4U, ring->coalesced_mmio[0].len);
	EXPECT_EQ(0x11111111U, *(uint32_t *)ring->coalesced_mmio[0].data);
	EXPECT_EQ(COAL_GPA + 4, ring->coalesced_mmio[1].phys_addr);
	EXPECT_EQ(0x22222222U, *(uint32_t *)ring->coalesced_mmio[1].data);
	EXPECT_EQ(COAL_GPA + 9, ring->coalesced_mmio[2].phys_addr);
	EXPECT_EQ(1U, ring->coalesced_mmio[2].len);
	EXPECT_EQ(0x33, ring->coalesced_mmio[2].data[0]);
	EXPECT_EQ(0U, ring->coalesced_mmio[2].pio);
	EXPECT_EQ((uint64_t)COAL_PORT, ring->coalesced_mmio[3].phys_addr);
	EXPECT_EQ(2U, ring->coalesced_mmio[3].len);
	EXPECT_EQ(1U, ring->coalesced_mmio[3].pio);
	EXPECT_EQ(0x4444, *(uint16_t *)ring->coalesced_mmio[3].data);
	ring->first = 4;		/* drained, as QEMU does */
	memcpy(run->mmio.data, &(uint32_t){ 7 }, 4);
	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	EXPECT_EQ(COAL_DONE_PORT, run->io.port);
	EXPECT_EQ(7, *((uint8_t *)run + run->io.data_offset));

	/* Unregistered (by a range inside the zone): the write exits. */
	mz.addr = COAL_GPA + 0xc;
	mz.size = 4;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_UNREGISTER_COALESCED_MMIO, &mz));
	RUN_EXIT(self->vcpu, KVM_EXIT_MMIO);
	EXPECT_TRUE(run->mmio.is_write);
	EXPECT_EQ(COAL_GPA + 0xc, run->mmio.phys_addr);
	EXPECT_EQ(4U, ring->last);
	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
}

/* The VM's clock goes on from what KVM_SET_CLOCK put, never back. */
TEST_F(client, clock)
{
	struct kvm_clock_data c = {}, d = {};
	const uint64_t base = 1000ULL * 1000 * 1000 * 1000;	/* 1000 s */

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_GET_CLOCK, &c));
	/* KVM sets KVM_CLOCK_REALTIME only with a master clock. */
	EXPECT_EQ(0, c.flags & ~vm_check_cap(self->vm, KVM_CAP_ADJUST_CLOCK));
	if (c.flags & KVM_CLOCK_REALTIME)
		EXPECT_LT(0, c.realtime);
	c.clock = base;
	c.flags = 0;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_CLOCK, &c));
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_GET_CLOCK, &d));
	EXPECT_LE(base, d.clock);
	EXPECT_GT(base + 3600ULL * 1000 * 1000 * 1000, d.clock);
	c.flags = 1u << 8;
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_SET_CLOCK, &c));
	EXPECT_EQ(EINVAL, errno);
}

/* IN from 0x42, then an OUT to 0x43 followed by one to 0x7e. */
static void guest_pio(void)
{
	uint64_t v = 0;

	asm volatile("inb $0x42, %%al" : "+a"(v));
	GUEST_SYNC(v);
	v = 0;
	asm volatile("inb $0x42, %%al" : "+a"(v));
	GUEST_SYNC(v);
	asm volatile("outb %%al, $0x43\n\toutb %%al, $0x7e" : : "a"(0));
	GUEST_DONE();
}

static void run_to_port(struct __test_metadata *_metadata, struct vcpu *vcpu,
			uint16_t port)
{
	ASSERT_EQ(0, vcpu_run(vcpu));
	ASSERT_EXIT_REASON(vcpu, KVM_EXIT_IO);
	ASSERT_EQ(port, vcpu->run->io.port);
}

/*
 * As KVM: a pending IN completes across KVM_SET_REGS that leaves RIP
 * alone (QEMU puts all registers back before each KVM_RUN), and is
 * abandoned by one that moves RIP.
 */
TEST_F(client, pio_completion_across_set_regs)
{
	struct kvm_regs regs;
	struct vcpu *vcpu;
	struct ucall uc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_pio, &self->vcpu);
	vcpu = self->vcpu;
	run_to_port(_metadata, vcpu, 0x42);
	*((uint8_t *)vcpu->run + vcpu->run->io.data_offset) = 0x5a;
	vcpu_regs_get(vcpu, &regs);
	vcpu_regs_set(vcpu, &regs);
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(0x5a, uc.args[0]);

	run_to_port(_metadata, vcpu, 0x42);
	*((uint8_t *)vcpu->run + vcpu->run->io.data_offset) = 0x5a;
	vcpu_regs_get(vcpu, &regs);
	regs.rip += 2;		/* step over the IN ourselves */
	regs.rax = 0x33;
	vcpu_regs_set(vcpu, &regs);
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(0x33, uc.args[0]);
}

/* KVM_X86_QUIRK_OUT_7E_INC_RIP: userspace sees RIP past OUT to 0x7e. */
TEST_F(client, out_7e_quirk)
{
	struct kvm_regs regs;
	struct vcpu *vcpu;
	struct ucall uc;
	uint64_t rip;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_pio, &self->vcpu);
	vcpu = self->vcpu;
	run_to_port(_metadata, vcpu, 0x42);
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	run_to_port(_metadata, vcpu, 0x42);
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	run_to_port(_metadata, vcpu, 0x43);
	vcpu_regs_get(vcpu, &regs);
	rip = regs.rip;
	run_to_port(_metadata, vcpu, 0x7e);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(rip + 4, regs.rip);
	/* And the next KVM_RUN does not step a second time. */
	RUN_UCALL(vcpu, UCALL_DONE, &uc);
}

#define LOG_GPA		0x40000000ULL	/* 1 GiB, in the identity map */
#define LOG_PAGES	16

static void guest_dirty(void)
{
	volatile uint64_t *p = (volatile uint64_t *)LOG_GPA;
	uint64_t x;

	p[3 * 512] = 1;
	x = p[5 * 512];		/* a read dirties nothing */
	GUEST_SYNC(x);
	p[3 * 512] = 2;
	p[7 * 512 + 10] = 2;
	GUEST_SYNC(0);
	GUEST_DONE();
}

static uint64_t dirty_log(struct __test_metadata *_metadata, struct vm *vm,
			  uint32_t slot)
{
	uint64_t bitmap = ~0ULL;
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = &bitmap };

	EXPECT_EQ(0, ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log))
		TH_LOG("KVM_GET_DIRTY_LOG: %s", strerror(errno));
	return bitmap;
}

/* Real tracking: the pages written since the last read, and only those. */
TEST_F(client, dirty_log)
{
	uint64_t bitmap = 0;
	struct kvm_dirty_log log = { .slot = 0, .dirty_bitmap = &bitmap };
	uint64_t *mem;
	struct ucall uc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_dirty, &self->vcpu);
	mem = vm_add_memory(self->vm, 1, LOG_GPA, LOG_PAGES * 4096,
			    KVM_MEM_LOG_DIRTY_PAGES);
	ASSERT_NE(NULL, mem);
	/* A slot that does not log has no log. */
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_GET_DIRTY_LOG, &log));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, dirty_log(_metadata, self->vm, 1));

	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(1ULL << 3, dirty_log(_metadata, self->vm, 1));
	EXPECT_EQ(0, dirty_log(_metadata, self->vm, 1));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	/* Page 3 again: it was write-protected when the log was read. */
	EXPECT_EQ((1ULL << 3) | (1ULL << 7), dirty_log(_metadata, self->vm, 1));
	EXPECT_EQ(2, mem[3 * 512]);
	EXPECT_EQ(2, mem[7 * 512 + 10]);

	/* Logging off and on again starts clean. */
	self->vm->region[self->vm->nr_regions - 1].kvm.flags = 0;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION,
			   &self->vm->region[self->vm->nr_regions - 1].kvm));
	log.slot = 1;
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_GET_DIRTY_LOG, &log));
	EXPECT_EQ(ENOENT, errno);
}

/* Events in flight, read back, carried into another VM, and the refusals. */
TEST_F(client, vcpu_events)
{
	struct kvm_vcpu_events ev = {}, back, other_ev;
	struct vcpu *other;
	struct vm *vm2;

	GUEST_DEVICE_OR_SKIP(variant->path);
	make_vcpu(_metadata, self, variant->path);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	EXPECT_TRUE(ev.flags & KVM_VCPUEVENT_VALID_SHADOW);
	EXPECT_EQ(0, ev.exception.injected);
	EXPECT_EQ(0, ev.interrupt.injected);
	EXPECT_EQ(0, ev.nmi.pending);

	ev.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
	ev.interrupt.injected = 1;
	ev.interrupt.nr = 0x40;
	ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
	ev.nmi.pending = 1;
	ev.nmi.masked = 1;
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_VCPU_EVENTS, &back));
	EXPECT_EQ(1, back.interrupt.injected);
	EXPECT_EQ(0x40, back.interrupt.nr);
	EXPECT_EQ(KVM_X86_SHADOW_INT_STI, back.interrupt.shadow);
	EXPECT_EQ(1, back.nmi.pending);
	EXPECT_EQ(1, back.nmi.masked);

	vm2 = vm_create_with_vcpu(variant->path, guest_report_xmm0, &other);
	back.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING;
	ASSERT_EQ(0, ioctl(other->fd, KVM_SET_VCPU_EVENTS, &back));
	ASSERT_EQ(0, ioctl(other->fd, KVM_GET_VCPU_EVENTS, &other_ev));
	EXPECT_EQ(back.interrupt.nr, other_ev.interrupt.nr);
	EXPECT_EQ(back.interrupt.shadow, other_ev.interrupt.shadow);
	EXPECT_EQ(back.nmi.pending, other_ev.nmi.pending);
	EXPECT_EQ(back.nmi.masked, other_ev.nmi.masked);
	vm_free(vm2);

	memset(&ev, 0, sizeof(ev));
	ev.exception.injected = 1;
	ev.exception.nr = 32;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(EINVAL, errno);
	ev.exception.nr = 2;		/* NMI is not an exception */
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(EINVAL, errno);
	memset(&ev, 0, sizeof(ev));
	ev.flags = 1u << 20;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_VCPU_EVENTS, &ev));
	EXPECT_EQ(EINVAL, errno);
}

/* QEMU's kvmvapic sets these on every vCPU and aborts if they fail. */
TEST_F(client, vapic_and_tpr_reporting)
{
	struct kvm_tpr_access_ctl tac = { .enabled = 1 };
	struct kvm_vapic_addr va = { .vapic_addr = 0 };
	struct vcpu *vcpu;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	vcpu = vcpu_create(self->vm, 0);
	/* Without an in-kernel LAPIC there is nothing to set. */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	EXPECT_EQ(EINVAL, errno);
	vm_free(self->vm);

	self->vm = vm_create(variant->path);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_CREATE_IRQCHIP, 0));
	vcpu = vcpu_create(self->vm, 0);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	va.vapic_addr = 0x1000;
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	va.vapic_addr = 1ULL << 38;	/* no memory there */
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_VAPIC_ADDR, &va));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, &tac));
	tac.flags = 1;
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_TPR_ACCESS_REPORTING, &tac));
	EXPECT_EQ(EINVAL, errno);
}

/* vmxlab cannot scale the TSC: a rate other than the host's is refused. */
TEST(vmxlab_tsc_khz_other_rate_refused)
{
	struct vcpu *vcpu;
	struct vm *vm;
	int khz;

	GUEST_DEVICE_OR_SKIP(VMXLAB_DEV);
	vm = vm_create_with_vcpu(VMXLAB_DEV, guest_report_xmm0, &vcpu);
	EXPECT_EQ(0, vm_check_cap(vm, KVM_CAP_TSC_CONTROL));
	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	ASSERT_LT(0, khz);
	EXPECT_EQ(-1, ioctl(vcpu->fd, KVM_SET_TSC_KHZ, khz / 2));
	EXPECT_EQ(EINVAL, errno);
	vm_free(vm);
}

TEST_HARNESS_MAIN

static void guest_report_tsc(void)
{
	GUEST_SYNC(__builtin_ia32_rdtsc());
	GUEST_SYNC(__builtin_ia32_rdtsc());
	GUEST_DONE();
}

static int tsc_offset_attr(struct vcpu *vcpu, unsigned long ioctl_nr,
			   uint64_t group, uint64_t attr, uint64_t *offset)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uintptr_t)offset,
	};

	return ioctl(vcpu->fd, ioctl_nr, &a);
}

/* The guest's next TSC reading lies between two host readings, shifted. */
static void expect_guest_tsc_within(struct __test_metadata *_metadata,
				    struct vcpu *vcpu, uint64_t offset)
{
	uint64_t before, after;
	struct ucall uc;

	before = __builtin_ia32_rdtsc();
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	after = __builtin_ia32_rdtsc();
	EXPECT_LE(before + offset, uc.args[0]);
	EXPECT_GE(after + offset, uc.args[0]);
}

/*
 * devices/vcpu.rst's KVM_VCPU_TSC_CTRL: guest TSC = host TSC + the
 * offset the attribute reads, and writing it moves the guest's TSC;
 * nothing else is an attribute of a vCPU.
 */
TEST_F(client, tsc_offset_attribute)
{
	uint64_t offset, moved, got, other_offset, other_got;
	struct vcpu *vcpu, *other;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_report_tsc,
				       &self->vcpu);
	vcpu = self->vcpu;
	EXPECT_EQ(1, vm_check_cap(self->vm, KVM_CAP_VCPU_ATTRIBUTES));
	EXPECT_EQ(0, tsc_offset_attr(vcpu, KVM_HAS_DEVICE_ATTR,
				     KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET,
				     NULL));
	EXPECT_EQ(-1, tsc_offset_attr(vcpu, KVM_HAS_DEVICE_ATTR,
				      KVM_VCPU_TSC_CTRL, 1, NULL));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, tsc_offset_attr(vcpu, KVM_GET_DEVICE_ATTR, 99,
				      KVM_VCPU_TSC_OFFSET, &offset));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(-1, tsc_offset_attr(vcpu, KVM_GET_DEVICE_ATTR,
				      KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET,
				      (uint64_t *)8));
	EXPECT_EQ(EFAULT, errno);

	ASSERT_EQ(0, tsc_offset_attr(vcpu, KVM_GET_DEVICE_ATTR,
				     KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET,
				     &offset));
	expect_guest_tsc_within(_metadata, vcpu, offset);
	other = vm_add_vcpu(self->vm, 1, guest_report_tsc);
	ASSERT_EQ(0, tsc_offset_attr(other, KVM_GET_DEVICE_ATTR,
				     KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET,
				     &other_offset));
	EXPECT_EQ(-1, tsc_offset_attr(vcpu, KVM_SET_DEVICE_ATTR,
				      KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET,
				      (uint64_t *)8));
	EXPECT_EQ(EFAULT, errno);

	moved = offset + (1ULL << 40);
	ASSERT_EQ(0, tsc_offset_attr(vcpu, KVM_SET_DEVICE_ATTR,
				     KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET,
				     &moved));
	ASSERT_EQ(0, tsc_offset_attr(vcpu, KVM_GET_DEVICE_ATTR,
				     KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET,
				     &got));
	EXPECT_EQ(moved, got);
	expect_guest_tsc_within(_metadata, vcpu, moved);
	/* One vCPU's offset, not its neighbour's. */
	ASSERT_EQ(0, tsc_offset_attr(other, KVM_GET_DEVICE_ATTR,
				     KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET,
				     &other_got));
	EXPECT_EQ(other_offset, other_got);
	expect_guest_tsc_within(_metadata, other, other_offset);
}

#define MSR_SYSENTER_CS		0x174
#define MSR_PAT			0x277
#define MSR_NOBODY_KNOWS	0x12345678
#define MSR_X2APIC_TPR		0x808

static void guest_msrs_for_userspace(void)
{
	uint64_t v = 0;
	int vec;

	vec = rdmsr_safe(MSR_SYSENTER_CS, &v);		/* filtered */
	GUEST_SYNC(vec, v);
	GUEST_SYNC(wrmsr_safe(MSR_SYSENTER_CS, 7));		/* filtered, refused */
	vec = rdmsr_safe(MSR_NOBODY_KNOWS, &v);	/* unknown */
	GUEST_SYNC(vec, v);
	GUEST_SYNC(wrmsr_safe(MSR_PAT, 2));	/* invalid: type 2 */
	GUEST_DONE();
}

/* The next exit is userspace's RDMSR or WRMSR of @index for @reason. */
static void run_to_msr_exit(struct __test_metadata *_metadata,
			    struct vcpu *vcpu, uint32_t exit, uint32_t index,
			    uint32_t reason)
{
	RUN_EXIT(vcpu, exit);
	EXPECT_EQ(index, vcpu->run->msr.index);
	EXPECT_EQ(reason, vcpu->run->msr.reason);
}

static int set_msr_filter(struct vm *vm, uint32_t flags,
			  const struct kvm_msr_filter_range *range)
{
	struct kvm_msr_filter f = { .flags = flags };

	if (range)
		f.ranges[0] = *range;
	return ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f);
}

/*
 * api.rst's KVM_CAP_X86_USER_SPACE_MSR and KVM_X86_SET_MSR_FILTER: a
 * guest's MSR access the filter denies, that the hypervisor does not
 * know or whose value it refuses exits to userspace for each reason it
 * enabled, and userspace's data or #GP is what the guest sees.
 */
TEST_F(client, msrs_for_userspace)
{
	uint8_t deny = 0;
	struct kvm_msr_filter_range sysenter_cs = {
		.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
		.nmsrs = 1, .base = MSR_SYSENTER_CS, .bitmap = &deny,
	};
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR };
	struct vcpu *vcpu;
	struct ucall uc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_msrs_for_userspace,
				       &self->vcpu);
	vcpu = self->vcpu;
	EXPECT_EQ(1, vm_check_cap(self->vm, KVM_CAP_X86_MSR_FILTER));
	EXPECT_NE(0, vm_check_cap(self->vm, KVM_CAP_X86_USER_SPACE_MSR));
	cap.args[0] = 1ULL << 3;
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_ENABLE_CAP, &cap));
	EXPECT_EQ(EINVAL, errno);
	cap.args[0] = KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN |
		      KVM_MSR_EXIT_REASON_FILTER;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_ENABLE_CAP, &cap));

	/* What KVM refuses as a filter. */
	EXPECT_EQ(-1, set_msr_filter(self->vm, KVM_MSR_FILTER_DEFAULT_DENY, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_msr_filter(self->vm, 2, &sysenter_cs));
	EXPECT_EQ(EINVAL, errno);
	sysenter_cs.bitmap = (uint8_t *)8;
	EXPECT_EQ(-1, set_msr_filter(self->vm, 0, &sysenter_cs));
	EXPECT_EQ(EFAULT, errno);
	sysenter_cs.bitmap = &deny;
	ASSERT_EQ(0, set_msr_filter(self->vm, 0, &sysenter_cs));

	run_to_msr_exit(_metadata, vcpu, KVM_EXIT_X86_RDMSR, MSR_SYSENTER_CS,
			KVM_MSR_EXIT_REASON_FILTER);
	vcpu->run->msr.data = 0x5a5a;
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ((uint64_t)NO_EXCEPTION, uc.args[0]);
	EXPECT_EQ(0x5a5a, uc.args[1]);

	run_to_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR, MSR_SYSENTER_CS,
			KVM_MSR_EXIT_REASON_FILTER);
	EXPECT_EQ(7, vcpu->run->msr.data);
	vcpu->run->msr.error = 1;
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(GP_VECTOR, uc.args[0]);

	run_to_msr_exit(_metadata, vcpu, KVM_EXIT_X86_RDMSR, MSR_NOBODY_KNOWS,
			KVM_MSR_EXIT_REASON_UNKNOWN);
	vcpu->run->msr.data = 42;
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ((uint64_t)NO_EXCEPTION, uc.args[0]);
	EXPECT_EQ(42, uc.args[1]);

	run_to_msr_exit(_metadata, vcpu, KVM_EXIT_X86_WRMSR, MSR_PAT,
			KVM_MSR_EXIT_REASON_INVAL);
	EXPECT_EQ(2, vcpu->run->msr.data);
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ((uint64_t)NO_EXCEPTION, uc.args[0]);
	RUN_DONE(vcpu);
}

static void guest_filtered_without_exits(void)
{
	uint64_t v;

	GUEST_SYNC(rdmsr_safe(MSR_SYSENTER_CS, &v));
	GUEST_SYNC(wrmsr_safe(MSR_SYSENTER_CS, 1));
	GUEST_SYNC(rdmsr_safe(MSR_X2APIC_TPR, &v));
	GUEST_DONE();
}

/*
 * Without the exits a denied access is #GP, under a default-deny filter
 * too; host-initiated accesses and the x2APIC MSRs are never filtered.
 */
TEST_F(client, msr_filter_without_exits)
{
	uint8_t allow_writes_only = 0;
	struct kvm_msr_filter_range writes = {
		.flags = KVM_MSR_FILTER_WRITE, .nmsrs = 1, .base = MSR_SYSENTER_CS,
		.bitmap = &allow_writes_only,
	};
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	struct vcpu *vcpu;
	struct ucall uc;
	uint64_t v;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path,
				       guest_filtered_without_exits, &self->vcpu);
	vcpu = self->vcpu;
	allow_writes_only = 1;
	ASSERT_EQ(0, set_msr_filter(self->vm, KVM_MSR_FILTER_DEFAULT_DENY,
				    &writes));
	EXPECT_EQ(1, vcpu_set_msr(vcpu, MSR_SYSENTER_CS, 3));
	EXPECT_EQ(1, vcpu_get_msr(vcpu, MSR_SYSENTER_CS, &v));
	EXPECT_EQ(3, v);
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(GP_VECTOR, uc.args[0]);	/* reads: the default, deny */
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ((uint64_t)NO_EXCEPTION, uc.args[0]);	/* allowed */
	EXPECT_EQ(1, vcpu_get_msr(vcpu, MSR_SYSENTER_CS, &v));
	EXPECT_EQ(1, v);
	/*
	 * With filter exits on, a filtered MSR would exit here; an x2APIC
	 * one is the hypervisor's, which refuses it outside x2APIC mode.
	 */
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_ENABLE_CAP, &cap));
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(GP_VECTOR, uc.args[0]);
	RUN_DONE(vcpu);
}
