// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the MMIO instruction decoder (module/emul/insn.c).
 *
 * Every byte sequence below was produced by GNU as (--64, --32, or --32 with
 * .code16) and checked with objdump; the text beside it is objdump's.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "emul/insn.h"

enum {
	AX, CX, DX, BX, SP, BP, SI, DI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

struct vector {
	const char *text;
	const char *bytes;
	unsigned int nbytes;
	struct mmio_insn want;
};

/* Each vector is exactly one instruction, so its length is nbytes. */
#define V(txt, b, ...) \
	{ txt, b, sizeof(b) - 1, { .len = sizeof(b) - 1, __VA_ARGS__ } }
#define LOAD(sz, r)	.size = sz, .is_read = true, .reg = r, .reg_size = sz
#define STORE(sz, r)	.size = sz, .is_write = true, .reg = r, .reg_size = sz
#define XCHG(sz, r)	LOAD(sz, r), .is_write = true, .op = MMIO_OP_XCHG
/* Arithmetic with memory as destination (RMW), source (to a register), or
 * compared only; the second operand a register or an immediate. */
#define ALU_M(a, sz, r)	.op = MMIO_OP_ALU, .alu = MMIO_ALU_##a, .size = sz, \
			.is_read = true, .is_write = true, .reg = r, \
			.reg_size = sz
#define ALU_R(a, sz, r)	.op = MMIO_OP_ALU, .alu = MMIO_ALU_##a, .size = sz, \
			.is_read = true, .to_reg = true, .reg = r, \
			.reg_size = sz
#define ALU_C(a, sz, r)	.op = MMIO_OP_ALU, .alu = MMIO_ALU_##a, .size = sz, \
			.is_read = true, .reg = r, .reg_size = sz
#define ALU_I(a, sz, val)	.op = MMIO_OP_ALU, .alu = MMIO_ALU_##a, \
			.size = sz, .is_read = true, .is_write = true, \
			.has_imm = true, .imm = val
#define ALU_CI(a, sz, val)	.op = MMIO_OP_ALU, .alu = MMIO_ALU_##a, \
			.size = sz, .is_read = true, .has_imm = true, .imm = val
#define ALU_1(a, sz)	.op = MMIO_OP_ALU, .alu = MMIO_ALU_##a, .size = sz, \
			.is_read = true, .is_write = true
#define CMPXCHG(sz, r)	LOAD(sz, r), .is_write = true, .op = MMIO_OP_CMPXCHG
#define XADD(sz, r)	LOAD(sz, r), .is_write = true, .op = MMIO_OP_XADD
#define IMM(sz, val)	.size = sz, .is_write = true, .has_imm = true, \
			.imm = val
#define ZX(sz, r, rsz)	.size = sz, .is_read = true, .reg = r, .reg_size = rsz
#define SX(sz, r, rsz)	ZX(sz, r, rsz), .sign_extend = true
#define HIGH		.reg_high_byte = true

static const struct vector long64[] = {
	V("mov %eax,(%rdi)", "\x89\x07", STORE(4, AX)),
	V("mov %rax,(%rdi)", "\x48\x89\x07", STORE(8, AX)),
	V("mov %r9d,0x10(%r12)", "\x45\x89\x4c\x24\x10", STORE(4, R9)),
	V("mov %ax,(%rdx)", "\x66\x89\x02", STORE(2, AX)),
	V("mov %bh,(%rsi)", "\x88\x3e", STORE(1, BX), HIGH),
	V("mov %dil,(%rsi)", "\x40\x88\x3e", STORE(1, DI)),
	V("mov %spl,(%rdi)", "\x40\x88\x27", STORE(1, SP)),
	V("mov %r15b,(%rax)", "\x44\x88\x38", STORE(1, R15)),
	V("mov %r12b,(%r12)", "\x45\x88\x24\x24", STORE(1, R12)),
	V("mov %ah,0x300(%rip)", "\x88\x25\x00\x03\x00\x00",
	  STORE(1, AX), HIGH),
	V("mov (%rdi),%eax", "\x8b\x07", LOAD(4, AX)),
	V("mov (%rdi),%rax", "\x48\x8b\x07", LOAD(8, AX)),
	V("mov 0x12345678(%rax,%rcx,8),%r10",
	  "\x4c\x8b\x94\xc8\x78\x56\x34\x12", LOAD(8, R10)),
	V("mov 0x8(%r12,%r13,2),%r14", "\x4f\x8b\x74\x6c\x08", LOAD(8, R14)),
	V("mov (%rsp),%ecx", "\x8b\x0c\x24", LOAD(4, CX)),
	V("mov 0x20(%rbp),%edx", "\x8b\x55\x20", LOAD(4, DX)),
	V("mov 0x0(%r13),%esi", "\x41\x8b\x75\x00", LOAD(4, SI)),
	V("mov 0x0(,%rbx,4),%edi", "\x8b\x3c\x9d\x00\x00\x00\x00",
	  LOAD(4, DI)),
	V("mov (%rsi),%dh", "\x8a\x36", LOAD(1, DX), HIGH),
	V("mov (%rsi),%sil", "\x40\x8a\x36", LOAD(1, SI)),
	V("mov 0x40(%rip),%bh", "\x8a\x3d\x40\x00\x00\x00", LOAD(1, BX), HIGH),
	V("mov (%rsi),%cx", "\x66\x8b\x0e", LOAD(2, CX)),
	V("movb $0x80,(%rdi)", "\xc6\x07\x80", IMM(1, 0x80)),
	V("movw $0x8001,(%rdi)", "\x66\xc7\x07\x01\x80", IMM(2, 0x8001)),
	V("movl $0xfee00000,0x10(%rdi)", "\xc7\x47\x10\x00\x00\xe0\xfe",
	  IMM(4, 0xfee00000)),
	V("movq $0xfffffffffffffffe,(%rdi)", "\x48\xc7\x07\xfe\xff\xff\xff",
	  IMM(8, 0xfffffffffffffffeULL)),
	V("movq $0x7fffffff,0x1000(%rip)",
	  "\x48\xc7\x05\x00\x10\x00\x00\xff\xff\xff\x7f", IMM(8, 0x7fffffff)),
	V("movl $0x12,0xc(%rip)", "\xc7\x05\x0c\x00\x00\x00\x12\x00\x00\x00",
	  IMM(4, 0x12)),
	V("movl $0x12345678,0x0(,%rax,1)",
	  "\xc7\x04\x05\x00\x00\x00\x00\x78\x56\x34\x12", IMM(4, 0x12345678)),
	V("movabs 0xfee00020,%eax", "\xa1\x20\x00\xe0\xfe\x00\x00\x00\x00",
	  LOAD(4, AX)),
	V("movabs 0xfee00020,%al", "\xa0\x20\x00\xe0\xfe\x00\x00\x00\x00",
	  LOAD(1, AX)),
	V("movabs %eax,0xfee00020", "\xa3\x20\x00\xe0\xfe\x00\x00\x00\x00",
	  STORE(4, AX)),
	V("movabs %rax,0xfee000b0",
	  "\x48\xa3\xb0\x00\xe0\xfe\x00\x00\x00\x00", STORE(8, AX)),
	V("addr32 mov 0xfee00020,%eax", "\x67\xa1\x20\x00\xe0\xfe",
	  LOAD(4, AX)),
	V("movzbl (%rdi),%eax", "\x0f\xb6\x07", ZX(1, AX, 4)),
	V("movzwl (%rdi),%eax", "\x0f\xb7\x07", ZX(2, AX, 4)),
	V("movzbq (%rdi),%r8", "\x4c\x0f\xb6\x07", ZX(1, R8, 8)),
	V("movzbw (%rdi),%ax", "\x66\x0f\xb6\x07", ZX(1, AX, 2)),
	V("movsbl (%rdi),%eax", "\x0f\xbe\x07", SX(1, AX, 4)),
	V("movswq (%rdi),%rdx", "\x48\x0f\xbf\x17", SX(2, DX, 8)),
	V("movsbw (%rdi),%cx", "\x66\x0f\xbe\x0f", SX(1, CX, 2)),
	V("movslq (%rdi),%rax", "\x48\x63\x07", SX(4, AX, 8)),
	V("movsxd (%rdi),%eax", "\x63\x07", SX(4, AX, 4)),
	V("movnti %eax,(%rdi)", "\x0f\xc3\x07", STORE(4, AX)),
	V("movnti %r11,(%rdi)", "\x4c\x0f\xc3\x1f", STORE(8, R11)),
	V("xchg %eax,(%rdi)", "\x87\x07", XCHG(4, AX)),
	V("xchg %cl,(%rdi)", "\x86\x0f", XCHG(1, CX)),
	V("xchg %r8,0x310(%rdx)", "\x4c\x87\x82\x10\x03\x00\x00", XCHG(8, R8)),
	V("lock xchg %eax,(%rdi)", "\xf0\x87\x07", XCHG(4, AX)),
	V("mov %fs:(%rax),%eax", "\x64\x8b\x00", LOAD(4, AX)),
	V("mov %eax,%gs:(%rax)", "\x65\x89\x00", STORE(4, AX)),
	V("es cs ss ds mov (%rax),%eax", "\x26\x2e\x36\x3e\x8b\x00",
	  LOAD(4, AX)),
	V("mov (%eax),%eax", "\x67\x8b\x00", LOAD(4, AX)),
	V("xrelease movl $0x1,(%rdi)", "\xf3\xc7\x07\x01\x00\x00\x00",
	  IMM(4, 1)),
	/* REX.W wins over 66. */
	V("data16 mov %rax,(%rdi)", "\x66\x48\x89\x07", STORE(8, AX)),
	/* A REX before a legacy prefix is ignored, REX.R included. */
	V("rex.W; mov %ax,(%rdi)", "\x48\x66\x89\x07", STORE(2, AX)),
	V("rex.R; mov %ax,(%rdi)", "\x44\x66\x89\x07", STORE(2, AX)),
	V("add %eax,(%rdi)", "\x01\x07", ALU_M(ADD, 4, AX)),
	V("add (%rdi),%ecx", "\x03\x0f", ALU_R(ADD, 4, CX)),
	V("addb $0x7f,(%rdi)", "\x80\x07\x7f", ALU_I(ADD, 1, 0x7f)),
	V("orl $0x1,(%rdi)", "\x83\x0f\x01", ALU_I(OR, 4, 1)),
	V("orq $0xfffffffffffffffe,0x10(%rdi)", "\x48\x83\x4f\x10\xfe",
	  ALU_I(OR, 8, 0xfffffffffffffffeULL)),
	V("andw $0x1234,(%rdi)", "\x66\x81\x27\x34\x12",
	  ALU_I(AND, 2, 0x1234)),
	V("andl $0x12345678,(%rdi)", "\x81\x27\x78\x56\x34\x12",
	  ALU_I(AND, 4, 0x12345678)),
	V("sub %r9,(%rsi)", "\x4c\x29\x0e", ALU_M(SUB, 8, R9)),
	V("sbb (%rdi),%dh", "\x1a\x37", ALU_R(SBB, 1, DX), HIGH),
	V("adc %al,(%rdi)", "\x10\x07", ALU_M(ADC, 1, AX)),
	V("xor %r10d,0x300(%rip)", "\x44\x31\x15\x00\x03\x00\x00",
	  ALU_M(XOR, 4, R10)),
	V("cmp %eax,(%rdi)", "\x39\x07", ALU_C(CMP, 4, AX)),
	V("cmp (%rdi),%rbx", "\x48\x3b\x1f", ALU_C(CMP, 8, BX),
	  .to_reg = true),
	V("cmpb $0x80,(%rdi)", "\x80\x3f\x80", ALU_CI(CMP, 1, 0x80)),
	V("test %ecx,(%rdi)", "\x85\x0f", ALU_C(TEST, 4, CX)),
	V("testl $0x80000000,(%rdi)", "\xf7\x07\x00\x00\x00\x80",
	  ALU_CI(TEST, 4, 0x80000000)),
	V("testq $0xffffffffffffffff,(%rdi)",
	  "\x48\xf7\x07\xff\xff\xff\xff", ALU_CI(TEST, 8, ~0ULL)),
	V("testb $0x1,(%rdi)", "\xf6\x07\x01", ALU_CI(TEST, 1, 1)),
	V("notl (%rdi)", "\xf7\x17", ALU_1(NOT, 4)),
	V("negq (%rdi)", "\x48\xf7\x1f", ALU_1(NEG, 8)),
	V("incb (%rdi)", "\xfe\x07", ALU_1(INC, 1)),
	V("decw (%rdi)", "\x66\xff\x0f", ALU_1(DEC, 2)),
	V("incl 0xb0(%rip)", "\xff\x05\xb0\x00\x00\x00", ALU_1(INC, 4)),
	V("lock cmpxchg %ecx,(%rax)", "\xf0\x0f\xb1\x08", CMPXCHG(4, CX)),
	V("cmpxchg %r8b,(%rdi)", "\x44\x0f\xb0\x07", CMPXCHG(1, R8)),
	V("lock xadd %rdx,(%rdi)", "\xf0\x48\x0f\xc1\x17", XADD(8, DX)),
	V("xadd %ax,(%rdi)", "\x66\x0f\xc1\x07", XADD(2, AX)),
	V("lock orl $0x0,(%rsp)", "\xf0\x83\x0c\x24\x00", ALU_I(OR, 4, 0)),
};

static const struct vector prot32[] = {
	V("mov %eax,(%edi)", "\x89\x07", STORE(4, AX)),
	V("mov %ax,(%edi)", "\x66\x89\x07", STORE(2, AX)),
	V("mov %bl,(%edi)", "\x88\x1f", STORE(1, BX)),
	V("mov %ch,0x10(%ebx)", "\x88\x6b\x10", STORE(1, CX), HIGH),
	V("mov (%edi),%esi", "\x8b\x37", LOAD(4, SI)),
	V("mov 0xfee00030,%ebx", "\x8b\x1d\x30\x00\xe0\xfe", LOAD(4, BX)),
	V("mov 0x12345678(%eax,%ecx,8),%edx", "\x8b\x94\xc8\x78\x56\x34\x12",
	  LOAD(4, DX)),
	V("mov 0x0(,%ebx,4),%edi", "\x8b\x3c\x9d\x00\x00\x00\x00",
	  LOAD(4, DI)),
	V("mov (%esp),%ecx", "\x8b\x0c\x24", LOAD(4, CX)),
	V("mov 0x8(%esp),%ecx", "\x8b\x4c\x24\x08", LOAD(4, CX)),
	V("movl $0x11223344,0xfec00010",
	  "\xc7\x05\x10\x00\xc0\xfe\x44\x33\x22\x11", IMM(4, 0x11223344)),
	V("movw $0x1234,(%eax)", "\x66\xc7\x00\x34\x12", IMM(2, 0x1234)),
	V("movb $0x7f,0x4(%esi)", "\xc6\x46\x04\x7f", IMM(1, 0x7f)),
	V("mov 0xfee00020,%eax", "\xa1\x20\x00\xe0\xfe", LOAD(4, AX)),
	V("mov 0xfee00020,%ax", "\x66\xa1\x20\x00\xe0\xfe", LOAD(2, AX)),
	V("mov %al,0xfee00020", "\xa2\x20\x00\xe0\xfe", STORE(1, AX)),
	V("addr16 mov 0x1234,%eax", "\x67\xa1\x34\x12", LOAD(4, AX)),
	V("movzbl (%ecx),%eax", "\x0f\xb6\x01", ZX(1, AX, 4)),
	V("movswl (%ecx),%eax", "\x0f\xbf\x01", SX(2, AX, 4)),
	V("movzwl 0x12(%ecx,%edx,2),%ebp", "\x0f\xb7\x6c\x51\x12",
	  ZX(2, BP, 4)),
	V("movnti %edx,(%ecx)", "\x0f\xc3\x11", STORE(4, DX)),
	V("xchg %eax,0xfee000b0", "\x87\x05\xb0\x00\xe0\xfe", XCHG(4, AX)),
	V("xchg %dh,(%eax)", "\x86\x30", XCHG(1, DX), HIGH),
	V("mov (%bx,%si),%eax", "\x67\x8b\x00", LOAD(4, AX)),
	V("mov 0x1234(%bp),%eax", "\x67\x8b\x86\x34\x12", LOAD(4, AX)),
	V("lock xchg %ecx,%fs:(%eax)", "\x64\xf0\x87\x08", XCHG(4, CX)),
	V("addl $0x10,0xfee00080", "\x83\x05\x80\x00\xe0\xfe\x10",
	  ALU_I(ADD, 4, 0x10)),
	V("orb $0x1,(%edi) (82 /1)", "\x82\x0f\x01", ALU_I(OR, 1, 1)),
	V("or %edx,(%ecx)", "\x09\x11", ALU_M(OR, 4, DX)),
	V("xor (%eax),%bl", "\x32\x18", ALU_R(XOR, 1, BX)),
	V("cmpw $0x1234,(%eax)", "\x66\x81\x38\x34\x12",
	  ALU_CI(CMP, 2, 0x1234)),
};

/* Real mode and 16-bit protected mode decode alike. */
static const struct vector mode16[] = {
	V("mov %ax,(%bx)", "\x89\x07", STORE(2, AX)),
	V("mov %eax,(%bx)", "\x66\x89\x07", STORE(4, AX)),
	V("mov %al,(%si)", "\x88\x04", STORE(1, AX)),
	V("mov %ah,(%di)", "\x88\x25", STORE(1, AX), HIGH),
	V("mov (%bx,%si),%cx", "\x8b\x08", LOAD(2, CX)),
	V("mov 0x12(%bp,%di),%dx", "\x8b\x53\x12", LOAD(2, DX)),
	V("mov 0x1234(%bx),%sp", "\x8b\xa7\x34\x12", LOAD(2, SP)),
	V("mov 0x1234,%bx", "\x8b\x1e\x34\x12", LOAD(2, BX)),
	V("mov 0x0(%bp),%ax", "\x8b\x46\x00", LOAD(2, AX)),
	V("movw $0xbeef,0x10(%bx)", "\xc7\x47\x10\xef\xbe", IMM(2, 0xbeef)),
	V("movl $0xdeadbeef,0x1234", "\x66\xc7\x06\x34\x12\xef\xbe\xad\xde",
	  IMM(4, 0xdeadbeef)),
	V("movb $0x5a,(%bx)", "\xc6\x07\x5a", IMM(1, 0x5a)),
	V("mov 0x1234,%ax", "\xa1\x34\x12", LOAD(2, AX)),
	V("mov 0x1234,%al", "\xa0\x34\x12", LOAD(1, AX)),
	V("mov %eax,0x1234", "\x66\xa3\x34\x12", STORE(4, AX)),
	V("addr32 mov 0x12345678,%ax", "\x67\xa1\x78\x56\x34\x12",
	  LOAD(2, AX)),
	V("movzbw (%bx),%ax", "\x0f\xb6\x07", ZX(1, AX, 2)),
	V("movzbl (%bx),%eax", "\x66\x0f\xb6\x07", ZX(1, AX, 4)),
	V("movsbw (%bx),%dx", "\x0f\xbe\x17", SX(1, DX, 2)),
	V("movswl (%bx),%edx", "\x66\x0f\xbf\x17", SX(2, DX, 4)),
	V("mov (%eax),%ax", "\x67\x8b\x00", LOAD(2, AX)),
	V("mov 0x12(%esp),%ax", "\x67\x8b\x44\x24\x12", LOAD(2, AX)),
	V("mov 0x12345678(%eax,%ebx,2),%cx",
	  "\x67\x8b\x8c\x58\x78\x56\x34\x12", LOAD(2, CX)),
	V("movnti %eax,(%bx)", "\x0f\xc3\x07", STORE(4, AX)),
	V("xchg %ax,(%bx)", "\x87\x07", XCHG(2, AX)),
	V("xchg %bh,(%bx)", "\x86\x3f", XCHG(1, BX), HIGH),
	V("mov %ax,%es:(%bx)", "\x26\x89\x07", STORE(2, AX)),
	V("add %ax,(%bx)", "\x01\x07", ALU_M(ADD, 2, AX)),
	V("orw $0x100,(%bx)", "\x81\x0f\x00\x01", ALU_I(OR, 2, 0x100)),
	V("addl $0x1,(%bx)", "\x66\x83\x07\x01", ALU_I(ADD, 4, 1)),
	V("testw $0x8000,(%si)", "\xf7\x04\x00\x80",
	  ALU_CI(TEST, 2, 0x8000)),
	V("lock cmpxchg %cx,(%bx)", "\xf0\x0f\xb1\x0f", CMPXCHG(2, CX)),
};

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static int decode(struct mmio_insn *insn, const char *bytes,
		  unsigned int len, enum mmio_insn_mode mode)
{
	return mmio_insn_decode(insn, (const u8 *)bytes, len, mode);
}

static bool insn_equal(const struct mmio_insn *a, const struct mmio_insn *b)
{
	return a->len == b->len && a->size == b->size &&
	       a->is_read == b->is_read && a->is_write == b->is_write &&
	       a->has_imm == b->has_imm && a->imm == b->imm &&
	       a->reg == b->reg && a->reg_size == b->reg_size &&
	       a->reg_high_byte == b->reg_high_byte &&
	       a->sign_extend == b->sign_extend && a->op == b->op &&
	       a->alu == b->alu && a->to_reg == b->to_reg &&
	       a->rep == b->rep && a->repne == b->repne &&
	       a->addr_size == b->addr_size &&
	       a->seg == b->seg && a->stack_size == b->stack_size &&
	       a->from_flags == b->from_flags && a->from_sreg == b->from_sreg;
}

static void show(struct __test_metadata *_metadata, const char *what,
		 const struct mmio_insn *i)
{
	TH_LOG("  %s: len %u size %u r%d w%d imm%d 0x%llx reg %u/%u%s%s op %u alu %u%s",
	       what, i->len, i->size, i->is_read, i->is_write, i->has_imm,
	       (unsigned long long)i->imm, i->reg, i->reg_size,
	       i->reg_high_byte ? " high" : "", i->sign_extend ? " sx" : "",
	       i->op, i->alu, i->to_reg ? " to_reg" : "");
}

/* Decodes each vector alone and followed by junk; returns the mismatches. */
static int check_vectors(struct __test_metadata *_metadata,
			 const struct vector *v, unsigned int n,
			 enum mmio_insn_mode mode)
{
	struct mmio_insn got;
	char padded[MMIO_INSN_MAX_LEN + 4];
	int bad = 0, err, err_padded;

	for (; n--; v++) {
		memset(padded, 0x90, sizeof(padded));
		memcpy(padded, v->bytes, v->nbytes);
		err_padded = decode(&got, padded, sizeof(padded), mode);
		err = decode(&got, v->bytes, v->nbytes, mode);
		if (!err && !err_padded && insn_equal(&got, &v->want))
			continue;
		TH_LOG("%s: err %d, with trailing bytes %d", v->text, err,
		       err_padded);
		show(_metadata, "got ", &got);
		show(_metadata, "want", &v->want);
		bad++;
	}
	return bad;
}

/* Every strict prefix of a valid instruction must ask for more bytes. */
static int check_truncation(struct __test_metadata *_metadata,
			    const struct vector *v, unsigned int n,
			    enum mmio_insn_mode mode)
{
	struct mmio_insn got;
	unsigned int len;
	int bad = 0, err;

	for (; n--; v++) {
		for (len = 0; len < v->nbytes; len++) {
			err = decode(&got, v->bytes, len, mode);
			if (err == -MMIO_INSN_ETRUNCATED)
				continue;
			TH_LOG("%s cut to %u bytes: err %d", v->text, len, err);
			bad++;
		}
	}
	return bad;
}

TEST(long64_vectors)
{
	EXPECT_EQ(0, check_vectors(_metadata, long64, ARRAY_LEN(long64),
				   MMIO_INSN_LONG64));
}

TEST(prot32_vectors)
{
	EXPECT_EQ(0, check_vectors(_metadata, prot32, ARRAY_LEN(prot32),
				   MMIO_INSN_PROT32));
}

TEST(prot16_vectors)
{
	EXPECT_EQ(0, check_vectors(_metadata, mode16, ARRAY_LEN(mode16),
				   MMIO_INSN_PROT16));
}

TEST(real_mode_vectors)
{
	EXPECT_EQ(0, check_vectors(_metadata, mode16, ARRAY_LEN(mode16),
				   MMIO_INSN_REAL));
}

TEST(truncated_input)
{
	EXPECT_EQ(0, check_truncation(_metadata, long64, ARRAY_LEN(long64),
				      MMIO_INSN_LONG64));
	EXPECT_EQ(0, check_truncation(_metadata, prot32, ARRAY_LEN(prot32),
				      MMIO_INSN_PROT32));
	EXPECT_EQ(0, check_truncation(_metadata, mode16, ARRAY_LEN(mode16),
				      MMIO_INSN_REAL));
}

TEST(failure_leaves_result_alone)
{
	struct mmio_insn insn = { .len = 77 };

	EXPECT_EQ(-MMIO_INSN_ETRUNCATED,
		  decode(&insn, "\x8b", 1, MMIO_INSN_LONG64));
	EXPECT_EQ(77, insn.len);
}

TEST(fifteen_bytes_is_the_limit)
{
	/* 13 DS overrides + mov %eax,(%rdi): 15 bytes, valid. */
	static const char ok[] = "\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e"
				 "\x3e\x3e\x3e\x89\x07";
	/* One more prefix makes 16. */
	static const char over[] = "\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e"
				   "\x3e\x3e\x3e\x3e\x89\x07";
	/* 66 + 10 DS + movw $imm16,0xc(%rip) = 19 bytes in 64-bit mode. */
	static const char imm_over[] = "\x66\x3e\x3e\x3e\x3e\x3e\x3e\x3e\x3e"
				       "\x3e\x3e\xc7\x05\x0c\x00\x00\x00"
				       "\x12\x00\x00\x00";
	struct mmio_insn insn;

	ASSERT_EQ(0, decode(&insn, ok, sizeof(ok) - 1, MMIO_INSN_LONG64));
	EXPECT_EQ(15, insn.len);
	EXPECT_EQ(-MMIO_INSN_ETOOLONG,
		  decode(&insn, over, sizeof(over) - 1, MMIO_INSN_LONG64));
	/* Known too long from 15 bytes alone: not a request for more. */
	EXPECT_EQ(-MMIO_INSN_ETOOLONG,
		  decode(&insn, over, 15, MMIO_INSN_LONG64));
	EXPECT_EQ(-MMIO_INSN_ETOOLONG,
		  decode(&insn, imm_over, sizeof(imm_over) - 1,
			 MMIO_INSN_LONG64));
}

TEST(unsupported_opcodes)
{
	static const struct {
		const char *text;
		const char *bytes;
		unsigned int len;
		enum mmio_insn_mode mode;
	} cases[] = {
		{ "nop", "\x90", 1, MMIO_INSN_LONG64 },
		{ "FE /6 (undefined)", "\xfe\x37", 2, MMIO_INSN_LONG64 },
		{ "8C /6 (no such segment)", "\x8c\x37", 2, MMIO_INSN_LONG64 },
		{ "8F /1 (undefined)", "\x8f\x0f", 2, MMIO_INSN_LONG64 },
		{ "0F BA /3 (undefined)", "\x0f\xba\x1f\x01", 4,
		  MMIO_INSN_LONG64 },
		{ "push %es in 64-bit mode", "\x06", 1, MMIO_INSN_LONG64 },
		{ "pusha in 64-bit mode", "\x60", 1, MMIO_INSN_LONG64 },
		{ "lgdt (%rax) (0F 01 /2)", "\x0f\x01\x10", 3,
		  MMIO_INSN_LONG64 },
		{ "fldcw (%rdi) (D9 /5)", "\xd9\x2f", 2, MMIO_INSN_LONG64 },
		{ "fstl (%rdi) (DD /2)", "\xdd\x17", 2, MMIO_INSN_LONG64 },
		{ "lmsw (%rax) (0F 01 /6)", "\x0f\x01\x30", 3,
		  MMIO_INSN_LONG64 },
		{ "popa in 64-bit mode", "\x61", 1, MMIO_INSN_LONG64 },
		{ "call *(%rdi)", "\xff\x17", 2, MMIO_INSN_LONG64 },
		{ "82 in 64-bit mode", "\x82\x0f\x01", 3, MMIO_INSN_LONG64 },
		{ "add $1,%al (no memory)", "\x04\x01", 2, MMIO_INSN_LONG64 },
		{ "ud2", "\x0f\x0b", 2, MMIO_INSN_LONG64 },
		{ "popcnt (%rdi),%eax", "\xf3\x0f\xb8\x07", 4,
		  MMIO_INSN_LONG64 },
		{ "repz movzbl (%rdi),%eax", "\xf3\x0f\xb6\x07", 4,
		  MMIO_INSN_LONG64 },
		{ "C7 /1 (undefined)", "\xc7\x0f\x00\x00\x00\x00", 6,
		  MMIO_INSN_LONG64 },
		{ "C6 /2 (undefined)", "\xc6\x17\x00", 3, MMIO_INSN_PROT32 },
		{ "arpl %ax,(%edi)", "\x63\x07", 2, MMIO_INSN_PROT32 },
		{ "arpl %ax,(%bx)", "\x63\x07", 2, MMIO_INSN_REAL },
		{ "inc %eax; mov %eax,(%edi)", "\x40\x89\x07", 3,
		  MMIO_INSN_PROT32 },
	};
	struct mmio_insn insn;
	unsigned int i;

	int err;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		err = decode(&insn, cases[i].bytes, cases[i].len,
			     cases[i].mode);
		if (err != -MMIO_INSN_EUNSUPPORTED)
			TH_LOG("%s: err %d", cases[i].text, err);
		EXPECT_EQ(-MMIO_INSN_EUNSUPPORTED, err);
	}
}

#define STR(o, sz, as, sg)	.op = MMIO_OP_##o, .size = sz, \
				.addr_size = as, .seg = MMIO_SEG_##sg
#define MOVS(sz, as, sg)	STR(MOVS, sz, as, sg), .is_read = true, \
				.is_write = true
#define STOS(sz, as)		STR(STOS, sz, as, DS), .is_write = true, \
				.reg = AX, .reg_size = sz
#define LODS(sz, as, sg)	STR(LODS, sz, as, sg), .is_read = true, \
				.reg = AX, .reg_size = sz
#define REP			.rep = true
#define CMPS(sz, as, sg)	STR(CMPS, sz, as, sg), .is_read = true
#define SCAS(sz, as)		STR(SCAS, sz, as, DS), .is_read = true, \
				.reg = AX, .reg_size = sz

static const struct vector strings64[] = {
	V("rep movsb", "\xf3\xa4", MOVS(1, 8, DS), REP),
	V("rep stos %eax,%es:(%rdi)", "\xf3\xab", STOS(4, 8), REP),
	V("movsb", "\xa4", MOVS(1, 8, DS)),
	V("lods %ds:(%rsi),%eax", "\xad", LODS(4, 8, DS)),
	V("movsq", "\x48\xa5", MOVS(8, 8, DS)),
	V("movsl %fs:(%rsi),%es:(%rdi)", "\x64\xa5", MOVS(4, 8, FS)),
	V("rep stos %ax,%es:(%edi)", "\x67\x66\xf3\xab", STOS(2, 4), REP),
	V("repnz movsb", "\xf2\xa4", MOVS(1, 8, DS), REP, .repne = true),
	V("cmpsl", "\xa7", CMPS(4, 8, DS)),
	V("repz cmpsb %gs:(%rsi)", "\x65\xf3\xa6", CMPS(1, 8, GS), REP),
	V("repnz scasb", "\xf2\xae", SCAS(1, 8), REP, .repne = true),
	V("scas %es:(%rdi),%rax", "\x48\xaf", SCAS(8, 8)),
};

static const struct vector strings16[] = {
	V("rep stos %ax,%es:(%di)", "\xf3\xab", STOS(2, 2), REP),
	V("lods %es:(%si),%al", "\x26\xac", LODS(1, 2, ES)),
};

TEST(string_vectors)
{
	EXPECT_EQ(0, check_vectors(_metadata, strings64, ARRAY_LEN(strings64),
				   MMIO_INSN_LONG64));
	EXPECT_EQ(0, check_vectors(_metadata, strings16, ARRAY_LEN(strings16),
				   MMIO_INSN_REAL));
	EXPECT_EQ(0, check_truncation(_metadata, strings64,
				      ARRAY_LEN(strings64), MMIO_INSN_LONG64));
}

TEST(string_instructions_not_emulated)
{
	static const char *const ops64[] = {
		"\x6c",		/* insb */
		"\x66\x6f",	/* outsw */
		"\xf3\x6e",	/* rep outsb */
	};
	struct mmio_insn insn;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(ops64); i++)
		EXPECT_EQ(-MMIO_INSN_ESTRING,
			  decode(&insn, ops64[i], strlen(ops64[i]),
				 MMIO_INSN_LONG64));
	/* rep insw in real mode */
	EXPECT_EQ(-MMIO_INSN_ESTRING,
		  decode(&insn, "\xf3\x6d", 2, MMIO_INSN_REAL));
}

TEST(register_forms_have_no_memory_operand)
{
	struct mmio_insn insn;

	EXPECT_EQ(-MMIO_INSN_ENOTMEM,	/* mov %eax,%eax */
		  decode(&insn, "\x89\xc0", 2, MMIO_INSN_LONG64));
	EXPECT_EQ(-MMIO_INSN_ENOTMEM,	/* movzbl %al,%eax */
		  decode(&insn, "\x0f\xb6\xc0", 3, MMIO_INSN_PROT32));
	EXPECT_EQ(-MMIO_INSN_ENOTMEM,	/* xchg %al,%al */
		  decode(&insn, "\x86\xc0", 2, MMIO_INSN_REAL));
	EXPECT_EQ(-MMIO_INSN_ENOTMEM,	/* movl $1,%eax (C7 form) */
		  decode(&insn, "\xc7\xc0\x01\x00\x00\x00", 6,
			 MMIO_INSN_LONG64));
}

TEST(empty_and_prefix_only_input_is_truncated)
{
	struct mmio_insn insn;

	EXPECT_EQ(-MMIO_INSN_ETRUNCATED, decode(&insn, "", 0, MMIO_INSN_LONG64));
	EXPECT_EQ(-MMIO_INSN_ETRUNCATED,
		  decode(&insn, "\x66\x48", 2, MMIO_INSN_LONG64));
	EXPECT_EQ(-MMIO_INSN_ETRUNCATED,
		  decode(&insn, "\x0f", 1, MMIO_INSN_REAL));
}

/* Distinct bytes everywhere: byte 0 of reg n is 0x80 + n, byte 1 0x70 + n. */
static void fill_gprs(u64 *gprs)
{
	int i;

	for (i = 0; i < MMIO_INSN_NR_GPRS; i++)
		gprs[i] = 0x1020304050607080ULL + i * 0x0101010101010101ULL;
}

static u64 store_value(const char *bytes, unsigned int len,
		       enum mmio_insn_mode mode)
{
	struct mmio_insn insn;
	u64 gprs[MMIO_INSN_NR_GPRS];

	fill_gprs(gprs);
	if (decode(&insn, bytes, len, mode) || !insn.is_write)
		return 0xbad;
	return mmio_insn_store_value(&insn, gprs, 0x2);
}

TEST(store_values_from_registers)
{
	/* mov %eax,(%rdi) */
	EXPECT_EQ(0x50607080ULL,
		  store_value("\x89\x07", 2, MMIO_INSN_LONG64));
	/* mov %rax,(%rdi) */
	EXPECT_EQ(0x1020304050607080ULL,
		  store_value("\x48\x89\x07", 3, MMIO_INSN_LONG64));
	/* mov %r9d,0x10(%r12) */
	EXPECT_EQ(0x59697989ULL,
		  store_value("\x45\x89\x4c\x24\x10", 5, MMIO_INSN_LONG64));
	/* mov %ax,(%rdx) */
	EXPECT_EQ(0x7080ULL, store_value("\x66\x89\x02", 3, MMIO_INSN_LONG64));
	/* mov %ax,(%bx) in real mode */
	EXPECT_EQ(0x7080ULL, store_value("\x89\x07", 2, MMIO_INSN_REAL));
	/* mov %eax,(%bx) in real mode */
	EXPECT_EQ(0x50607080ULL,
		  store_value("\x66\x89\x07", 3, MMIO_INSN_REAL));
	/* movnti %r11,(%rdi) */
	EXPECT_EQ(0x1b2b3b4b5b6b7b8bULL,
		  store_value("\x4c\x0f\xc3\x1f", 4, MMIO_INSN_LONG64));
	/* xchg %eax,0xfee000b0 stores EAX */
	EXPECT_EQ(0x50607080ULL, store_value("\x87\x05\xb0\x00\xe0\xfe", 6,
					     MMIO_INSN_PROT32));
}

TEST(store_values_from_byte_registers)
{
	/* Without REX, reg 4-7 are AH, CH, DH, BH: byte 1 of regs 0-3. */
	EXPECT_EQ(0x73ULL, store_value("\x88\x3e", 2, MMIO_INSN_LONG64));
	EXPECT_EQ(0x70ULL, store_value("\x88\x25", 2, MMIO_INSN_REAL));
	EXPECT_EQ(0x71ULL, store_value("\x88\x6b\x10", 3, MMIO_INSN_PROT32));
	/* With any REX they are SPL, BPL, SIL, DIL: byte 0 of regs 4-7. */
	EXPECT_EQ(0x87ULL, store_value("\x40\x88\x3e", 3, MMIO_INSN_LONG64));
	EXPECT_EQ(0x84ULL, store_value("\x40\x88\x27", 3, MMIO_INSN_LONG64));
	/* mov %r15b,(%rax) */
	EXPECT_EQ(0x8fULL, store_value("\x44\x88\x38", 3, MMIO_INSN_LONG64));
	/* mov %bl,(%edi) */
	EXPECT_EQ(0x83ULL, store_value("\x88\x1f", 2, MMIO_INSN_PROT32));
}

TEST(store_values_from_immediates)
{
	/* movq $-2,(%rdi): imm32 sign-extended to 64 bits */
	EXPECT_EQ(0xfffffffffffffffeULL,
		  store_value("\x48\xc7\x07\xfe\xff\xff\xff", 7,
			      MMIO_INSN_LONG64));
	/* movl $0xfee00000,0x10(%rdi): no extension at 32 bits */
	EXPECT_EQ(0xfee00000ULL,
		  store_value("\xc7\x47\x10\x00\x00\xe0\xfe", 7,
			      MMIO_INSN_LONG64));
	/* movw $0x8001,(%rdi) */
	EXPECT_EQ(0x8001ULL, store_value("\x66\xc7\x07\x01\x80", 5,
					 MMIO_INSN_LONG64));
	/* movb $0x80,(%rdi) */
	EXPECT_EQ(0x80ULL, store_value("\xc6\x07\x80", 3, MMIO_INSN_LONG64));
	/* movl $0xdeadbeef,0x1234 in real mode */
	EXPECT_EQ(0xdeadbeefULL,
		  store_value("\x66\xc7\x06\x34\x12\xef\xbe\xad\xde", 9,
			      MMIO_INSN_REAL));
}

/*
 * The destination register, holding before, after a read returned value.
 * Any other register that moves is reported as an error.
 */
static u64 read_into(struct __test_metadata *_metadata, const char *bytes,
		     unsigned int len, enum mmio_insn_mode mode, u64 before,
		     u64 value)
{
	struct mmio_insn insn;
	u64 gprs[MMIO_INSN_NR_GPRS], orig[MMIO_INSN_NR_GPRS];
	int i;

	fill_gprs(gprs);
	if (decode(&insn, bytes, len, mode) || !insn.is_read)
		return 0xbad;
	gprs[insn.reg] = before;
	memcpy(orig, gprs, sizeof(gprs));
	mmio_insn_complete_read(&insn, gprs, value);
	for (i = 0; i < MMIO_INSN_NR_GPRS; i++) {
		if (i != insn.reg && gprs[i] != orig[i]) {
			TH_LOG("register %d changed too", i);
			return 0xbad;
		}
	}
	return gprs[insn.reg];
}

#define OLD	0x1122334455667788ULL

TEST(read_full_width)
{
	/* mov (%rdi),%rax */
	EXPECT_EQ(0xfedcba9876543210ULL,
		  read_into(_metadata, "\x48\x8b\x07", 3, MMIO_INSN_LONG64,
			    OLD, 0xfedcba9876543210ULL));
	/* mov 0x8(%r12,%r13,2),%r14 */
	EXPECT_EQ(0x8000000000000001ULL,
		  read_into(_metadata, "\x4f\x8b\x74\x6c\x08", 5,
			    MMIO_INSN_LONG64, OLD, 0x8000000000000001ULL));
}

TEST(read_32bit_clears_upper_half)
{
	/* mov (%rdi),%eax: the device value is masked to 4 bytes too */
	EXPECT_EQ(0x89abcdefULL,
		  read_into(_metadata, "\x8b\x07", 2, MMIO_INSN_LONG64, OLD,
			    0xffffffff89abcdefULL));
	/* mov 0xfee00030,%ebx in 32-bit mode */
	EXPECT_EQ(0x00050014ULL,
		  read_into(_metadata, "\x8b\x1d\x30\x00\xe0\xfe", 6,
			    MMIO_INSN_PROT32, OLD, 0x00050014));
}

TEST(read_16bit_merges)
{
	/* mov (%rsi),%cx */
	EXPECT_EQ(0x112233445566abcdULL,
		  read_into(_metadata, "\x66\x8b\x0e", 3, MMIO_INSN_LONG64,
			    OLD, 0xffffabcd));
	/* mov 0x1234,%ax in real mode */
	EXPECT_EQ(0x1122334455661234ULL,
		  read_into(_metadata, "\xa1\x34\x12", 3, MMIO_INSN_REAL, OLD,
			    0x1234));
}

TEST(read_8bit_merges_low_or_high_byte)
{
	/* mov (%rsi),%sil */
	EXPECT_EQ(0x11223344556677abULL,
		  read_into(_metadata, "\x40\x8a\x36", 3, MMIO_INSN_LONG64,
			    OLD, 0xab));
	/* mov (%rsi),%dh */
	EXPECT_EQ(0x112233445566ab88ULL,
		  read_into(_metadata, "\x8a\x36", 2, MMIO_INSN_LONG64, OLD,
			    0xab));
	/* movabs 0xfee00020,%al */
	EXPECT_EQ(0x11223344556677cdULL,
		  read_into(_metadata, "\xa0\x20\x00\xe0\xfe\x00\x00\x00\x00",
			    9, MMIO_INSN_LONG64, OLD, 0xabcd));
}

TEST(read_zero_extends)
{
	/* movzbl (%rdi),%eax */
	EXPECT_EQ(0x80ULL, read_into(_metadata, "\x0f\xb6\x07", 3,
				     MMIO_INSN_LONG64, OLD, 0x80));
	/* movzwl (%rdi),%eax */
	EXPECT_EQ(0xfffeULL, read_into(_metadata, "\x0f\xb7\x07", 3,
				       MMIO_INSN_LONG64, OLD, 0xfffe));
	/* movzbq (%rdi),%r8 */
	EXPECT_EQ(0xffULL, read_into(_metadata, "\x4c\x0f\xb6\x07", 4,
				     MMIO_INSN_LONG64, OLD, 0xff));
	/* movzbw (%bx),%ax in real mode: upper bits of the 16 are zero */
	EXPECT_EQ(0x11223344556600f0ULL,
		  read_into(_metadata, "\x0f\xb6\x07", 3, MMIO_INSN_REAL, OLD,
			    0xf0));
}

TEST(read_sign_extends)
{
	/* movsbl (%rdi),%eax: to 32 bits, then bits 63:32 cleared */
	EXPECT_EQ(0xffffff80ULL, read_into(_metadata, "\x0f\xbe\x07", 3,
					   MMIO_INSN_LONG64, OLD, 0x80));
	EXPECT_EQ(0x7fULL, read_into(_metadata, "\x0f\xbe\x07", 3,
				     MMIO_INSN_LONG64, OLD, 0x7f));
	/* movswq (%rdi),%rdx */
	EXPECT_EQ(0xffffffffffff8000ULL,
		  read_into(_metadata, "\x48\x0f\xbf\x17", 4, MMIO_INSN_LONG64,
			    OLD, 0x8000));
	/* movsbw (%rdi),%cx: merges into the low 16 bits */
	EXPECT_EQ(0x112233445566ff90ULL,
		  read_into(_metadata, "\x66\x0f\xbe\x0f", 4, MMIO_INSN_LONG64,
			    OLD, 0x90));
	/* movslq (%rdi),%rax */
	EXPECT_EQ(0xffffffff80000000ULL,
		  read_into(_metadata, "\x48\x63\x07", 3, MMIO_INSN_LONG64,
			    OLD, 0x80000000));
	/* movsxd (%rdi),%eax without REX.W is a plain 32-bit load */
	EXPECT_EQ(0x80000000ULL,
		  read_into(_metadata, "\x63\x07", 2, MMIO_INSN_LONG64, OLD,
			    0x80000000));
	/* movswl (%bx),%edx in real mode */
	EXPECT_EQ(0xffff8001ULL,
		  read_into(_metadata, "\x66\x0f\xbf\x17", 4, MMIO_INSN_REAL,
			    OLD, 0x8001));
}

TEST(xchg_stores_old_register_then_loads)
{
	/* xchg %bh,(%bx) in real mode */
	struct mmio_insn insn;
	u64 gprs[MMIO_INSN_NR_GPRS];

	fill_gprs(gprs);
	ASSERT_EQ(0, decode(&insn, "\x86\x3f", 2, MMIO_INSN_REAL));
	ASSERT_TRUE(insn.is_read && insn.is_write);
	EXPECT_EQ(0x73ULL, mmio_insn_store_value(&insn, gprs, 0x2));
	mmio_insn_complete_read(&insn, gprs, 0x5a);
	EXPECT_EQ(0x1323334353635a83ULL, gprs[BX]);
}

TEST(complete_read_ignores_stores)
{
	struct mmio_insn insn;
	u64 gprs[MMIO_INSN_NR_GPRS], orig[MMIO_INSN_NR_GPRS];

	fill_gprs(gprs);
	memcpy(orig, gprs, sizeof(gprs));
	ASSERT_EQ(0, decode(&insn, "\x89\x07", 2, MMIO_INSN_LONG64));
	mmio_insn_complete_read(&insn, gprs, 0xdead);
	EXPECT_EQ(0, memcmp(orig, gprs, sizeof(gprs)));
}

TEST(error_strings)
{
	int err;

	for (err = MMIO_INSN_ETRUNCATED; err <= MMIO_INSN_ENOTMEM; err++)
		EXPECT_NE(0, strcmp(mmio_insn_strerror(-err),
				    mmio_insn_strerror(-99)));
	EXPECT_STREQ("success", mmio_insn_strerror(0));
}

/* ------------------------------------------- arithmetic against the CPU */

#define HOST_FLAGS_IN(f)	(0x202 | ((f) & MMIO_INSN_ARITH_FLAGS))

/* b OP a on this CPU, in AT&T order: the result is a OP b. */
#define HOST_ALU2(name, insn, type, sfx)				\
static u64 host_##name##_##sfx(u64 a, u64 b, u64 *flags)		\
{									\
	type x = a, y = b;						\
	unsigned long f = HOST_FLAGS_IN(*flags);			\
									\
	asm("push %[f]; popf; " insn #sfx " %[y], %[x]; pushf; pop %[f]" \
	    : [x] "+q"(x), [f] "+r"(f) : [y] "q"(y) : "cc");		\
	*flags = f;							\
	return x;							\
}

#define HOST_ALU1(name, insn, type, sfx)				\
static u64 host_##name##_##sfx(u64 a, u64 b, u64 *flags)		\
{									\
	type x = a;							\
	unsigned long f = HOST_FLAGS_IN(*flags);			\
									\
	(void)b;							\
	asm("push %[f]; popf; " insn #sfx " %[x]; pushf; pop %[f]"	\
	    : [x] "+q"(x), [f] "+r"(f) : : "cc");			\
	*flags = f;							\
	return x;							\
}

#define HOST_ALL_SIZES(kind, name, insn)				\
	kind(name, insn, u8, b) kind(name, insn, u16, w)		\
	kind(name, insn, u32, l) kind(name, insn, u64, q)

HOST_ALL_SIZES(HOST_ALU2, add, "add")
HOST_ALL_SIZES(HOST_ALU2, or, "or")
HOST_ALL_SIZES(HOST_ALU2, adc, "adc")
HOST_ALL_SIZES(HOST_ALU2, sbb, "sbb")
HOST_ALL_SIZES(HOST_ALU2, and, "and")
HOST_ALL_SIZES(HOST_ALU2, sub, "sub")
HOST_ALL_SIZES(HOST_ALU2, xor, "xor")
HOST_ALL_SIZES(HOST_ALU1, inc, "inc")
HOST_ALL_SIZES(HOST_ALU1, dec, "dec")
HOST_ALL_SIZES(HOST_ALU1, neg, "neg")
HOST_ALL_SIZES(HOST_ALU1, not, "not")

typedef u64 (*host_alu_fn)(u64 a, u64 b, u64 *flags);

#define HOST_ROW(name) \
	{ host_##name##_b, host_##name##_w, host_##name##_l, host_##name##_q }

static const struct {
	enum mmio_insn_alu alu;
	const char *name;
	host_alu_fn fn[4];	/* by size: 1, 2, 4, 8 */
	bool af_undefined;
} host_alus[] = {
	{ MMIO_ALU_ADD, "add", HOST_ROW(add), false },
	{ MMIO_ALU_OR, "or", HOST_ROW(or), true },
	{ MMIO_ALU_ADC, "adc", HOST_ROW(adc), false },
	{ MMIO_ALU_SBB, "sbb", HOST_ROW(sbb), false },
	{ MMIO_ALU_AND, "and", HOST_ROW(and), true },
	{ MMIO_ALU_SUB, "sub", HOST_ROW(sub), false },
	{ MMIO_ALU_XOR, "xor", HOST_ROW(xor), true },
	{ MMIO_ALU_INC, "inc", HOST_ROW(inc), false },
	{ MMIO_ALU_DEC, "dec", HOST_ROW(dec), false },
	{ MMIO_ALU_NEG, "neg", HOST_ROW(neg), false },
	{ MMIO_ALU_NOT, "not", HOST_ROW(not), false },
};

static u64 test_rng = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	test_rng ^= test_rng << 13;
	test_rng ^= test_rng >> 7;
	test_rng ^= test_rng << 17;
	return test_rng;
}

/* Operands where the flags turn: 0, 1, the sign bit, all ones, random. */
static u64 edge_operand(u8 size)
{
	static const u64 edges[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff,
		0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, 0xf, 0x10 };
	u64 r = rnd();

	(void)size;
	return r & 1 ? edges[(r >> 1) % ARRAY_LEN(edges)] : rnd();
}

TEST(alu_results_and_flags_match_the_cpu)
{
	static const u8 sizes[4] = { 1, 2, 4, 8 };
	unsigned int i, s, n, bad = 0;

	for (i = 0; i < ARRAY_LEN(host_alus); i++) {
		for (s = 0; s < 4; s++) {
			for (n = 0; n < 20000; n++) {
				u64 mask = sizes[s] == 8 ? ~0ULL :
					   (1ULL << (8 * sizes[s])) - 1;
				u64 a = edge_operand(sizes[s]);
				u64 b = edge_operand(sizes[s]);
				u64 fl_in = rnd() & MMIO_INSN_ARITH_FLAGS;
				u64 host_fl = fl_in, mine_fl = fl_in;
				u64 want = host_alus[i].fn[s](a, b, &host_fl);
				u64 got = mmio_insn_alu(host_alus[i].alu,
							sizes[s], a, b,
							&mine_fl);
				u64 cmp = MMIO_INSN_ARITH_FLAGS;

				if (host_alus[i].af_undefined)
					cmp &= ~0x10ULL;
				want &= mask;
				if (got == want && !((host_fl ^ mine_fl) & cmp))
					continue;
				if (bad++ < 10)
					TH_LOG("%s%u %#llx, %#llx (flags %#llx): got %#llx flags %#llx, cpu %#llx flags %#llx",
					       host_alus[i].name, sizes[s] * 8,
					       (unsigned long long)a,
					       (unsigned long long)b,
					       (unsigned long long)fl_in,
					       (unsigned long long)got,
					       (unsigned long long)(mine_fl & cmp),
					       (unsigned long long)want,
					       (unsigned long long)(host_fl & cmp));
			}
		}
	}
	EXPECT_EQ(0, bad);
}

/* CMP and TEST are SUB and AND that keep the result to themselves. */
TEST(cmp_and_test_flags_are_sub_and_and)
{
	u64 f1 = 0, f2 = 0;

	mmio_insn_alu(MMIO_ALU_CMP, 4, 5, 7, &f1);
	mmio_insn_alu(MMIO_ALU_SUB, 4, 5, 7, &f2);
	EXPECT_EQ(f2, f1);
	EXPECT_TRUE(f1 & 1);		/* CF: 5 < 7 */
	f1 = f2 = 0x800;
	EXPECT_EQ(0, mmio_insn_alu(MMIO_ALU_TEST, 1, 0xf0, 0x0f, &f1));
	mmio_insn_alu(MMIO_ALU_AND, 1, 0xf0, 0x0f, &f2);
	EXPECT_EQ(f2, f1);
	EXPECT_EQ(0x44, f1);		/* ZF and PF; OF cleared */
}

/* ------------------------------------------------ read-modify-write */

struct executed {
	bool stores;
	u64 store;
	u64 gprs[MMIO_INSN_NR_GPRS];
	u64 rflags;
};

static int execute(struct executed *e, const char *bytes, unsigned int len,
		   enum mmio_insn_mode mode, u64 mem, u64 rflags)
{
	struct mmio_insn insn;
	int err = decode(&insn, bytes, len, mode);

	fill_gprs(e->gprs);
	e->rflags = rflags;
	e->store = 0xbad;
	if (err)
		return err;
	e->stores = mmio_insn_execute(&insn, e->gprs, &e->rflags, mem,
				      &e->store);
	return 0;
}

TEST(xchg_swaps)
{
	struct executed e;

	/* xchg %eax,(%rdi): memory gets EAX, RAX the zero-extended read */
	ASSERT_EQ(0, execute(&e, "\x87\x07", 2, MMIO_INSN_LONG64,
			     0xaabbccdd, 0x2));
	EXPECT_TRUE(e.stores);
	EXPECT_EQ(0x50607080ULL, e.store);
	EXPECT_EQ(0xaabbccddULL, e.gprs[AX]);
	EXPECT_EQ(0x2ULL, e.rflags);
	/* xchg %dh,(%eax): DH, bits 15:8 of RDX */
	ASSERT_EQ(0, execute(&e, "\x86\x30", 2, MMIO_INSN_PROT32, 0x5a, 0x2));
	EXPECT_EQ(0x72ULL, e.store);
	EXPECT_EQ(0x1222324252625a82ULL, e.gprs[DX]);
}

TEST(alu_to_memory_stores_the_result)
{
	struct executed e;

	/* add %eax,(%rdi) */
	ASSERT_EQ(0, execute(&e, "\x01\x07", 2, MMIO_INSN_LONG64,
			     0xafa08f80, 0x2));
	EXPECT_TRUE(e.stores);
	EXPECT_EQ(0x100010000ULL & 0xffffffff, e.store);
	EXPECT_EQ(0x1ULL, e.rflags & 0x8d5 & 1);	/* carry out */
	/* orl $0x1,(%rdi) */
	ASSERT_EQ(0, execute(&e, "\x83\x0f\x01", 3, MMIO_INSN_LONG64,
			     0x100, 0x2));
	EXPECT_EQ(0x101ULL, e.store);
	/* orq $-2,0x10(%rdi): the imm8 is sign-extended to 64 bits */
	ASSERT_EQ(0, execute(&e, "\x48\x83\x4f\x10\xfe", 5, MMIO_INSN_LONG64,
			     1, 0x2));
	EXPECT_EQ(~0ULL, e.store);
	EXPECT_TRUE(e.rflags & 0x80);			/* SF */
	/* incb (%rdi) keeps CF */
	ASSERT_EQ(0, execute(&e, "\xfe\x07", 2, MMIO_INSN_LONG64, 0xff, 0x3));
	EXPECT_EQ(0ULL, e.store);
	EXPECT_EQ(0x3ULL | 0x40 | 0x10 | 0x4, e.rflags);	/* CF ZF AF PF */
	/* notl (%rdi) touches no flag */
	ASSERT_EQ(0, execute(&e, "\xf7\x17", 2, MMIO_INSN_LONG64, 0xf0f0f0f0,
			     0x8d7));
	EXPECT_EQ(0x0f0f0f0fULL, e.store);
	EXPECT_EQ(0x8d7ULL, e.rflags);
}

TEST(alu_to_register_or_flags_only_stores_nothing)
{
	struct executed e;

	/* add (%rdi),%ecx: ECX += memory, upper half cleared */
	ASSERT_EQ(0, execute(&e, "\x03\x0f", 2, MMIO_INSN_LONG64, 1, 0x2));
	EXPECT_FALSE(e.stores);
	EXPECT_EQ(0x51617182ULL, e.gprs[CX]);
	/* cmp (%rdi),%rbx: flags only, RBX unchanged */
	ASSERT_EQ(0, execute(&e, "\x48\x3b\x1f", 3, MMIO_INSN_LONG64,
			     0x1323334353637383ULL, 0x2));
	EXPECT_FALSE(e.stores);
	EXPECT_EQ(0x1323334353637383ULL, e.gprs[BX]);
	EXPECT_TRUE(e.rflags & 0x40);			/* ZF */
	/* testl $0x80000000,(%rdi) */
	ASSERT_EQ(0, execute(&e, "\xf7\x07\x00\x00\x00\x80", 6,
			     MMIO_INSN_LONG64, 0x80000001, 0x2));
	EXPECT_FALSE(e.stores);
	EXPECT_EQ(0x86ULL, e.rflags);		/* SF and PF (low byte 0), not ZF */
}

TEST(cmpxchg_writes_back_either_way)
{
	struct executed e;

	/* lock cmpxchg %ecx,(%rax), EAX equal to memory: memory gets ECX */
	ASSERT_EQ(0, execute(&e, "\xf0\x0f\xb1\x08", 4, MMIO_INSN_LONG64,
			     0x50607080, 0x2));
	EXPECT_TRUE(e.stores);
	EXPECT_EQ(0x51617181ULL, e.store);
	EXPECT_TRUE(e.rflags & 0x40);
	EXPECT_EQ(0x1020304050607080ULL, e.gprs[AX]);
	/* unequal: memory keeps its value, EAX gets it (zero-extended) */
	ASSERT_EQ(0, execute(&e, "\xf0\x0f\xb1\x08", 4, MMIO_INSN_LONG64,
			     0x1234, 0x2));
	EXPECT_TRUE(e.stores);
	EXPECT_EQ(0x1234ULL, e.store);
	EXPECT_FALSE(e.rflags & 0x40);
	EXPECT_EQ(0x1234ULL, e.gprs[AX]);
}

TEST(xadd_exchanges_and_adds)
{
	struct executed e;

	/* xadd %ax,(%rdi): memory gets the sum, AX the old memory */
	ASSERT_EQ(0, execute(&e, "\x66\x0f\xc1\x07", 4, MMIO_INSN_LONG64,
			     0x0100, 0x2));
	EXPECT_TRUE(e.stores);
	EXPECT_EQ(0x7180ULL, e.store);
	EXPECT_EQ(0x1020304050600100ULL, e.gprs[AX]);
}

/* ------------------------------ shifts, bits, SETcc, CMOVcc, IMUL, stack */

#define SHIFT(k, sz)	.op = MMIO_OP_SHIFT, .alu = MMIO_SHIFT_##k, .size = sz, \
			.is_read = true, .is_write = true
#define BITOP(k, sz, w)	.op = MMIO_OP_BT, .alu = MMIO_BIT_##k, .size = sz, \
			.is_read = true, .is_write = w
#define BITR(k, sz, w, r)	BITOP(k, sz, w), .reg = r, .reg_size = sz

static const struct vector more64[] = {
	V("shlb $3,(%rdi)", "\xc0\x27\x03", SHIFT(SHL, 1), .has_imm = true,
	  .imm = 3),
	V("rorq $63,8(%rdi)", "\x48\xc1\x4f\x08\x3f", SHIFT(ROR, 8),
	  .has_imm = true, .imm = 63),
	V("sarw (%rdi)", "\x66\xd1\x3f", SHIFT(SAR, 2), .has_imm = true,
	  .imm = 1),
	V("rcll %cl,(%rdi)", "\xd3\x17", SHIFT(RCL, 4), .count_cl = true),
	V("salb %cl,(%rax) (/6)", "\xd2\x30", SHIFT(SAL, 1), .count_cl = true),
	V("bt %eax,(%rdi)", "\x0f\xa3\x07", BITR(TEST, 4, false, AX)),
	V("lock bts %r9,(%rdi)", "\xf0\x4c\x0f\xab\x0f", BITR(SET, 8, true, R9)),
	V("btr %dx,(%rdi)", "\x66\x0f\xb3\x17", BITR(RESET, 2, true, DX)),
	V("btc %ecx,(%rdi)", "\x0f\xbb\x0f", BITR(COMPLEMENT, 4, true, CX)),
	V("btl $31,(%rdi)", "\x0f\xba\x27\x1f", BITOP(TEST, 4, false),
	  .has_imm = true, .imm = 31),
	V("btsq $40,(%rdi)", "\x48\x0f\xba\x2f\x28", BITOP(SET, 8, true),
	  .has_imm = true, .imm = 40),
	V("btcw $3,(%rdi)", "\x66\x0f\xba\x3f\x03", BITOP(COMPLEMENT, 2, true),
	  .has_imm = true, .imm = 3),
	V("sete (%rdi)", "\x0f\x94\x07", .op = MMIO_OP_SETCC, .alu = 4,
	  .size = 1, .is_write = true),
	V("setg 0x10(%rdi)", "\x0f\x9f\x47\x10", .op = MMIO_OP_SETCC,
	  .alu = 0xf, .size = 1, .is_write = true),
	V("cmovne (%rdi),%eax", "\x0f\x45\x07", LOAD(4, AX),
	  .op = MMIO_OP_CMOV, .alu = 5),
	V("cmovb (%rdi),%r10", "\x4c\x0f\x42\x17", LOAD(8, R10),
	  .op = MMIO_OP_CMOV, .alu = 2),
	V("imul (%rdi),%ecx", "\x0f\xaf\x0f", LOAD(4, CX), .op = MMIO_OP_IMUL),
	V("imul $-2,(%rdi),%rdx", "\x48\x6b\x17\xfe", LOAD(8, DX),
	  .op = MMIO_OP_IMUL, .has_imm = true, .imm = ~1ULL),
	V("imul $0x1234,(%rdi),%bx", "\x66\x69\x1f\x34\x12", LOAD(2, BX),
	  .op = MMIO_OP_IMUL, .has_imm = true, .imm = 0x1234),
	V("pushq (%rdi)", "\xff\x37", .op = MMIO_OP_PUSH, .size = 8,
	  .stack_size = 8, .is_read = true),
	V("pushw (%rdi)", "\x66\xff\x37", .op = MMIO_OP_PUSH, .size = 2,
	  .stack_size = 2, .is_read = true),
	V("rex.w pushq (%rdi)", "\x48\xff\x37", .op = MMIO_OP_PUSH, .size = 8,
	  .stack_size = 8, .is_read = true),
	V("popq 8(%rdi)", "\x8f\x47\x08", .op = MMIO_OP_POP, .size = 8,
	  .stack_size = 8, .is_write = true),
	V("push %r9 (stack in MMIO)", "\x41\x51", .op = MMIO_OP_STACK_PUSH,
	  .size = 8, .stack_size = 8, .is_write = true, .reg = R9,
	  .reg_size = 8),
	V("pushw %ax", "\x66\x50", .op = MMIO_OP_STACK_PUSH, .size = 2,
	  .stack_size = 2, .is_write = true, .reg = AX, .reg_size = 2),
	V("pushq $-5", "\x6a\xfb", .op = MMIO_OP_STACK_PUSH, .size = 8,
	  .stack_size = 8, .is_write = true, .has_imm = true, .imm = (u64)-5),
	V("pushq $0x12345678", "\x68\x78\x56\x34\x12",
	  .op = MMIO_OP_STACK_PUSH, .size = 8, .stack_size = 8,
	  .is_write = true, .has_imm = true, .imm = 0x12345678),
	V("pushfq", "\x9c", .op = MMIO_OP_STACK_PUSH, .size = 8,
	  .stack_size = 8, .is_write = true, .from_flags = true),
	V("pop %rsp", "\x5c", .op = MMIO_OP_STACK_POP, .size = 8,
	  .stack_size = 8, .is_read = true, .reg = SP, .reg_size = 8),
	V("push %fs", "\x0f\xa0", .op = MMIO_OP_STACK_PUSH, .size = 8,
	  .stack_size = 8, .is_write = true, .from_sreg = true, .alu = 4),
	V("xlat", "\xd7", .size = 1, .is_read = true, .reg = AX, .reg_size = 1),
	V("divl (%rdi)", "\xf7\x37", .op = MMIO_OP_MUL_DIV, .alu = MMIO_DIV,
	  .size = 4, .is_read = true),
	V("imulb (%rdi)", "\xf6\x2f", .op = MMIO_OP_MUL_DIV, .alu = MMIO_IMUL,
	  .size = 1, .is_read = true),
	V("mov %ds,(%rdi)", "\x8c\x1f", .op = MMIO_OP_STORE_SREG, .alu = 3,
	  .size = 2, .is_write = true),
	V("mov %gs,(%rdi) (REX.W)", "\x48\x8c\x2f", .op = MMIO_OP_STORE_SREG,
	  .alu = 5, .size = 2, .is_write = true),
	V("pop %r15", "\x41\x5f", .op = MMIO_OP_STACK_POP, .size = 8,
	  .stack_size = 8, .is_read = true, .reg = R15, .reg_size = 8),
	V("fnstcw (%rdi)", "\xd9\x3f", .op = MMIO_OP_STORE_FPU, .size = 2,
	  .is_write = true),
	V("fnstsw 8(%rdi)", "\xdd\x7f\x08", .op = MMIO_OP_STORE_FPU, .alu = 1,
	  .size = 2, .is_write = true),
};

static const struct vector more32[] = {
	V("pushl $-1", "\x6a\xff", .op = MMIO_OP_STACK_PUSH, .size = 4,
	  .stack_size = 4, .is_write = true, .has_imm = true,
	  .imm = 0xffffffff),
	V("push %es (32-bit: 2 bytes, ESP by 4)", "\x06",
	  .op = MMIO_OP_STACK_PUSH, .size = 2, .stack_size = 4,
	  .is_write = true, .from_sreg = true, .alu = 0),
	V("pushw %ds", "\x66\x1e", .op = MMIO_OP_STACK_PUSH, .size = 2,
	  .stack_size = 2, .is_write = true, .from_sreg = true, .alu = 3),
	V("pushfl", "\x9c", .op = MMIO_OP_STACK_PUSH, .size = 4,
	  .stack_size = 4, .is_write = true, .from_flags = true),
	V("pop %esi", "\x5e", .op = MMIO_OP_STACK_POP, .size = 4,
	  .stack_size = 4, .is_read = true, .reg = SI, .reg_size = 4),
	V("pushl (%eax)", "\xff\x30", .op = MMIO_OP_PUSH, .size = 4,
	  .stack_size = 4, .is_read = true),
	V("popw (%eax)", "\x66\x8f\x00", .op = MMIO_OP_POP, .size = 2,
	  .stack_size = 2, .is_write = true),
	V("shrl $4,0x10(%esi)", "\xc1\x6e\x10\x04", SHIFT(SHR, 4),
	  .has_imm = true, .imm = 4),
	V("bt %ax,(%bx) (67)", "\x66\x67\x0f\xa3\x07", BITR(TEST, 2, false, AX)),
	V("cmovl (%eax),%edx", "\x0f\x4c\x10", LOAD(4, DX), .op = MMIO_OP_CMOV,
	  .alu = 0xc),
	V("imul $0x12345678,(%eax),%eax", "\x69\x00\x78\x56\x34\x12",
	  LOAD(4, AX), .op = MMIO_OP_IMUL, .has_imm = true, .imm = 0x12345678),
	V("pushal (stack in MMIO)", "\x60", .op = MMIO_OP_PUSHA, .size = 4,
	  .stack_size = 32, .is_write = true),
	V("popaw", "\x66\x61", .op = MMIO_OP_POPA, .size = 2,
	  .stack_size = 16, .is_read = true),
};

static const struct vector more16[] = {
	V("push (%bx)", "\xff\x37", .op = MMIO_OP_PUSH, .size = 2,
	  .stack_size = 2, .is_read = true),
	V("popl (%bx)", "\x66\x8f\x07", .op = MMIO_OP_POP, .size = 4,
	  .stack_size = 4, .is_write = true),
	V("rolb $1,0x1234", "\xd0\x06\x34\x12", SHIFT(ROL, 1), .has_imm = true,
	  .imm = 1),
	V("btsw $5,(%si)", "\x0f\xba\x2c\x05", BITOP(SET, 2, true),
	  .has_imm = true, .imm = 5),
	V("testb $0xb,(%bx) (F6 /1)", "\xf6\x0f\x0b", .op = MMIO_OP_ALU,
	  .alu = MMIO_ALU_TEST, .size = 1, .is_read = true, .has_imm = true,
	  .imm = 0xb),
	V("setc (%di)", "\x0f\x92\x05", .op = MMIO_OP_SETCC, .alu = 2,
	  .size = 1, .is_write = true),
	V("pushaw", "\x60", .op = MMIO_OP_PUSHA, .size = 2, .stack_size = 16,
	  .is_write = true),
	V("popal", "\x66\x61", .op = MMIO_OP_POPA, .size = 4,
	  .stack_size = 32, .is_read = true),
};

TEST(more_vectors)
{
	EXPECT_EQ(0, check_vectors(_metadata, more64, ARRAY_LEN(more64),
				   MMIO_INSN_LONG64));
	EXPECT_EQ(0, check_vectors(_metadata, more32, ARRAY_LEN(more32),
				   MMIO_INSN_PROT32));
	EXPECT_EQ(0, check_vectors(_metadata, more16, ARRAY_LEN(more16),
				   MMIO_INSN_REAL));
	EXPECT_EQ(0, check_vectors(_metadata, more16, ARRAY_LEN(more16),
				   MMIO_INSN_PROT16));
}

/* The SDM's order: PUSHA stores rAX first, just below the old rSP. */
TEST(pusha_slots_in_the_cpus_order)
{
	struct mmio_insn insn;
	unsigned int slot;

	ASSERT_EQ(0, mmio_insn_decode(&insn, (const u8 *)"\x60", 1,
				      MMIO_INSN_PROT32));
	for (slot = 0; slot < MMIO_INSN_STACK_SLOTS; slot++) {
		EXPECT_EQ(slot, mmio_insn_slot_reg(&insn, slot));
		EXPECT_EQ(-4 * (s64)(slot + 1),
			  mmio_insn_slot_offset(&insn, slot));
	}
	ASSERT_EQ(0, mmio_insn_decode(&insn, (const u8 *)"\x66\x60", 2,
				      MMIO_INSN_PROT32));
	EXPECT_EQ(-16, mmio_insn_slot_offset(&insn, 7));
	EXPECT_EQ(MMIO_INSN_RDI, mmio_insn_slot_reg(&insn, 7));
}

/* POPA reads rDI first, at rSP; rSP's own slot changes nothing. */
TEST(popa_sets_all_but_rsp)
{
	u64 gprs[MMIO_INSN_NR_GPRS], slots[MMIO_INSN_STACK_SLOTS];
	struct mmio_insn insn;
	unsigned int slot, reg;

	for (reg = 0; reg < MMIO_INSN_NR_GPRS; reg++)
		gprs[reg] = 0xa5a5a5a5a5a5a500ULL | reg;
	for (slot = 0; slot < MMIO_INSN_STACK_SLOTS; slot++)
		slots[slot] = 0x11111100ULL * (slot + 1) | slot;
	ASSERT_EQ(0, mmio_insn_decode(&insn, (const u8 *)"\x61", 1,
				      MMIO_INSN_PROT32));
	EXPECT_EQ(MMIO_INSN_RDI, mmio_insn_slot_reg(&insn, 0));
	EXPECT_EQ(0, mmio_insn_slot_offset(&insn, 0));
	EXPECT_EQ(28, mmio_insn_slot_offset(&insn, 7));
	mmio_insn_popa(&insn, gprs, slots);
	for (reg = 0; reg < 8; reg++) {
		/* A 32-bit write clears bits 63:32. */
		u64 want = reg == MMIO_INSN_RSP ? 0xa5a5a5a5a5a5a500ULL | reg :
						  (u32)slots[7 - reg];

		EXPECT_EQ(want, gprs[reg]);
	}
	EXPECT_EQ(0xa5a5a5a5a5a5a508ULL, gprs[MMIO_INSN_R8]);

	/* POPAW keeps the upper 48 bits of each register. */
	for (reg = 0; reg < MMIO_INSN_NR_GPRS; reg++)
		gprs[reg] = 0xa5a5a5a5a5a5a500ULL | reg;
	ASSERT_EQ(0, mmio_insn_decode(&insn, (const u8 *)"\x61", 1,
				      MMIO_INSN_REAL));
	mmio_insn_popa(&insn, gprs, slots);
	EXPECT_EQ(0xa5a5a5a5a5a50000ULL | (u16)slots[7], gprs[MMIO_INSN_RAX]);
	EXPECT_EQ(0xa5a5a5a5a5a50000ULL | (u16)slots[0], gprs[MMIO_INSN_RDI]);
	EXPECT_EQ(0xa5a5a5a5a5a5a504ULL, gprs[MMIO_INSN_RSP]);
}

/* a SHIFT count on this CPU, with CL as the count. */
#define HOST_SHIFT(name, insn, type, sfx)				\
static u64 host_##name##_##sfx(u64 a, u64 b, u64 *flags)		\
{									\
	type x = a;							\
	unsigned long f = HOST_FLAGS_IN(*flags);			\
									\
	asm("push %[f]; popf; " insn #sfx " %%cl, %[x]; pushf; pop %[f]" \
	    : [x] "+r"(x), [f] "+r"(f) : "c"((u8)b) : "cc");		\
	*flags = f;							\
	return x;							\
}

HOST_ALL_SIZES(HOST_SHIFT, rol, "rol")
HOST_ALL_SIZES(HOST_SHIFT, ror, "ror")
HOST_ALL_SIZES(HOST_SHIFT, rcl, "rcl")
HOST_ALL_SIZES(HOST_SHIFT, rcr, "rcr")
HOST_ALL_SIZES(HOST_SHIFT, shl, "shl")
HOST_ALL_SIZES(HOST_SHIFT, shr, "shr")
HOST_ALL_SIZES(HOST_SHIFT, sar, "sar")

static const struct {
	enum mmio_insn_shift kind;
	const char *name;
	host_alu_fn fn[4];
} host_shifts[] = {
	{ MMIO_SHIFT_ROL, "rol", HOST_ROW(rol) },
	{ MMIO_SHIFT_ROR, "ror", HOST_ROW(ror) },
	{ MMIO_SHIFT_RCL, "rcl", HOST_ROW(rcl) },
	{ MMIO_SHIFT_RCR, "rcr", HOST_ROW(rcr) },
	{ MMIO_SHIFT_SHL, "shl", HOST_ROW(shl) },
	{ MMIO_SHIFT_SHR, "shr", HOST_ROW(shr) },
	{ MMIO_SHIFT_SAL, "sal", HOST_ROW(shl) },
	{ MMIO_SHIFT_SAR, "sar", HOST_ROW(sar) },
};

/*
 * The flags the SDM defines for a shift or rotate by @count at @size:
 * all when the masked count is 0 (none change), OF only for a count of
 * 1, AF never for shifts, CF not for SHL/SHR past the width.
 */
static u64 shift_defined_flags(enum mmio_insn_shift kind, u8 size, u8 count)
{
	unsigned int c = count & (size == 8 ? 0x3f : 0x1f);
	u64 cmp = MMIO_INSN_ARITH_FLAGS;

	if (!c)
		return cmp;
	if (c != 1)
		cmp &= ~0x800ULL;
	if (kind >= MMIO_SHIFT_SHL) {
		cmp &= ~0x10ULL;
		if (kind != MMIO_SHIFT_SAR && c > size * 8)
			cmp &= ~0x1ULL;
	}
	return cmp;
}

static u8 shift_count(void)
{
	u64 r = rnd();

	return r & 1 ? (r >> 1) % 70 : (u8)(r >> 8);
}

TEST(shift_results_and_flags_match_the_cpu)
{
	static const u8 sizes[4] = { 1, 2, 4, 8 };
	unsigned int i, s, n, bad = 0;

	for (i = 0; i < ARRAY_LEN(host_shifts); i++) {
		for (s = 0; s < 4; s++) {
			for (n = 0; n < 20000; n++) {
				u8 sz = sizes[s];
				u64 mask = sz == 8 ? ~0ULL : (1ULL << (8 * sz)) - 1;
				u64 a = edge_operand(sz);
				u8 c = shift_count();
				u64 fl_in = rnd() & MMIO_INSN_ARITH_FLAGS;
				u64 host_fl = fl_in, mine_fl = fl_in;
				u64 want = host_shifts[i].fn[s](a, c, &host_fl);
				u64 got = mmio_insn_shift(host_shifts[i].kind, sz,
							  a, c, &mine_fl);
				u64 cmp = shift_defined_flags(host_shifts[i].kind,
							      sz, c);

				want &= mask;
				if (got == want && !((host_fl ^ mine_fl) & cmp))
					continue;
				if (bad++ < 10)
					TH_LOG("%s%u %#llx by %u (flags %#llx): got %#llx flags %#llx, cpu %#llx flags %#llx",
					       host_shifts[i].name, sz * 8,
					       (unsigned long long)a, c,
					       (unsigned long long)fl_in,
					       (unsigned long long)got,
					       (unsigned long long)(mine_fl & cmp),
					       (unsigned long long)want,
					       (unsigned long long)(host_fl & cmp));
			}
		}
	}
	EXPECT_EQ(0, bad);
}

/* BT* on a register: the bit offset is taken modulo the width there too. */
#define HOST_BIT(name, insn, type, sfx)					\
static u64 host_##name##_##sfx(u64 a, u64 b, u64 *flags)		\
{									\
	type x = a, y = b;						\
	unsigned long f = HOST_FLAGS_IN(*flags);			\
									\
	asm("push %[f]; popf; " insn #sfx " %[y], %[x]; pushf; pop %[f]" \
	    : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc");		\
	*flags = f;							\
	return x;							\
}

#define HOST_BIT_SIZES(name, insn)					\
	HOST_BIT(name, insn, u16, w) HOST_BIT(name, insn, u32, l)	\
	HOST_BIT(name, insn, u64, q)

HOST_BIT_SIZES(bt, "bt")
HOST_BIT_SIZES(bts, "bts")
HOST_BIT_SIZES(btr, "btr")
HOST_BIT_SIZES(btc, "btc")

#define HOST_IMUL(type, sfx)						\
static u64 host_imul_##sfx(u64 a, u64 b, u64 *flags)			\
{									\
	type x = a, y = b;						\
	unsigned long f = HOST_FLAGS_IN(*flags);			\
									\
	asm("push %[f]; popf; imul" #sfx " %[y], %[x]; pushf; pop %[f]"	\
	    : [x] "+r"(x), [f] "+r"(f) : [y] "r"(y) : "cc");		\
	*flags = f;							\
	return x;							\
}

HOST_IMUL(u16, w)
HOST_IMUL(u32, l)
HOST_IMUL(u64, q)

static const struct {
	const char *name;
	int kind;		/* enum mmio_insn_bit, or -1 for IMUL */
	host_alu_fn fn[3];	/* by size: 2, 4, 8 */
	u64 defined;		/* the flags the SDM defines */
} host_ops[] = {
	{ "bt", MMIO_BIT_TEST, { host_bt_w, host_bt_l, host_bt_q }, 0x41 },
	{ "bts", MMIO_BIT_SET, { host_bts_w, host_bts_l, host_bts_q }, 0x41 },
	{ "btr", MMIO_BIT_RESET, { host_btr_w, host_btr_l, host_btr_q }, 0x41 },
	{ "btc", MMIO_BIT_COMPLEMENT, { host_btc_w, host_btc_l, host_btc_q },
	  0x41 },
	{ "imul", -1, { host_imul_w, host_imul_l, host_imul_q }, 0x801 },
};

TEST(bit_and_imul_results_and_flags_match_the_cpu)
{
	static const u8 sizes[3] = { 2, 4, 8 };
	unsigned int i, s, n, bad = 0;

	for (i = 0; i < ARRAY_LEN(host_ops); i++) {
		for (s = 0; s < 3; s++) {
			for (n = 0; n < 20000; n++) {
				u8 sz = sizes[s];
				u64 mask = sz == 8 ? ~0ULL : (1ULL << (8 * sz)) - 1;
				u64 a = edge_operand(sz), b = edge_operand(sz);
				u64 fl_in = rnd() & MMIO_INSN_ARITH_FLAGS;
				u64 host_fl = fl_in, mine_fl = fl_in;
				u64 want = host_ops[i].fn[s](a, b, &host_fl);
				u64 got = host_ops[i].kind < 0 ?
					mmio_insn_imul(sz, a, b, &mine_fl) :
					mmio_insn_bit(host_ops[i].kind, sz, a, b,
						      &mine_fl);
				u64 cmp = host_ops[i].defined;

				want &= mask;
				if (got == want && !((host_fl ^ mine_fl) & cmp))
					continue;
				if (bad++ < 10)
					TH_LOG("%s%u %#llx, %#llx: got %#llx flags %#llx, cpu %#llx flags %#llx",
					       host_ops[i].name, sz * 8,
					       (unsigned long long)a,
					       (unsigned long long)b,
					       (unsigned long long)got,
					       (unsigned long long)(mine_fl & cmp),
					       (unsigned long long)want,
					       (unsigned long long)(host_fl & cmp));
			}
		}
	}
	EXPECT_EQ(0, bad);
}

/* Every condition against SETcc on this CPU, for all 32 flag patterns. */
static bool host_condition(u8 cond, u64 flags)
{
	unsigned long f = HOST_FLAGS_IN(flags);

	switch (cond) {
	case 0: { u8 r; asm("push %1; popf; seto %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 1: { u8 r; asm("push %1; popf; setno %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 2: { u8 r; asm("push %1; popf; setb %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 3: { u8 r; asm("push %1; popf; setae %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 4: { u8 r; asm("push %1; popf; sete %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 5: { u8 r; asm("push %1; popf; setne %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 6: { u8 r; asm("push %1; popf; setbe %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 7: { u8 r; asm("push %1; popf; seta %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 8: { u8 r; asm("push %1; popf; sets %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 9: { u8 r; asm("push %1; popf; setns %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 10: { u8 r; asm("push %1; popf; setp %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 11: { u8 r; asm("push %1; popf; setnp %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 12: { u8 r; asm("push %1; popf; setl %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 13: { u8 r; asm("push %1; popf; setge %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	case 14: { u8 r; asm("push %1; popf; setle %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	default: { u8 r; asm("push %1; popf; setg %0" : "=q"(r) : "r"(f) : "cc"); return r; }
	}
}

TEST(conditions_match_the_cpu)
{
	static const u64 bits[5] = { 0x1, 0x4, 0x40, 0x80, 0x800 };
	unsigned int cond, pattern, k, bad = 0;

	for (cond = 0; cond < 16; cond++) {
		for (pattern = 0; pattern < 32; pattern++) {
			u64 flags = 0;

			for (k = 0; k < 5; k++)
				if (pattern & (1u << k))
					flags |= bits[k];
			if (mmio_insn_condition(cond, flags) ==
			    host_condition(cond, flags))
				continue;
			if (bad++ < 10)
				TH_LOG("condition %#x, flags %#llx", cond,
				       (unsigned long long)flags);
		}
	}
	EXPECT_EQ(0, bad);
}

TEST(setcc_stores_the_condition)
{
	struct mmio_insn insn;
	u64 gprs[MMIO_INSN_NR_GPRS];

	fill_gprs(gprs);
	ASSERT_EQ(0, decode(&insn, "\x0f\x94\x07", 3, MMIO_INSN_LONG64));
	EXPECT_EQ(1ULL, mmio_insn_store_value(&insn, gprs, 0x42));
	EXPECT_EQ(0ULL, mmio_insn_store_value(&insn, gprs, 0x2));
	/* pushfq: VM and RF never reach the image */
	ASSERT_EQ(0, decode(&insn, "\x9c", 1, MMIO_INSN_LONG64));
	EXPECT_EQ(0x246ULL, mmio_insn_store_value(&insn, gprs, 0x30246));
}

TEST(shift_bit_cmov_imul_execute)
{
	struct executed e;

	/* shlb $3,(%rdi): 0x31 << 3 = 0x88, CF from bit 5 (1) */
	ASSERT_EQ(0, execute(&e, "\xc0\x27\x03", 3, MMIO_INSN_LONG64, 0x31,
			     0x2));
	EXPECT_TRUE(e.stores);
	EXPECT_EQ(0x88ULL, e.store);
	EXPECT_EQ(0x1ULL, e.rflags & 0x1);
	/* shrl %cl,(%rdi): CL is 0x81 here (fill_gprs), masked to 1 */
	ASSERT_EQ(0, execute(&e, "\xd3\x2f", 2, MMIO_INSN_LONG64, 0x10, 0x2));
	EXPECT_EQ(0x8ULL, e.store);
	/* rolb $0,(%rdi) writes back the value and keeps every flag */
	ASSERT_EQ(0, execute(&e, "\xc0\x07\x00", 3, MMIO_INSN_LONG64, 0x81,
			     0x8d7));
	EXPECT_TRUE(e.stores);
	EXPECT_EQ(0x81ULL, e.store);
	EXPECT_EQ(0x8d7ULL, e.rflags);
	/* bt %eax,(%rdi): EAX 0x50607080, bit 0 of the dword: no store */
	ASSERT_EQ(0, execute(&e, "\x0f\xa3\x07", 3, MMIO_INSN_LONG64, 0x1,
			     0x2));
	EXPECT_FALSE(e.stores);
	EXPECT_EQ(0x3ULL, e.rflags);
	/* btsq $40,(%rdi) */
	ASSERT_EQ(0, execute(&e, "\x48\x0f\xba\x2f\x28", 5, MMIO_INSN_LONG64,
			     0, 0x3));
	EXPECT_TRUE(e.stores);
	EXPECT_EQ(1ULL << 40, e.store);
	EXPECT_EQ(0x2ULL, e.rflags);
	/* cmovne (%rdi),%eax with ZF set: EAX keeps its value, RAX's top clears */
	ASSERT_EQ(0, execute(&e, "\x0f\x45\x07", 3, MMIO_INSN_LONG64, 0x99,
			     0x42));
	EXPECT_FALSE(e.stores);
	EXPECT_EQ(0x50607080ULL, e.gprs[AX]);
	ASSERT_EQ(0, execute(&e, "\x0f\x45\x07", 3, MMIO_INSN_LONG64, 0x99,
			     0x2));
	EXPECT_EQ(0x99ULL, e.gprs[AX]);
	/* cmovneq with ZF set leaves all of RAX */
	ASSERT_EQ(0, execute(&e, "\x48\x0f\x45\x07", 4, MMIO_INSN_LONG64, 0x99,
			     0x42));
	EXPECT_EQ(0x1020304050607080ULL, e.gprs[AX]);
	/* imul $-2,(%rdi),%rdx */
	ASSERT_EQ(0, execute(&e, "\x48\x6b\x17\xfe", 4, MMIO_INSN_LONG64, 21,
			     0x2));
	EXPECT_FALSE(e.stores);
	EXPECT_EQ((u64)-42, e.gprs[DX]);
	EXPECT_EQ(0ULL, e.rflags & 0x801);
	/* pushq (%rdi): the caller moves it; nothing changes here */
	ASSERT_EQ(0, execute(&e, "\xff\x37", 2, MMIO_INSN_LONG64, 5, 0x2));
	EXPECT_FALSE(e.stores);
	EXPECT_EQ(0x1020304050607080ULL, e.gprs[AX]);
}

/* One-operand MUL, IMUL, DIV, IDIV on this CPU: rAX and rDX in and out. */
#define HOST_MULDIV(name, insn, sfx, type)				\
static bool host_##name##_##sfx(u64 *rax, u64 *rdx, u64 src, u64 *flags) \
{									\
	unsigned long a = *rax, d = *rdx, f = HOST_FLAGS_IN(*flags);	\
	type s = src;							\
									\
	asm("push %[f]; popf; " insn #sfx " %[s]; pushf; pop %[f]"	\
	    : "+a"(a), "+d"(d), [f] "+r"(f) : [s] "rm"(s) : "cc");	\
	*rax = a;							\
	*rdx = d;							\
	*flags = f;							\
	return true;							\
}

#define HOST_MULDIV_SIZES(name, insn)					\
	HOST_MULDIV(name, insn, b, u8) HOST_MULDIV(name, insn, w, u16)	\
	HOST_MULDIV(name, insn, l, u32) HOST_MULDIV(name, insn, q, u64)

HOST_MULDIV_SIZES(mul, "mul")
HOST_MULDIV_SIZES(imul1, "imul")
HOST_MULDIV_SIZES(div, "div")
HOST_MULDIV_SIZES(idiv, "idiv")

typedef bool (*host_muldiv_fn)(u64 *rax, u64 *rdx, u64 src, u64 *flags);

/*
 * Whether the CPU would raise #DE, worked out without raising it: a zero
 * divisor, or a quotient that does not fit (found with the wide types).
 */
static __attribute__((noinline)) bool
host_divide_faults(bool is_signed, u8 size, u64 rax, u64 rdx,
			       u64 src)
{
	unsigned int n = size * 8;
	u64 mask = size == 8 ? ~0ULL : (1ULL << n) - 1;
	unsigned __int128 un;
	__int128 sn, sd, q;

	if (!(src & mask))
		return true;
	if (size == 1)
		un = rax & 0xffff;
	else
		un = ((unsigned __int128)(rdx & mask) << n) | (rax & mask);
	if (!is_signed)
		return un / (src & mask) > mask;
	sn = (__int128)(un << (128 - 2 * n)) >> (128 - 2 * n);
	sd = (__int128)((unsigned __int128)(src & mask) << (128 - n)) >> (128 - n);
	/* The one quotient __int128 cannot hold does not fit any size. */
	if (sd == -1 && sn == (__int128)((unsigned __int128)1 << 127))
		return true;
	q = sn / sd;
	return q > (__int128)(mask >> 1) || q < -(__int128)(mask >> 1) - 1;
}

TEST(mul_div_match_the_cpu)
{
	static const struct {
		const char *name;
		enum mmio_insn_muldiv kind;
		host_muldiv_fn fn[4];
		u64 defined;
	} ops[] = {
		{ "mul", MMIO_MUL, { host_mul_b, host_mul_w, host_mul_l,
				     host_mul_q }, 0x801 },
		{ "imul", MMIO_IMUL, { host_imul1_b, host_imul1_w,
				       host_imul1_l, host_imul1_q }, 0x801 },
		{ "div", MMIO_DIV, { host_div_b, host_div_w, host_div_l,
				     host_div_q }, 0 },
		{ "idiv", MMIO_IDIV, { host_idiv_b, host_idiv_w, host_idiv_l,
				       host_idiv_q }, 0 },
	};
	static const u8 sizes[4] = { 1, 2, 4, 8 };
	unsigned int i, s, n, bad = 0, faults = 0;

	for (i = 0; i < ARRAY_LEN(ops); i++) {
		for (s = 0; s < 4; s++) {
			for (n = 0; n < 20000; n++) {
				u8 sz = sizes[s];
				u64 a = edge_operand(sz), d = edge_operand(sz);
				u64 src = edge_operand(sz);
				u64 fl = rnd() & MMIO_INSN_ARITH_FLAGS;
				u64 ha = a, hd = d, hf = fl, ma = a, md = d, mf = fl;
				bool ok, want_ok = true;

				/* Small divisors and dividends: quotients that fit. */
				if (ops[i].kind >= MMIO_DIV && (n & 1))
					d = hd = md = rnd() & 1 ? 0 : ~0ULL;
				if (ops[i].kind >= MMIO_DIV)
					want_ok = !host_divide_faults(
						ops[i].kind == MMIO_IDIV, sz, a, d, src);
				if (want_ok)
					ops[i].fn[s](&ha, &hd, src, &hf);
				else
					faults++;
				ok = mmio_insn_mul_div(ops[i].kind, sz, &ma, &md,
						       src, &mf);
				if (ok == want_ok && (!ok || (ha == ma && hd == md &&
				    !((hf ^ mf) & ops[i].defined))) &&
				    (ok || (ma == a && md == d && mf == fl)))
					continue;
				if (bad++ < 10)
					TH_LOG("%s%u rax %#llx rdx %#llx src %#llx: ok %d/%d, got %#llx:%#llx fl %#llx, cpu %#llx:%#llx fl %#llx",
					       ops[i].name, sz * 8,
					       (unsigned long long)a,
					       (unsigned long long)d,
					       (unsigned long long)src, ok, want_ok,
					       (unsigned long long)md,
					       (unsigned long long)ma,
					       (unsigned long long)mf,
					       (unsigned long long)hd,
					       (unsigned long long)ha,
					       (unsigned long long)hf);
			}
		}
	}
	EXPECT_EQ(0, bad);
	EXPECT_LT(1000, faults);	/* the #DE cases were reached */
}

TEST_HARNESS_MAIN
