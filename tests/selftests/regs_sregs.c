// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU state through the ioctls and what the guest makes of it:
 * KVM_GET/SET_REGS (the guest sees every GPR and flag set, the host sees
 * the guest's), KVM_GET/SET_SREGS (segment bases, CR2, refused
 * inconsistent states), KVM_GET/SET_FPU (which in KVM 6.1 ignore MXCSR),
 * KVM_GET/SET_MP_STATE without an in-kernel irqchip, and ways out of
 * KVM_RUN: immediate_exit (-EINTR, after completing the pending exit), and
 * a signal while the guest spins (-EINTR, KVM_EXIT_INTR, then resumable).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define REGS_PORT	0x3e0
#define FPU_PORT	0x3e4
#define MSR_FS_BASE	0xc0000100
#define MSR_GS_BASE	0xc0000101
#define SPIN_LIMIT	(1ULL << 28)
#define SIGNAL_USEC	5000

FIXTURE(state) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(state) {
	const char *path;
};

FIXTURE_VARIANT_ADD(state, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(state, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(state)
{
}

FIXTURE_TEARDOWN(state)
{
	vm_free(self->vm);
}

static void guest_nothing(void)
{
}

/*
 * regs_seen: RAX..R15 in kvm_regs order (RSP included), then RFLAGS, as
 * the guest found them on entry. Then it loads new values and exits.
 */
uint64_t regs_seen[17];
extern char regs_dump_entry[], regs_dump_out[];
void regs_dump_done(void);
void regs_dump_done(void)
{
	GUEST_DONE();
}

asm(
"	.pushsection .text, \"ax\"\n"
"regs_dump_entry:\n"
"	mov %rax, regs_seen + 0 * 8(%rip)\n"
"	mov %rbx, regs_seen + 1 * 8(%rip)\n"
"	mov %rcx, regs_seen + 2 * 8(%rip)\n"
"	mov %rdx, regs_seen + 3 * 8(%rip)\n"
"	mov %rsi, regs_seen + 4 * 8(%rip)\n"
"	mov %rdi, regs_seen + 5 * 8(%rip)\n"
"	mov %rsp, regs_seen + 6 * 8(%rip)\n"
"	mov %rbp, regs_seen + 7 * 8(%rip)\n"
"	mov %r8, regs_seen + 8 * 8(%rip)\n"
"	mov %r9, regs_seen + 9 * 8(%rip)\n"
"	mov %r10, regs_seen + 10 * 8(%rip)\n"
"	mov %r11, regs_seen + 11 * 8(%rip)\n"
"	mov %r12, regs_seen + 12 * 8(%rip)\n"
"	mov %r13, regs_seen + 13 * 8(%rip)\n"
"	mov %r14, regs_seen + 14 * 8(%rip)\n"
"	mov %r15, regs_seen + 15 * 8(%rip)\n"
"	pushfq\n"
"	popq regs_seen + 16 * 8(%rip)\n"
"	movabs $0xb1b1b1b1b1b1b1b1, %rbx\n"
"	movabs $0xb2b2b2b2b2b2b2b2, %rbp\n"
"	movabs $0xb3b3b3b3b3b3b3b3, %r12\n"
"	movabs $0xb4b4b4b4b4b4b4b4, %r15\n"
"	mov $" GUEST_STR(REGS_PORT) ", %edx\n"
"	xor %eax, %eax\n"
"	stc\n"
"regs_dump_out:\n"
"	out %al, %dx\n"
"	and $-16, %rsp\n"
"	call regs_dump_done\n"
"	.popsection\n"
);

TEST_F(state, regs_round_trip_and_seen_by_guest)
{
	struct kvm_regs regs, back;
	__u64 *gpr = &regs.rax;
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, regs_dump_entry,
				       &self->vcpu);
	vcpu_regs_get(self->vcpu, &regs);
	for (i = 0; i < 16; i++)
		if (&gpr[i] != &regs.rsp)
			gpr[i] = 0x0101010101010101ULL * (i + 1);
	regs.rflags = 0x8c3;	/* CF ZF SF OF and the fixed bit 1 */
	vcpu_regs_set(self->vcpu, &regs);
	vcpu_regs_get(self->vcpu, &back);
	EXPECT_EQ(0, memcmp(&regs, &back, sizeof(regs)));

	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	EXPECT_EQ(REGS_PORT, self->vcpu->run->io.port);
	sync_global_from_guest(self->vm, regs_seen);
	for (i = 0; i < 16; i++)
		EXPECT_EQ(gpr[i], regs_seen[i]) TH_LOG("register %d", i);
	EXPECT_EQ(0x8c3ULL, regs_seen[16]);

	/* The guest's registers at its OUT. */
	vcpu_regs_get(self->vcpu, &back);
	EXPECT_EQ(0xb1b1b1b1b1b1b1b1ULL, back.rbx);
	EXPECT_EQ(0xb2b2b2b2b2b2b2b2ULL, back.rbp);
	EXPECT_EQ(0xb3b3b3b3b3b3b3b3ULL, back.r12);
	EXPECT_EQ(0xb4b4b4b4b4b4b4b4ULL, back.r15);
	EXPECT_EQ(gpr[13], back.r13);
	EXPECT_EQ((uint64_t)REGS_PORT, back.rdx);
	EXPECT_EQ(0ULL, back.rax);
	EXPECT_EQ(1ULL, back.rflags & 1);
	EXPECT_EQ((uintptr_t)regs_dump_out, back.rip);
	RUN_DONE(self->vcpu);
}

TEST_F(state, rflags_bit1_is_forced)
{
	struct kvm_regs regs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_nothing,
				       &self->vcpu);
	vcpu_regs_get(self->vcpu, &regs);
	regs.rflags = 0;
	vcpu_regs_set(self->vcpu, &regs);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ(2ULL, regs.rflags);
	RUN_DONE(self->vcpu);
}

static void guest_bases(void)
{
	uint64_t cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	GUEST_SYNC(rdmsr(MSR_FS_BASE), rdmsr(MSR_GS_BASE), cr2);
	wrmsr(MSR_FS_BASE, 0x5000);
	wrmsr(MSR_GS_BASE, 0x6000);
	asm volatile("mov %0, %%cr2" : : "r"(0x7000ULL));
	GUEST_SYNC(0);
}

TEST_F(state, sregs_round_trip_and_seen_by_guest)
{
	struct kvm_sregs sregs, back;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_bases,
				       &self->vcpu);
	vcpu_sregs_get(self->vcpu, &sregs);
	sregs.fs.base = 0x1000;
	sregs.gs.base = 0xffff888000002000ULL;
	sregs.cr2 = 0x3000;
	vcpu_sregs_set(self->vcpu, &sregs);
	vcpu_sregs_get(self->vcpu, &back);
	EXPECT_EQ(sregs.fs.base, back.fs.base);
	EXPECT_EQ(sregs.gs.base, back.gs.base);
	EXPECT_EQ(sregs.cr2, back.cr2);
	EXPECT_EQ(sregs.cr0, back.cr0);
	EXPECT_EQ(sregs.cr3, back.cr3);
	EXPECT_EQ(sregs.cr4, back.cr4);
	EXPECT_EQ(sregs.efer, back.efer);
	EXPECT_EQ(sregs.cs.selector, back.cs.selector);
	EXPECT_EQ(sregs.cs.l, back.cs.l);
	EXPECT_EQ(sregs.tr.base, back.tr.base);
	EXPECT_EQ(sregs.gdt.base, back.gdt.base);
	EXPECT_EQ(sregs.idt.limit, back.idt.limit);

	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(0x1000ULL, self->uc.args[0]);
	EXPECT_EQ(0xffff888000002000ULL, self->uc.args[1]);
	EXPECT_EQ(0x3000ULL, self->uc.args[2]);

	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	vcpu_sregs_get(self->vcpu, &back);
	EXPECT_EQ(0x5000ULL, back.fs.base);
	EXPECT_EQ(0x6000ULL, back.gs.base);
	EXPECT_EQ(0x7000ULL, back.cr2);
	RUN_DONE(self->vcpu);
}

TEST_F(state, inconsistent_sregs_are_refused)
{
	struct kvm_sregs good, bad;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_nothing,
				       &self->vcpu);
	vcpu_sregs_get(self->vcpu, &good);

	bad = good;
	bad.cr0 &= ~1ULL;		/* PG without PE */
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_SREGS, &bad));
	EXPECT_EQ(EINVAL, errno);

	bad = good;
	bad.cr0 &= ~(1ULL << 31);	/* EFER.LMA without paging */
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_SREGS, &bad));
	EXPECT_EQ(EINVAL, errno);

	bad = good;
	bad.cr4 &= ~(1ULL << 5);	/* long mode without PAE */
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_SREGS, &bad));
	EXPECT_EQ(EINVAL, errno);

	bad = good;
	bad.cr4 |= 1ULL << 63;		/* reserved */
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_SREGS, &bad));
	EXPECT_EQ(EINVAL, errno);

	/* Nothing of that stuck: the guest still runs. */
	RUN_DONE(self->vcpu);
}

/*
 * fpu_seen: XMM0..XMM15 and MXCSR as the guest found them on entry; then
 * it puts a pattern in XMM2 and exits.
 */
uint64_t fpu_seen[33];
extern char fpu_dump_entry[];
void fpu_dump_done(void);
void fpu_dump_done(void)
{
	GUEST_DONE();
}

asm(
"	.pushsection .text, \"ax\"\n"
"fpu_dump_entry:\n"
"	movdqu %xmm0, fpu_seen + 0 * 16(%rip)\n"
"	movdqu %xmm1, fpu_seen + 1 * 16(%rip)\n"
"	movdqu %xmm2, fpu_seen + 2 * 16(%rip)\n"
"	movdqu %xmm3, fpu_seen + 3 * 16(%rip)\n"
"	movdqu %xmm4, fpu_seen + 4 * 16(%rip)\n"
"	movdqu %xmm5, fpu_seen + 5 * 16(%rip)\n"
"	movdqu %xmm6, fpu_seen + 6 * 16(%rip)\n"
"	movdqu %xmm7, fpu_seen + 7 * 16(%rip)\n"
"	movdqu %xmm8, fpu_seen + 8 * 16(%rip)\n"
"	movdqu %xmm9, fpu_seen + 9 * 16(%rip)\n"
"	movdqu %xmm10, fpu_seen + 10 * 16(%rip)\n"
"	movdqu %xmm11, fpu_seen + 11 * 16(%rip)\n"
"	movdqu %xmm12, fpu_seen + 12 * 16(%rip)\n"
"	movdqu %xmm13, fpu_seen + 13 * 16(%rip)\n"
"	movdqu %xmm14, fpu_seen + 14 * 16(%rip)\n"
"	movdqu %xmm15, fpu_seen + 15 * 16(%rip)\n"
"	stmxcsr fpu_seen + 32 * 8(%rip)\n"
"	pcmpeqd %xmm2, %xmm2\n"
"	mov $" GUEST_STR(FPU_PORT) ", %edx\n"
"	out %al, %dx\n"
"	and $-16, %rsp\n"
"	call fpu_dump_done\n"
"	.popsection\n"
);

TEST_F(state, fpu_round_trip_and_seen_by_guest)
{
	bool vmxlab = !strcmp(variant->path, VMXLAB_DEV);
	struct kvm_fpu fpu, back;
	int i, j;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, fpu_dump_entry,
				       &self->vcpu);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_FPU, &fpu));
	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			fpu.xmm[i][j] = i * 16 + j;
	/*
	 * KVM 6.1's KVM_SET_FPU ignores mxcsr and KVM_GET_FPU leaves it 0:
	 * there MXCSR is only reachable through KVM_GET/SET_XSAVE. vmxlab
	 * carries it, on purpose (api.rst lists it in struct kvm_fpu).
	 */
	fpu.mxcsr = 0x1f80 | 0x6000;	/* round toward zero */
	fpu.fcw = 0x27f;
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_FPU, &fpu));
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_FPU, &back));
	EXPECT_EQ(0, memcmp(fpu.xmm, back.xmm, sizeof(fpu.xmm)));
	EXPECT_EQ(fpu.fcw, back.fcw);
	EXPECT_EQ(vmxlab ? fpu.mxcsr : 0U, back.mxcsr);

	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	EXPECT_EQ(FPU_PORT, self->vcpu->run->io.port);
	sync_global_from_guest(self->vm, fpu_seen);
	EXPECT_EQ(0, memcmp(fpu.xmm, fpu_seen, sizeof(fpu.xmm)));
	/* KVM's guest kept its reset MXCSR; vmxlab's got the one set. */
	EXPECT_EQ(vmxlab ? 0x7f80ULL : 0x1f80ULL, fpu_seen[32] & 0xffffffff);

	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_FPU, &back));
	for (j = 0; j < 16; j++)
		EXPECT_EQ(0xff, back.xmm[2][j]);
	EXPECT_EQ(0, memcmp(fpu.xmm[3], back.xmm[3], 16));
	RUN_DONE(self->vcpu);
}

TEST_F(state, mp_state_without_irqchip)
{
	struct kvm_mp_state mp;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_nothing,
				       &self->vcpu);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ((uint32_t)KVM_MP_STATE_RUNNABLE, mp.mp_state);
	/* Only RUNNABLE is allowed when userspace models the LAPIC. */
	mp.mp_state = KVM_MP_STATE_HALTED;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_MP_STATE, &mp));
	EXPECT_EQ(EINVAL, errno);
	mp.mp_state = KVM_MP_STATE_UNINITIALIZED;
	EXPECT_EQ(-1, ioctl(self->vcpu->fd, KVM_SET_MP_STATE, &mp));
	EXPECT_EQ(EINVAL, errno);
	mp.mp_state = KVM_MP_STATE_RUNNABLE;
	EXPECT_EQ(0, ioctl(self->vcpu->fd, KVM_SET_MP_STATE, &mp));
	RUN_DONE(self->vcpu);
}

extern char imm_out_insn[], imm_out_next[];

static void __attribute__((noinline)) guest_out_then_sync(void)
{
	asm volatile("imm_out_insn: out %%al, %%dx\n"
		     "imm_out_next:" : : "a"(0), "d"(REGS_PORT));
	GUEST_SYNC(1);
}

/*
 * immediate_exit: KVM_RUN returns -EINTR without entering the guest, but
 * first completes what the last exit left pending (here the OUT, whose
 * RIP moves past it). KVM 6.1 leaves exit_reason as the last exit set it:
 * it does not write KVM_EXIT_INTR for this case.
 */
TEST_F(state, immediate_exit)
{
	struct kvm_regs regs;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_out_then_sync,
				       &self->vcpu);
	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ((uintptr_t)imm_out_insn, regs.rip);

	self->vcpu->run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, vcpu_run(self->vcpu));
	EXPECT_EQ((uint32_t)KVM_EXIT_IO, self->vcpu->run->exit_reason);
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ((uintptr_t)imm_out_next, regs.rip);
	/* It does not clear itself, and the guest has not moved. */
	EXPECT_EQ(-EINTR, vcpu_run(self->vcpu));
	vcpu_regs_get(self->vcpu, &regs);
	EXPECT_EQ((uintptr_t)imm_out_next, regs.rip);

	self->vcpu->run->immediate_exit = 0;
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_EQ(1ULL, self->uc.args[0]);
	RUN_DONE(self->vcpu);
}

static uint64_t spin_stop;

/* Spin until the host sets spin_stop; give up after SPIN_LIMIT rounds. */
static void guest_spin(void)
{
	uint64_t i;

	for (i = 0; i < SPIN_LIMIT && !*(volatile uint64_t *)&spin_stop; i++)
		asm volatile("pause");
	GUEST_SYNC(spin_stop, i);
}

static volatile sig_atomic_t signals;

static void on_signal(int sig)
{
	signals++;
}

static void catch_signal(int sig)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: the signal must end KVM_RUN. */
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* KVM_RUN ended by a signal; then the guest is released and finishes. */
static void spin_until_signal(struct __test_metadata *_metadata,
			      struct vm *vm, struct vcpu *vcpu)
{
	EXPECT_EQ(-EINTR, vcpu_run(vcpu));
	EXPECT_EQ((uint32_t)KVM_EXIT_INTR, vcpu->run->exit_reason);
	EXPECT_GT(signals, 0);
}

static void release_spinner(struct __test_metadata *_metadata,
			    struct vm *vm, struct vcpu *vcpu)
{
	struct ucall uc;

	spin_stop = 1;
	sync_global_to_guest(vm, spin_stop);
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(1ULL, uc.args[0]) TH_LOG("guest saw %llu after %llu rounds",
					   (unsigned long long)uc.args[0],
					   (unsigned long long)uc.args[1]);
	RUN_DONE(vcpu);
}

TEST_F(state, timer_signal_ends_run)
{
	struct itimerval it = {
		.it_value.tv_usec = SIGNAL_USEC,
		.it_interval.tv_usec = SIGNAL_USEC,
	};
	struct itimerval off = { };

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_spin, &self->vcpu);
	catch_signal(SIGALRM);
	/* Periodic, so that a tick before KVM_RUN cannot leave it stuck. */
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	spin_until_signal(_metadata, self->vm, self->vcpu);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &off, NULL));
	release_spinner(_metadata, self->vm, self->vcpu);
}

struct kicker {
	pthread_t target;
	volatile bool stop;
};

static void *kick(void *arg)
{
	struct kicker *k = arg;

	while (!k->stop) {
		usleep(SIGNAL_USEC);
		pthread_kill(k->target, SIGUSR1);
	}
	return NULL;
}

TEST_F(state, signal_from_another_thread_ends_run)
{
	struct kicker k = { .target = pthread_self() };
	pthread_t tid;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_spin, &self->vcpu);
	catch_signal(SIGUSR1);
	ASSERT_EQ(0, pthread_create(&tid, NULL, kick, &k));
	spin_until_signal(_metadata, self->vm, self->vcpu);
	k.stop = true;
	ASSERT_EQ(0, pthread_join(tid, NULL));
	release_spinner(_metadata, self->vm, self->vcpu);
}

TEST_HARNESS_MAIN
