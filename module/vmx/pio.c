// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: IN and OUT, handled by an in-kernel device or sent to
 * userspace as KVM_EXIT_IO, and the string forms INS and OUTS, whose
 * memory operands are read and written through the guest's page tables
 * with the guest's rights. After userspace has served an exit, the next
 * KVM_RUN completes the instruction here.
 *
 * As KVM does, OUTS moves one element per exit and INS up to a page of
 * elements; a REP instruction is stepped over only once its count is
 * exhausted, so the guest re-executes it for the rest. Where the memory
 * operand is MMIO, INS writes its one element there after the port read
 * and OUTS reads its one element from there first, each through an
 * in-kernel device or one more exit.
 */
#include <linux/kvm.h>
#include <asm/traps.h>

#include "../vmxlab.h"
#include "../io_bus.h"
#include "vmx_ops.h"
#include "linear.h"
#include "exits.h"

static void pio_exit(struct vmxlab_vcpu *vcpu, bool in, u16 port, u8 size,
		     u32 count)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
}

/* The linear address of element @i of the string I/O in vcpu->pio. */
static u64 string_elem_linear(struct vmxlab_vcpu *vcpu, u64 index, u32 i)
{
	const struct vcpu_pio *s = &vcpu->pio;
	u64 mask = vmx_addr_mask(s->addr_size);
	u64 la = s->seg_base + ((index + s->dir * (s64)i * s->size) & mask);

	return vmx_guest_64bit_code(vcpu) ? la : (u32)la;
}

static void string_advance(struct vmxlab_vcpu *vcpu, int index_reg, u32 n)
{
	const struct vcpu_pio *s = &vcpu->pio;
	u64 *g = vcpu->vmx.regs.gpr;
	u64 mask = vmx_addr_mask(s->addr_size);

	g[index_reg] = (g[index_reg] & ~mask) |
		       ((g[index_reg] + s->dir * (s64)n * s->size) & mask);
	if (s->rep)
		g[VCPU_RCX] = (g[VCPU_RCX] & ~mask) |
			      ((g[VCPU_RCX] - n) & mask);
}

static bool string_done(struct vmxlab_vcpu *vcpu)
{
	return !vcpu->pio.rep ||
	       !(vcpu->vmx.regs.gpr[VCPU_RCX] & vmx_addr_mask(vcpu->pio.addr_size));
}

/* String I/O that cannot be done in guest RAM (an MMIO operand). */
static int string_io_unsupported(struct vmxlab_vcpu *vcpu, u64 linear)
{
	u64 data[] = { vmcs_read(GUEST_RIP), linear };

	return vmx_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				  ARRAY_SIZE(data), data);
}

/*
 * An element in MMIO rather than RAM (INS to a device's buffer, OUTS from
 * one): 0 with its GPA, or -EOPNOTSUPP where it is RAM after all or
 * straddles a page.
 */
static int string_mmio_gpa(struct vmxlab_vcpu *vcpu, u64 la, bool write,
			   u64 *gpa)
{
	u32 access = vmx_access_kind(write ? PFERR_WRITE : 0);
	struct guest_pf pf;

	if ((la & ~PAGE_MASK) + vcpu->pio.size > PAGE_SIZE)
		return -EOPNOTSUPP;
	if (vmx_linear_to_phys(vcpu, la, access, gpa, &pf))
		return -EOPNOTSUPP;
	return mmu_gpa_is_ram(vcpu->vm, *gpa, write) ? -EOPNOTSUPP : 0;
}

/*
 * INS: how many of the first @count elements have a writable destination
 * in guest RAM. Checked before the exit, so that a fault reaches the
 * guest before userspace consumes any data from the port.
 */
static u32 ins_writable_elements(struct vmxlab_vcpu *vcpu, u64 index,
				 u32 count, struct guest_pf *pf, int *err)
{
	u32 access = vmx_access_kind(PFERR_WRITE);
	u64 checked_page = ~0ULL;
	u32 i;

	for (i = 0; i < count; i++) {
		u64 la = string_elem_linear(vcpu, index, i);
		u64 page, last = (la + vcpu->pio.size - 1) >> PAGE_SHIFT;

		for (page = la >> PAGE_SHIFT; page <= last; page++) {
			u64 addr = max(la, page << PAGE_SHIFT), gpa;

			if (page == checked_page)
				continue;
			*err = vmx_linear_to_phys(vcpu, addr, access, &gpa, pf);
			if (!*err && !mmu_gpa_is_ram(vcpu->vm, gpa, true))
				*err = -EOPNOTSUPP;
			if (*err)
				return i;
			checked_page = page;
		}
	}
	*err = 0;
	return count;
}

/*
 * As KVM: when a device in the kernel (PIC, PIT) has the port, it gives
 * all @n elements (at most a page of them) and no exit is needed.
 */
static bool ins_from_kernel_device(struct vmxlab_vcpu *vcpu, u16 port, u32 n)
{
	u8 size = vcpu->pio.size;
	u64 value;
	u32 i;

	for (i = 0; i < n; i++) {
		if (io_bus_read(vcpu, IO_BUS_PIO, port, size, &value))
			return false;
		memcpy(vcpu->pio_data + i * size, &value, size);
	}
	return true;
}

static int string_in(struct vmxlab_vcpu *vcpu, u16 port, u64 count)
{
	u64 index = vcpu->vmx.regs.gpr[VCPU_RDI] &
		    vmx_addr_mask(vcpu->pio.addr_size);
	struct guest_pf pf;
	u32 n;
	int err;

	count = min_t(u64, count, PAGE_SIZE / vcpu->pio.size);
	n = ins_writable_elements(vcpu, index, count, &pf, &err);
	if (!n && err == -EFAULT) {
		vmx_inject_page_fault(vcpu, &pf);
		return 1;
	}
	/* Into MMIO: one element, written there once userspace read it. */
	if (!n && err == -EOPNOTSUPP &&
	    !string_mmio_gpa(vcpu, string_elem_linear(vcpu, index, 0), true,
			     &vcpu->pio.mmio_gpa)) {
		vcpu->pio.mmio = true;
		n = 1;
	}
	if (!n)
		return string_io_unsupported(vcpu,
					     string_elem_linear(vcpu, index, 0));
	vcpu->pio.count = n;
	if (ins_from_kernel_device(vcpu, port, n))
		return vmx_complete_string_in(vcpu);
	vcpu->completion = COMPLETE_PIO_STRING_IN;
	pio_exit(vcpu, true, port, vcpu->pio.size, n);
	return 0;
}

/* OUTS: the element is in pio_data; userspace takes it from there. */
static int outs_send(struct vmxlab_vcpu *vcpu)
{
	u64 value = 0;

	vcpu->pio.count = 1;
	string_advance(vcpu, VCPU_RSI, 1);
	/* As KVM: a port in the kernel (PIC, PIT) takes it without an exit. */
	memcpy(&value, vcpu->pio_data, vcpu->pio.size);
	if (!io_bus_write(vcpu, IO_BUS_PIO, vcpu->pio.port, vcpu->pio.size,
			  value)) {
		if (string_done(vcpu))
			vmx_skip_instruction(vcpu);
		return 1;
	}
	vcpu->completion = string_done(vcpu) ? COMPLETE_SKIP : COMPLETE_NONE;
	pio_exit(vcpu, false, vcpu->pio.port, vcpu->pio.size, 1);
	return 0;
}

static int string_out(struct vmxlab_vcpu *vcpu)
{
	u64 index = vcpu->vmx.regs.gpr[VCPU_RSI] &
		    vmx_addr_mask(vcpu->pio.addr_size);
	u64 la = string_elem_linear(vcpu, index, 0);
	struct guest_pf pf;
	u64 gpa, value = 0;
	int err;

	err = vmx_read_linear(vcpu, la, vcpu->pio_data, vcpu->pio.size,
			      vmx_access_kind(0), &pf);
	if (err == -EFAULT) {
		vmx_inject_page_fault(vcpu, &pf);
		return 1;
	}
	/* From MMIO: a device gives the element, or userspace does first. */
	if (err == -ENXIO && !string_mmio_gpa(vcpu, la, false, &gpa)) {
		if (vmx_mmio_read(vcpu, gpa, vcpu->pio.size, &value))
			return 0;
		memcpy(vcpu->pio_data, &value, vcpu->pio.size);
		err = 0;
	}
	if (err)
		return string_io_unsupported(vcpu, la);
	return outs_send(vcpu);
}

/* The MMIO read of an OUTS element came back: now the port gets it. */
int vmx_complete_outs_mmio(struct vmxlab_vcpu *vcpu)
{
	memcpy(vcpu->pio_data, vcpu->run->mmio.data, vcpu->pio.size);
	return outs_send(vcpu);
}

/*
 * Outside 64-bit mode, how many elements from the index register on lie
 * inside the segment's limit (as the CPU checks before each access; an
 * expand-down segment is not limited here). In 64-bit mode, all.
 */
static u64 string_room(struct vmxlab_vcpu *vcpu, int seg, int index_reg)
{
	const struct vcpu_pio *s = &vcpu->pio;
	u64 index = vcpu->vmx.regs.gpr[index_reg] & vmx_addr_mask(s->addr_size);
	u32 ar = vmcs_read32(GUEST_ES_AR_BYTES + seg * 2);
	u64 limit = vmcs_read32(GUEST_ES_LIMIT + seg * 2);

	if (vmx_guest_64bit_code(vcpu) || ((ar & 0x1c) == 0x14))
		return ~0ULL;
	if (index + s->size - 1 > limit)
		return 0;
	if (s->dir < 0)
		return index / s->size + 1;
	return (limit - index + 1) / s->size;
}

static int handle_string_io(struct vmxlab_vcpu *vcpu, bool in, u16 port,
			    u8 size, bool rep)
{
	u32 info = vmcs_read32(VMX_INSTRUCTION_INFO);
	int seg = in ? VCPU_SREG_ES : (info >> 15) & 7;
	struct vcpu_pio *s = &vcpu->pio;
	u64 count;

	s->size = size;
	s->rep = rep;
	s->port = port;
	s->mmio = false;
	s->addr_size = 2 << ((info >> 7) & 7);
	s->dir = (vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF) ? -1 : 1;
	s->seg_base = vmx_segment_base(vcpu, seg);
	count = rep ? vcpu->vmx.regs.gpr[VCPU_RCX] & vmx_addr_mask(s->addr_size) : 1;
	if (!count)
		return vmx_skip_and_resume(vcpu);
	count = min_t(u64, count, string_room(vcpu, seg, in ? VCPU_RDI : VCPU_RSI));
	if (!count) {
		/* Past the segment's limit: #GP(0), or #SS(0) for SS. */
		vmx_inject_exception(vcpu, seg == VCPU_SREG_SS ? X86_TRAP_SS :
				     X86_TRAP_GP, true, 0);
		return 1;
	}
	return in ? string_in(vcpu, port, count) : string_out(vcpu);
}

/* AL and AX merge; EAX clears bits 63:32, as a 32-bit register write. */
static void pio_in_to_rax(struct vmxlab_vcpu *vcpu, u8 size, u64 value)
{
	u64 *rax = &vcpu->vmx.regs.gpr[VCPU_RAX];

	if (size == 4)
		*rax = (u32)value;
	else if (size == 2)
		*rax = (*rax & ~0xffffULL) | (value & 0xffff);
	else
		*rax = (*rax & ~0xffULL) | (value & 0xff);
}

int vmx_handle_io(struct vmxlab_vcpu *vcpu)
{
	unsigned long qual = vmcs_read(EXIT_QUALIFICATION);
	u8 size = (qual & 7) + 1;
	bool in = qual & BIT(3);
	u16 port = qual >> 16;
	u64 value = vcpu->vmx.regs.gpr[VCPU_RAX] & ((1ULL << (size * 8)) - 1);

	if (qual & BIT(4))
		return handle_string_io(vcpu, in, port, size, qual & BIT(5));

	/* One dispatch: whatever device the VM has there, else userspace. */
	if (in && !io_bus_read(vcpu, IO_BUS_PIO, port, size, &value)) {
		pio_in_to_rax(vcpu, size, value);
		return vmx_skip_and_resume(vcpu);
	}
	if (!in && !io_bus_write(vcpu, IO_BUS_PIO, port, size, value))
		return vmx_skip_and_resume(vcpu);
	vcpu->pio.size = size;
	if (in) {
		vcpu->completion = COMPLETE_PIO_IN;
	} else {
		memcpy(vcpu->pio_data, &vcpu->vmx.regs.gpr[VCPU_RAX], size);
		vcpu->completion = COMPLETE_SKIP;
	}
	/*
	 * KVM_X86_QUIRK_OUT_7E_INC_RIP, on in KVM unless disabled (vmxlab
	 * cannot disable quirks): userspace sees RIP already past an OUT to
	 * port 0x7e. QEMU's kvmvapic handler, which SeaBIOS's option ROM
	 * calls so, relies on it.
	 */
	if (!in && port == 0x7e) {
		vmx_skip_instruction(vcpu);
		vcpu->completion = COMPLETE_NONE;
	}
	pio_exit(vcpu, in, port, size, 1);
	return 0;
}

/* IN: the value userspace put in the PIO page lands in AL, AX or EAX. */
void vmx_complete_pio_in(struct vmxlab_vcpu *vcpu)
{
	u64 value = 0;

	memcpy(&value, vcpu->pio_data, vcpu->pio.size);
	pio_in_to_rax(vcpu, vcpu->pio.size, value);
	vmx_skip_instruction(vcpu);
}

/*
 * INS: write the elements userspace read, page by page. RDI and RCX move
 * only over the elements written, so that if the guest's memory changed
 * since the exit (another vCPU, userspace) the guest takes its #PF at
 * the right element. Returns 1 to enter the guest, 0 with an exit for
 * userspace filled in.
 */
int vmx_complete_string_in(struct vmxlab_vcpu *vcpu)
{
	const struct vcpu_pio *s = &vcpu->pio;
	u64 index = vcpu->vmx.regs.gpr[VCPU_RDI] & vmx_addr_mask(s->addr_size);
	u32 access = vmx_access_kind(PFERR_WRITE);
	struct guest_pf pf;
	u32 done = 0, n;
	u64 value = 0;
	int err = 0;

	if (s->mmio) {
		memcpy(&value, vcpu->pio_data, s->size);
		string_advance(vcpu, VCPU_RDI, 1);
		if (string_done(vcpu))
			vmx_skip_instruction(vcpu);
		return vmx_mmio_write(vcpu, s->mmio_gpa, s->size, value);
	}
	while (done < s->count && !err) {
		u64 la = string_elem_linear(vcpu, index, done);
		u32 room = (PAGE_SIZE - (la & ~PAGE_MASK)) / s->size;

		n = s->dir > 0 ? clamp_t(u32, room, 1, s->count - done) : 1;
		err = vmx_write_linear(vcpu, la, vcpu->pio_data + done * s->size,
				       n * s->size, access, &pf);
		if (!err)
			done += n;
	}
	string_advance(vcpu, VCPU_RDI, done);
	if (err == -EFAULT) {
		vmx_inject_page_fault(vcpu, &pf);
		return 1;
	}
	if (err)
		return string_io_unsupported(vcpu,
					     string_elem_linear(vcpu, index, done));
	if (string_done(vcpu))
		vmx_skip_instruction(vcpu);
	return 1;
}
