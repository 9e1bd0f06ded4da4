// SPDX-License-Identifier: GPL-2.0
/*
 * vmxlab and KVM side by side: whichever holds VMX first wins, the other
 * gets -EBUSY, nothing is changed on any CPU by the loser, and the loser
 * succeeds once the winner has let go.
 */
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"

FIXTURE(both) {
	int vmxlab;
	int kvm;
	struct vmx_state st;
};

FIXTURE_SETUP(both)
{
	self->vmxlab = -1;
	self->kvm = -1;
}

FIXTURE_TEARDOWN(both)
{
	if (self->vmxlab >= 0)
		close(self->vmxlab);
	if (self->kvm >= 0)
		close(self->kvm);
}

static bool all_cpus(const struct vmx_state *st, bool vmxon, bool cr4_vmxe)
{
	int cpu;

	for (cpu = 0; cpu < st->nr_cpus; cpu++) {
		const struct vmx_cpu_state *c = &st->cpu[cpu];

		if (c->online && (c->vmxon != vmxon || c->cr4_vmxe != cr4_vmxe))
			return false;
	}
	return true;
}

TEST_F(both, busy_while_kvm_vm_is_alive)
{
	int kvm_vm, vm;

	OPEN_DEVICE_OR_SKIP(self->vmxlab, VMXLAB_DEV);
	OPEN_DEVICE_OR_SKIP(self->kvm, KVM_DEV);

	kvm_vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(kvm_vm, 0) TH_LOG("KVM VM: %s", strerror(errno));

	EXPECT_EQ(-1, ioctl(self->vmxlab, KVM_CREATE_VM, 0));
	EXPECT_EQ(EBUSY, errno);
	/* KVM's VMX state is untouched and vmxlab holds nothing. */
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_EQ(0U, self->st.users);
	EXPECT_TRUE(all_cpus(&self->st, false, true));

	close(kvm_vm);
	vm = ioctl(self->vmxlab, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0) TH_LOG("after KVM let go: %s", strerror(errno));
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_TRUE(all_cpus(&self->st, true, true));
	close(vm);
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_TRUE(all_cpus(&self->st, false, false));
}

TEST_F(both, kvm_busy_while_vmxlab_vm_is_alive)
{
	int kvm_vm, vm;

	OPEN_DEVICE_OR_SKIP(self->vmxlab, VMXLAB_DEV);
	OPEN_DEVICE_OR_SKIP(self->kvm, KVM_DEV);

	vm = ioctl(self->vmxlab, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0) TH_LOG("vmxlab VM: %s", strerror(errno));
	EXPECT_EQ(-1, ioctl(self->kvm, KVM_CREATE_VM, 0));
	EXPECT_EQ(EBUSY, errno);
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_TRUE(all_cpus(&self->st, true, true));
	close(vm);

	/* vmxlab's VMXOFF really happened: KVM can now enter VMX. */
	kvm_vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
	ASSERT_GE(kvm_vm, 0) TH_LOG("KVM after vmxlab let go: %s",
				    strerror(errno));
	close(kvm_vm);
}

TEST_F(both, alternate_owners)
{
	int i, vm;

	OPEN_DEVICE_OR_SKIP(self->vmxlab, VMXLAB_DEV);
	OPEN_DEVICE_OR_SKIP(self->kvm, KVM_DEV);
	for (i = 0; i < 5; i++) {
		vm = ioctl(self->kvm, KVM_CREATE_VM, 0);
		ASSERT_GE(vm, 0) TH_LOG("KVM round %d: %s", i, strerror(errno));
		close(vm);
		vm = ioctl(self->vmxlab, KVM_CREATE_VM, 0);
		ASSERT_GE(vm, 0) TH_LOG("vmxlab round %d: %s", i,
					strerror(errno));
		close(vm);
	}
}

TEST_HARNESS_MAIN
