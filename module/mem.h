/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxlab's memory, counted exactly: every allocation a VM or vCPU makes
 * goes through these helpers, so that /sys/kernel/debug/vmxlab/alloc can
 * show what is live (VMs, vCPUs, bytes, pages, guest pages recorded,
 * references held on host pages) and
 * the tests can demand zeros once every file is closed. Module-lifetime
 * allocations (the per-CPU VMXON regions) are not counted here.
 */
#ifndef VMXLAB_MEM_H
#define VMXLAB_MEM_H

#include <linux/types.h>

struct dentry;

enum vmxlab_counter {
	VMXLAB_LIVE_VMS,
	VMXLAB_LIVE_VCPUS,
	VMXLAB_LIVE_BYTES,
	VMXLAB_LIVE_PAGES,
	VMXLAB_LIVE_GUEST_PAGES,
	VMXLAB_LIVE_PAGE_REFS,
	VMXLAB_NR_COUNTERS
};

void vmxlab_count(enum vmxlab_counter c, long delta);

/* Zeroed, accounted to the caller's memory cgroup; size given back to free. */
void *vmxlab_zalloc(size_t size);
void *vmxlab_zalloc_array(size_t n, size_t size);
void vmxlab_free(const void *p, size_t size);
void *vmxlab_memdup_user(const void __user *src, size_t size);

/* Whole zeroed pages (VMCS, EPT tables, the kvm_run page). */
void *vmxlab_page_alloc(void);
void vmxlab_page_free(void *addr);

void vmxlab_mem_debugfs(struct dentry *dir);

#endif
