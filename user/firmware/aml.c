// SPDX-License-Identifier: GPL-2.0
/*
 * AML byte encodings from the ACPI specification, chapter 20.
 */
#include <string.h>

#include "firmware/aml.h"
#include "le.h"

#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_STRING_PREFIX	0x0d
#define AML_QWORD_PREFIX	0x0e
#define AML_ONES_OP		0xff
#define AML_ROOT_CHAR		'\\'
#define AML_DUAL_NAME_PREFIX	0x2e
#define AML_MULTI_NAME_PREFIX	0x2f

#define RES_MEMORY32_FIXED	0x86
#define RES_EXT_INTERRUPT	0x89
#define RES_END_TAG		0x79

void aml_init(struct aml *a, uint8_t *data, size_t cap)
{
	a->data = data;
	a->len = 0;
	a->cap = cap;
	a->overflow = false;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->overflow || n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memcpy(a->data + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

void aml_name(struct aml *a, const char *path)
{
	size_t segs, len;

	if (*path == AML_ROOT_CHAR) {
		aml_byte(a, AML_ROOT_CHAR);
		path++;
	}
	len = strlen(path);
	segs = len / 4;
	if (len % 4 || !segs) {
		a->overflow = true;	/* a malformed name is a bug */
		return;
	}
	if (segs == 2) {
		aml_byte(a, AML_DUAL_NAME_PREFIX);
	} else if (segs > 2) {
		aml_byte(a, AML_MULTI_NAME_PREFIX);
		aml_byte(a, segs);
	}
	aml_bytes(a, path, len);
}

void aml_integer(struct aml *a, uint64_t v)
{
	uint8_t buf[8];

	if (v == 0) {
		aml_byte(a, AML_ZERO_OP);
	} else if (v == 1) {
		aml_byte(a, AML_ONE_OP);
	} else if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_byte(a, v);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PREFIX);
		put_le16(buf, v);
		aml_bytes(a, buf, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, AML_DWORD_PREFIX);
		put_le32(buf, v);
		aml_bytes(a, buf, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		put_le64(buf, v);
		aml_bytes(a, buf, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

void aml_name_begin(struct aml *a, const char *path)
{
	aml_byte(a, AML_NAME_OP);
	aml_name(a, path);
}

unsigned int aml_pkglength(uint8_t out[4], size_t content_len)
{
	size_t total;
	unsigned int n;

	/* one byte holds up to 63; more bytes hold 4 + 8 * (n - 1) bits */
	if (content_len + 1 < 64) {
		out[0] = content_len + 1;
		return 1;
	}
	for (n = 2; n <= 4; n++) {
		total = content_len + n;
		if (total < (1UL << (4 + 8 * (n - 1))))
			break;
	}
	out[0] = (n - 1) << 6 | (total & 0x0f);
	out[1] = total >> 4;
	if (n > 2)
		out[2] = total >> 12;
	if (n > 3)
		out[3] = total >> 20;
	return n;
}

size_t aml_open(struct aml *a, const uint8_t *op, size_t oplen)
{
	aml_bytes(a, op, oplen);
	return a->len;
}

void aml_close(struct aml *a, size_t mark)
{
	uint8_t pkg[4];
	size_t content;
	unsigned int n;

	if (a->overflow)
		return;
	content = a->len - mark;
	n = aml_pkglength(pkg, content);
	if (n > a->cap - a->len) {
		a->overflow = true;
		return;
	}
	memmove(a->data + mark + n, a->data + mark, content);
	memcpy(a->data + mark, pkg, n);
	a->len += n;
}

void aml_res_memory32_fixed(struct aml *a, uint32_t base, uint32_t len)
{
	uint8_t d[12] = { RES_MEMORY32_FIXED, 9, 0, 1 /* read-write */ };

	put_le32(d + 4, base);
	put_le32(d + 8, len);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_interrupt(struct aml *a, uint32_t gsi, bool edge)
{
	/* consumer, active high, exclusive; one interrupt */
	uint8_t d[9] = { RES_EXT_INTERRUPT, 6, 0, 0x01 | (edge ? 0x02 : 0), 1 };

	put_le32(d + 5, gsi);
	aml_bytes(a, d, sizeof(d));
}

void aml_res_end(struct aml *a)
{
	uint8_t d[2] = { RES_END_TAG, 0 };	/* checksum 0: "no checksum" */

	aml_bytes(a, d, sizeof(d));
}
