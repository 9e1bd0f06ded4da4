/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What irq_host_user.c needs from the irqchip modes that run models in
 * the launcher.
 */
#ifndef VMXLAB_USER_IRQ_USER_H
#define VMXLAB_USER_IRQ_USER_H

#include <stdint.h>

void irq_user_kick_vcpu(void *vcpu);
uint32_t irq_user_tsc_khz(void *vcpu);
/* The vCPU's TSC now (host TSC plus its offset, where the device says). */
uint64_t irq_user_guest_tsc(void *vcpu, uint64_t host_tsc);

#endif
