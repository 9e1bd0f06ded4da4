// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory beyond the first slot: a second slot backed by transparent
 * huge pages, written by the guest page by page and read back by the
 * host, on /dev/vmxlab and /dev/kvm. On vmxlab the EPT must map it with
 * 2 MiB pages, as its debugfs statistics show.
 */
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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
}

TEST_F(mem, huge_page_backed_slot)
{
	struct kvm_userspace_memory_region region = {
		.slot = 1, .guest_phys_addr = REGION_GPA,
		.memory_size = REGION_SIZE,
	};
	uint64_t off;
	long huge;
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
	/* One EPT entry per huge page the host gave us. */
	huge = anon_huge_kb(hva) / 2048;
	TH_LOG("host huge pages: %ld, EPT 2 MiB mappings: %ld", huge,
	       debugfs_value("ept_2m_mappings"));
	if (!huge)
		SKIP(return, "the host gave no huge pages (THP off or memory fragmented)");
	EXPECT_LE(huge, debugfs_value("ept_2m_mappings"));
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_SET_USER_MEMORY_REGION,
			   &(struct kvm_userspace_memory_region){ .slot = 1 }));
	EXPECT_EQ(0, debugfs_value("ept_2m_mappings"));
}

TEST_HARNESS_MAIN
