/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RAM as the launcher sees it: one host buffer, mapped at
 * guest-physical 0 up to the 3 GiB MMIO hole, and the rest (if any) from
 * 4 GiB. The hole holds the IOAPIC, the LAPIC and the virtio-mmio
 * windows. Portable: loaders and table builders write through
 * guest_mem_ptr(), which refuses any range not wholly inside RAM.
 */
#ifndef VMXLAB_USER_GUEST_MEM_H
#define VMXLAB_USER_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_HOLE_START	0xc0000000ULL
#define GUEST_MEM_HIGH_START	0x100000000ULL

struct guest_mem {
	uint8_t *host;
	uint64_t size;		/* all RAM */
	uint64_t low_size;	/* RAM below the hole, from 0 */
};

/* E820 / Multiboot memory types */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3

struct e820_range {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

#define GUEST_MEM_MAX_RANGES	8

void guest_mem_init(struct guest_mem *mem, void *host, uint64_t size);

/* Host address of [gpa, gpa + len), or NULL unless all of it is RAM. */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/*
 * The memory map every guest is told about (E820 for Linux, the Multiboot
 * mmap): low RAM, the EBDA and BIOS area reserved, RAM from 1 MiB, RAM
 * above 4 GiB. Returns the number of ranges written.
 */
int guest_mem_map(const struct guest_mem *mem,
		  struct e820_range ranges[GUEST_MEM_MAX_RANGES]);

#endif
