/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX instructions as C functions. A VMX instruction that faults
 * (#UD/#GP: VMX turned off underneath us) or fails (VMfail) is reported
 * once and returns an error or zero rather than crashing the host.
 */
#ifndef VMXLAB_VMX_OPS_H
#define VMXLAB_VMX_OPS_H

#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

#include "../vmx_insn.h"

void vmx_insn_failed(const char *insn, unsigned long field);

static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long value;

	asm goto("1: vmread %[field], %[value]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : [value] "=r"(value) : [field] "r"(field) : "cc" : fail);
	return value;
fail:
	vmx_insn_failed("vmread", field);
	return 0;
}

static __always_inline void vmcs_write(unsigned long field, unsigned long value)
{
	asm goto("1: vmwrite %[value], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [field] "r"(field), [value] "rm"(value) : "cc" : fail);
	return;
fail:
	vmx_insn_failed("vmwrite", field);
}

static __always_inline u32 vmcs_read32(unsigned long field)
{
	return vmcs_read(field);
}

static inline void vmcs_set_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read(field) | bits);
}

static inline void vmcs_clear_bits(unsigned long field, u32 bits)
{
	vmcs_write(field, vmcs_read(field) & ~bits);
}

static inline int vmcs_clear(u64 vmcs_pa)
{
	if (vmclear_insn(vmcs_pa))
		return 0;
	vmx_insn_failed("vmclear", 0);
	return -EIO;
}

static inline int vmcs_load(u64 vmcs_pa)
{
	if (vmptrld_insn(vmcs_pa))
		return 0;
	vmx_insn_failed("vmptrld", 0);
	return -EIO;
}

#define INVVPID_SINGLE_CONTEXT	1

static inline void vpid_flush(u16 vpid)
{
	if (!invvpid_insn(INVVPID_SINGLE_CONTEXT, vpid, 0))
		vmx_insn_failed("invvpid", INVVPID_SINGLE_CONTEXT);
}

#endif
