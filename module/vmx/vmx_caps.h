/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX capability checks, kept free of kernel calls so that host unit tests
 * can feed them any combination of MSR values.
 */
#ifndef VMXLAB_VMX_CAPS_H
#define VMXLAB_VMX_CAPS_H

#include "../portable.h"

/* The CPUID bit, MSRs and fields vmxlab needs before it may use VMX. */
struct vmx_msrs {
	bool cpuid_vmx;			/* CPUID.1:ECX bit 5 */
	u64 feature_control;		/* IA32_FEATURE_CONTROL (0x3a) */
	u64 basic;			/* IA32_VMX_BASIC (0x480) */
	u64 pinbased;			/* IA32_VMX_(TRUE_)PINBASED_CTLS */
	u64 procbased;			/* IA32_VMX_(TRUE_)PROCBASED_CTLS */
	u64 procbased2;			/* IA32_VMX_PROCBASED_CTLS2 (0x48b) */
	u64 exit;			/* IA32_VMX_(TRUE_)EXIT_CTLS */
	u64 entry;			/* IA32_VMX_(TRUE_)ENTRY_CTLS */
	u64 ept_vpid_cap;		/* IA32_VMX_EPT_VPID_CAP (0x48c) */
};

#define VMXCAP_FC_LOCKED			BIT_ULL(0)
#define VMXCAP_FC_VMX_OUTSIDE_SMX		BIT_ULL(2)

#define VMXCAP_BASIC_REVISION_MASK		0x7fffffffULL
#define VMXCAP_BASIC_VMCS_SIZE(b)		(((b) >> 32) & 0x1fff)
#define VMXCAP_BASIC_32BIT_ADDRESSES	BIT_ULL(48)
#define VMXCAP_BASIC_MEMTYPE(b)		(((b) >> 50) & 0xf)
#define VMXCAP_BASIC_MEMTYPE_WB		6
#define VMXCAP_BASIC_TRUE_CTLS		BIT_ULL(55)

#define VMXCAP_ACTIVATE_SECONDARY	BIT(31)
#define VMXCAP_SECONDARY_EPT		BIT(1)
#define VMXCAP_SECONDARY_VPID		BIT(5)
#define VMXCAP_SECONDARY_UG	BIT(7)

#define VMXCAP_EPT_PAGE_WALK_4		BIT_ULL(6)
#define VMXCAP_EPT_MEMTYPE_WB		BIT_ULL(14)
#define VMXCAP_EPT_2MB_PAGE		BIT_ULL(16)
#define VMXCAP_EPT_INVEPT			BIT_ULL(20)
#define VMXCAP_EPT_INVEPT_SINGLE		BIT_ULL(25)
#define VMXCAP_EPT_INVEPT_ALL		BIT_ULL(26)

/* INVEPT types (the instruction's register operand). */
#define VMXCAP_INVEPT_SINGLE_CONTEXT	1
#define VMXCAP_INVEPT_ALL_CONTEXT	2

/*
 * The INVEPT type vmxlab uses on this CPU: single-context where it
 * exists, else all-context; 0 if the CPU has neither.
 */
int vmx_invept_type(u64 ept_vpid_cap);

/*
 * Return NULL if the CPU has everything vmxlab requires, or a short
 * sentence naming the first thing missing.
 */
const char *vmx_caps_missing(const struct vmx_msrs *m);

/*
 * Compute a VM-execution control word from its capability MSR: the low
 * 32 bits are the allowed-0 settings (bits that must be 1), the high 32
 * the allowed-1 settings (bits that may be 1). Every bit of @required
 * must be settable or -EIO is returned; bits of @optional are set where
 * the CPU allows them.
 */
int vmx_adjust_controls(u32 required, u32 optional, u64 cap_msr, u32 *ctl);

#endif
