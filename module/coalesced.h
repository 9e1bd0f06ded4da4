/* SPDX-License-Identifier: GPL-2.0 */
/* Coalesced MMIO and PIO zones and their ring (coalesced.c). */
#ifndef VMXLAB_COALESCED_H
#define VMXLAB_COALESCED_H

struct vmxlab_vm;

int vm_coalesced_init(struct vmxlab_vm *vm);
void vm_coalesced_destroy(struct vmxlab_vm *vm);
long vm_coalesced_ioctl(struct vmxlab_vm *vm, unsigned int ioctl,
			void __user *argp);

#endif
