/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The run loop (run.c): what the ioctl code starts, what the interrupt
 * side calls to reach a vCPU, and the policies the exit handlers of the
 * engine defer to (halting, interrupt windows, the TSC deadline).
 */
#ifndef VMXLAB_RUN_H
#define VMXLAB_RUN_H

#include <linux/types.h>

struct vmxlab_vcpu;

/* KVM_RUN after the pending completion: 0 (kvm_run filled) or -errno. */
int vcpu_run_loop(struct vmxlab_vcpu *vcpu);

/* Something is due for @vcpu: make it look, in or out of the guest. */
void vcpu_kick(struct vmxlab_vcpu *vcpu);
/* Split irqchip: report the EOI of @vector to userspace before entering. */
void vcpu_eoi_exit(struct vmxlab_vcpu *vcpu, u8 vector);

bool vcpu_is_blocked(struct vmxlab_vcpu *vcpu);
void vcpu_deadline_to_host_timer(struct vmxlab_vcpu *vcpu);

/* For exit handlers; RESUME_GUEST or EXIT_TO_USERSPACE. */
int vcpu_halt(struct vmxlab_vcpu *vcpu);
int vcpu_irq_window_open(struct vmxlab_vcpu *vcpu);
bool vcpu_accepts_user_pic(struct vmxlab_vcpu *vcpu);
void vcpu_deadline_due(struct vmxlab_vcpu *vcpu);

#endif
