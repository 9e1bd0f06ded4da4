// SPDX-License-Identifier: GPL-2.0
/*
 * The guest in each CPU mode: real mode straight from the reset state
 * (CS base 0xffff0000, IP 0xfff0) and from a CS:IP set through SREGS;
 * 32-bit protected mode with flat segments, without paging and with
 * 2-level paging; 64-bit long mode with a 4 KiB mapping above 4 GiB.
 */
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define RM_PORT		0x2f0
#define PM_PORT		0x2f4
#define RM_GPA		0x10000ULL	/* real-mode code at 1000:0000 */
#define RESET_GPA	0xffff0000ULL	/* the 64 KiB below 4 GiB */
#define ALIAS_LINEAR	0x40000000U	/* 2-level paging: not identity */
#define HIGH_GVA	0x00007f1234567000ULL

#define CR0_PE		(1U << 0)
#define CR0_PG		(1U << 31)

/*
 * Real-mode code, position independent in its 64 KiB segment: it is
 * copied to RM_GPA and runs at CS = 0x1000, IP = 0. Data offsets are
 * differences of labels, so they hold wherever it lands.
 */
extern char rm_start[], rm_data[], rm_result[], rm_end[];
asm(
"	.pushsection .text, \"ax\"\n"
"	.code16\n"
"rm_start:\n"
"	mov %cs, %ax\n"
"	mov %ax, %ds\n"
"	mov $0x2000, %ax\n"
"	mov %ax, %ss\n"
"	mov $0x1000, %sp\n"
"	mov $" GUEST_STR(RM_PORT) ", %dx\n"
"	mov %cs, %ax\n"
"	out %ax, %dx\n"				/* 1: CS */
"	mov rm_data - rm_start, %ax\n"
"	out %ax, %dx\n"				/* 2: a word of its own data */
"	in %dx, %al\n"				/* 3: a byte from the host */
"	mov %al, rm_result - rm_start\n"
"	pushw $0x1234\n"
"	popw %bx\n"
"	mov %bx, %ax\n"
"	out %ax, %dx\n"				/* 4: through the stack */
"	mov $0x12345678, %eax\n"
"	out %eax, %dx\n"			/* 5: a 32-bit OUT */
"	mov %cr0, %eax\n"
"	out %eax, %dx\n"			/* 6: CR0 */
"	hlt\n"
"rm_data:\n"
"	.word 0xbeef\n"
"rm_result:\n"
"	.byte 0\n"
"rm_end:\n"
"	.code64\n"
"	.popsection\n"
);

/* 32-bit code, run in place (the image is identity mapped). */
uint32_t pm_value = 0xcafe1234;
uint32_t pm_result;
extern char pm_start[];
asm(
"	.pushsection .text, \"ax\"\n"
"	.code32\n"
"pm_start:\n"
"	mov $" GUEST_STR(PM_PORT) ", %dx\n"
"	mov %cr0, %eax\n"
"	out %eax, %dx\n"			/* 1: CR0 */
"	mov pm_value, %eax\n"
"	out %eax, %dx\n"			/* 2: a global */
"	movl $0x600dc0de, pm_result\n"
"	mov %esp, %eax\n"
"	out %eax, %dx\n"			/* 3: ESP */
"	test %ecx, %ecx\n"
"	jz 1f\n"
"	mov $" GUEST_STR(ALIAS_LINEAR) ", %ebx\n"
"	movl $0x11223344, (%ebx)\n"
"	mov 4(%ebx), %eax\n"
"	out %eax, %dx\n"			/* 4: read through the alias */
"1:	hlt\n"
"	.code64\n"
"	.popsection\n"
);

FIXTURE(modes) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(modes) {
	const char *path;
};

FIXTURE_VARIANT_ADD(modes, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(modes, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(modes)
{
}

FIXTURE_TEARDOWN(modes)
{
	vm_free(self->vm);
}

static uint64_t io_value(struct vcpu *vcpu)
{
	uint64_t v = 0;

	memcpy(&v, (char *)vcpu->run + vcpu->run->io.data_offset,
	       vcpu->run->io.size);
	return v;
}

/* The next exit is an OUT of size bytes of want to port. */
#define EXPECT_OUT(vcpu, _port, _size, _want)				\
	do {								\
		RUN_EXIT(vcpu, KVM_EXIT_IO);				\
		EXPECT_EQ(KVM_EXIT_IO_OUT, (vcpu)->run->io.direction);	\
		EXPECT_EQ(_port, (vcpu)->run->io.port);			\
		ASSERT_EQ(_size, (vcpu)->run->io.size);			\
		EXPECT_EQ((uint64_t)(_want), io_value(vcpu));		\
	} while (0)

/* Run rm_start (at 1000:0000) to its HLT. */
static void run_real_mode(struct __test_metadata *_metadata,
			  struct vm *vm, struct vcpu *vcpu)
{
	uint8_t *result = gpa_to_hva(vm, RM_GPA + (rm_result - rm_start));
	struct kvm_regs regs;

	EXPECT_OUT(vcpu, RM_PORT, 2, 0x1000);
	EXPECT_OUT(vcpu, RM_PORT, 2, 0xbeef);
	RUN_EXIT(vcpu, KVM_EXIT_IO);
	EXPECT_EQ(KVM_EXIT_IO_IN, vcpu->run->io.direction);
	ASSERT_EQ(1, vcpu->run->io.size);
	*((uint8_t *)vcpu->run + vcpu->run->io.data_offset) = 0x5a;
	EXPECT_OUT(vcpu, RM_PORT, 2, 0x1234);
	EXPECT_OUT(vcpu, RM_PORT, 4, 0x12345678);
	RUN_EXIT(vcpu, KVM_EXIT_IO);
	EXPECT_EQ(0U, io_value(vcpu) & CR0_PE);
	RUN_EXIT(vcpu, KVM_EXIT_HLT);
	EXPECT_EQ(0x5a, *result);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ((uint64_t)(rm_data - rm_start), regs.rip);
}

TEST_F(modes, real_mode_from_reset)
{
	/* ljmp $0x1000, $0x0000 */
	static const uint8_t reset_jump[] = { 0xea, 0x00, 0x00, 0x00, 0x10 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_bare(variant->path);
	vm_add_memory(self->vm, 0, 0, 1 << 20, 0);
	vm_add_memory(self->vm, 1, RESET_GPA, 0x10000, 0);
	vm_load(self->vm, RM_GPA, rm_start, rm_end);
	vm_load(self->vm, 0xfffffff0ULL, reset_jump,
		reset_jump + sizeof(reset_jump));
	self->vcpu = vcpu_create(self->vm, 0);

	/* The architectural reset state, as the vCPU is created. */
	vcpu_sregs_get(self->vcpu, &sregs);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ(0xf000, sregs.cs.selector);
	EXPECT_EQ(0xffff0000ULL, sregs.cs.base);
	EXPECT_EQ(0xffffU, sregs.cs.limit);
	EXPECT_EQ(0xfff0ULL, regs.rip);
	EXPECT_EQ(2ULL, regs.rflags);
	EXPECT_EQ(0x60000010ULL, sregs.cr0);
	EXPECT_EQ(0ULL, sregs.cr4);
	EXPECT_EQ(0ULL, sregs.efer);
	EXPECT_EQ(0ULL, sregs.ds.base);
	EXPECT_EQ(0xffffU, sregs.ds.limit);
	/* KVM: RDX holds CPUID.1.EAX, 0x600 while no CPUID is set. */
	EXPECT_EQ(0x600ULL, regs.rdx);

	run_real_mode(_metadata, self->vm, self->vcpu);
}

TEST_F(modes, real_mode_at_cs_ip)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_bare(variant->path);
	vm_add_memory(self->vm, 0, 0, 1 << 20, 0);
	vm_load(self->vm, RM_GPA, rm_start, rm_end);
	self->vcpu = vcpu_create(self->vm, 0);
	vcpu_set_real_mode(self->vcpu, RM_GPA >> 4, 0, 0);
	run_real_mode(_metadata, self->vm, self->vcpu);
}

TEST_F(modes, protected_mode_flat_no_paging)
{
	struct kvm_regs regs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	self->vcpu = vm_add_vcpu(self->vm, 0, NULL);
	vcpu_set_protected_mode(self->vcpu, (uintptr_t)pm_start, 0x300000, 0);

	EXPECT_OUT(self->vcpu, PM_PORT, 4, CR0_PE | 0x30);
	EXPECT_OUT(self->vcpu, PM_PORT, 4, 0xcafe1234);
	EXPECT_OUT(self->vcpu, PM_PORT, 4, 0x300000);
	RUN_EXIT(self->vcpu, KVM_EXIT_HLT);
	sync_global_from_guest(self->vm, pm_result);
	EXPECT_EQ(0x600dc0deU, pm_result);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ(0x300000ULL, regs.rsp);
}

/*
 * 32-bit page tables: the first 32 MiB identity mapped with 4 KiB pages,
 * plus ALIAS_LINEAR mapped to the page at alias_gpa.
 */
static uint32_t build_2level(struct vm *vm, uint64_t alias_gpa)
{
	uint32_t pd = vm_alloc(vm, 4096);
	uint32_t *pde = gpa_to_hva(vm, pd);
	uint32_t *pte;
	uint32_t i, j, pt;

	for (i = 0; i < 8; i++) {
		pt = vm_alloc(vm, 4096);
		pte = gpa_to_hva(vm, pt);
		for (j = 0; j < 1024; j++)
			pte[j] = (i << 22 | j << 12) | 3;
		pde[i] = pt | 3;
	}
	pt = vm_alloc(vm, 4096);
	pte = gpa_to_hva(vm, pt);
	pte[0] = alias_gpa | 3;
	pde[ALIAS_LINEAR >> 22] = pt | 3;
	return pd;
}

TEST_F(modes, protected_mode_two_level_paging)
{
	uint64_t alias_gpa;
	uint32_t *alias;
	uint32_t cr3;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	alias_gpa = vm_alloc(self->vm, 4096);
	alias = gpa_to_hva(self->vm, alias_gpa);
	alias[1] = 0x55aa55aa;
	cr3 = build_2level(self->vm, alias_gpa);
	self->vcpu = vm_add_vcpu(self->vm, 0, NULL);
	vcpu_set_protected_mode(self->vcpu, (uintptr_t)pm_start, 0x300000, cr3);
	vcpu_args_set(self->vcpu, 4, 0ULL, 0ULL, 0ULL, 1ULL);	/* ECX = 1 */

	EXPECT_OUT(self->vcpu, PM_PORT, 4, CR0_PG | CR0_PE | 0x30);
	EXPECT_OUT(self->vcpu, PM_PORT, 4, 0xcafe1234);
	EXPECT_OUT(self->vcpu, PM_PORT, 4, 0x300000);
	EXPECT_OUT(self->vcpu, PM_PORT, 4, 0x55aa55aa);
	RUN_EXIT(self->vcpu, KVM_EXIT_HLT);
	/* The write through ALIAS_LINEAR reached the aliased page. */
	EXPECT_EQ(0x11223344U, alias[0]);
	/* And the linear address itself is no guest-physical memory. */
	EXPECT_EQ(NULL, gpa_to_hva(self->vm, ALIAS_LINEAR));
}

static void guest_long_mode(uint64_t gva)
{
	volatile uint64_t *high = (uint64_t *)gva;
	uint64_t efer;

	GUEST_ASSERT(get_cr0() & CR0_PG);
	GUEST_ASSERT(get_cr4() & (1 << 5));		/* PAE */
	efer = rdmsr(0xc0000080);
	GUEST_ASSERT(efer & (1 << 10));			/* LMA */
	GUEST_SYNC(high[0]);
	high[1] = 0xabcdef0123456789ULL;
}

TEST_F(modes, long_mode_with_page_above_4g)
{
	uint64_t page;
	uint64_t *hva;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	page = vm_alloc(self->vm, 4096);
	hva = gpa_to_hva(self->vm, page);
	hva[0] = 0x1122334455667788ULL;
	vm_map_page(self->vm, HIGH_GVA, page);
	self->vcpu = vm_add_vcpu(self->vm, 0, guest_long_mode);
	vcpu_args_set(self->vcpu, 1, HIGH_GVA);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(0x1122334455667788ULL, self->uc.args[0]);
	RUN_DONE(self->vcpu);
	EXPECT_EQ(0xabcdef0123456789ULL, hva[1]);
}

TEST_HARNESS_MAIN
