// SPDX-License-Identifier: GPL-2.0
/*
 * Guest accesses to guest-physical addresses with no memory slot exit to
 * userspace as KVM_EXIT_MMIO: address, length, direction and data for
 * writes of every size and form (register and immediate sources), and for
 * reads the value userspace supplies, merged, zero- or sign-extended into
 * the destination register as the instruction says. A KVM_MEM_READONLY
 * slot reads as memory and turns writes into MMIO exits.
 */
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define MMIO_GPA	0xc0000000ULL	/* no slot, mapped by the guest */
#define RO_GPA		0xa0000000ULL
#define RO_SLOT		1
#define RO_SIZE		0x10000ULL

FIXTURE(mmio) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(mmio) {
	const char *path;
};

FIXTURE_VARIANT_ADD(mmio, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(mmio, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(mmio)
{
}

FIXTURE_TEARDOWN(mmio)
{
	vm_free(self->vm);
}

#define ASSERT_MMIO(vcpu, write, gpa, size)				\
	do {								\
		ASSERT_EXIT_REASON(vcpu, KVM_EXIT_MMIO);		\
		EXPECT_EQ(write, (vcpu)->run->mmio.is_write);		\
		EXPECT_EQ((uint64_t)(gpa), (vcpu)->run->mmio.phys_addr);\
		ASSERT_EQ((uint32_t)(size), (vcpu)->run->mmio.len);	\
	} while (0)

static uint64_t mmio_data(struct vcpu *vcpu)
{
	uint64_t v = 0;

	memcpy(&v, vcpu->run->mmio.data, vcpu->run->mmio.len);
	return v;
}

extern char mmio_write_insn[], mmio_write_next[];

static void __attribute__((noinline)) guest_mmio_writes(void)
{
	char *p = (char *)MMIO_GPA;

	/* From registers... */
	asm volatile("mmio_write_insn: movb %%al, (%0)\n"
		     "mmio_write_next:"
		     : : "r"(p + 1), "a"(0x11) : "memory");
	asm volatile("movw %%ax, (%0)" : : "r"(p + 2), "a"(0x2233) : "memory");
	asm volatile("movl %%eax, (%0)" : : "r"(p + 4), "a"(0x44556677)
		     : "memory");
	asm volatile("movq %%rax, (%0)" : : "r"(p + 8),
		     "a"(0x8899aabbccddeeffULL) : "memory");
	/* ... and immediates, the last sign-extended to 64 bits. */
	asm volatile("movb $0x5a, (%0)" : : "r"(p + 0x11) : "memory");
	asm volatile("movw $0x1234, (%0)" : : "r"(p + 0x12) : "memory");
	asm volatile("movl $0xdeadbeef, (%0)" : : "r"(p + 0x14) : "memory");
	asm volatile("movq $-2, (%0)" : : "r"(p + 0x18) : "memory");
	GUEST_DONE();
}

TEST_F(mmio, writes_of_every_size)
{
	static const struct {
		uint64_t off, len, data;
	} w[] = {
		{ 0x01, 1, 0x11 },
		{ 0x02, 2, 0x2233 },
		{ 0x04, 4, 0x44556677 },
		{ 0x08, 8, 0x8899aabbccddeeffULL },
		{ 0x11, 1, 0x5a },
		{ 0x12, 2, 0x1234 },
		{ 0x14, 4, 0xdeadbeef },
		{ 0x18, 8, 0xfffffffffffffffeULL },
	};
	struct kvm_regs regs;
	size_t i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_mmio_writes,
				       &self->vcpu);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		RUN_EXIT(self->vcpu, KVM_EXIT_MMIO);
		ASSERT_MMIO(self->vcpu, 1, MMIO_GPA + w[i].off, w[i].len);
		EXPECT_EQ(w[i].data, mmio_data(self->vcpu)) TH_LOG("write %zu", i);
		if (i == 0) {
			/* A write is complete at the exit: RIP is past it. */
			vcpu_regs_get(self->vcpu, &regs);
			EXPECT_EQ((uintptr_t)mmio_write_next, regs.rip);
		}
	}
	RUN_DONE(self->vcpu);
}

extern char mmio_read_insn[];

static void __attribute__((noinline)) guest_mmio_reads(void)
{
	char *p = (char *)MMIO_GPA;
	uint64_t v;

	v = ~0ULL;
	asm volatile("mmio_read_insn: movb (%1), %%al"
		     : "+a"(v) : "r"(p + 0x20) : "memory");
	GUEST_SYNC(v);
	v = ~0ULL;
	asm volatile("movw (%1), %%ax" : "+a"(v) : "r"(p + 0x22) : "memory");
	GUEST_SYNC(v);
	v = ~0ULL;
	asm volatile("movl (%1), %%eax" : "+a"(v) : "r"(p + 0x24) : "memory");
	GUEST_SYNC(v);
	asm volatile("movq (%1), %0" : "=r"(v) : "r"(p + 0x28) : "memory");
	GUEST_SYNC(v);
	asm volatile("movzbl (%1), %k0" : "=r"(v) : "r"(p + 0x30) : "memory");
	GUEST_SYNC(v);
	asm volatile("movsbq (%1), %0" : "=r"(v) : "r"(p + 0x31) : "memory");
	GUEST_SYNC(v);
	asm volatile("movzwl (%1), %k0" : "=r"(v) : "r"(p + 0x32) : "memory");
	GUEST_SYNC(v);
	asm volatile("movswq (%1), %0" : "=r"(v) : "r"(p + 0x34) : "memory");
	GUEST_SYNC(v);
	asm volatile("movslq (%1), %0" : "=r"(v) : "r"(p + 0x38) : "memory");
	GUEST_SYNC(v);
}

TEST_F(mmio, reads_land_in_the_register)
{
	static const struct {
		uint64_t off, len, data, want;
	} r[] = {
		{ 0x20, 1, 0x81, 0xffffffffffffff81ULL },	/* merges */
		{ 0x22, 2, 0x8281, 0xffffffffffff8281ULL },	/* merges */
		{ 0x24, 4, 0x84838281, 0x0000000084838281ULL },	/* zero-ext */
		{ 0x28, 8, 0x8887868584838281ULL, 0x8887868584838281ULL },
		{ 0x30, 1, 0x90, 0x90 },			/* MOVZX */
		{ 0x31, 1, 0x90, 0xffffffffffffff90ULL },	/* MOVSX */
		{ 0x32, 2, 0x9192, 0x9192 },
		{ 0x34, 2, 0x9192, 0xffffffffffff9192ULL },
		{ 0x38, 4, 0x80000001, 0xffffffff80000001ULL },	/* MOVSXD */
	};
	struct ucall *uc = &self->uc;
	struct kvm_regs regs;
	size_t i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_mmio_reads,
				       &self->vcpu);
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		RUN_EXIT(self->vcpu, KVM_EXIT_MMIO);
		ASSERT_MMIO(self->vcpu, 0, MMIO_GPA + r[i].off, r[i].len);
		if (i == 0) {
			/* A read waits for its data: RIP is still on it. */
			vcpu_regs_get(self->vcpu, &regs);
			EXPECT_EQ((uintptr_t)mmio_read_insn, regs.rip);
		}
		memcpy(self->vcpu->run->mmio.data, &r[i].data, r[i].len);
		RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
		EXPECT_EQ(r[i].want, uc->args[0]) TH_LOG("read %zu", i);
	}
	RUN_DONE(self->vcpu);
}

static void guest_readonly(void)
{
	volatile uint64_t *ro = (uint64_t *)RO_GPA;
	uint64_t before = ro[1];

	GUEST_SYNC(ro[0], ro[1], ro[RO_SIZE / 8 - 1]);
	ro[1] = 0x1111222233334444ULL;
	*(volatile uint32_t *)(RO_GPA + 0x100) = 0x55667788;
	/* The writes went to userspace, not to memory. */
	GUEST_ASSERT_EQ(ro[1], before);
	GUEST_SYNC(ro[1]);
}

TEST_F(mmio, readonly_slot_reads_memory_and_exits_on_write)
{
	struct ucall *uc = &self->uc;
	uint64_t *hva;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	if (vm_check_cap(self->vm, KVM_CAP_READONLY_MEM) <= 0)
		SKIP(return, "KVM_CAP_READONLY_MEM not offered");
	hva = vm_add_memory(self->vm, RO_SLOT, RO_GPA, RO_SIZE,
			    KVM_MEM_READONLY);
	hva[0] = 0x0123456789abcdefULL;
	hva[1] = 0xfeedfacecafef00dULL;
	hva[RO_SIZE / 8 - 1] = 42;
	self->vcpu = vm_add_vcpu(self->vm, 0, guest_readonly);

	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	EXPECT_EQ(0x0123456789abcdefULL, uc->args[0]);
	EXPECT_EQ(0xfeedfacecafef00dULL, uc->args[1]);
	EXPECT_EQ(42ULL, uc->args[2]);

	RUN_EXIT(self->vcpu, KVM_EXIT_MMIO);
	ASSERT_MMIO(self->vcpu, 1, RO_GPA + 8, 8);
	EXPECT_EQ(0x1111222233334444ULL, mmio_data(self->vcpu));
	RUN_EXIT(self->vcpu, KVM_EXIT_MMIO);
	ASSERT_MMIO(self->vcpu, 1, RO_GPA + 0x100, 4);
	EXPECT_EQ(0x55667788ULL, mmio_data(self->vcpu));

	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	EXPECT_EQ(0xfeedfacecafef00dULL, uc->args[0]);
	EXPECT_EQ(0xfeedfacecafef00dULL, hva[1]);
	RUN_DONE(self->vcpu);
}

static void guest_mmio_then_memory(void)
{
	volatile uint32_t *mmio = (uint32_t *)MMIO_GPA;
	uint32_t v = *mmio;

	/* Userspace's answer, used like any other value. */
	GUEST_SYNC(v + 1);
	*mmio = v * 2;
}

TEST_F(mmio, read_modify_write_round_trip)
{
	struct ucall *uc = &self->uc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_mmio_then_memory,
				       &self->vcpu);
	RUN_EXIT(self->vcpu, KVM_EXIT_MMIO);
	ASSERT_MMIO(self->vcpu, 0, MMIO_GPA, 4);
	memcpy(self->vcpu->run->mmio.data, &(uint32_t){ 1000 }, 4);
	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	EXPECT_EQ(1001ULL, uc->args[0]);
	RUN_EXIT(self->vcpu, KVM_EXIT_MMIO);
	ASSERT_MMIO(self->vcpu, 1, MMIO_GPA, 4);
	EXPECT_EQ(2000ULL, mmio_data(self->vcpu));
	RUN_DONE(self->vcpu);
}

TEST_HARNESS_MAIN
