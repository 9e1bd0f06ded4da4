// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding of the x86 instructions that access MMIO; see insn.h.
 *
 * The decoder walks prefixes, opcode, ModRM, SIB, displacement and immediate
 * in order. Every byte goes through fetch_byte(), the one place where both
 * the 15-byte limit and the end of the caller's buffer are enforced, and the
 * first failure sticks so that the steps in between need no error checks.
 */
#include "insn.h"

#define REX_B	0x1
#define REX_R	0x4
#define REX_W	0x8

struct mmio_decoder {
	const u8 *bytes;
	unsigned int avail;
	unsigned int pos;
	int err;		/* first failure, negated; 0 while all is well */
	enum mmio_insn_mode mode;
	u8 rex;			/* the REX byte itself, 0 if there is none */
	bool rep;		/* F2 or F3 */
	bool repne;		/* the last of them was F2 */
	bool opsize_override;	/* 66 */
	u8 opsize;		/* 2, 4 or 8 */
	u8 addrsize;		/* 2, 4 or 8 */
	u8 seg;			/* the override, or DS */
	u8 modrm;
};

static void fail(struct mmio_decoder *d, int err)
{
	if (!d->err)
		d->err = -err;
}

static u8 fetch_byte(struct mmio_decoder *d)
{
	if (d->pos >= MMIO_INSN_MAX_LEN)
		fail(d, MMIO_INSN_ETOOLONG);
	else if (d->pos >= d->avail)
		fail(d, MMIO_INSN_ETRUNCATED);
	if (d->err)
		return 0;
	return d->bytes[d->pos++];
}

/* Immediates and displacements are little-endian. */
static u64 fetch_le(struct mmio_decoder *d, unsigned int n)
{
	u64 val = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		val |= (u64)fetch_byte(d) << (8 * i);
	return val;
}

static u64 size_mask(u8 size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static u64 sign_extend(u64 val, u8 size)
{
	u64 sign = 1ULL << (size * 8 - 1);

	return ((val & size_mask(size)) ^ sign) - sign;
}

static bool is_legacy_prefix(u8 b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	}
	return false;
}

static void set_sizes(struct mmio_decoder *d, bool addrsize_override)
{
	bool is16 = d->mode == MMIO_INSN_REAL || d->mode == MMIO_INSN_PROT16;

	if (d->rex & REX_W)
		d->opsize = 8;
	else
		d->opsize = is16 != d->opsize_override ? 2 : 4;

	if (d->mode == MMIO_INSN_LONG64)
		d->addrsize = addrsize_override ? 4 : 8;
	else
		d->addrsize = is16 != addrsize_override ? 2 : 4;
}

/*
 * Consumes the prefixes and returns the first opcode byte. Segment overrides
 * and LOCK need no record: the hardware has already translated the address,
 * and LOCK changes neither direction nor width.
 */
static u8 decode_prefixes(struct mmio_decoder *d)
{
	bool addrsize_override = false;
	u8 b;

	d->seg = MMIO_SEG_DS;
	for (;;) {
		b = fetch_byte(d);
		if (d->err)
			break;
		if (d->mode == MMIO_INSN_LONG64 && (b & 0xf0) == 0x40) {
			d->rex = b;
			continue;
		}
		if (!is_legacy_prefix(b))
			break;
		/* A REX counts only right before the opcode. */
		d->rex = 0;
		switch (b) {
		case 0x66:
			d->opsize_override = true;
			break;
		case 0x67:
			addrsize_override = true;
			break;
		case 0xf2: case 0xf3:
			d->rep = true;
			d->repne = b == 0xf2;
			break;
		case 0x64: case 0x65:
			d->seg = b == 0x64 ? MMIO_SEG_FS : MMIO_SEG_GS;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			d->seg = (b >> 3) & 3;	/* ES, CS, SS, DS */
			break;
		}
	}
	set_sizes(d, addrsize_override);
	return b;
}

static void skip_bytes(struct mmio_decoder *d, unsigned int n)
{
	fetch_le(d, n);
}

/* 16-bit forms have no SIB; mod 0 with rm 6 is a bare disp16. */
static void skip_address16(struct mmio_decoder *d, u8 mod, u8 rm)
{
	if (mod == 1)
		skip_bytes(d, 1);
	else if (mod == 2 || (mod == 0 && rm == 6))
		skip_bytes(d, 2);
}

/* In 64-bit mode, mod 0 with rm 5 is RIP-relative: still a disp32. */
static void skip_address32(struct mmio_decoder *d, u8 mod, u8 rm)
{
	if (rm == 4) {
		u8 sib = fetch_byte(d);

		/* SIB base 5 under mod 0 means no base, a disp32 instead. */
		if (mod == 0 && (sib & 7) == 5)
			skip_bytes(d, 4);
	}
	if (mod == 1)
		skip_bytes(d, 1);
	else if (mod == 2 || (mod == 0 && rm == 5))
		skip_bytes(d, 4);
}

/* Only the length of the memory operand matters: the GPA is known. */
static void decode_modrm(struct mmio_decoder *d)
{
	u8 mod, rm;

	d->modrm = fetch_byte(d);
	if (d->err)
		return;
	mod = d->modrm >> 6;
	rm = d->modrm & 7;
	if (mod == 3)
		fail(d, MMIO_INSN_ENOTMEM);
	else if (d->addrsize == 2)
		skip_address16(d, mod, rm);
	else
		skip_address32(d, mod, rm);
}

/* Without any REX, byte registers 4-7 are AH, CH, DH, BH, not SPL..DIL. */
static void set_reg(struct mmio_decoder *d, struct mmio_insn *insn, u8 num,
		    u8 size)
{
	insn->reg_size = size;
	insn->reg_high_byte = size == 1 && !d->rex && num >= 4;
	insn->reg = insn->reg_high_byte ? num - 4 : num;
}

static void set_modrm_reg(struct mmio_decoder *d, struct mmio_insn *insn,
			  u8 size)
{
	u8 num = (d->modrm >> 3) & 7;

	if (d->rex & REX_R)
		num += 8;
	set_reg(d, insn, num, size);
}

/* An r/m operand in memory and a register operand, moved one way or both. */
static void decode_reg_access(struct mmio_decoder *d, struct mmio_insn *insn,
			      u8 size, bool read, bool write)
{
	decode_modrm(d);
	insn->is_read = read;
	insn->is_write = write;
	insn->size = size;
	set_modrm_reg(d, insn, size);
}

/* 88, 89: MOV r/m, reg */
static void decode_mov_store(struct mmio_decoder *d, struct mmio_insn *insn,
			     u8 size)
{
	decode_reg_access(d, insn, size, false, true);
}

/* 8A, 8B: MOV reg, r/m */
static void decode_mov_load(struct mmio_decoder *d, struct mmio_insn *insn,
			    u8 size)
{
	decode_reg_access(d, insn, size, true, false);
}

/* 86, 87: XCHG r/m, reg. Linux uses it for xAPIC writes on 11AP parts. */
static void decode_xchg(struct mmio_decoder *d, struct mmio_insn *insn,
			u8 size)
{
	decode_reg_access(d, insn, size, true, true);
	insn->op = MMIO_OP_XCHG;
}

/* An immediate of @n bytes, sign-extended to the operand size. */
static void fetch_imm(struct mmio_decoder *d, struct mmio_insn *insn,
		      unsigned int n)
{
	insn->has_imm = true;
	insn->imm = sign_extend(fetch_le(d, n), n) & size_mask(insn->size);
}

/* 00-3B with bits 2:1 < 2: ADD..CMP between r/m and a register. */
static void decode_alu_rm(struct mmio_decoder *d, struct mmio_insn *insn,
			  u8 op)
{
	u8 size = op & 1 ? d->opsize : 1;

	decode_modrm(d);
	set_modrm_reg(d, insn, size);
	insn->op = MMIO_OP_ALU;
	insn->alu = op >> 3;
	insn->size = size;
	insn->is_read = true;
	insn->to_reg = op & 2;
	insn->is_write = !insn->to_reg && insn->alu != MMIO_ALU_CMP;
}

/* 80, 81, 83 (and 82 outside 64-bit mode): ADD..CMP r/m, imm. */
static void decode_alu_imm(struct mmio_decoder *d, struct mmio_insn *insn,
			   u8 op)
{
	u8 size = op & 1 ? d->opsize : 1;

	decode_modrm(d);
	insn->op = MMIO_OP_ALU;
	insn->alu = (d->modrm >> 3) & 7;
	insn->size = size;
	insn->is_read = true;
	insn->is_write = insn->alu != MMIO_ALU_CMP;
	if (op == 0x81)
		fetch_imm(d, insn, size == 2 ? 2 : 4);
	else
		fetch_imm(d, insn, 1);
}

/* 84, 85: TEST r/m, reg */
static void decode_test_rm(struct mmio_decoder *d, struct mmio_insn *insn,
			   u8 size)
{
	decode_reg_access(d, insn, size, true, false);
	insn->op = MMIO_OP_ALU;
	insn->alu = MMIO_ALU_TEST;
}

/*
 * F6, F7: TEST r/m, imm (/0, and /1, which the CPU and KVM run as /0),
 * NOT (/2), NEG (/3), MUL, IMUL, DIV, IDIV (/4-/7).
 */
static void decode_group3(struct mmio_decoder *d, struct mmio_insn *insn,
			  u8 size)
{
	static const u8 alu[4] = { MMIO_ALU_TEST, MMIO_ALU_TEST, MMIO_ALU_NOT,
				   MMIO_ALU_NEG };
	u8 sub;

	decode_modrm(d);
	sub = (d->modrm >> 3) & 7;
	if (d->err) {
		fail(d, MMIO_INSN_EUNSUPPORTED);
		return;
	}
	if (sub >= 4) {
		insn->op = MMIO_OP_MUL_DIV;
		insn->alu = sub - 4;
		insn->size = size;
		insn->is_read = true;
		return;
	}
	insn->op = MMIO_OP_ALU;
	insn->alu = alu[sub];
	insn->size = size;
	insn->is_read = true;
	insn->is_write = sub > 1;
	if (sub <= 1)
		fetch_imm(d, insn, size == 8 ? 4 : size);
}

/* In 64-bit mode a stack operand is 8 bytes, or 2 with 66; never 4. */
static u8 stack_operand_size(struct mmio_decoder *d)
{
	if (d->mode == MMIO_INSN_LONG64)
		return d->opsize_override ? 2 : 8;
	return d->opsize;
}

/* FF /6: PUSH r/m (read); 8F /0: POP r/m (written). */
static void decode_push_pop(struct mmio_decoder *d, struct mmio_insn *insn,
			    bool push)
{
	insn->size = stack_operand_size(d);
	insn->stack_size = insn->size;
	insn->op = push ? MMIO_OP_PUSH : MMIO_OP_POP;
	insn->is_read = push;
	insn->is_write = !push;
}

/*
 * 50-57 PUSH reg, 68/6A PUSH imm, 9C PUSHF, 58-5F POP reg: the stack
 * itself is in MMIO, and the slot's address is the one the hardware gave.
 */
static void decode_stack_op(struct mmio_decoder *d, struct mmio_insn *insn,
			    u8 op)
{
	u8 size = stack_operand_size(d);
	u8 num = (op & 7) + (d->rex & REX_B ? 8 : 0);

	insn->size = size;
	insn->stack_size = size;
	insn->op = op >= 0x58 && op <= 0x5f ? MMIO_OP_STACK_POP :
					      MMIO_OP_STACK_PUSH;
	insn->is_read = insn->op == MMIO_OP_STACK_POP;
	insn->is_write = !insn->is_read;
	if (op == 0x9c)
		insn->from_flags = true;
	else if (op == 0x68 || op == 0x6a)
		fetch_imm(d, insn, op == 0x6a ? 1 : size == 2 ? 2 : 4);
	else
		set_reg(d, insn, num, size);
}

/* 60 PUSHA, 61 POPA (not in 64-bit mode, where they are #UD). */
static void decode_stack_all(struct mmio_decoder *d, struct mmio_insn *insn,
			     u8 op)
{
	if (d->mode == MMIO_INSN_LONG64) {
		fail(d, MMIO_INSN_EUNSUPPORTED);
		return;
	}
	insn->size = stack_operand_size(d);
	insn->stack_size = insn->size * MMIO_INSN_STACK_SLOTS;
	insn->op = op == 0x60 ? MMIO_OP_PUSHA : MMIO_OP_POPA;
	insn->is_read = op == 0x61;
	insn->is_write = op == 0x60;
}

/* D9 /7 FNSTCW, DD /7 FNSTSW to memory: a 2-byte store of an x87 word. */
static void decode_x87_store(struct mmio_decoder *d, struct mmio_insn *insn,
			     u8 op)
{
	decode_modrm(d);
	if (d->err)
		return;
	if (((d->modrm >> 3) & 7) != 7) {
		fail(d, MMIO_INSN_EUNSUPPORTED);
		return;
	}
	insn->op = MMIO_OP_STORE_FPU;
	insn->alu = op == 0xdd;
	insn->size = 2;
	insn->is_write = true;
}

/* 06, 0E, 16, 1E (not in 64-bit mode), 0F A0, 0F A8: PUSH Sreg. */
static void decode_push_sreg(struct mmio_decoder *d, struct mmio_insn *insn,
			     u8 seg)
{
	u8 size = stack_operand_size(d);

	insn->op = MMIO_OP_STACK_PUSH;
	insn->from_sreg = true;
	insn->alu = seg;
	insn->stack_size = size;
	/* As KVM: a 32-bit push moves ESP by 4 but writes the 16 bits. */
	insn->size = size == 4 ? 2 : size;
	insn->is_write = true;
}

/* D7: XLAT, AL from seg:[rBX + AL]. */
static void decode_xlat(struct mmio_decoder *d, struct mmio_insn *insn)
{
	insn->is_read = true;
	insn->size = 1;
	set_reg(d, insn, MMIO_INSN_RAX, 1);
}

/* FE, FF: INC (/0), DEC (/1), PUSH (FF /6); calls and jumps are not. */
static void decode_group45(struct mmio_decoder *d, struct mmio_insn *insn,
			   u8 size)
{
	u8 sub;

	decode_modrm(d);
	sub = (d->modrm >> 3) & 7;
	if (!d->err && sub == 6 && size != 1) {
		decode_push_pop(d, insn, true);
		return;
	}
	if (d->err || sub > 1) {
		fail(d, MMIO_INSN_EUNSUPPORTED);
		return;
	}
	insn->op = MMIO_OP_ALU;
	insn->alu = sub ? MMIO_ALU_DEC : MMIO_ALU_INC;
	insn->size = size;
	insn->is_read = true;
	insn->is_write = true;
}

/* 0F B0, B1: CMPXCHG r/m, reg; 0F C0, C1: XADD r/m, reg */
static void decode_cmpxchg_xadd(struct mmio_decoder *d,
				struct mmio_insn *insn, u8 op)
{
	decode_reg_access(d, insn, op & 1 ? d->opsize : 1, true, true);
	insn->op = op >= 0xc0 ? MMIO_OP_XADD : MMIO_OP_CMPXCHG;
}

/* C6 /0, C7 /0: MOV r/m, imm. A 64-bit store takes a signed imm32. */
static void decode_mov_imm(struct mmio_decoder *d, struct mmio_insn *insn,
			   u8 size)
{
	decode_modrm(d);
	if ((d->modrm >> 3) & 7) {
		fail(d, MMIO_INSN_EUNSUPPORTED);
		return;
	}
	insn->is_write = true;
	insn->size = size;
	insn->has_imm = true;
	if (size == 8)
		insn->imm = sign_extend(fetch_le(d, 4), 4);
	else
		insn->imm = fetch_le(d, size);
}

/* A0-A3: MOV between AL/rAX and an address as wide as the address size. */
static void decode_mov_moffs(struct mmio_decoder *d, struct mmio_insn *insn,
			     u8 op, u8 size)
{
	skip_bytes(d, d->addrsize);
	if (op & 2)
		insn->is_write = true;
	else
		insn->is_read = true;
	insn->size = size;
	set_reg(d, insn, MMIO_INSN_RAX, size);
}

/* 63: MOVSXD reg, r/m32, in 64-bit mode only (elsewhere it is ARPL). */
static void decode_movsxd(struct mmio_decoder *d, struct mmio_insn *insn)
{
	decode_modrm(d);
	insn->is_read = true;
	insn->size = d->opsize == 2 ? 2 : 4;
	insn->sign_extend = true;
	set_modrm_reg(d, insn, d->opsize);
}

/* 0F B6, B7, BE, BF: MOVZX and MOVSX reg, r/m8 or r/m16 */
static void decode_movx(struct mmio_decoder *d, struct mmio_insn *insn,
			u8 size, bool sign)
{
	decode_modrm(d);
	insn->is_read = true;
	insn->size = size;
	insn->sign_extend = sign;
	set_modrm_reg(d, insn, d->opsize);
}

/* C0, C1 (by imm8), D0, D1 (by 1), D2, D3 (by CL): shifts and rotates. */
static void decode_shift(struct mmio_decoder *d, struct mmio_insn *insn,
			 u8 op)
{
	decode_modrm(d);
	insn->op = MMIO_OP_SHIFT;
	insn->alu = (d->modrm >> 3) & 7;
	insn->size = op & 1 ? d->opsize : 1;
	/* As KVM: memory is written back even when the count is 0. */
	insn->is_read = true;
	insn->is_write = true;
	insn->has_imm = op < 0xd2;
	if (op < 0xd0)
		insn->imm = fetch_le(d, 1);
	else if (op < 0xd2)
		insn->imm = 1;
	else
		insn->count_cl = true;
}

/*
 * 0F A3, AB, B3, BB: BT, BTS, BTR, BTC r/m, reg. The register's offset
 * may reach beyond the operand; the hardware has already turned it into
 * the address of the right word, so only its low bits are left to use.
 */
static void decode_bit_reg(struct mmio_decoder *d, struct mmio_insn *insn,
			   u8 op)
{
	decode_reg_access(d, insn, d->opsize, true, op != 0xa3);
	insn->op = MMIO_OP_BT;
	insn->alu = (op >> 3) & 3;
}

/* 0F BA /4-/7: BT, BTS, BTR, BTC r/m, imm8 */
static void decode_bit_imm(struct mmio_decoder *d, struct mmio_insn *insn)
{
	u8 sub;

	decode_modrm(d);
	sub = (d->modrm >> 3) & 7;
	if (d->err || sub < 4) {
		fail(d, MMIO_INSN_EUNSUPPORTED);
		return;
	}
	insn->op = MMIO_OP_BT;
	insn->alu = sub - 4;
	insn->size = d->opsize;
	insn->is_read = true;
	insn->is_write = sub != 4;
	insn->has_imm = true;
	insn->imm = fetch_le(d, 1);
}

/* 0F 90-9F: SETcc r/m8, a store of 0 or 1; ModRM.reg is ignored. */
static void decode_setcc(struct mmio_decoder *d, struct mmio_insn *insn,
			 u8 op)
{
	decode_modrm(d);
	insn->op = MMIO_OP_SETCC;
	insn->alu = op & 0xf;
	insn->size = 1;
	insn->is_write = true;
}

/* 0F 40-4F: CMOVcc reg, r/m. Memory is read whatever the condition. */
static void decode_cmov(struct mmio_decoder *d, struct mmio_insn *insn,
			u8 op)
{
	decode_reg_access(d, insn, d->opsize, true, false);
	insn->op = MMIO_OP_CMOV;
	insn->alu = op & 0xf;
}

/* 0F AF: IMUL reg, r/m; 69, 6B: IMUL reg, r/m, imm16/32 or imm8. */
static void decode_imul(struct mmio_decoder *d, struct mmio_insn *insn,
			u8 op)
{
	decode_reg_access(d, insn, d->opsize, true, false);
	insn->op = MMIO_OP_IMUL;
	if (op == 0x69)
		fetch_imm(d, insn, d->opsize == 2 ? 2 : 4);
	else if (op == 0x6b)
		fetch_imm(d, insn, 1);
}

static void decode_pop(struct mmio_decoder *d, struct mmio_insn *insn)
{
	decode_modrm(d);
	if ((d->modrm >> 3) & 7) {
		fail(d, MMIO_INSN_EUNSUPPORTED);
		return;
	}
	decode_push_pop(d, insn, false);
}

/* 8C: MOV r/m16, Sreg. To memory it is a 16-bit store at any opsize. */
static void decode_store_sreg(struct mmio_decoder *d, struct mmio_insn *insn)
{
	decode_modrm(d);
	if (((d->modrm >> 3) & 7) > MMIO_SEG_GS) {
		fail(d, MMIO_INSN_EUNSUPPORTED);
		return;
	}
	insn->op = MMIO_OP_STORE_SREG;
	insn->alu = (d->modrm >> 3) & 7;
	insn->size = 2;
	insn->is_write = true;
}

static void decode_0f(struct mmio_decoder *d, struct mmio_insn *insn)
{
	u8 op = fetch_byte(d);

	if (d->err)
		return;
	/* F2/F3 turn this map into other instructions (POPCNT, TZCNT...). */
	if (d->rep) {
		fail(d, MMIO_INSN_EUNSUPPORTED);
		return;
	}
	switch (op) {
	case 0xb6:
		decode_movx(d, insn, 1, false);
		break;
	case 0xb7:
		decode_movx(d, insn, 2, false);
		break;
	case 0xbe:
		decode_movx(d, insn, 1, true);
		break;
	case 0xbf:
		decode_movx(d, insn, 2, true);
		break;
	case 0xb0: case 0xb1: case 0xc0: case 0xc1:
		decode_cmpxchg_xadd(d, insn, op);
		break;
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		decode_bit_reg(d, insn, op);
		break;
	case 0xba:
		decode_bit_imm(d, insn);
		break;
	case 0xaf:
		decode_imul(d, insn, op);
		break;
	case 0xa0: case 0xa8:
		decode_push_sreg(d, insn, op == 0xa0 ? MMIO_SEG_FS : MMIO_SEG_GS);
		break;
	case 0x40 ... 0x4f:
		decode_cmov(d, insn, op);
		break;
	case 0x90 ... 0x9f:
		decode_setcc(d, insn, op);
		break;
	case 0xc3:
		/* MOVNTI has no 16-bit form, so 66 cannot shrink it. */
		decode_mov_store(d, insn, d->rex & REX_W ? 8 : 4);
		break;
	default:
		fail(d, MMIO_INSN_EUNSUPPORTED);
	}
}

/*
 * A4-A7, AA-AF: MOVS, CMPS, STOS, LODS, SCAS. REPNE repeats MOVS, STOS
 * and LODS as REP does; CMPS and SCAS stop on ZF as the prefix says.
 */
static void decode_string(struct mmio_decoder *d, struct mmio_insn *insn,
			  u8 op, u8 size)
{
	static const u8 ops[6] = {
		MMIO_OP_MOVS, MMIO_OP_CMPS, 0, MMIO_OP_STOS, MMIO_OP_LODS,
		MMIO_OP_SCAS,
	};

	insn->op = ops[((op & 0x0e) - 4) / 2];
	insn->size = size;
	insn->rep = d->rep;
	insn->repne = d->rep && d->repne;
	insn->addr_size = d->addrsize;
	insn->seg = d->seg;
	insn->is_read = insn->op != MMIO_OP_STOS;
	insn->is_write = insn->op == MMIO_OP_MOVS || insn->op == MMIO_OP_STOS;
	if (insn->op != MMIO_OP_MOVS && insn->op != MMIO_OP_CMPS)
		set_reg(d, insn, MMIO_INSN_RAX, size);
	insn->reg_high_byte = false;
}

static bool is_port_string_op(u8 op)
{
	return op >= 0x6c && op <= 0x6f;	/* INS, OUTS */
}

static void decode_opcode(struct mmio_decoder *d, struct mmio_insn *insn,
			  u8 op)
{
	/* Bit 0 of the one-byte MOV and XCHG opcodes picks byte or full. */
	u8 size = op & 1 ? d->opsize : 1;

	switch (op) {
	case 0x88: case 0x89:
		decode_mov_store(d, insn, size);
		break;
	case 0x8a: case 0x8b:
		decode_mov_load(d, insn, size);
		break;
	case 0x86: case 0x87:
		decode_xchg(d, insn, size);
		break;
	case 0xc6: case 0xc7:
		decode_mov_imm(d, insn, size);
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		decode_mov_moffs(d, insn, op, size);
		break;
	case 0x63:
		if (d->mode == MMIO_INSN_LONG64)
			decode_movsxd(d, insn);
		else
			fail(d, MMIO_INSN_EUNSUPPORTED);
		break;
	case 0x0f:
		decode_0f(d, insn);
		break;
	case 0x82:
		if (d->mode == MMIO_INSN_LONG64)
			fail(d, MMIO_INSN_EUNSUPPORTED);
		else
			decode_alu_imm(d, insn, 0x80);
		break;
	case 0x80: case 0x81: case 0x83:
		decode_alu_imm(d, insn, op);
		break;
	case 0x84: case 0x85:
		decode_test_rm(d, insn, size);
		break;
	case 0xf6: case 0xf7:
		decode_group3(d, insn, size);
		break;
	case 0xfe: case 0xff:
		decode_group45(d, insn, size);
		break;
	case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		decode_shift(d, insn, op);
		break;
	case 0x69: case 0x6b:
		decode_imul(d, insn, op);
		break;
	case 0x8f:
		decode_pop(d, insn);
		break;
	case 0x8c:
		decode_store_sreg(d, insn);
		break;
	case 0x06: case 0x0e: case 0x16: case 0x1e:
		if (d->mode == MMIO_INSN_LONG64)
			fail(d, MMIO_INSN_EUNSUPPORTED);
		else
			decode_push_sreg(d, insn, op >> 3);
		break;
	case 0xd7:
		decode_xlat(d, insn);
		break;
	case 0x50 ... 0x5f: case 0x68: case 0x6a: case 0x9c:
		decode_stack_op(d, insn, op);
		break;
	case 0x60: case 0x61:
		decode_stack_all(d, insn, op);
		break;
	case 0xd9: case 0xdd:
		decode_x87_store(d, insn, op);
		break;
	case 0xa4: case 0xa5: case 0xa6: case 0xa7:
	case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
		decode_string(d, insn, op, size);
		break;
	default:
		if (op < 0x40 && (op & 7) < 4) {
			decode_alu_rm(d, insn, op);
			break;
		}
		fail(d, is_port_string_op(op) ? MMIO_INSN_ESTRING :
					   MMIO_INSN_EUNSUPPORTED);
	}
}

/*
 * Decodes the instruction at the start of bytes (len of them readable).
 * Returns 0 and fills insn, or a negated enum mmio_insn_error and leaves
 * insn untouched. -MMIO_INSN_ETRUNCATED means more bytes are needed.
 */
int mmio_insn_decode(struct mmio_insn *insn, const u8 *bytes,
		     unsigned int len, enum mmio_insn_mode mode)
{
	struct mmio_decoder d = {
		.bytes = bytes,
		.avail = len,
		.mode = mode,
	};
	struct mmio_insn out = { 0 };
	u8 op;

	op = decode_prefixes(&d);
	if (!d.err)
		decode_opcode(&d, &out, op);
	if (d.err)
		return d.err;
	out.len = d.pos;
	*insn = out;
	return 0;
}

/*
 * The value a pure store puts in memory, in the low insn->size bytes
 * (POP's comes from the stack, which the caller reads).
 */
u64 mmio_insn_store_value(const struct mmio_insn *insn, const u64 *gprs,
			  u64 rflags)
{
	u64 val;

	if (insn->op == MMIO_OP_SETCC)
		return mmio_insn_condition(insn->alu, rflags);
	/* PUSHF's image has VM and RF clear. */
	if (insn->from_flags)
		return rflags & ~0x30000ULL & size_mask(insn->size);
	if (insn->has_imm)
		return insn->imm & size_mask(insn->size);
	val = gprs[insn->reg];
	if (insn->reg_high_byte)
		val >>= 8;
	return val & size_mask(insn->size);
}

/*
 * Writes @val into a register the way the CPU would: 8- and 16-bit writes
 * keep the rest of the register, 32-bit writes clear bits 63:32
 * (architectural in 64-bit mode, and what CPUs do elsewhere).
 */
static void put_reg(u64 *reg, u8 size, bool high_byte, u64 val)
{
	switch (size) {
	case 1:
		if (high_byte)
			*reg = (*reg & ~0xff00ULL) | (val & 0xff) << 8;
		else
			*reg = (*reg & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		*reg = (*reg & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		*reg = (u32)val;
		break;
	default:
		*reg = val;
	}
}

/* Puts the value a load returned into its register, extended as it says. */
void mmio_insn_complete_read(const struct mmio_insn *insn, u64 *gprs,
			     u64 value)
{
	u64 val;

	if (!insn->is_read)
		return;
	if (insn->sign_extend)
		val = sign_extend(value, insn->size);
	else
		val = value & size_mask(insn->size);
	put_reg(&gprs[insn->reg], insn->reg_size, insn->reg_high_byte, val);
}

static bool parity_even(u8 v)
{
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return !(v & 1);
}

#define FLAG_CF		0x001ULL
#define FLAG_PF		0x004ULL
#define FLAG_AF		0x010ULL
#define FLAG_ZF		0x040ULL
#define FLAG_SF		0x080ULL
#define FLAG_OF		0x800ULL

/* CF, AF and OF of a + b + carry or a - b - borrow, as the CPU sets them. */
static u64 carry_flags(bool sub, u64 a, u64 b, u64 r, bool cin, u64 sign)
{
	u64 flags = (a ^ b ^ r) & FLAG_AF;
	bool cf;

	if (sub) {
		cf = cin ? a <= b : a < b;
		if ((a ^ b) & (a ^ r) & sign)
			flags |= FLAG_OF;
	} else {
		cf = cin ? r <= a : r < a;
		if ((a ^ r) & (b ^ r) & sign)
			flags |= FLAG_OF;
	}
	return flags | (cf ? FLAG_CF : 0);
}

/*
 * a op b at @size bytes: returns the result and sets CF, PF, AF, ZF, SF
 * and OF in *rflags as the instruction does (INC and DEC keep CF, NOT
 * changes no flag; the logical ones clear AF, which the SDM leaves
 * undefined). Operands are taken modulo the size.
 */
u64 mmio_insn_alu(enum mmio_insn_alu alu, u8 size, u64 a, u64 b, u64 *rflags)
{
	u64 mask = size_mask(size), sign = 1ULL << (size * 8 - 1);
	bool cin = *rflags & FLAG_CF;
	u64 r, flags = 0;

	a &= mask;
	b &= mask;
	switch (alu) {
	case MMIO_ALU_ADD:
	case MMIO_ALU_ADC:
		cin = alu == MMIO_ALU_ADC && cin;
		r = (a + b + cin) & mask;
		flags = carry_flags(false, a, b, r, cin, sign);
		break;
	case MMIO_ALU_SUB:
	case MMIO_ALU_SBB:
	case MMIO_ALU_CMP:
		cin = alu == MMIO_ALU_SBB && cin;
		r = (a - b - cin) & mask;
		flags = carry_flags(true, a, b, r, cin, sign);
		break;
	case MMIO_ALU_INC:
	case MMIO_ALU_DEC:
		r = (alu == MMIO_ALU_INC ? a + 1 : a - 1) & mask;
		flags = carry_flags(alu == MMIO_ALU_DEC, a, 1, r, false, sign);
		flags = (flags & ~FLAG_CF) | (*rflags & FLAG_CF);
		break;
	case MMIO_ALU_NEG:
		r = -a & mask;
		flags = carry_flags(true, 0, a, r, false, sign);
		break;
	case MMIO_ALU_NOT:
		return ~a & mask;
	case MMIO_ALU_OR:
		r = a | b;
		break;
	case MMIO_ALU_XOR:
		r = a ^ b;
		break;
	default:	/* AND, TEST */
		r = a & b;
		break;
	}
	if (!r)
		flags |= FLAG_ZF;
	if (r & sign)
		flags |= FLAG_SF;
	if (parity_even(r))
		flags |= FLAG_PF;
	*rflags = (*rflags & ~MMIO_INSN_ARITH_FLAGS) | flags;
	return r;
}

static u64 msb(u64 v, u8 size)
{
	return (v >> (size * 8 - 1)) & 1;
}

/* ZF, SF and PF of a result. */
static u64 result_flags(u64 r, u8 size)
{
	u64 flags = parity_even(r) ? FLAG_PF : 0;

	if (!(r & size_mask(size)))
		flags |= FLAG_ZF;
	if (msb(r, size))
		flags |= FLAG_SF;
	return flags;
}

static u64 cf_of(bool cf, bool of)
{
	return (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
}

/*
 * ROL, ROR, RCL, RCR: only CF and OF change. OF is defined for a count
 * of 1; for larger counts this gives what Intel CPUs give, the same
 * formula. RCL and RCR rotate through CF, so an 8-bit operand turns
 * over every 9 and a 16-bit one every 17; a count of 63 at most keeps
 * the bit-by-bit loop short.
 */
static u64 rotate(enum mmio_insn_shift kind, u8 size, u64 a, u8 count,
		  u64 *rflags)
{
	unsigned int n = size * 8, c, i;
	u64 mask = size_mask(size), r = a, out;
	bool cf = *rflags & FLAG_CF, of;

	switch (kind) {
	case MMIO_SHIFT_ROL:
		c = count % n;
		if (c)
			r = ((a << c) | (a >> (n - c))) & mask;
		cf = r & 1;
		of = msb(r, size) ^ cf;
		break;
	case MMIO_SHIFT_ROR:
		c = count % n;
		if (c)
			r = ((a >> c) | (a << (n - c))) & mask;
		cf = msb(r, size);
		of = cf ^ msb(r << 1, size);
		break;
	case MMIO_SHIFT_RCL:
		c = count % (n + 1);
		for (i = 0; i < c; i++) {
			out = msb(r, size);
			r = ((r << 1) | cf) & mask;
			cf = out;
		}
		of = msb(r, size) ^ cf;
		break;
	default:	/* RCR */
		c = count % (n + 1);
		of = msb(a, size) ^ cf;
		for (i = 0; i < c; i++) {
			out = r & 1;
			r = (r >> 1) | ((u64)cf << (n - 1));
			cf = out;
		}
		break;
	}
	*rflags = (*rflags & ~(FLAG_CF | FLAG_OF)) | cf_of(cf, of);
	return r;
}

/*
 * SHL (SAL), SHR, SAR: CF is the last bit shifted out (0 once the count
 * passes the width), OF is defined for a count of 1 (and computed so for
 * all), ZF, SF and PF follow the result, AF is cleared as Intel CPUs do.
 */
static u64 shift(enum mmio_insn_shift kind, u8 size, u64 a, u8 count,
		 u64 *rflags)
{
	unsigned int n = size * 8;
	s64 sa = sign_extend(a, size);
	u64 mask = size_mask(size), r;
	bool cf, of;

	switch (kind) {
	case MMIO_SHIFT_SHR:
		r = count < n ? a >> count : 0;
		cf = count <= n && ((a >> (count - 1)) & 1);
		of = msb(a, size);
		break;
	case MMIO_SHIFT_SAR:
		r = (u64)(sa >> (count < 63 ? count : 63)) & mask;
		cf = (sa >> (count - 1 < 63 ? count - 1 : 63)) & 1;
		of = false;
		break;
	default:	/* SHL, SAL */
		r = count < n ? (a << count) & mask : 0;
		cf = count <= n && ((a >> (n - count)) & 1);
		of = msb(r, size) ^ cf;
		break;
	}
	*rflags = (*rflags & ~MMIO_INSN_ARITH_FLAGS) | cf_of(cf, of) |
		  result_flags(r, size);
	return r;
}

/*
 * Shifts or rotates @a of @size bytes by @count (masked to 5 bits, or 6
 * for 64-bit operands, as the CPU does); a masked count of 0 changes no
 * flag.
 */
u64 mmio_insn_shift(enum mmio_insn_shift kind, u8 size, u64 a, u8 count,
		    u64 *rflags)
{
	a &= size_mask(size);
	count &= size == 8 ? 0x3f : 0x1f;
	if (!count)
		return a;
	if (kind < MMIO_SHIFT_SHL)
		return rotate(kind, size, a, count, rflags);
	return shift(kind, size, a, count, rflags);
}

/*
 * BT, BTS, BTR, BTC on bit @bit (modulo the width) of @a: CF gets the
 * bit's old value; the other flags are left alone (the SDM leaves OF,
 * SF, AF and PF undefined and ZF unchanged). Returns @a as changed.
 */
u64 mmio_insn_bit(enum mmio_insn_bit kind, u8 size, u64 a, u64 bit,
		  u64 *rflags)
{
	u64 m = 1ULL << (bit & (size * 8 - 1));

	*rflags = (*rflags & ~FLAG_CF) | (a & m ? FLAG_CF : 0);
	switch (kind) {
	case MMIO_BIT_SET:
		a |= m;
		break;
	case MMIO_BIT_RESET:
		a &= ~m;
		break;
	case MMIO_BIT_COMPLEMENT:
		a ^= m;
		break;
	default:
		break;
	}
	return a & size_mask(size);
}

/*
 * The low half of the signed product: CF and OF say it lost bits; SF,
 * ZF, AF and PF are undefined, and follow the result here (AF cleared).
 */
u64 mmio_insn_imul(u8 size, u64 a, u64 b, u64 *rflags)
{
	s64 x = sign_extend(a, size), y = sign_extend(b, size), p;
	bool over;

	if (size == 8) {
		over = __builtin_mul_overflow(x, y, &p);
	} else {
		p = x * y;
		over = sign_extend(p, size) != (u64)p;
	}
	*rflags = (*rflags & ~MMIO_INSN_ARITH_FLAGS) | cf_of(over, over) |
		  result_flags(p, size);
	return (u64)p & size_mask(size);
}

/* Jcc, SETcc and CMOVcc's condition: bits 3:1 pick a test, bit 0 negates. */
bool mmio_insn_condition(u8 cond, u64 rflags)
{
	bool cf = rflags & FLAG_CF, zf = rflags & FLAG_ZF;
	bool sf = rflags & FLAG_SF, of = rflags & FLAG_OF;
	bool r;

	switch ((cond >> 1) & 7) {
	case 0:
		r = of;
		break;
	case 1:
		r = cf;
		break;
	case 2:
		r = zf;
		break;
	case 3:
		r = cf || zf;
		break;
	case 4:
		r = sf;
		break;
	case 5:
		r = rflags & FLAG_PF;
		break;
	case 6:
		r = sf != of;
		break;
	default:
		r = zf || sf != of;
		break;
	}
	return r != (cond & 1);
}

/* (hi:lo) / d, given hi < d: restoring division, one bit a step. */
static u64 divide_128(u64 hi, u64 lo, u64 d, u64 *rem)
{
	int i;

	for (i = 0; i < 64; i++) {
		bool top = hi >> 63;

		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		if (top || hi >= d) {
			hi -= d;
			lo |= 1;
		}
	}
	*rem = hi;
	return lo;
}

/* The dividend of a DIV or IDIV of @size: rDX:rAX, or AX for bytes. */
static void dividend(u8 size, bool is_signed, u64 rax, u64 rdx, u64 *hi,
		     u64 *lo)
{
	unsigned int n = size * 8;

	if (size == 8) {
		*hi = rdx;
		*lo = rax;
		return;
	}
	*lo = size == 1 ? rax & 0xffff :
			  ((rdx & size_mask(size)) << n) | (rax & size_mask(size));
	*hi = 0;
	if (is_signed && ((*lo >> (2 * n - 1)) & 1)) {
		*hi = ~0ULL;
		if (2 * n < 64)
			*lo |= ~0ULL << (2 * n);
	}
}

/* DIV and IDIV: false where the CPU raises #DE, registers untouched. */
static bool divide(bool is_signed, u8 size, u64 *rax, u64 *rdx, u64 src)
{
	u64 hi, lo, d = src & size_mask(size), q, r, limit;
	bool neg_n = false, neg_d = false;

	dividend(size, is_signed, *rax, *rdx, &hi, &lo);
	if (is_signed) {
		neg_n = hi >> 63;
		neg_d = msb(d, size);
		if (neg_n) {
			lo = -lo;
			hi = ~hi + !lo;
		}
		if (neg_d)
			d = -sign_extend(d, size);
	}
	if (!d || hi >= d)
		return false;
	q = divide_128(hi, lo, d, &r);
	limit = is_signed ? (1ULL << (size * 8 - 1)) - !(neg_n ^ neg_d) :
			    size_mask(size);
	if (q > limit)
		return false;
	if (neg_n ^ neg_d)
		q = -q;
	if (neg_n)
		r = -r;
	if (size == 1) {
		put_reg(rax, 2, false, (q & 0xff) | (r & 0xff) << 8);
	} else {
		put_reg(rax, size, false, q);
		put_reg(rdx, size, false, r);
	}
	return true;
}

/*
 * MUL, IMUL (one operand), DIV, IDIV with @src from memory: on rAX, or
 * AX for bytes, and rDX. Returns false (changing nothing) where the CPU
 * raises #DE. MUL and IMUL set CF and OF when the high half matters;
 * the flags the SDM leaves undefined follow the low half here (DIV and
 * IDIV leave them all alone).
 */
bool mmio_insn_mul_div(enum mmio_insn_muldiv kind, u8 size, u64 *rax,
		       u64 *rdx, u64 src, u64 *rflags)
{
	unsigned int n = size * 8;
	unsigned __int128 p;
	u64 low, high;
	bool over;

	if (kind >= MMIO_DIV)
		return divide(kind == MMIO_IDIV, size, rax, rdx, src);
	if (kind == MMIO_IMUL)
		p = (unsigned __int128)((__int128)(s64)sign_extend(*rax, size) *
					(s64)sign_extend(src, size));
	else
		p = (unsigned __int128)(*rax & size_mask(size)) *
		    (src & size_mask(size));
	low = (u64)p & size_mask(size);
	high = size == 8 ? (u64)(p >> 64) : (u64)(p >> n) & size_mask(size);
	if (kind == MMIO_IMUL)
		over = sign_extend(low, size) != (u64)(s64)(__int128)p ||
		       (size == 8 && (u64)(p >> 64) != (u64)((s64)low >> 63));
	else
		over = high;
	if (size == 1) {
		put_reg(rax, 2, false, low | high << 8);
	} else {
		put_reg(rax, size, false, low);
		put_reg(rdx, size, false, high);
	}
	*rflags = (*rflags & ~MMIO_INSN_ARITH_FLAGS) | cf_of(over, over) |
		  result_flags(low, size);
	return true;
}

static u64 source_operand(const struct mmio_insn *insn, const u64 *gprs)
{
	u64 val;

	if (insn->has_imm)
		return insn->imm;
	val = gprs[insn->reg];
	if (insn->reg_high_byte)
		val >>= 8;
	return val & size_mask(insn->size);
}

/*
 * An instruction that read @mem from memory: sets its registers and
 * arithmetic flags as the CPU would, and returns true with *store set when
 * it writes memory back (CMPXCHG always does, as the CPU's locked cycle).
 */
bool mmio_insn_execute(const struct mmio_insn *insn, u64 *gprs, u64 *rflags,
		       u64 mem, u64 *store)
{
	u64 src = source_operand(insn, gprs);
	u64 acc, r;

	mem &= size_mask(insn->size);
	switch (insn->op) {
	case MMIO_OP_XCHG:
		*store = src;
		put_reg(&gprs[insn->reg], insn->reg_size, insn->reg_high_byte,
			mem);
		return true;
	case MMIO_OP_XADD:
		*store = mmio_insn_alu(MMIO_ALU_ADD, insn->size, mem, src,
				       rflags);
		put_reg(&gprs[insn->reg], insn->reg_size, insn->reg_high_byte,
			mem);
		return true;
	case MMIO_OP_CMPXCHG:
		acc = gprs[MMIO_INSN_RAX] & size_mask(insn->size);
		mmio_insn_alu(MMIO_ALU_CMP, insn->size, acc, mem, rflags);
		*store = acc == mem ? src : mem;
		if (acc != mem)
			put_reg(&gprs[MMIO_INSN_RAX], insn->size, false, mem);
		return true;
	case MMIO_OP_SHIFT:
		*store = mmio_insn_shift(insn->alu, insn->size, mem,
					 insn->count_cl ? gprs[MMIO_INSN_RCX] :
							  insn->imm,
					 rflags);
		return true;
	case MMIO_OP_BT:
		*store = mmio_insn_bit(insn->alu, insn->size, mem, src, rflags);
		return insn->is_write;
	case MMIO_OP_CMOV:
		/* A 32-bit CMOV clears bits 63:32 even when it moves nothing. */
		if (mmio_insn_condition(insn->alu, *rflags))
			put_reg(&gprs[insn->reg], insn->reg_size, false, mem);
		else if (insn->reg_size == 4)
			put_reg(&gprs[insn->reg], 4, false, gprs[insn->reg]);
		return false;
	case MMIO_OP_IMUL:
		put_reg(&gprs[insn->reg], insn->reg_size, false,
			mmio_insn_imul(insn->size, mem, insn->has_imm ? insn->imm :
				       gprs[insn->reg], rflags));
		return false;
	case MMIO_OP_PUSH:
	case MMIO_OP_POP:
	case MMIO_OP_MUL_DIV:
	case MMIO_OP_PUSHA:
	case MMIO_OP_POPA:
	case MMIO_OP_STORE_FPU:
		/*
		 * The caller moves the value between memory and stack, or
		 * calls mmio_insn_mul_div(), which may have to raise #DE.
		 */
		return false;
	case MMIO_OP_ALU:
		if (insn->to_reg) {
			r = mmio_insn_alu(insn->alu, insn->size, src, mem,
					  rflags);
			if (insn->alu != MMIO_ALU_CMP)
				put_reg(&gprs[insn->reg], insn->reg_size,
					insn->reg_high_byte, r);
			return false;
		}
		*store = mmio_insn_alu(insn->alu, insn->size, mem, src, rflags);
		return insn->is_write;
	default:
		mmio_insn_complete_read(insn, gprs, mem);
		return false;
	}
}

/*
 * PUSHA stores rAX first, just below the stack pointer, and rDI last, at
 * the new top; POPA reads rDI first, at the top, and rAX last. Slot @slot
 * (0-7, in that order of access) holds this register...
 */
u8 mmio_insn_slot_reg(const struct mmio_insn *insn, unsigned int slot)
{
	return insn->op == MMIO_OP_PUSHA ? slot : 7 - slot;
}

/* ... at this offset from the stack pointer before the instruction. */
s64 mmio_insn_slot_offset(const struct mmio_insn *insn, unsigned int slot)
{
	if (insn->op == MMIO_OP_PUSHA)
		return -(s64)insn->size * (slot + 1);
	return (s64)insn->size * slot;
}

/* POPA's registers from its slots; rSP's slot is read by no one. */
void mmio_insn_popa(const struct mmio_insn *insn, u64 *gprs,
		    const u64 *slots)
{
	unsigned int slot;
	u8 reg;

	for (slot = 0; slot < MMIO_INSN_STACK_SLOTS; slot++) {
		reg = mmio_insn_slot_reg(insn, slot);
		if (reg != MMIO_INSN_RSP)
			put_reg(&gprs[reg], insn->size, false, slots[slot]);
	}
}

const char *mmio_insn_strerror(int err)
{
	switch (-err) {
	case 0:
		return "success";
	case MMIO_INSN_ETRUNCATED:
		return "instruction continues past the bytes given";
	case MMIO_INSN_ETOOLONG:
		return "instruction longer than 15 bytes";
	case MMIO_INSN_EUNSUPPORTED:
		return "instruction not emulated for MMIO";
	case MMIO_INSN_ESTRING:
		return "string instruction not emulated for MMIO";
	case MMIO_INSN_ENOTMEM:
		return "instruction has no memory operand";
	}
	return "unknown decoder error";
}
