// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: a guest access to a guest-physical address with no RAM behind it.
 * The EPT violation gives the address; the instruction, fetched through
 * the guest's page tables and decoded by module/emul/insn.c, gives the
 * size, direction and register. An in-kernel device (ioeventfd, LAPIC,
 * IOAPIC) may take the access; otherwise it goes to userspace as
 * KVM_EXIT_MMIO, and a read completes on the next KVM_RUN.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/kvm.h>

#include "../vmxlab.h"
#include "../io_bus.h"
#include "vmx_ops.h"
#include "linear.h"
#include "exits.h"

static enum mmio_insn_mode guest_insn_mode(struct vmxlab_vcpu *vcpu)
{
	u32 cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if (!(vcpu->vmx.cr0 & X86_CR0_PE) ||
	    (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_VM))
		return MMIO_INSN_REAL;
	if (vmx_guest_64bit_code(vcpu))
		return MMIO_INSN_LONG64;
	return (cs_ar & BIT(14)) ? MMIO_INSN_PROT32 : MMIO_INSN_PROT16;
}

static int emulation_failed(struct vmxlab_vcpu *vcpu, const u8 *bytes,
			    unsigned int len, int err)
{
	u64 data[3] = { vmcs_read(GUEST_RIP), 0, 0 };

	memcpy(&data[1], bytes, min_t(unsigned int, len, MMIO_INSN_MAX_LEN));
	pr_info_ratelimited("vcpu%u: cannot emulate MMIO access at rip %#llx: %s\n",
			    vcpu->id, data[0], mmio_insn_strerror(err));
	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION, 3, data);
}

/* The linear address of the byte @off bytes after CS:RIP. */
static u64 code_linear(struct vmxlab_vcpu *vcpu, enum mmio_insn_mode mode,
		       unsigned int off)
{
	u64 la = vmcs_read(GUEST_RIP) + off;

	if (mode == MMIO_INSN_LONG64)
		return la;
	return (u32)(vmcs_read(GUEST_CS_BASE) + la);
}

/*
 * Fetch the instruction at CS:RIP: at most 15 bytes, in at most two
 * reads, because its tail may lie on a page the guest has not mapped.
 * Returns the bytes fetched (0 if none, with *pf set when the guest
 * should take a #PF for the first page, *tail_pf for the second).
 */
static unsigned int fetch_insn(struct vmxlab_vcpu *vcpu,
			       enum mmio_insn_mode mode, u8 *bytes,
			       struct guest_pf *pf, int *err,
			       struct guest_pf *tail_pf, int *tail_err)
{
	u32 access = vmx_access_kind(PFERR_FETCH);
	u64 la = code_linear(vcpu, mode, 0);
	unsigned int first = min_t(unsigned int, MMIO_INSN_MAX_LEN,
				   PAGE_SIZE - (la & ~PAGE_MASK));

	*tail_err = 0;
	*err = vmx_read_linear(vcpu, la, bytes, first, access, pf);
	if (*err)
		return 0;
	if (first == MMIO_INSN_MAX_LEN)
		return first;
	*tail_err = vmx_read_linear(vcpu, code_linear(vcpu, mode, first),
				    bytes + first, MMIO_INSN_MAX_LEN - first,
				    access, tail_pf);
	return *tail_err ? first : MMIO_INSN_MAX_LEN;
}

/* An instruction we could not fetch whole: its #PF, or a failure. */
static int fetch_failed(struct vmxlab_vcpu *vcpu, const u8 *bytes,
			unsigned int len, int err, const struct guest_pf *pf)
{
	if (err == -EFAULT) {
		vmx_inject_page_fault(vcpu, pf);
		return 1;
	}
	return emulation_failed(vcpu, bytes, len, -MMIO_INSN_ETRUNCATED);
}

/* One dispatch: whatever in-kernel device the VM has at @gpa. */
static bool mmio_to_device(struct vmxlab_vcpu *vcpu, u64 gpa,
			   struct mmio_insn *insn, u64 *value)
{
	if (insn->is_write)
		return !io_bus_write(vcpu, IO_BUS_MMIO, gpa, insn->size, *value);
	return !io_bus_read(vcpu, IO_BUS_MMIO, gpa, insn->size, value);
}

static void mmio_advance(struct vmxlab_vcpu *vcpu, unsigned int len)
{
	u64 rip = vmcs_read(GUEST_RIP) + len;

	vmcs_write(GUEST_RIP, vmx_guest_64bit_code(vcpu) ? rip : (u32)rip);
}

static void mmio_exit(struct vmxlab_vcpu *vcpu, u64 gpa,
		      const struct mmio_insn *insn, u64 value)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = insn->size;
	run->mmio.is_write = insn->is_write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (insn->is_write) {
		memcpy(run->mmio.data, &value, insn->size);
		mmio_advance(vcpu, insn->len);
		vcpu->completion = COMPLETE_NONE;
	} else {
		vcpu->completion = COMPLETE_MMIO_READ;
	}
}

int vmx_emulate_mmio(struct vmxlab_vcpu *vcpu, u64 gpa)
{
	enum mmio_insn_mode mode = guest_insn_mode(vcpu);
	struct mmio_insn *insn = &vcpu->mmio;
	u64 *gpr = vcpu->vmx.regs.gpr;
	u8 bytes[MMIO_INSN_MAX_LEN] = {};
	struct guest_pf pf, tail_pf;
	int err, tail_err;
	unsigned int len;
	u64 value = 0;

	len = fetch_insn(vcpu, mode, bytes, &pf, &err, &tail_pf, &tail_err);
	if (!len)
		return fetch_failed(vcpu, bytes, 0, err, &pf);
	err = mmio_insn_decode(insn, bytes, len, mode);
	if (err == -MMIO_INSN_ETRUNCATED && tail_err)
		return fetch_failed(vcpu, bytes, len, tail_err, &tail_pf);
	if (err || (insn->is_read && insn->is_write))
		return emulation_failed(vcpu, bytes, len,
					err ?: -MMIO_INSN_EUNSUPPORTED);

	gpr[VCPU_RSP] = vmcs_read(GUEST_RSP);
	if (insn->is_write)
		value = mmio_insn_store_value(insn, gpr);
	if (mmio_to_device(vcpu, gpa, insn, &value)) {
		if (!insn->is_write) {
			mmio_insn_complete_read(insn, gpr, value);
			vmcs_write(GUEST_RSP, gpr[VCPU_RSP]);
		}
		mmio_advance(vcpu, insn->len);
		return 1;
	}
	mmio_exit(vcpu, gpa, insn, value);
	return 0;
}

/* A read that userspace served: the value lands as the instruction says. */
void vmx_complete_mmio_read(struct vmxlab_vcpu *vcpu)
{
	u64 *gpr = vcpu->vmx.regs.gpr;
	u64 value = 0;

	memcpy(&value, vcpu->run->mmio.data, vcpu->mmio.size);
	gpr[VCPU_RSP] = vmcs_read(GUEST_RSP);
	mmio_insn_complete_read(&vcpu->mmio, gpr, value);
	vmcs_write(GUEST_RSP, gpr[VCPU_RSP]);
	mmio_advance(vcpu, vcpu->mmio.len);
}
