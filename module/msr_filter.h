/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KVM_X86_SET_MSR_FILTER's rules (api.rst 4.97): which guest RDMSR and
 * WRMSR a VM's filter lets through to vmxlab's own MSR code, the rest
 * going to userspace (KVM_MSR_EXIT_REASON_FILTER) or failing with #GP.
 * Portable: built into vmxlab.ko and into host unit tests
 * (tests/unit/test_msr_filter.c); copying the bitmaps in is the caller's.
 */
#ifndef VMXLAB_MSR_FILTER_H
#define VMXLAB_MSR_FILTER_H

#include <linux/kvm.h>

#include "portable.h"

/* As KVM's KVM_MSR_FILTER_MAX_BITMAP_SIZE. */
#define MSR_FILTER_MAX_BITMAP_BYTES	0x600

struct msr_filter_range {
	u32 flags;		/* KVM_MSR_FILTER_READ, _WRITE */
	u32 base;
	u32 nmsrs;
	u8 *bitmap;		/* a 1 bit allows, a 0 bit denies */
};

struct msr_filter {
	bool default_deny;
	unsigned int nr_ranges;	/* the non-empty ones, in the caller's order */
	struct msr_filter_range ranges[KVM_MSR_FILTER_MAX_RANGES];
};

/*
 * 0, or -EINVAL for a filter KVM refuses: unknown flags, a non-empty
 * range without READ/WRITE or with a bitmap over the maximum, or
 * DEFAULT_DENY with no range at all.
 */
int msr_filter_check(const struct kvm_msr_filter *f);

/* What KVM copies of a range's bitmap: whole 64-bit words, 0 if empty. */
u32 msr_filter_bitmap_bytes(u32 nmsrs);

/* True if no filter is set, or if it lets @type (READ or WRITE) of @index. */
bool msr_filter_allows(const struct msr_filter *f, u32 index, u32 type);

#endif
