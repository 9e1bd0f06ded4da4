// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO: a guest access to a guest-physical address with no RAM behind it.
 * The EPT violation gives the address; the instruction, fetched through
 * the guest's page tables and decoded by module/emul/insn.c, gives the
 * size, direction and register. An in-kernel device (ioeventfd, LAPIC,
 * IOAPIC) may take the access; otherwise it goes to userspace as
 * KVM_EXIT_MMIO, and a read completes on the next KVM_RUN. An instruction
 * that reads and then writes (XCHG, CMPXCHG, arithmetic on memory) makes
 * two accesses, each of which may go to userspace.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/kvm.h>
#include <asm/fpu/api.h>
#include <asm/trapnr.h>

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

static void mmio_advance(struct vmxlab_vcpu *vcpu, unsigned int len)
{
	u64 rip = vmcs_read(GUEST_RIP) + len;

	vmcs_write(GUEST_RIP, vmx_guest_64bit_code(vcpu) ? rip : (u32)rip);
	vmx_single_step_trap(vcpu);
}

/* The access goes to userspace; a read finishes on the next KVM_RUN. */
static void mmio_exit(struct vmxlab_vcpu *vcpu, u64 gpa, u8 size,
		      bool is_write, u64 value)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = size;
	run->mmio.is_write = is_write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (is_write)
		memcpy(run->mmio.data, &value, size);
	vcpu->mmio_gpa = gpa;
	vcpu->completion = is_write ? COMPLETE_NONE : COMPLETE_MMIO_READ;
}

/*
 * A write, once the instruction is otherwise complete: a device takes it
 * (1: enter the guest again), or userspace does (0: the exit is filled).
 */
static int mmio_put(struct vmxlab_vcpu *vcpu, u64 gpa, u64 value)
{
	u8 size = vcpu->mmio.size;

	if (!io_bus_write(vcpu, IO_BUS_MMIO, gpa, size, value))
		return 1;
	mmio_exit(vcpu, gpa, size, true, value);
	return 0;
}

/* A read: 0 with *value from a device, else 1 with the exit filled. */
static int mmio_get(struct vmxlab_vcpu *vcpu, u64 gpa, u64 *value)
{
	u8 size = vcpu->mmio.size;

	if (!io_bus_read(vcpu, IO_BUS_MMIO, gpa, size, value))
		return 0;
	mmio_exit(vcpu, gpa, size, false, 0);
	return 1;
}

/*
 * For INS and OUTS, whose memory operand is MMIO: a write of @size bytes
 * (1 if a device took it, 0 with the exit filled), and a read (0 with
 * *value from a device, 1 with a read exit filled that completes as
 * COMPLETE_OUTS_MMIO).
 */
int vmx_mmio_write(struct vmxlab_vcpu *vcpu, u64 gpa, u8 size, u64 value)
{
	if (!io_bus_write(vcpu, IO_BUS_MMIO, gpa, size, value))
		return 1;
	mmio_exit(vcpu, gpa, size, true, value);
	return 0;
}

int vmx_mmio_read(struct vmxlab_vcpu *vcpu, u64 gpa, u8 size, u64 *value)
{
	if (!io_bus_read(vcpu, IO_BUS_MMIO, gpa, size, value))
		return 0;
	mmio_exit(vcpu, gpa, size, false, 0);
	vcpu->completion = COMPLETE_OUTS_MMIO;
	return 1;
}

/* ---------------------------------------- MOVS, CMPS, STOS, LODS, SCAS */

/* ZF, as CMPS and SCAS leave it, ends a REPE or REPNE early. */
static bool string_stops_on_zf(struct vmxlab_vcpu *vcpu)
{
	const struct mmio_insn *insn = &vcpu->mmio;
	bool zf = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_ZF;

	if (insn->op != MMIO_OP_CMPS && insn->op != MMIO_OP_SCAS)
		return false;
	return insn->repne ? zf : !zf;
}

/*
 * One element per exit, as KVM does: rSI, rDI and rCX move past it, and
 * RIP moves on only when no element is left (or ZF ended a REPE/REPNE),
 * so that the guest re-executes a REP instruction, and can take
 * interrupts, between elements.
 */
static int string_step(struct vmxlab_vcpu *vcpu)
{
	const struct mmio_insn *insn = &vcpu->mmio;
	u64 mask = vmx_addr_mask(insn->addr_size), *g = vcpu->vmx.regs.gpr;
	s64 delta = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF ? -insn->size :
							      insn->size;

	if (insn->op == MMIO_OP_MOVS || insn->op == MMIO_OP_CMPS ||
	    insn->op == MMIO_OP_LODS)
		g[VCPU_RSI] = (g[VCPU_RSI] & ~mask) |
			      ((g[VCPU_RSI] + delta) & mask);
	if (insn->op != MMIO_OP_LODS)
		g[VCPU_RDI] = (g[VCPU_RDI] & ~mask) |
			      ((g[VCPU_RDI] + delta) & mask);
	if (insn->rep)
		g[VCPU_RCX] = (g[VCPU_RCX] & ~mask) |
			      ((g[VCPU_RCX] - 1) & mask);
	if (!insn->rep || !(g[VCPU_RCX] & mask) || string_stops_on_zf(vcpu))
		mmio_advance(vcpu, insn->len);
	return 1;
}

static u64 string_linear(struct vmxlab_vcpu *vcpu, int seg, int index_reg)
{
	const struct mmio_insn *insn = &vcpu->mmio;
	u64 la = vmx_segment_base(vcpu, seg) +
		 (vcpu->vmx.regs.gpr[index_reg] & vmx_addr_mask(insn->addr_size));

	return vmx_guest_64bit_code(vcpu) ? la : (u32)la;
}

/*
 * Where an element lives: 1 with *gpa of RAM or (*is_ram false) MMIO,
 * or 0 after the guest was given its #PF. An element that straddles a
 * page is not emulated (-EOPNOTSUPP).
 */
static int string_operand(struct vmxlab_vcpu *vcpu, u64 la, bool write,
			  u64 *gpa, bool *is_ram)
{
	u32 access = vmx_access_kind(write ? PFERR_WRITE : 0);
	struct guest_pf pf;
	int err;

	if ((la & ~PAGE_MASK) + vcpu->mmio.size > PAGE_SIZE)
		return -EOPNOTSUPP;
	err = vmx_linear_to_phys(vcpu, la, access, gpa, &pf);
	if (err == -EFAULT) {
		vmx_inject_page_fault(vcpu, &pf);
		return 0;
	}
	if (err)
		return err;
	*is_ram = mmu_gpa_is_ram(vcpu->vm, *gpa, write);
	return 1;
}

static int string_unsupported(struct vmxlab_vcpu *vcpu, u64 la, int err)
{
	u64 data[] = { vmcs_read(GUEST_RIP), la, -err };

	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				  ARRAY_SIZE(data), data);
}

/*
 * Reads the element at @la into *value (true), or returns false with the
 * run loop's answer in *ret: an exit for userspace to serve (0), a #PF
 * given to the guest (1), an emulation failure.
 */
static bool string_read(struct vmxlab_vcpu *vcpu, u64 la, u64 *value,
			int *ret)
{
	bool is_ram;
	u64 gpa;
	int r;

	r = string_operand(vcpu, la, false, &gpa, &is_ram);
	if (r <= 0) {
		*ret = r ? string_unsupported(vcpu, la, r) : 1;
		return false;
	}
	if (is_ram) {
		r = mmu_read_gpa(vcpu->vm, gpa, value, vcpu->mmio.size);
		if (r)
			*ret = string_unsupported(vcpu, la, r);
		return !r;
	}
	*ret = 0;
	return !mmio_get(vcpu, gpa, value);
}

/* Every element read: compare, keep or store, then step. */
static int string_finish(struct vmxlab_vcpu *vcpu)
{
	const struct mmio_insn *insn = &vcpu->mmio;
	u64 *g = vcpu->vmx.regs.gpr, *val = vcpu->mmio_read, rflags, la, gpa;
	bool is_ram;
	int r;

	switch (insn->op) {
	case MMIO_OP_LODS:
		mmio_insn_complete_read(insn, g, val[0]);
		return string_step(vcpu);
	case MMIO_OP_CMPS:
	case MMIO_OP_SCAS:
		rflags = vmcs_read(GUEST_RFLAGS);
		if (insn->op == MMIO_OP_CMPS)
			mmio_insn_alu(MMIO_ALU_CMP, insn->size, val[0], val[1],
				      &rflags);
		else
			mmio_insn_alu(MMIO_ALU_CMP, insn->size, g[VCPU_RAX],
				      val[0], &rflags);
		vmcs_write(GUEST_RFLAGS, rflags);
		return string_step(vcpu);
	case MMIO_OP_STOS:
		val[0] = mmio_insn_store_value(insn, g,
					       vmcs_read(GUEST_RFLAGS));
		break;
	}
	/* MOVS and STOS write ES:rDI. */
	la = string_linear(vcpu, VCPU_SREG_ES, VCPU_RDI);
	r = string_operand(vcpu, la, true, &gpa, &is_ram);
	if (r <= 0)
		return r ? string_unsupported(vcpu, la, r) : 1;
	if (is_ram) {
		r = mmu_write_gpa(vcpu->vm, gpa, &val[0], insn->size);
		if (r)
			return string_unsupported(vcpu, la, r);
		return string_step(vcpu);
	}
	string_step(vcpu);
	return mmio_put(vcpu, gpa, val[0]);
}

/* How many elements the instruction reads: seg:rSI first, then ES:rDI. */
static int string_reads(const struct mmio_insn *insn)
{
	switch (insn->op) {
	case MMIO_OP_STOS:
		return 0;
	case MMIO_OP_CMPS:
		return 2;
	default:
		return 1;
	}
}

/* Read what is still unread, each read perhaps an exit, then finish. */
static int string_continue(struct vmxlab_vcpu *vcpu)
{
	const struct mmio_insn *insn = &vcpu->mmio;
	int ret;

	while (vcpu->mmio_reads < string_reads(insn)) {
		bool from_rsi = vcpu->mmio_reads == 0 &&
				insn->op != MMIO_OP_SCAS;
		u64 la = from_rsi ? string_linear(vcpu, insn->seg, VCPU_RSI) :
				    string_linear(vcpu, VCPU_SREG_ES, VCPU_RDI);

		if (!string_read(vcpu, la, &vcpu->mmio_read[vcpu->mmio_reads],
				 &ret))
			return ret;
		vcpu->mmio_reads++;
	}
	return string_finish(vcpu);
}

static int mmio_string(struct vmxlab_vcpu *vcpu)
{
	const struct mmio_insn *insn = &vcpu->mmio;

	if (insn->rep &&
	    !(vcpu->vmx.regs.gpr[VCPU_RCX] & vmx_addr_mask(insn->addr_size))) {
		mmio_advance(vcpu, insn->len);
		return 1;
	}
	vcpu->mmio_reads = 0;
	return string_continue(vcpu);
}

static bool is_string(const struct mmio_insn *insn)
{
	return insn->op >= MMIO_OP_MOVS;
}

/* ---------------------------------------------- PUSH and POP r/m */

/* How wide the stack pointer is: 64-bit mode, else SS's B bit. */
static u8 stack_addr_size(struct vmxlab_vcpu *vcpu)
{
	if (vmx_guest_64bit_code(vcpu))
		return 8;
	return vmcs_read32(GUEST_SS_AR_BYTES) & BIT(14) ? 4 : 2;
}

/* RSP moved by @delta, wrapping in its low 16, 32 or 64 bits. */
static u64 stack_moved(struct vmxlab_vcpu *vcpu, s64 delta)
{
	u64 mask = vmx_addr_mask(stack_addr_size(vcpu));
	u64 rsp = vmcs_read(GUEST_RSP);

	return (rsp & ~mask) | ((rsp + delta) & mask);
}

static u64 stack_linear(struct vmxlab_vcpu *vcpu, u64 rsp)
{
	u64 la = vmx_segment_base(vcpu, VCPU_SREG_SS) +
		 (rsp & vmx_addr_mask(stack_addr_size(vcpu)));

	return vmx_guest_64bit_code(vcpu) ? la : (u32)la;
}

/*
 * PUSH r/m with an MMIO source: the new top of the stack must be RAM,
 * checked before the read so that a #PF there costs no device access
 * (1: go on; 0 with the guest's #PF or an internal error prepared).
 */
static bool push_target_ok(struct vmxlab_vcpu *vcpu, int *ret)
{
	u64 la = stack_linear(vcpu, stack_moved(vcpu, -(s64)vcpu->mmio.size));
	bool is_ram;
	u64 gpa;
	int r;

	r = string_operand(vcpu, la, true, &gpa, &is_ram);
	if (r > 0 && is_ram)
		return true;
	*ret = r ? string_unsupported(vcpu, la, r < 0 ? r : -ENXIO) : 1;
	return false;
}

/* The operand between @buf and the stack at @rsp: 0, or err and *ret. */
static int stack_copy(struct vmxlab_vcpu *vcpu, u64 rsp, u64 *buf,
		      bool write, int *ret)
{
	u64 la = stack_linear(vcpu, rsp);
	u32 access = vmx_access_kind(write ? PFERR_WRITE : 0);
	struct guest_pf pf;
	int err;

	if (write)
		err = vmx_write_linear(vcpu, la, buf, vcpu->mmio.size, access,
				       &pf);
	else
		err = vmx_read_linear(vcpu, la, buf, vcpu->mmio.size, access,
				      &pf);
	if (!err)
		return 0;
	if (err == -EFAULT)
		vmx_inject_page_fault(vcpu, &pf);
	*ret = err == -EFAULT ? 1 : string_unsupported(vcpu, la, err);
	return err;
}

/* The MMIO read is done: onto the stack, then RSP and RIP move. */
static int mmio_push_done(struct vmxlab_vcpu *vcpu, u64 value)
{
	u64 rsp = stack_moved(vcpu, -(s64)vcpu->mmio.size);
	int ret;

	if (stack_copy(vcpu, rsp, &value, true, &ret))
		return ret;
	vmcs_write(GUEST_RSP, rsp);
	mmio_advance(vcpu, vcpu->mmio.len);
	return 1;
}

/*
 * POP r/m to MMIO: read the stack and move RSP (the CPU computes the
 * address after that; the hardware's GPA already says where), then write.
 */
static int mmio_pop(struct vmxlab_vcpu *vcpu, u64 gpa)
{
	u64 value = 0;
	int ret;

	if (stack_copy(vcpu, vmcs_read(GUEST_RSP), &value, false, &ret))
		return ret;
	vmcs_write(GUEST_RSP, stack_moved(vcpu, vcpu->mmio.size));
	mmio_advance(vcpu, vcpu->mmio.len);
	return mmio_put(vcpu, gpa, value);
}

/* ---------------------------------------------- PUSHA and POPA */

static bool is_stack_all(const struct mmio_insn *insn)
{
	return insn->op == MMIO_OP_PUSHA || insn->op == MMIO_OP_POPA;
}

static u64 slot_linear(struct vmxlab_vcpu *vcpu, unsigned int slot)
{
	return stack_linear(vcpu, stack_moved(vcpu,
			    mmio_insn_slot_offset(&vcpu->mmio, slot)));
}

/*
 * Every slot translated before the first access, so that a #PF (or a
 * slot we cannot emulate) costs no device access: 1 to go on, else
 * 0 with *ret the run loop's answer.
 */
static bool stack_all_translates(struct vmxlab_vcpu *vcpu, int *ret)
{
	bool write = vcpu->mmio.op == MMIO_OP_PUSHA, is_ram;
	unsigned int slot;
	u64 gpa, la;
	int r;

	for (slot = 0; slot < MMIO_INSN_STACK_SLOTS; slot++) {
		la = slot_linear(vcpu, slot);
		r = string_operand(vcpu, la, write, &gpa, &is_ram);
		if (r <= 0) {
			*ret = r ? string_unsupported(vcpu, la, r) : 1;
			return false;
		}
	}
	return true;
}

/* All slots done: POPA sets its registers, then RSP and RIP move. */
static int stack_all_finish(struct vmxlab_vcpu *vcpu)
{
	const struct mmio_insn *insn = &vcpu->mmio;
	s64 delta = insn->op == MMIO_OP_PUSHA ? -(s64)insn->stack_size :
						insn->stack_size;

	if (insn->op == MMIO_OP_POPA)
		mmio_insn_popa(insn, vcpu->vmx.regs.gpr, vcpu->mmio_read);
	vmcs_write(GUEST_RSP, stack_moved(vcpu, delta));
	mmio_advance(vcpu, insn->len);
	return 1;
}

/*
 * One slot: RAM or a device (1), or an exit to userspace (0) after which
 * the next KVM_RUN comes back for the rest; -EAGAIN after a #PF.
 */
static int stack_all_slot(struct vmxlab_vcpu *vcpu, unsigned int slot)
{
	const struct mmio_insn *insn = &vcpu->mmio;
	bool push = insn->op == MMIO_OP_PUSHA, is_ram;
	u64 *gpr = vcpu->vmx.regs.gpr, la = slot_linear(vcpu, slot), gpa;
	u64 *value = &vcpu->mmio_read[slot];
	u8 reg = mmio_insn_slot_reg(insn, slot);
	int r;

	if (!push && reg == MMIO_INSN_RSP)
		return 1;
	r = string_operand(vcpu, la, push, &gpa, &is_ram);
	if (r <= 0)
		return r ? string_unsupported(vcpu, la, r) : -EAGAIN;
	if (push) {
		/* PUSHA stores rSP as it was before the instruction. */
		gpr[VCPU_RSP] = vmcs_read(GUEST_RSP);
		*value = gpr[reg] & vmx_addr_mask(insn->size);
	}
	if (is_ram) {
		r = push ? mmu_write_gpa(vcpu->vm, gpa, value, insn->size) :
			   mmu_read_gpa(vcpu->vm, gpa, value, insn->size);
		return r ? string_unsupported(vcpu, la, r) : 1;
	}
	if (push && !mmio_put(vcpu, gpa, *value)) {
		vcpu->completion = COMPLETE_MMIO_PUSHA;
		return 0;
	}
	if (!push && mmio_get(vcpu, gpa, value))
		return 0;
	return 1;
}

/* vcpu->mmio_reads slots are done: the rest, each perhaps an exit. */
static int stack_all_continue(struct vmxlab_vcpu *vcpu)
{
	int r;

	while (vcpu->mmio_reads < MMIO_INSN_STACK_SLOTS) {
		r = stack_all_slot(vcpu, vcpu->mmio_reads);
		/* The page tables changed under us: the guest takes its #PF. */
		if (r == -EAGAIN)
			return 1;
		/* A write that went to userspace is done; a read is not yet. */
		if (r == 1 || vcpu->completion == COMPLETE_MMIO_PUSHA)
			vcpu->mmio_reads++;
		if (r != 1)
			return r;
	}
	return stack_all_finish(vcpu);
}

static int mmio_stack_all(struct vmxlab_vcpu *vcpu)
{
	int ret;

	if (!stack_all_translates(vcpu, &ret))
		return ret;
	vcpu->mmio_reads = 0;
	return stack_all_continue(vcpu);
}

/* A PUSHA slot that userspace took: on with the next one. */
int vmx_complete_mmio_pusha(struct vmxlab_vcpu *vcpu)
{
	return stack_all_continue(vcpu);
}

/* ---------------------------------------------- FNSTCW and FNSTSW */

/*
 * The guest's x87 control (0) or status (1) word. The guest's FPU state
 * is the task's while it is in KVM_RUN: in the registers, unless the
 * kernel saved it away, in which case it comes back first (as KVM's
 * emulator does).
 */
static u16 guest_x87_word(bool status)
{
	u16 word;

	fpregs_lock();
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	if (status)
		asm volatile("fnstsw %0" : "=m"(word));
	else
		asm volatile("fnstcw %0" : "=m"(word));
	fpregs_unlock();
	return word;
}

/* ---------------------------------------------- everything else */

/* MUL, IMUL, DIV, IDIV of rAX by an MMIO operand; #DE as the CPU. */
static int mmio_mul_div_done(struct vmxlab_vcpu *vcpu, u64 value)
{
	const struct mmio_insn *insn = &vcpu->mmio;
	u64 *gpr = vcpu->vmx.regs.gpr, rflags = vmcs_read(GUEST_RFLAGS);

	if (!mmio_insn_mul_div(insn->alu, insn->size, &gpr[VCPU_RAX],
			       &gpr[VCPU_RDX], value, &rflags)) {
		vmx_inject_exception(vcpu, X86_TRAP_DE, false, 0);
		return 1;
	}
	vmcs_write(GUEST_RFLAGS, rflags);
	mmio_advance(vcpu, insn->len);
	return 1;
}

/*
 * The read came back with @value: the instruction sets its registers and
 * flags, then (XCHG, CMPXCHG, arithmetic on memory) writes the result,
 * which may need userspace once more, as on KVM.
 */
static int mmio_read_done(struct vmxlab_vcpu *vcpu, u64 value)
{
	const struct mmio_insn *insn = &vcpu->mmio;
	u64 *gpr = vcpu->vmx.regs.gpr;
	u64 rflags, old_rflags, store = 0;
	bool stores;

	if (is_string(insn)) {
		if (vcpu->mmio_reads >= ARRAY_SIZE(vcpu->mmio_read))
			return string_unsupported(vcpu, 0, -EPROTO);
		vcpu->mmio_read[vcpu->mmio_reads++] = value;
		return string_continue(vcpu);
	}
	if (insn->op == MMIO_OP_PUSH)
		return mmio_push_done(vcpu, value);
	if (insn->op == MMIO_OP_POPA) {
		if (vcpu->mmio_reads >= MMIO_INSN_STACK_SLOTS)
			return string_unsupported(vcpu, 0, -EPROTO);
		vcpu->mmio_read[vcpu->mmio_reads++] = value;
		return stack_all_continue(vcpu);
	}
	if (insn->op == MMIO_OP_MUL_DIV)
		return mmio_mul_div_done(vcpu, value);
	/* RSP moves first: POP RSP leaves the value popped. */
	if (insn->op == MMIO_OP_STACK_POP)
		vmcs_write(GUEST_RSP, stack_moved(vcpu, insn->stack_size));
	old_rflags = vmcs_read(GUEST_RFLAGS);
	rflags = old_rflags;
	gpr[VCPU_RSP] = vmcs_read(GUEST_RSP);
	stores = mmio_insn_execute(insn, gpr, &rflags, value, &store);
	vmcs_write(GUEST_RSP, gpr[VCPU_RSP]);
	if (rflags != old_rflags)
		vmcs_write(GUEST_RFLAGS, rflags);
	mmio_advance(vcpu, insn->len);
	return stores ? mmio_put(vcpu, vcpu->mmio_gpa, store) : 1;
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
	if (err)
		return emulation_failed(vcpu, bytes, len, err);

	if (is_string(insn))
		return mmio_string(vcpu);
	if (is_stack_all(insn))
		return mmio_stack_all(vcpu);
	vcpu->mmio_gpa = gpa;
	if (insn->op == MMIO_OP_POP)
		return mmio_pop(vcpu, gpa);
	if (insn->op == MMIO_OP_PUSH && !push_target_ok(vcpu, &err))
		return err;
	if (!insn->is_read) {
		gpr[VCPU_RSP] = vmcs_read(GUEST_RSP);
		value = mmio_insn_store_value(insn, gpr,
					      vmcs_read(GUEST_RFLAGS));
		if (insn->op == MMIO_OP_STACK_PUSH)
			vmcs_write(GUEST_RSP,
				   stack_moved(vcpu, -(s64)insn->stack_size));
		if (insn->op == MMIO_OP_STORE_SREG || insn->from_sreg)
			value = (u16)vmcs_read(GUEST_ES_SELECTOR + 2 * insn->alu);
		if (insn->op == MMIO_OP_STORE_FPU)
			value = guest_x87_word(insn->alu);
		mmio_advance(vcpu, insn->len);
		return mmio_put(vcpu, gpa, value);
	}
	if (mmio_get(vcpu, gpa, &value))
		return 0;
	return mmio_read_done(vcpu, value);
}

/* A read that userspace served: the instruction goes on from there. */
int vmx_complete_mmio_read(struct vmxlab_vcpu *vcpu)
{
	u64 value = 0;

	memcpy(&value, vcpu->run->mmio.data, vcpu->mmio.size);
	return mmio_read_done(vcpu, value);
}
