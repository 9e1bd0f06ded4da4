// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs: the MSR bitmap (which accesses exit), the emulated set the
 * guest may read and write (anything else is #GP, as KVM does), and
 * KVM_GET/SET_MSRS and KVM_GET_MSR_INDEX_LIST for userspace.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/msr.h>

#include "../vmxlab.h"
#include "../mem.h"
#include "../irq/kernel/irqchip.h"
#include "../requests.h"
#include "vmx_ops.h"

#define MISC_ENABLE_DEFAULT	(MSR_IA32_MISC_ENABLE_FAST_STRING | \
				 MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | \
				 MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL)
#define MTRR_CAP_VALUE		(0x500 | 8)	/* fixed, WC, 8 variable */
#define MAX_IO_MSRS		256

/* The MSRs userspace saves and restores, as KVM_GET_MSR_INDEX_LIST says. */
static const u32 msrs_to_save[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_STAR, MSR_CSTAR, MSR_KERNEL_GS_BASE, MSR_SYSCALL_MASK, MSR_LSTAR,
	MSR_IA32_TSC, MSR_IA32_CR_PAT, MSR_TSC_AUX, MSR_IA32_MISC_ENABLE,
	MSR_EFER, MSR_IA32_TSC_ADJUST, MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CTL,
};

/* MSRs the VMCS or the load/put switch covers: the guest may touch them. */
static const struct {
	u32 index;
	bool read, write;
} passthrough_msrs[] = {
	{ MSR_FS_BASE, true, true },
	{ MSR_GS_BASE, true, true },
	{ MSR_KERNEL_GS_BASE, true, true },
	{ MSR_IA32_SYSENTER_CS, true, true },
	{ MSR_IA32_SYSENTER_ESP, true, true },
	{ MSR_IA32_SYSENTER_EIP, true, true },
	{ MSR_IA32_TSC, true, false },
};

static void bitmap_pass(unsigned long *bitmap, u32 msr, bool read, bool write)
{
	unsigned long base = msr >= 0xc0000000 ? 1024 * 8 : 0;
	u32 bit = msr & 0x1fff;

	if (read)
		__clear_bit(base + bit, bitmap);
	if (write)
		__clear_bit(2048 * 8 + base + bit, bitmap);
}

/*
 * Intercept everything but the passthrough MSRs, and those too where the
 * VM's MSR filter denies the access: it must exit to be refused. Called
 * at creation under vm->lock and, after KVM_X86_SET_MSR_FILTER, by the
 * vCPU itself before its next entry (VCPU_REQ_MSR_FILTER).
 */
void vmx_init_msr_bitmap(struct vmxlab_vcpu *vcpu)
{
	unsigned long *bitmap = vcpu->vmx.msr_bitmap;
	unsigned int i;

	memset(bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(passthrough_msrs); i++) {
		u32 index = passthrough_msrs[i].index;

		bitmap_pass(bitmap, index,
			    passthrough_msrs[i].read &&
			    vcpu_msr_allowed(vcpu, index, false),
			    passthrough_msrs[i].write &&
			    vcpu_msr_allowed(vcpu, index, true));
	}
}

static bool is_canonical(u64 addr)
{
	return (s64)(addr << 16) >> 16 == (s64)addr;
}

static bool pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

static u64 *mtrr_slot(struct vmxlab_vcpu *vcpu, u32 index)
{
	static const u32 fixed[] = {
		MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000,
		MSR_MTRRfix16K_A0000, MSR_MTRRfix4K_C0000,
		MSR_MTRRfix4K_C8000, MSR_MTRRfix4K_D0000,
		MSR_MTRRfix4K_D8000, MSR_MTRRfix4K_E0000,
		MSR_MTRRfix4K_E8000, MSR_MTRRfix4K_F0000,
		MSR_MTRRfix4K_F8000,
	};
	int i;

	if (index == MSR_MTRRdefType)
		return &vcpu->mtrr_def_type;
	if (index >= 0x200 && index < 0x210)
		return &vcpu->mtrr_var[index - 0x200];
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		if (fixed[i] == index)
			return &vcpu->mtrr_fixed[i];
	return NULL;
}

int vmx_get_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 *data, bool host)
{
	bool handled;
	u64 *mtrr;
	int err;

	err = irqchip_rdmsr(vcpu, index, data, &handled);
	if (handled)
		return err;
	if (vcpu_mce_get_msr(vcpu, index, data, host, &err) ||
	    vcpu_pvclock_get_msr(vcpu, index, data, host, &err))
		return err;
	if (vmx_swapped_msr_slot(index) >= 0) {
		/* The vCPU is loaded: the guest's value is in the CPU. */
		rdmsrl(index, *data);
		return 0;
	}
	switch (index) {
	case MSR_EFER:
		*data = vcpu->vmx.efer;
		return 0;
	case MSR_FS_BASE:
		*data = vmcs_read(GUEST_FS_BASE);
		return 0;
	case MSR_GS_BASE:
		*data = vmcs_read(GUEST_GS_BASE);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*data = vmcs_read32(GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*data = vmcs_read(GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*data = vmcs_read(GUEST_SYSENTER_EIP);
		return 0;
	case MSR_IA32_CR_PAT:
		*data = vmcs_read(GUEST_IA32_PAT);
		return 0;
	case MSR_IA32_TSC:
		*data = rdtsc() + vcpu->tsc_offset;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*data = vcpu->tsc_adjust;
		return 0;
	case MSR_IA32_APICBASE:
		*data = vcpu->apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*data = vcpu->misc_enable;
		return 0;
	case MSR_MTRRcap:
		*data = MTRR_CAP_VALUE;
		return 0;
	case MSR_IA32_UCODE_REV:
		*data = 0x100000000ULL;
		return 0;
	case MSR_IA32_FEAT_CTL:
		*data = FEAT_CTL_LOCKED;
		return 0;
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_DEBUGCTLMSR:
	case MSR_IA32_POWER_CTL:
		*data = 0;
		return 0;
	}
	mtrr = mtrr_slot(vcpu, index);
	if (mtrr) {
		*data = *mtrr;
		return 0;
	}
	return -ENOENT;		/* not an MSR vmxlab knows */
}

static int set_swapped_msr(u32 index, u64 data)
{
	switch (index) {
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
		if (!is_canonical(data))
			return -EINVAL;
		break;
	case MSR_TSC_AUX:
		if (data >> 32)
			return -EINVAL;
		break;
	case MSR_SYSCALL_MASK:
		data = (u32)data;
		break;
	}
	return wrmsrl_safe(index, data) ? -EINVAL : 0;
}

static int set_efer(struct vmxlab_vcpu *vcpu, u64 data, bool host)
{
	if (!host)
		return vmx_set_efer(vcpu, data);
	if (!vmx_efer_valid(data))
		return -EINVAL;
	vmx_write_efer(vcpu, data);
	return 0;
}

/* With the VMCS loaded: guest TSC = host TSC + @offset from the next entry. */
void vmx_set_tsc_offset(struct vmxlab_vcpu *vcpu, u64 offset)
{
	vcpu->tsc_offset = offset;
	vmcs_write(TSC_OFFSET, offset);
	vcpu_make_request(vcpu, VCPU_REQ_CLOCK_UPDATE);
}

/*
 * A guest's WRMSR to the TSC moves IA32_TSC_ADJUST by as much as it moved
 * the TSC (SDM vol. 3, 18.17.3); userspace restoring the TSC does not.
 */
static void set_tsc(struct vmxlab_vcpu *vcpu, u64 data, bool host)
{
	u64 old = vcpu->tsc_offset;

	vmx_set_tsc_offset(vcpu, data - rdtsc());
	if (!host)
		vcpu->tsc_adjust += vcpu->tsc_offset - old;
}

/*
 * A guest's WRMSR to IA32_TSC_ADJUST moves the TSC by the difference; as
 * KVM, a write from userspace only restores the value, and without the
 * CPUID bit the guest's write is ignored.
 */
static void set_tsc_adjust(struct vmxlab_vcpu *vcpu, u64 data, bool host)
{
	if (!host) {
		if (!vcpu_has_tsc_adjust(vcpu))
			return;
		vmx_set_tsc_offset(vcpu, vcpu->tsc_offset +
					 (data - vcpu->tsc_adjust));
	}
	vcpu->tsc_adjust = data;
}

int vmx_set_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 data, bool host)
{
	bool handled;
	u64 *mtrr;
	int err;

	err = irqchip_wrmsr(vcpu, index, data, host, &handled);
	if (handled)
		return err;
	if (vcpu_mce_set_msr(vcpu, index, data, host, &err) ||
	    vcpu_pvclock_set_msr(vcpu, index, data, host, &err))
		return err;
	if (vmx_swapped_msr_slot(index) >= 0)
		return set_swapped_msr(index, data);
	switch (index) {
	case MSR_EFER:
		return set_efer(vcpu, data, host);
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!is_canonical(data))
			return -EINVAL;
		vmcs_write(index == MSR_FS_BASE ? GUEST_FS_BASE :
			   index == MSR_GS_BASE ? GUEST_GS_BASE :
			   index == MSR_IA32_SYSENTER_ESP ? GUEST_SYSENTER_ESP :
			   GUEST_SYSENTER_EIP, data);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmcs_write(GUEST_SYSENTER_CS, data);
		return 0;
	case MSR_IA32_CR_PAT:
		if (!pat_valid(data))
			return -EINVAL;
		vmcs_write(GUEST_IA32_PAT, data);
		return 0;
	case MSR_IA32_TSC:
		set_tsc(vcpu, data, host);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		set_tsc_adjust(vcpu, data, host);
		return 0;
	case MSR_IA32_APICBASE:
		return irqchip_set_apic_base(vcpu, data, host);
	case MSR_IA32_MISC_ENABLE:
		vcpu->misc_enable = data;
		return 0;
	case MSR_IA32_UCODE_REV:
	case MSR_IA32_UCODE_WRITE:
		return 0;
	case MSR_IA32_DEBUGCTLMSR:
	case MSR_IA32_POWER_CTL:
		return data ? -EINVAL : 0;
	}
	mtrr = mtrr_slot(vcpu, index);
	if (mtrr) {
		*mtrr = data;
		return 0;
	}
	return -ENOENT;		/* not an MSR vmxlab knows */
}

void vcpu_reset_msrs(struct vmxlab_vcpu *vcpu)
{
	vcpu->misc_enable = MISC_ENABLE_DEFAULT;
	vcpu_mce_reset(vcpu);
	vcpu->apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			  (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
}

long vmxlab_get_msr_index_list(struct kvm_msr_list __user *ulist)
{
	struct kvm_msr_list list;
	u32 n = ARRAY_SIZE(msrs_to_save);
	u32 room;

	if (copy_from_user(&list, ulist, sizeof(list)))
		return -EFAULT;
	room = list.nmsrs;
	list.nmsrs = n;
	if (copy_to_user(ulist, &list, sizeof(list)))
		return -EFAULT;
	if (n > room)
		return -E2BIG;
	if (copy_to_user(ulist->indices, msrs_to_save, sizeof(msrs_to_save)))
		return -EFAULT;
	return 0;
}

/* KVM_GET/SET_MSRS: entries in order, stopping at the first refusal. */
int vcpu_msrs_ioctl(struct vmxlab_vcpu *vcpu, struct kvm_msrs __user *u,
		    bool set)
{
	struct kvm_msr_entry *entries;
	struct kvm_msrs hdr;
	int i, done = 0;

	if (copy_from_user(&hdr, u, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= MAX_IO_MSRS)
		return -E2BIG;
	entries = vmxlab_memdup_user(u->entries, hdr.nmsrs * sizeof(*entries));
	if (IS_ERR(entries))
		return PTR_ERR(entries);
	for (i = 0; i < hdr.nmsrs; i++, done++) {
		struct kvm_msr_entry *e = &entries[i];
		int err = set ? vmx_set_msr(vcpu, e->index, e->data, true) :
				vmx_get_msr(vcpu, e->index, &e->data, true);

		if (err)
			break;
	}
	if (!set && copy_to_user(u->entries, entries, done * sizeof(*entries)))
		done = -EFAULT;
	vmxlab_free(entries, hdr.nmsrs * sizeof(*entries));
	return done;
}
