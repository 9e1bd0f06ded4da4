// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU whose thread moves between host CPUs between (and during) runs:
 * its VMCS follows it (VMCLEAR on the old CPU, VMPTRLD on the new one),
 * and its registers, including SSE state, survive every move. Run against
 * /dev/vmxlab and /dev/kvm; needs two online CPUs (the 2-CPU lab).
 */
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define ROUNDS	40

static void guest_count_with_sse(void)
{
	uint64_t i, lo, hi;

	asm volatile("movq %0, %%xmm7" : : "r"(0x1122334455667788ULL));
	for (i = 0; i < ROUNDS; i++) {
		GUEST_SYNC(i);
		asm volatile("movq %%xmm7, %0" : "=r"(lo));
		asm volatile("pextrq $1, %%xmm7, %0" : "=r"(hi));
		GUEST_ASSERT_EQ(lo, 0x1122334455667788ULL);
		GUEST_ASSERT_EQ(hi, 0);
	}
	GUEST_DONE();
}

static int pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

FIXTURE(migrate) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(migrate) {
	const char *path;
};

FIXTURE_VARIANT_ADD(migrate, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(migrate, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(migrate)
{
}

FIXTURE_TEARDOWN(migrate)
{
	vm_free(self->vm);
}

TEST_F(migrate, registers_survive_moves_between_cpus)
{
	uint64_t i;

	if (online_cpus() < 2)
		SKIP(return, "needs 2 CPUs, %d online", online_cpus());
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_count_with_sse,
				       &self->vcpu);
	for (i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(0, pin_to_cpu(i % 2));
		RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
		ASSERT_EQ(i, self->uc.args[0]);
		ASSERT_EQ(sched_getcpu(), (int)(i % 2));
	}
	RUN_DONE(self->vcpu);
}

TEST_HARNESS_MAIN
