// SPDX-License-Identifier: GPL-2.0
/*
 * VMX capability checks: decide from raw MSR values whether vmxlab can run
 * on this CPU, and compute control words from allowed-0/allowed-1 MSRs.
 */
#include "vmx_caps.h"

static bool may_set(u64 cap_msr, u32 bits)
{
	return ((cap_msr >> 32) & bits) == bits;
}

static const char *feature_control_missing(u64 fc)
{
	if (!(fc & VMXCAP_FC_LOCKED))
		return "IA32_FEATURE_CONTROL is not locked, so VMXON would fault; enable VT-x in the firmware";
	if (!(fc & VMXCAP_FC_VMX_OUTSIDE_SMX))
		return "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL); enable it in the BIOS setup";
	return NULL;
}

static const char *basic_missing(u64 basic)
{
	if (VMXCAP_BASIC_VMCS_SIZE(basic) > 4096)
		return "the VMCS is larger than a page";
	if (basic & VMXCAP_BASIC_32BIT_ADDRESSES)
		return "VMX structures are limited to 32-bit physical addresses";
	if (VMXCAP_BASIC_MEMTYPE(basic) != VMXCAP_BASIC_MEMTYPE_WB)
		return "the VMCS memory type is not write-back";
	return NULL;
}

static const char *ept_missing(u64 cap)
{
	if (!(cap & VMXCAP_EPT_PAGE_WALK_4))
		return "EPT does not support 4-level page walks";
	if (!(cap & VMXCAP_EPT_MEMTYPE_WB))
		return "EPT does not support write-back paging structures";
	if (!vmx_invept_type(cap))
		return "the CPU has no usable INVEPT";
	return NULL;
}

const char *vmx_caps_missing(const struct vmx_msrs *m)
{
	const char *why;

	if (!m->cpuid_vmx)
		return "the CPU has no VMX (CPUID.1:ECX.VMX is 0)";
	why = feature_control_missing(m->feature_control);
	if (why)
		return why;
	why = basic_missing(m->basic);
	if (why)
		return why;
	if (!may_set(m->procbased, VMXCAP_ACTIVATE_SECONDARY))
		return "the CPU has no secondary VM-execution controls";
	if (!may_set(m->procbased2, VMXCAP_SECONDARY_EPT))
		return "the CPU has no EPT";
	if (!may_set(m->procbased2, VMXCAP_SECONDARY_UG))
		return "the CPU has no unrestricted guest mode";
	return ept_missing(m->ept_vpid_cap);
}

/* Single-context INVEPT where the CPU has it, else all-context; 0: none. */
int vmx_invept_type(u64 ept_vpid_cap)
{
	if (!(ept_vpid_cap & VMXCAP_EPT_INVEPT))
		return 0;
	if (ept_vpid_cap & VMXCAP_EPT_INVEPT_SINGLE)
		return VMXCAP_INVEPT_SINGLE_CONTEXT;
	if (ept_vpid_cap & VMXCAP_EPT_INVEPT_ALL)
		return VMXCAP_INVEPT_ALL_CONTEXT;
	return 0;
}

int vmx_adjust_controls(u32 required, u32 optional, u64 cap_msr, u32 *ctl)
{
	u32 must_be_one = (u32)cap_msr;
	u32 may_be_one = (u32)(cap_msr >> 32);
	u32 want = required | optional;

	if ((required & may_be_one) != required)
		return -EIO;
	*ctl = (want & may_be_one) | must_be_one;
	return 0;
}
