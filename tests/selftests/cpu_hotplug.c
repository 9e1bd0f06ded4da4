// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug while vmxlab VMs exist: a CPU going offline leaves VMX
 * operation, one coming online enters it, and with no VM nothing changes.
 * Needs at least two CPUs (the lab's 2-CPU run).
 */
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"

#define HOTPLUG_CPU	1

static int set_online(int cpu, bool online)
{
	char path[64];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", online) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

FIXTURE(hotplug) {
	int fd;
	struct vmx_state st;
};

FIXTURE_SETUP(hotplug)
{
	self->fd = -1;
}

FIXTURE_TEARDOWN(hotplug)
{
	set_online(HOTPLUG_CPU, true);
	if (self->fd >= 0)
		close(self->fd);
}

#define NEED_TWO_CPUS()								\
	do {									\
		if (online_cpus() < 2)						\
			SKIP(return, "needs 2 CPUs, %d online", online_cpus());	\
	} while (0)

TEST_F(hotplug, offline_online_with_vm)
{
	const struct vmx_cpu_state *c = &self->st.cpu[HOTPLUG_CPU];
	int vm;

	NEED_TWO_CPUS();
	OPEN_DEVICE_OR_SKIP(self->fd, VMXLAB_DEV);
	vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);

	ASSERT_EQ(0, set_online(HOTPLUG_CPU, false));
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_FALSE(c->online);
	EXPECT_FALSE(c->vmxon);
	EXPECT_TRUE(vmx_state_all(&self->st, true));

	ASSERT_EQ(0, set_online(HOTPLUG_CPU, true));
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_TRUE(c->online);
	EXPECT_TRUE(c->vmxon);
	EXPECT_TRUE(c->cr4_vmxe);
	EXPECT_TRUE(vmx_state_all(&self->st, true));

	close(vm);
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_TRUE(vmx_state_all(&self->st, false));
}

TEST_F(hotplug, vm_created_while_cpu_offline)
{
	const struct vmx_cpu_state *c = &self->st.cpu[HOTPLUG_CPU];
	int vm;

	NEED_TWO_CPUS();
	OPEN_DEVICE_OR_SKIP(self->fd, VMXLAB_DEV);
	ASSERT_EQ(0, set_online(HOTPLUG_CPU, false));
	vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	ASSERT_EQ(0, set_online(HOTPLUG_CPU, true));
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_TRUE(c->vmxon);
	EXPECT_TRUE(vmx_state_all(&self->st, true));
	close(vm);
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_TRUE(vmx_state_all(&self->st, false));
}

TEST_F(hotplug, no_vm_no_vmx)
{
	NEED_TWO_CPUS();
	OPEN_DEVICE_OR_SKIP(self->fd, VMXLAB_DEV);
	ASSERT_EQ(0, set_online(HOTPLUG_CPU, false));
	ASSERT_EQ(0, set_online(HOTPLUG_CPU, true));
	READ_VMX_STATE_OR_SKIP(&self->st);
	EXPECT_EQ(0U, self->st.users);
	EXPECT_TRUE(vmx_state_all(&self->st, false));
}

TEST_HARNESS_MAIN
