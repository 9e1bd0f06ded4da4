// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's control registers and EFER, which the VMCS splits between
 * what the guest believes (the read shadows, vcpu->vmx.cr0/cr4/efer) and
 * what the CPU runs with (VMX needs CR0.NE, CR4.VMXE; caching stays on);
 * and the PAE PDPTEs, which with EPT the VMCS holds (SDM vol. 3, 28.3.1.6).
 * MOV to CR, LMSW, CLTS, WRMSR to EFER and KVM_SET_SREGS all come here;
 * the checks only a guest's own MOV makes (CS.L, CR3's PCID) are in
 * vmx_guest_set_cr0/4(), so that KVM_SET_SREGS may restore any valid state.
 */
#include <asm/processor.h>

#include "../vmxlab.h"
#include "vmx_ops.h"

unsigned long vmx_read_cr0(struct vmxlab_vcpu *vcpu)
{
	return (vcpu->vmx.cr0 & ~X86_CR0_TS) |
	       (vmcs_read(GUEST_CR0) & X86_CR0_TS);
}

unsigned long vmx_read_cr4(struct vmxlab_vcpu *vcpu)
{
	return (vcpu->vmx.cr4 & ~VMX_GUEST_OWNED_CR4) |
	       (vmcs_read(GUEST_CR4) & VMX_GUEST_OWNED_CR4);
}

/* Before the VM has an EPT (vCPU creation) there is nothing cached. */
static void cr_flush_tlb(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->vm->mmu.eptp)
		vmx_flush_tlb(vcpu);
}

static bool pae_paging(struct vmxlab_vcpu *vcpu)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	return (vmx->cr0 & X86_CR0_PG) && (vmx->cr4 & X86_CR4_PAE) &&
	       !(vmx->efer & EFER_LMA);
}

/* With EPT, PAE paging outside long mode takes its PDPTEs from the VMCS. */
int vmx_load_pdptrs(struct vmxlab_vcpu *vcpu, unsigned long cr3)
{
	u64 pdpte[4];
	int i, err;

	err = mmu_read_gpa(vcpu->vm, cr3 & 0xffffffe0UL, pdpte, sizeof(pdpte));
	if (err)
		return err;
	for (i = 0; i < 4; i++) {
		/* Bits 2:1 and 8:5 are reserved in a present PDPTE. */
		if ((pdpte[i] & 1) && (pdpte[i] & 0x1e6))
			return -EINVAL;
	}
	for (i = 0; i < 4; i++)
		vmcs_write(GUEST_PDPTR0 + i * 2, pdpte[i]);
	return 0;
}

/* The one place EFER reaches the VMCS, with the IA-32e entry control. */
void vmx_write_efer(struct vmxlab_vcpu *vcpu, u64 efer)
{
	vcpu->vmx.efer = efer;
	vmcs_write(GUEST_IA32_EFER, efer);
	if (efer & EFER_LMA)
		vmcs_set_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	else
		vmcs_clear_bits(VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
}

/* MOV to CR0 as the guest would see it done; -EINVAL means #GP. */
int vmx_set_cr0(struct vmxlab_vcpu *vcpu, unsigned long cr0)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	unsigned long old = vmx->cr0;

	cr0 |= X86_CR0_ET;
	if (cr0 >> 32)
		return -EINVAL;
	if ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD))
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return -EINVAL;

	if ((cr0 & X86_CR0_PG) && !(old & X86_CR0_PG) &&
	    (vmx->efer & EFER_LME)) {
		if (!(vmx->cr4 & X86_CR4_PAE))
			return -EINVAL;
		vmx_write_efer(vcpu, vmx->efer | EFER_LMA);
	} else if (!(cr0 & X86_CR0_PG) && (vmx->efer & EFER_LMA)) {
		vmx_write_efer(vcpu, vmx->efer & ~EFER_LMA);
	}

	vmx->cr0 = cr0;
	vmcs_write(CR0_READ_SHADOW, cr0);
	/* Caching stays on in hardware; NE is required in VMX operation. */
	vmcs_write(GUEST_CR0, (cr0 & ~(X86_CR0_CD | X86_CR0_NW)) | X86_CR0_NE);
	/* The guest's MOV did not run: do the TLB flush it would have done. */
	if ((cr0 ^ old) & (X86_CR0_PG | X86_CR0_WP))
		cr_flush_tlb(vcpu);
	if (pae_paging(vcpu) && ((cr0 ^ old) & X86_CR0_PG))
		return vmx_load_pdptrs(vcpu, vmcs_read(GUEST_CR3));
	return 0;
}

#define CR4_SUPPORTED	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
			 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
			 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
			 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
			 X86_CR4_FSGSBASE | X86_CR4_PCIDE | X86_CR4_OSXSAVE | \
			 X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_UMIP)

/* CR4 bits whose change invalidates the TLB (SDM vol. 3, 4.10.4.1). */
#define CR4_FLUSH_BITS	(X86_CR4_PSE | X86_CR4_PAE | X86_CR4_SMEP | \
			 X86_CR4_SMAP)

/* The CR4 bits this vCPU may set at all: vmxlab's, the CPU's, its CPUID's. */
bool vmx_cr4_valid(struct vmxlab_vcpu *vcpu, unsigned long cr4)
{
	unsigned long host_ok = CR4_SUPPORTED & vmx_msrs_cr4_fixed1();

	return !(cr4 & ~(host_ok & vcpu_cr4_allowed(vcpu)));
}

int vmx_set_cr4(struct vmxlab_vcpu *vcpu, unsigned long cr4)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	unsigned long old = vmx->cr4;

	if (!vmx_cr4_valid(vcpu, cr4))
		return -EINVAL;
	if ((vmx->efer & EFER_LMA) && !(cr4 & X86_CR4_PAE))
		return -EINVAL;
	if ((cr4 & X86_CR4_PCIDE) && !(vmx->efer & EFER_LMA))
		return -EINVAL;

	vmx->cr4 = cr4;
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, cr4 | X86_CR4_VMXE);
	/* As for CR0; PCIDE 0->1 needs none (SDM vol. 3, 4.10.4.1). */
	if (((cr4 ^ old) & CR4_FLUSH_BITS) ||
	    ((old & X86_CR4_PCIDE) && !(cr4 & X86_CR4_PCIDE)))
		cr_flush_tlb(vcpu);
	if (pae_paging(vcpu) &&
	    ((cr4 ^ old) & (X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PSE)))
		return vmx_load_pdptrs(vcpu, vmcs_read(GUEST_CR3));
	return 0;
}

/*
 * MOV to CR0, CLTS and LMSW from the guest (SDM vol. 3, MOV CR): long mode
 * is entered only from a non-64-bit code segment, and CR0.PG never clears
 * in 64-bit mode or with CR4.PCIDE set. Anything else VM entry would
 * refuse is #GP here, as KVM does.
 */
int vmx_guest_set_cr0(struct vmxlab_vcpu *vcpu, unsigned long cr0)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	bool cs_l = vmcs_read32(GUEST_CS_AR_BYTES) & BIT(13);

	if ((cr0 & X86_CR0_PG) && !(vmx->cr0 & X86_CR0_PG) &&
	    (vmx->efer & EFER_LME) && cs_l)
		return -EINVAL;
	if (!(cr0 & X86_CR0_PG) &&
	    (vmx_guest_64bit_code(vcpu) || (vmx->cr4 & X86_CR4_PCIDE)))
		return -EINVAL;
	return vmx_set_cr0(vcpu, cr0);
}

/* MOV to CR4 from the guest: PCIDE 0->1 needs CR3[11:0] = 0 and IA-32e. */
int vmx_guest_set_cr4(struct vmxlab_vcpu *vcpu, unsigned long cr4)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	if ((cr4 & X86_CR4_PCIDE) && !(vmx->cr4 & X86_CR4_PCIDE) &&
	    (vmcs_read(GUEST_CR3) & 0xfff))
		return -EINVAL;
	return vmx_set_cr4(vcpu, cr4);
}

#define EFER_SUPPORTED	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

/* No reserved bits, and NX only where the host has it to give. */
bool vmx_efer_valid(u64 efer)
{
	if (efer & ~EFER_SUPPORTED)
		return false;
	return !(efer & EFER_NX) || boot_cpu_has(X86_FEATURE_NX);
}

/* WRMSR to EFER from the guest; LMA follows LME and CR0.PG. */
int vmx_set_efer(struct vmxlab_vcpu *vcpu, u64 efer)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	if (!vmx_efer_valid(efer))
		return -EINVAL;
	if ((vmx->cr0 & X86_CR0_PG) &&
	    ((efer ^ vmx->efer) & EFER_LME))
		return -EINVAL;
	vmx_write_efer(vcpu, (efer & ~EFER_LMA) | (vmx->efer & EFER_LMA));
	return 0;
}
