// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_REGS and KVM_GET/SET_SREGS: the guest's registers as KVM's
 * structures describe them, converted to and from the VMCS encoding
 * (segment access rights, CR read shadows, EFER and the IA-32e entry
 * control). Called with the vCPU loaded.
 */
#include <linux/kvm.h>

#include "../vmxlab.h"
#include "vmx_ops.h"

/* Where each GPR the VMCS does not hold sits in struct kvm_regs. */
static const struct {
	enum vmx_gpr reg;
	size_t offset;
} kvm_regs_layout[] = {
#define KVM_REG(name, reg) { VCPU_##reg, offsetof(struct kvm_regs, name) }
	KVM_REG(rax, RAX), KVM_REG(rbx, RBX), KVM_REG(rcx, RCX),
	KVM_REG(rdx, RDX), KVM_REG(rsi, RSI), KVM_REG(rdi, RDI),
	KVM_REG(rbp, RBP), KVM_REG(r8, R8), KVM_REG(r9, R9),
	KVM_REG(r10, R10), KVM_REG(r11, R11), KVM_REG(r12, R12),
	KVM_REG(r13, R13), KVM_REG(r14, R14), KVM_REG(r15, R15),
#undef KVM_REG
};

static __u64 *kvm_reg(struct kvm_regs *regs, int i)
{
	return (void *)regs + kvm_regs_layout[i].offset;
}

void vmx_get_regs(struct vmxlab_vcpu *vcpu, struct kvm_regs *regs)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(kvm_regs_layout); i++)
		*kvm_reg(regs, i) = vcpu->vmx.regs.gpr[kvm_regs_layout[i].reg];
	regs->rsp = vmcs_read(GUEST_RSP);
	regs->rip = vmcs_read(GUEST_RIP);
	regs->rflags = vmcs_read(GUEST_RFLAGS);
}

void vmx_set_regs(struct vmxlab_vcpu *vcpu, const struct kvm_regs *regs)
{
	struct kvm_regs *in = (struct kvm_regs *)regs;
	int i;

	for (i = 0; i < ARRAY_SIZE(kvm_regs_layout); i++)
		vcpu->vmx.regs.gpr[kvm_regs_layout[i].reg] = *kvm_reg(in, i);
	vmcs_write(GUEST_RSP, regs->rsp);
	vmcs_write(GUEST_RIP, regs->rip);
	vmcs_write(GUEST_RFLAGS, regs->rflags | X86_EFLAGS_FIXED);
}

/* Field offsets from ES, which the VMCS lays out per segment register. */
static const unsigned long segment_field[] = {
	GUEST_CS_SELECTOR, GUEST_DS_SELECTOR, GUEST_ES_SELECTOR,
	GUEST_FS_SELECTOR, GUEST_GS_SELECTOR, GUEST_SS_SELECTOR,
	GUEST_TR_SELECTOR, GUEST_LDTR_SELECTOR,
};

#define VMX_AR_UNUSABLE		BIT(16)

static void get_segment(unsigned long sel_field, struct kvm_segment *s)
{
	unsigned long off = sel_field - GUEST_ES_SELECTOR;
	u32 ar = vmcs_read32(GUEST_ES_AR_BYTES + off);

	s->selector = vmcs_read(sel_field);
	s->base = vmcs_read(GUEST_ES_BASE + off);
	s->limit = vmcs_read32(GUEST_ES_LIMIT + off);
	s->type = ar & 15;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->unusable = !!(ar & VMX_AR_UNUSABLE);
	s->padding = 0;
}

static u32 segment_access_rights(const struct kvm_segment *s)
{
	if (s->unusable || !s->present)
		return VMX_AR_UNUSABLE;
	return (s->type & 15) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
	       (s->present & 1) << 7 | (s->avl & 1) << 12 | (s->l & 1) << 13 |
	       (s->db & 1) << 14 | (s->g & 1) << 15;
}

static void set_segment(unsigned long sel_field, const struct kvm_segment *s)
{
	unsigned long off = sel_field - GUEST_ES_SELECTOR;

	vmcs_write(sel_field, s->selector);
	vmcs_write(GUEST_ES_BASE + off, s->base);
	vmcs_write(GUEST_ES_LIMIT + off, s->limit);
	vmcs_write(GUEST_ES_AR_BYTES + off, segment_access_rights(s));
}

static struct kvm_segment *sregs_segment(struct kvm_sregs *sregs, int i)
{
	struct kvm_segment *order[] = {
		&sregs->cs, &sregs->ds, &sregs->es, &sregs->fs, &sregs->gs,
		&sregs->ss, &sregs->tr, &sregs->ldt,
	};

	return order[i];
}

void vmx_get_sregs(struct vmxlab_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	int i;

	memset(sregs, 0, sizeof(*sregs));
	for (i = 0; i < ARRAY_SIZE(segment_field); i++)
		get_segment(segment_field[i], sregs_segment(sregs, i));
	sregs->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read32(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read32(GUEST_IDTR_LIMIT);
	sregs->cr0 = vmx_read_cr0(vcpu);
	sregs->cr2 = vmx->regs.cr2;
	sregs->cr3 = vmcs_read(GUEST_CR3);
	sregs->cr4 = vmx_read_cr4(vcpu);
	sregs->cr8 = vcpu->cr8;
	sregs->efer = vmx->efer;
	sregs->apic_base = vcpu->apic_base;
}

/*
 * The checks KVM_SET_SREGS makes before touching anything, so that what
 * it accepts always enters: KVM's, plus EFER's reserved bits (KVM masks
 * those on the way to the CPU; vmxlab refuses them).
 */
bool vmx_sregs_valid(struct vmxlab_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	bool paging = sregs->cr0 & X86_CR0_PG;

	if ((sregs->cr0 & X86_CR0_PG) && !(sregs->cr0 & X86_CR0_PE))
		return false;
	if ((sregs->cr0 & X86_CR0_NW) && !(sregs->cr0 & X86_CR0_CD))
		return false;
	if (sregs->cr0 >> 32 || sregs->cr4 & X86_CR4_VMXE)
		return false;
	if (!vmx_cr4_valid(vcpu, sregs->cr4) || !vmx_efer_valid(sregs->efer))
		return false;
	if ((sregs->efer & EFER_LME) && paging) {
		if (!(sregs->cr4 & X86_CR4_PAE) || !(sregs->efer & EFER_LMA))
			return false;
		if (sregs->cs.l && sregs->cs.db)
			return false;
	} else if (sregs->efer & EFER_LMA) {
		return false;
	}
	/* VM entry refuses PCIDE outside IA-32e mode (SDM 26.3.1.1). */
	if ((sregs->cr4 & X86_CR4_PCIDE) && !(sregs->efer & EFER_LMA))
		return false;
	return true;
}

int vmx_set_sregs(struct vmxlab_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;
	struct kvm_sregs copy = *sregs;
	int i, err;

	for (i = 0; i < ARRAY_SIZE(segment_field); i++)
		set_segment(segment_field[i], sregs_segment(&copy, i));
	vmcs_write(GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sregs->idt.limit);
	vmx->regs.cr2 = sregs->cr2;
	vmcs_write(GUEST_CR3, sregs->cr3);
	vcpu->cr8 = sregs->cr8 & 15;

	/*
	 * Userspace sets LMA itself: take EFER as given, but let the CR
	 * checks see the mode being entered, not the one being left.
	 */
	vmx_write_efer(vcpu, sregs->efer);
	vmx->cr0 = sregs->cr0;
	err = vmx_set_cr4(vcpu, sregs->cr4);
	if (err)
		return err;
	vmx->cr0 = 0;
	vmx->efer &= ~EFER_LMA;
	err = vmx_set_cr0(vcpu, sregs->cr0);
	vmx_write_efer(vcpu, sregs->efer);
	if (err)
		return err;
	/* Any change of paging mode invalidates cached guest translations. */
	vmx_flush_tlb(vcpu);
	return 0;
}

/* KVM_GET_DEBUGREGS: DR0-DR3, DR6 and DR7 as the guest would read them. */
void vmx_get_debugregs(struct vmxlab_vcpu *vcpu, struct kvm_debugregs *d)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	memset(d, 0, sizeof(*d));
	memcpy(d->db, vmx->dr, sizeof(d->db));
	d->dr6 = vmx->dr6;
	d->dr7 = vmx->dr7;
}

/* KVM_SET_DEBUGREGS: as KVM, no flags, and DR6/DR7 fit in 32 bits. */
int vmx_set_debugregs(struct vmxlab_vcpu *vcpu, const struct kvm_debugregs *d)
{
	struct vmx_vcpu *vmx = &vcpu->vmx;

	if (d->flags || (d->dr6 >> 32) || (d->dr7 >> 32))
		return -EINVAL;
	memcpy(vmx->dr, d->db, sizeof(vmx->dr));
	vmx->dr6 = d->dr6;
	vmx->dr7 = d->dr7;
	vmcs_write(GUEST_DR7, d->dr7);
	return 0;
}
