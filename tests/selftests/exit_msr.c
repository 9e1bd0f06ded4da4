// SPDX-License-Identifier: GPL-2.0
/*
 * MSRs from both sides: KVM_GET_MSR_INDEX_LIST, KVM_GET/SET_MSRS of the
 * common architectural MSRs (and how a batch stops at the first bad
 * entry), the guest's RDMSR/WRMSR of the same MSRs seen by the host and
 * the other way round, and #GP for an unknown MSR or a bad value.
 */
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define MSR_IA32_TSC		0x10
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define MSR_PAT			0x277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_SFMASK		0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_UNKNOWN		0x12345678

#define EFER_SCE		(1ULL << 0)
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)

#define PAT_BAD			0x0007040600070402ULL	/* type 2 is reserved */
#define NONCANONICAL		0x0000800000000000ULL

struct msr_value {
	uint32_t index;
	uint64_t value;
};

/* The MSRs round-tripped, with values the guest writes... */
static const struct msr_value guest_values[] = {
	{ MSR_SYSENTER_CS, 0x10 },
	{ MSR_SYSENTER_ESP, 0xffff800012345000ULL },
	{ MSR_SYSENTER_EIP, 0xffffffff81234567ULL },
	{ MSR_STAR, 0x0023001000000000ULL },
	{ MSR_LSTAR, 0xffffffff81000000ULL },
	{ MSR_SFMASK, 0x47700 },
	{ MSR_KERNEL_GS_BASE, 0xffff888000001000ULL },
	{ MSR_PAT, 0x0000000100050406ULL },
};

/* ... and the ones the host writes. */
static const struct msr_value host_values[] = {
	{ MSR_SYSENTER_CS, 0x8 },
	{ MSR_SYSENTER_ESP, 0x7fff0000 },
	{ MSR_SYSENTER_EIP, 0x401000 },
	{ MSR_STAR, 0x001b000800000000ULL },
	{ MSR_LSTAR, 0x00007f0000001000ULL },
	{ MSR_SFMASK, 0x200 },
	{ MSR_KERNEL_GS_BASE, 0x12345000 },
	{ MSR_PAT, 0x0007040600070406ULL },
};

#define NR_MSRS	(sizeof(guest_values) / sizeof(guest_values[0]))

FIXTURE(msr) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(msr) {
	const char *path;
};

FIXTURE_VARIANT_ADD(msr, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(msr, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(msr)
{
}

FIXTURE_TEARDOWN(msr)
{
	vm_free(self->vm);
}

static bool in_list(const struct kvm_msr_list *list, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < list->nmsrs; i++)
		if (list->indices[i] == index)
			return true;
	return false;
}

TEST_F(msr, index_list)
{
	static const uint32_t expected[] = {
		MSR_IA32_TSC, MSR_SYSENTER_CS, MSR_SYSENTER_ESP,
		MSR_SYSENTER_EIP, MSR_PAT, MSR_STAR, MSR_LSTAR, MSR_SFMASK,
		MSR_KERNEL_GS_BASE,
	};
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *list;
	unsigned int i;
	int fd;

	GUEST_DEVICE_OR_SKIP(variant->path);
	fd = open(variant->path, O_RDWR);
	ASSERT_GE(fd, 0);
	/* Too small: E2BIG, with the size needed written back. */
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_MSR_INDEX_LIST, &probe));
	EXPECT_EQ(E2BIG, errno);
	ASSERT_GT(probe.nmsrs, 0U);

	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	ASSERT_NE(NULL, list);
	list->nmsrs = probe.nmsrs;
	ASSERT_EQ(0, ioctl(fd, KVM_GET_MSR_INDEX_LIST, list));
	EXPECT_EQ(probe.nmsrs, list->nmsrs);
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		EXPECT_TRUE(in_list(list, expected[i]))
			TH_LOG("MSR %#x not listed", expected[i]);
	free(list);
	close(fd);
}

/* KVM_SET_MSRS/KVM_GET_MSRS of n MSRs in one call; the count processed. */
static int msrs_ioctl(struct vcpu *vcpu, unsigned long req,
		      struct msr_value *v, int n)
{
	struct kvm_msrs *msrs;
	int i, r;

	msrs = calloc(1, sizeof(*msrs) + n * sizeof(msrs->entries[0]));
	if (!msrs)
		return -ENOMEM;
	msrs->nmsrs = n;
	for (i = 0; i < n; i++) {
		msrs->entries[i].index = v[i].index;
		msrs->entries[i].data = v[i].value;
	}
	r = ioctl(vcpu->fd, req, msrs);
	if (r < 0)
		r = -errno;
	for (i = 0; i < n; i++)
		v[i].value = msrs->entries[i].data;
	free(msrs);
	return r;
}

static void expect_values(struct __test_metadata *_metadata,
			  const struct msr_value *seen,
			  const struct msr_value *want)
{
	unsigned int i;

	for (i = 0; i < NR_MSRS; i++) {
		uint32_t index = want[i].index;

		EXPECT_EQ(want[i].value, seen[i].value)
			TH_LOG("MSR %#x", index);
	}
}

static void guest_nothing(void)
{
}

TEST_F(msr, host_set_then_get)
{
	struct msr_value v[NR_MSRS];
	uint64_t tsc, efer;
	size_t i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_nothing,
				       &self->vcpu);
	memcpy(v, host_values, sizeof(v));
	ASSERT_EQ((int)NR_MSRS, msrs_ioctl(self->vcpu, KVM_SET_MSRS, v, NR_MSRS));
	for (i = 0; i < NR_MSRS; i++)
		v[i].value = 0;
	ASSERT_EQ((int)NR_MSRS, msrs_ioctl(self->vcpu, KVM_GET_MSRS, v, NR_MSRS));
	expect_values(_metadata, v, host_values);

	ASSERT_EQ(1, vcpu_set_msr(self->vcpu, MSR_IA32_TSC, 1ULL << 40));
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_IA32_TSC, &tsc));
	EXPECT_GE(tsc, 1ULL << 40);
	EXPECT_LT(tsc, (1ULL << 40) + (1ULL << 36));

	/* EFER as KVM_SET_SREGS left it. */
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_EFER, &efer));
	EXPECT_EQ(EFER_LME | EFER_LMA, efer);
}

TEST_F(msr, host_batch_stops_at_first_bad_entry)
{
	struct msr_value v[3] = {
		{ MSR_SYSENTER_CS, 0x33 },
		{ MSR_PAT, PAT_BAD },
		{ MSR_LSTAR, 0xffffffff80001000ULL },
	};
	uint64_t value;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_nothing,
				       &self->vcpu);
	/* Not an error: the number of entries done before the bad one. */
	EXPECT_EQ(1, msrs_ioctl(self->vcpu, KVM_SET_MSRS, v, 3));
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_SYSENTER_CS, &value));
	EXPECT_EQ(0x33ULL, value);
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_LSTAR, &value));
	EXPECT_NE(0xffffffff80001000ULL, value);

	EXPECT_EQ(0, vcpu_set_msr(self->vcpu, MSR_LSTAR, NONCANONICAL));
	EXPECT_EQ(0, vcpu_set_msr(self->vcpu, MSR_UNKNOWN, 1));
	EXPECT_EQ(0, vcpu_get_msr(self->vcpu, MSR_UNKNOWN, &value));
}

static void guest_msrs(void)
{
	size_t i;

	for (i = 0; i < NR_MSRS; i++)
		wrmsr(guest_values[i].index, guest_values[i].value);
	for (i = 0; i < NR_MSRS; i++)
		GUEST_ASSERT_EQ(rdmsr(guest_values[i].index),
				guest_values[i].value);
	GUEST_SYNC(0);
	/* The host has written its values meanwhile. */
	for (i = 0; i < NR_MSRS; i++)
		GUEST_ASSERT_EQ(rdmsr(host_values[i].index),
				host_values[i].value);
	GUEST_SYNC(1);
}

TEST_F(msr, guest_and_host_see_each_other)
{
	struct msr_value v[NR_MSRS];

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_msrs, &self->vcpu);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	memcpy(v, guest_values, sizeof(v));
	ASSERT_EQ((int)NR_MSRS, msrs_ioctl(self->vcpu, KVM_GET_MSRS, v, NR_MSRS));
	expect_values(_metadata, v, guest_values);

	memcpy(v, host_values, sizeof(v));
	ASSERT_EQ((int)NR_MSRS, msrs_ioctl(self->vcpu, KVM_SET_MSRS, v, NR_MSRS));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(1ULL, self->uc.args[0]);
	RUN_DONE(self->vcpu);
}

static uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/*
 * A new VM's TSC starts at 0, as KVM's does: read right after creation,
 * it holds no more ticks than the host counted meanwhile (the two count
 * at the same rate). The guest fuzzer's programs see the same on both.
 */
TEST_F(msr, tsc_starts_at_zero)
{
	uint64_t before, tsc, after;

	GUEST_DEVICE_OR_SKIP(variant->path);
	before = host_rdtsc();
	self->vm = vm_create_with_vcpu(variant->path, guest_nothing,
				       &self->vcpu);
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_IA32_TSC, &tsc));
	after = host_rdtsc();
	EXPECT_LE(tsc, after - before)
		TH_LOG("TSC %#llx after %llu host ticks",
		       (unsigned long long)tsc,
		       (unsigned long long)(after - before));
}

static void guest_tsc(void)
{
	uint32_t lo, hi;
	uint64_t t1, t2;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	t1 = lo | (uint64_t)hi << 32;
	t2 = rdmsr(MSR_IA32_TSC);
	GUEST_ASSERT(t2 >= t1);
	GUEST_SYNC(t1);
	wrmsr(MSR_IA32_TSC, 1ULL << 20);
	GUEST_SYNC(rdmsr(MSR_IA32_TSC));
}

TEST_F(msr, tsc_set_by_host_and_guest)
{
	uint64_t tsc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_tsc, &self->vcpu);
	ASSERT_EQ(1, vcpu_set_msr(self->vcpu, MSR_IA32_TSC, 1ULL << 50));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_GE(self->uc.args[0], 1ULL << 50);
	EXPECT_LT(self->uc.args[0], (1ULL << 50) + (1ULL << 40));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_GE(self->uc.args[0], 1ULL << 20);
	EXPECT_LT(self->uc.args[0], (1ULL << 20) + (1ULL << 40));
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_IA32_TSC, &tsc));
	EXPECT_GE(tsc, 1ULL << 20);
	EXPECT_LT(tsc, 1ULL << 50);
	RUN_DONE(self->vcpu);
}

static void guest_msr_faults(void)
{
	uint64_t v;

	GUEST_ASSERT_EQ(rdmsr_safe(MSR_UNKNOWN, &v), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_UNKNOWN, 0), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_PAT, PAT_BAD), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_LSTAR, NONCANONICAL), GP_VECTOR);
	/* EFER bit 1 is reserved. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER, rdmsr(MSR_EFER) | 2), GP_VECTOR);

	GUEST_ASSERT_EQ(rdmsr_safe(MSR_EFER, &v), NO_EXCEPTION);
	GUEST_ASSERT_EQ(v, EFER_LME | EFER_LMA);
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_EFER, v | EFER_SCE), NO_EXCEPTION);
	GUEST_ASSERT_EQ(rdmsr(MSR_EFER), EFER_LME | EFER_LMA | EFER_SCE);
	/* The failed writes left the MSRs alone. */
	GUEST_ASSERT_EQ(rdmsr(MSR_PAT), 0x0007040600070406ULL);
	GUEST_DONE();
}

TEST_F(msr, guest_gets_gp_for_unknown_msr_and_bad_values)
{
	uint64_t efer;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_msr_faults,
				       &self->vcpu);
	RUN_DONE(self->vcpu);
	ASSERT_EQ(1, vcpu_get_msr(self->vcpu, MSR_EFER, &efer));
	EXPECT_EQ(EFER_LME | EFER_LMA | EFER_SCE, efer);
}

TEST_HARNESS_MAIN
