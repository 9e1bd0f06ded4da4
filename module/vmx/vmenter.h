/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What vmenter.S needs to know of the C side, as plain numbers the
 * assembler can use: where each guest register sits in struct
 * vmx_guest_regs, and the encoding of the VMCS field HOST_RSP.
 * vmenter_check.c checks every number against the C definitions at
 * build time, so the two cannot drift apart.
 */
#ifndef VMXLAB_VMX_VMENTER_H
#define VMXLAB_VMX_VMENTER_H

#define VMENTER_RAX		(0 * 8)
#define VMENTER_RCX		(1 * 8)
#define VMENTER_RDX		(2 * 8)
#define VMENTER_RBX		(3 * 8)
#define VMENTER_RBP		(5 * 8)
#define VMENTER_RSI		(6 * 8)
#define VMENTER_RDI		(7 * 8)
#define VMENTER_R8		(8 * 8)
#define VMENTER_R9		(9 * 8)
#define VMENTER_R10		(10 * 8)
#define VMENTER_R11		(11 * 8)
#define VMENTER_R12		(12 * 8)
#define VMENTER_R13		(13 * 8)
#define VMENTER_R14		(14 * 8)
#define VMENTER_R15		(15 * 8)
#define VMENTER_CR2		(16 * 8)

#define VMENTER_VMCS_HOST_RSP	0x6c14

#endif
