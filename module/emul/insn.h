/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoder for the x86 instructions a guest uses to touch MMIO.
 *
 * An EPT violation on a GPA with no memory behind it tells the hypervisor
 * where the guest went but not what it did. This decoder reads the faulting
 * instruction and says which way the data moves, how wide the access is,
 * which register or immediate supplies a store, and how a loaded value lands
 * in its register. The GPA itself always comes from the hardware, so memory
 * operands are only measured, never evaluated.
 *
 * The same source builds into the module and into host unit tests
 * (VMXLAB_HOST), so it uses nothing but the types from portable.h.
 */
#ifndef VMXLAB_EMUL_INSN_H
#define VMXLAB_EMUL_INSN_H

#include "portable.h"

/* The architectural limit; a longer instruction raises #GP. */
#define MMIO_INSN_MAX_LEN	15

/* Guest GPRs in encoding order, the layout mmio_insn expects. */
enum mmio_insn_gpr {
	MMIO_INSN_RAX, MMIO_INSN_RCX, MMIO_INSN_RDX, MMIO_INSN_RBX,
	MMIO_INSN_RSP, MMIO_INSN_RBP, MMIO_INSN_RSI, MMIO_INSN_RDI,
	MMIO_INSN_R8, MMIO_INSN_R9, MMIO_INSN_R10, MMIO_INSN_R11,
	MMIO_INSN_R12, MMIO_INSN_R13, MMIO_INSN_R14, MMIO_INSN_R15,
	MMIO_INSN_NR_GPRS,
};

/* Default operand and address sizes come from the mode. */
enum mmio_insn_mode {
	MMIO_INSN_REAL,		/* real or virtual-8086 mode: 16-bit */
	MMIO_INSN_PROT16,	/* protected/compat mode, CS.D = 0 */
	MMIO_INSN_PROT32,	/* protected/compat mode, CS.D = 1 */
	MMIO_INSN_LONG64,	/* 64-bit mode: EFER.LMA and CS.L */
};

/* mmio_insn_decode() returns one of these, negated, on failure. */
enum mmio_insn_error {
	MMIO_INSN_ETRUNCATED = 1,	/* bytes end inside the instruction */
	MMIO_INSN_ETOOLONG,		/* over 15 bytes: the CPU raises #GP */
	MMIO_INSN_EUNSUPPORTED,		/* not an instruction handled here */
	MMIO_INSN_ESTRING,		/* INS, OUTS: port I/O, not here */
	MMIO_INSN_ENOTMEM,		/* register form: cannot touch memory */
};

/* What the instruction does with its memory operand. */
enum mmio_insn_op {
	MMIO_OP_MOV,		/* a load (is_read) or a store (is_write) */
	MMIO_OP_XCHG,		/* memory and register swap */
	MMIO_OP_ALU,		/* arithmetic on memory, see enum mmio_insn_alu */
	MMIO_OP_XADD,		/* the register gets memory, memory the sum */
	MMIO_OP_CMPXCHG,	/* memory gets the register if it equals rAX */
	MMIO_OP_SHIFT,		/* memory shifted or rotated, enum mmio_insn_shift */
	MMIO_OP_BT,		/* one bit tested (and set, reset, flipped) */
	MMIO_OP_SETCC,		/* memory gets 1 or 0, condition in alu */
	MMIO_OP_CMOV,		/* the register gets memory if alu holds */
	MMIO_OP_IMUL,		/* the register gets memory times reg or imm */
	MMIO_OP_PUSH,		/* memory onto the stack */
	MMIO_OP_POP,		/* the top of the stack to memory */
	MMIO_OP_STACK_PUSH,	/* reg, imm or flags onto a stack in MMIO */
	MMIO_OP_STACK_POP,	/* the top of a stack in MMIO to reg */
	MMIO_OP_STORE_SREG,	/* a segment selector, alu says which */
	MMIO_OP_MUL_DIV,	/* F6/F7 /4-/7 on rAX (and rDX), enum mmio_insn_muldiv */
	MMIO_OP_PUSHA,		/* the eight GPRs onto a stack partly in MMIO */
	MMIO_OP_POPA,		/* ... and back, the slot of rSP skipped */
	MMIO_OP_STORE_FPU,	/* FNSTCW (alu 0), FNSTSW (alu 1): the x87 word */
	/* String operations last: mmio.c treats op >= MMIO_OP_MOVS so. */
	MMIO_OP_MOVS,		/* seg:rSI to ES:rDI, one element */
	MMIO_OP_STOS,		/* rAX to ES:rDI */
	MMIO_OP_LODS,		/* seg:rSI to rAX */
	MMIO_OP_CMPS,		/* flags of seg:rSI - ES:rDI */
	MMIO_OP_SCAS,		/* flags of rAX - ES:rDI */
};

/* Segment registers in their encoding order (and the VMCS's). */
enum mmio_insn_seg {
	MMIO_SEG_ES, MMIO_SEG_CS, MMIO_SEG_SS, MMIO_SEG_DS, MMIO_SEG_FS,
	MMIO_SEG_GS,
};

/* MMIO_OP_ALU: the first eight in the order of their opcodes' bits 5:3. */
enum mmio_insn_alu {
	MMIO_ALU_ADD, MMIO_ALU_OR, MMIO_ALU_ADC, MMIO_ALU_SBB,
	MMIO_ALU_AND, MMIO_ALU_SUB, MMIO_ALU_XOR, MMIO_ALU_CMP,
	MMIO_ALU_TEST, MMIO_ALU_INC, MMIO_ALU_DEC, MMIO_ALU_NOT,
	MMIO_ALU_NEG,
};

/* MMIO_OP_SHIFT: in the order of C0-D3's ModRM bits 5:3 (6 is SAL). */
enum mmio_insn_shift {
	MMIO_SHIFT_ROL, MMIO_SHIFT_ROR, MMIO_SHIFT_RCL, MMIO_SHIFT_RCR,
	MMIO_SHIFT_SHL, MMIO_SHIFT_SHR, MMIO_SHIFT_SAL, MMIO_SHIFT_SAR,
};

/* MMIO_OP_BT: in the order of 0F BA's ModRM bits 5:3, less 4. */
enum mmio_insn_bit {
	MMIO_BIT_TEST, MMIO_BIT_SET, MMIO_BIT_RESET, MMIO_BIT_COMPLEMENT,
};

/* MMIO_OP_MUL_DIV: in the order of F6/F7's ModRM bits 5:3, less 4. */
enum mmio_insn_muldiv {
	MMIO_MUL, MMIO_IMUL, MMIO_DIV, MMIO_IDIV,
};

/* The RFLAGS bits the arithmetic sets: CF, PF, AF, ZF, SF, OF. */
#define MMIO_INSN_ARITH_FLAGS	0x8d5ULL

/*
 * One decoded access. A pure store (is_write without is_read) writes
 * mmio_insn_store_value() to memory. Anything that reads memory passes the
 * value read to mmio_insn_execute(), which sets the registers and flags and
 * says what, if anything, the instruction then writes back.
 */
struct mmio_insn {
	u8 len;			/* bytes to add to RIP */
	u8 size;		/* bytes moved in memory: 1, 2, 4 or 8 */
	bool is_read;
	bool is_write;
	bool has_imm;		/* a store of imm rather than a register */
	u64 imm;		/* already extended to size */
	u8 reg;			/* the register operand, enum mmio_insn_gpr */
	u8 reg_size;		/* its width: 1, 2, 4 or 8 */
	bool reg_high_byte;	/* AH, CH, DH or BH: bits 15:8 of reg */
	bool sign_extend;	/* a load wider in reg than in memory */
	u8 op;			/* enum mmio_insn_op */
	u8 alu;			/* ALU: enum mmio_insn_alu; SHIFT: enum mmio_insn_shift;
				 * BT: enum mmio_insn_bit; SETCC, CMOV: the condition;
				 * STORE_SREG: enum mmio_insn_seg
				 */
	bool to_reg;		/* ALU result goes to reg, memory is a source */
	bool count_cl;		/* shifts: the count is CL, not imm */
	u8 stack_size;		/* PUSH, POP: bytes the stack pointer moves */
	bool from_flags;	/* PUSHF: the value is RFLAGS */
	bool from_sreg;		/* PUSH Sreg: the selector of segment alu */
	/* MOVS, CMPS, STOS, LODS, SCAS */
	bool rep;		/* F3 or F2: rCX counts the elements */
	bool repne;		/* F2: CMPS and SCAS repeat while ZF is 0 */
	u8 addr_size;		/* 2, 4 or 8: how rSI, rDI and rCX wrap */
	u8 seg;			/* of the source, enum mmio_insn_seg */
};

int mmio_insn_decode(struct mmio_insn *insn, const u8 *bytes,
		     unsigned int len, enum mmio_insn_mode mode);
u64 mmio_insn_store_value(const struct mmio_insn *insn, const u64 *gprs,
			  u64 rflags);
void mmio_insn_complete_read(const struct mmio_insn *insn, u64 *gprs,
			     u64 value);
bool mmio_insn_execute(const struct mmio_insn *insn, u64 *gprs, u64 *rflags,
		       u64 mem, u64 *store);
u64 mmio_insn_alu(enum mmio_insn_alu alu, u8 size, u64 a, u64 b,
		  u64 *rflags);
u64 mmio_insn_shift(enum mmio_insn_shift kind, u8 size, u64 a, u8 count,
		    u64 *rflags);
u64 mmio_insn_bit(enum mmio_insn_bit kind, u8 size, u64 a, u64 bit,
		  u64 *rflags);
u64 mmio_insn_imul(u8 size, u64 a, u64 b, u64 *rflags);
bool mmio_insn_condition(u8 cond, u64 rflags);

/* PUSHA and POPA touch their eight slots in this order. */
#define MMIO_INSN_STACK_SLOTS	8
u8 mmio_insn_slot_reg(const struct mmio_insn *insn, unsigned int slot);
s64 mmio_insn_slot_offset(const struct mmio_insn *insn, unsigned int slot);
void mmio_insn_popa(const struct mmio_insn *insn, u64 *gprs,
		    const u64 *slots);
bool mmio_insn_mul_div(enum mmio_insn_muldiv kind, u8 size, u64 *rax,
		       u64 *rdx, u64 src, u64 *rflags);
const char *mmio_insn_strerror(int err);

#endif /* VMXLAB_EMUL_INSN_H */
