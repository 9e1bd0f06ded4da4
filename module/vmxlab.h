/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxlab's core objects: the VM behind a VM file descriptor, and what the
 * character device and the VM code share.
 */
#ifndef VMXLAB_H
#define VMXLAB_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/types.h>

/* kvm_run page plus the PIO data page, as KVM lays out the vCPU mapping. */
#define VMXLAB_VCPU_MMAP_PAGES	2

struct vmxlab_vm {
	struct mutex lock;
};

int vmxlab_check_extension(long cap);
int vmxlab_create_vm(unsigned long type);

#endif
