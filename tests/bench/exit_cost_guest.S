/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest code of the exit-cost benchmark, run in real mode at GPA 0x1000.
 * In: ESI = iterations, BX = 0 (CPUID), 1 (VMCALL) or 2 (OUT to port
 * 0xe0). It reads the TSC before and after the loop and leaves the two
 * values at GPA 0x600 and 0x608, then halts.
 */
	.section .rodata
	.code16
	.globl exit_cost_guest, exit_cost_guest_end
exit_cost_guest:
	mov	%esi, %ebp
	rdtsc
	mov	%eax, 0x600
	mov	%edx, 0x604
	cmp	$1, %bx
	je	vmcall_loop
	cmp	$2, %bx
	je	pio_loop
cpuid_loop:
	xor	%eax, %eax
	cpuid
	dec	%ebp
	jnz	cpuid_loop
	jmp	done
vmcall_loop:
	mov	$0x7fff, %eax		/* no such hypercall: -KVM_ENOSYS */
	vmcall
	dec	%ebp
	jnz	vmcall_loop
	jmp	done
pio_loop:
	out	%al, $0xe0
	dec	%ebp
	jnz	pio_loop
done:
	rdtsc
	mov	%eax, 0x608
	mov	%edx, 0x60c
	hlt
exit_cost_guest_end:
	.code64
	.section .note.GNU-stack,"",@progbits
