// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_VM on vmxlab and VMX operation per CPU: the first VM turns
 * VMX on for every online CPU and the last one to close turns it off, as
 * read back from vmxlab's debugfs (which reads CR4 on each CPU).
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"

#define MANY_CYCLES	20
#define MANY_OPEN	16
#define THREADS		4
#define THREAD_CYCLES	25

FIXTURE(vmxlab) {
	int fd;
	struct vmx_state st;
};

FIXTURE_SETUP(vmxlab)
{
	self->fd = -1;
}

FIXTURE_TEARDOWN(vmxlab)
{
	if (self->fd >= 0)
		close(self->fd);
}

#define EXPECT_VMX(self, on, nr_users)						\
	do {									\
		READ_VMX_STATE_OR_SKIP(&(self)->st);				\
		EXPECT_EQ((unsigned int)(nr_users), (self)->st.users);			\
		EXPECT_TRUE(vmx_state_all(&(self)->st, (on)))			\
			TH_LOG("expected VMX %s on every online CPU",		\
			       (on) ? "on" : "off");				\
	} while (0)

TEST_F(vmxlab, idle_module_leaves_vmx_off)
{
	OPEN_DEVICE_OR_SKIP(self->fd, VMXLAB_DEV);
	EXPECT_VMX(self, false, 0);
}

TEST_F(vmxlab, one_vm_turns_vmx_on_and_off)
{
	int vm;

	OPEN_DEVICE_OR_SKIP(self->fd, VMXLAB_DEV);
	vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0) TH_LOG("KVM_CREATE_VM: %s", strerror(errno));
	EXPECT_VMX(self, true, 1);
	close(vm);
	EXPECT_VMX(self, false, 0);
}

TEST_F(vmxlab, many_vms_in_turn)
{
	int i, vm;

	OPEN_DEVICE_OR_SKIP(self->fd, VMXLAB_DEV);
	for (i = 0; i < MANY_CYCLES; i++) {
		vm = ioctl(self->fd, KVM_CREATE_VM, 0);
		ASSERT_GE(vm, 0) TH_LOG("cycle %d: %s", i, strerror(errno));
		EXPECT_VMX(self, true, 1);
		close(vm);
		EXPECT_VMX(self, false, 0);
	}
}

TEST_F(vmxlab, many_vms_at_once)
{
	int vms[MANY_OPEN];
	int i;

	OPEN_DEVICE_OR_SKIP(self->fd, VMXLAB_DEV);
	for (i = 0; i < MANY_OPEN; i++) {
		vms[i] = ioctl(self->fd, KVM_CREATE_VM, 0);
		ASSERT_GE(vms[i], 0) TH_LOG("vm %d: %s", i, strerror(errno));
	}
	EXPECT_VMX(self, true, MANY_OPEN);
	/* Close out of creation order: only the last close turns VMX off. */
	for (i = 0; i < MANY_OPEN; i += 2)
		close(vms[i]);
	EXPECT_VMX(self, true, MANY_OPEN / 2);
	for (i = 1; i < MANY_OPEN; i += 2)
		close(vms[i]);
	EXPECT_VMX(self, false, 0);
}

struct creator {
	int devfd;
	int failures;
	int last_errno;
};

static void *create_vms(void *arg)
{
	struct creator *c = arg;
	int i, vm;

	for (i = 0; i < THREAD_CYCLES; i++) {
		vm = ioctl(c->devfd, KVM_CREATE_VM, 0);
		if (vm < 0) {
			c->failures++;
			c->last_errno = errno;
			continue;
		}
		if (i % 3)
			usleep(100);
		close(vm);
	}
	return NULL;
}

TEST_F(vmxlab, threads_create_vms_concurrently)
{
	struct creator c[THREADS];
	pthread_t tid[THREADS];
	int i;

	OPEN_DEVICE_OR_SKIP(self->fd, VMXLAB_DEV);
	for (i = 0; i < THREADS; i++) {
		c[i] = (struct creator){ .devfd = self->fd };
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, create_vms, &c[i]));
	}
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
		EXPECT_EQ(0, c[i].failures)
			TH_LOG("thread %d: %s", i, strerror(c[i].last_errno));
	}
	EXPECT_VMX(self, false, 0);
}

TEST_HARNESS_MAIN
