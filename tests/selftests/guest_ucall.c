// SPDX-License-Identifier: GPL-2.0
/*
 * The ucall channel that every guest-code test stands on: SYNC with
 * arguments, ASSERT with file, line and values, DONE (also when the guest
 * function returns), arguments passed in registers, globals shared through
 * the guest's copy of the program, and an unexpected exception reported by
 * the IDT stubs.
 */
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define MANY_SYNCS	200

FIXTURE(ucall) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(ucall) {
	const char *path;
};

FIXTURE_VARIANT_ADD(ucall, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(ucall, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(ucall)
{
}

FIXTURE_TEARDOWN(ucall)
{
	vm_free(self->vm);
}

static void guest_sync_args(void)
{
	GUEST_SYNC();
	GUEST_SYNC(0x1111);
	GUEST_SYNC(1, 2, 3, 4, 5, 6);
	GUEST_SYNC(0xffffffffffffffffULL, 0x8000000000000000ULL);
	GUEST_DONE();
}

TEST_F(ucall, sync_carries_arguments)
{
	struct ucall *uc = &self->uc;
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_sync_args,
				       &self->vcpu);

	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	EXPECT_EQ((uint64_t)0, uc->nargs);

	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	ASSERT_EQ((uint64_t)1, uc->nargs);
	EXPECT_EQ((uint64_t)0x1111, uc->args[0]);

	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	ASSERT_EQ((uint64_t)6, uc->nargs);
	for (i = 0; i < 6; i++)
		EXPECT_EQ((uint64_t)i + 1, uc->args[i]);

	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	ASSERT_EQ((uint64_t)2, uc->nargs);
	EXPECT_EQ(0xffffffffffffffffULL, uc->args[0]);
	EXPECT_EQ(0x8000000000000000ULL, uc->args[1]);

	RUN_DONE(self->vcpu);
}

static void guest_count(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		GUEST_SYNC(i, i * i);
}

TEST_F(ucall, many_syncs_then_return_means_done)
{
	struct ucall *uc = &self->uc;
	uint64_t i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_count, &self->vcpu);
	vcpu_args_set(self->vcpu, 1, (uint64_t)MANY_SYNCS);
	for (i = 0; i < MANY_SYNCS; i++) {
		RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
		ASSERT_EQ(i, uc->args[0]);
		ASSERT_EQ(i * i, uc->args[1]);
	}
	/* guest_count returns: the library's return address says DONE. */
	RUN_DONE(self->vcpu);
	/* And keeps saying it. */
	RUN_DONE(self->vcpu);
}

static void guest_six_args(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
			   uint64_t e, uint64_t f)
{
	GUEST_SYNC(a, b, c, d, e, f);
}

TEST_F(ucall, arguments_in_registers)
{
	struct ucall *uc = &self->uc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_six_args,
				       &self->vcpu);
	vcpu_args_set(self->vcpu, 6, 10ULL, 20ULL, 30ULL, 40ULL, 50ULL,
		      0xfedcba9876543210ULL);
	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	ASSERT_EQ((uint64_t)6, uc->nargs);
	EXPECT_EQ((uint64_t)10, uc->args[0]);
	EXPECT_EQ((uint64_t)20, uc->args[1]);
	EXPECT_EQ((uint64_t)30, uc->args[2]);
	EXPECT_EQ((uint64_t)40, uc->args[3]);
	EXPECT_EQ((uint64_t)50, uc->args[4]);
	EXPECT_EQ(0xfedcba9876543210ULL, uc->args[5]);
	RUN_DONE(self->vcpu);
}

static int reached;

/* The line of the GUEST_ASSERT_EQ below. */
enum { ASSERT_EQ_LINE = __LINE__ + 5 };

static void guest_assert_eq(uint64_t x)
{
	GUEST_ASSERT(x == 7);
	GUEST_ASSERT_EQ(x + 1, 9);
	reached = 1;
	GUEST_DONE();
}

TEST_F(ucall, assert_reports_file_line_and_values)
{
	struct ucall *uc = &self->uc;
	char buf[256];

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_assert_eq,
				       &self->vcpu);
	vcpu_args_set(self->vcpu, 1, 7ULL);
	RUN_UCALL(self->vcpu, UCALL_ASSERT, uc);
	EXPECT_EQ((uint64_t)ASSERT_EQ_LINE, uc->args[UCALL_ASSERT_LINE]);
	EXPECT_EQ((uint64_t)8, uc->args[UCALL_ASSERT_A]);
	EXPECT_EQ((uint64_t)9, uc->args[UCALL_ASSERT_B]);
	EXPECT_EQ((uint64_t)1, uc->args[UCALL_ASSERT_HAS_AB]);
	ucall_assert_str(self->vcpu, uc, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "guest_ucall.c:")) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "x + 1 == 9")) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "(0x8 vs 0x9)")) TH_LOG("%s", buf);

	/* A failed assertion does not let the guest go on. */
	RUN_UCALL(self->vcpu, UCALL_ASSERT, uc);
	EXPECT_EQ((uint64_t)8, uc->args[UCALL_ASSERT_A]);
	sync_global_from_guest(self->vm, reached);
	EXPECT_EQ(0, reached);
}

TEST_F(ucall, plain_assert_has_no_values)
{
	struct ucall *uc = &self->uc;
	char buf[256];

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_assert_eq,
				       &self->vcpu);
	vcpu_args_set(self->vcpu, 1, 3ULL);
	RUN_UCALL(self->vcpu, UCALL_ASSERT, uc);
	EXPECT_EQ((uint64_t)0, uc->args[UCALL_ASSERT_HAS_AB]);
	ucall_assert_str(self->vcpu, uc, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, ": x == 7")) TH_LOG("%s", buf);
}

static uint64_t shared_value = 0x600d;
static uint64_t guest_wrote;

static void guest_globals(void)
{
	GUEST_SYNC(shared_value);
	GUEST_SYNC(shared_value);
	guest_wrote = shared_value * 2;
}

TEST_F(ucall, globals_through_the_guest_copy)
{
	struct ucall *uc = &self->uc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_globals,
				       &self->vcpu);
	/* The image was copied at creation: later host writes stay here. */
	shared_value = 0xbad;
	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	EXPECT_EQ((uint64_t)0x600d, uc->args[0]);

	shared_value = 0x1234;
	sync_global_to_guest(self->vm, shared_value);
	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	EXPECT_EQ((uint64_t)0x1234, uc->args[0]);

	RUN_DONE(self->vcpu);
	EXPECT_EQ(0ULL, guest_wrote);
	sync_global_from_guest(self->vm, guest_wrote);
	EXPECT_EQ(0x2468ULL, guest_wrote);
}

extern char ud2_insn[];

static void guest_ud2(void)
{
	asm volatile("ud2_insn: ud2");
}

TEST_F(ucall, unexpected_exception_is_reported)
{
	struct ucall *uc = &self->uc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_ud2, &self->vcpu);
	RUN_UCALL(self->vcpu, UCALL_UNHANDLED, uc);
	EXPECT_EQ((uint64_t)UD_VECTOR, uc->args[0]);
	EXPECT_EQ((uint64_t)0, uc->args[1]);
	EXPECT_EQ((uintptr_t)ud2_insn, uc->args[2]);
}

static void guest_fixup(void)
{
	GUEST_ASSERT_EQ(guest_asm_safe("ud2"), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("int3"), BP_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("nop"), NO_EXCEPTION);
	GUEST_ASSERT_EQ(guest_asm_safe("div %%rcx", "a"(1), "d"(0), "c"(0)),
			DE_VECTOR);
	GUEST_DONE();
}

TEST_F(ucall, exceptions_can_be_caught)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_fixup, &self->vcpu);
	RUN_DONE(self->vcpu);
}

TEST_HARNESS_MAIN
