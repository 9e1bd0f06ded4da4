// SPDX-License-Identifier: GPL-2.0
/*
 * Guest code for the selftests: VM and vCPU set-up, this program's image as
 * guest memory, long-mode tables, exception stubs and the ucall channel.
 * The layout and conventions are described in guest.h.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "guest.h"
#include "vmxlab_test.h"

#define PAGE_SIZE	4096ULL
#define LARGE_PAGE	(2ULL << 20)
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_US		(1ULL << 2)
#define PTE_PS		(1ULL << 7)
#define PTE_ADDR	0x000ffffffffff000ULL

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define CR4_OSFXSR	(1ULL << 9)
#define CR4_OSXMMEXCPT	(1ULL << 10)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define CPUID_1_ECX_VMX	(1U << 5)

/* Vectors for which the CPU pushes an error code (bits 0-31). */
#define ERROR_CODE_VECTORS	0x60227d00

/* A library failure ends the test (the harness counts the exit status). */
static void __attribute__((noreturn, format(printf, 1, 2)))
lib_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "# guest lib: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

const char *guest_device_unusable(const char *path)
{
	int fd;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return NULL;
	}
	/* In the lab the device must be there: let the test fail on it. */
	if (vmxlab_in_lab())
		return NULL;
	return strerror(errno);
}

/* ------------------------------------------------------------ memory */

void *gpa_to_hva(struct vm *vm, uint64_t gpa)
{
	int i;

	for (i = 0; i < vm->nr_regions; i++) {
		struct kvm_userspace_memory_region *r = &vm->region[i].kvm;

		if (gpa >= r->guest_phys_addr &&
		    gpa - r->guest_phys_addr < r->memory_size)
			return (char *)vm->region[i].hva +
			       (gpa - r->guest_phys_addr);
	}
	return NULL;
}

/* Like gpa_to_hva() for memory the library itself must find. */
static void *must_hva(struct vm *vm, uint64_t gpa)
{
	void *hva = gpa_to_hva(vm, gpa);

	if (!hva)
		lib_fail("no memory slot holds gpa %#llx",
			 (unsigned long long)gpa);
	return hva;
}

void *vm_add_memory(struct vm *vm, uint32_t slot, uint64_t gpa,
		    uint64_t size, uint32_t flags)
{
	struct mem_region *r;
	void *hva;

	if (vm->nr_regions == VM_MAX_REGIONS)
		lib_fail("too many memory regions");
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (hva == MAP_FAILED)
		lib_fail("mmap %#llx bytes: %s", (unsigned long long)size,
			 strerror(errno));
	r = &vm->region[vm->nr_regions];
	r->hva = hva;
	r->kvm = (struct kvm_userspace_memory_region){
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r->kvm))
		lib_fail("KVM_SET_USER_MEMORY_REGION slot %u gpa %#llx: %s",
			 slot, (unsigned long long)gpa, strerror(errno));
	vm->nr_regions++;
	return hva;
}

uint64_t vm_alloc(struct vm *vm, uint64_t size)
{
	uint64_t gpa = vm->scratch_next;

	size = ALIGN_UP(size, PAGE_SIZE);
	if (!vm->tables || size > vm->scratch_end - gpa)
		lib_fail("vm_alloc: no room for %#llx bytes",
			 (unsigned long long)size);
	vm->scratch_next += size;
	memset(must_hva(vm, gpa), 0, size);
	return gpa;
}

void vm_load(struct vm *vm, uint64_t gpa, const void *start, const void *end)
{
	size_t len = (const char *)end - (const char *)start;

	if (!gpa_to_hva(vm, gpa) || !gpa_to_hva(vm, gpa + len - 1))
		lib_fail("vm_load: gpa %#llx+%#zx outside memory",
			 (unsigned long long)gpa, len);
	memcpy(gpa_to_hva(vm, gpa), start, len);
}

void vm_sync_to_guest(struct vm *vm, const void *addr, size_t size)
{
	vm_load(vm, (uintptr_t)addr, addr, (const char *)addr + size);
}

void vm_sync_from_guest(struct vm *vm, void *addr, size_t size)
{
	memcpy(addr, must_hva(vm, (uintptr_t)addr), size);
}

/* Every PT_LOAD segment of this program, and where the last one ends. */
static uint64_t image_end(void)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long i, n = getauxval(AT_PHNUM);
	uint64_t end = 0;

	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_vaddr < IMAGE_GPA)
			lib_fail("segment at %#llx: not a static non-PIE program?",
				 (unsigned long long)ph[i].p_vaddr);
		if (ph[i].p_vaddr + ph[i].p_memsz > end)
			end = ph[i].p_vaddr + ph[i].p_memsz;
	}
	if (!end || end >= (1ULL << 30))
		lib_fail("cannot place this program in guest memory");
	return end;
}

static void load_image(struct vm *vm)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long i, n = getauxval(AT_PHNUM);

	for (i = 0; i < n; i++) {
		const char *start = (const char *)ph[i].p_vaddr;

		if (ph[i].p_type == PT_LOAD)
			vm_load(vm, ph[i].p_vaddr, start,
				start + ph[i].p_memsz);
	}
}

/* ------------------------------------------------------------ tables */

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access,
			 uint8_t flags)
{
	return (limit & 0xffffULL) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)access << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(flags & 0xf) << 52 | (uint64_t)(base >> 24) << 56;
}

extern char guest_idt_stubs[];

static void build_tables(struct vm *vm)
{
	uint64_t *gdt = must_hva(vm, GDT_GPA);
	uint64_t *idt = must_hva(vm, IDT_GPA);
	uint64_t *pml4 = must_hva(vm, PML4_GPA);
	uint64_t *pdpt = must_hva(vm, PDPT_GPA);
	uint64_t *pd = must_hva(vm, PD_GPA);
	uint64_t i;

	gdt[SEL_CODE64 / 8] = seg_desc(0, 0xfffff, 0x9b, 0xa);
	gdt[SEL_DATA / 8] = seg_desc(0, 0xfffff, 0x93, 0xc);
	/* Available 64-bit TSS of vCPU 0; TR is loaded through SREGS. */
	gdt[SEL_TSS / 8] = seg_desc(TSS_GPA, 0x67, 0x89, 0);
	gdt[SEL_TSS / 8 + 1] = 0;
	gdt[SEL_CODE32 / 8] = seg_desc(0, 0xfffff, 0x9b, 0xc);
	gdt[SEL_CODE16 / 8] = seg_desc(0, 0xffff, 0x9b, 0);
	gdt[SEL_DATA16 / 8] = seg_desc(0, 0xffff, 0x93, 0);
	gdt[SEL_USER_CODE64 / 8] = seg_desc(0, 0xfffff, 0xfb, 0xa);
	gdt[SEL_USER_DATA / 8] = seg_desc(0, 0xfffff, 0xf3, 0xc);

	/* Interrupt gates on IST1; stub n sits 16 bytes after stub n-1. */
	for (i = 0; i < 256; i++) {
		uint64_t stub = (uintptr_t)guest_idt_stubs + i * 16;

		idt[2 * i] = (stub & 0xffff) | (uint64_t)SEL_CODE64 << 16 |
			     1ULL << 32 | 0x8eULL << 40 |
			     ((stub >> 16) & 0xffff) << 48;
		idt[2 * i + 1] = stub >> 32;
	}

	pml4[0] = PDPT_GPA | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (PD_GPA + i * PAGE_SIZE) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = i * LARGE_PAGE | PTE_P | PTE_RW | PTE_PS;
}

/* The table entry at index of the table at table_gpa, made if missing. */
static uint64_t next_table(struct vm *vm, uint64_t table_gpa, int index)
{
	uint64_t *table = must_hva(vm, table_gpa);

	if (table[index] & PTE_PS)
		lib_fail("vm_map_page: a large page is in the way");
	if (!(table[index] & PTE_P))
		table[index] = vm_alloc(vm, PAGE_SIZE) | PTE_P | PTE_RW;
	return table[index] & PTE_ADDR;
}

void vm_map_page(struct vm *vm, uint64_t gva, uint64_t gpa)
{
	uint64_t pdpt, pd, pt;

	if (gva < (4ULL << 30) || (gva & (PAGE_SIZE - 1)) ||
	    gva >= (1ULL << 47))
		lib_fail("vm_map_page: gva %#llx not a page above 4 GiB",
			 (unsigned long long)gva);
	pdpt = next_table(vm, PML4_GPA, (gva >> 39) & 511);
	pd = next_table(vm, pdpt, (gva >> 30) & 511);
	pt = next_table(vm, pd, (gva >> 21) & 511);
	((uint64_t *)must_hva(vm, pt))[(gva >> 12) & 511] =
		(gpa & PTE_ADDR) | PTE_P | PTE_RW;
}

uint64_t *vm_pte(struct vm *vm, uint64_t gva)
{
	uint64_t table = PML4_GPA;
	int level;

	for (level = 4; level > 1; level--) {
		uint64_t e = ((uint64_t *)must_hva(vm, table))
				[(gva >> (12 + 9 * (level - 1))) & 511];

		if (!(e & PTE_P) || (e & PTE_PS))
			lib_fail("vm_pte: %#llx has no 4 KiB mapping",
				 (unsigned long long)gva);
		table = e & PTE_ADDR;
	}
	return (uint64_t *)must_hva(vm, table) + ((gva >> 12) & 511);
}

void vm_enable_user_mode(struct vm *vm)
{
	uint64_t *pml4 = must_hva(vm, PML4_GPA);
	uint64_t *pdpt = must_hva(vm, PDPT_GPA);
	uint64_t *pd = must_hva(vm, PD_GPA);
	int i;

	pml4[0] |= PTE_US;
	for (i = 0; i < 4; i++)
		pdpt[i] |= PTE_US;
	for (i = 0; i < 4 * 512; i++)
		pd[i] |= PTE_US;
}

uint64_t *vm_pde(struct vm *vm, uint64_t gpa)
{
	if (gpa >= (4ULL << 30))
		lib_fail("vm_pde: %#llx is above 4 GiB", (unsigned long long)gpa);
	return (uint64_t *)must_hva(vm, PD_GPA) + gpa / LARGE_PAGE;
}

/* ------------------------------------------------------------ VMs */

struct vm *vm_create_bare(const char *path)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		lib_fail("out of memory");
	vm->path = path;
	vm->sys_fd = open(path, O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0)
		lib_fail("open %s: %s", path, strerror(errno));
	vm->run_size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run))
		lib_fail("KVM_GET_VCPU_MMAP_SIZE: %d (%s)", vm->run_size,
			 strerror(errno));
	vm->fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		lib_fail("KVM_CREATE_VM on %s: %s", path, strerror(errno));
	return vm;
}

struct vm *vm_create(const char *path)
{
	struct vm *vm = vm_create_bare(path);
	uint64_t scratch = ALIGN_UP(image_end(), LARGE_PAGE);

	vm_add_memory(vm, 0, 0, scratch + SCRATCH_SIZE, 0);
	load_image(vm);
	vm->scratch_next = scratch;
	vm->scratch_end = scratch + SCRATCH_SIZE;
	vm->tables = true;
	build_tables(vm);
	return vm;
}

struct vm *vm_create_with_vcpu(const char *path, void *guest_fn,
			       struct vcpu **vcpu)
{
	struct vm *vm = vm_create(path);

	*vcpu = vm_add_vcpu(vm, 0, guest_fn);
	return vm;
}

void vm_free(struct vm *vm)
{
	int i;

	if (!vm)
		return;
	for (i = 0; i < VM_MAX_VCPUS; i++) {
		struct vcpu *vcpu = vm->vcpu[i];

		if (!vcpu)
			continue;
		munmap(vcpu->run, vm->run_size);
		if (vcpu->fd >= 0)
			close(vcpu->fd);
		free(vcpu);
	}
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	for (i = 0; i < vm->nr_regions; i++)
		munmap(vm->region[i].hva, vm->region[i].kvm.memory_size);
	free(vm);
}

int vm_check_cap(struct vm *vm, long cap)
{
	return ioctl(vm->fd, KVM_CHECK_EXTENSION, cap);
}

/* ------------------------------------------------------------ CPUID */

struct kvm_cpuid2 *supported_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid;
	int nent = 64;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) +
				  nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return NULL;
		cpuid->nent = nent;
		if (!ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid))
			return cpuid;
		free(cpuid);
		if (errno != E2BIG || nent >= 4096)
			return NULL;
		nent *= 2;
	}
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *cpuid,
				    uint32_t function, uint32_t index)
{
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != function)
			continue;
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		    e->index == index)
			return e;
	}
	return NULL;
}

struct kvm_cpuid2 *default_cpuid(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid = supported_cpuid(vm);
	struct kvm_cpuid_entry2 *leaf1;

	if (!cpuid)
		lib_fail("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	leaf1 = cpuid_find(cpuid, 1, 0);
	if (leaf1)
		leaf1->ecx &= ~CPUID_1_ECX_VMX;
	return cpuid;
}

int vcpu_set_cpuid(struct vcpu *vcpu, const struct kvm_cpuid2 *cpuid)
{
	return ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) ? -errno : 0;
}

/* ------------------------------------------------------------ vCPUs */

struct vcpu *vcpu_create(struct vm *vm, int id)
{
	struct vcpu *vcpu;

	if (id < 0 || id >= VM_MAX_VCPUS || vm->vcpu[id])
		lib_fail("vcpu_create: bad or duplicate id %d", id);
	vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		lib_fail("out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		lib_fail("KVM_CREATE_VCPU %d: %s", id, strerror(errno));
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED)
		lib_fail("mmap kvm_run: %s", strerror(errno));
	vm->vcpu[id] = vcpu;
	return vcpu;
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint64_t base,
		    uint32_t limit, uint8_t type, bool code_or_data,
		    bool db, bool l, bool g)
{
	*s = (struct kvm_segment){
		.base = base,
		.limit = limit,
		.selector = sel,
		.type = type,
		.present = 1,
		.s = code_or_data,
		.db = db,
		.l = l,
		.g = g,
	};
}

/* The parts of SREGS that every mode set here shares. */
static void set_common_sregs(struct vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct vm *vm = vcpu->vm;

	vcpu_sregs_get(vcpu, sregs);
	set_seg(&sregs->tr, SEL_TSS, TSS_GPA + vcpu->id * TSS_STRIDE, 0x67,
		11, false, false, false, false);
	set_seg(&sregs->ldt, 0, 0, 0xffff, 2, false, false, false, false);
	sregs->ldt.unusable = 1;
	sregs->gdt.base = vm->tables ? GDT_GPA : 0;
	sregs->gdt.limit = vm->tables ? GDT_ENTRIES * 8 - 1 : 0xffff;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->cr2 = 0;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
}

void vcpu_set_long_mode(struct vcpu *vcpu, void *rip)
{
	struct vm *vm = vcpu->vm;
	uint64_t stack = STACKS_GPA + (vcpu->id + 1) * STACK_SIZE;
	uint64_t ist = IST_STACKS_GPA + (vcpu->id + 1) * IST_STACK_SIZE;
	extern char guest_return[];
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint64_t *tss;

	if (!vm->tables)
		lib_fail("long mode needs a VM from vm_create()");
	tss = must_hva(vm, TSS_GPA + vcpu->id * TSS_STRIDE);
	memset(tss, 0, TSS_STRIDE);
	/* IST1 at offset 0x24; no I/O bitmap (its base is past the limit). */
	memcpy((char *)tss + 0x24, &ist, sizeof(ist));
	*(uint16_t *)((char *)tss + 0x66) = 0x68;

	set_common_sregs(vcpu, &sregs);
	set_seg(&sregs.cs, SEL_CODE64, 0, 0xffffffff, 11, true, false, true,
		true);
	set_seg(&sregs.ds, SEL_DATA, 0, 0xffffffff, 3, true, true, false, true);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.idt.base = IDT_GPA;
	sregs.idt.limit = 256 * 16 - 1;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	vcpu_sregs_set(vcpu, &sregs);

	/* A function that returns lands in guest_return, which says DONE. */
	stack -= 16;
	*(uint64_t *)must_hva(vm, stack + 8) = (uintptr_t)guest_return;
	memset(&regs, 0, sizeof(regs));
	regs.rip = (uintptr_t)rip;
	regs.rsp = stack + 8;
	regs.rflags = 2;
	vcpu_regs_set(vcpu, &regs);
}

struct vcpu *vm_add_vcpu(struct vm *vm, int id, void *guest_fn)
{
	struct vcpu *vcpu = vcpu_create(vm, id);
	struct kvm_cpuid2 *cpuid = default_cpuid(vm);
	int r = vcpu_set_cpuid(vcpu, cpuid);

	free(cpuid);
	if (r)
		lib_fail("KVM_SET_CPUID2: %s", strerror(-r));
	vcpu_set_long_mode(vcpu, guest_fn);
	return vcpu;
}

void vcpu_set_real_mode(struct vcpu *vcpu, uint16_t cs, uint16_t ip,
			uint16_t sp)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	set_common_sregs(vcpu, &sregs);
	/* A real-mode TR: busy 32-bit TSS at 0, as after reset. */
	set_seg(&sregs.tr, 0, 0, 0xffff, 11, false, false, false, false);
	set_seg(&sregs.cs, cs, (uint32_t)cs << 4, 0xffff, 11, true, false,
		false, false);
	set_seg(&sregs.ds, 0, 0, 0xffff, 3, true, false, false, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.idt.limit = 0x3ff;
	sregs.cr0 = CR0_ET;
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = ip;
	regs.rsp = sp;
	regs.rflags = 2;
	vcpu_regs_set(vcpu, &regs);
}

void vcpu_set_protected_mode(struct vcpu *vcpu, uint32_t eip, uint32_t esp,
			     uint32_t cr3)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	set_common_sregs(vcpu, &sregs);
	set_seg(&sregs.cs, SEL_CODE32, 0, 0xffffffff, 11, true, true, false,
		true);
	set_seg(&sregs.ds, SEL_DATA, 0, 0xffffffff, 3, true, true, false, true);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	/* No 32-bit IDT: an exception here ends in a shutdown. */
	sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | (cr3 ? CR0_PG : 0);
	sregs.cr3 = cr3;
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = eip;
	regs.rsp = esp;
	regs.rflags = 2;
	vcpu_regs_set(vcpu, &regs);
}

void vcpu_args_set(struct vcpu *vcpu, int n, ...)
{
	struct kvm_regs regs;
	__u64 *slot[6] = { &regs.rdi, &regs.rsi, &regs.rdx, &regs.rcx,
			      &regs.r8, &regs.r9 };
	va_list ap;
	int i;

	if (n > 6)
		lib_fail("vcpu_args_set: %d arguments", n);
	vcpu_regs_get(vcpu, &regs);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		*slot[i] = va_arg(ap, uint64_t);
	va_end(ap);
	vcpu_regs_set(vcpu, &regs);
}

int vcpu_run(struct vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0) ? -errno : 0;
}

#define VCPU_IOCTL(vcpu, req, arg)					\
	do {								\
		if (ioctl((vcpu)->fd, req, arg))			\
			lib_fail(#req ": %s", strerror(errno));		\
	} while (0)

void vcpu_regs_get(struct vcpu *vcpu, struct kvm_regs *regs)
{
	VCPU_IOCTL(vcpu, KVM_GET_REGS, regs);
}

void vcpu_regs_set(struct vcpu *vcpu, const struct kvm_regs *regs)
{
	VCPU_IOCTL(vcpu, KVM_SET_REGS, regs);
}

void vcpu_sregs_get(struct vcpu *vcpu, struct kvm_sregs *sregs)
{
	VCPU_IOCTL(vcpu, KVM_GET_SREGS, sregs);
}

void vcpu_sregs_set(struct vcpu *vcpu, const struct kvm_sregs *sregs)
{
	VCPU_IOCTL(vcpu, KVM_SET_SREGS, sregs);
}

struct one_msr {
	struct kvm_msrs hdr;
	struct kvm_msr_entry entry;
};

int vcpu_get_msr(struct vcpu *vcpu, uint32_t index, uint64_t *value)
{
	struct one_msr m = { .hdr.nmsrs = 1, .entry.index = index };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &m);

	*value = m.entry.data;
	return r < 0 ? -errno : r;
}

int vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct one_msr m = {
		.hdr.nmsrs = 1,
		.entry = { .index = index, .data = value },
	};
	int r = ioctl(vcpu->fd, KVM_SET_MSRS, &m);

	return r < 0 ? -errno : r;
}

/* ------------------------------------------------------------ ucall */

uint64_t get_ucall(struct vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	struct ucall *guest_uc;
	uint32_t gpa;

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
	    run->io.count != 1)
		return UCALL_NONE;
	memcpy(&gpa, (char *)run + run->io.data_offset, sizeof(gpa));
	guest_uc = gpa_to_hva(vcpu->vm, gpa);
	if (!guest_uc || !gpa_to_hva(vcpu->vm, gpa + sizeof(*uc) - 1))
		return UCALL_NONE;
	memcpy(uc, guest_uc, sizeof(*uc));
	if (uc->nargs > UCALL_MAX_ARGS)
		uc->nargs = UCALL_MAX_ARGS;
	return uc->cmd;
}

/* A string of this program, read from the guest's copy of it. */
static const char *guest_string(struct vcpu *vcpu, uint64_t gva)
{
	const char *s = gpa_to_hva(vcpu->vm, gva);
	uint64_t i;

	for (i = 0; s && i < 256; i++) {
		if (!gpa_to_hva(vcpu->vm, gva + i))
			break;
		if (!s[i])
			return s;
	}
	return "?";
}

const char *ucall_assert_str(struct vcpu *vcpu, const struct ucall *uc,
			     char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s:%llu: %s",
			 guest_string(vcpu, uc->args[UCALL_ASSERT_FILE]),
			 (unsigned long long)uc->args[UCALL_ASSERT_LINE],
			 guest_string(vcpu, uc->args[UCALL_ASSERT_EXPR]));

	if (uc->args[UCALL_ASSERT_HAS_AB] && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - n, " (%#llx vs %#llx)",
			 (unsigned long long)uc->args[UCALL_ASSERT_A],
			 (unsigned long long)uc->args[UCALL_ASSERT_B]);
	return buf;
}

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "EXCEPTION",
	[KVM_EXIT_IO] = "IO",
	[KVM_EXIT_HYPERCALL] = "HYPERCALL",
	[KVM_EXIT_DEBUG] = "DEBUG",
	[KVM_EXIT_HLT] = "HLT",
	[KVM_EXIT_MMIO] = "MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
	[KVM_EXIT_INTR] = "INTR",
	[KVM_EXIT_SET_TPR] = "SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
	[KVM_EXIT_NMI] = "NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
	[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
	[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
	[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
};

const char *exit_reason_str(uint32_t reason)
{
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]) &&
	    exit_names[reason])
		return exit_names[reason];
	return "(unnamed)";
}

const char *exit_str(struct vcpu *vcpu, char *buf, size_t size)
{
	struct kvm_run *run = vcpu->run;
	char what[200];
	struct ucall uc;

	switch (get_ucall(vcpu, &uc)) {
	case UCALL_SYNC:
		snprintf(buf, size, "ucall SYNC (%llu args: %#llx %#llx ...)",
			 (unsigned long long)uc.nargs,
			 (unsigned long long)uc.args[0],
			 (unsigned long long)uc.args[1]);
		return buf;
	case UCALL_DONE:
		snprintf(buf, size, "ucall DONE");
		return buf;
	case UCALL_ASSERT:
		snprintf(buf, size, "guest assertion failed: %s",
			 ucall_assert_str(vcpu, &uc, what, sizeof(what)));
		return buf;
	case UCALL_UNHANDLED:
		snprintf(buf, size,
			 "guest exception %llu (error code %#llx) at rip %#llx, cr2 %#llx",
			 (unsigned long long)uc.args[0],
			 (unsigned long long)uc.args[1],
			 (unsigned long long)uc.args[2],
			 (unsigned long long)uc.args[3]);
		return buf;
	}

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		snprintf(buf, size, "IO %s port %#x size %u count %u",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, run->io.count);
		break;
	case KVM_EXIT_MMIO:
		snprintf(buf, size, "MMIO %s %#llx len %u",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr,
			 run->mmio.len);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(buf, size, "INTERNAL_ERROR suberror %u",
			 run->internal.suberror);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(buf, size, "FAIL_ENTRY reason %#llx",
			 (unsigned long long)
			 run->fail_entry.hardware_entry_failure_reason);
		break;
	default:
		snprintf(buf, size, "%s (%u)", exit_reason_str(run->exit_reason),
			 run->exit_reason);
	}
	return buf;
}

/* ------------------------------------------------------------ guest side */

/* IRETQ to CPL 3 at fn on stack rsp, with IOPL 3 so that ucalls work. */
void guest_enter_user_mode(void (*fn)(void), uint64_t rsp)
{
	guest_enter_user_mode_flags(fn, rsp, 0x3002);
}

void guest_enter_user_mode_flags(void (*fn)(void), uint64_t rsp,
				 uint64_t flags)
{
	asm volatile("push %[ss]\n\t"
		     "push %[rsp]\n\t"
		     "push %[flags]\n\t"
		     "push %[cs]\n\t"
		     "push %[rip]\n\t"
		     "iretq"
		     : : [ss] "i"(SEL_USER_DATA), [rsp] "r"(rsp),
		       [flags] "r"(flags), [cs] "i"(SEL_USER_CODE64),
		       [rip] "r"(fn)
		     : "memory");
	__builtin_unreachable();
}

void guest_ucall(uint64_t cmd, uint64_t nargs, const uint64_t *args)
{
	struct ucall uc;
	uint64_t i;

	uc.cmd = cmd;
	uc.nargs = nargs;
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc.args[i] = i < nargs ? args[i] : 0;
	asm volatile("out %%eax, %%dx"
		     : : "a"((uint32_t)(uintptr_t)&uc), "d"(UCALL_PORT)
		     : "memory");
}

void guest_assert_fail(const char *expr, const char *file, uint64_t line,
		       uint64_t a, uint64_t b, bool has_ab)
{
	uint64_t args[UCALL_MAX_ARGS];

	args[UCALL_ASSERT_EXPR] = (uintptr_t)expr;
	args[UCALL_ASSERT_FILE] = (uintptr_t)file;
	args[UCALL_ASSERT_LINE] = line;
	args[UCALL_ASSERT_A] = a;
	args[UCALL_ASSERT_B] = b;
	args[UCALL_ASSERT_HAS_AB] = has_ab;
	for (;;)
		guest_ucall(UCALL_ASSERT, UCALL_MAX_ARGS, args);
}

/* Where a guest function returns to: report DONE, for as long as asked. */
void guest_return_fn(void);
void guest_return_fn(void)
{
	for (;;)
		guest_ucall(UCALL_DONE, 0, NULL);
}

struct guest_ex_regs guest_last_fault;
bool (*guest_exception_hook)(struct guest_ex_regs *regs);

/* Word by word through volatile: no memcpy() call in guest code. */
static void guest_save_fault(const struct guest_ex_regs *regs)
{
	volatile uint64_t *to = (volatile uint64_t *)&guest_last_fault;
	const uint64_t *from = (const uint64_t *)regs;
	size_t i;

	for (i = 0; i < sizeof(*regs) / sizeof(uint64_t); i++)
		to[i] = from[i];
}

void guest_handle_exception(struct guest_ex_regs *regs);
void guest_handle_exception(struct guest_ex_regs *regs)
{
	uint64_t args[6], cr2;

	if (guest_exception_hook && guest_exception_hook(regs))
		return;
	if (regs->r15 == GUEST_FIXUP_MAGIC) {
		guest_save_fault(regs);
		regs->rip = regs->r14;
		regs->r15 = regs->vector;
		return;
	}
	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	args[0] = regs->vector;
	args[1] = regs->error_code;
	args[2] = regs->rip;
	args[3] = cr2;
	args[4] = regs->rcx;
	args[5] = regs->rdi;
	for (;;)
		guest_ucall(UCALL_UNHANDLED, 6, args);
}

/*
 * The 256 IDT stubs, 16 bytes apart: each makes the frame uniform (a zero
 * error code where the CPU pushes none), pushes its vector and joins the
 * common path, which saves the GPRs as struct guest_ex_regs, calls
 * guest_handle_exception() and returns with IRETQ. Gates use IST1, so the
 * frame never lands in the red zone of the interrupted function.
 */
asm(
"	.pushsection .text, \"ax\"\n"
"	.globl guest_return\n"
"guest_return:\n"
"	and $-16, %rsp\n"
"	call guest_return_fn\n"
"	.balign 16\n"
"	.globl guest_idt_stubs\n"
"guest_idt_stubs:\n"
"	.set vec, 0\n"
"	.rept 256\n"
"	.balign 16\n"
"	.if vec < 32\n"
"	.if ((" GUEST_STR(ERROR_CODE_VECTORS) " >> vec) & 1) == 0\n"
"	pushq $0\n"
"	.endif\n"
"	.else\n"
"	pushq $0\n"
"	.endif\n"
"	pushq $vec\n"
"	jmp guest_exception_common\n"
"	.set vec, vec + 1\n"
"	.endr\n"
"guest_exception_common:\n"
"	push %rax\n"
"	push %rbx\n"
"	push %rcx\n"
"	push %rdx\n"
"	push %rsi\n"
"	push %rdi\n"
"	push %rbp\n"
"	push %r8\n"
"	push %r9\n"
"	push %r10\n"
"	push %r11\n"
"	push %r12\n"
"	push %r13\n"
"	push %r14\n"
"	push %r15\n"
"	mov %rsp, %rdi\n"
"	call guest_handle_exception\n"
"	pop %r15\n"
"	pop %r14\n"
"	pop %r13\n"
"	pop %r12\n"
"	pop %r11\n"
"	pop %r10\n"
"	pop %r9\n"
"	pop %r8\n"
"	pop %rbp\n"
"	pop %rdi\n"
"	pop %rsi\n"
"	pop %rdx\n"
"	pop %rcx\n"
"	pop %rbx\n"
"	pop %rax\n"
"	add $16, %rsp\n"
"	iretq\n"
"	.popsection\n"
);
