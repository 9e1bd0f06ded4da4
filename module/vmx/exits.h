/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the exit handlers of module/vmx/ share: the handlers that live in
 * their own files (port I/O, MMIO), the completions that finish their
 * instructions after userspace, and the common ways to end a handler.
 * A handler returns 1 to resume the guest, 0 after filling struct
 * kvm_run for userspace, or -errno.
 */
#ifndef VMXLAB_VMX_EXITS_H
#define VMXLAB_VMX_EXITS_H

#include <linux/types.h>

struct vmxlab_vcpu;

int vmx_skip_and_resume(struct vmxlab_vcpu *vcpu);
int vmx_internal_error(struct vmxlab_vcpu *vcpu, u32 suberror, int ndata,
		       const u64 *data);

/* pio.c */
int vmx_handle_io(struct vmxlab_vcpu *vcpu);

/* mmio.c: an access to a guest-physical address with no RAM behind it. */
int vmx_emulate_mmio(struct vmxlab_vcpu *vcpu, u64 gpa);

#endif
