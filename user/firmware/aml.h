/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny AML encoder: just what the DSDT needs (names, integers,
 * strings, packages, scopes, devices, resource-template buffers).
 * Writes into a fixed buffer; an overflow is sticky and reported once at
 * the end, so callers need not check every call.
 */
#ifndef VMXLAB_USER_AML_H
#define VMXLAB_USER_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool overflow;
};

void aml_init(struct aml *a, uint8_t *data, size_t cap);
void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t b);
/* A name path: "\\_SB_", "_S5_", "VR00" (segments of 4 characters). */
void aml_name(struct aml *a, const char *path);
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);

/*
 * Objects with a PkgLength: open one, write its contents, close it; the
 * length is encoded (1 to 4 bytes) when it is closed. Nesting is fine.
 */
size_t aml_open(struct aml *a, const uint8_t *op, size_t oplen);
void aml_close(struct aml *a, size_t mark);

#define AML_NAME_OP		0x08
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12

/* Name(path, ...): call aml_name_begin, then write the value. */
void aml_name_begin(struct aml *a, const char *path);

/* Resource descriptors for a _CRS buffer */
void aml_res_memory32_fixed(struct aml *a, uint32_t base, uint32_t len);
void aml_res_interrupt(struct aml *a, uint32_t gsi, bool edge);
void aml_res_end(struct aml *a);

/* PkgLength encoding of a total length (including itself); bytes used. */
unsigned int aml_pkglength(uint8_t out[4], size_t content_len);

#endif
