// SPDX-License-Identifier: GPL-2.0
/*
 * Debug registers and single-step (SDM vol. 3, 18.2-18.3; vol. 2, MOV DR):
 * DR4/DR5 alias DR6/DR7 unless CR4.DE makes them #UD, the upper halves of
 * DR6/DR7 are reserved, DR7.GD turns the next MOV DR into a #DB fault with
 * DR6.BD. Breakpoints the guest programs fire (execute and write), TF
 * steps over native and emulated instructions alike, and
 * KVM_GET/SET_DEBUGREGS (api.rst) see and set what the guest sees.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "conformance.h"

#define DR6_INIT	0xffff0ff0ULL
#define DR6_B0		(1ULL << 0)
#define DR6_B1		(1ULL << 1)
#define DR6_BD		(1ULL << 13)
#define DR6_BS		(1ULL << 14)
#define DR7_INIT	0x400ULL
#define DR7_GD		(1ULL << 13)
#define DR7_L0		(1ULL << 0)
#define DR7_L1		(1ULL << 2)
#define DR7_RW1_WRITE	(1ULL << 20)
#define DR7_LEN1_8	(3ULL << 22)

#define get_dr(n)							\
({									\
	uint64_t __v;							\
	asm volatile("mov %%dr" #n ", %0" : "=r"(__v));			\
	__v;								\
})
#define set_dr(n, v)	asm volatile("mov %0, %%dr" #n : : "r"((uint64_t)(v)))

static void guest_dr4_dr5_alias(void)
{
	set_cr4(get_cr4() & ~X86_CR4_DE);
	set_dr(6, DR6_INIT | DR6_B1);
	GUEST_ASSERT_EQ(get_dr(4), get_dr(6));
	set_dr(5, DR7_INIT | (1ULL << 8));
	GUEST_ASSERT_EQ(get_dr(7), DR7_INIT | (1ULL << 8));
	set_dr(7, DR7_INIT);
	set_dr(6, DR6_INIT);
}

static void guest_dr4_dr5_ud(void)
{
	uint64_t v;

	set_cr4(get_cr4() | X86_CR4_DE);
	GUEST_ASSERT_EQ(guest_asm_safe_clobber("mov %%dr4, %%rax", "rax"), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe_clobber("mov %%dr5, %%rax", "rax"), UD_VECTOR);
	v = DR7_INIT;
	GUEST_ASSERT_EQ(guest_asm_safe("mov %1, %%dr5", "r"(v)), UD_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("mov %1, %%dr4", "r"(v)), UD_VECTOR);
	set_cr4(get_cr4() & ~X86_CR4_DE);
}

static void guest_dr_reserved(void)
{
	GUEST_ASSERT_EQ(guest_asm_safe("mov %1, %%dr6", "r"(1ULL << 32)),
			GP_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("mov %1, %%dr7", "r"(1ULL << 40)),
			GP_VECTOR);
	GUEST_ASSERT_EQ(get_dr(7), DR7_INIT);
}

static void guest_dr7_gd(void)
{
	uint64_t v;

	set_dr(6, DR6_INIT);
	set_dr(7, DR7_INIT | DR7_GD);
	v = guest_asm_safe_clobber("mov %%dr0, %%rax", "rax");
	GUEST_ASSERT_EQ(v, DB_VEC);
	GUEST_ASSERT(FAULT_AT_INSN(3));
	/* The #DB cleared GD, so these MOVs work. */
	GUEST_ASSERT(get_dr(6) & DR6_BD);
	GUEST_ASSERT_EQ(get_dr(7) & DR7_GD, 0);
}

static void user_mov_dr(void)
{
	GUEST_ASSERT_EQ(guest_asm_safe_clobber("mov %%dr7, %%rax", "rax"),
			GP_VECTOR);
	GUEST_ASSERT_EQ(guest_asm_safe("mov %1, %%dr0", "r"(0ULL)), GP_VECTOR);
	GUEST_DONE();
	for (;;)
		;
}

static void guest_mov_dr_cpl3(void)
{
	enter_user(user_mov_dr);
}

/* #DBs the hook saw: count, the RIP of the last, and DR6 then. */
static volatile uint64_t db_hits, db_rip, db_dr6;

static bool db_hook(struct guest_ex_regs *regs)
{
	if (regs->vector != DB_VEC)
		return false;
	db_hits++;
	db_rip = regs->rip;
	db_dr6 = get_dr(6);
	/* Resume past an instruction breakpoint; stop single-stepping. */
	regs->rflags = (regs->rflags | X86_RFLAGS_RF) & ~X86_RFLAGS_TF;
	return true;
}

static void db_start(void)
{
	db_hits = 0;
	db_rip = 0;
	db_dr6 = 0;
	set_dr(6, DR6_INIT);
	guest_exception_hook = db_hook;
}

extern char bp_target[];
asm(
"	.pushsection .text, \"ax\"\n"
"bp_target:\n"
"	nop\n"
"	ret\n"
"	.popsection\n"
);

static void guest_breakpoint_exec(void)
{
	db_start();
	set_dr(0, (uintptr_t)bp_target);
	set_dr(7, DR7_INIT | DR7_L0);
	asm volatile("call bp_target" ::: "memory");
	set_dr(7, DR7_INIT);
	guest_exception_hook = NULL;
	GUEST_ASSERT_EQ(db_hits, 1);
	GUEST_ASSERT_EQ(db_rip, (uintptr_t)bp_target);
	GUEST_ASSERT(db_dr6 & DR6_B0);
}

static volatile uint64_t watched __attribute__((aligned(8)));

static void guest_watchpoint_write(void)
{
	uint64_t after;

	db_start();
	set_dr(1, (uintptr_t)&watched);
	set_dr(7, DR7_INIT | DR7_L1 | DR7_RW1_WRITE | DR7_LEN1_8);
	asm volatile("lea 1f(%%rip), %0\n\t"
		     "movq $42, %1\n"
		     "1:"
		     : "=&r"(after), "=m"(watched) : : "memory");
	set_dr(7, DR7_INIT);
	guest_exception_hook = NULL;
	GUEST_ASSERT_EQ(db_hits, 1);
	GUEST_ASSERT_EQ(db_rip, after);	/* a trap: after the store */
	GUEST_ASSERT(db_dr6 & DR6_B1);
	GUEST_ASSERT_EQ(watched, 42);
}

/* TF set by POPF traps after the instruction that follows it. */
#define SINGLE_STEP(insn, after, ...)					\
	asm volatile("lea 1f(%%rip), %0\n\t"				\
		     "pushf\n\t"					\
		     "orq $0x100, (%%rsp)\n\t"				\
		     "popf\n\t"						\
		     insn "\n"						\
		     "1:"						\
		     : "=&r"(after) __VA_ARGS__)

static void check_step(uint64_t after)
{
	guest_exception_hook = NULL;
	GUEST_ASSERT_EQ(db_hits, 1);
	GUEST_ASSERT_EQ(db_rip, after);
	GUEST_ASSERT(db_dr6 & DR6_BS);
}

static void guest_step_native(void)
{
	uint64_t after;

	db_start();
	SINGLE_STEP("nop", after, : : "memory", "cc");
	check_step(after);
}

/* CPUID exits: the hypervisor completes it and owes the guest the #DB. */
static void guest_step_cpuid(void)
{
	uint64_t after;

	db_start();
	SINGLE_STEP("cpuid", after, : "a"(0) : "rbx", "rcx", "rdx", "memory",
		    "cc");
	check_step(after);
}

static void guest_step_rdmsr(void)
{
	uint64_t after;

	db_start();
	SINGLE_STEP("rdmsr", after, : "c"(0x1b) : "rax", "rdx", "memory",
		    "cc");
	check_step(after);
}

/* An MMIO store: emulated, so the #DB is again the hypervisor's to raise. */
#define MMIO_GPA	0xc0000000ULL	/* no memory slot there */

/*
 * One #DB with DR6.BS. Not its RIP: in the lab the #DB reaches the guest
 * at the MMIO instruction, before it, under KVM and vmxlab alike (the
 * emulated CPU's doing; the SDM puts it after the instruction).
 */
static void guest_step_mmio(void)
{
	uint64_t after;

	db_start();
	SINGLE_STEP("movl $1, (%1)", after, : "r"(MMIO_GPA) : "memory", "cc");
	guest_exception_hook = NULL;
	GUEST_ASSERT_EQ(db_hits, 1);
	GUEST_ASSERT(db_dr6 & DR6_BS);
	GUEST_ASSERT(db_rip == after || db_rip == after - 6);
}

/* ------------------------------------------------------ DEBUGREGS ioctls */

static const struct kvm_debugregs debugregs_in = {
	.db = { 0x7f0000001000ULL, 0x7f0000002000ULL, 0x7f0000003000ULL,
		0x7f0000004000ULL },
	.dr6 = DR6_INIT | DR6_B0,
	.dr7 = DR7_INIT | DR7_L0 | DR7_L1,
};

static int debugregs_roundtrip(struct vm *vm, struct vcpu *vcpu, char *why,
			       size_t size)
{
	struct kvm_debugregs d = debugregs_in, out;

	if (ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d)) {
		snprintf(why, size, "KVM_SET_DEBUGREGS: %s", strerror(errno));
		return -1;
	}
	memset(&out, 0xa5, sizeof(out));
	if (ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &out)) {
		snprintf(why, size, "KVM_GET_DEBUGREGS: %s", strerror(errno));
		return -1;
	}
	if (memcmp(&out, &debugregs_in, sizeof(out))) {
		snprintf(why, size, "read back dr0 %#llx dr6 %#llx dr7 %#llx flags %#llx",
			 (unsigned long long)out.db[0],
			 (unsigned long long)out.dr6,
			 (unsigned long long)out.dr7,
			 (unsigned long long)out.flags);
		return -1;
	}
	d.flags = 1;
	if (!ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d) || errno != EINVAL) {
		snprintf(why, size, "flags 1 accepted");
		return -1;
	}
	d.flags = 0;
	d.dr6 |= 1ULL << 32;
	if (!ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d) || errno != EINVAL) {
		snprintf(why, size, "DR6 bit 32 accepted");
		return -1;
	}
	d.dr6 = debugregs_in.dr6;
	d.dr7 |= 1ULL << 32;
	if (!ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d) || errno != EINVAL) {
		snprintf(why, size, "DR7 bit 32 accepted");
		return -1;
	}
	if (ioctl(vm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_DEBUGREGS) != 1) {
		snprintf(why, size, "KVM_CAP_DEBUGREGS not 1");
		return -1;
	}
	return 0;
}

static void setup_debugregs(struct vm *vm, struct vcpu *vcpu)
{
	struct kvm_debugregs d = debugregs_in;

	ioctl(vcpu->fd, KVM_SET_DEBUGREGS, &d);
}

/* What the host set is what the guest reads; what it writes, the host. */
static void guest_debugregs_shared(void)
{
	GUEST_ASSERT_EQ(get_dr(0), debugregs_in.db[0]);
	GUEST_ASSERT_EQ(get_dr(1), debugregs_in.db[1]);
	GUEST_ASSERT_EQ(get_dr(2), debugregs_in.db[2]);
	GUEST_ASSERT_EQ(get_dr(3), debugregs_in.db[3]);
	GUEST_ASSERT_EQ(get_dr(6), debugregs_in.dr6);
	GUEST_ASSERT_EQ(get_dr(7), debugregs_in.dr7);
	set_dr(7, DR7_INIT);
	set_dr(3, 0x7f0000005000ULL);
	set_dr(6, DR6_INIT | DR6_B1);
	GUEST_SYNC(0);
}

static int sync_debugregs(struct vcpu *vcpu, const struct ucall *uc,
			  char *why, size_t size)
{
	struct kvm_debugregs d;

	if (ioctl(vcpu->fd, KVM_GET_DEBUGREGS, &d)) {
		snprintf(why, size, "KVM_GET_DEBUGREGS: %s", strerror(errno));
		return -1;
	}
	if (d.db[3] != 0x7f0000005000ULL || d.dr6 != (DR6_INIT | DR6_B1) ||
	    d.dr7 != DR7_INIT) {
		snprintf(why, size, "dr3 %#llx dr6 %#llx dr7 %#llx",
			 (unsigned long long)d.db[3],
			 (unsigned long long)d.dr6,
			 (unsigned long long)d.dr7);
		return -1;
	}
	return 0;
}

const struct check debug_checks[] = {
	{ .name = "dr4-dr5-alias-dr6-dr7", .guest = guest_dr4_dr5_alias },
	{ .name = "dr4-dr5-ud-with-cr4-de", .guest = guest_dr4_dr5_ud },
	{ .name = "dr6-dr7-upper-bits-gp", .guest = guest_dr_reserved },
	{ .name = "dr7-gd-db-and-dr6-bd", .guest = guest_dr7_gd },
	{ .name = "mov-dr-at-cpl3-gp", .guest = guest_mov_dr_cpl3,
	  .setup = setup_user_mode },
	{ .name = "breakpoint-execute", .guest = guest_breakpoint_exec },
	{ .name = "watchpoint-write", .guest = guest_watchpoint_write },
	{ .name = "single-step-native", .guest = guest_step_native },
	{ .name = "single-step-emulated-cpuid", .guest = guest_step_cpuid },
	{ .name = "single-step-emulated-rdmsr", .guest = guest_step_rdmsr },
	{ .name = "single-step-emulated-mmio-store", .guest = guest_step_mmio,
	  .mmio = true },
	{ .name = "debugregs-ioctl-roundtrip",
	  .host_only = debugregs_roundtrip },
	{ .name = "debugregs-ioctl-guest-view",
	  .guest = guest_debugregs_shared, .setup = setup_debugregs,
	  .on_sync = sync_debugregs },
};
const size_t nr_debug_checks = sizeof(debug_checks) / sizeof(debug_checks[0]);
