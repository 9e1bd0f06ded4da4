// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the launcher's CPUID policy (user/cpuid.c): what a
 * vCPU sees of the TSC-deadline timer, x2APIC, the KVM PV features,
 * the hypervisor-present bit and its APIC ID, per irqchip home.
 */
#include <string.h>

#include "cpuid.h"
#include "kselftest_harness.h"

#define ECX_SSE3	(1u << 0)

static void fill(struct kvm_cpuid_entry2 *e)
{
	memset(e, 0, 4 * sizeof(*e));
	e[0].function = 1;
	e[0].ebx = 0xff0000ab;		/* stale APIC ID and count */
	e[0].ecx = ECX_SSE3 | CPUID_1_ECX_X2APIC;	/* no TSC deadline */
	e[1].function = KVM_CPUID_FEATURES_LEAF;
	e[1].eax = 0xffff;
	e[2].function = 0xb;
	e[3].function = 0x1f;
}

TEST(tsc_deadline_set_when_the_lapic_is_in_the_kernel)
{
	struct cpuid_policy p = { 3, 4, true, true, false };
	struct kvm_cpuid_entry2 e[4];

	fill(e);
	cpuid_apply_policy(e, 4, &p);
	EXPECT_TRUE(e[0].ecx & CPUID_1_ECX_TSC_DEADLINE);
	EXPECT_TRUE(e[0].ecx & CPUID_1_ECX_X2APIC);
	EXPECT_TRUE(e[0].ecx & ECX_SSE3);
	EXPECT_EQ(0x030400ab, e[0].ebx);
	EXPECT_EQ(0xffff, e[1].eax);
	EXPECT_EQ(3, e[2].edx);
	EXPECT_EQ(3, e[3].edx);
}

TEST(tsc_deadline_clear_without_the_capability)
{
	struct cpuid_policy p = { 0, 1, true, false, false };
	struct kvm_cpuid_entry2 e[4];

	fill(e);
	e[0].ecx |= CPUID_1_ECX_TSC_DEADLINE;	/* a device that says so */
	cpuid_apply_policy(e, 4, &p);
	EXPECT_FALSE(e[0].ecx & CPUID_1_ECX_TSC_DEADLINE);
	EXPECT_TRUE(e[0].ecx & CPUID_1_ECX_X2APIC);
}

TEST(launcher_lapic_hides_the_kernel_lapic_features)
{
	struct cpuid_policy p = { 1, 2, false, true, false };
	struct kvm_cpuid_entry2 e[4];

	fill(e);
	e[0].ecx |= CPUID_1_ECX_TSC_DEADLINE;
	cpuid_apply_policy(e, 4, &p);
	EXPECT_FALSE(e[0].ecx & CPUID_1_ECX_TSC_DEADLINE);
	EXPECT_FALSE(e[0].ecx & CPUID_1_ECX_X2APIC);
	EXPECT_TRUE(e[0].ecx & ECX_SSE3);
	EXPECT_EQ(0xffff & ~0xc8d0u, e[1].eax);
	EXPECT_EQ(0x010200ab, e[0].ebx);
}

/* The launcher's LAPIC offers TSC-deadline when it traps the MSR; never x2APIC. */
TEST(launcher_lapic_with_its_tsc_deadline_timer)
{
	struct cpuid_policy p = { 0, 1, false, false, true };
	struct kvm_cpuid_entry2 e[4];

	fill(e);
	cpuid_apply_policy(e, 4, &p);
	EXPECT_TRUE(e[0].ecx & CPUID_1_ECX_TSC_DEADLINE);
	EXPECT_FALSE(e[0].ecx & CPUID_1_ECX_X2APIC);
	EXPECT_EQ(0xffff & ~0xc8d0u, e[1].eax);
}

/* KVM's supported CPUID leaves it clear; a guest must see a hypervisor. */
TEST(hypervisor_bit_set_in_every_irqchip_home)
{
	struct cpuid_policy p = { 0, 1, true, true, false };
	struct kvm_cpuid_entry2 e[4];

	fill(e);
	cpuid_apply_policy(e, 4, &p);
	EXPECT_TRUE(e[0].ecx & CPUID_1_ECX_HYPERVISOR);
	p.lapic_in_kernel = false;
	fill(e);
	cpuid_apply_policy(e, 4, &p);
	EXPECT_TRUE(e[0].ecx & CPUID_1_ECX_HYPERVISOR);
	EXPECT_TRUE(e[0].ecx & ECX_SSE3);
}

TEST_HARNESS_MAIN
