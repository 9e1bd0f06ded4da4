// SPDX-License-Identifier: GPL-2.0
/*
 * Exact accounting of vmxlab's memory (see mem.h). The counters are
 * global atomics: they are read by tests after everything is closed,
 * not on any hot path that would care about their cost.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mem.h"

static atomic_long_t counters[VMXLAB_NR_COUNTERS];

static const char * const counter_names[VMXLAB_NR_COUNTERS] = {
	[VMXLAB_LIVE_VMS] = "vms",
	[VMXLAB_LIVE_VCPUS] = "vcpus",
	[VMXLAB_LIVE_BYTES] = "bytes",
	[VMXLAB_LIVE_PAGES] = "pages",
	[VMXLAB_LIVE_GUEST_PAGES] = "guest_pages",
	[VMXLAB_LIVE_PAGE_REFS] = "page_refs",
};

void vmxlab_count(enum vmxlab_counter c, long delta)
{
	atomic_long_add(delta, &counters[c]);
}

void *vmxlab_zalloc(size_t size)
{
	void *p = kvzalloc(size, GFP_KERNEL_ACCOUNT);

	if (p)
		vmxlab_count(VMXLAB_LIVE_BYTES, size);
	return p;
}

void *vmxlab_zalloc_array(size_t n, size_t size)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return NULL;
	return vmxlab_zalloc(bytes);
}

void vmxlab_free(const void *p, size_t size)
{
	if (!p)
		return;
	kvfree(p);
	vmxlab_count(VMXLAB_LIVE_BYTES, -(long)size);
}

void *vmxlab_memdup_user(const void __user *src, size_t size)
{
	void *p = vmemdup_user(src, size);

	if (!IS_ERR(p))
		vmxlab_count(VMXLAB_LIVE_BYTES, size);
	return p;
}

void *vmxlab_page_alloc(void)
{
	void *p = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);

	if (p)
		vmxlab_count(VMXLAB_LIVE_PAGES, 1);
	return p;
}

void vmxlab_page_free(void *addr)
{
	if (!addr)
		return;
	free_page((unsigned long)addr);
	vmxlab_count(VMXLAB_LIVE_PAGES, -1);
}

static int alloc_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < VMXLAB_NR_COUNTERS; i++)
		seq_printf(m, "%s %ld\n", counter_names[i],
			   atomic_long_read(&counters[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(alloc);

void vmxlab_mem_debugfs(struct dentry *dir)
{
	debugfs_create_file("alloc", 0444, dir, NULL, &alloc_fops);
}
