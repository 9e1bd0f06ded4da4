/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbtest entry: the Multiboot header, our own GDT, a stack, and the
 * interrupt stubs (one per vector, each pushing its number). The real-mode
 * AP trampoline is here too, copied by main.c below 1 MiB.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	movl $stack_top, %esp
	movl %eax, boot_magic
	movl %ebx, boot_info
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %ss
	movw %cx, %fs
	movw %cx, %gs
	call mbtest_main
2:	cli
	hlt
	jmp 2b

/* Vector stubs, 16 bytes apart: push the vector, join the common path. */
	.align 16
	.globl irq_stubs
irq_stubs:
	vector = 0
	.rept 256
	.align 16
	pushl $vector
	jmp irq_common
	vector = vector + 1
	.endr

irq_common:
	pushal
	pushl 32(%esp)			/* the vector */
	call irq_dispatch
	addl $4, %esp
	popal
	addl $4, %esp
	iretl

	.data
	.align 8
gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* 0x08 code */
	.quad 0x00cf93000000ffff	/* 0x10 data */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.globl boot_magic, boot_info
boot_magic:	.long 0
boot_info:	.long 0

/*
 * The AP trampoline, copied to TRAMPOLINE (a page below 1 MiB) and
 * started there by SIPI in real mode: count this AP, then sleep.
 */
	.globl trampoline_start, trampoline_end
	.code16
trampoline_start:
	cli
	movw $0x7000, %ax
	movw %ax, %ds
	lock incl 0x0ff0		/* AP_COUNTER in main.c */
3:	hlt
	jmp 3b
trampoline_end:

/*
 * The bench's AP trampoline (vmxlab bench latency --source ipi), copied
 * to TRAMPOLINE like the one above: into protected mode on our GDT, then
 * ap_main() on a stack of its own.
 */
	.globl ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
	cli
	movw $0x7000, %ax
	movw %ax, %ds
	lgdtl ap_gdt_desc - ap_trampoline_start
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $ap_entry32
	.align 4
ap_gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt
ap_trampoline_end:
	.code32
ap_entry32:
	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %ss
	movw %cx, %fs
	movw %cx, %gs
	movl $ap_stack_top, %esp
	call ap_main
4:	cli
	hlt
	jmp 4b

	.bss
	.align 16
	.space 16384
stack_top:
	.space 8192
ap_stack_top:

	.section .note.GNU-stack, "", @progbits
