// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID as userspace defines it: KVM_GET_SUPPORTED_CPUID, a table changed
 * by the test and set with KVM_SET_CPUID2, and what the guest's CPUID
 * instruction then returns.
 *
 * The rule checked: the guest sees exactly the table userspace set, except
 * for the bits the hypervisor owns and recomputes from guest state. In
 * KVM 6.1 those are, for leaf 1, ECX.OSXSAVE (follows CR4.OSXSAVE) and
 * EDX.APIC (follows IA32_APIC_BASE.EN); elsewhere leaf 7 ECX.OSPKE (CR4.PKE)
 * and leaf 0xD EBX (XSAVE size for the current XCR0). The VMX bit is not
 * among them: the guest sees VMX exactly when userspace sets it (KVM
 * offers it in the supported table when kvm_intel has nested=1).
 *
 * Leaves outside the table follow Intel's rule, which KVM copies unless
 * the vendor string is AMD's or Hygon's: a function above its class's
 * maximum returns the highest basic leaf (for the same index); a function
 * within range but absent returns zeros.
 */
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define LEAF1_ECX_VMX		(1U << 5)
#define LEAF1_ECX_XSAVE		(1U << 26)
#define LEAF1_ECX_OSXSAVE	(1U << 27)
#define LEAF1_EDX_APIC		(1U << 9)
#define CR4_OSXSAVE		(1ULL << 18)

#define HV_BASE			0x40000000U
#define CUSTOM_LEAF		0x40000010U
#define MAX_QUERIES		8

struct query {
	uint32_t function, index;
};

static struct query queries[MAX_QUERIES];
static uint64_t nr_queries;

/* Answer each query with SYNC(eax, ebx, ecx, edx); optionally CR4.OSXSAVE. */
static void guest_cpuid_queries(uint64_t set_osxsave)
{
	uint32_t r[4];
	uint64_t i;

	if (set_osxsave)
		set_cr4(get_cr4() | CR4_OSXSAVE);
	for (i = 0; i < nr_queries; i++) {
		guest_cpuid(queries[i].function, queries[i].index, r);
		GUEST_SYNC(r[0], r[1], r[2], r[3]);
	}
}

FIXTURE(cpuid) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct kvm_cpuid2 *cpuid;
};

FIXTURE_VARIANT(cpuid) {
	const char *path;
};

FIXTURE_VARIANT_ADD(cpuid, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(cpuid, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(cpuid)
{
}

FIXTURE_TEARDOWN(cpuid)
{
	free(self->cpuid);
	vm_free(self->vm);
}

/*
 * A VM whose vCPU runs the queries, with the default table set; tests set
 * their own before the first KVM_RUN.
 */
static void make_vm(struct __test_metadata *_metadata,
		    FIXTURE_DATA(cpuid) *self, const char *path)
{
	self->vm = vm_create(path);
	self->vcpu = vm_add_vcpu(self->vm, 0, guest_cpuid_queries);
	self->cpuid = default_cpuid(self->vm);
	ASSERT_NE(NULL, self->cpuid);
}

/* Grow the table by one entry, returning it. */
static struct kvm_cpuid_entry2 *add_entry(struct kvm_cpuid2 **cpuid,
					  uint32_t function, uint32_t index)
{
	struct kvm_cpuid2 *c = *cpuid;
	struct kvm_cpuid_entry2 *e;

	c = realloc(c, sizeof(*c) + (c->nent + 1) * sizeof(c->entries[0]));
	if (!c)
		return NULL;
	*cpuid = c;
	e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	return e;
}

/* Run the guest over n queries (set in its copy), filling out[n][4]. */
static void ask_guest(struct __test_metadata *_metadata,
		      FIXTURE_DATA(cpuid) *self, const struct query *q,
		      int n, uint32_t out[][4])
{
	struct ucall uc;
	int i, j;

	memcpy(queries, q, n * sizeof(*q));
	nr_queries = n;
	sync_global_to_guest(self->vm, queries);
	sync_global_to_guest(self->vm, nr_queries);
	for (i = 0; i < n; i++) {
		RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
		for (j = 0; j < 4; j++)
			out[i][j] = uc.args[j];
	}
	RUN_DONE(self->vcpu);
}

TEST_F(cpuid, supported_cpuid_needs_room)
{
	struct {
		struct kvm_cpuid2 hdr;
		struct kvm_cpuid_entry2 e[1];
	} one = { .hdr.nent = 1 };
	struct kvm_cpuid2 none = { .nent = 0 };
	struct kvm_cpuid_entry2 *e;
	struct kvm_cpuid2 *big;
	int fd;

	GUEST_DEVICE_OR_SKIP(variant->path);
	fd = open(variant->path, O_RDWR);
	ASSERT_GE(fd, 0);
	/* Far too small a table is refused, not truncated. */
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_SUPPORTED_CPUID, &one));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(fd, KVM_GET_SUPPORTED_CPUID, &none));
	EXPECT_EQ(E2BIG, errno);
	close(fd);

	self->vm = vm_create_bare(variant->path);
	big = supported_cpuid(self->vm);
	ASSERT_NE(NULL, big);
	self->cpuid = big;
	EXPECT_GT(big->nent, 1U);
	e = cpuid_find(big, 0, 0);
	ASSERT_NE(NULL, e);
	EXPECT_GE(e->eax, 1U);
	EXPECT_NE(NULL, cpuid_find(big, 1, 0));
	EXPECT_NE(NULL, cpuid_find(big, 0x80000000, 0));
}

TEST_F(cpuid, vendor_and_custom_leaf)
{
	static const char vendor[13] = "VmxlabTestCP";
	const struct query q[] = { { 0, 0 }, { HV_BASE, 0 },
				   { CUSTOM_LEAF, 0 } };
	struct kvm_cpuid_entry2 *e;
	uint32_t out[3][4];

	GUEST_DEVICE_OR_SKIP(variant->path);
	make_vm(_metadata, self, variant->path);
	e = cpuid_find(self->cpuid, 0, 0);
	ASSERT_NE(NULL, e);
	memcpy(&e->ebx, vendor, 4);
	memcpy(&e->edx, vendor + 4, 4);
	memcpy(&e->ecx, vendor + 8, 4);

	e = cpuid_find(self->cpuid, HV_BASE, 0);
	if (!e)
		e = add_entry(&self->cpuid, HV_BASE, 0);
	ASSERT_NE(NULL, e);
	e->eax = CUSTOM_LEAF;
	memcpy(&e->ebx, "vmxlabvmxlab", 4);
	memcpy(&e->ecx, "vmxlabvmxlab" + 4, 4);
	memcpy(&e->edx, "vmxlabvmxlab" + 8, 4);
	e = add_entry(&self->cpuid, CUSTOM_LEAF, 0);
	ASSERT_NE(NULL, e);
	e->eax = 0x11111111;
	e->ebx = 0x22222222;
	e->ecx = 0x33333333;
	e->edx = 0x44444444;
	ASSERT_EQ(0, vcpu_set_cpuid(self->vcpu, self->cpuid));

	ask_guest(_metadata, self, q, 3, out);
	e = cpuid_find(self->cpuid, 0, 0);
	EXPECT_EQ(e->eax, out[0][0]);
	EXPECT_EQ(0, memcmp(&out[0][1], vendor, 4));
	EXPECT_EQ(0, memcmp(&out[0][3], vendor + 4, 4));
	EXPECT_EQ(0, memcmp(&out[0][2], vendor + 8, 4));
	EXPECT_EQ(CUSTOM_LEAF, out[1][0]);
	EXPECT_EQ(0, memcmp(&out[1][1], "vmxl", 4));
	EXPECT_EQ(0x11111111U, out[2][0]);
	EXPECT_EQ(0x22222222U, out[2][1]);
	EXPECT_EQ(0x33333333U, out[2][2]);
	EXPECT_EQ(0x44444444U, out[2][3]);
}

/* Leaf 1 as set, but for the bits KVM owns; VMX as userspace says. */
static void check_leaf1(struct __test_metadata *_metadata,
			FIXTURE_DATA(cpuid) *self, bool vmx)
{
	const struct query q[] = { { 1, 0 } };
	struct kvm_cpuid_entry2 *e;
	uint32_t out[1][4];

	e = cpuid_find(self->cpuid, 1, 0);
	ASSERT_NE(NULL, e);
	if (vmx)
		e->ecx |= LEAF1_ECX_VMX;
	else
		e->ecx &= ~LEAF1_ECX_VMX;
	/* Values of userspace's own choosing in the fields it owns. */
	e->ebx = (e->ebx & 0x00ffffff) | 0x07000000;	/* APIC ID 7 */
	ASSERT_EQ(0, vcpu_set_cpuid(self->vcpu, self->cpuid));

	ask_guest(_metadata, self, q, 1, out);
	EXPECT_EQ(e->eax, out[0][0]);
	EXPECT_EQ(e->ebx, out[0][1]);
	EXPECT_EQ(e->ecx & ~LEAF1_ECX_OSXSAVE, out[0][2] & ~LEAF1_ECX_OSXSAVE);
	EXPECT_EQ(e->edx & ~LEAF1_EDX_APIC, out[0][3] & ~LEAF1_EDX_APIC);
	EXPECT_EQ(vmx, !!(out[0][2] & LEAF1_ECX_VMX));
	/* CR4.OSXSAVE is clear in the guest, so is the bit. */
	EXPECT_EQ(0U, out[0][2] & LEAF1_ECX_OSXSAVE);
}

TEST_F(cpuid, leaf1_as_set_without_vmx)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	make_vm(_metadata, self, variant->path);
	check_leaf1(_metadata, self, false);
}

TEST_F(cpuid, leaf1_as_set_with_vmx)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	make_vm(_metadata, self, variant->path);
	check_leaf1(_metadata, self, true);
}

/* Try to set CR4.OSXSAVE; report the vector and CPUID.1:ECX after. */
static void guest_osxsave(void)
{
	uint32_t r[4];
	int vec;

	vec = set_cr4_safe(get_cr4() | CR4_OSXSAVE);
	guest_cpuid(1, 0, r);
	GUEST_SYNC(vec, r[2]);
}

/*
 * OSXSAVE reads as CR4.OSXSAVE. Where XSAVE is not offered (the lab's
 * kernel turns it off on the emulated CPU), CR4.OSXSAVE is reserved: #GP,
 * and the bit stays clear.
 */
TEST_F(cpuid, osxsave_follows_cr4)
{
	struct kvm_cpuid_entry2 *e;
	struct ucall uc;
	bool xsave;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	self->vcpu = vm_add_vcpu(self->vm, 0, guest_osxsave);
	self->cpuid = default_cpuid(self->vm);
	e = cpuid_find(self->cpuid, 1, 0);
	ASSERT_NE(NULL, e);
	xsave = e->ecx & LEAF1_ECX_XSAVE;
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	if (xsave) {
		EXPECT_EQ((uint64_t)NO_EXCEPTION, uc.args[0]);
		EXPECT_EQ((uint64_t)LEAF1_ECX_OSXSAVE,
			  uc.args[1] & LEAF1_ECX_OSXSAVE);
	} else {
		EXPECT_EQ((uint64_t)GP_VECTOR, uc.args[0]);
		EXPECT_EQ(0ULL, uc.args[1] & LEAF1_ECX_OSXSAVE);
	}
	RUN_DONE(self->vcpu);
}

TEST_F(cpuid, indexed_leaves_and_missing_subleaf)
{
	const struct query q[] = { { 7, 0 }, { 7, 0x7f }, { 0x80000001, 0 } };
	struct kvm_cpuid_entry2 *e7, *ext;
	uint32_t out[3][4];

	GUEST_DEVICE_OR_SKIP(variant->path);
	make_vm(_metadata, self, variant->path);
	e7 = cpuid_find(self->cpuid, 7, 0);
	ext = cpuid_find(self->cpuid, 0x80000001, 0);
	if (!e7 || !ext)
		SKIP(return, "no leaf 7 or 0x80000001 in the supported CPUID");
	ASSERT_NE(0U, e7->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	/* Give leaf 7.0 a value no CPU has in its reserved EDX bits. */
	e7->edx |= 1U << 0;
	ASSERT_EQ(0, vcpu_set_cpuid(self->vcpu, self->cpuid));

	ask_guest(_metadata, self, q, 3, out);
	EXPECT_EQ(e7->eax, out[0][0]);
	EXPECT_EQ(e7->ebx, out[0][1]);
	/* Leave out OSPKE, which follows CR4.PKE. */
	EXPECT_EQ(e7->ecx & ~(1U << 4), out[0][2] & ~(1U << 4));
	EXPECT_EQ(e7->edx, out[0][3]);
	/* Function in range, subleaf absent: zeros. */
	EXPECT_EQ(0U, out[1][0] | out[1][1] | out[1][2] | out[1][3]);
	EXPECT_EQ(ext->eax, out[2][0]);
	EXPECT_EQ(ext->ebx, out[2][1]);
	EXPECT_EQ(ext->ecx, out[2][2]);
	EXPECT_EQ(ext->edx, out[2][3]);
}

TEST_F(cpuid, out_of_range_returns_max_basic_leaf)
{
	struct kvm_cpuid_entry2 *e0;
	uint32_t out[4][4];
	struct query q[4];
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	make_vm(_metadata, self, variant->path);
	ASSERT_EQ(0, vcpu_set_cpuid(self->vcpu, self->cpuid));
	e0 = cpuid_find(self->cpuid, 0, 0);
	ASSERT_NE(NULL, e0);
	q[0] = (struct query){ e0->eax, 0 };
	q[1] = (struct query){ 0x0fffffff, 0 };
	q[2] = (struct query){ 0x8fffffff, 0 };
	q[3] = (struct query){ 0x4fffffff, 0 };
	ask_guest(_metadata, self, q, 4, out);
	for (i = 1; i < 4; i++) {
		EXPECT_EQ(out[0][0], out[i][0]) TH_LOG("function %#x", q[i].function);
		EXPECT_EQ(out[0][1], out[i][1]) TH_LOG("function %#x", q[i].function);
		EXPECT_EQ(out[0][2], out[i][2]) TH_LOG("function %#x", q[i].function);
		EXPECT_EQ(out[0][3], out[i][3]) TH_LOG("function %#x", q[i].function);
	}
}

TEST_F(cpuid, set_cpuid_after_run_must_not_change_it)
{
	struct kvm_cpuid_entry2 *e;

	GUEST_DEVICE_OR_SKIP(variant->path);
	make_vm(_metadata, self, variant->path);
	ASSERT_EQ(0, vcpu_set_cpuid(self->vcpu, self->cpuid));
	/* Before the first KVM_RUN, any table goes. */
	ASSERT_EQ(0, vcpu_set_cpuid(self->vcpu, self->cpuid));
	RUN_DONE(self->vcpu);
	/* After it, the same table is accepted and a different one is not. */
	EXPECT_EQ(0, vcpu_set_cpuid(self->vcpu, self->cpuid));
	e = cpuid_find(self->cpuid, 1, 0);
	ASSERT_NE(NULL, e);
	e->eax ^= 0x10;
	EXPECT_EQ(-EINVAL, vcpu_set_cpuid(self->vcpu, self->cpuid));
}

TEST_HARNESS_MAIN
