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

#define VMCS_HOST_RSP	0x6c14

/* Offsets in struct vmx_guest_regs (enum vmx_gpr order). */
#define G_RAX	(0 * 8)
#define G_RCX	(1 * 8)
#define G_RDX	(2 * 8)
#define G_RBX	(3 * 8)
#define G_RBP	(5 * 8)
#define G_RSI	(6 * 8)
#define G_RDI	(7 * 8)
#define G_R8	(8 * 8)
#define G_R9	(9 * 8)
#define G_R10	(10 * 8)
#define G_R11	(11 * 8)
#define G_R12	(12 * 8)
#define G_R13	(13 * 8)
#define G_R14	(14 * 8)
#define G_R15	(15 * 8)
#define G_CR2	(16 * 8)


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

	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax

	/* Guest CR2; writing it is slow on real CPUs, so only on change. */
	mov	G_CR2(%rdi), %rax
	mov	%cr2, %rdx
	cmp	%rax, %rdx
	je	1f
	mov	%rax, %cr2
1:
	mov	G_RAX(%rdi), %rax
	mov	G_RCX(%rdi), %rcx
	mov	G_RDX(%rdi), %rdx
	mov	G_RBX(%rdi), %rbx
	mov	G_RBP(%rdi), %rbp
	mov	G_RSI(%rdi), %rsi
	mov	G_R8(%rdi), %r8
	mov	G_R9(%rdi), %r9
	mov	G_R10(%rdi), %r10
	mov	G_R11(%rdi), %r11
	mov	G_R12(%rdi), %r12
	mov	G_R13(%rdi), %r13
	mov	G_R14(%rdi), %r14
	mov	G_R15(%rdi), %r15
	mov	G_RDI(%rdi), %rdi

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

	mov	%rax, G_RAX(%rdi)
	mov	%rcx, G_RCX(%rdi)
	mov	%rdx, G_RDX(%rdi)
	mov	%rbx, G_RBX(%rdi)
	mov	%rbp, G_RBP(%rdi)
	mov	%rsi, G_RSI(%rdi)
	mov	%r8, G_R8(%rdi)
	mov	%r9, G_R9(%rdi)
	mov	%r10, G_R10(%rdi)
	mov	%r11, G_R11(%rdi)
	mov	%r12, G_R12(%rdi)
	mov	%r13, G_R13(%rdi)
	mov	%r14, G_R14(%rdi)
	mov	%r15, G_R15(%rdi)
	popq	G_RDI(%rdi)
	mov	%cr2, %rax
	mov	%rax, G_CR2(%rdi)

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
