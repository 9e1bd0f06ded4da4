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
	bool opsize_override;	/* 66 */
	u8 opsize;		/* 2, 4 or 8 */
	u8 addrsize;		/* 2, 4 or 8 */
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
		if (b == 0x66)
			d->opsize_override = true;
		else if (b == 0x67)
			addrsize_override = true;
		else if (b == 0xf2 || b == 0xf3)
			d->rep = true;
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
	case 0xc3:
		/* MOVNTI has no 16-bit form, so 66 cannot shrink it. */
		decode_mov_store(d, insn, d->rex & REX_W ? 8 : 4);
		break;
	default:
		fail(d, MMIO_INSN_EUNSUPPORTED);
	}
}

static bool is_string_op(u8 op)
{
	return (op >= 0x6c && op <= 0x6f) ||	/* INS, OUTS */
	       (op >= 0xa4 && op <= 0xa7) ||	/* MOVS, CMPS */
	       (op >= 0xaa && op <= 0xaf);	/* STOS, LODS, SCAS */
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
	default:
		fail(d, is_string_op(op) ? MMIO_INSN_ESTRING :
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

/* The value a write puts in memory, in the low insn->size bytes. */
u64 mmio_insn_store_value(const struct mmio_insn *insn, const u64 *gprs)
{
	u64 val;

	if (insn->has_imm)
		return insn->imm & size_mask(insn->size);
	val = gprs[insn->reg];
	if (insn->reg_high_byte)
		val >>= 8;
	return val & size_mask(insn->size);
}

/*
 * Puts the value a read returned into its register the way the CPU would:
 * 8- and 16-bit writes keep the rest of the register, 32-bit writes clear
 * bits 63:32 (architectural in 64-bit mode, and what CPUs do elsewhere).
 */
void mmio_insn_complete_read(const struct mmio_insn *insn, u64 *gprs,
			     u64 value)
{
	u64 *reg = &gprs[insn->reg];
	u64 val;

	if (!insn->is_read)
		return;
	if (insn->sign_extend)
		val = sign_extend(value, insn->size);
	else
		val = value & size_mask(insn->size);

	switch (insn->reg_size) {
	case 1:
		if (insn->reg_high_byte)
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
