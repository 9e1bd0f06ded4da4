// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer for guest behaviour, on /dev/vmxlab and /dev/kvm: each program
 * is a page of instructions drawn from what makes a hypervisor work
 * (port and string I/O, MSRs, control and debug registers, descriptor
 * tables, segment loads, CPUID, HLT, XSETBV, VMCALL, MMIO to the APIC and
 * IOAPIC pages and to no memory at all, far transfers, random bytes),
 * with random registers, run in real mode, 32-bit protected mode, long
 * mode at CPL 0 and at CPL 3, with the irqchip in the kernel or not. The host answers every exit with random data.
 *
 * What must hold on both devices: KVM_RUN always returns (a timer bounds
 * a guest that spins), a guest never makes VM entry fail (the SDM says
 * which fault it gets instead), errors are only EINTR from the timer, and
 * on vmxlab nothing is held once the VMs are gone. The lab fails the run
 * on any kernel WARN, BUG or slub report.
 *
 * Programs are reproducible from the seed (vmxlab_fuzz_seed= on the
 * kernel command line, printed here) and their index; vmxlab_fuzz_programs=
 * sets how many (`make fuzz` runs many more). Each program's exits are
 * recorded as classes (port in/out, MMIO read/write, HLT, shutdown,
 * internal error, failed entry, exception); the KVM run compares them with
 * vmxlab's, counts the programs that took the same classes on both,
 * prints every one that did not, and fails on any difference that none
 * of the named rules below (and in docs/fuzzing.md) explains.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define DEFAULT_PROGRAMS	200
#define DEFAULT_SEED		0x67667a7aULL
#define MAX_EXITS		64
#define CODE_BYTES		(4096 - 64)
#define RUN_TIMER_US		3000
#define MAX_PROGRAMS		100000
#define HASH_FILE		"/tmp/guest_fuzz.vmxlab"
/* Real and protected mode programs live low, with a real-mode IVT. */
#define LOW_CODE_GPA		0x10000ULL
#define LOW_STUB_GPA		0x11000ULL
#define LOW_IVT_GPA		0x12000ULL
#define LOW_STACK		0xfff0
#define END_PORT		0xf5	/* a real-mode exception's stub */

enum mode { REAL, PROTECTED, LONG, USER, NR_MODES };
static const char * const mode_names[NR_MODES] = {
	"real", "protected", "long", "CPL 3",
};

/*
 * The exits that must agree between vmxlab and KVM, one letter each: which
 * way the guest's data went (port in/out, MMIO read/write), HLT, shutdown,
 * an internal error (an instruction the hypervisor could not emulate), a
 * failed entry, the exception that ends a program; anything else is '?'.
 */
#define CLASS_LEN		(MAX_EXITS + 2)

struct program_result {
	uint64_t hash;		/* of the exit sequence */
	char classes[CLASS_LEN];	/* one letter per exit, see exit_class() */
	uint64_t code_gpa;
	enum mode mode;
	bool timed_out;		/* not comparable: timing decided the end */
	int exits;
	bool fail_entry;
	uint32_t fail_reason;
	int bad_errno;
	/* The first instruction the hypervisor could not emulate. */
	uint8_t unemulated[16];
	bool has_unemulated;
	/* Where the first exits went (port or GPA), for a diagnosis. */
	uint64_t where[4];
	bool reads_tsc;		/* the program has RDTSC or RDTSCP */
	bool has_pusha;		/* a 60 byte, outside 64-bit mode */
	bool has_popa;		/* a 61 byte, outside 64-bit mode */
};

struct tally {
	long programs, exits, timeouts, by_mode[NR_MODES], irqchip_programs;
	long by_reason[64];
	long fail_entries, bad_errnos;
	long first_fail_entry;	/* program index, or -1 */
	/* Instructions the hypervisor said it could not emulate, in order. */
	uint8_t unemulated[16][4];
	uint8_t unemulated_mode[16];
	int nr_unemulated;
	uint32_t first_fail_reason;
	int first_bad_errno;
};

/* ---------------------------------------------------------------- rng */

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

/* ---------------------------------------------------------------- programs */

struct code {
	uint8_t *p;
	size_t len;
};

static void emit(struct code *c, const void *bytes, size_t n)
{
	if (c->len + n > CODE_BYTES)
		return;
	memcpy(c->p + c->len, bytes, n);
	c->len += n;
}

static void emit_mov64(struct code *c, int reg, uint64_t v)
{
	uint8_t insn[10] = { 0x48 | (reg >> 3), 0xb8 + (reg & 7) };

	memcpy(insn + 2, &v, 8);
	emit(c, insn, sizeof(insn));
}

enum { RAX = 0, RCX = 1, RDX = 2, RSI = 6, RDI = 7 };

static uint64_t interesting_address(uint64_t code_gpa)
{
	static const uint64_t bases[] = {
		0xfee00000, 0xfec00000, 0xfed00000, 0xc0000000, 0x1000,
		0x2000, 0x3000, 0x4000, 0x10000, 0xa0000, 0xfffff000,
		0x100000000ULL, 0x800000000000ULL, 0xffff800000000000ULL,
	};

	switch (below(4)) {
	case 0:
		return code_gpa + below(4096);
	case 1:
		return next();
	default:
		return bases[below(ARRAY_SIZE(bases))] + (below(256) << 2);
	}
}

static uint16_t interesting_port(void)
{
	static const uint16_t ports[] = {
		0x20, 0x21, 0xa0, 0xa1, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70,
		0x71, 0x80, 0x92, 0x3f8, 0x3fd, 0x4d0, 0x4d1, 0xcf8, 0xcfc,
		0x5000, 0xe9, 0x600, 0x608, 0xb000,
	};
	uint16_t port = below(3) ? ports[below(ARRAY_SIZE(ports))] :
				   (uint16_t)next();

	return port == UCALL_PORT || port == END_PORT ? port + 2 : port;
}

static const uint32_t interesting_msrs[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0xfe, 0x174, 0x175, 0x176,
	0x1d9, 0x277, 0x2ff, 0x480, 0x6e0, 0x800, 0x802, 0x808, 0x80b,
	0x830, 0x838, 0xc0000080, 0xc0000081, 0xc0000100, 0xc0000101, 0xc0000102, 0xc0000103, 0x4b564d00,
	0x40000000, 0xdeadbeef,
};

/*
 * Instructions with fixed bytes; the registers they use get set first.
 * Nothing here clears IF or jumps elsewhere (CLI, POPF, IRET, far
 * returns, SYSCALL/SYSENTER through random MSRs, indirect jumps): the
 * lab's CPU takes no external-interrupt exit from a guest with IF clear,
 * so a program that then looped would hang the lab, KVM and vmxlab alike.
 */
static const struct snippet {
	uint8_t len, bytes[4];
	uint8_t uses;		/* which of rax/rcx/rdx/rsi/rdi to set */
} snippets[] = {
#define U_AX	1
#define U_CX	2
#define U_DX	4
#define U_SI	8
#define U_DI	16
#define U_MSR	32
	{ 1, { 0xec }, U_DX },			/* in %dx, %al */
	{ 1, { 0xed }, U_DX },			/* in %dx, %eax */
	{ 2, { 0x66, 0xed }, U_DX },		/* in %dx, %ax */
	{ 1, { 0xee }, U_DX | U_AX },		/* out %al, %dx */
	{ 1, { 0xef }, U_DX | U_AX },		/* out %eax, %dx */
	{ 2, { 0xf3, 0x6c }, U_DX | U_CX | U_DI },	/* rep insb */
	{ 2, { 0xf3, 0x6d }, U_DX | U_CX | U_DI },	/* rep insl */
	{ 2, { 0xf3, 0x6e }, U_DX | U_CX | U_SI },	/* rep outsb */
	{ 3, { 0xf3, 0x66, 0x6f }, U_DX | U_CX | U_SI },	/* rep outsw */
	{ 2, { 0x0f, 0x32 }, U_MSR },		/* rdmsr */
	{ 2, { 0x0f, 0x30 }, U_MSR | U_AX | U_DX },	/* wrmsr */
	{ 2, { 0x0f, 0xa2 }, U_AX | U_CX },	/* cpuid */
	{ 1, { 0xf4 }, 0 },			/* hlt */
	{ 1, { 0xfb }, 0 },			/* sti */
	{ 1, { 0xcc }, 0 },			/* int3 */
	{ 2, { 0x0f, 0x0b }, 0 },			/* ud2 */
	{ 2, { 0x0f, 0x31 }, 0 },			/* rdtsc */
	{ 2, { 0x0f, 0x33 }, U_CX },		/* rdpmc */
	{ 3, { 0x0f, 0x01, 0xc1 }, 0 },		/* vmcall */
	{ 3, { 0x0f, 0x01, 0xd1 }, U_CX | U_AX | U_DX },	/* xsetbv */
	{ 3, { 0x0f, 0x01, 0xd0 }, U_CX },	/* xgetbv */
	{ 2, { 0x0f, 0x09 }, 0 },			/* wbinvd */
	{ 2, { 0x0f, 0x08 }, 0 },			/* invd */
	{ 3, { 0x0f, 0x01, 0xc8 }, U_AX | U_CX | U_DX },	/* monitor */
	{ 3, { 0x0f, 0x01, 0xc9 }, U_AX | U_CX },	/* mwait */
	{ 3, { 0x0f, 0x01, 0x38 }, U_AX },	/* invlpg (%rax) */
	{ 3, { 0x0f, 0x22, 0xc0 }, U_AX },	/* mov %rax, %cr0 */
	{ 3, { 0x0f, 0x20, 0xc0 }, 0 },		/* mov %cr0, %rax */
	{ 3, { 0x0f, 0x22, 0xd8 }, U_AX },	/* mov %rax, %cr3 */
	{ 3, { 0x0f, 0x22, 0xe0 }, U_AX },	/* mov %rax, %cr4 */
	{ 4, { 0x44, 0x0f, 0x22, 0xc0 }, U_AX },	/* mov %rax, %cr8 */
	{ 4, { 0x44, 0x0f, 0x20, 0xc0 }, 0 },	/* mov %cr8, %rax */
	{ 3, { 0x0f, 0x23, 0xf8 }, U_AX },	/* mov %rax, %dr7 */
	{ 3, { 0x0f, 0x23, 0xc0 }, U_AX },	/* mov %rax, %dr0 */
	{ 3, { 0x0f, 0x21, 0xf0 }, 0 },		/* mov %dr6, %rax */
	{ 3, { 0x0f, 0x01, 0x10 }, U_AX },	/* lgdt (%rax) */
	{ 3, { 0x0f, 0x01, 0x18 }, U_AX },	/* lidt (%rax) */
	{ 3, { 0x0f, 0x01, 0x00 }, U_AX },	/* sgdt (%rax) */
	{ 3, { 0x0f, 0x00, 0xd8 }, U_AX },	/* ltr %ax */
	{ 3, { 0x0f, 0x00, 0xd0 }, U_AX },	/* lldt %ax */
	{ 2, { 0x8e, 0xd0 }, U_AX },		/* mov %ax, %ss */
	{ 2, { 0x8e, 0xd8 }, U_AX },		/* mov %ax, %ds */
	{ 2, { 0x8e, 0xe8 }, U_AX },		/* mov %ax, %gs */
	{ 2, { 0x8b, 0x08 }, U_AX },		/* mov (%rax), %ecx */
	{ 2, { 0x89, 0x08 }, U_AX },		/* mov %ecx, (%rax) */
	{ 3, { 0x0f, 0xb6, 0x00 }, U_AX },	/* movzbl (%rax), %eax */
	{ 2, { 0xf3, 0xa4 }, U_CX | U_SI | U_DI },	/* rep movsb */
	{ 2, { 0xf3, 0xab }, U_CX | U_DI | U_AX },	/* rep stosl */
	{ 4, { 0xf0, 0x0f, 0xb1, 0x08 }, U_AX },	/* lock cmpxchg */
	{ 2, { 0x87, 0x08 }, U_AX },		/* xchg %ecx, (%rax) */
	{ 3, { 0x0f, 0xae, 0x08 }, U_AX },	/* fxrstor (%rax) */
	{ 3, { 0x0f, 0xae, 0x28 }, U_AX | U_DX },	/* xrstor (%rax) */
	{ 3, { 0x0f, 0xae, 0x10 }, U_AX },	/* ldmxcsr (%rax) */
	{ 3, { 0x0f, 0x01, 0xf8 }, 0 },		/* swapgs */
	{ 2, { 0x0f, 0x06 }, 0 },			/* clts */
	{ 3, { 0x0f, 0x01, 0xf0 }, U_AX },	/* lmsw %ax */
	{ 1, { 0x9c }, 0 },			/* pushf */
	{ 2, { 0xf3, 0x90 }, 0 },			/* pause */
};

static void set_regs_for(struct code *c, uint8_t uses, uint64_t code_gpa)
{
	if (uses & U_MSR)
		emit_mov64(c, RCX, below(4) ? interesting_msrs[
				   below(ARRAY_SIZE(interesting_msrs))] :
			   (uint32_t)next());
	else if ((uses & U_CX) && below(2))
		emit_mov64(c, RCX, below(3) ? below(40) : next());
	if ((uses & U_DX) && below(3))
		emit_mov64(c, RDX, below(2) ? interesting_port() : next());
	if ((uses & U_AX) && below(3))
		emit_mov64(c, RAX, below(2) ? interesting_address(code_gpa) :
			   next());
	if ((uses & U_SI) && below(2))
		emit_mov64(c, RSI, interesting_address(code_gpa));
	if ((uses & U_DI) && below(2))
		emit_mov64(c, RDI, interesting_address(code_gpa));
}

/* Random bytes minus those that clear IF (see the snippets). */
static void tame(uint8_t *b, size_t n)
{
	static const uint8_t ifclear[] = { 0xfa, 0x9d, 0xcf, 0xca, 0xcb };
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < sizeof(ifclear); j++)
			if (b[i] == ifclear[j])
				b[i] = 0x90;
}

/* A page of instructions, ending with UD2 if the guest gets that far. */
static size_t make_program(uint8_t *page, uint64_t code_gpa)
{
	struct code c = { .p = page };
	int n = 4 + below(24), i;

	memset(page, 0xcc, 4096);
	for (i = 0; i < n; i++) {
		if (below(8)) {
			const struct snippet *s =
				&snippets[below(ARRAY_SIZE(snippets))];

			set_regs_for(&c, s->uses, code_gpa);
			emit(&c, s->bytes, s->len);
		} else {
			uint8_t junk[8];
			size_t len = 1 + below(8);

			*(uint64_t *)junk = next();
			tame(junk, len);
			emit(&c, junk, len);
		}
	}
	emit(&c, "\x0f\x0b", 2);
	return c.len;
}

/* ---------------------------------------------------------------- running */

static uint64_t fuzz_code_gva, fuzz_user_rsp;

/* CPL 3 programs start here, at CPL 0, and drop to user mode, IF set. */
static void guest_enter_program_as_user(void)
{
	guest_enter_user_mode_flags((void (*)(void))fuzz_code_gva,
				    fuzz_user_rsp, 0x3202);
}

static void on_alarm(int sig)
{
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

/* Answer an exit that wants data with random bytes; false to stop. */
static bool answer_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint64_t bytes;
	uint8_t *data;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_IN) {
			bytes = (uint64_t)run->io.size * run->io.count;
			data = (uint8_t *)run + run->io.data_offset;
			while (bytes--)
				*data++ = (uint8_t)next();
		}
		return true;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			*(uint64_t *)run->mmio.data = next();
		return true;
	case KVM_EXIT_HLT:
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return true;
	default:
		return false;
	}
}

static char exit_class(const struct kvm_run *run)
{
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.port == UCALL_PORT || run->io.port == END_PORT)
			return 'X';
		return run->io.direction == KVM_EXIT_IO_IN ? 'i' : 'o';
	case KVM_EXIT_MMIO:
		return run->mmio.is_write ? 'w' : 'r';
	case KVM_EXIT_HLT:
		return 'H';
	case KVM_EXIT_SHUTDOWN:
		return 'S';
	case KVM_EXIT_INTERNAL_ERROR:
		return 'E';
	case KVM_EXIT_FAIL_ENTRY:
		return 'F';
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return 'W';
	}
	return '?';
}

static uint64_t exit_where(const struct kvm_run *run)
{
	if (run->exit_reason == KVM_EXIT_IO)
		return run->io.port;
	if (run->exit_reason == KVM_EXIT_MMIO)
		return run->mmio.phys_addr;
	return 0;
}

static void run_program(struct vcpu *vcpu, struct program_result *r,
			struct tally *t)
{
	struct itimerval timer = { .it_value.tv_usec = RUN_TIMER_US };
	struct itimerval off = {};
	uint64_t h = 0xcbf29ce484222325ULL;
	struct kvm_run *run = vcpu->run;

	for (r->exits = 0; r->exits < MAX_EXITS; r->exits++) {
		int ret, err;

		setitimer(ITIMER_REAL, &timer, NULL);
		ret = ioctl(vcpu->fd, KVM_RUN, 0);
		err = errno;
		setitimer(ITIMER_REAL, &off, NULL);
		if (ret) {
			if (err == EINTR) {
				t->timeouts++;
				r->timed_out = true;
			} else {
				r->bad_errno = err;
			}
			h = mix(h, 1000 + err);
			break;
		}
		t->exits++;
		t->by_reason[run->exit_reason & 63]++;
		if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
		    run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
		    run->internal.ndata >= 2 && t->nr_unemulated < 16) {
			memcpy(t->unemulated[t->nr_unemulated],
			       &run->internal.data[1], 4);
			t->unemulated_mode[t->nr_unemulated++] = r->mode;
		}
		if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
		    run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
		    run->internal.ndata >= 3 && !r->has_unemulated) {
			memcpy(r->unemulated, &run->internal.data[1], 16);
			r->has_unemulated = true;
		}
		r->classes[r->exits] = exit_class(run);
		if (r->exits < 4)
			r->where[r->exits] = exit_where(run);
		h = mix(h, run->exit_reason);
		if (run->exit_reason == KVM_EXIT_IO)
			h = mix(h, run->io.port << 8 | run->io.size);
		if (run->exit_reason == KVM_EXIT_FAIL_ENTRY) {
			r->fail_entry = true;
			r->fail_reason = run->fail_entry.
				hardware_entry_failure_reason;
			break;
		}
		if (run->exit_reason == KVM_EXIT_IO &&
		    (run->io.port == UCALL_PORT || run->io.port == END_PORT))
			break;		/* the guest took an exception */
		if (!answer_exit(vcpu))
			break;
	}
	r->hash = h;
}

/* Random general-purpose registers; RIP, RSP and RFLAGS stay. */
static void scramble_registers(struct vcpu *vcpu)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	regs.rax = next();
	regs.rbx = next();
	regs.rcx = below(64);
	regs.rdx = next();
	regs.rsi = next();
	regs.rdi = next();
	regs.rbp = next();
	regs.r8 = next();
	regs.r9 = next();
	regs.r10 = next();
	regs.r11 = next();
	regs.r12 = next();
	regs.r13 = next();
	regs.r14 = next();
	regs.r15 = next();
	regs.rflags |= 0x200;	/* IF: see the snippets */
	vcpu_regs_set(vcpu, &regs);
}

/*
 * Real mode: every vector of the IVT leads to a stub that reports on
 * END_PORT (a real-mode exception clears IF, and the lab's CPU would then
 * never interrupt a program that looped). Protected mode has no IDT: an
 * exception there ends in a shutdown.
 */
static void setup_low_mode(struct vm *vm, struct vcpu *vcpu, enum mode mode)
{
	static const uint8_t stub[] = { 0xe6, END_PORT, 0xf4, 0xeb, 0xfd };
	uint32_t *ivt = gpa_to_hva(vm, LOW_IVT_GPA);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int v;

	memcpy(gpa_to_hva(vm, LOW_STUB_GPA), stub, sizeof(stub));
	for (v = 0; v < 256; v++)
		ivt[v] = (uint32_t)(LOW_STUB_GPA >> 4) << 16;
	if (mode == REAL) {
		vcpu_set_real_mode(vcpu, LOW_CODE_GPA >> 4, 0, LOW_STACK);
		vcpu_sregs_get(vcpu, &sregs);
		sregs.idt.base = LOW_IVT_GPA;
		sregs.idt.limit = 0x3ff;
		vcpu_sregs_set(vcpu, &sregs);
	} else {
		vcpu_set_protected_mode(vcpu, LOW_CODE_GPA, LOW_STACK, 0);
	}
	vcpu_regs_get(vcpu, &regs);
	regs.rax = next();
	regs.rbx = next();
	regs.rcx = below(64);
	regs.rdx = next();
	regs.rsi = next();
	regs.rdi = next();
	regs.rflags |= 0x200;	/* IF: see the snippets */
	vcpu_regs_set(vcpu, &regs);
}

static void print_program(struct __test_metadata *_metadata, uint64_t seed,
			  long index, const struct program_result *r);

/* What a failed entry left: the program and, on vmxlab, the VMCS. */
static void report_entry_failure(struct __test_metadata *_metadata,
				 struct vm *vm, uint64_t seed, long index,
				 const struct program_result *r)
{
	char cmd[128], line[256];
	FILE *p;

	print_program(_metadata, seed, index, r);
	if (strcmp(vm->path, VMXLAB_DEV))
		return;
	snprintf(cmd, sizeof(cmd),
		 "cat /sys/kernel/debug/vmxlab/vm%d-*/vcpu0/vmcs", getpid());
	p = popen(cmd, "r");
	if (!p)
		return;
	while (fgets(line, sizeof(line), p))
		TH_LOG("vmcs: %s", strtok(line, "\n") ?: "");
	pclose(p);
}

/* Each program draws from its own stream: a difference stays in it. */
static void seed_program(uint64_t seed, long index)
{
	rng = (seed ^ 0x9e3779b97f4a7c15ULL) + (index + 1) * 0x632be59bd9b4e019ULL;
}

static void one_program(struct __test_metadata *_metadata, const char *path,
			uint64_t seed, long index, struct program_result *r,
			struct tally *t)
{
	enum mode mode;
	bool irqchip;
	struct vcpu *vcpu;
	uint64_t code_gpa;
	struct vm *vm;
	uint8_t *code;

	seed_program(seed, index);
	mode = below(NR_MODES);
	irqchip = below(2);
	vm = vm_create(path);
	if (irqchip)
		ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	code_gpa = mode < LONG ? LOW_CODE_GPA : vm_alloc(vm, 4096);
	code = gpa_to_hva(vm, code_gpa);
	ASSERT_NE(NULL, code);
	make_program(code, code_gpa);
	if (mode < LONG) {
		/* Their immediates are executed too: no IF-clearing byte. */
		tame(code, CODE_BYTES);
		vcpu = vcpu_create(vm, 0);
		setup_low_mode(vm, vcpu, mode);
	} else if (mode == USER) {
		vm_enable_user_mode(vm);
		fuzz_code_gva = code_gpa;
		fuzz_user_rsp = vm_alloc(vm, 4096) + 4096 - 64;
		sync_global_to_guest(vm, fuzz_code_gva);
		sync_global_to_guest(vm, fuzz_user_rsp);
		vcpu = vm_add_vcpu(vm, 0, guest_enter_program_as_user);
	} else {
		vcpu = vm_add_vcpu(vm, 0, (void *)(uintptr_t)code_gpa);
		scramble_registers(vcpu);
	}
	memset(r, 0, sizeof(*r));
	r->code_gpa = code_gpa;
	r->mode = mode;
	run_program(vcpu, r, t);
	if (r->fail_entry)
		report_entry_failure(_metadata, vm, seed, index, r);
	vm_free(vm);
	t->programs++;
	t->by_mode[mode]++;
	t->irqchip_programs += irqchip;
	if (r->fail_entry && t->fail_entries++ == 0) {
		t->first_fail_entry = index;
		t->first_fail_reason = r->fail_reason;
	}
	if (r->bad_errno && t->bad_errnos++ == 0)
		t->first_bad_errno = r->bad_errno;
}

static void report(struct __test_metadata *_metadata, const struct tally *t,
		   uint64_t seed)
{
	char line[512];
	int e, n = 0;

	TH_LOG("seed %#" PRIx64 ": %ld programs (%ld with the irqchip in the kernel), %ld exits, %ld ended by the timer",
	       seed, t->programs, t->irqchip_programs, t->exits, t->timeouts);
	for (e = 0, n = 0; e < NR_MODES; e++)
		n += snprintf(line + n, sizeof(line) - n, " %s:%ld",
			      mode_names[e], t->by_mode[e]);
	TH_LOG("programs by mode:%s", line);
	n = 0;
	for (e = 0; e < 64; e++)
		if (t->by_reason[e] && n < (int)sizeof(line) - 32)
			n += snprintf(line + n, sizeof(line) - n, " %s:%ld",
				      exit_reason_str(e), t->by_reason[e]);
	TH_LOG("exits by reason:%s", n ? line : " none");
	for (e = 0, n = 0; e < t->nr_unemulated; e++)
		n += snprintf(line + n, sizeof(line) - n, " %c:%02x%02x%02x%02x",
			      mode_names[t->unemulated_mode[e]][0],
			      t->unemulated[e][0], t->unemulated[e][1],
			      t->unemulated[e][2], t->unemulated[e][3]);
	if (n)
		TH_LOG("not emulated (mode initial: first bytes):%s", line);
}

/*
 * ------------------------------------------------ explained differences
 *
 * A difference between vmxlab's and KVM's exit classes fails the test
 * unless one of these rules explains it. Each is narrow: it names the
 * behaviour, says whose it is, and matches only the exit pattern (and,
 * for an internal error, the instruction) that behaviour produces. The
 * same list is in docs/fuzzing.md.
 */
struct diff_rule {
	const char *name;
	/*
	 * At the first difference, vmxlab's classes at v + *a, KVM's at
	 * k + *b: true if the rule explains what follows, with *a and *b
	 * moved past it (to the end when nothing after it can be compared).
	 */
	bool (*explains)(const char *v, const char *k, int *a, int *b,
			 const struct program_result *mine);
};

static int run_of(const char *s, char c)
{
	int n = 0;

	while (s[n] == c)
		n++;
	return n;
}

/*
 * KVM's REP INS into MMIO: KVM reads many elements from the port in one
 * exit and writes them to the device in fragments of up to 8 bytes;
 * vmxlab moves one element per exit (an 'i' then a 'w' each). So
 * vmxlab's (iw){n} is KVM's i{p} w{q} with p, q <= n. KVM's choice.
 */
static bool kvm_batches_rep_ins_into_mmio(const char *v, const char *k,
					  int *a, int *b,
					  const struct program_result *mine)
{
	int back, n, p, q;

	/* The run may have begun in the common part. */
	for (back = 0; back <= *a && back <= *b; back++) {
		const char *vs = v + *a - back, *ks = k + *b - back;
		bool v_cut, k_cut;

		if (back && !strchr("iw", vs[0]))
			break;
		for (n = 0; vs[2 * n] == 'i' && vs[2 * n + 1] == 'w'; n++)
			;
		p = run_of(ks, 'i');
		q = run_of(ks + p, 'w');
		/* A run that meets the exit bound may have gone on. */
		v_cut = (!vs[2 * n] || (vs[2 * n] == 'i' && !vs[2 * n + 1])) &&
			strlen(v) == MAX_EXITS;
		k_cut = !ks[p + q] && strlen(k) == MAX_EXITS;
		if (n >= 2 && p >= 1 && q >= 1 && (p <= n || v_cut) &&
		    (q <= n || v_cut) && (p < n || q < n || k_cut)) {
			/* An element cut off by the bound counts with its run. */
			*a += 2 * n - back + (v_cut && vs[2 * n]);
			*b += p + q - back;
			return true;
		}
	}
	return false;
}

/*
 * REP INS into RAM: both serve many elements per exit, but in batches of
 * different sizes (KVM's read-ahead holds 1024 bytes and, with DF set,
 * it bounds a batch by the page offset in bytes; vmxlab's batch is the
 * rest of the page). So the same instruction takes a different number of
 * 'i' exits. Pattern: a run of 'i' on each side, of different lengths,
 * followed by the same class (or the exit bound).
 */
static bool rep_ins_into_ram_batches_differ(const char *v, const char *k,
					    int *a, int *b,
					    const struct program_result *mine)
{
	int back = 0, n, m;

	while (back < *a && back < *b && v[*a - back - 1] == 'i')
		back++;
	n = run_of(v + *a - back, 'i');
	m = run_of(k + *b - back, 'i');
	if (n == m || n < 1 || m < 1)
		return false;
	*a += n - back;
	*b += m - back;
	return true;
}

/*
 * vmxlab's REP INS checks that the destination is writable before it
 * reads the port, so a fault costs no port data: where KVM reads the
 * port once and then faults, vmxlab faults at once. vmxlab's choice
 * (docs/fuzzing.md): KVM's one extra 'i' right before the exception
 * ('X', or 'S' without an IDT) that ends both programs.
 */
static bool vmxlab_checks_rep_ins_destination_first(
	const char *v, const char *k, int *a, int *b,
	const struct program_result *mine)
{
	if (k[*b] != 'i' || !strchr("XS", v[*a]) || !v[*a] ||
	    strcmp(v + *a, k + *b + 1))
		return false;
	*a += strlen(v + *a);
	*b += strlen(k + *b);
	return true;
}

/* The opcode of an instruction, after its prefixes; NULL if none found. */
static const uint8_t *opcode_of(const struct program_result *mine)
{
	bool rex_ok = mine->mode == LONG || mine->mode == USER;
	int i;

	if (!mine->has_unemulated)
		return NULL;
	for (i = 0; i < 12; i++) {
		uint8_t c = mine->unemulated[i];

		if (strchr("\x26\x2e\x36\x3e\x64\x65\x66\x67\xf0\xf2\xf3", c) &&
		    c)
			continue;
		if (rex_ok && (c & 0xf0) == 0x40)
			continue;
		return mine->unemulated + i;
	}
	return NULL;
}

/*
 * An instruction vmxlab does not emulate on an MMIO operand and KVM
 * does: vmxlab's internal error is its last exit, and what KVM did from
 * there (with a GDT, IDT or segment loaded from random device data) is
 * not compared.
 */
static bool unemulated_by_vmxlab(const char *v, const uint8_t *op)
{
	return op && v[0] == 'E' && !v[1];
}

static void skip_to_ends(const char *v, const char *k, int *a, int *b)
{
	*a += strlen(v + *a);
	*b += strlen(k + *b);
}

/*
 * LGDT, LIDT (0F 01 /2, /3) with their 6- or 10-byte operand in MMIO:
 * KVM reads the operand from the device; vmxlab does not emulate them
 * (the hardware names the GPA of whichever piece it read first, and
 * vmxlab's decoder does not compute effective addresses).
 */
static bool kvm_emulates_lgdt_lidt_from_mmio(const char *v, const char *k,
					     int *a, int *b,
					     const struct program_result *mine)
{
	const uint8_t *op = opcode_of(mine);

	if (!unemulated_by_vmxlab(v + *a, op) || op[0] != 0x0f ||
	    op[1] != 0x01 || (op[2] >> 6) == 3 ||
	    ((op[2] >> 3) & 7) < 2 || ((op[2] >> 3) & 7) > 3)
		return false;
	skip_to_ends(v, k, a, b);
	return true;
}

/* LDS, LES (C4, C5 outside 64-bit mode), LSS, LFS, LGS (0F B2, B4, B5). */
static bool kvm_emulates_far_pointer_loads_from_mmio(
	const char *v, const char *k, int *a, int *b,
	const struct program_result *mine)
{
	const uint8_t *op = opcode_of(mine);
	bool lds_les, lxs;

	if (!unemulated_by_vmxlab(v + *a, op))
		return false;
	lds_les = mine->mode < LONG && (op[0] == 0xc4 || op[0] == 0xc5) &&
		  (op[1] >> 6) != 3;
	lxs = op[0] == 0x0f && (op[1] == 0xb2 || op[1] == 0xb4 ||
				op[1] == 0xb5);
	if (!lds_les && !lxs)
		return false;
	skip_to_ends(v, k, a, b);
	return true;
}

/*
 * Both start a new VM's TSC at 0 (vmxlab since the fuzzer showed it read
 * the host's), but the ticks a program sees still depend on how long
 * the VM has lived, which differs between the two runs. A program that
 * makes an address of what RDTSC returned may land in MMIO on one side
 * only. Timing, nobody's. Pattern: the program has RDTSC or RDTSCP, and
 * at the difference vmxlab takes an MMIO exit where KVM takes none; what
 * follows is not compared.
 */
static bool guest_tsc_differs_at_start(const char *v, const char *k, int *a,
				       int *b,
				       const struct program_result *mine)
{
	if (!mine->reads_tsc || !v[*a] || !strchr("rw", v[*a]) ||
	    (k[*b] && strchr("rw", k[*b])))
		return false;
	skip_to_ends(v, k, a, b);
	return true;
}

/*
 * KVM's PUSHA with its stack in MMIO: each of the eight pushes replaces
 * the MMIO write the one before queued, so only one write reaches
 * userspace; vmxlab sends each slot that is MMIO (the SDM's eight
 * stores). KVM's bug. Pattern: the program has PUSHA, and where vmxlab
 * takes a run of 2 to 8 'w' exits, KVM takes a single 'w'.
 */
static bool kvm_keeps_one_pusha_write(const char *v, const char *k, int *a,
				      int *b,
				      const struct program_result *mine)
{
	int back, n;

	if (!mine->has_pusha)
		return false;
	/* KVM's one write may be the first of vmxlab's, already matched. */
	for (back = 0; back <= 1 && back <= *a && back <= *b; back++) {
		if (back && (v[*a - 1] != 'w' || k[*b - 1] != 'w'))
			break;
		n = run_of(v + *a - back, 'w');
		if (n >= 2 && n <= 8 && run_of(k + *b - back, 'w') == 1) {
			*a += n - back;
			*b += 1 - back;
			return true;
		}
	}
	return false;
}

/*
 * KVM's POPA with its stack in MMIO: each restart after a read moves ESP
 * again, so KVM reads the wrong slots and leaves ESP far above where the
 * SDM puts it (exit_mmio's pusha_popa test records it); vmxlab reads the
 * seven slots and moves ESP by 32. KVM's bug. Pattern: the program has
 * POPA (a 61 byte outside 64-bit mode); from the difference on, not
 * compared (KVM's registers are no longer the program's).
 */
static bool kvm_popa_from_mmio_moves_esp(const char *v, const char *k,
					 int *a, int *b,
					 const struct program_result *mine)
{
	if (!mine->has_popa)
		return false;
	skip_to_ends(v, k, a, b);
	return true;
}

static const struct diff_rule diff_rules[] = {
	{ "kvm_batches_rep_ins_into_mmio", kvm_batches_rep_ins_into_mmio },
	{ "rep_ins_into_ram_batches_differ", rep_ins_into_ram_batches_differ },
	{ "vmxlab_checks_rep_ins_destination_first",
	  vmxlab_checks_rep_ins_destination_first },
	{ "kvm_emulates_lgdt_lidt_from_mmio",
	  kvm_emulates_lgdt_lidt_from_mmio },
	{ "kvm_emulates_far_pointer_loads_from_mmio",
	  kvm_emulates_far_pointer_loads_from_mmio },
	{ "guest_tsc_differs_at_start", guest_tsc_differs_at_start },
	{ "kvm_keeps_one_pusha_write", kvm_keeps_one_pusha_write },
	{ "kvm_popa_from_mmio_moves_esp", kvm_popa_from_mmio_moves_esp },
};

#define NR_DIFF_RULES	(sizeof(diff_rules) / sizeof(diff_rules[0]))

/*
 * Walks both class strings: equal letters match, a difference must be
 * explained by a rule (at most 8 along the way); a program that met the
 * bound of MAX_EXITS exits on one side is compared up to that bound. Returns the index of
 * the first rule used, NR_DIFF_RULES if none was needed, or -1 when a
 * difference is left unexplained.
 */
static int explain_difference(const char *v, const char *k,
			      const struct program_result *mine)
{
	int a = 0, b = 0, used = NR_DIFF_RULES, steps;
	size_t r;

	for (steps = 0; steps < 8; steps++) {
		while (v[a] && v[a] == k[b])
			a++, b++;
		if (!v[a] && !k[b])
			return used;
		/* A side that met the exit bound is compared up to there. */
		if ((!v[a] && strlen(v) == MAX_EXITS) ||
		    (!k[b] && strlen(k) == MAX_EXITS))
			return used;
		for (r = 0; r < NR_DIFF_RULES; r++)
			if (diff_rules[r].explains(v, k, &a, &b, mine))
				break;
		if (r == NR_DIFF_RULES)
			return -1;
		if (used == NR_DIFF_RULES)
			used = r;
	}
	return -1;
}

/* The program @index of @seed again, in hex, to replay a difference. */
static void print_program(struct __test_metadata *_metadata, uint64_t seed,
			  long index, const struct program_result *r)
{
	static uint8_t page[4096];
	char hex[2 * 96 + 1];
	size_t len, i;

	seed_program(seed, index);
	below(NR_MODES);
	below(2);
	len = make_program(page, r->code_gpa);
	if (r->mode < LONG)
		tame(page, CODE_BYTES);
	for (i = 0; i < len && i < 96; i++)
		sprintf(hex + 2 * i, "%02x", page[i]);
	TH_LOG("program %ld (%s mode, code at %#" PRIx64 ", %zu bytes): %s%s",
	       index, mode_names[r->mode], r->code_gpa, len, hex,
	       len > 96 ? "..." : "");
}

/*
 * What the differential's rules ask of program @index of @seed: whether
 * it has RDTSC (0F 31) or RDTSCP (0F 01 F9), PUSHA or POPA (60, 61,
 * outside 64-bit mode). Any such bytes count, operand or not.
 */
static void program_traits(uint64_t seed, long index,
			   struct program_result *r)
{
	static uint8_t page[4096];
	size_t len, i;

	seed_program(seed, index);
	below(NR_MODES);
	below(2);
	len = make_program(page, r->code_gpa);
	if (r->mode < LONG)
		tame(page, CODE_BYTES);
	for (i = 0; i < len; i++) {
		if (i + 1 < len && page[i] == 0x0f &&
		    (page[i + 1] == 0x31 || (i + 2 < len &&
					      page[i + 1] == 0x01 &&
					      page[i + 2] == 0xf9)))
			r->reads_tsc = true;
		if (page[i] == 0x60 && r->mode < LONG)
			r->has_pusha = true;
		if (page[i] == 0x61 && r->mode < LONG)
			r->has_popa = true;
	}
}

/* Where two class strings part, as "vmxlab/KVM" letters ('.' for none). */
static int first_difference(const char *a, const char *b, char *pair)
{
	int i = 0;

	while (a[i] && a[i] == b[i])
		i++;
	pair[0] = a[i] ?: '.';
	pair[1] = '/';
	pair[2] = b[i] ?: '.';
	pair[3] = 0;
	return i;
}

struct comparison {
	long compared, same_classes, same_hash, timed, unexplained;
	long by_rule[NR_DIFF_RULES];
	long differ[NR_MODES];
	char pairs[8][4];	/* the kinds of difference seen first */
	long pair_count[8];
};

static void count_pair(struct comparison *cmp, const char *pair)
{
	int k;

	for (k = 0; k < 8 && cmp->pairs[k][0]; k++)
		if (!strcmp(cmp->pairs[k], pair))
			break;
	if (k == 8)
		k = 7;
	strcpy(cmp->pairs[k], pair);
	cmp->pair_count[k]++;
}

/*
 * vmxlab writes its results; the KVM run compares them with its own. A
 * program that ran to its end on both must take the same classes of exit
 * on both; a program the timer ended on either side is not compared.
 */
static void compare_with_vmxlab(struct __test_metadata *_metadata,
				uint64_t seed, long first,
				const struct program_result *kvm, long n,
				struct comparison *cmp)
{
	char classes[CLASS_LEN + 1], insn[40], pair[4], line[256];
	uint64_t where[4];
	long i, shown = 0;
	int timed_out, at, k, rule, len = 0;
	FILE *f = fopen(HASH_FILE, "re");
	uint64_t h;

	ASSERT_NE(NULL, f) TH_LOG("no vmxlab results to compare with (%s)",
				  HASH_FILE);
	for (i = 0; i < n && fscanf(f, "%" SCNx64 " %d %66s %39s %" SCNx64
				    " %" SCNx64 " %" SCNx64 " %" SCNx64, &h,
				    &timed_out, classes, insn, &where[0],
				    &where[1], &where[2], &where[3]) == 8;
	     i++) {
		const char *mine = strcmp(classes, "-") ? classes : "";
		struct program_result vm = { .mode = kvm[i].mode };

		if (timed_out || kvm[i].timed_out) {
			cmp->timed++;
			continue;
		}
		cmp->compared++;
		cmp->same_hash += h == kvm[i].hash;
		if (!strcmp(mine, kvm[i].classes)) {
			cmp->same_classes++;
			continue;
		}
		cmp->differ[kvm[i].mode]++;
		at = first_difference(mine, kvm[i].classes, pair);
		count_pair(cmp, pair);
		for (k = 0; strcmp(insn, "-") && k < 16 &&
			    sscanf(insn + 2 * k, "%2hhx", &vm.unemulated[k]) == 1;
		     k++)
			vm.has_unemulated = true;
		vm.code_gpa = kvm[i].code_gpa;
		program_traits(seed, first + i, &vm);
		rule = explain_difference(mine, kvm[i].classes, &vm);
		if (rule >= 0 && rule < (int)NR_DIFF_RULES)
			cmp->by_rule[rule]++;
		else
			cmp->unexplained++;
		if (shown++ >= 24)
			continue;
		TH_LOG("program %ld: exits differ at %d: vmxlab %s, KVM %s: %s",
		       first + i, at, mine[0] ? mine : "(none)",
		       kvm[i].classes[0] ? kvm[i].classes : "(none)",
		       rule >= 0 ? diff_rules[rule].name : "NOT EXPLAINED");
		if (rule >= 0)
			continue;
		TH_LOG("program %ld: first exits at vmxlab %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64 ", KVM %#" PRIx64 " %#" PRIx64 " %#" PRIx64 " %#" PRIx64 "; vmxlab's unemulated instruction: %s",
		       first + i, where[0], where[1], where[2], where[3],
		       kvm[i].where[0], kvm[i].where[1], kvm[i].where[2],
		       kvm[i].where[3], insn);
		print_program(_metadata, seed, first + i, &kvm[i]);
	}
	fclose(f);
	EXPECT_EQ(n, i) TH_LOG("vmxlab's results end after %ld programs", i);
	for (k = 0; k < 8 && cmp->pairs[k][0]; k++)
		len += snprintf(line + len, sizeof(line) - len, " %s:%ld",
				cmp->pairs[k], cmp->pair_count[k]);
	TH_LOG("same exit classes on vmxlab and KVM: %ld of %ld programs (same exact exits: %ld; %ld ended by the timer on one side, not compared); differing by mode: real %ld, protected %ld, long %ld, CPL 3 %ld; first differences (vmxlab/KVM):%s",
	       cmp->same_classes, cmp->compared, cmp->same_hash, cmp->timed,
	       cmp->differ[REAL], cmp->differ[PROTECTED], cmp->differ[LONG],
	       cmp->differ[USER], len ? line : " none");
	for (k = 0, len = 0; k < (int)NR_DIFF_RULES; k++)
		if (cmp->by_rule[k])
			len += snprintf(line + len, sizeof(line) - len, " %s:%ld",
					diff_rules[k].name, cmp->by_rule[k]);
	TH_LOG("differences explained by a rule:%s; not explained: %ld",
	       len ? line : " none", cmp->unexplained);
}

/* One line per program for the KVM run: hash, timeout, classes, insn. */
static void write_result(FILE *f, const struct program_result *r)
{
	int k;

	fprintf(f, "%" PRIx64 " %d %s ", r->hash, r->timed_out,
		r->classes[0] ? r->classes : "-");
	if (!r->has_unemulated)
		fputc('-', f);
	for (k = 0; r->has_unemulated && k < 16; k++)
		fprintf(f, "%02x", r->unemulated[k]);
	for (k = 0; k < 4; k++)
		fprintf(f, " %" PRIx64, r->where[k]);
	fputc('\n', f);
}

FIXTURE(gfuzz) {
	struct program_result *results;
};

FIXTURE_VARIANT(gfuzz) {
	const char *path;
};

FIXTURE_VARIANT_ADD(gfuzz, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(gfuzz, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(gfuzz)
{
}

FIXTURE_TEARDOWN(gfuzz)
{
	free(self->results);
}

TEST_F_TIMEOUT(gfuzz, random_programs, 900)
{
	uint64_t seed = lab_cmdline_number("vmxlab_fuzz_seed", DEFAULT_SEED);
	long programs = lab_cmdline_number("vmxlab_fuzz_programs",
				       DEFAULT_PROGRAMS);
	/* vmxlab_fuzz_first= with a seed replays one program on its own. */
	long first = lab_cmdline_number("vmxlab_fuzz_first", 0);
	struct sigaction sa = { .sa_handler = on_alarm };
	bool vmxlab = !strcmp(variant->path, VMXLAB_DEV);
	struct tally t = { .first_fail_entry = -1 };
	long i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	ASSERT_LE(1, programs);
	ASSERT_GE(MAX_PROGRAMS, programs);
	/* No SA_RESTART: the timer's signal ends a KVM_RUN with EINTR. */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	self->results = calloc(programs, sizeof(*self->results));
	ASSERT_NE(NULL, self->results);
	for (i = 0; i < programs; i++) {
		one_program(_metadata, variant->path, seed, first + i,
			    &self->results[i], &t);
		if (!_metadata->passed)
			break;
	}
	signal(SIGALRM, SIG_DFL);
	report(_metadata, &t, seed);

	EXPECT_EQ(0, t.fail_entries)
		TH_LOG("program %ld of seed %#" PRIx64 ": entry failure %u (replay: vmxlab_fuzz_seed=%#" PRIx64 " vmxlab_fuzz_first=%ld vmxlab_fuzz_programs=1)",
		       t.first_fail_entry, seed, t.first_fail_reason, seed,
		       t.first_fail_entry);
	EXPECT_EQ(0, t.bad_errnos) TH_LOG("KVM_RUN failed with %s",
					  strerror(t.first_bad_errno));
	/* The generator must reach the hypervisor, not only the guest. */
	EXPECT_LT(programs, t.exits);

	if (vmxlab) {
		FILE *f = fopen(HASH_FILE, "we");

		if (f) {
			for (i = 0; i < t.programs; i++)
				write_result(f, &self->results[i]);
			fclose(f);
		}
		EXPECT_VMXLAB_HOLDS_NOTHING();
	} else {
		struct comparison cmp = {};

		compare_with_vmxlab(_metadata, seed, first, self->results,
				    t.programs, &cmp);
		/* Most programs must end on their own, or nothing is compared. */
		EXPECT_LT(cmp.timed, cmp.compared);
		/* Every difference no named rule explains is a failure. */
		EXPECT_EQ(0, cmp.unexplained)
			TH_LOG("%ld of %ld programs took other exit classes on vmxlab than on KVM, unexplained (see above)",
			       cmp.unexplained, cmp.compared);
	}
}

TEST_HARNESS_MAIN
