/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Little-endian loads and stores at any alignment, for images and guest
 * tables that are byte buffers.
 */
#ifndef VMXLAB_USER_LE_H
#define VMXLAB_USER_LE_H

#include <stdint.h>
#include <string.h>

static inline uint16_t get_le16(const void *p)
{
	const uint8_t *b = p;

	return b[0] | (uint16_t)b[1] << 8;
}

static inline uint32_t get_le32(const void *p)
{
	const uint8_t *b = p;

	return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t get_le64(const void *p)
{
	return get_le32(p) | (uint64_t)get_le32((const uint8_t *)p + 4) << 32;
}

static inline void put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;

	b[0] = v;
	b[1] = v >> 8;
}

static inline void put_le32(void *p, uint32_t v)
{
	put_le16(p, v);
	put_le16((uint8_t *)p + 2, v >> 16);
}

static inline void put_le64(void *p, uint64_t v)
{
	put_le32(p, v);
	put_le32((uint8_t *)p + 4, v >> 32);
}

#endif
