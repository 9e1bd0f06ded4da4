/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running guest code in the selftests, in the manner of KVM's selftests: a
 * test is a host main plus guest functions written as ordinary C in the
 * same static binary, and it runs unchanged on /dev/kvm and /dev/vmxlab.
 *
 * How a guest is built (slot 0, guest-physical = guest-virtual):
 *
 *   0x00001000  GDT          0x08 code64, 0x10 data, 0x18 TSS, 0x28 code32,
 *                            0x30 code16, 0x38 data16, 0x43 user code64,
 *                            0x4b user data (both DPL 3)
 *   0x00002000  IDT          256 interrupt gates, all on IST1
 *   0x00003000  TSSs         one per vCPU (0x80 apart); TR points at its own
 *   0x00004000  page tables  PML4, PDPT, 4 PDs: the low 4 GiB identity
 *                            mapped with 2 MiB pages (MMIO holes included)
 *   0x00010000  free         below 0x80000: for real-mode code and tests
 *   0x00080000  IST stacks   4 KiB per vCPU, for exceptions
 *   0x00200000  stacks       64 KiB per vCPU
 *   0x00400000  the program  every PT_LOAD segment of this binary, copied at
 *                            its own address (it is static and non-PIE),
 *                            so function pointers and globals just work
 *   after it    scratch      vm_alloc() hands out pages from here
 *
 * The image is a copy taken by vm_create(): globals the host changes later
 * reach the guest only through sync_global_to_guest(), and what the guest
 * writes comes back through sync_global_from_guest(). Guest code must not
 * call libc (its string functions are IFUNCs that may pick AVX variants)
 * nor touch TLS.
 *
 * ucall: the guest reports by an OUT of 4 bytes to UCALL_PORT whose value is
 * the guest-physical address of a struct ucall (on the guest's stack, so
 * below 4 GiB). The host sees KVM_EXIT_IO and reads the struct from guest
 * memory: SYNC with up to six integer arguments, ASSERT with the
 * expression, file and line (pointers into the program's .rodata, read
 * from the guest's copy), DONE, and UNHANDLED for an exception the guest
 * did not expect (with RCX and RDI, which string instructions move). A
 * guest function that returns reports DONE.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

#define UCALL_PORT		0x5ca1
#define UCALL_MAX_ARGS		6

#define GDT_GPA			0x1000ULL
#define IDT_GPA			0x2000ULL
#define TSS_GPA			0x3000ULL
#define TSS_STRIDE		0x80ULL
#define PML4_GPA		0x4000ULL
#define PDPT_GPA		0x5000ULL
#define PD_GPA			0x6000ULL	/* four PDs: 0x6000-0x9fff */
#define LOW_FREE_GPA		0x10000ULL	/* free up to IST_STACKS_GPA */
#define IST_STACKS_GPA		0x80000ULL
#define IST_STACK_SIZE		0x1000ULL
#define STACKS_GPA		0x200000ULL
#define STACK_SIZE		0x10000ULL
#define IMAGE_GPA		0x400000ULL
#define SCRATCH_SIZE		(16ULL << 20)
#define VM_MAX_VCPUS		32
#define VM_MAX_REGIONS		16

#define SEL_CODE64		0x08
#define SEL_DATA		0x10
#define SEL_TSS			0x18
#define SEL_CODE32		0x28
#define SEL_CODE16		0x30
#define SEL_DATA16		0x38
#define SEL_USER_CODE64		0x43	/* DPL 3, RPL 3 */
#define SEL_USER_DATA		0x4b	/* DPL 3, RPL 3 */
#define GDT_ENTRIES		10

/* Exception vectors. */
#define DE_VECTOR		0
#define BP_VECTOR		3
#define UD_VECTOR		6
#define NM_VECTOR		7
#define DF_VECTOR		8
#define GP_VECTOR		13
#define PF_VECTOR		14

/* What a guest_safe helper returns when the instruction did not fault. */
#define NO_EXCEPTION		(-1)

enum ucall_cmd {
	UCALL_NONE,		/* the exit was not a ucall */
	UCALL_SYNC,
	UCALL_ASSERT,
	UCALL_DONE,
	UCALL_UNHANDLED,	/* vector, error code, rip, cr2, rcx, rdi */
};

struct ucall {
	uint64_t cmd;
	uint64_t nargs;
	uint64_t args[UCALL_MAX_ARGS];
};

/* UCALL_ASSERT argument slots. */
#define UCALL_ASSERT_EXPR	0
#define UCALL_ASSERT_FILE	1
#define UCALL_ASSERT_LINE	2
#define UCALL_ASSERT_A		3
#define UCALL_ASSERT_B		4
#define UCALL_ASSERT_HAS_AB	5

struct mem_region {
	struct kvm_userspace_memory_region kvm;
	void *hva;
};

struct vcpu;

struct vm {
	const char *path;
	int sys_fd;		/* the device node */
	int fd;			/* the VM */
	int run_size;
	struct mem_region region[VM_MAX_REGIONS];
	int nr_regions;
	uint64_t scratch_next;	/* vm_alloc()'s next free page */
	uint64_t scratch_end;
	bool tables;		/* GDT, IDT, TSSs and page tables built */
	struct vcpu *vcpu[VM_MAX_VCPUS];
};

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
};

/* ---------------------------------------------------------------- host */

/*
 * NULL when guest code can run on the device at path, else why not: the
 * node is missing on an ordinary machine, or the device is vmxlab and its
 * vCPU engine is not built yet (see vcpu_engine_missing()).
 */
const char *guest_device_unusable(const char *path);

/* A VM on path with slot 0, this program's image and the tables above. */
struct vm *vm_create(const char *path);
/* A VM on path with no memory at all. */
struct vm *vm_create_bare(const char *path);
/* vm_create() plus vCPU 0 in long mode at guest_fn. */
struct vm *vm_create_with_vcpu(const char *path, void *guest_fn,
			       struct vcpu **vcpu);
/* Close every vCPU and the VM (fds already closed are set to -1). */
void vm_free(struct vm *vm);

/* KVM_CHECK_EXTENSION on the VM fd. */
int vm_check_cap(struct vm *vm, long cap);
/* Add memory slot (anonymous, zeroed); returns its host address. */
void *vm_add_memory(struct vm *vm, uint32_t slot, uint64_t gpa,
		    uint64_t size, uint32_t flags);
/* Host address of gpa, or NULL where no slot holds it. */
void *gpa_to_hva(struct vm *vm, uint64_t gpa);
/* Page-aligned, zeroed guest memory from slot 0's scratch area. */
uint64_t vm_alloc(struct vm *vm, uint64_t size);
/* Map the 4 KiB page at gva (at or above 4 GiB) to gpa, writable. */
void vm_map_page(struct vm *vm, uint64_t gva, uint64_t gpa);
/* The page-table entry of gva mapped by vm_map_page(), to change its bits. */
uint64_t *vm_pte(struct vm *vm, uint64_t gva);
/* Let CPL 3 reach the whole low 4 GiB (U/S set on the identity map). */
void vm_enable_user_mode(struct vm *vm);
/* The 2 MiB identity-map entry (PDE) covering gpa, below 4 GiB. */
uint64_t *vm_pde(struct vm *vm, uint64_t gpa);
/* Copy [start, end) of this program into guest memory at gpa. */
void vm_load(struct vm *vm, uint64_t gpa, const void *start, const void *end);
/* Copy a range of this program's data to its guest copy, or back. */
void vm_sync_to_guest(struct vm *vm, const void *addr, size_t size);
void vm_sync_from_guest(struct vm *vm, void *addr, size_t size);
#define sync_global_to_guest(vm, g)	vm_sync_to_guest(vm, &(g), sizeof(g))
#define sync_global_from_guest(vm, g)	vm_sync_from_guest(vm, &(g), sizeof(g))

/* KVM_CREATE_VCPU and the kvm_run mapping; the vCPU stays in reset state. */
struct vcpu *vcpu_create(struct vm *vm, int id);
/* vcpu_create() plus default CPUID and long mode at guest_fn. */
struct vcpu *vm_add_vcpu(struct vm *vm, int id, void *guest_fn);
/* Long mode at rip, on the vCPU's own stack, TSS and the VM's tables. */
void vcpu_set_long_mode(struct vcpu *vcpu, void *rip);
/* Real mode at cs:ip (cs base = cs << 4), all data segments 0. */
void vcpu_set_real_mode(struct vcpu *vcpu, uint16_t cs, uint16_t ip,
			uint16_t sp);
/* 32-bit flat protected mode; paging on when cr3 != 0 (2-level, no PAE). */
void vcpu_set_protected_mode(struct vcpu *vcpu, uint32_t eip, uint32_t esp,
			     uint32_t cr3);
/* The first n of RDI, RSI, RDX, RCX, R8, R9 (n <= 6). */
void vcpu_args_set(struct vcpu *vcpu, int n, ...);

/* KVM_RUN: 0 or -errno. */
int vcpu_run(struct vcpu *vcpu);
void vcpu_regs_get(struct vcpu *vcpu, struct kvm_regs *regs);
void vcpu_regs_set(struct vcpu *vcpu, const struct kvm_regs *regs);
void vcpu_sregs_get(struct vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_sregs_set(struct vcpu *vcpu, const struct kvm_sregs *sregs);
/* KVM_GET/SET_MSRS of one MSR: the number processed (0 or 1), or -errno. */
int vcpu_get_msr(struct vcpu *vcpu, uint32_t index, uint64_t *value);
int vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value);

/* KVM_GET_SUPPORTED_CPUID (malloc'd); NULL with errno on failure. */
struct kvm_cpuid2 *supported_cpuid(struct vm *vm);
/* The entry for function/index, or NULL. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid,
				    uint32_t function, uint32_t index);
/*
 * What vm_add_vcpu() gives every vCPU: the supported CPUID without VMX
 * (vmxlab does not nest; KVM offers VMX when kvm_intel's nested=1).
 */
struct kvm_cpuid2 *default_cpuid(struct vm *vm);
/* KVM_SET_CPUID2: 0 or -errno. */
int vcpu_set_cpuid(struct vcpu *vcpu, const struct kvm_cpuid2 *cpuid);

/* The ucall this exit carries (filling uc), or UCALL_NONE. */
uint64_t get_ucall(struct vcpu *vcpu, struct ucall *uc);
/* "file:line: expr" (and the two values) of a UCALL_ASSERT, into buf. */
const char *ucall_assert_str(struct vcpu *vcpu, const struct ucall *uc,
			     char *buf, size_t size);
/* A line describing an exit that was not the expected one. */
const char *exit_str(struct vcpu *vcpu, char *buf, size_t size);
const char *exit_reason_str(uint32_t reason);

/* ---------------------------------------------------------------- guest */

/* The register frame the exception stubs build; see guest.c. */
struct guest_ex_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/*
 * The frame of the last exception a guest_asm_safe() fixup took, for tests
 * of what the CPU pushed (RFLAGS.RF, RIP, the error code).
 */
extern struct guest_ex_regs guest_last_fault;
/*
 * If the guest sets it, called first for every exception; returning true
 * resumes with the frame as the hook left it (IRETQ).
 */
extern bool (*guest_exception_hook)(struct guest_ex_regs *regs);

void guest_ucall(uint64_t cmd, uint64_t nargs, const uint64_t *args);
/* Continue at fn in 64-bit user mode (CPL 3, IOPL 3) on stack rsp. */
void guest_enter_user_mode(void (*fn)(void), uint64_t rsp)
	__attribute__((noreturn));
/* The same with RFLAGS @flags (IOPL 3 and IF, for instance). */
void guest_enter_user_mode_flags(void (*fn)(void), uint64_t rsp,
				 uint64_t flags)
	__attribute__((noreturn));
void guest_assert_fail(const char *expr, const char *file, uint64_t line,
		       uint64_t a, uint64_t b, bool has_ab)
	__attribute__((noreturn));

#define __UC_NARGS(_0, _1, _2, _3, _4, _5, _6, n, ...)	n
#define UC_NARGS(...)	__UC_NARGS(_, ##__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)

/* Report to the host and wait to be resumed; arguments are integers. */
#define GUEST_SYNC(...)							\
	guest_ucall(UCALL_SYNC, UC_NARGS(__VA_ARGS__),			\
		    (const uint64_t []){ 0, ##__VA_ARGS__ } + 1)
#define GUEST_DONE()	guest_ucall(UCALL_DONE, 0, NULL)

#define GUEST_ASSERT(cond)						\
	do {								\
		if (!(cond))						\
			guest_assert_fail(#cond, __FILE__, __LINE__,	\
					  0, 0, false);			\
	} while (0)

#define GUEST_ASSERT_EQ(a, b)						\
	do {								\
		uint64_t __ga = (uint64_t)(a), __gb = (uint64_t)(b);	\
		if (__ga != __gb)					\
			guest_assert_fail(#a " == " #b, __FILE__,	\
					  __LINE__, __ga, __gb, true);	\
	} while (0)

/*
 * Run insn; if it raises an exception, resume after it instead. Evaluates
 * to the vector, or NO_EXCEPTION. The exception handler recognises the
 * magic in R15 and sends the guest to the address in R14. In insn, %0 is
 * the result: the inputs are %1 onwards.
 */
#define GUEST_FIXUP_MAGIC	0x5afe5afe5afe5afeULL
#define __GUEST_STR(x)		#x
#define GUEST_STR(x)		__GUEST_STR(x)

#define guest_asm_safe(insn, inputs...)					\
({									\
	uint64_t __vec;							\
	asm volatile("lea 1f(%%rip), %%r14\n\t"				\
		     "movabs $" GUEST_STR(GUEST_FIXUP_MAGIC) ", %%r15\n\t" \
		     insn "\n"						\
		     "1:\tmov %%r15, %[vec]"				\
		     : [vec] "=r"(__vec) : inputs			\
		     : "r14", "r15", "memory", "cc");			\
	__vec == GUEST_FIXUP_MAGIC ? NO_EXCEPTION : (int)__vec;		\
})

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (uint64_t)hi << 32;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value),
		     "d"((uint32_t)(value >> 32)) : "memory");
}

/* RDMSR; the vector it raised, or NO_EXCEPTION with *value set. */
static inline int rdmsr_safe(uint32_t msr, uint64_t *value)
{
	uint64_t vec;
	uint32_t lo = 0, hi = 0;

	asm volatile("lea 1f(%%rip), %%r14\n\t"
		     "movabs $" GUEST_STR(GUEST_FIXUP_MAGIC) ", %%r15\n\t"
		     "rdmsr\n"
		     "1:\tmov %%r15, %[vec]"
		     : [vec] "=r"(vec), "+a"(lo), "=d"(hi) : "c"(msr)
		     : "r14", "r15", "memory", "cc");
	*value = lo | (uint64_t)hi << 32;
	return vec == GUEST_FIXUP_MAGIC ? NO_EXCEPTION : (int)vec;
}

static inline int wrmsr_safe(uint32_t msr, uint64_t value)
{
	return guest_asm_safe("wrmsr", "c"(msr), "a"((uint32_t)value),
			      "d"((uint32_t)(value >> 32)));
}

static inline int xsetbv_safe(uint32_t index, uint64_t value)
{
	return guest_asm_safe("xsetbv", "c"(index), "a"((uint32_t)value),
			      "d"((uint32_t)(value >> 32)));
}

static inline uint64_t xgetbv(uint32_t index)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return lo | (uint64_t)hi << 32;
}

static inline void guest_cpuid(uint32_t function, uint32_t index,
			       uint32_t out[4])
{
	asm volatile("cpuid"
		     : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3])
		     : "a"(function), "c"(index));
}

static inline uint64_t get_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t get_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void set_cr4(uint64_t v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline int set_cr4_safe(uint64_t v)
{
	return guest_asm_safe("mov %%rdi, %%cr4", "D"(v));
}

/* -------------------------------------------------- harness-side checks */

#ifdef __KSELFTEST_HARNESS_H

/* Skip where guest code cannot run on the device (see above). */
#define GUEST_DEVICE_OR_SKIP(path)					\
	do {								\
		const char *__why = guest_device_unusable(path);	\
		if (__why)						\
			SKIP(return, "%s", __why);			\
	} while (0)

/* The last exit was reason; otherwise fail, saying what it was. */
#define ASSERT_EXIT_REASON(vcpu, reason)				\
	do {								\
		char __buf[256];					\
		ASSERT_EQ((uint32_t)(reason), (vcpu)->run->exit_reason)	\
			TH_LOG("expected %s, got %s",			\
			       exit_reason_str(reason),			\
			       exit_str((vcpu), __buf, sizeof(__buf)));	\
	} while (0)

/* The last exit was a ucall cmd, read into *uc. */
#define ASSERT_UCALL(vcpu, cmd, uc)					\
	do {								\
		char __buf[256];					\
		ASSERT_EQ((uint64_t)(cmd), get_ucall((vcpu), (uc)))	\
			TH_LOG("expected ucall %d, got %s", (int)(cmd),	\
			       exit_str((vcpu), __buf, sizeof(__buf)));	\
	} while (0)

/* KVM_RUN, then ASSERT_UCALL. */
#define RUN_UCALL(vcpu, cmd, uc)					\
	do {								\
		int __r = vcpu_run(vcpu);				\
		ASSERT_EQ(0, __r) TH_LOG("KVM_RUN: %s", strerror(-__r));\
		ASSERT_UCALL(vcpu, cmd, uc);				\
	} while (0)

/* KVM_RUN, then ASSERT_EXIT_REASON. */
#define RUN_EXIT(vcpu, reason)						\
	do {								\
		int __r = vcpu_run(vcpu);				\
		ASSERT_EQ(0, __r) TH_LOG("KVM_RUN: %s", strerror(-__r));\
		ASSERT_EXIT_REASON(vcpu, reason);			\
	} while (0)

#define RUN_DONE(vcpu)							\
	do {								\
		struct ucall __uc;					\
		RUN_UCALL(vcpu, UCALL_DONE, &__uc);			\
	} while (0)

#endif /* __KSELFTEST_HARNESS_H */

#endif
