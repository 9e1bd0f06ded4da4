// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the VMX capability checks and control computation,
 * fed with MSR values for CPUs that have, or lack, each required feature.
 */
#include "kselftest_harness.h"
#include "vmx/vmx_caps.h"

/* MSR values modelled on a Skylake-X with VT-x enabled and locked. */
static struct vmx_msrs capable_cpu(void)
{
	return (struct vmx_msrs){
		.cpuid_vmx = true,
		.feature_control = VMXCAP_FC_LOCKED | VMXCAP_FC_VMX_OUTSIDE_SMX,
		.basic = 0x00da040000000004ULL,
		.pinbased = 0x0000007f00000016ULL,
		.procbased = 0xfff9fffe04006172ULL,
		.procbased2 = 0x003ffcff00000000ULL,
		.exit = 0x01ffffff00036dfbULL,
		.entry = 0x0003ffff000011fbULL,
		.ept_vpid_cap = 0x00000f0106734141ULL,
	};
}

TEST(capable_cpu_passes)
{
	struct vmx_msrs m = capable_cpu();

	EXPECT_EQ(NULL, vmx_caps_missing(&m));
}

#define EXPECT_MISSING(m, words)						\
	do {									\
		const char *why = vmx_caps_missing(&(m));			\
		ASSERT_NE(NULL, why);						\
		EXPECT_NE(NULL, strstr(why, (words))) TH_LOG("got: %s", why);	\
	} while (0)

TEST(no_vmx_in_cpuid)
{
	struct vmx_msrs m = capable_cpu();

	m.cpuid_vmx = false;
	EXPECT_MISSING(m, "no VMX");
}

TEST(feature_control_unlocked)
{
	struct vmx_msrs m = capable_cpu();

	m.feature_control = VMXCAP_FC_VMX_OUTSIDE_SMX;
	EXPECT_MISSING(m, "not locked");
}

TEST(vmx_disabled_by_firmware)
{
	struct vmx_msrs m = capable_cpu();

	m.feature_control = VMXCAP_FC_LOCKED;
	EXPECT_MISSING(m, "disabled by the firmware");
}

TEST(vmcs_too_large)
{
	struct vmx_msrs m = capable_cpu();

	m.basic = (m.basic & ~(0x1fffULL << 32)) | (4097ULL << 32);
	EXPECT_MISSING(m, "larger than a page");
}

TEST(vmcs_not_write_back)
{
	struct vmx_msrs m = capable_cpu();

	m.basic &= ~(0xfULL << 50);
	EXPECT_MISSING(m, "write-back");
}

TEST(no_secondary_controls)
{
	struct vmx_msrs m = capable_cpu();

	m.procbased &= ~((u64)VMXCAP_ACTIVATE_SECONDARY << 32);
	EXPECT_MISSING(m, "secondary");
}

TEST(no_ept)
{
	struct vmx_msrs m = capable_cpu();

	m.procbased2 &= ~((u64)VMXCAP_SECONDARY_EPT << 32);
	EXPECT_MISSING(m, "no EPT");
}

TEST(no_unrestricted_guest)
{
	struct vmx_msrs m = capable_cpu();

	m.procbased2 &= ~((u64)VMXCAP_SECONDARY_UG << 32);
	EXPECT_MISSING(m, "unrestricted guest");
}

TEST(ept_without_4_level_walks)
{
	struct vmx_msrs m = capable_cpu();

	m.ept_vpid_cap &= ~VMXCAP_EPT_PAGE_WALK_4;
	EXPECT_MISSING(m, "4-level");
}

TEST(ept_without_invept)
{
	struct vmx_msrs m = capable_cpu();

	m.ept_vpid_cap &= ~(VMXCAP_EPT_INVEPT_SINGLE | VMXCAP_EPT_INVEPT_ALL);
	EXPECT_MISSING(m, "INVEPT");
}

TEST(adjust_sets_must_be_one_bits)
{
	u32 ctl = 0;

	/* allowed-0 = 0x16, allowed-1 = 0x7f */
	ASSERT_EQ(0, vmx_adjust_controls(0x1, 0, 0x0000007f00000016ULL, &ctl));
	EXPECT_EQ(0x17U, ctl);
}

TEST(adjust_drops_unsupported_optional_bits)
{
	u32 ctl = 0;

	ASSERT_EQ(0, vmx_adjust_controls(0, 0x180, 0x000000ff00000000ULL, &ctl));
	EXPECT_EQ(0x80U, ctl);
}

TEST(adjust_fails_on_unsupported_required_bit)
{
	u32 ctl = 0xabcd;

	EXPECT_EQ(-EIO, vmx_adjust_controls(0x100, 0, 0x000000ff00000000ULL,
					    &ctl));
	EXPECT_EQ(0xabcdU, ctl);
}

/* Single-context INVEPT where there is one; all-context is enough too. */
TEST(invept_type_follows_the_cpu)
{
	struct vmx_msrs m = capable_cpu();

	EXPECT_EQ(VMXCAP_INVEPT_SINGLE_CONTEXT, vmx_invept_type(m.ept_vpid_cap));
	m.ept_vpid_cap &= ~VMXCAP_EPT_INVEPT_SINGLE;
	EXPECT_EQ(VMXCAP_INVEPT_ALL_CONTEXT, vmx_invept_type(m.ept_vpid_cap));
	EXPECT_EQ(NULL, vmx_caps_missing(&m));
	m.ept_vpid_cap &= ~VMXCAP_EPT_INVEPT_ALL;
	EXPECT_EQ(0, vmx_invept_type(m.ept_vpid_cap));
	EXPECT_MISSING(m, "INVEPT");
	m.ept_vpid_cap |= VMXCAP_EPT_INVEPT_SINGLE;
	m.ept_vpid_cap &= ~VMXCAP_EPT_INVEPT;
	EXPECT_EQ(0, vmx_invept_type(m.ept_vpid_cap));
}

TEST_HARNESS_MAIN
