// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID: what vmxlab can offer a guest (KVM_GET_SUPPORTED_CPUID, the
 * host's CPUID less what vmxlab does not virtualize, never VMX itself,
 * and the KVM leaves at 0x40000000 with kvmclock),
 * the table userspace sets per vCPU (KVM_SET_CPUID2), and the CPUID exit
 * answered from that table.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/fpu/xcr.h>
#include <asm/kvm_para.h>
#include <asm/processor.h>

#include "vmxlab.h"
#include "mem.h"

#define MAX_BASIC_LEAF		0xd
#define MAX_EXT_LEAF		0x80000008
#define SUPPORTED_CPUID_MAX	96
#define VMXLAB_XCR0_MASK	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | \
				 XFEATURE_MASK_YMM | XFEATURE_MASK_AVX512)

/* Feature bits vmxlab passes through when the host has them. */
#define LEAF1_ECX_OK	(BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | BIT(17) | \
			 BIT(19) | BIT(20) | BIT(22) | BIT(23) | BIT(25) | \
			 BIT(26) | BIT(28) | BIT(29) | BIT(30))
#define LEAF1_EDX_OK	(BIT(0) | BIT(1) | BIT(2) | BIT(3) | BIT(4) | \
			 BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(9) | \
			 BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(15) | \
			 BIT(16) | BIT(17) | BIT(19) | BIT(23) | BIT(24) | \
			 BIT(25) | BIT(26) | BIT(27) | BIT(28))
#define LEAF7_EBX_OK	(BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | \
			 BIT(9) | BIT(10) | BIT(16) | BIT(17) | BIT(18) | \
			 BIT(19) | BIT(20) | BIT(21) | BIT(23) | BIT(24) | \
			 BIT(26) | BIT(27) | BIT(28) | BIT(29) | BIT(30) | \
			 BIT(31))
#define LEAF7_ECX_OK	(BIT(1) | BIT(2) | BIT(6) | BIT(8) | BIT(9) | \
			 BIT(10) | BIT(11) | BIT(12) | BIT(14) | BIT(22))
#define LEAF7_EDX_OK	(BIT(2) | BIT(3) | BIT(4) | BIT(14))
#define EXT1_ECX_OK	(BIT(0) | BIT(5) | BIT(8))
#define EXT1_EDX_OK	(BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29))
#define CPUID_HYPERVISOR	BIT(31)
#define CPUID_OSXSAVE		BIT(27)

struct cpuid_table {
	struct kvm_cpuid_entry2 *e;
	int nent, max;
};

static struct kvm_cpuid_entry2 *add_leaf(struct cpuid_table *t, u32 func,
					 u32 index, bool indexed)
{
	struct kvm_cpuid_entry2 *e;

	if (t->nent >= t->max)
		return NULL;
	e = &t->e[t->nent++];
	memset(e, 0, sizeof(*e));
	e->function = func;
	e->index = index;
	if (indexed)
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	cpuid_count(func, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	return e;
}

u64 vmxlab_supported_xcr0(void)
{
	return vmx_host_xcr0() & VMXLAB_XCR0_MASK;
}

static void mask_basic(struct kvm_cpuid_entry2 *e)
{
	u64 xcr0 = vmxlab_supported_xcr0();

	switch (e->function) {
	case 0:
		e->eax = min_t(u32, e->eax, MAX_BASIC_LEAF);
		break;
	case 1:
		/* x2APIC is emulated by the in-kernel LAPIC, as KVM says. */
		e->ecx = (e->ecx & LEAF1_ECX_OK) | CPUID_HYPERVISOR | BIT(21);
		if (!xcr0)
			e->ecx &= ~(BIT(26) | BIT(28));
		e->edx &= LEAF1_EDX_OK;
		e->ebx &= 0x0000ffff;
		/* CR4.PCIDE must be one the CPU lets a guest set. */
		if (!(vmx_msrs_cr4_fixed1() & X86_CR4_PCIDE))
			e->ecx &= ~BIT(17);
		break;
	case 7:
		if (e->index == 0) {
			e->eax = 0;
			e->ebx &= LEAF7_EBX_OK;
			/* TSC_ADJUST is emulated (msr.c); INVPCID runs natively. */
			e->ebx |= BIT(1);
			if (!vmx_has_invpcid())
				e->ebx &= ~BIT(10);
			e->ecx &= LEAF7_ECX_OK;
			e->edx &= LEAF7_EDX_OK;
		} else {
			e->eax = e->ebx = e->ecx = e->edx = 0;
		}
		break;
	case 0xd:
		if (e->index == 0) {
			e->eax = (u32)xcr0;
			e->edx = xcr0 >> 32;
		} else if (e->index == 1) {
			e->eax &= BIT(0) | BIT(1) | BIT(2);
			e->ebx = e->ecx = e->edx = 0;
		}
		break;
	}
}

static void mask_extended(struct kvm_cpuid_entry2 *e)
{
	switch (e->function) {
	case 0x80000000:
		e->eax = min_t(u32, e->eax, MAX_EXT_LEAF);
		break;
	case 0x80000001:
		e->ecx &= EXT1_ECX_OK;
		e->edx &= EXT1_EDX_OK;
		break;
	case 0x80000007:
		e->eax = e->ebx = e->ecx = 0;
		e->edx &= BIT(8);
		break;
	case 0x80000008:
		e->ebx = e->ecx = e->edx = 0;
		break;
	}
}

static void add_subleaves(struct cpuid_table *t, u32 func)
{
	struct kvm_cpuid_entry2 *e;
	u32 i;

	switch (func) {
	case 4:
		for (i = 0; i < 8; i++) {
			e = add_leaf(t, func, i, true);
			if (!e || !(e->eax & 0x1f))
				break;
		}
		break;
	case 7:
		add_leaf(t, func, 0, true);
		break;
	case 0xb:
		for (i = 0; i < 4; i++) {
			e = add_leaf(t, func, i, true);
			if (!e || !(e->ecx & 0xff00))
				break;
		}
		break;
	case 0xd:
		add_leaf(t, func, 0, true);
		add_leaf(t, func, 1, true);
		for (i = 2; i < 64; i++)
			if (vmxlab_supported_xcr0() & BIT_ULL(i))
				add_leaf(t, func, i, true);
		break;
	}
}

/*
 * The KVM leaves: the signature, and kvmclock (pvclock.c) through both
 * MSR pairs; NOP_IO_DELAY because no port needs the guest's delays.
 */
static void add_kvm_leaves(struct cpuid_table *t)
{
	struct kvm_cpuid_entry2 *e;

	e = add_leaf(t, KVM_CPUID_SIGNATURE, 0, false);
	if (!e)
		return;
	e->eax = KVM_CPUID_FEATURES;
	memcpy(&e->ebx, "KVMK", 4);
	memcpy(&e->ecx, "VMKV", 4);
	memcpy(&e->edx, "M\0\0\0", 4);
	e = add_leaf(t, KVM_CPUID_FEATURES, 0, false);
	if (!e)
		return;
	e->eax = BIT(KVM_FEATURE_CLOCKSOURCE) | BIT(KVM_FEATURE_NOP_IO_DELAY) |
		 BIT(KVM_FEATURE_CLOCKSOURCE2);
	e->ebx = 0;
	e->ecx = 0;
	e->edx = 0;
}

static void build_supported(struct cpuid_table *t)
{
	u32 max, func;
	int i, first;

	max = min_t(u32, cpuid_eax(0), MAX_BASIC_LEAF);
	for (func = 0; func <= max; func++) {
		if (func == 4 || func == 7 || func == 0xb || func == 0xd)
			add_subleaves(t, func);
		else if (func == 5 || func == 6 || func == 0xa)
			continue;	/* MONITOR, power and PMU: not offered */
		else
			add_leaf(t, func, 0, false);
	}
	first = t->nent;
	max = min_t(u32, cpuid_eax(0x80000000), MAX_EXT_LEAF);
	for (func = 0x80000000; func <= max; func++)
		add_leaf(t, func, 0, false);
	for (i = 0; i < first; i++)
		mask_basic(&t->e[i]);
	for (; i < t->nent; i++)
		mask_extended(&t->e[i]);
	add_kvm_leaves(t);
}

long vmxlab_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid)
{
	struct cpuid_table t = { .max = SUPPORTED_CPUID_MAX };
	struct kvm_cpuid2 hdr;
	long err = 0;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	t.e = vmxlab_zalloc_array(t.max, sizeof(*t.e));
	if (!t.e)
		return -ENOMEM;
	build_supported(&t);
	if (hdr.nent < t.nent) {
		err = -E2BIG;
		goto out;
	}
	hdr.nent = t.nent;
	if (copy_to_user(ucpuid, &hdr, sizeof(hdr)) ||
	    copy_to_user(ucpuid->entries, t.e, t.nent * sizeof(*t.e)))
		err = -EFAULT;
out:
	vmxlab_free(t.e, t.max * sizeof(*t.e));
	return err;
}

int vcpu_set_cpuid2(struct vmxlab_vcpu *vcpu, struct kvm_cpuid2 __user *u)
{
	struct kvm_cpuid_entry2 *entries = NULL;
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > VMXLAB_MAX_CPUID)
		return -E2BIG;
	if (hdr.nent) {
		entries = vmxlab_memdup_user(u->entries,
					     hdr.nent * sizeof(*entries));
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	if (vcpu->ran) {
		bool same = hdr.nent == vcpu->cpuid_nent &&
			    (!hdr.nent || !memcmp(entries, vcpu->cpuid,
						  hdr.nent * sizeof(*entries)));

		vmxlab_free(entries, hdr.nent * sizeof(*entries));
		return same ? 0 : -EINVAL;
	}
	vmxlab_free(vcpu->cpuid, vcpu->cpuid_nent * sizeof(*entries));
	vcpu->cpuid = entries;
	vcpu->cpuid_nent = hdr.nent;
	return 0;
}

int vcpu_get_cpuid2(struct vmxlab_vcpu *vcpu, struct kvm_cpuid2 __user *u)
{
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < vcpu->cpuid_nent) {
		hdr.nent = vcpu->cpuid_nent;
		return copy_to_user(u, &hdr, sizeof(hdr)) ? -EFAULT : -E2BIG;
	}
	hdr.nent = vcpu->cpuid_nent;
	if (copy_to_user(u, &hdr, sizeof(hdr)) ||
	    copy_to_user(u->entries, vcpu->cpuid,
			 vcpu->cpuid_nent * sizeof(*vcpu->cpuid)))
		return -EFAULT;
	return 0;
}

const struct kvm_cpuid_entry2 *vcpu_find_cpuid(struct vmxlab_vcpu *vcpu,
					       u32 function, u32 index)
{
	int i;

	for (i = 0; i < vcpu->cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &vcpu->cpuid[i];

		if (e->function != function)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != index)
			continue;
		return e;
	}
	return NULL;
}

static bool cpuid_bit(struct vmxlab_vcpu *vcpu, u32 function, int reg,
		      int bit)
{
	const struct kvm_cpuid_entry2 *e = vcpu_find_cpuid(vcpu, function, 0);
	u32 regs[4];

	if (!e)
		return false;
	regs[0] = e->eax;
	regs[1] = e->ebx;
	regs[2] = e->ecx;
	regs[3] = e->edx;
	return regs[reg] & BIT(bit);
}

/* CR4 bits whose features the guest's CPUID offers; others are #GP. */
unsigned long vcpu_cr4_allowed(struct vmxlab_vcpu *vcpu)
{
	unsigned long allowed = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD |
				X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |
				X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE |
				X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	if (cpuid_bit(vcpu, 1, 2, 26))
		allowed |= X86_CR4_OSXSAVE;
	if (cpuid_bit(vcpu, 1, 2, 17))
		allowed |= X86_CR4_PCIDE;
	if (cpuid_bit(vcpu, 7, 1, 0))
		allowed |= X86_CR4_FSGSBASE;
	if (cpuid_bit(vcpu, 7, 1, 7))
		allowed |= X86_CR4_SMEP;
	if (cpuid_bit(vcpu, 7, 1, 20))
		allowed |= X86_CR4_SMAP;
	if (cpuid_bit(vcpu, 7, 2, 2))
		allowed |= X86_CR4_UMIP;
	return allowed;
}

bool vcpu_has_tsc_adjust(struct vmxlab_vcpu *vcpu)
{
	return cpuid_bit(vcpu, 7, 1, 1);
}

bool vcpu_has_x2apic(struct vmxlab_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = vcpu_find_cpuid(vcpu, 1, 0);

	return e && (e->ecx & BIT(21));
}

u64 vcpu_supported_xcr0(struct vmxlab_vcpu *vcpu)
{
	const struct kvm_cpuid_entry2 *e = vcpu_find_cpuid(vcpu, 0xd, 0);

	if (!e)
		return XFEATURE_MASK_FP;
	return (e->eax | ((u64)e->edx << 32)) & vmxlab_supported_xcr0();
}

/* Bytes of XSAVE area the enabled components need (standard format). */
static u32 xsave_size(struct vmxlab_vcpu *vcpu, u64 xcr0)
{
	u32 size = 512 + 64;
	int i;

	for (i = 2; i < 64; i++) {
		const struct kvm_cpuid_entry2 *e;

		if (!(xcr0 & BIT_ULL(i)))
			continue;
		e = vcpu_find_cpuid(vcpu, 0xd, i);
		if (e && e->eax + e->ebx > size)
			size = e->eax + e->ebx;
	}
	return size;
}

/*
 * Out-of-range leaves return the highest basic leaf, as Intel CPUs do.
 * OSXSAVE and the XSAVE size follow the guest's CR4 and XCR0.
 */
void vcpu_cpuid(struct vmxlab_vcpu *vcpu, u32 *eax, u32 *ebx, u32 *ecx,
		u32 *edx)
{
	u32 function = *eax, index = *ecx;
	const struct kvm_cpuid_entry2 *e = vcpu_find_cpuid(vcpu, function,
							   index);
	const struct kvm_cpuid_entry2 *max;

	if (!e) {
		max = vcpu_find_cpuid(vcpu, function & 0x80000000, 0);
		if (max && function > max->eax) {
			max = vcpu_find_cpuid(vcpu, 0, 0);
			if (max)
				e = vcpu_find_cpuid(vcpu, max->eax, index);
		}
	}
	if (!e) {
		*eax = *ebx = *ecx = *edx = 0;
		return;
	}
	*eax = e->eax;
	*ebx = e->ebx;
	*ecx = e->ecx;
	*edx = e->edx;
	function = e->function;
	index = e->index;
	if (function == 1) {
		*ecx &= ~CPUID_OSXSAVE;
		if (vcpu->vmx.cr4 & X86_CR4_OSXSAVE)
			*ecx |= CPUID_OSXSAVE;
	} else if (function == 0xd && index == 0) {
		*ebx = xsave_size(vcpu, vcpu->vmx.xcr0);
	}
}
