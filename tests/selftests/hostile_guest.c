// SPDX-License-Identifier: GPL-2.0
/*
 * Guests that do what a careful guest never would, each a regression
 * test of a defect found in vmxlab, run on /dev/vmxlab and /dev/kvm:
 *   code fetched from the LAPIC or IOAPIC page (vmxlab once hung the host
 *   CPU in its instruction-fetch retry loop);
 *   REP INS whose destination turns read-only on the next page (vmxlab
 *   returned -EFAULT from KVM_RUN and lost the data);
 *   OUTS from CPL 3 out of a supervisor page (vmxlab injected #PF with
 *   error code 0);
 *   an alignment check the guest asked for (#AC at CPL 3);
 *   KVM_SET_SREGS with reserved EFER bits (vmxlab failed the entry) and
 *   with an APIC base that switches the in-kernel LAPIC to x2APIC mode
 *   (vmxlab never told the LAPIC);
 *   MXCSR through KVM_GET/SET_FPU (vmxlab dropped it; so does KVM 6.1);
 *   a resampling irqfd with a split irqchip (vmxlab accepted it);
 *   ioeventfds and irqfds beyond a limit (vmxlab had none).
 * Where KVM 6.1 behaves otherwise, the test says so and checks what it does.
 */
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"
#include "apic.h"

#define CODE32_GPA	LOW_FREE_GPA
#define STACK32_GPA	(LOW_FREE_GPA + 0x8000)
#define IO_PORT		0x1234
#define BUF_GVA		0x100000000ULL	/* two 4 KiB pages above 4 GiB */
#define EFER_RESERVED_BIT (1ULL << 15)
#define X2APIC_ID_MSR	0x802
#define APICBASE_BSP	(1ULL << 8)
#define APICBASE_EXTD	(1ULL << 10)
#define APICBASE_EN	(1ULL << 11)
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CR0_AM		(1ULL << 18)
#define RFLAGS_AC	(1ULL << 18)
#define KVM_IOBUS_MAX	1000

FIXTURE(hostile) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(hostile) {
	const char *path;
};

FIXTURE_VARIANT_ADD(hostile, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(hostile, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(hostile)
{
}

FIXTURE_TEARDOWN(hostile)
{
	vm_free(self->vm);
	if (!strcmp(variant->path, VMXLAB_DEV))
		EXPECT_VMXLAB_HOLDS_NOTHING();
}

static bool is_vmxlab(const char *path)
{
	return !strcmp(path, VMXLAB_DEV);
}

static void on_alarm(int sig)
{
}

/* KVM_RUN, interrupted by SIGALRM after @ms milliseconds if still in. */
static int run_with_alarm(struct vcpu *vcpu, long ms)
{
	struct itimerval t = { .it_value = { ms / 1000, (ms % 1000) * 1000 } };
	struct itimerval off = {};
	struct sigaction sa = { .sa_handler = on_alarm };
	int r;

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &t, NULL);
	r = vcpu_run(vcpu);
	setitimer(ITIMER_REAL, &off, NULL);
	return r;
}

/* ------------------------------------------------ string I/O */

static void guest_rep_insb(uint64_t dst, uint64_t count)
{
	asm volatile("cld; rep insb"
		     : "+D"(dst), "+c"(count) : "d"(IO_PORT) : "memory");
	GUEST_DONE();
}

/* Two pages above 4 GiB: the first writable, the second read-only. */
static uint64_t map_rw_then_ro(struct vm *vm)
{
	uint64_t gpa = vm_alloc(vm, 2 * 4096);

	vm_map_page(vm, BUF_GVA, gpa);
	vm_map_page(vm, BUF_GVA + 4096, gpa + 4096);
	*vm_pte(vm, BUF_GVA + 4096) &= ~2ULL;	/* R/W */
	return gpa;
}

/*
 * REP INSB of 32 bytes from 16 before the end of the writable page: the
 * first exit moves the 16 that fit, and the guest then takes the #PF of
 * a supervisor write to a read-only page (P|W) at the second page, with
 * RDI and RCX at that element. Nothing userspace supplied is lost.
 */
TEST_F(hostile, rep_ins_faults_at_the_read_only_page)
{
	struct kvm_run *run;
	uint8_t *buf;
	uint64_t gpa;
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_rep_insb,
				       &self->vcpu);
	gpa = map_rw_then_ro(self->vm);
	vcpu_args_set(self->vcpu, 2, BUF_GVA + 4096 - 16, 32ULL);
	run = self->vcpu->run;

	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	ASSERT_EQ(KVM_EXIT_IO_IN, run->io.direction);
	ASSERT_EQ(IO_PORT, run->io.port);
	ASSERT_EQ(16U, run->io.count) TH_LOG("the batch must stop at the page");
	for (i = 0; i < 16; i++)
		((uint8_t *)run + run->io.data_offset)[i] = 0xa0 + i;

	/*
	 * KVM 6.1 reads the port for the second page too before it finds
	 * the page read-only: one more exit, whose data is dropped.
	 */
	if (!is_vmxlab(variant->path)) {
		RUN_EXIT(self->vcpu, KVM_EXIT_IO);
		EXPECT_EQ(16U, run->io.count);
	}
	RUN_UCALL(self->vcpu, UCALL_UNHANDLED, &self->uc);
	EXPECT_EQ((uint64_t)PF_VECTOR, self->uc.args[0]);
	EXPECT_EQ(0x3ULL, self->uc.args[1]) TH_LOG("error code: P|W");
	EXPECT_EQ(BUF_GVA + 4096, self->uc.args[3]) TH_LOG("CR2");
	EXPECT_EQ(16ULL, self->uc.args[4]) TH_LOG("RCX left");
	EXPECT_EQ(BUF_GVA + 4096, self->uc.args[5]) TH_LOG("RDI");
	buf = gpa_to_hva(self->vm, gpa);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(0xa0 + i, buf[4096 - 16 + i]);
}

/* CPL 3 code: OUTSB from a page only the supervisor may read. */
static void user_outsb(void)
{
	asm volatile("cld; outsb"
		     : : "S"(BUF_GVA), "d"(IO_PORT) : "memory");
	GUEST_DONE();
}

static void guest_to_user(uint64_t fn)
{
	guest_enter_user_mode((void (*)(void))fn,
			      STACKS_GPA + STACK_SIZE / 2);
}

TEST_F(hostile, outs_from_supervisor_page_at_cpl3)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_to_user,
				       &self->vcpu);
	vm_enable_user_mode(self->vm);
	vm_map_page(self->vm, BUF_GVA, vm_alloc(self->vm, 4096));
	vcpu_args_set(self->vcpu, 1, (uint64_t)(uintptr_t)user_outsb);

	RUN_UCALL(self->vcpu, UCALL_UNHANDLED, &self->uc);
	EXPECT_EQ((uint64_t)PF_VECTOR, self->uc.args[0]);
	EXPECT_EQ(0x5ULL, self->uc.args[1]) TH_LOG("error code: P|U, a read");
	EXPECT_EQ(BUF_GVA, self->uc.args[3]) TH_LOG("CR2");
}

/* ------------------------------------------------ alignment checks */

static void user_misaligned_load(void)
{
	static volatile uint64_t words[2];
	volatile uint32_t *odd = (volatile uint32_t *)((char *)words + 1);

	(void)*odd;
	GUEST_DONE();
}

static void guest_to_user_with_ac(uint64_t fn)
{
	/* IRETQ takes RFLAGS from its frame: build it by hand with AC. */
	asm volatile("push %[ss]; push %[rsp]; push %[flags]; push %[cs];"
		     "push %[rip]; iretq"
		     : : [ss] "i"(SEL_USER_DATA),
		       [rsp] "r"(STACKS_GPA + STACK_SIZE / 2),
		       [flags] "i"(0x3002 | RFLAGS_AC),
		       [cs] "i"(SEL_USER_CODE64), [rip] "r"(fn) : "memory");
}

TEST_F(hostile, alignment_check_the_guest_enabled)
{
	struct kvm_sregs sregs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_to_user_with_ac,
				       &self->vcpu);
	vm_enable_user_mode(self->vm);
	vcpu_sregs_get(self->vcpu, &sregs);
	sregs.cr0 |= CR0_AM;
	vcpu_sregs_set(self->vcpu, &sregs);
	vcpu_args_set(self->vcpu, 1,
		      (uint64_t)(uintptr_t)user_misaligned_load);

	RUN_UCALL(self->vcpu, UCALL_UNHANDLED, &self->uc);
	EXPECT_EQ(17ULL, self->uc.args[0]) TH_LOG("#AC");
	EXPECT_EQ(0ULL, self->uc.args[1]);
}

/* ------------------------------------------------ KVM_SET_SREGS */

static void guest_done(void)
{
	GUEST_DONE();
}

/*
 * A reserved EFER bit must never turn into a failed entry: vmxlab
 * refuses it with -EINVAL and the vCPU runs on as it was. KVM 6.1 takes
 * the value and then fails the entry (invalid guest state, seen in the
 * lab): the difference is on purpose.
 */
TEST_F(hostile, sregs_with_reserved_efer_bits)
{
	struct kvm_sregs sregs;
	int r;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_done,
				       &self->vcpu);
	vcpu_sregs_get(self->vcpu, &sregs);
	sregs.efer |= EFER_RESERVED_BIT;
	r = ioctl(self->vcpu->fd, KVM_SET_SREGS, &sregs);
	if (!is_vmxlab(variant->path)) {
		ASSERT_EQ(0, r);
		RUN_EXIT(self->vcpu, KVM_EXIT_FAIL_ENTRY);
		return;
	}
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EINVAL, errno);
	RUN_DONE(self->vcpu);
}

static void guest_x2apic_id(void)
{
	uint64_t id;

	GUEST_ASSERT_EQ(NO_EXCEPTION, rdmsr_safe(X2APIC_ID_MSR, &id));
	GUEST_ASSERT_EQ(0, id);
	GUEST_DONE();
}

/* The in-kernel LAPIC follows the APIC base that KVM_SET_SREGS gives. */
TEST_F(hostile, sregs_apic_base_reaches_the_lapic)
{
	struct kvm_cpuid_entry2 *leaf1;
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_CREATE_IRQCHIP, 0));
	self->vcpu = vm_add_vcpu(self->vm, 0, guest_x2apic_id);
	cpuid = default_cpuid(self->vm);
	leaf1 = cpuid_find(cpuid, 1, 0);
	ASSERT_NE(NULL, leaf1);
	leaf1->ecx |= CPUID_1_ECX_X2APIC;
	ASSERT_EQ(0, vcpu_set_cpuid(self->vcpu, cpuid));
	free(cpuid);

	/* x2APIC enabled without xAPIC enabled is not a state: refused. */
	vcpu_sregs_get(self->vcpu, &sregs);
	sregs.apic_base = APIC_BASE | APICBASE_BSP | APICBASE_EXTD;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_SREGS, &sregs));
	EXPECT_EQ(EINVAL, errno);

	sregs.apic_base = APIC_BASE | APICBASE_BSP | APICBASE_EN |
			  APICBASE_EXTD;
	vcpu_sregs_set(self->vcpu, &sregs);
	vcpu_sregs_get(self->vcpu, &sregs);
	EXPECT_EQ(APIC_BASE | APICBASE_BSP | APICBASE_EN | APICBASE_EXTD,
		  sregs.apic_base);
	RUN_DONE(self->vcpu);
}

/* ------------------------------------------------ KVM_GET/SET_FPU */

static void guest_report_mxcsr(void)
{
	uint32_t mxcsr;

	asm volatile("stmxcsr %0" : "=m"(mxcsr));
	GUEST_SYNC(mxcsr);
	GUEST_DONE();
}

/* struct kvm_fpu has MXCSR; KVM 6.1 leaves it out, vmxlab carries it. */
TEST(fpu_ioctls_carry_mxcsr_on_vmxlab)
{
	struct {
		struct vm *vm;
		struct vcpu *vcpu;
		struct ucall uc;
	} s, *self = &s;
	struct kvm_fpu fpu;

	GUEST_DEVICE_OR_SKIP(VMXLAB_DEV);
	self->vm = vm_create_with_vcpu(VMXLAB_DEV, guest_report_mxcsr,
				       &self->vcpu);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_FPU, &fpu));
	fpu.mxcsr = 0x1fa0;	/* all masked, round down, precision set */
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_FPU, &fpu));
	memset(&fpu, 0, sizeof(fpu));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_FPU, &fpu));
	EXPECT_EQ(0x1fa0U, fpu.mxcsr);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(0x1fa0ULL, self->uc.args[0]);

	/* Bit 31 is reserved in every MXCSR_MASK. */
	fpu.mxcsr = 0x80001f80;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_FPU, &fpu));
	EXPECT_EQ(EINVAL, errno);
	vm_free(self->vm);
	EXPECT_VMXLAB_HOLDS_NOTHING();
}

/* ------------------------------------------------ eventfd limits */

TEST_F(hostile, resampling_irqfd_needs_the_full_irqchip)
{
	struct kvm_enable_cap split = {
		.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 },
	};
	struct kvm_irqfd irqfd = { .gsi = 5, .flags = KVM_IRQFD_FLAG_RESAMPLE };

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_bare(variant->path);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_ENABLE_CAP, &split));
	irqfd.fd = eventfd(0, EFD_CLOEXEC);
	irqfd.resamplefd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(irqfd.fd, 0);
	ASSERT_GE(irqfd.resamplefd, 0);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));
	EXPECT_EQ(EINVAL, errno);
	/* An edge irqfd (MSI routes) is fine with the split irqchip. */
	irqfd.flags = 0;
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));
	close(irqfd.fd);
	close(irqfd.resamplefd);
}

/*
 * vmxlab bounds ioeventfds at 1000 (KVM 6.1 counts them apart from its
 * I/O bus limit and has none): then -ENOSPC.
 */
TEST(ioeventfd_count_is_bounded_on_vmxlab)
{
	struct kvm_ioeventfd ev = { .len = 1, .flags = KVM_IOEVENTFD_FLAG_PIO };
	struct {
		struct vm *vm;
	} s, *self = &s;
	int i, efd;

	GUEST_DEVICE_OR_SKIP(VMXLAB_DEV);
	self->vm = vm_create_bare(VMXLAB_DEV);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(efd, 0);
	ev.fd = efd;
	for (i = 0; i < KVM_IOBUS_MAX; i++) {
		ev.addr = 0x1000 + i;
		ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &ev))
			TH_LOG("ioeventfd %d: %s", i, strerror(errno));
	}
	ev.addr = 0x1000 + i;
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IOEVENTFD, &ev));
	EXPECT_EQ(ENOSPC, errno);
	/* One freed makes room for one. */
	ev.addr = 0x1000;
	ev.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &ev));
	ev.flags &= ~KVM_IOEVENTFD_FLAG_DEASSIGN;
	ev.addr = 0x1000 + KVM_IOBUS_MAX;
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &ev));
	vm_free(self->vm);
	close(efd);
	EXPECT_VMXLAB_HOLDS_NOTHING();
}

/* vmxlab bounds irqfds too (KVM does not): 4096, then -ENOSPC. */
TEST(irqfd_count_is_bounded_on_vmxlab)
{
	struct rlimit nofile = { 4300, 4300 };
	struct kvm_irqfd irqfd = { .gsi = 1 };
	static int fds[4097];
	struct vm *vm;
	int i;

	GUEST_DEVICE_OR_SKIP(VMXLAB_DEV);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &nofile));
	vm = vm_create_bare(VMXLAB_DEV);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	for (i = 0; i < 4097; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		ASSERT_GE(fds[i], 0);
		irqfd.fd = fds[i];
		if (i < 4096)
			ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &irqfd))
				TH_LOG("irqfd %d: %s", i, strerror(errno));
	}
	EXPECT_EQ(-1, ioctl(vm->fd, KVM_IRQFD, &irqfd));
	EXPECT_EQ(ENOSPC, errno);
	vm_free(vm);
	for (i = 0; i < 4097; i++)
		close(fds[i]);
	EXPECT_VMXLAB_HOLDS_NOTHING();
}

/* ------------------------------------------------ code in MMIO pages
 *
 * Last, because before its fix vmxlab hung the host CPU here.
 */

/* A 32-bit flat guest with an in-kernel irqchip that jumps to @target. */
static void jump_to_32bit(struct __test_metadata *_metadata,
			  FIXTURE_DATA(hostile) *self, const char *path,
			  uint32_t target)
{
	/* mov $target, %eax; jmp *%eax */
	uint8_t code[] = { 0xb8, 0, 0, 0, 0, 0xff, 0xe0 };
	struct kvm_cpuid2 *cpuid;
	struct kvm_regs regs;
	int r;

	memcpy(code + 1, &target, 4);
	self->vm = vm_create(path);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_CREATE_IRQCHIP, 0));
	self->vcpu = vcpu_create(self->vm, 0);
	cpuid = default_cpuid(self->vm);
	ASSERT_EQ(0, vcpu_set_cpuid(self->vcpu, cpuid));
	free(cpuid);
	memcpy(gpa_to_hva(self->vm, CODE32_GPA), code, sizeof(code));
	vcpu_set_protected_mode(self->vcpu, CODE32_GPA, STACK32_GPA, 0);

	/*
	 * vmxlab: an emulation failure where the code was, at once. KVM,
	 * whose APIC-access page reads as zeros, may instead emulate those
	 * forever: there the run must at least end when a signal comes.
	 */
	r = run_with_alarm(self->vcpu, 500);
	if (!is_vmxlab(path) && r == -EINTR)
		return;
	ASSERT_EQ(0, r) TH_LOG("KVM_RUN: %s", strerror(-r));
	ASSERT_EXIT_REASON(self->vcpu, KVM_EXIT_INTERNAL_ERROR);
	EXPECT_EQ((uint32_t)KVM_INTERNAL_ERROR_EMULATION,
		  self->vcpu->run->internal.suberror);
	vcpu_regs_get(self->vcpu, &regs);
	/* KVM runs through the APIC page's zeros to the end of the page. */
	if (is_vmxlab(path))
		EXPECT_EQ(target, regs.rip);
	EXPECT_LE(target, regs.rip);
	EXPECT_GE((target & ~0xfffULL) + 0x1000, regs.rip);
}

TEST_F(hostile, code_fetch_from_the_apic_page)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	jump_to_32bit(_metadata, self, variant->path, APIC_BASE);
}

TEST_F(hostile, code_fetch_from_the_ioapic_page)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	jump_to_32bit(_metadata, self, variant->path, IOAPIC_BASE + 0x10);
}

TEST_HARNESS_MAIN
