// SPDX-License-Identifier: GPL-2.0
/*
 * SYSCALL and SYSENTER (SDM vol. 2, SYSCALL, SYSENTER; vol. 3, 5.8.7-8):
 * #UD without EFER.SCE and in compatibility mode (Intel), the state
 * SYSCALL leaves (RCX, R11, RFLAGS masked by SFMASK, CS and SS from STAR),
 * a single-step #DB at the LSTAR target, the MSRs kept for the guest
 * across exits and seen from the host, SYSENTER's CS, SS, RSP and RIP.
 */
#include <stdio.h>

#include "conformance.h"

#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define X86_RFLAGS_DF		(1ULL << 10)
#define STAR_KERNEL_CS		((uint64_t)SEL_CODE64 << 32)

/* What the SYSCALL and SYSENTER entry points saw. */
uint64_t sc_rcx, sc_r11, sc_rflags, sc_rsp;
uint16_t sc_cs, sc_ss;
uint64_t sc_resume;

extern char syscall_entry[], syscall_entry_tf[], sysenter_entry[];
asm(
"	.pushsection .text, \"ax\"\n"
"syscall_entry:\n"
"	mov %rcx, sc_rcx(%rip)\n"
"	mov %r11, sc_r11(%rip)\n"
"	pushf\n"
"	pop sc_rflags(%rip)\n"
"	mov %cs, sc_cs(%rip)\n"
"	mov %ss, sc_ss(%rip)\n"
"	push %r11\n"
"	popf\n"
"	jmp *%rcx\n"
"syscall_entry_tf:\n"
"	jmp *%rcx\n"
"sysenter_entry:\n"
"	mov %rsp, sc_rsp(%rip)\n"
"	mov %cs, sc_cs(%rip)\n"
"	mov %ss, sc_ss(%rip)\n"
"	jmp *sc_resume(%rip)\n"
"	.popsection\n"
);

static void guest_syscall_without_sce(void)
{
	wrmsr(MSR_EFER_NR, rdmsr(MSR_EFER_NR) & ~EFER_SCE_BIT);
	GUEST_ASSERT_EQ(guest_asm_safe_clobber("syscall", "rcx", "r11"), UD_VECTOR);
}

static void guest_syscall_cpuid(void)
{
	GUEST_ASSERT(guest_has(0x80000001, 0, 3, 11));
}

static void enable_syscall(void *entry, uint64_t mask)
{
	wrmsr(MSR_EFER_NR, rdmsr(MSR_EFER_NR) | EFER_SCE_BIT);
	wrmsr(MSR_STAR, STAR_KERNEL_CS);
	wrmsr(MSR_LSTAR, (uintptr_t)entry);
	wrmsr(MSR_SFMASK, mask);
}

static void guest_syscall_64(void)
{
	uint64_t ret, flags;

	enable_syscall(syscall_entry, X86_RFLAGS_DF | X86_RFLAGS_AC);
	asm volatile("lea 1f(%%rip), %0\n\t"
		     "std\n\t"
		     "pushf\n\t"
		     "pop %1\n\t"
		     "syscall\n"
		     "1:\tcld"
		     : "=&r"(ret), "=&r"(flags) : : "rcx", "r11", "memory");
	GUEST_ASSERT_EQ(sc_rcx, ret);
	GUEST_ASSERT_EQ(sc_r11 & ~X86_RFLAGS_RF, flags & ~X86_RFLAGS_RF);
	GUEST_ASSERT_EQ(sc_rflags & (X86_RFLAGS_DF | X86_RFLAGS_AC), 0);
	GUEST_ASSERT_EQ(sc_cs, SEL_CODE64);
	GUEST_ASSERT_EQ(sc_ss, SEL_CODE64 + 8);
}

/* TF set before SYSCALL and masked by SFMASK: #DB at the LSTAR target. */
static void guest_syscall_single_step(void)
{
	uint64_t dr6;
	int v;

	enable_syscall(syscall_entry_tf, X86_RFLAGS_TF);
	v = guest_asm_safe_clobber("pushf\n\t"
				   "orq $0x100, (%%rsp)\n\t"
				   "popf\n\t"
				   "syscall", "rcx", "r11");
	GUEST_ASSERT_EQ(v, DB_VEC);
	GUEST_ASSERT_EQ(guest_last_fault.rip, (uintptr_t)syscall_entry_tf);
	GUEST_ASSERT(!(guest_last_fault.rflags & X86_RFLAGS_TF));
	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	GUEST_ASSERT(dr6 & (1 << 14));
}

/* Intel: SYSCALL is #UD in compatibility mode, even with SCE set. */
static uint64_t compat_vector = ~0ULL;
extern char compat_syscall[], compat_back[];

static bool compat_hook(struct guest_ex_regs *regs)
{
	if (regs->cs != SEL_CODE32)
		return false;
	compat_vector = regs->vector;
	regs->cs = SEL_CODE64;
	regs->rip = (uintptr_t)compat_back;
	return true;
}

static void guest_syscall_compat(void)
{
	enable_syscall(syscall_entry, 0);
	guest_exception_hook = compat_hook;
	asm volatile("push $" GUEST_STR(SEL_CODE32) "\n\t"
		     "lea compat_syscall(%%rip), %%rax\n\t"
		     "push %%rax\n\t"
		     "lretq\n"
		     "compat_syscall:\n\t"
		     ".code32\n\t"
		     "syscall\n\t"
		     "ud2\n\t"
		     ".code64\n"
		     "compat_back:"
		     : : : "rax", "rcx", "r11", "memory");
	guest_exception_hook = NULL;
	GUEST_ASSERT_EQ(compat_vector, UD_VECTOR);
}

/* The guest's values survive exits to userspace and reach KVM_GET_MSRS. */
#define STAR_VALUE	0x0023001000080000ULL
#define LSTAR_VALUE	0xffffffff81000000ULL
#define CSTAR_VALUE	0xffffffff81000040ULL
#define SFMASK_VALUE	0x47700ULL
#define KGS_VALUE	0xffff888012345000ULL
#define SE_ESP_VALUE	0xffffc90000004000ULL
#define SE_EIP_VALUE	0xffffffff81000080ULL

static const struct {
	uint32_t msr;
	uint64_t value;
} msr_values[] = {
	{ MSR_STAR, STAR_VALUE }, { MSR_LSTAR, LSTAR_VALUE },
	{ MSR_CSTAR, CSTAR_VALUE }, { MSR_SFMASK, SFMASK_VALUE },
	{ MSR_KERNEL_GS_BASE, KGS_VALUE },
	{ MSR_SYSENTER_CS, SEL_CODE64 }, { MSR_SYSENTER_ESP, SE_ESP_VALUE },
	{ MSR_SYSENTER_EIP, SE_EIP_VALUE },
};
#define NR_MSR_VALUES	(sizeof(msr_values) / sizeof(msr_values[0]))

static void guest_syscall_msrs(void)
{
	unsigned int i;

	for (i = 0; i < NR_MSR_VALUES; i++)
		wrmsr(msr_values[i].msr, msr_values[i].value);
	GUEST_SYNC(0);
	/* The host wrote value + 0x1000 to each. */
	for (i = 0; i < NR_MSR_VALUES; i++)
		GUEST_ASSERT_EQ(rdmsr(msr_values[i].msr),
				msr_values[i].value + 0x1000);
}

static int sync_syscall_msrs(struct vcpu *vcpu, const struct ucall *uc,
			     char *why, size_t size)
{
	unsigned int i;
	uint64_t v;

	for (i = 0; i < NR_MSR_VALUES; i++) {
		if (vcpu_get_msr(vcpu, msr_values[i].msr, &v) != 1 ||
		    v != msr_values[i].value) {
			snprintf(why, size, "KVM_GET_MSRS %#x: %#llx",
				 msr_values[i].msr, (unsigned long long)v);
			return -1;
		}
		if (vcpu_set_msr(vcpu, msr_values[i].msr,
				 msr_values[i].value + 0x1000) != 1) {
			snprintf(why, size, "KVM_SET_MSRS %#x refused",
				 msr_values[i].msr);
			return -1;
		}
	}
	return 0;
}

static void guest_sysenter(void)
{
	uint64_t stack = (uintptr_t)&stack - 0x800;

	/* SYSENTER_CS 0 is #GP(0). */
	wrmsr(MSR_SYSENTER_CS, 0);
	GUEST_ASSERT_EQ(guest_asm_safe("sysenter"), GP_VECTOR);
	GUEST_ASSERT_EQ(guest_last_fault.error_code, 0);

	wrmsr(MSR_SYSENTER_CS, SEL_CODE64);
	wrmsr(MSR_SYSENTER_ESP, stack);
	wrmsr(MSR_SYSENTER_EIP, (uintptr_t)sysenter_entry);
	asm volatile("lea 1f(%%rip), %%rax\n\t"
		     "mov %%rax, sc_resume(%%rip)\n\t"
		     "mov %%rsp, %%rbx\n\t"
		     "sysenter\n"
		     "1:\tmov %%rbx, %%rsp"
		     : : : "rax", "rbx", "memory");
	GUEST_ASSERT_EQ(sc_rsp, stack);
	GUEST_ASSERT_EQ(sc_cs, SEL_CODE64);
	GUEST_ASSERT_EQ(sc_ss, SEL_CODE64 + 8);
}

/*
 * SYSCALL from CPL 3 and SYSRET back: CS and SS from STAR[63:48] (+16 and
 * +8, RPL 3), RFLAGS from R11, RIP from RCX.
 */
#define STAR_USER_BASE	((uint64_t)(SEL_USER_CODE64 - 16) << 48)

extern char sysret_entry[];
asm(
"	.pushsection .text, \"ax\"\n"
"sysret_entry:\n"
"	mov %cs, sc_cs(%rip)\n"
"	mov %ss, sc_ss(%rip)\n"
"	mov %r11, sc_r11(%rip)\n"
"	mov $0x3002, %r11\n"
"	sysretq\n"
"	.popsection\n"
);

static void user_syscall_sysret(void)
{
	uint16_t cs, ss;

	asm volatile("syscall\n\t"
		     "mov %%cs, %0\n\t"
		     "mov %%ss, %1"
		     : "=r"(cs), "=r"(ss) : : "rcx", "r11", "memory");
	GUEST_ASSERT_EQ(sc_cs, SEL_CODE64);
	GUEST_ASSERT_EQ(sc_ss, SEL_CODE64 + 8);
	GUEST_ASSERT_EQ(cs, SEL_USER_CODE64);
	GUEST_ASSERT_EQ(ss, (SEL_USER_CODE64 - 8) | 3);
	GUEST_ASSERT_EQ(get_rflags() & 0x3000, 0x3000);	/* IOPL from R11 */
	GUEST_DONE();
	for (;;)
		;
}

static void guest_syscall_sysret(void)
{
	enable_syscall(sysret_entry, 0);
	wrmsr(MSR_STAR, STAR_KERNEL_CS | STAR_USER_BASE);
	enter_user(user_syscall_sysret);
}

const struct check syscall_checks[] = {
	{ .name = "syscall-from-cpl3-and-sysret", .guest = guest_syscall_sysret,
	  .setup = setup_user_mode },
	{ .name = "syscall-ud-without-efer-sce", .guest = guest_syscall_without_sce },
	{ .name = "cpuid-80000001-edx-syscall", .guest = guest_syscall_cpuid },
	{ .name = "syscall-64-state", .guest = guest_syscall_64 },
	{ .name = "syscall-single-step-db", .guest = guest_syscall_single_step },
	{ .name = "syscall-compat-mode-ud", .guest = guest_syscall_compat },
	{ .name = "syscall-msrs-kept-and-visible",
	  .guest = guest_syscall_msrs, .on_sync = sync_syscall_msrs },
	{ .name = "sysenter-64", .guest = guest_sysenter },
};
const size_t nr_syscall_checks = sizeof(syscall_checks) /
				 sizeof(syscall_checks[0]);
