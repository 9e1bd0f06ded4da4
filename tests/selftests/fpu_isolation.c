// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's SSE/AVX state and the host's are kept apart: the guest's
 * XMM (or YMM) registers and MXCSR survive its exits to userspace (port
 * I/O, MMIO, HLT) while the host works in between, the host's registers
 * and MXCSR are intact when KVM_RUN returns (loaded right before the
 * system call and read right after it), the guest never starts with
 * the host's values, and a vCPU thread preempted in KVM_RUN by another
 * task on its CPU comes back to the guest's registers, not the task's.
 */
#include <cpuid.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define FPU_PORT	0x3f0
#define MMIO_GPA	0xc0000000ULL
#define HOST_MXCSR	0x5f80		/* all masked, round up */
#define GUEST_MXCSR	0x3f80		/* all masked, round down */
#define CR4_OSXSAVE	(1ULL << 18)

/* Register n's value lives at [n][0..31]; XMM uses the first 16 bytes. */
uint8_t fpu_guest_pattern[16][32] __attribute__((aligned(32)));
uint8_t fpu_entry_seen[16][32] __attribute__((aligned(32)));
uint8_t fpu_after[16][32] __attribute__((aligned(32)));
uint32_t fpu_entry_mxcsr, fpu_after_mxcsr;
uint32_t fpu_guest_mxcsr = GUEST_MXCSR;

void fpu_guest_done(void);
void fpu_guest_done(void)
{
	GUEST_DONE();
}

/*
 * The guest: record what it starts with, load its own values, take three
 * kinds of exit with nothing else touching the registers, record what it
 * has, and say DONE. The YMM flavour first turns on AVX in XCR0.
 */
#define GUEST_FPU_BODY(load, store, reg)				\
"	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"			\
"	" store " %" reg "\\n, fpu_entry_seen + \\n * 32(%rip)\n"	\
"	.endr\n"							\
"	stmxcsr fpu_entry_mxcsr(%rip)\n"				\
"	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"			\
"	" load " fpu_guest_pattern + \\n * 32(%rip), %" reg "\\n\n"	\
"	.endr\n"							\
"	ldmxcsr fpu_guest_mxcsr(%rip)\n"				\
"	mov $" GUEST_STR(FPU_PORT) ", %edx\n"				\
"	out %al, %dx\n"							\
"	movabs $" GUEST_STR(MMIO_GPA) ", %rax\n"			\
"	mov (%rax), %ecx\n"						\
"	hlt\n"								\
"	.irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"			\
"	" store " %" reg "\\n, fpu_after + \\n * 32(%rip)\n"		\
"	.endr\n"							\
"	stmxcsr fpu_after_mxcsr(%rip)\n"				\
"	and $-16, %rsp\n"						\
"	call fpu_guest_done\n"

extern char fpu_guest_xmm[], fpu_guest_ymm[];
asm(
"	.pushsection .text, \"ax\"\n"
"fpu_guest_xmm:\n"
GUEST_FPU_BODY("movdqu", "movdqu", "xmm")
"fpu_guest_ymm:\n"
"	mov %cr4, %rax\n"
"	or $" GUEST_STR(CR4_OSXSAVE) ", %rax\n"
"	mov %rax, %cr4\n"
"	xor %ecx, %ecx\n"
"	xor %edx, %edx\n"
"	mov $7, %eax\n"
"	xsetbv\n"
GUEST_FPU_BODY("vmovdqu", "vmovdqu", "ymm")
"	.popsection\n"
);

#define HOST_LOAD(insn, reg, from)					\
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"		\
	insn " \\n * 32(%[" from "]), %%" reg "\\n\n"			\
	".endr\n"
#define HOST_STORE(insn, reg, to)					\
	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"		\
	insn " %%" reg "\\n, \\n * 32(%[" to "])\n"			\
	".endr\n"
#define XMM_CLOBBERS							\
	"xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",	\
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",	\
	"xmm15"

/*
 * KVM_RUN as a bare system call with the host's registers and MXCSR set
 * from in/in_mxcsr just before it and saved to out/out_mxcsr just after:
 * no library code runs in between to disturb them.
 */
static long host_run(struct vcpu *vcpu, bool ymm, uint8_t in[16][32],
		     uint8_t out[16][32], uint32_t in_mxcsr,
		     uint32_t *out_mxcsr)
{
	uint32_t saved_mxcsr;
	long ret;

	asm volatile("stmxcsr %0" : "=m"(saved_mxcsr));
	if (ymm)
		asm volatile(HOST_LOAD("vmovdqu", "ymm", "in")
			     "ldmxcsr %[mi]\n"
			     "syscall\n"
			     HOST_STORE("vmovdqu", "ymm", "out")
			     "stmxcsr %[mo]\n"
			     : "=a"(ret), [mo] "=m"(*out_mxcsr)
			     : "a"((long)SYS_ioctl), "D"((long)vcpu->fd),
			       "S"((long)KVM_RUN), "d"(0L), [in] "r"(in),
			       [out] "r"(out), [mi] "m"(in_mxcsr)
			     : "rcx", "r11", "memory", XMM_CLOBBERS);
	else
		asm volatile(HOST_LOAD("movdqu", "xmm", "in")
			     "ldmxcsr %[mi]\n"
			     "syscall\n"
			     HOST_STORE("movdqu", "xmm", "out")
			     "stmxcsr %[mo]\n"
			     : "=a"(ret), [mo] "=m"(*out_mxcsr)
			     : "a"((long)SYS_ioctl), "D"((long)vcpu->fd),
			       "S"((long)KVM_RUN), "d"(0L), [in] "r"(in),
			       [out] "r"(out), [mi] "m"(in_mxcsr)
			     : "rcx", "r11", "memory", XMM_CLOBBERS);
	asm volatile("ldmxcsr %0" : : "m"(saved_mxcsr));
	return ret;
}

static bool host_has_avx(void)
{
	unsigned int a, b, c, d;
	uint32_t lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return false;
	if (!(c & bit_AVX) || !(c & bit_OSXSAVE))
		return false;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static void fill(uint8_t p[16][32], uint8_t seed)
{
	int i, j;

	for (i = 0; i < 16; i++)
		for (j = 0; j < 32; j++)
			p[i][j] = seed + i * 32 + j;
}

static volatile double busy_sink;

/* Work that uses the host's vector registers freely. */
static void host_busywork(void)
{
	static char a[8192], b[8192];
	double d = 1.0;
	int i;

	memset(a, 0x77, sizeof(a));
	memcpy(b, a, sizeof(b));
	for (i = 0; i < 1000; i++)
		d = d * 1.0001 + b[i];
	busy_sink = d;
}

FIXTURE(fpu) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_VARIANT(fpu) {
	const char *path;
};

FIXTURE_VARIANT_ADD(fpu, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(fpu, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(fpu)
{
}

FIXTURE_TEARDOWN(fpu)
{
	vm_free(self->vm);
}

static void run_isolation(struct __test_metadata *_metadata,
			  FIXTURE_DATA(fpu) *self, const char *path, bool ymm)
{
	static uint8_t host_in[16][32], host_out[16][32], zero[16][32];
	size_t width = ymm ? 32 : 16;
	uint32_t mxcsr;
	struct ucall uc;
	int i, exit;

	fill(fpu_guest_pattern, 0x40);
	self->vm = vm_create_with_vcpu(path, ymm ? fpu_guest_ymm :
					     fpu_guest_xmm, &self->vcpu);
	for (exit = 0; exit < 3; exit++) {
		static const uint32_t reasons[3] = {
			KVM_EXIT_IO, KVM_EXIT_MMIO, KVM_EXIT_HLT,
		};

		host_busywork();
		fill(host_in, 0x90 + exit);
		memset(host_out, 0, sizeof(host_out));
		ASSERT_EQ(0, host_run(self->vcpu, ymm, host_in, host_out,
				      HOST_MXCSR, &mxcsr));
		ASSERT_EXIT_REASON(self->vcpu, reasons[exit]);
		for (i = 0; i < 16; i++)
			EXPECT_EQ(0, memcmp(host_in[i], host_out[i], width))
				TH_LOG("host register %d after exit %d", i, exit);
		EXPECT_EQ((uint32_t)HOST_MXCSR, mxcsr);
		if (reasons[exit] == KVM_EXIT_MMIO)
			memset(self->vcpu->run->mmio.data, 0x33, 4);
	}
	ASSERT_EQ(0, host_run(self->vcpu, ymm, host_in, host_out, HOST_MXCSR,
			      &mxcsr));
	ASSERT_UCALL(self->vcpu, UCALL_DONE, &uc);

	sync_global_from_guest(self->vm, fpu_entry_seen);
	sync_global_from_guest(self->vm, fpu_entry_mxcsr);
	sync_global_from_guest(self->vm, fpu_after);
	sync_global_from_guest(self->vm, fpu_after_mxcsr);
	for (i = 0; i < 16; i++) {
		/* The guest started clean, with nothing of the host's. */
		EXPECT_EQ(0, memcmp(zero[i], fpu_entry_seen[i], width))
			TH_LOG("guest register %d at entry", i);
		EXPECT_EQ(0, memcmp(fpu_guest_pattern[i], fpu_after[i], width))
			TH_LOG("guest register %d after the exits", i);
	}
	EXPECT_EQ(0x1f80U, fpu_entry_mxcsr);
	EXPECT_EQ((uint32_t)GUEST_MXCSR, fpu_after_mxcsr);
}

TEST_F(fpu, xmm_and_mxcsr_stay_apart)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	run_isolation(_metadata, self, variant->path, false);
}

TEST_F(fpu, ymm_stays_apart)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_cpuid_entry2 *leaf1;
	bool guest_avx;
	struct vm *probe;

	GUEST_DEVICE_OR_SKIP(variant->path);
	if (!host_has_avx())
		SKIP(return, "the host has no AVX");
	probe = vm_create_bare(variant->path);
	cpuid = default_cpuid(probe);
	leaf1 = cpuid_find(cpuid, 1, 0);
	guest_avx = leaf1 && (leaf1->ecx & bit_AVX) && (leaf1->ecx & bit_XSAVE);
	free(cpuid);
	vm_free(probe);
	if (!guest_avx)
		SKIP(return, "AVX is not offered to guests");
	run_isolation(_metadata, self, variant->path, true);
}

TEST_F(fpu, get_fpu_shows_the_guest_registers)
{
	static uint8_t host_in[16][32], host_out[16][32];
	struct kvm_fpu fpu;
	uint32_t mxcsr;
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	fill(fpu_guest_pattern, 0x10);
	self->vm = vm_create_with_vcpu(variant->path, fpu_guest_xmm,
				       &self->vcpu);
	fill(host_in, 0xa0);
	ASSERT_EQ(0, host_run(self->vcpu, false, host_in, host_out, HOST_MXCSR,
			      &mxcsr));
	ASSERT_EXIT_REASON(self->vcpu, KVM_EXIT_IO);
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_GET_FPU, &fpu));
	for (i = 0; i < 16; i++) {
		EXPECT_EQ(0, memcmp(fpu_guest_pattern[i], fpu.xmm[i], 16))
			TH_LOG("xmm%d: %02x%02x%02x%02x..., want %02x%02x%02x%02x...",
			       i, fpu.xmm[i][0], fpu.xmm[i][1], fpu.xmm[i][2],
			       fpu.xmm[i][3], fpu_guest_pattern[i][0],
			       fpu_guest_pattern[i][1], fpu_guest_pattern[i][2],
			       fpu_guest_pattern[i][3]);
	}
	/*
	 * struct kvm_fpu carries MXCSR and vmxlab fills it in; KVM 6.1's
	 * KVM_GET_FPU leaves it out (0), its KVM_SET_FPU ignores it.
	 */
	if (!strcmp(variant->path, VMXLAB_DEV)) {
		EXPECT_EQ((uint32_t)GUEST_MXCSR, fpu.mxcsr);
	} else {
		EXPECT_EQ(0U, fpu.mxcsr);
	}
}

/* ------------------------------------------------ preemption */

#define PREEMPT_SPIN		(1 << 20)
#define PREEMPT_MAX_ROUNDS	3000
#define PREEMPT_WANTED		8

/*
 * Each round: load the pattern, spin long enough for the host to preempt
 * the vCPU's thread now and then, read the registers back and report
 * how many bytes changed. Nothing in the guest touches them meanwhile.
 */
static void guest_fpu_under_preemption(void)
{
	uint64_t round, spin, bad;
	int i, j;

	/* IF set: the lab's CPU only interrupts guests that have it set. */
	asm volatile("sti");
	for (round = 0;; round++) {
		spin = PREEMPT_SPIN;
		asm volatile(HOST_LOAD("movdqu", "xmm", "in")
			     "1: dec %[spin]\n"
			     "jnz 1b\n"
			     HOST_STORE("movdqu", "xmm", "out")
			     : [spin] "+r"(spin)
			     : [in] "r"(fpu_guest_pattern), [out] "r"(fpu_after)
			     : "memory", XMM_CLOBBERS);
		bad = 0;
		for (i = 0; i < 16; i++)
			for (j = 0; j < 16; j++)
				bad += ((volatile uint8_t *)fpu_after[i])[j] !=
				       fpu_guest_pattern[i][j];
		GUEST_SYNC(round, bad);
	}
}

/* A task on the same CPU whose vector registers hold other values. */
static void competitor(void)
{
	static uint8_t mine[16][32], seen[16][32];

	fill(mine, 0xe0);
	for (;;)
		asm volatile(HOST_LOAD("movdqu", "xmm", "in")
			     "mov $100000, %%ecx\n"
			     "1: dec %%ecx\n"
			     "jnz 1b\n"
			     HOST_STORE("movdqu", "xmm", "out")
			     : : [in] "r"(mine), [out] "r"(seen)
			     : "rcx", "memory", XMM_CLOBBERS);
}

static long involuntary_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nivcsw;
}

/*
 * The vCPU's thread shares one CPU with a competitor: when it is
 * preempted in KVM_RUN, the guest must come back to its own registers,
 * never to the competitor's, and keep what it wrote.
 */
TEST_F(fpu, guest_registers_survive_preemption)
{
	long switches, rounds, bad_rounds = 0;
	cpu_set_t one_cpu;
	struct ucall uc;
	pid_t pid;

	GUEST_DEVICE_OR_SKIP(variant->path);
	CPU_ZERO(&one_cpu);
	CPU_SET(0, &one_cpu);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one_cpu), &one_cpu));
	fill(fpu_guest_pattern, 0x20);
	self->vm = vm_create_with_vcpu(variant->path,
				       guest_fpu_under_preemption,
				       &self->vcpu);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		competitor();
		_exit(0);
	}
	switches = involuntary_switches();
	for (rounds = 0; rounds < PREEMPT_MAX_ROUNDS; rounds++) {
		RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
		if (uc.args[1])
			bad_rounds++;
		if (rounds >= 16 &&
		    involuntary_switches() - switches >= PREEMPT_WANTED)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	switches = involuntary_switches() - switches;
	TH_LOG("%ld rounds, %ld preemptions, %ld rounds with changed registers",
	       rounds, switches, bad_rounds);
	EXPECT_EQ(0, bad_rounds);
	/* Without preemption the test has not tested anything. */
	EXPECT_LE(PREEMPT_WANTED, switches);
}

TEST_HARNESS_MAIN
