/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading the PT_LOAD segments of an ELF32 or ELF64 executable at their
 * physical addresses, as a Multiboot loader does: anywhere in guest RAM
 * outside the BIOS areas, low memory included. The image is untrusted:
 * every offset and size is checked before use.
 */
#ifndef VMXLAB_USER_LOAD_ELF_H
#define VMXLAB_USER_LOAD_ELF_H

#include "boot/boot.h"

#define ELF_MAX_PHDRS	256

struct elf_range {
	uint64_t start, end;
};

struct elf_loaded {
	uint64_t entry;		/* physical */
	uint64_t low;		/* lowest byte loaded */
	uint64_t high;		/* one past the highest byte loaded */
	unsigned int nr_ranges;	/* what the image occupies, for placing */
	struct elf_range ranges[ELF_MAX_PHDRS];	/* boot structures */
};

int load_elf(struct guest_mem *mem, const uint8_t *image, size_t size,
	     struct elf_loaded *out, struct errbuf *err);

#endif
