// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-linear memory as the vCPU sees it right now: the guest's paging
 * registers taken from the VMCS and handed to the portable walker
 * (module/mmu/walk.c), then guest-physical copies through the memory
 * slots. Used to fetch the instruction behind an MMIO exit and for the
 * operands of string I/O. A walk that fails becomes the #PF the guest
 * would have taken. Called with the vCPU loaded.
 */
#include <asm/traps.h>

#include "../vmxlab.h"
#include "vmx_ops.h"
#include "linear.h"

#define CPUID_ADDR_SIZES	0x80000008
#define DEFAULT_MAXPHYADDR	36

/* Page tables outside guest RAM cannot be walked: -ENXIO, not a #PF. */
static int read_guest_pte(void *opaque, u64 gpa, u64 *pte, unsigned int len)
{
	*pte = 0;
	return mmu_read_gpa(opaque, gpa, pte, len) ? -ENXIO : 0;
}

static int update_guest_pte(void *opaque, u64 gpa, u64 old, u64 new,
			    unsigned int len)
{
	int err = mmu_cmpxchg_gpa(opaque, gpa, old, new, len);

	return err && err != -EAGAIN ? -ENXIO : err;
}

static u8 guest_maxphyaddr(struct vmxlab_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e =
		vcpu_find_cpuid(vcpu, CPUID_ADDR_SIZES, 0);

	return e && (e->eax & 0xff) ? e->eax & 0xff : DEFAULT_MAXPHYADDR;
}

static void guest_paging_now(struct vmxlab_vcpu *vcpu, struct guest_paging *p)
{
	int i;

	p->cr0 = vmx_read_cr0(vcpu);
	p->cr3 = vmcs_read(GUEST_CR3);
	p->cr4 = vmx_read_cr4(vcpu);
	p->efer = vcpu->vmx.efer;
	for (i = 0; i < 4; i++)
		p->pdpte[i] = vmcs_read(GUEST_PDPTR0 + i * 2);
	p->rflags_ac = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_AC;
	p->maxphyaddr = guest_maxphyaddr(vcpu);
	p->read_pte = read_guest_pte;
	p->update_pte = update_guest_pte;
	p->opaque = vcpu->vm;
}

u32 vmx_access_kind(u32 access)
{
	return vmx_guest_cpl() == 3 ? access | PFERR_USER : access;
}

int vmx_linear_to_phys(struct vmxlab_vcpu *vcpu, u64 gva, u32 access,
		       u64 *gpa, struct guest_pf *pf)
{
	struct guest_paging p;

	guest_paging_now(vcpu, &p);
	return guest_walk(&p, gva, access, gpa, pf);
}

/*
 * Copy guest-linear memory page by page; stops at the first failure:
 * -EFAULT with the guest's #PF, or -ENXIO where the guest-physical page
 * is not RAM (MMIO) or its host mapping went away.
 */
static int copy_linear(struct vmxlab_vcpu *vcpu, u64 gva, void *buf,
		       unsigned int len, u32 access, struct guest_pf *pf)
{
	bool write = access & PFERR_WRITE;

	while (len) {
		unsigned int chunk = min_t(unsigned int, len,
					   PAGE_SIZE - (gva & ~PAGE_MASK));
		u64 gpa;
		int err;

		err = vmx_linear_to_phys(vcpu, gva, access, &gpa, pf);
		if (err)
			return err;
		if (write)
			err = mmu_write_gpa(vcpu->vm, gpa, buf, chunk);
		else
			err = mmu_read_gpa(vcpu->vm, gpa, buf, chunk);
		if (err)
			return -ENXIO;
		gva += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int vmx_read_linear(struct vmxlab_vcpu *vcpu, u64 gva, void *buf,
		    unsigned int len, u32 access, struct guest_pf *pf)
{
	return copy_linear(vcpu, gva, buf, len, access & ~PFERR_WRITE, pf);
}

int vmx_write_linear(struct vmxlab_vcpu *vcpu, u64 gva, const void *buf,
		     unsigned int len, u32 access, struct guest_pf *pf)
{
	return copy_linear(vcpu, gva, (void *)buf, len, access | PFERR_WRITE,
			   pf);
}

void vmx_inject_page_fault(struct vmxlab_vcpu *vcpu, const struct guest_pf *pf)
{
	vcpu->vmx.regs.cr2 = pf->address;
	vmx_inject_exception(vcpu, X86_TRAP_PF, true, pf->error_code);
}

/* In 64-bit mode only FS and GS have a base (SDM vol. 3, 3.4.4). */
u64 vmx_segment_base(struct vmxlab_vcpu *vcpu, int seg)
{
	if (vmx_guest_64bit_code(vcpu) && seg != VCPU_SREG_FS &&
	    seg != VCPU_SREG_GS)
		return 0;
	return vmcs_read(GUEST_ES_BASE + seg * 2);
}
