// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions the hypervisor handles itself or refuses, and guests gone
 * wrong:
 *   VMCALL with an unknown number returns -KVM_ENOSYS (-1000) in RAX;
 *   VMX instructions are #UD for a guest not offered VMX;
 *   XSETBV checks its index and value (#GP), needs CR4.OSXSAVE (#UD),
 *   and without XSAVE in CPUID, CR4.OSXSAVE is reserved (#GP);
 *   WBINVD and INVD just continue;
 *   CR8 reads back what was written; without an in-kernel LAPIC, KVM
 *   returns KVM_EXIT_SET_TPR when the guest lowers it;
 *   a triple fault is KVM_EXIT_SHUTDOWN;
 *   fetching code from a guest-physical address with no slot is
 *   KVM_EXIT_INTERNAL_ERROR (emulation failure), and KVM queues a #UD that
 *   the guest takes on the next KVM_RUN;
 *   a 32-bit task switch: KVM emulates it, vmxlab refuses it cleanly.
 */
#include <string.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define CR4_OSXSAVE	(1ULL << 18)
#define CR4_VMXE	(1ULL << 13)
#define XCR0_X87	(1ULL << 0)
#define XCR0_SSE	(1ULL << 1)
#define XCR0_YMM	(1ULL << 2)
#define NOSLOT_GPA	0xc0000000ULL

FIXTURE(misc) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(misc) {
	const char *path;
};

FIXTURE_VARIANT_ADD(misc, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(misc, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(misc)
{
}

FIXTURE_TEARDOWN(misc)
{
	vm_free(self->vm);
}

static uint64_t vmcall(uint64_t nr, uint64_t a0, uint64_t a1)
{
	uint64_t ret;

	asm volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a0), "c"(a1)
		     : "memory");
	return ret;
}

static void guest_vmcall(void)
{
	GUEST_ASSERT_EQ(vmcall(0x7fff, 1, 2), -(uint64_t)KVM_ENOSYS);
	GUEST_ASSERT_EQ(vmcall(0xdeadbeef, 0, 0), -(uint64_t)KVM_ENOSYS);
	GUEST_ASSERT_EQ(vmcall(0x123400000000ULL, 0, 0),
			-(uint64_t)KVM_ENOSYS);
	GUEST_DONE();
}

TEST_F(misc, unknown_hypercall_returns_enosys)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_vmcall,
				       &self->vcpu);
	RUN_DONE(self->vcpu);
}

static uint64_t vmx_region[512] __attribute__((aligned(4096)));

static void guest_vmx_insns(void)
{
	uint64_t pa = (uintptr_t)vmx_region, v = 0;
	struct {
		uint64_t a, b;
	} desc = { 0, 0 };

	GUEST_ASSERT_EQ(guest_asm_safe("vmxon %1", "m"(pa)), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("vmxoff"), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("vmptrld %1", "m"(pa)), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("vmptrst %1", "m"(v)), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("vmclear %1", "m"(pa)), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("vmread %%rax, %%rbx", "a"(0x4400ULL)),
			UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("vmwrite %%rbx, %%rax",
				       "a"(0x681eULL), "b"(0ULL)), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("vmlaunch"), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("vmresume"), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("invept %1, %%rax", "m"(desc),
				       "a"(1ULL)), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("invvpid %1, %%rax", "m"(desc),
				       "a"(1ULL)), UD_VECTOR);
	/* VMX is not in the guest's CPUID, so CR4.VMXE is reserved. */
	GUEST_ASSERT_EQ(set_cr4_safe(get_cr4() | CR4_VMXE), GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr4() & CR4_VMXE, 0);
	GUEST_DONE();
}

TEST_F(misc, vmx_instructions_are_undefined)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_vmx_insns,
				       &self->vcpu);
	RUN_DONE(self->vcpu);
}

static void guest_xsetbv(uint64_t has_avx)
{
	/* Without CR4.OSXSAVE, XSETBV is #UD before any VM exit. */
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE), UD_VECTOR);
	set_cr4(get_cr4() | CR4_OSXSAVE);
	/* The reset value. */
	GUEST_ASSERT_EQ(xgetbv(0), XCR0_X87);

	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE), NO_EXCEPTION);
	GUEST_ASSERT_EQ(xgetbv(0), XCR0_X87 | XCR0_SSE);
	if (has_avx) {
		GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE | XCR0_YMM),
				NO_EXCEPTION);
		GUEST_ASSERT_EQ(xgetbv(0), XCR0_X87 | XCR0_SSE | XCR0_YMM);
	}

	GUEST_ASSERT_EQ(xsetbv_safe(0, 0), GP_VECTOR);		/* no x87 */
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_SSE), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_YMM), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | (1ULL << 63)), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(1, XCR0_X87 | XCR0_SSE), GP_VECTOR);
	/* The refused values changed nothing. */
	GUEST_ASSERT_EQ(xgetbv(0), XCR0_X87 | XCR0_SSE |
				   (has_avx ? XCR0_YMM : 0));
	GUEST_DONE();
}

static int xgetbv_safe(uint32_t index)
{
	uint32_t lo = 0, hi = 0;
	uint64_t vec;

	asm volatile("lea 1f(%%rip), %%r14\n\t"
		     "movabs $" GUEST_STR(GUEST_FIXUP_MAGIC) ", %%r15\n\t"
		     "xgetbv\n"
		     "1:\tmov %%r15, %[vec]"
		     : [vec] "=r"(vec), "+a"(lo), "+d"(hi) : "c"(index)
		     : "r14", "r15", "memory", "cc");
	return vec == GUEST_FIXUP_MAGIC ? NO_EXCEPTION : (int)vec;
}

/* No XSAVE offered: CR4.OSXSAVE is reserved, XSETBV and XGETBV are #UD. */
static void guest_no_xsave(void)
{
	GUEST_ASSERT_EQ(set_cr4_safe(get_cr4() | CR4_OSXSAVE), GP_VECTOR);
	GUEST_ASSERT_EQ(xsetbv_safe(0, XCR0_X87 | XCR0_SSE), UD_VECTOR);
	GUEST_ASSERT_EQ(xgetbv_safe(0), UD_VECTOR);
	GUEST_DONE();
}

/* Where the CPUID has no XSAVE (as in the lab), the second flavour runs. */
TEST_F(misc, xsetbv_legal_and_illegal)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_cpuid_entry2 *leaf1;
	bool xsave, avx;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	cpuid = default_cpuid(self->vm);
	leaf1 = cpuid_find(cpuid, 1, 0);
	xsave = leaf1 && (leaf1->ecx & (1U << 26));
	avx = leaf1 && (leaf1->ecx & (1U << 28));
	free(cpuid);
	self->vcpu = vm_add_vcpu(self->vm, 0, xsave ? (void *)guest_xsetbv :
					      (void *)guest_no_xsave);
	vcpu_args_set(self->vcpu, 1, (uint64_t)avx);
	RUN_DONE(self->vcpu);
}

static void guest_caches(void)
{
	asm volatile("wbinvd");
	GUEST_SYNC(1);
	asm volatile("invd");
	GUEST_SYNC(2);
}

TEST_F(misc, wbinvd_and_invd_continue)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_caches,
				       &self->vcpu);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(1ULL, self->uc.args[0]);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(2ULL, self->uc.args[0]);
	RUN_DONE(self->vcpu);
}

static uint64_t get_cr8(void)
{
	uint64_t v;

	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

extern char cr8_lower_next[];

static void __attribute__((noinline)) guest_cr8(void)
{
	GUEST_ASSERT_EQ(get_cr8(), 0);
	asm volatile("mov %0, %%cr8" : : "r"(5ULL));
	GUEST_SYNC(get_cr8());
	asm volatile("mov %0, %%cr8\n"
		     "cr8_lower_next:" : : "r"(2ULL));
	GUEST_SYNC(get_cr8());
	GUEST_ASSERT_EQ(guest_asm_safe("mov %%rax, %%cr8", "a"(0x10ULL)),
			GP_VECTOR);
	GUEST_ASSERT_EQ(get_cr8(), 2);
	GUEST_DONE();
}

TEST_F(misc, cr8_round_trip_and_set_tpr_exit)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_cr8, &self->vcpu);
	/* Raising CR8 stays in the guest. */
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(5ULL, self->uc.args[0]);
	EXPECT_EQ(5ULL, self->vcpu->run->cr8);

	/* Lowering it is for userspace to see (no in-kernel LAPIC). */
	RUN_EXIT(self->vcpu, KVM_EXIT_SET_TPR);
	EXPECT_EQ(2ULL, self->vcpu->run->cr8);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ((uintptr_t)cr8_lower_next, regs.rip);
	vcpu_sregs_get(self->vcpu, &sregs);
	EXPECT_EQ(2ULL, sregs.cr8);

	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(2ULL, self->uc.args[0]);
	RUN_DONE(self->vcpu);
}

static void guest_triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { 0, 0 };

	asm volatile("lidt %0; int3" : : "m"(idtr));
	GUEST_DONE();
}

TEST_F(misc, triple_fault_is_shutdown)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_triple_fault,
				       &self->vcpu);
	RUN_EXIT(self->vcpu, KVM_EXIT_SHUTDOWN);
}

static void guest_jump_nowhere(void)
{
	((void (*)(void))NOSLOT_GPA)();
	GUEST_DONE();
}

TEST_F(misc, code_fetch_from_no_slot)
{
	struct kvm_regs regs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_jump_nowhere,
				       &self->vcpu);
	RUN_EXIT(self->vcpu, KVM_EXIT_INTERNAL_ERROR);
	EXPECT_EQ((uint32_t)KVM_INTERNAL_ERROR_EMULATION,
		  self->vcpu->run->internal.suberror);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ(NOSLOT_GPA, regs.rip);

	/* KVM queued #UD with the exit: the guest takes it now. */
	RUN_UCALL(self->vcpu, UCALL_UNHANDLED, &self->uc);
	EXPECT_EQ((uint64_t)UD_VECTOR, self->uc.args[0]);
	EXPECT_EQ(NOSLOT_GPA, self->uc.args[2]);
}

/*
 * A 32-bit JMP to another TSS. KVM emulates the task switch: the new
 * task's OUT runs. vmxlab does not emulate task switches; it refuses
 * cleanly, with an internal error that names the exit (9, task switch)
 * and the TSS selector in the qualification (docs/conformance.md).
 */
#define TS_GDT_GPA	0x13000ULL
#define TS_TSS_A_GPA	0x14000ULL	/* the current task's */
#define TS_TSS_B_GPA	0x14100ULL	/* the new task's */
#define TS_CODE_GPA	0x15000ULL
#define TS_NEW_EIP	0x15100ULL
#define TS_PORT		0xf7
#define TS_SEL_B	0x20

static uint64_t tss_desc(uint32_t base, uint8_t type)
{
	return 103 | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)(0x80 | type) << 40 | (uint64_t)(base >> 24) << 56;
}

static void ts_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .db = 1, .s = 1, .g = 1,
	};
}

TEST_F(misc, task_switch_by_jmp)
{
	static const uint8_t jmp[] = { 0xea, 0, 0, 0, 0, TS_SEL_B, 0 };
	static const uint8_t task_b[] = { 0xe6, TS_PORT, 0xf4 };	/* out; hlt */
	struct kvm_run *run;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = TS_CODE_GPA, .rsp = 0x17000,
				 .rflags = 2 };
	uint64_t *gdt;
	uint32_t *tss;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	self->vcpu = vcpu_create(self->vm, 0);
	run = self->vcpu->run;
	gdt = gpa_to_hva(self->vm, TS_GDT_GPA);
	gdt[0] = 0;
	gdt[1] = 0x00cf9b000000ffffULL;		/* 0x08: code, flat */
	gdt[2] = 0x00cf93000000ffffULL;		/* 0x10: data, flat */
	gdt[3] = tss_desc(TS_TSS_A_GPA, 0xb);	/* 0x18: busy, TR */
	gdt[4] = tss_desc(TS_TSS_B_GPA, 0x9);	/* 0x20: available */
	tss = gpa_to_hva(self->vm, TS_TSS_B_GPA);
	memset(tss, 0, 104);
	tss[8] = TS_NEW_EIP;	/* EIP */
	tss[9] = 2;		/* EFLAGS */
	tss[14] = 0x16000;	/* ESP */
	tss[18] = 0x10;		/* ES */
	tss[19] = 0x08;		/* CS */
	tss[20] = 0x10;		/* SS */
	tss[21] = 0x10;		/* DS */
	tss[22] = 0x10;		/* FS */
	tss[23] = 0x10;		/* GS */
	tss[25] = 104 << 16;	/* no I/O bitmap */
	memcpy(gpa_to_hva(self->vm, TS_CODE_GPA), jmp, sizeof(jmp));
	memcpy(gpa_to_hva(self->vm, TS_NEW_EIP), task_b, sizeof(task_b));

	vcpu_sregs_get(self->vcpu, &sregs);
	ts_seg(&sregs.cs, 0x08, 11);
	ts_seg(&sregs.ds, 0x10, 3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment){ .base = TS_TSS_A_GPA, .limit = 103,
					 .selector = 0x18, .type = 11,
					 .present = 1 };
	sregs.ldt = (struct kvm_segment){ .type = 2, .unusable = 1 };
	sregs.gdt.base = TS_GDT_GPA;
	sregs.gdt.limit = 5 * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = 0x31;	/* PE, ET, NE */
	sregs.cr3 = sregs.cr4 = sregs.efer = 0;
	vcpu_sregs_set(self->vcpu, &sregs);
	vcpu_regs_set(self->vcpu, &regs);

	if (strcmp(variant->path, VMXLAB_DEV)) {
		RUN_EXIT(self->vcpu, KVM_EXIT_IO);
		EXPECT_EQ(TS_PORT, run->io.port);
		vcpu_sregs_get(self->vcpu, &sregs);
		EXPECT_EQ(TS_SEL_B, sregs.tr.selector);
		return;
	}
	RUN_EXIT(self->vcpu, KVM_EXIT_INTERNAL_ERROR);
	EXPECT_EQ((uint32_t)KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
		  run->internal.suberror);
	ASSERT_LE(4U, run->internal.ndata);
	EXPECT_EQ(9ULL, run->internal.data[0]);		/* task switch */
	EXPECT_EQ((uint64_t)TS_SEL_B, run->internal.data[2] & 0xffff);
	EXPECT_EQ(2ULL, run->internal.data[2] >> 30);	/* by JMP */
	EXPECT_EQ(TS_CODE_GPA, run->internal.data[3]);
	/* And again: the refusal holds, nothing moved. */
	RUN_EXIT(self->vcpu, KVM_EXIT_INTERNAL_ERROR);
	EXPECT_EQ(TS_CODE_GPA, run->internal.data[3]);
}

TEST_HARNESS_MAIN
