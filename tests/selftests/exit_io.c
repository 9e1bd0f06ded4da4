// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O that exits to userspace (no in-kernel devices are created):
 * KVM_EXIT_IO's direction, size, port, count and data_offset, the data in
 * the PIO page both ways, how IN merges into RAX, and string I/O with REP
 * in both directions of the direction flag.
 */
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define PORT_A		0x10
#define PORT_B		0x1234
#define PORT_C		0xfff8
#define PORT_STR	0x600

FIXTURE(io) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(io) {
	const char *path;
};

FIXTURE_VARIANT_ADD(io, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(io, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(io)
{
}

FIXTURE_TEARDOWN(io)
{
	vm_free(self->vm);
}

static void *pio_data(struct vcpu *vcpu)
{
	return (char *)vcpu->run + vcpu->run->io.data_offset;
}

/* The exit is port I/O as described; compare the data separately. */
#define ASSERT_IO(vcpu, dir, sz, prt, cnt)				\
	do {								\
		struct kvm_run *__run = (vcpu)->run;			\
		ASSERT_EXIT_REASON(vcpu, KVM_EXIT_IO);			\
		EXPECT_EQ(dir, __run->io.direction);			\
		EXPECT_EQ(sz, __run->io.size);				\
		EXPECT_EQ(prt, __run->io.port);				\
		ASSERT_EQ((uint32_t)(cnt), __run->io.count);		\
		/* The data page follows kvm_run in the vCPU mapping. */\
		ASSERT_EQ((uint64_t)KVM_PIO_PAGE_OFFSET * getpagesize(),\
			  __run->io.data_offset);			\
	} while (0)

extern char out_b_insn[], in_b_insn[];

static void __attribute__((noinline)) guest_out_sizes(void)
{
	asm volatile("out_b_insn: outb %%al, %[p]"
		     : : "a"(0x12), [p] "i"(PORT_A));
	asm volatile("outw %%ax, %%dx" : : "a"(0x3456), "d"(PORT_B));
	asm volatile("outl %%eax, %%dx" : : "a"(0x789abcde), "d"(PORT_C));
	GUEST_DONE();
}

TEST_F(io, out_1_2_4_bytes)
{
	struct kvm_regs regs;
	uint32_t v;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_out_sizes,
				       &self->vcpu);

	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	ASSERT_IO(self->vcpu, KVM_EXIT_IO_OUT, 1, PORT_A, 1);
	EXPECT_EQ(0x12, *(uint8_t *)pio_data(self->vcpu));
	/*
	 * KVM leaves RIP on the OUT until the next KVM_RUN completes it,
	 * so userspace sees the instruction that exited.
	 */
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ((uintptr_t)out_b_insn, regs.rip);

	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	ASSERT_IO(self->vcpu, KVM_EXIT_IO_OUT, 2, PORT_B, 1);
	EXPECT_EQ(0x3456, *(uint16_t *)pio_data(self->vcpu));

	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	ASSERT_IO(self->vcpu, KVM_EXIT_IO_OUT, 4, PORT_C, 1);
	memcpy(&v, pio_data(self->vcpu), 4);
	EXPECT_EQ(0x789abcdeU, v);

	RUN_DONE(self->vcpu);
}

static void __attribute__((noinline)) guest_in_sizes(void)
{
	uint64_t v;

	/* IN to AL and AX keeps the rest of RAX; IN to EAX zero-extends. */
	v = ~0ULL;
	asm volatile("in_b_insn: inb %[p], %%al" : "+a"(v) : [p] "i"(PORT_A));
	GUEST_SYNC(v);
	v = ~0ULL;
	asm volatile("inw %%dx, %%ax" : "+a"(v) : "d"(PORT_B));
	GUEST_SYNC(v);
	v = ~0ULL;
	asm volatile("inl %%dx, %%eax" : "+a"(v) : "d"(PORT_C));
	GUEST_SYNC(v);
}

TEST_F(io, in_1_2_4_bytes_land_in_rax)
{
	struct ucall *uc = &self->uc;
	struct kvm_regs regs;
	uint32_t v = 0x89abcdef;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_in_sizes,
				       &self->vcpu);

	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	ASSERT_IO(self->vcpu, KVM_EXIT_IO_IN, 1, PORT_A, 1);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ((uintptr_t)in_b_insn, regs.rip);
	*(uint8_t *)pio_data(self->vcpu) = 0xab;
	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	EXPECT_EQ(0xffffffffffffffabULL, uc->args[0]);

	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	ASSERT_IO(self->vcpu, KVM_EXIT_IO_IN, 2, PORT_B, 1);
	*(uint16_t *)pio_data(self->vcpu) = 0xcdef;
	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	EXPECT_EQ(0xffffffffffffcdefULL, uc->args[0]);

	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	ASSERT_IO(self->vcpu, KVM_EXIT_IO_IN, 4, PORT_C, 1);
	memcpy(pio_data(self->vcpu), &v, 4);
	RUN_UCALL(self->vcpu, UCALL_SYNC, uc);
	EXPECT_EQ(0x0000000089abcdefULL, uc->args[0]);

	RUN_DONE(self->vcpu);
}

static const char out_text[] = "vmxlab";
static uint16_t in_buf[16] __attribute__((aligned(4096)));

/* REP OUTSB of len bytes from src, backwards when down. */
static void guest_outsb(const char *src, uint64_t len, uint64_t down)
{
	uint64_t si = (uintptr_t)src, cx = len;

	if (down)
		asm volatile("std; rep outsb; cld"
			     : "+S"(si), "+c"(cx) : "d"(PORT_STR) : "memory");
	else
		asm volatile("cld; rep outsb"
			     : "+S"(si), "+c"(cx) : "d"(PORT_STR) : "memory");
	GUEST_SYNC(si, cx);
}

/*
 * KVM emulates string OUT one element per exit: count is always 1, and
 * RCX/RSI step by one element between exits.
 */
static void check_outsb(struct __test_metadata *_metadata, struct vcpu *vcpu,
			bool down)
{
	size_t len = strlen(out_text);
	struct ucall uc;
	size_t i;

	vcpu_args_set(vcpu, 3, down ? (uint64_t)&out_text[len - 1] :
			       (uint64_t)out_text, (uint64_t)len,
		      (uint64_t)down);
	for (i = 0; i < len; i++) {
		char want = down ? out_text[len - 1 - i] : out_text[i];

		RUN_EXIT(vcpu, KVM_EXIT_IO);
		ASSERT_IO(vcpu, KVM_EXIT_IO_OUT, 1, PORT_STR, 1);
		EXPECT_EQ(want, *(char *)pio_data(vcpu)) TH_LOG("byte %zu", i);
	}
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(0ULL, uc.args[1]);
	EXPECT_EQ(down ? (uint64_t)out_text - 1 : (uint64_t)out_text + len,
		  uc.args[0]);
}

TEST_F(io, rep_outsb_forward)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_outsb,
				       &self->vcpu);
	check_outsb(_metadata, self->vcpu, false);
	RUN_DONE(self->vcpu);
}

TEST_F(io, rep_outsb_backward)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_outsb,
				       &self->vcpu);
	check_outsb(_metadata, self->vcpu, true);
	RUN_DONE(self->vcpu);
}

/* REP INSW of n words to dst, backwards when down. */
static void guest_insw(uint16_t *dst, uint64_t n, uint64_t down)
{
	uint64_t di = (uintptr_t)dst, cx = n;

	if (down)
		asm volatile("std; rep insw; cld"
			     : "+D"(di), "+c"(cx) : "d"(PORT_STR) : "memory");
	else
		asm volatile("cld; rep insw"
			     : "+D"(di), "+c"(cx) : "d"(PORT_STR) : "memory");
	GUEST_SYNC(di, cx);
}

/*
 * KVM reads ahead for string IN: one exit asks for all the elements that
 * fit (count > 1), and they are stored in the direction DF says.
 */
static void check_insw(struct __test_metadata *_metadata, struct vm *vm,
		       struct vcpu *vcpu, bool down)
{
	static const uint16_t words[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
	uint16_t *start = down ? &in_buf[11] : &in_buf[8];
	struct ucall uc;
	int i;

	vcpu_args_set(vcpu, 3, (uint64_t)start, 4ULL, (uint64_t)down);
	RUN_EXIT(vcpu, KVM_EXIT_IO);
	ASSERT_IO(vcpu, KVM_EXIT_IO_IN, 2, PORT_STR, 4);
	memcpy(pio_data(vcpu), words, sizeof(words));
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(0ULL, uc.args[1]);
	EXPECT_EQ((uint64_t)(down ? start - 4 : start + 4), uc.args[0]);

	sync_global_from_guest(vm, in_buf);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(words[i], down ? start[-i] : start[i])
			TH_LOG("word %d", i);
	/* Nothing outside the four words was written. */
	EXPECT_EQ(0, in_buf[7]);
	EXPECT_EQ(0, in_buf[12]);
}

TEST_F(io, rep_insw_forward)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_insw, &self->vcpu);
	check_insw(_metadata, self->vm, self->vcpu, false);
	RUN_DONE(self->vcpu);
}

TEST_F(io, rep_insw_backward)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_insw, &self->vcpu);
	check_insw(_metadata, self->vm, self->vcpu, true);
	RUN_DONE(self->vcpu);
}

static void guest_out_loop(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		asm volatile("outl %%eax, %%dx" : : "a"((uint32_t)i),
			     "d"(PORT_B));
}

TEST_F(io, many_exits_in_order)
{
	uint32_t i, v;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_out_loop,
				       &self->vcpu);
	vcpu_args_set(self->vcpu, 1, 1000ULL);
	for (i = 0; i < 1000; i++) {
		RUN_EXIT(self->vcpu, KVM_EXIT_IO);
		ASSERT_IO(self->vcpu, KVM_EXIT_IO_OUT, 4, PORT_B, 1);
		memcpy(&v, pio_data(self->vcpu), 4);
		ASSERT_EQ(i, v);
	}
	RUN_DONE(self->vcpu);
}

TEST_HARNESS_MAIN
