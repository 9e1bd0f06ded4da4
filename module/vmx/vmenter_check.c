// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time checks that the numbers vmenter.S uses (vmenter.h) are the
 * C layout's: a mismatch fails the build here instead of corrupting
 * guest registers at run time. Nothing in this file ends up in the module.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>

#include "vmx.h"
#include "vmenter.h"

#define CHECK_GPR(reg)							\
	static_assert(offsetof(struct vmx_guest_regs, gpr[VCPU_##reg]) ==	\
		      VMENTER_##reg)

CHECK_GPR(RAX);
CHECK_GPR(RCX);
CHECK_GPR(RDX);
CHECK_GPR(RBX);
CHECK_GPR(RBP);
CHECK_GPR(RSI);
CHECK_GPR(RDI);
CHECK_GPR(R8);
CHECK_GPR(R9);
CHECK_GPR(R10);
CHECK_GPR(R11);
CHECK_GPR(R12);
CHECK_GPR(R13);
CHECK_GPR(R14);
CHECK_GPR(R15);
static_assert(offsetof(struct vmx_guest_regs, cr2) == VMENTER_CR2);
static_assert(VMENTER_VMCS_HOST_RSP == HOST_RSP);
/* vmenter.S finds the registers at the start of struct vmx_vcpu. */
static_assert(offsetof(struct vmx_vcpu, regs) == 0);
