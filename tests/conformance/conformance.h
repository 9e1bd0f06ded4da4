/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The conformance suite: guest programs that check one architectural rule
 * each (Intel SDM), run on /dev/vmxlab and /dev/kvm with the same
 * expectation. A check is a guest function (the selftests' guest library,
 * tests/selftests/lib/guest.h) that ends in DONE when the CPU behaved as
 * the SDM says, plus optional host steps. Each area's checks live in one
 * file, listed in conformance.c.
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest.h"

struct check {
	const char *name;
	void *guest;			/* guest function (uint64_t arg) */
	uint64_t arg;			/* its first argument (RDI) */
	/* Host side before the first KVM_RUN (memory, registers). */
	void (*setup)(struct vm *vm, struct vcpu *vcpu);
	/* Each GUEST_SYNC: 0 to go on, else a failure (why says what). */
	int (*on_sync)(struct vcpu *vcpu, const struct ucall *uc, char *why,
		       size_t size);
	/* MMIO exits are served (reads return 0) rather than failures. */
	bool mmio;
	/* Instead of the guest's DONE, this exit reason ends the check. */
	uint32_t want_exit;
	/*
	 * A known KVM difference from the SDM: a KVM failure is reported as
	 * TAP TODO (xfail) with this reason; it still runs, and a pass is a
	 * pass. vmxlab has no such escape.
	 */
	const char *kvm_differs;
	/* No guest at all: the whole check runs on the host. */
	int (*host_only)(struct vm *vm, struct vcpu *vcpu, char *why,
			 size_t size);
};

struct area {
	const char *name;
	const struct check *checks;
};

extern const struct check exception_checks[], cr_checks[], pcid_checks[],
	syscall_checks[], debug_checks[], tsc_checks[], xsave_checks[],
	paging_checks[], legacy_checks[];
extern const size_t nr_exception_checks, nr_cr_checks, nr_pcid_checks,
	nr_syscall_checks, nr_debug_checks, nr_tsc_checks, nr_xsave_checks,
	nr_paging_checks, nr_legacy_checks;

/* Host setup for checks that go to CPL 3: the identity map user-accessible. */
void setup_user_mode(struct vm *vm, struct vcpu *vcpu);

/*
 * For host_only checks: run to the next exit, which must be a 2-byte OUT
 * to @port whose value, under @mask, is @want (@what names it in why).
 */
int expect_out16(struct vcpu *vcpu, uint16_t port, uint16_t want,
		 uint16_t mask, const char *what, char *why, size_t size);
/* ... and to the next exit, which must be KVM_EXIT_HLT. */
int expect_hlt(struct vcpu *vcpu, char *why, size_t size);

/* ------------------------------------------------------------ guest side */

/*
 * A stack for CPL 3 in identity-mapped low memory (below the IST stacks),
 * 8 below a 16-byte boundary as a called function expects (SSE spills).
 */
#define USER_STACK_TOP	0x7eff8ULL

/* Continue at fn at CPL 3 (IOPL 3, so ucalls work); fn must not return. */
static inline void __attribute__((noreturn)) enter_user(void (*fn)(void))
{
	guest_enter_user_mode(fn, USER_STACK_TOP);
}

#define X86_RFLAGS_TF	(1ULL << 8)
#define X86_RFLAGS_AC	(1ULL << 18)
#define X86_RFLAGS_RF	(1ULL << 16)
#define X86_CR4_DE	(1ULL << 3)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_CR4_OSXSAVE	(1ULL << 18)
#define X86_CR4_PCIDE	(1ULL << 17)
#define X86_CR4_SMEP	(1ULL << 20)
#define X86_CR4_SMAP	(1ULL << 21)
#define X86_CR4_UMIP	(1ULL << 11)
#define MSR_EFER_NR	0xc0000080
#define EFER_SCE_BIT	(1ULL << 0)
#define DB_VEC		1

/* CPUID bit: leaf, subleaf, register (0 EAX .. 3 EDX), bit. */
static inline bool guest_has(uint32_t leaf, uint32_t sub, int reg, int bit)
{
	uint32_t r[4];

	guest_cpuid(leaf, sub, r);
	return r[reg] & (1U << bit);
}

static inline uint64_t get_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline uint64_t get_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t rdtsc_guest(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

static inline uint64_t get_rflags(void)
{
	uint64_t v;

	asm volatile("pushf; pop %0" : "=r"(v));
	return v;
}

/* guest_asm_safe() for an instruction that clobbers more registers. */
#define guest_asm_safe_clobber(insn, ...)				\
({									\
	uint64_t __vec;							\
	asm volatile("lea 1f(%%rip), %%r14\n\t"				\
		     "movabs $" GUEST_STR(GUEST_FIXUP_MAGIC) ", %%r15\n\t" \
		     insn "\n"						\
		     "1:\tmov %%r15, %[vec]"				\
		     : [vec] "=r"(__vec) :				\
		     : "r14", "r15", "memory", "cc", __VA_ARGS__);	\
	__vec == GUEST_FIXUP_MAGIC ? NO_EXCEPTION : (int)__vec;		\
})

/* The fault's RIP was the instruction of len bytes before the fixup. */
#define FAULT_AT_INSN(len)	(guest_last_fault.rip == guest_last_fault.r14 - (len))

#endif
