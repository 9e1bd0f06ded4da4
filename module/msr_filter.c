// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR filter's checks and lookup (msr_filter.h), as api.rst and KVM
 * define them: the first range whose flags name the access and whose
 * indices hold the MSR decides by its bit; no such range, the default;
 * the x2APIC MSRs are never filtered.
 */
#include "msr_filter.h"

#define RANGE_FLAGS	(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE)
#define X2APIC_FIRST	0x800
#define X2APIC_LAST	0x8ff

u32 msr_filter_bitmap_bytes(u32 nmsrs)
{
	return (u32)(((u64)nmsrs + 63) / 64 * 8);
}

int msr_filter_check(const struct kvm_msr_filter *f)
{
	bool empty = true;
	unsigned int i;

	if (f->flags & ~KVM_MSR_FILTER_DEFAULT_DENY)
		return -EINVAL;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		const struct kvm_msr_filter_range *r = &f->ranges[i];

		if (!r->nmsrs)
			continue;
		empty = false;
		if (!r->flags || (r->flags & ~RANGE_FLAGS) ||
		    msr_filter_bitmap_bytes(r->nmsrs) > MSR_FILTER_MAX_BITMAP_BYTES)
			return -EINVAL;
	}
	if (empty && (f->flags & KVM_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;
	return 0;
}

/* As KVM: the end wraps in 32 bits, and a wrapped range holds nothing. */
static bool range_holds(const struct msr_filter_range *r, u32 index)
{
	u32 end = r->base + r->nmsrs;

	return index >= r->base && index < end;
}

bool msr_filter_allows(const struct msr_filter *f, u32 index, u32 type)
{
	unsigned int i;

	if (!f || (index >= X2APIC_FIRST && index <= X2APIC_LAST))
		return true;
	for (i = 0; i < f->nr_ranges; i++) {
		const struct msr_filter_range *r = &f->ranges[i];
		u32 bit;

		if (!(r->flags & type) || !range_holds(r, index))
			continue;
		bit = index - r->base;
		return r->bitmap[bit / 8] & (1u << (bit % 8));
	}
	return !f->default_deny;
}
