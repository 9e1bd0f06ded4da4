// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: address translation with bounds checks, and the memory map.
 */
#include "boot/boot_layout.h"
#include "guest_mem.h"

void guest_mem_init(struct guest_mem *mem, void *host, uint64_t size)
{
	mem->host = host;
	mem->size = size;
	mem->low_size = size < GUEST_MEM_HOLE_START ? size : GUEST_MEM_HOLE_START;
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t high_size = mem->size - mem->low_size;

	if (gpa < mem->low_size) {
		if (len > mem->low_size - gpa)
			return NULL;
		return mem->host + gpa;
	}
	if (gpa >= GUEST_MEM_HIGH_START) {
		uint64_t off = gpa - GUEST_MEM_HIGH_START;

		if (off >= high_size || len > high_size - off)
			return NULL;
		return mem->host + mem->low_size + off;
	}
	return NULL;
}

int guest_mem_map(const struct guest_mem *mem,
		  struct e820_range ranges[GUEST_MEM_MAX_RANGES])
{
	int n = 0;

	ranges[n++] = (struct e820_range){ 0, BOOT_EBDA_GPA, E820_RAM };
	ranges[n++] = (struct e820_range){ BOOT_EBDA_GPA,
					   BOOT_VGA_GPA - BOOT_EBDA_GPA,
					   E820_RESERVED };
	ranges[n++] = (struct e820_range){ BOOT_BIOS_GPA,
					   BOOT_HIGH_GPA - BOOT_BIOS_GPA,
					   E820_RESERVED };
	if (mem->low_size > BOOT_HIGH_GPA)
		ranges[n++] = (struct e820_range){ BOOT_HIGH_GPA,
						   mem->low_size - BOOT_HIGH_GPA,
						   E820_RAM };
	if (mem->size > mem->low_size)
		ranges[n++] = (struct e820_range){ GUEST_MEM_HIGH_START,
						   mem->size - mem->low_size,
						   E820_RAM };
	return n;
}
