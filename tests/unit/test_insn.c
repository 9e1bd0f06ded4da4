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
#define XCHG(sz, r)	LOAD(sz, r), .is_write = true
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
	       a->sign_extend == b->sign_extend;
}

static void show(struct __test_metadata *_metadata, const char *what,
		 const struct mmio_insn *i)
{
	TH_LOG("  %s: len %u size %u r%d w%d imm%d 0x%llx reg %u/%u%s%s",
	       what, i->len, i->size, i->is_read, i->is_write, i->has_imm,
	       (unsigned long long)i->imm, i->reg, i->reg_size,
	       i->reg_high_byte ? " high" : "", i->sign_extend ? " sx" : "");
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
		{ "add %eax,(%rdi)", "\x01\x07", 2, MMIO_INSN_LONG64 },
		{ "orl $0x1,(%rdi)", "\x83\x0f\x01", 3, MMIO_INSN_LONG64 },
		{ "pushq (%rdi)", "\xff\x37", 2, MMIO_INSN_LONG64 },
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

TEST(string_instructions)
{
	static const char *const ops64[] = {
		"\xf3\xa4",	/* rep movsb */
		"\xf3\xab",	/* rep stos %eax */
		"\xa4",		/* movsb */
		"\xad",		/* lods %eax */
		"\x6c",		/* insb */
		"\x66\x6f",	/* outsw */
		"\x48\xa5",	/* movsq */
		"\xf2\xae",	/* repnz scasb */
		"\xa7",		/* cmpsl */
	};
	struct mmio_insn insn;
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(ops64); i++)
		EXPECT_EQ(-MMIO_INSN_ESTRING,
			  decode(&insn, ops64[i], strlen(ops64[i]),
				 MMIO_INSN_LONG64));
	/* rep stos %ax in real mode */
	EXPECT_EQ(-MMIO_INSN_ESTRING,
		  decode(&insn, "\xf3\xab", 2, MMIO_INSN_REAL));
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
	return mmio_insn_store_value(&insn, gprs);
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
	EXPECT_EQ(0x73ULL, mmio_insn_store_value(&insn, gprs));
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

TEST_HARNESS_MAIN
