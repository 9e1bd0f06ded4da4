// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory beyond the first slot, on /dev/vmxlab and /dev/kvm:
 *   a slot backed by transparent huge pages, written by the guest page by
 *   page and read back by the host (on vmxlab the EPT must map it with
 *   2 MiB pages, as its debugfs statistics show);
 *   slots far larger than memory (2 TiB, sparse), and the size limit;
 *   the host changing the memory behind a slot (MADV_DONTNEED, a new
 *   mapping over it, mremap away): the guest sees what the slot's host
 *   address maps now, as with KVM's MMU notifier;
 *   guest memory is never pinned: VmPin stays 0 and RLIMIT_MEMLOCK does
 *   not bound a guest;
 *   two vCPUs faulting one huge-page block at once: the loser gives back
 *   every page reference it took (vmxlab's page_refs count returns to 0).
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define HUGE_SIZE	(2UL << 20)
#define REGION_GPA	0x40000000UL
#define REGION_SIZE	(2 * HUGE_SIZE)
#define PAGE		4096UL

static void guest_fill(void)
{
	uint64_t off;

	for (off = 0; off < REGION_SIZE; off += PAGE)
		*(volatile uint64_t *)(REGION_GPA + off) = off ^ 0x5a5a5a5aULL;
	GUEST_DONE();
}

/* A 2 MiB-aligned anonymous mapping, populated with huge pages if it can. */
static void *huge_region(void)
{
	char *raw = mmap(NULL, REGION_SIZE + HUGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *aligned;

	if (raw == MAP_FAILED)
		return NULL;
	aligned = (char *)(((unsigned long)raw + HUGE_SIZE - 1) &
			   ~(HUGE_SIZE - 1));
	madvise(aligned, REGION_SIZE, MADV_HUGEPAGE);
	memset(aligned, 0, REGION_SIZE);
	return aligned;
}

static long debugfs_value(const char *name)
{
	char cmd[160], key[64];
	long value, found = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "cat /sys/kernel/debug/vmxlab/vm%d-*/memory", getpid());
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &value) == 2)
		if (!strcmp(key, name))
			found = value;
	pclose(f);
	return found;
}

/* kB of the mapping holding @addr that the host backs with huge pages. */
static long anon_huge_kb(void *addr)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[256];
	bool inside = false;
	long kb = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = a >= start && a < end;
		else if (inside && sscanf(line, "AnonHugePages: %ld", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

FIXTURE(mem) {
	struct vm *vm;
	struct vcpu *vcpu;
};

FIXTURE_VARIANT(mem) {
	const char *path;
};

FIXTURE_VARIANT_ADD(mem, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(mem, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(mem)
{
}

FIXTURE_TEARDOWN(mem)
{
	vm_free(self->vm);
	if (!strcmp(variant->path, VMXLAB_DEV))
		EXPECT_VMXLAB_HOLDS_NOTHING();
}

TEST_F(mem, huge_page_backed_slot)
{
	struct kvm_userspace_memory_region region = {
		.slot = 1, .guest_phys_addr = REGION_GPA,
		.memory_size = REGION_SIZE,
	};
	long huge, code_huge, before, after;
	uint64_t off;
	char *hva;

	GUEST_DEVICE_OR_SKIP(variant->path);
	hva = huge_region();
	ASSERT_NE(NULL, hva);
	self->vm = vm_create_with_vcpu(variant->path, guest_fill, &self->vcpu);
	region.userspace_addr = (unsigned long)hva;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION, &region));
	RUN_DONE(self->vcpu);
	for (off = 0; off < REGION_SIZE; off += PAGE)
		ASSERT_EQ(off ^ 0x5a5a5a5aULL, *(uint64_t *)(hva + off))
			TH_LOG("offset %#llx", (unsigned long long)off);

	if (strcmp(variant->path, VMXLAB_DEV))
		return;
	/*
	 * One EPT entry per huge page the host gave us. Since 6.8 the host
	 * may back the guest-code slot with huge pages too (large anonymous
	 * mappings are THP-aligned), so its 2 MiB mappings, at most one per
	 * huge page of its own, stay when slot 1 goes.
	 */
	huge = anon_huge_kb(hva) / 2048;
	code_huge = anon_huge_kb(self->vm->region[0].hva) / 2048;
	before = debugfs_value("ept_2m_mappings");
	TH_LOG("host huge pages: slot 1 %ld, code slot %ld; EPT 2 MiB mappings: %ld",
	       huge, code_huge, before);
	if (!huge)
		SKIP(return, "the host gave no huge pages (THP off or memory fragmented)");
	EXPECT_LE(huge, before);
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION,
			   &(struct kvm_userspace_memory_region){ .slot = 1 }));
	after = debugfs_value("ept_2m_mappings");
	EXPECT_LE(after, code_huge);
	EXPECT_LE(huge, before - after);
}

/* ------------------------------------------------ large slots */

#define BIG_GVA		0x100000000ULL

/* The host's physical-address width, which bounds guest memory (as KVM). */
static int phys_bits(void)
{
	char line[256];
	int bits = 0;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return 0;
	while (!bits && fgets(line, sizeof(line), f))
		sscanf(line, "address sizes : %d bits physical", &bits);
	fclose(f);
	return bits;
}

static uint64_t big_gpa, big_size;

/* Write the first and the last page of the big slot through two pages. */
static void guest_touch_ends(void)
{
	*(volatile uint64_t *)BIG_GVA = 0x1111;
	*(volatile uint64_t *)(BIG_GVA + 4096) = 0x2222;
	GUEST_DONE();
}

/*
 * Half of the guest-physical address space in one slot, backed by a
 * sparse mapping: 512 GiB with the lab CPU's 40 bits. Only the pages the
 * guest touches cost anything.
 */
TEST_F(mem, sparse_slot_of_half_the_address_space)
{
	struct kvm_userspace_memory_region region = { .slot = 1 };
	int bits = phys_bits();
	char *hva;

	GUEST_DEVICE_OR_SKIP(variant->path);
	ASSERT_LE(36, bits) TH_LOG("no address sizes in /proc/cpuinfo");
	big_size = 1ULL << (bits - 1);
	big_gpa = 1ULL << (bits - 2);
	hva = mmap(NULL, big_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, hva);
	self->vm = vm_create_with_vcpu(variant->path, guest_touch_ends,
				       &self->vcpu);
	region.guest_phys_addr = big_gpa;
	region.memory_size = big_size;
	region.userspace_addr = (uintptr_t)hva;
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		TH_LOG("%llu GiB slot: %s", (unsigned long long)(big_size >> 30),
		       strerror(errno));
	vm_map_page(self->vm, BIG_GVA, big_gpa);
	vm_map_page(self->vm, BIG_GVA + 4096, big_gpa + big_size - 4096);
	RUN_DONE(self->vcpu);
	EXPECT_EQ(0x1111ULL, *(uint64_t *)hva);
	EXPECT_EQ(0x2222ULL, *(uint64_t *)(hva + big_size - 4096));
	vm_free(self->vm);
	self->vm = NULL;
	munmap(hva, big_size);
}

/* Slots end within the physical-address width, and hold < 2^31 pages. */
TEST_F(mem, slot_size_limits)
{
	int bits = phys_bits();
	struct kvm_userspace_memory_region region = {
		.slot = 1, .guest_phys_addr = 0,
		.userspace_addr = 0x100000000000ULL,	/* 16 TiB, unmapped */
	};

	GUEST_DEVICE_OR_SKIP(variant->path);
	ASSERT_LE(36, bits) TH_LOG("no address sizes in /proc/cpuinfo");
	self->vm = vm_create_bare(variant->path);
	region.memory_size = 1ULL << (31 + 12);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION, &region));
	EXPECT_EQ(EINVAL, errno);
	region.memory_size = 1ULL << bits;
	region.guest_phys_addr = 4096;
	if (bits < 43) {
		EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION,
				    &region)) TH_LOG("past the last address");
		EXPECT_EQ(EINVAL, errno);
	}
	region.guest_phys_addr = 0;
	region.memory_size = bits < 43 ? 1ULL << bits : (1ULL << 43) - 4096;
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		TH_LOG("up to the last address: %s", strerror(errno));
}

/* ------------------------------------------------ the host changes memory */

#define SLOT_GPA	0x40000000ULL

static void guest_read_twice(void)
{
	volatile uint64_t *p = (volatile uint64_t *)SLOT_GPA;

	GUEST_SYNC(*p);
	GUEST_SYNC(*p);
	GUEST_DONE();
}

static uint64_t *memory_slot(struct __test_metadata *_metadata,
			     struct vm *vm)
{
	uint64_t *hva = vm_add_memory(vm, 1, SLOT_GPA, 4096, 0);

	if (!hva)
		return NULL;
	*hva = 0x5a5a;
	return hva;
}

TEST_F(mem, madv_dontneed_reaches_the_guest)
{
	struct ucall uc;
	uint64_t *hva;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_read_twice,
				       &self->vcpu);
	hva = memory_slot(_metadata, self->vm);
	ASSERT_NE(NULL, hva);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(0x5a5aULL, uc.args[0]);
	/* The page goes; the next touch of it is a fresh zero page. */
	ASSERT_EQ(0, madvise(hva, 4096, MADV_DONTNEED));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(0ULL, uc.args[0]) TH_LOG("the guest kept the old page");
	EXPECT_EQ(0ULL, *hva);
	RUN_DONE(self->vcpu);
}

TEST_F(mem, new_mapping_over_a_slot_reaches_the_guest)
{
	struct ucall uc;
	uint64_t *hva, *fresh;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_read_twice,
				       &self->vcpu);
	hva = memory_slot(_metadata, self->vm);
	ASSERT_NE(NULL, hva);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(0x5a5aULL, uc.args[0]);
	fresh = mmap(hva, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(hva, fresh);
	*fresh = 0x7777;
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(0x7777ULL, uc.args[0]) TH_LOG("the guest kept the old page");
	RUN_DONE(self->vcpu);
}

/* Memory moved away from a slot's address: KVM_RUN fails with EFAULT. */
TEST_F(mem, mremap_away_faults_the_run)
{
	struct ucall uc;
	uint64_t *hva, *moved;
	void *hole;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_read_twice,
				       &self->vcpu);
	hva = memory_slot(_metadata, self->vm);
	ASSERT_NE(NULL, hva);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	moved = mremap(hva, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, hole);
	ASSERT_EQ(hole, moved);
	EXPECT_EQ(0x5a5aULL, *moved);
	EXPECT_EQ(-EFAULT, vcpu_run(self->vcpu));
	/* Memory back at the slot's address: the guest goes on. */
	ASSERT_EQ(hva, mremap(moved, 4096, 4096,
			      MREMAP_MAYMOVE | MREMAP_FIXED, hva));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(0x5a5aULL, uc.args[0]);
	RUN_DONE(self->vcpu);
}

/* ------------------------------------------------ nothing pinned */

#define TOUCH_SIZE	(8ULL << 20)

static void guest_touch_all(void)
{
	uint64_t off;

	for (off = 0; off < TOUCH_SIZE; off += 4096)
		*(volatile uint64_t *)(SLOT_GPA + off) = off;
	GUEST_DONE();
}

static long status_kb(const char *field)
{
	char line[128];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = atol(line + n + 1);
	fclose(f);
	return kb;
}

/* Take CAP_IPC_LOCK away, so that RLIMIT_MEMLOCK binds this process. */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	unsigned int bit = 1u << (CAP_IPC_LOCK % 32);

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_IPC_LOCK / 32].effective &= ~bit;
	data[CAP_IPC_LOCK / 32].permitted &= ~bit;
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

/* Without CAP_IPC_LOCK and with a 64 KiB RLIMIT_MEMLOCK, touch 8 MiB. */
static int touch_unprivileged(const char *path)
{
	struct rlimit memlock = { 64 << 10, 64 << 10 };
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;

	if (setrlimit(RLIMIT_MEMLOCK, &memlock) || drop_ipc_lock())
		return 2;
	vm = vm_create_with_vcpu(path, guest_touch_all, &vcpu);
	if (!vm_add_memory(vm, 1, SLOT_GPA, TOUCH_SIZE, 0))
		return 3;
	if (vcpu_run(vcpu) || get_ucall(vcpu, &uc) != UCALL_DONE)
		return 4;
	/* VmPin counts the pages pinned for this mm: none. */
	if (status_kb("VmPin") != 0)
		return 5;
	vm_free(vm);
	return 0;
}

TEST_F(mem, guest_memory_is_not_pinned)
{
	int status;
	pid_t pid;

	GUEST_DEVICE_OR_SKIP(variant->path);
	pid = fork();
	if (pid == 0)
		_exit(touch_unprivileged(variant->path));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("2: setup, 3: slot, 4: run, 5: VmPin not 0");
}

/* ------------------------------------------------ one block, two faults */

#define RACE_ROUNDS	24

/*
 * Both vCPUs touch both 2 MiB blocks of the region at once, at different
 * pages: each fault tries to take the whole block, and the loser must
 * give back every reference it took. vmxlab counts them (page_refs).
 */
static void guest_touch_block_starts(void)
{
	*(volatile uint64_t *)REGION_GPA = 0x1111;
	*(volatile uint64_t *)(REGION_GPA + HUGE_SIZE) = 0x2222;
	GUEST_DONE();
}

static void guest_touch_block_ends(void)
{
	*(volatile uint64_t *)(REGION_GPA + HUGE_SIZE - PAGE) = 0x3333;
	*(volatile uint64_t *)(REGION_GPA + 2 * HUGE_SIZE - PAGE) = 0x4444;
	GUEST_DONE();
}

struct block_racer {
	struct vcpu *vcpu;
	pthread_barrier_t *start;
	int rc;
	uint64_t cmd;
};

static void *race_to_the_block(void *arg)
{
	struct block_racer *r = arg;
	struct ucall uc;

	pthread_barrier_wait(r->start);
	r->rc = vcpu_run(r->vcpu);
	r->cmd = get_ucall(r->vcpu, &uc);
	return NULL;
}

TEST_F(mem, huge_block_faulted_by_two_vcpus_at_once)
{
	void *guests[2] = { guest_touch_block_starts, guest_touch_block_ends };
	pthread_barrier_t start;
	int round, i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	ASSERT_EQ(0, pthread_barrier_init(&start, NULL, 2));
	for (round = 0; round < RACE_ROUNDS; round++) {
		struct kvm_userspace_memory_region region = {
			.slot = 1, .guest_phys_addr = REGION_GPA,
			.memory_size = REGION_SIZE,
		};
		struct block_racer racer[2];
		pthread_t tid[2];
		char *hva = huge_region();

		ASSERT_NE(NULL, hva);
		self->vm = vm_create(variant->path);
		region.userspace_addr = (unsigned long)hva;
		ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION,
				   &region));
		for (i = 0; i < 2; i++) {
			racer[i] = (struct block_racer){
				.vcpu = vm_add_vcpu(self->vm, i, guests[i]),
				.start = &start,
			};
			ASSERT_EQ(0, pthread_create(&tid[i], NULL,
						    race_to_the_block,
						    &racer[i]));
		}
		for (i = 0; i < 2; i++) {
			pthread_join(tid[i], NULL);
			EXPECT_EQ(0, racer[i].rc) TH_LOG("round %d vCPU %d",
							 round, i);
			EXPECT_EQ(UCALL_DONE, racer[i].cmd);
		}
		EXPECT_EQ(0x1111, *(uint64_t *)hva);
		EXPECT_EQ(0x2222, *(uint64_t *)(hva + HUGE_SIZE));
		EXPECT_EQ(0x3333, *(uint64_t *)(hva + HUGE_SIZE - PAGE));
		EXPECT_EQ(0x4444, *(uint64_t *)(hva + 2 * HUGE_SIZE - PAGE));
		vm_free(self->vm);
		self->vm = NULL;
		munmap(hva, REGION_SIZE);
		if (!strcmp(variant->path, VMXLAB_DEV))
			EXPECT_VMXLAB_HOLDS_NOTHING();
	}
	pthread_barrier_destroy(&start);
}

TEST_HARNESS_MAIN
