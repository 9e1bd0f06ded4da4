// SPDX-License-Identifier: GPL-2.0
/*
 * Machine-check architecture of a vCPU, as KVM models it: MCG_CAP chosen
 * by userspace (KVM_X86_SETUP_MCE, within KVM_X86_GET_MCE_CAP_SUPPORTED),
 * MCG_STATUS, MCG_CTL and the MCi_CTL/STATUS/ADDR/MISC banks as plain
 * storage. No machine check is ever raised: the banks exist so that guests
 * and VMMs (QEMU writes them all at every reset) find them where the CPU
 * model says they are.
 */
#include <linux/kvm.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>
#include <asm/mce.h>
#include <asm/msr-index.h>

#include "vmxlab.h"

/* As KVM: MCG_CAP bits userspace may set besides the bank count. */
#define MCE_CAP_SUPPORTED	(MCG_CTL_P | MCG_SER_P)
#define MCG_CAP_BANKS		0xffULL
#define MCG_CAP_EXT_CNT		0xff0000ULL	/* MCG_EXT_CNT, storage only */

long vmxlab_get_mce_cap_supported(u64 __user *ucap)
{
	u64 cap = MCE_CAP_SUPPORTED;

	return copy_to_user(ucap, &cap, sizeof(cap)) ? -EFAULT : 0;
}

/* As KVM at vCPU creation: every bank present, MCG_CTL absent. */
void vcpu_mce_reset(struct vmxlab_vcpu *vcpu)
{
	vcpu->mcg_cap = VMXLAB_MCE_BANKS;
}

int vcpu_setup_mce(struct vmxlab_vcpu *vcpu, u64 __user *ucap)
{
	unsigned int banks, i;
	u64 cap;

	if (copy_from_user(&cap, ucap, sizeof(cap)))
		return -EFAULT;
	banks = cap & MCG_CAP_BANKS;
	if (!banks || banks > VMXLAB_MCE_BANKS)
		return -EINVAL;
	if (cap & ~(MCE_CAP_SUPPORTED | MCG_CAP_BANKS | MCG_CAP_EXT_CNT))
		return -EINVAL;
	vcpu->mcg_cap = cap;
	if (cap & MCG_CTL_P)
		vcpu->mcg_ctl = ~0ULL;
	for (i = 0; i < banks; i++)
		vcpu->mce_banks[i * 4] = ~0ULL;
	return 0;
}

static unsigned int nr_banks(struct vmxlab_vcpu *vcpu)
{
	return vcpu->mcg_cap & MCG_CAP_BANKS;
}

static bool is_bank_msr(struct vmxlab_vcpu *vcpu, u32 index)
{
	return index >= MSR_IA32_MC0_CTL &&
	       index < MSR_IA32_MC0_CTL + 4 * nr_banks(vcpu);
}

/* Returns true if @index is an MCA MSR; *err is then 0 or -EINVAL. */
bool vcpu_mce_get_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 *data,
		      bool host, int *err)
{
	*err = 0;
	if (index == MSR_IA32_MCG_CAP) {
		*data = vcpu->mcg_cap;
	} else if (index == MSR_IA32_MCG_STATUS) {
		*data = vcpu->mcg_status;
	} else if (index == MSR_IA32_MCG_CTL) {
		if (!(vcpu->mcg_cap & MCG_CTL_P) && !host)
			*err = -EINVAL;
		*data = vcpu->mcg_ctl;
	} else if (is_bank_msr(vcpu, index)) {
		u32 i = array_index_nospec(index - MSR_IA32_MC0_CTL,
					   4 * VMXLAB_MCE_BANKS);

		*data = vcpu->mce_banks[i];
	} else {
		return false;
	}
	return true;
}

/*
 * As KVM: MCG_CTL and MCi_CTL hold 0 or all ones (bits 0 and 10 of MCi_CTL
 * may be clear, for old guests); only the host puts a non-zero MCi_STATUS.
 */
static int set_bank(struct vmxlab_vcpu *vcpu, u32 offset, u64 data, bool host)
{
	offset = array_index_nospec(offset, 4 * VMXLAB_MCE_BANKS);
	if ((offset & 3) == 0 && data && (data | BIT_ULL(10) | 1) != ~0ULL)
		return -EINVAL;
	if ((offset & 3) == 1 && data && !host)
		return -EINVAL;
	vcpu->mce_banks[offset] = data;
	return 0;
}

/* Returns true if @index is an MCA MSR; *err is then 0 or -EINVAL. */
bool vcpu_mce_set_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 data,
		      bool host, int *err)
{
	*err = 0;
	if (index == MSR_IA32_MCG_CAP) {
		*err = -EINVAL;		/* read-only, as in KVM */
	} else if (index == MSR_IA32_MCG_STATUS) {
		vcpu->mcg_status = data;
	} else if (index == MSR_IA32_MCG_CTL) {
		if ((!(vcpu->mcg_cap & MCG_CTL_P) && (data || !host)) ||
		    (data && data != ~0ULL))
			*err = -EINVAL;
		else
			vcpu->mcg_ctl = data;
	} else if (is_bank_msr(vcpu, index)) {
		*err = set_bank(vcpu, index - MSR_IA32_MC0_CTL, data, host);
	} else {
		return false;
	}
	return true;
}
