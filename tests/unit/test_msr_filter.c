// SPDX-License-Identifier: GPL-2.0
/*
 * The MSR filter (module/msr_filter.c) against api.rst's rules for
 * KVM_X86_SET_MSR_FILTER: what a filter may be, and which accesses each
 * kind of filter lets through.
 */
#include "kselftest_harness.h"
#include "msr_filter.h"

#define MSR_TSC_DEADLINE	0x6e0

static u8 bits[MSR_FILTER_MAX_BITMAP_BYTES];

/* One range of @nmsrs from @base, for @flags, every bit @allow. */
static struct msr_filter one_range(u32 flags, u32 base, u32 nmsrs, bool allow,
				   bool default_deny)
{
	struct msr_filter f = { .default_deny = default_deny, .nr_ranges = 1 };

	memset(bits, allow ? 0xff : 0, sizeof(bits));
	f.ranges[0] = (struct msr_filter_range){
		.flags = flags, .base = base, .nmsrs = nmsrs, .bitmap = bits,
	};
	return f;
}

TEST(what_kvm_accepts)
{
	struct kvm_msr_filter f = {};

	EXPECT_EQ(0, msr_filter_check(&f));	/* no ranges: filtering off */
	f.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	EXPECT_EQ(-EINVAL, msr_filter_check(&f));	/* deny with no range */
	f.ranges[3] = (struct kvm_msr_filter_range){
		.flags = KVM_MSR_FILTER_WRITE, .nmsrs = 1, .base = 0x10,
	};
	EXPECT_EQ(0, msr_filter_check(&f));
	f.flags = 2;
	EXPECT_EQ(-EINVAL, msr_filter_check(&f));	/* unknown filter flag */
	f.flags = 0;
	f.ranges[3].flags = 0;
	EXPECT_EQ(-EINVAL, msr_filter_check(&f));	/* a range for nothing */
	f.ranges[3].flags = 4;
	EXPECT_EQ(-EINVAL, msr_filter_check(&f));	/* unknown range flag */
	f.ranges[3].flags = KVM_MSR_FILTER_READ;
	f.ranges[3].nmsrs = MSR_FILTER_MAX_BITMAP_BYTES * 8;
	EXPECT_EQ(0, msr_filter_check(&f));
	f.ranges[3].nmsrs++;
	EXPECT_EQ(-EINVAL, msr_filter_check(&f));	/* bitmap too big */
	f.ranges[3].nmsrs = ~0u;
	EXPECT_EQ(-EINVAL, msr_filter_check(&f));
	/* An empty range's flags are not looked at. */
	f.ranges[3] = (struct kvm_msr_filter_range){ .flags = 0xff };
	EXPECT_EQ(0, msr_filter_check(&f));
}

TEST(bitmap_sizes_are_whole_words)
{
	EXPECT_EQ(0, msr_filter_bitmap_bytes(0));
	EXPECT_EQ(8, msr_filter_bitmap_bytes(1));
	EXPECT_EQ(8, msr_filter_bitmap_bytes(64));
	EXPECT_EQ(16, msr_filter_bitmap_bytes(65));
	EXPECT_EQ(0x20000000u, msr_filter_bitmap_bytes(~0u));
}

TEST(no_filter_allows_everything)
{
	EXPECT_TRUE(msr_filter_allows(NULL, MSR_TSC_DEADLINE, KVM_MSR_FILTER_READ));
	EXPECT_TRUE(msr_filter_allows(NULL, ~0u, KVM_MSR_FILTER_WRITE));
}

TEST(a_zero_bit_denies_what_the_range_names)
{
	struct msr_filter f = one_range(KVM_MSR_FILTER_WRITE, MSR_TSC_DEADLINE,
					1, false, false);

	EXPECT_FALSE(msr_filter_allows(&f, MSR_TSC_DEADLINE, KVM_MSR_FILTER_WRITE));
	/* Reads are not the range's: the default, allow. */
	EXPECT_TRUE(msr_filter_allows(&f, MSR_TSC_DEADLINE, KVM_MSR_FILTER_READ));
	EXPECT_TRUE(msr_filter_allows(&f, MSR_TSC_DEADLINE + 1, KVM_MSR_FILTER_WRITE));
	EXPECT_TRUE(msr_filter_allows(&f, MSR_TSC_DEADLINE - 1, KVM_MSR_FILTER_WRITE));
}

TEST(a_one_bit_allows_under_default_deny)
{
	struct msr_filter f = one_range(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
					0x10, 2, false, true);

	bits[0] = 0x2;		/* 0x11 allowed, 0x10 not */
	EXPECT_FALSE(msr_filter_allows(&f, 0x10, KVM_MSR_FILTER_READ));
	EXPECT_TRUE(msr_filter_allows(&f, 0x11, KVM_MSR_FILTER_READ));
	EXPECT_TRUE(msr_filter_allows(&f, 0x11, KVM_MSR_FILTER_WRITE));
	EXPECT_FALSE(msr_filter_allows(&f, 0x12, KVM_MSR_FILTER_READ));
	EXPECT_FALSE(msr_filter_allows(&f, 0xc0000080, KVM_MSR_FILTER_WRITE));
}

TEST(bits_count_from_the_base_in_little_endian_order)
{
	struct msr_filter f = one_range(KVM_MSR_FILTER_READ, 0x1000, 100, true,
					false);
	unsigned int i;

	bits[9] &= ~(1u << 3);	/* MSR 0x1000 + 75 */
	for (i = 0; i < 100; i++)
		EXPECT_EQ(i != 75, msr_filter_allows(&f, 0x1000 + i,
						     KVM_MSR_FILTER_READ));
}

TEST(the_first_matching_range_decides)
{
	struct msr_filter f = one_range(KVM_MSR_FILTER_READ, 0x10, 8, false,
					false);
	static u8 allow_all[8] = { 0xff };

	f.ranges[1] = (struct msr_filter_range){
		.flags = KVM_MSR_FILTER_READ, .base = 0x10, .nmsrs = 8,
		.bitmap = allow_all,
	};
	f.nr_ranges = 2;
	EXPECT_FALSE(msr_filter_allows(&f, 0x13, KVM_MSR_FILTER_READ));
	/* A range that does not name the access does not decide it. */
	f.ranges[0].flags = KVM_MSR_FILTER_WRITE;
	EXPECT_TRUE(msr_filter_allows(&f, 0x13, KVM_MSR_FILTER_READ));
}

TEST(x2apic_msrs_are_never_filtered)
{
	struct msr_filter f = one_range(KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
					0x700, 0x300, false, true);

	EXPECT_FALSE(msr_filter_allows(&f, 0x7ff, KVM_MSR_FILTER_READ));
	EXPECT_TRUE(msr_filter_allows(&f, 0x800, KVM_MSR_FILTER_READ));
	EXPECT_TRUE(msr_filter_allows(&f, 0x8ff, KVM_MSR_FILTER_WRITE));
	EXPECT_FALSE(msr_filter_allows(&f, 0x900, KVM_MSR_FILTER_WRITE));
}

TEST(a_range_past_the_top_wraps_and_holds_nothing)
{
	struct msr_filter f = one_range(KVM_MSR_FILTER_READ, 0xfffffff0u, 0x20,
					false, false);

	EXPECT_TRUE(msr_filter_allows(&f, 0xfffffff8u, KVM_MSR_FILTER_READ));
	EXPECT_TRUE(msr_filter_allows(&f, 0x4, KVM_MSR_FILTER_READ));
	/* Even one that ends at the top exactly: its end is 0 in 32 bits. */
	f.ranges[0].nmsrs = 0x10;
	EXPECT_TRUE(msr_filter_allows(&f, 0xffffffffu, KVM_MSR_FILTER_READ));
	f.ranges[0].nmsrs = 0xf;
	EXPECT_FALSE(msr_filter_allows(&f, 0xfffffffeu, KVM_MSR_FILTER_READ));
}

TEST_HARNESS_MAIN
