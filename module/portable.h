/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types for code that is built both into vmxlab.ko and, with -DVMXLAB_HOST,
 * into host unit tests and the launcher: the kernel's fixed-width names
 * and errno values on either side.
 */
#ifndef VMXLAB_PORTABLE_H
#define VMXLAB_PORTABLE_H

#ifdef VMXLAB_HOST
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))
#else
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/types.h>
#endif

#endif
