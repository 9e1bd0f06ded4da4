// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading vmxlab.ko: the module cannot go while a VM file
 * is open, and many load/use/unload cycles leave no VMX state and no
 * kernel memory behind. Runs last in the lab (zz_) because it reloads
 * the module; VMXLAB_KO names the module file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"

#define WARMUP_CYCLES	5
#define CYCLES		20
/* Growth allowed over CYCLES cycles: well under one page per CPU a cycle. */
#define LEAK_SLACK_KB	64

static int module_load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

static int module_unload(void)
{
	return syscall(SYS_delete_module, "vmxlab", O_NONBLOCK) ? -errno : 0;
}

static bool module_loaded(void)
{
	return access("/sys/module/vmxlab", F_OK) == 0;
}

static long meminfo_kb(const char *field)
{
	char line[128];
	size_t n = strlen(field);
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			kb = atol(line + n + 1);
	fclose(f);
	return kb;
}

/*
 * Free pages parked on the per-CPU page lists are not in MemFree; their
 * number moves with every allocation, so it is added back.
 */
static long percpu_free_kb(void)
{
	char line[128];
	long pages = 0, count;
	FILE *f = fopen("/proc/zoneinfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &count) == 1)
			pages += count;
	fclose(f);
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Fold the per-CPU counter deltas into the totals /proc/meminfo shows. */
static void refresh_vm_stats(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			perror("stat_refresh");
		close(fd);
	}
}

/* Kernel memory not counted as page cache, buffers or free. */
static long kernel_used_kb(void)
{
	refresh_vm_stats();
	return meminfo_kb("MemTotal") - meminfo_kb("MemFree") -
	       meminfo_kb("Buffers") - meminfo_kb("Cached") -
	       percpu_free_kb();
}

static const char *module_path(struct __test_metadata *_metadata)
{
	const char *path = getenv("VMXLAB_KO");

	if (!path && vmxlab_in_lab())
		ASSERT_TRUE(false) TH_LOG("VMXLAB_KO is not set in the lab");
	return path;
}

FIXTURE(mod) {
	const char *ko;
};

FIXTURE_SETUP(mod)
{
	self->ko = module_path(_metadata);
}

FIXTURE_TEARDOWN(mod)
{
	if (self->ko && !module_loaded())
		module_load(self->ko);
}

/* One cycle: load, create and close a VM, unload. */
static int load_use_unload(const char *ko)
{
	int err, fd, vm;

	err = module_load(ko);
	if (err)
		return err;
	fd = open(VMXLAB_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	err = vm < 0 ? -errno : 0;
	if (vm >= 0)
		close(vm);
	close(fd);
	if (err)
		return err;
	return module_unload();
}

/*
 * Runs before anything here reloads the module: after every other test
 * program of the lab, vmxlab must hold no VM, vCPU, byte, page or guest
 * page at all.
 */
TEST_F(mod, nothing_held_after_all_the_tests)
{
	ASSERT_TRUE(module_loaded() || !vmxlab_in_lab())
		TH_LOG("vmxlab.ko is not loaded in the lab");
	if (!module_loaded())
		SKIP(return, "vmxlab.ko is not loaded");
	EXPECT_VMXLAB_HOLDS_NOTHING();
}

TEST_F(mod, pinned_while_vm_open)
{
	int fd, vm;

	if (!self->ko)
		SKIP(return, "set VMXLAB_KO to the module file to run this");
	if (!module_loaded())
		ASSERT_EQ(0, module_load(self->ko));
	fd = open(VMXLAB_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	ASSERT_GE(vm, 0);
	close(fd);

	/* Only the VM file holds the module now. */
	EXPECT_EQ(-EWOULDBLOCK, module_unload());
	EXPECT_TRUE(module_loaded());
	close(vm);
	EXPECT_EQ(0, module_unload());
	EXPECT_FALSE(module_loaded());
}

TEST_F(mod, load_unload_cycles_leak_nothing)
{
	long before, after;
	int i, kvm, vm;

	if (!self->ko)
		SKIP(return, "set VMXLAB_KO to the module file to run this");
	if (module_loaded())
		ASSERT_EQ(0, module_unload());

	for (i = 0; i < WARMUP_CYCLES; i++)
		ASSERT_EQ(0, load_use_unload(self->ko)) TH_LOG("warm-up %d", i);
	before = kernel_used_kb();
	for (i = 0; i < CYCLES; i++)
		ASSERT_EQ(0, load_use_unload(self->ko)) TH_LOG("cycle %d", i);
	after = kernel_used_kb();
	TH_LOG("kernel memory in use: %ld kB before, %ld kB after %d cycles",
	       before, after, CYCLES);
	EXPECT_LE(after - before, LEAK_SLACK_KB);

	/* No VMX state left behind: KVM, where present, can enter VMX. */
	kvm = open(KVM_DEV, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		ASSERT_FALSE(vmxlab_in_lab()) TH_LOG("no /dev/kvm in the lab");
		return;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	EXPECT_GE(vm, 0) TH_LOG("KVM after unload: %s", strerror(errno));
	if (vm >= 0)
		close(vm);
	close(kvm);
}

TEST_HARNESS_MAIN
