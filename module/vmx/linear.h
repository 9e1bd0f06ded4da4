/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-linear memory access for the exit handlers (linear.c): through
 * the guest's page tables with the guest's access rights; -EFAULT means
 * the guest takes the #PF described in *pf, -ENXIO that the memory is
 * not guest RAM.
 */
#ifndef VMXLAB_VMX_LINEAR_H
#define VMXLAB_VMX_LINEAR_H

#include "../mmu/walk.h"

struct vmxlab_vcpu;

/* @access with PFERR_USER added when the guest runs at CPL 3. */
u32 vmx_access_kind(u32 access);

int vmx_linear_to_phys(struct vmxlab_vcpu *vcpu, u64 gva, u32 access,
		       u64 *gpa, struct guest_pf *pf);
int vmx_read_linear(struct vmxlab_vcpu *vcpu, u64 gva, void *buf,
		    unsigned int len, u32 access, struct guest_pf *pf);
int vmx_write_linear(struct vmxlab_vcpu *vcpu, u64 gva, const void *buf,
		     unsigned int len, u32 access, struct guest_pf *pf);
void vmx_inject_page_fault(struct vmxlab_vcpu *vcpu,
			   const struct guest_pf *pf);

/* String instructions: segment bases and how index registers wrap. */
u64 vmx_segment_base(struct vmxlab_vcpu *vcpu, int seg);

static inline u64 vmx_addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : (1ULL << (addr_size * 8)) - 1;
}

#endif
