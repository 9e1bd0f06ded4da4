// SPDX-License-Identifier: GPL-2.0
/*
 * The system and VM ioctls of the KVM ABI that need no vCPU, run against
 * /dev/vmxlab and /dev/kvm with the same expectations: a difference is a
 * bug in one of them.
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_VARIANT(dev) {
	const char *path;
};

FIXTURE_VARIANT_ADD(dev, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(dev, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(dev)
{
	self->fd = -1;
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(dev, api_version)
{
	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	EXPECT_EQ(12, ioctl(self->fd, KVM_GET_API_VERSION, 0));
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_API_VERSION, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, check_extension_unknown)
{
	static const long unknown[] = { 0x7fff, 100000, -1L, 1L << 40 };
	unsigned int i;

	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		EXPECT_EQ(0, ioctl(self->fd, KVM_CHECK_EXTENSION, unknown[i]))
			TH_LOG("cap %ld", unknown[i]);
}

TEST_F(dev, vcpu_mmap_size)
{
	long page = sysconf(_SC_PAGESIZE);
	int size;

	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	size = ioctl(self->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_GE(size, (int)sizeof(struct kvm_run));
	EXPECT_EQ(0, size % page);
	/* The PIO data page follows the kvm_run page, then the ring. */
	EXPECT_GE(size, (KVM_PIO_PAGE_OFFSET + 1) * page);
	EXPECT_GE(size, (KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * page);
	EXPECT_EQ(-1, ioctl(self->fd, KVM_GET_VCPU_MMAP_SIZE, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, create_vm_type)
{
	int vm;

	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	EXPECT_EQ(-1, ioctl(self->fd, KVM_CREATE_VM, 0xdeadUL));
	EXPECT_EQ(EINVAL, errno);
	vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0) TH_LOG("KVM_CREATE_VM: %s", strerror(errno));
	close(vm);
}

TEST_F(dev, bad_system_ioctls)
{
	static const unsigned long bad[] = {
		_IO(KVMIO, 0xfe), _IO('Z', 0x01), _IOW(KVMIO, 0xfd, int),
		0, ~0UL,
	};
	unsigned int i;

	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, ioctl(self->fd, bad[i], 0));
		EXPECT_EQ(EINVAL, errno) TH_LOG("ioctl %#lx", bad[i]);
	}
}

TEST_F(dev, bad_vm_ioctls)
{
	static const unsigned long bad[] = {
		_IO(KVMIO, 0xfe), _IO('Z', 0x01), _IOW(KVMIO, 0xfd, int),
		KVM_GET_API_VERSION, 0, ~0UL,
	};
	unsigned int i;
	int vm;

	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-1, ioctl(vm, bad[i], 0));
		EXPECT_EQ(ENOTTY, errno) TH_LOG("ioctl %#lx", bad[i]);
	}
	close(vm);
}

TEST_F(dev, vm_check_extension)
{
	int vm;

	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	ASSERT_EQ(1, ioctl(self->fd, KVM_CHECK_EXTENSION,
			   KVM_CAP_CHECK_EXTENSION_VM));
	vm = ioctl(self->fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	EXPECT_EQ(1, ioctl(vm, KVM_CHECK_EXTENSION,
			   KVM_CAP_CHECK_EXTENSION_VM));
	EXPECT_EQ(0, ioctl(vm, KVM_CHECK_EXTENSION, 0x7fff));
	close(vm);
}

/*
 * vmxlab reports only what it implements. These capabilities belong to
 * later stages (vCPUs, memory, irqchip); each moves to a positive check
 * when it is done.
 */
TEST(vmxlab_unimplemented_caps_report_zero)
{
	static const long caps[] = {
		KVM_CAP_X2APIC_API, KVM_CAP_SYNC_REGS, KVM_CAP_DIRTY_LOG_RING,
	};
	unsigned int i;
	int fd;

	OPEN_DEVICE_OR_SKIP(fd, VMXLAB_DEV);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		EXPECT_EQ(0, ioctl(fd, KVM_CHECK_EXTENSION, caps[i]))
			TH_LOG("cap %ld", caps[i]);
	close(fd);
}

/* The capabilities of the vCPU engine, reported on both devices. */
TEST_F(dev, implemented_caps_reported)
{
	static const long caps[] = {
		KVM_CAP_USER_MEMORY, KVM_CAP_SET_TSS_ADDR, KVM_CAP_EXT_CPUID,
		KVM_CAP_MP_STATE, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_READONLY_MEM,
		KVM_CAP_NR_VCPUS, KVM_CAP_MAX_VCPUS, KVM_CAP_NR_MEMSLOTS,
		KVM_CAP_DEBUGREGS,
	};
	unsigned int i;

	OPEN_DEVICE_OR_SKIP(self->fd, variant->path);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		EXPECT_LT(0, ioctl(self->fd, KVM_CHECK_EXTENSION, caps[i]))
			TH_LOG("cap %ld", caps[i]);
	EXPECT_LE(ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS),
		  ioctl(self->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));
}

TEST_HARNESS_MAIN
