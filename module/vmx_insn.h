/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wrappers of the VMX instructions that take a memory operand, for the
 * engine (module/vmx/: VMCLEAR, VMPTRLD, INVVPID) and for EPT
 * (module/mmu/: INVEPT), which share nothing else. Each returns true on
 * success and false if the instruction failed (VMfail) or faulted (VMX
 * turned off underneath): the caller says what failed.
 */
#ifndef VMXLAB_VMX_INSN_H
#define VMXLAB_VMX_INSN_H

#include <linux/types.h>
#include <asm/asm.h>

/* VMCLEAR, VMPTRLD: the physical address of a VMCS. */
#define DEFINE_VMCS_PTR_INSN(name, mnemonic)				\
static inline bool name(u64 vmcs_pa)					\
{									\
	asm goto("1: " mnemonic " %[pa]\n\t"				\
		 "jna %l[fail]\n\t"					\
		 _ASM_EXTABLE(1b, %l[fail])				\
		 : : [pa] "m"(vmcs_pa) : "cc", "memory" : fail);	\
	return true;							\
fail:									\
	return false;							\
}

/* INVEPT, INVVPID: a type in a register and a 128-bit descriptor. */
#define DEFINE_INVALIDATE_INSN(name, mnemonic)				\
static inline bool name(unsigned long type, u64 desc_lo, u64 desc_hi)	\
{									\
	struct {							\
		u64 lo, hi;						\
	} desc = { desc_lo, desc_hi };					\
									\
	asm goto("1: " mnemonic " %[desc], %[type]\n\t"		\
		 "jna %l[fail]\n\t"					\
		 _ASM_EXTABLE(1b, %l[fail])				\
		 : : [desc] "m"(desc), [type] "r"(type)			\
		 : "cc", "memory" : fail);				\
	return true;							\
fail:									\
	return false;							\
}

DEFINE_VMCS_PTR_INSN(vmclear_insn, "vmclear")
DEFINE_VMCS_PTR_INSN(vmptrld_insn, "vmptrld")
DEFINE_INVALIDATE_INSN(invept_insn, "invept")
DEFINE_INVALIDATE_INSN(invvpid_insn, "invvpid")

#endif
