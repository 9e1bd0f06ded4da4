// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory as the guest addresses it: guest-physical accesses through
 * the memory slots, and guest-linear ones through a walk of the guest's
 * own page tables (none, 32-bit, PAE or 4-level). Used to fetch the
 * instruction behind an MMIO exit and the operands of string I/O.
 */
#include <linux/kvm.h>
#include <linux/uaccess.h>

#include "../vmxlab.h"
#include "../vmx/vmx_ops.h"
#include "walk.h"

#define PTE_PRESENT	BIT_ULL(0)
#define PTE_LARGE	BIT_ULL(7)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

static int read_pte(struct vmxlab_vm *vm, u64 gpa, u64 *pte, bool wide)
{
	u32 pte32;
	int err;

	if (wide)
		return mmu_read_gpa(vm, gpa, pte, 8);
	err = mmu_read_gpa(vm, gpa, &pte32, 4);
	*pte = pte32;
	return err;
}

/* 4-level and PAE walks; PAE starts from the PDPTE in the VMCS. */
static int walk_wide(struct vmxlab_vcpu *vcpu, u64 gva, u64 *gpa, bool lm)
{
	int level = lm ? 4 : 2;
	u64 table, pte;
	int err;

	if (lm) {
		table = vmcs_read(GUEST_CR3) & PTE_ADDR_MASK;
	} else {
		pte = vmcs_read(GUEST_PDPTR0 + ((gva >> 30) & 3) * 2);
		if (!(pte & PTE_PRESENT))
			return -EFAULT;
		table = pte & PTE_ADDR_MASK;
	}
	for (; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		u64 index = (gva >> shift) & 511;

		err = read_pte(vcpu->vm, table + index * 8, &pte, true);
		if (err)
			return err;
		if (!(pte & PTE_PRESENT))
			return -EFAULT;
		if (level > 1 && level < 4 && (pte & PTE_LARGE)) {
			u64 mask = (1ULL << shift) - 1;

			*gpa = ((pte & PTE_ADDR_MASK) & ~mask) | (gva & mask);
			return 0;
		}
		table = pte & PTE_ADDR_MASK;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

static int walk_32bit(struct vmxlab_vcpu *vcpu, u64 gva, u64 *gpa)
{
	u64 pde, pte;
	int err;

	err = read_pte(vcpu->vm, (vmcs_read(GUEST_CR3) & 0xfffff000) +
		       ((gva >> 22) & 1023) * 4, &pde, false);
	if (err)
		return err;
	if (!(pde & PTE_PRESENT))
		return -EFAULT;
	if ((pde & PTE_LARGE) && (vcpu->vmx.cr4 & X86_CR4_PSE)) {
		*gpa = (pde & 0xffc00000) | ((pde & 0x1fe000) << 19) |
		       (gva & 0x3fffff);
		return 0;
	}
	err = read_pte(vcpu->vm, (pde & 0xfffff000) + ((gva >> 12) & 1023) * 4,
		       &pte, false);
	if (err)
		return err;
	if (!(pte & PTE_PRESENT))
		return -EFAULT;
	*gpa = (pte & 0xfffff000) | (gva & 0xfff);
	return 0;
}

int guest_linear_to_phys(struct vmxlab_vcpu *vcpu, u64 gva, u64 *gpa)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	if (!(vmx->cr0 & X86_CR0_PG)) {
		*gpa = (u32)gva;
		return 0;
	}
	if (vmx->efer & EFER_LMA)
		return walk_wide(vcpu, gva, gpa, true);
	if (vmx->cr4 & X86_CR4_PAE)
		return walk_wide(vcpu, (u32)gva, gpa, false);
	return walk_32bit(vcpu, (u32)gva, gpa);
}

/* Copy guest-linear memory, page by page; -EFAULT if a page is unmapped. */
static int guest_copy_linear(struct vmxlab_vcpu *vcpu, u64 gva, void *buf,
			     unsigned int len, bool write)
{
	while (len) {
		unsigned int chunk = min_t(unsigned int, len,
					   PAGE_SIZE - (gva & ~PAGE_MASK));
		u64 gpa;
		int err;

		err = guest_linear_to_phys(vcpu, gva, &gpa);
		if (!err && write)
			err = mmu_write_gpa(vcpu->vm, gpa, buf, chunk);
		else if (!err)
			err = mmu_read_gpa(vcpu->vm, gpa, buf, chunk);
		if (err)
			return err;
		gva += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int guest_read_linear(struct vmxlab_vcpu *vcpu, u64 gva, void *buf,
		      unsigned int len)
{
	return guest_copy_linear(vcpu, gva, buf, len, false);
}

int guest_write_linear(struct vmxlab_vcpu *vcpu, u64 gva, const void *buf,
		       unsigned int len)
{
	return guest_copy_linear(vcpu, gva, (void *)buf, len, true);
}
