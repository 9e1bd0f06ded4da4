/* SPDX-License-Identifier: GPL-2.0 */
/* KVM_IRQFD and KVM_IOEVENTFD (eventfd.c). */
#ifndef VMXLAB_EVENTFD_H
#define VMXLAB_EVENTFD_H

#include <linux/types.h>

struct vmxlab_vm;

void vm_eventfds_init(struct vmxlab_vm *vm);
void vm_eventfds_destroy(struct vmxlab_vm *vm);
long vm_irqfd(struct vmxlab_vm *vm, void __user *argp);
long vm_ioeventfd(struct vmxlab_vm *vm, void __user *argp);
void irqfd_resample_eoi(struct vmxlab_vm *vm, u8 vector,
			int (*pin_vector)(struct vmxlab_vm *vm, u32 pin));

#endif
