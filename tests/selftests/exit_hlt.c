// SPDX-License-Identifier: GPL-2.0
/*
 * HLT without an in-kernel irqchip: the vCPU does not block in the kernel,
 * KVM_RUN returns KVM_EXIT_HLT with RIP already past the HLT, and the next
 * KVM_RUN resumes there, whatever RFLAGS.IF says.
 */
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define HALTS	20

FIXTURE(hlt) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(hlt) {
	const char *path;
};

FIXTURE_VARIANT_ADD(hlt, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(hlt, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(hlt)
{
}

FIXTURE_TEARDOWN(hlt)
{
	vm_free(self->vm);
}

extern char hlt_insn[], after_hlt[];

static void __attribute__((noinline)) guest_hlt(void)
{
	uint64_t marker = 0;

	asm volatile("hlt_insn: hlt\n"
		     "after_hlt: mov $0x4c54, %0" : "+r"(marker));
	GUEST_SYNC(marker);
}

TEST_F(hlt, exits_with_rip_after_hlt)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_hlt, &self->vcpu);
	RUN_EXIT(self->vcpu, KVM_EXIT_HLT);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ((uintptr_t)after_hlt, regs.rip);
	EXPECT_EQ((uintptr_t)hlt_insn + 1, regs.rip);
	/* Userspace owns halting here: the vCPU still counts as runnable. */
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((uint32_t)KVM_MP_STATE_RUNNABLE, mp.mp_state);

	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(0x4c54ULL, self->uc.args[0]);
	RUN_DONE(self->vcpu);
}

static void guest_hlt_loop(uint64_t n, uint64_t irq_on)
{
	uint64_t i;

	if (irq_on)
		asm volatile("sti");
	for (i = 0; i < n; i++)
		asm volatile("hlt" : : "a"(i));
	asm volatile("cli");
}

static void hlt_many(struct __test_metadata *_metadata, struct vcpu *vcpu,
		     bool irq_on)
{
	struct kvm_regs regs;
	uint64_t i;

	vcpu_args_set(vcpu, 2, (uint64_t)HALTS, (uint64_t)irq_on);
	for (i = 0; i < HALTS; i++) {
		RUN_EXIT(vcpu, KVM_EXIT_HLT);
		vcpu_regs_get(vcpu, &regs);
		EXPECT_EQ(i, regs.rax);
		EXPECT_EQ(irq_on, !!(regs.rflags & (1 << 9)));
	}
	RUN_DONE(vcpu);
}

TEST_F(hlt, many_halts_interrupts_off)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_hlt_loop,
				       &self->vcpu);
	hlt_many(_metadata, self->vcpu, false);
}

TEST_F(hlt, many_halts_interrupts_on)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_hlt_loop,
				       &self->vcpu);
	hlt_many(_metadata, self->vcpu, true);
}

TEST_F(hlt, rip_moved_by_userspace_is_honoured)
{
	struct kvm_regs regs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_hlt, &self->vcpu);
	RUN_EXIT(self->vcpu, KVM_EXIT_HLT);
	/* Send the guest back to the HLT: it must halt again. */
	vcpu_regs_get(self->vcpu, &regs);
	regs.rip = (uintptr_t)hlt_insn;
	vcpu_regs_set(self->vcpu, &regs);
	RUN_EXIT(self->vcpu, KVM_EXIT_HLT);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ((uintptr_t)after_hlt, regs.rip);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	RUN_DONE(self->vcpu);
}

TEST_HARNESS_MAIN
