/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every loader needs and produces. A loader reads an image from a
 * memory buffer, writes the guest's memory and describes the CPU state
 * the guest must start in; the vCPU code turns that into registers.
 * Loaders are portable and never trust the image.
 */
#ifndef VMXLAB_USER_BOOT_H
#define VMXLAB_USER_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "guest_mem.h"

enum boot_cpu_mode {
	BOOT_MODE_PROTECTED32,	/* flat 4 GiB segments, paging off */
	BOOT_MODE_LONG64,	/* identity-mapped 0-4 GiB, 64-bit CS */
};

struct boot_entry {
	enum boot_cpu_mode mode;
	uint64_t rip;
	uint64_t rsp;
	uint64_t rax;
	uint64_t rbx;
	uint64_t rsi;
	uint64_t gdt;		/* 0: BOOT_GDT_GPA */
};

struct boot_config {
	const uint8_t *initrd;		/* NULL: none */
	size_t initrd_size;
	const char *initrd_name;	/* the Multiboot module's string */
	const char *cmdline;		/* NULL: empty */
	const char *kernel_name;	/* Multiboot's argv[0]; NULL: "vmxlab" */
	uint64_t acpi_rsdp;		/* 0: none */
};

enum boot_format {
	BOOT_FORMAT_UNKNOWN,
	BOOT_FORMAT_LINUX,
	BOOT_FORMAT_MULTIBOOT,
};

/* Which loader an image is for; flat binaries are never guessed. */
enum boot_format boot_detect_format(const uint8_t *image, size_t size);

int load_linux(struct guest_mem *mem, const uint8_t *image, size_t size,
	       const struct boot_config *cfg, struct boot_entry *entry,
	       struct errbuf *err);
int load_multiboot(struct guest_mem *mem, const uint8_t *image, size_t size,
		   const struct boot_config *cfg, struct boot_entry *entry,
		   struct errbuf *err);
int load_flat(struct guest_mem *mem, const uint8_t *image, size_t size,
	      uint64_t addr, struct boot_entry *entry, struct errbuf *err);

/* Is [gpa, gpa + len) RAM that the launcher keeps nothing in? */
int boot_range_free(const struct guest_mem *mem, uint64_t gpa, uint64_t len);
#define BOOT_FREE_RAM_HINT \
	"not in free guest RAM (0x30000-0x9fc00 and from 1 MiB to the end of RAM; try more --mem)"

/*
 * For loaders that may load below 1 MiB (Multiboot): NULL if
 * [gpa, gpa + len) is guest RAM clear of the BIOS areas (IVT and BIOS
 * data area, EBDA, video memory and ROMs), else what is in the way.
 */
const char *boot_bios_conflict(const struct guest_mem *mem, uint64_t gpa,
			       uint64_t len);

/* The flat-segment GDT (32 bytes) at gpa. */
int boot_write_gdt(struct guest_mem *mem, uint64_t gpa, struct errbuf *err);

/* The GDT and, for BOOT_MODE_LONG64, the identity page tables. */
int boot_write_cpu_tables(struct guest_mem *mem, enum boot_cpu_mode mode,
			  struct errbuf *err);

#endif
