/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and exit: load the guest GPRs and CR2, VMLAUNCH or VMRESUME,
 * and at the exit (HOST_RIP) store them back. Everything else about host
 * and guest state is handled in C around this call, with IRQs off.
 *
 * int vmx_enter_guest(struct vmx_guest_regs *regs, bool launched)
 *   returns 0 after a VM exit, 1 if the entry instruction failed.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#include "vmenter.h"

SYM_FUNC_START(vmx_enter_guest)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* The exit finds regs at 8(HOST_RSP); the launched flag sits below. */
	push	%rdi
	push	%rsi

	mov	$VMENTER_VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax

	/* Guest CR2; writing it is slow on real CPUs, so only on change. */
	mov	VMENTER_CR2(%rdi), %rax
	mov	%cr2, %rdx
	cmp	%rax, %rdx
	je	1f
	mov	%rax, %cr2
1:
	mov	VMENTER_RAX(%rdi), %rax
	mov	VMENTER_RCX(%rdi), %rcx
	mov	VMENTER_RDX(%rdi), %rdx
	mov	VMENTER_RBX(%rdi), %rbx
	mov	VMENTER_RBP(%rdi), %rbp
	mov	VMENTER_RSI(%rdi), %rsi
	mov	VMENTER_R8(%rdi), %r8
	mov	VMENTER_R9(%rdi), %r9
	mov	VMENTER_R10(%rdi), %r10
	mov	VMENTER_R11(%rdi), %r11
	mov	VMENTER_R12(%rdi), %r12
	mov	VMENTER_R13(%rdi), %r13
	mov	VMENTER_R14(%rdi), %r14
	mov	VMENTER_R15(%rdi), %r15
	mov	VMENTER_RDI(%rdi), %rdi

	/* Flush CPU buffers (MDS and relatives) where the host asks for it. */
	VM_CLEAR_CPU_BUFFERS

	cmpb	$0, (%rsp)
	/* Control returns at vmx_guest_exit, not after the entry instruction. */
	UNWIND_HINT_SAVE
	jne	.Lresume
.Llaunch:
	vmlaunch
	jmp	.Lentry_failed
.Lresume:
	vmresume
	jmp	.Lentry_failed

	_ASM_EXTABLE(.Llaunch, .Lentry_failed)
	_ASM_EXTABLE(.Lresume, .Lentry_failed)

SYM_INNER_LABEL(vmx_guest_exit, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push	%rdi
	mov	16(%rsp), %rdi

	mov	%rax, VMENTER_RAX(%rdi)
	mov	%rcx, VMENTER_RCX(%rdi)
	mov	%rdx, VMENTER_RDX(%rdi)
	mov	%rbx, VMENTER_RBX(%rdi)
	mov	%rbp, VMENTER_RBP(%rdi)
	mov	%rsi, VMENTER_RSI(%rdi)
	mov	%r8, VMENTER_R8(%rdi)
	mov	%r9, VMENTER_R9(%rdi)
	mov	%r10, VMENTER_R10(%rdi)
	mov	%r11, VMENTER_R11(%rdi)
	mov	%r12, VMENTER_R12(%rdi)
	mov	%r13, VMENTER_R13(%rdi)
	mov	%r14, VMENTER_R14(%rdi)
	mov	%r15, VMENTER_R15(%rdi)
	popq	VMENTER_RDI(%rdi)
	mov	%cr2, %rax
	mov	%rax, VMENTER_CR2(%rdi)

	/* Guest-controlled return addresses must not steer host returns. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	xor	%eax, %eax
	jmp	.Lout

.Lentry_failed:
	mov	$1, %eax

.Lout:
	/* Leave no guest values in caller-saved registers. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$16, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(vmx_enter_guest)
