// SPDX-License-Identifier: GPL-2.0
/*
 * The shortest path through a vCPU, on /dev/vmxlab and /dev/kvm alike:
 * a few bytes of real-mode code doing OUT, IN, CPUID and HLT, checked
 * exit by exit. If this fails, nothing more elaborate will work.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"

#define MEM_SIZE	0x200000
#define CODE_GPA	0x1000

/*
 *	mov $0x42, %al; out %al, $0x10
 *	xor %eax, %eax (66 31 c0); cpuid (0f a2)
 *	mov $0x20, %dx; in (%dx), %al; mov %al, %bl
 *	hlt
 */
static const unsigned char code[] = {
	0xb0, 0x42, 0xe6, 0x10,
	0x66, 0x31, 0xc0, 0x0f, 0xa2,
	0xba, 0x20, 0x00, 0xec, 0x88, 0xc3,
	0xf4,
};

FIXTURE(smoke) {
	int dev, vm, vcpu;
	struct kvm_run *run;
	void *mem;
};

FIXTURE_VARIANT(smoke) {
	const char *path;
};

FIXTURE_VARIANT_ADD(smoke, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(smoke, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(smoke)
{
	self->dev = self->vm = self->vcpu = -1;
	self->mem = MAP_FAILED;
}

FIXTURE_TEARDOWN(smoke)
{
	if (self->vcpu >= 0)
		close(self->vcpu);
	if (self->vm >= 0)
		close(self->vm);
	if (self->dev >= 0)
		close(self->dev);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, MEM_SIZE);
}

TEST_F(smoke, real_mode_io_cpuid_hlt)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int size;

	OPEN_DEVICE_OR_SKIP(self->dev, variant->path);
	self->vm = ioctl(self->dev, KVM_CREATE_VM, 0);
	ASSERT_GE(self->vm, 0);
	self->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memcpy((char *)self->mem + CODE_GPA, code, sizeof(code));
	region.userspace_addr = (unsigned long)self->mem;
	ASSERT_EQ(0, ioctl(self->vm, KVM_SET_USER_MEMORY_REGION, &region));

	self->vcpu = ioctl(self->vm, KVM_CREATE_VCPU, 0);
	ASSERT_GE(self->vcpu, 0) TH_LOG("KVM_CREATE_VCPU: %s", strerror(errno));
	size = ioctl(self->dev, KVM_GET_VCPU_MMAP_SIZE, 0);
	self->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->vcpu, 0);
	ASSERT_NE(MAP_FAILED, self->run);

	ASSERT_EQ(0, ioctl(self->vcpu, KVM_GET_SREGS, &sregs));
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ASSERT_EQ(0, ioctl(self->vcpu, KVM_SET_SREGS, &sregs));
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_GPA;
	regs.rflags = 2;
	ASSERT_EQ(0, ioctl(self->vcpu, KVM_SET_REGS, &regs));

	/* OUT */
	ASSERT_EQ(0, ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_IO, self->run->exit_reason)
		TH_LOG("exit %u", self->run->exit_reason);
	EXPECT_EQ(KVM_EXIT_IO_OUT, self->run->io.direction);
	EXPECT_EQ(0x10, self->run->io.port);
	EXPECT_EQ(1, self->run->io.size);
	EXPECT_EQ(1U, self->run->io.count);
	EXPECT_EQ(0x42, *((unsigned char *)self->run + self->run->io.data_offset));

	/* CPUID is handled in the kernel; IN exits and the value reaches BL. */
	ASSERT_EQ(0, ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_IO, self->run->exit_reason);
	EXPECT_EQ(KVM_EXIT_IO_IN, self->run->io.direction);
	EXPECT_EQ(0x20, self->run->io.port);
	*((unsigned char *)self->run + self->run->io.data_offset) = 0x99;

	ASSERT_EQ(0, ioctl(self->vcpu, KVM_RUN, 0));
	ASSERT_EQ(KVM_EXIT_HLT, self->run->exit_reason)
		TH_LOG("exit %u", self->run->exit_reason);
	ASSERT_EQ(0, ioctl(self->vcpu, KVM_GET_REGS, &regs));
	EXPECT_EQ(0x99U, regs.rbx & 0xff);
	EXPECT_EQ(CODE_GPA + sizeof(code), regs.rip);
}

TEST_HARNESS_MAIN
