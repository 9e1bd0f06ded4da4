/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the vmxlab selftests: opening /dev/vmxlab or /dev/kvm
 * (the same tests run against both), reading vmxlab's per-CPU VMX state
 * from debugfs, and deciding whether a missing facility is a skip (on an
 * ordinary machine) or a failure (in the lab, where it must be present).
 */
#ifndef VMXLAB_TEST_H
#define VMXLAB_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define VMXLAB_DEV		"/dev/vmxlab"
#define KVM_DEV			"/dev/kvm"
#define VMXLAB_DEBUGFS_CPUS	"/sys/kernel/debug/vmxlab/cpus"
#define VMXLAB_MAX_CPUS		64

struct vmx_cpu_state {
	bool online;
	bool vmxon;		/* vmxlab executed VMXON on this CPU */
	bool cr4_vmxe;		/* CR4.VMXE as read on the CPU */
};

struct vmx_state {
	unsigned int users;
	bool enabled;
	unsigned long vm_switch_ibpb;	/* IBPBs between VMs' VMCSs */
	bool ibpb_on_cpu;		/* the CPU has IBPB and uses it */
	int nr_cpus;
	struct vmx_cpu_state cpu[VMXLAB_MAX_CPUS];
};

/* True inside the lab: there, VMX, KVM and vmxlab must all be present. */
bool vmxlab_in_lab(void);

/* Read vmxlab's debugfs "cpus" file; 0 on success or -errno. */
int vmx_state_read(struct vmx_state *st);

/* Every online CPU in VMX operation under vmxlab (on) or none (!on). */
bool vmx_state_all(const struct vmx_state *st, bool on);

/* Number of CPUs online now. */
int online_cpus(void);

/* What vmxlab holds now (debugfs vmxlab/alloc). */
#define VMXLAB_DEBUGFS_ALLOC	"/sys/kernel/debug/vmxlab/alloc"

struct vmxlab_alloc {
	long vms, vcpus, bytes, pages, guest_pages, page_refs;
};

/* Read vmxlab's allocation counters; 0 or -errno. */
int vmxlab_alloc_read(struct vmxlab_alloc *a);

/*
 * After everything is closed, vmxlab must hold nothing at all. Only
 * EXPECTs, so that it may run in a fixture's teardown; where vmxlab is
 * not loaded (an ordinary machine) there is nothing to check.
 */
#define EXPECT_VMXLAB_HOLDS_NOTHING()						\
	do {									\
		struct vmxlab_alloc __a;					\
		int __err = vmxlab_alloc_read(&__a);				\
		if (__err == -ENOENT && !vmxlab_in_lab())			\
			break;							\
		EXPECT_EQ(0, __err) TH_LOG("%s: %s", VMXLAB_DEBUGFS_ALLOC,	\
					   strerror(-__err));			\
		EXPECT_EQ(0, __a.vms);						\
		EXPECT_EQ(0, __a.vcpus);					\
		EXPECT_EQ(0, __a.bytes);					\
		EXPECT_EQ(0, __a.pages);					\
		EXPECT_EQ(0, __a.guest_pages);					\
		EXPECT_EQ(0, __a.page_refs);					\
	} while (0)

/*
 * Open a device node into fd. Where it does not exist, skip the test on an
 * ordinary machine but fail it in the lab.
 */
#define OPEN_DEVICE_OR_SKIP(fd, path)						\
	do {									\
		(fd) = open((path), O_RDWR | O_CLOEXEC);			\
		if ((fd) < 0 && !vmxlab_in_lab())				\
			SKIP(return, "%s: %s", (path), strerror(errno));	\
		ASSERT_GE((fd), 0) TH_LOG("open %s: %s", (path),		\
					  strerror(errno));			\
	} while (0)

/* Like OPEN_DEVICE_OR_SKIP for vmxlab's debugfs state. */
#define READ_VMX_STATE_OR_SKIP(st)						\
	do {									\
		int __err = vmx_state_read(st);					\
		if (__err && !vmxlab_in_lab())					\
			SKIP(return, "%s: %s", VMXLAB_DEBUGFS_CPUS,		\
			     strerror(-__err));					\
		ASSERT_EQ(0, __err) TH_LOG("%s: %s", VMXLAB_DEBUGFS_CPUS,	\
					   strerror(-__err));			\
	} while (0)

/* KEY=N from the kernel command line (the lab passes options so), or fallback. */
uint64_t lab_cmdline_number(const char *key, uint64_t fallback);
bool lab_cmdline_string(const char *key, char *value, size_t size);

#endif
