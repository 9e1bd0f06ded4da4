/* SPDX-License-Identifier: GPL-2.0 */
/* Guest-linear memory access through the guest's page tables. */
#ifndef VMXLAB_WALK_H
#define VMXLAB_WALK_H

#include <linux/types.h>

struct vmxlab_vcpu;

int guest_linear_to_phys(struct vmxlab_vcpu *vcpu, u64 gva, u64 *gpa);
int guest_read_linear(struct vmxlab_vcpu *vcpu, u64 gva, void *buf,
		      unsigned int len);
int guest_write_linear(struct vmxlab_vcpu *vcpu, u64 gva, const void *buf,
		       unsigned int len);

#endif
