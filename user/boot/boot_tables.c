// SPDX-License-Identifier: GPL-2.0
/*
 * What every entry mode needs in guest memory: a GDT with flat segments
 * and, for 64-bit entry, page tables identity-mapping the first 4 GiB.
 * Also the check that a loader's target range is free RAM, and the guess
 * of an image's format.
 */
#include <string.h>

#include "boot/boot.h"
#include "boot/boot_layout.h"
#include "le.h"

#define GDT_CODE32	0x00cf9b000000ffffULL	/* G, D, P, exec/read */
#define GDT_CODE64	0x00af9b000000ffffULL	/* G, L, P, exec/read */
#define GDT_DATA	0x00cf93000000ffffULL	/* G, B, P, read/write */

#define PTE_PRESENT	0x1ULL
#define PTE_WRITE	0x2ULL
#define PTE_LARGE	0x80ULL

int boot_write_gdt(struct guest_mem *mem, uint64_t gpa, struct errbuf *err)
{
	uint8_t *gdt = guest_mem_ptr(mem, gpa, 32);

	if (!gdt)
		return errbuf_set(err, "guest memory too small for the GDT");
	memset(gdt, 0, 32);
	put_le64(gdt + BOOT_SEL_CODE32, GDT_CODE32);
	put_le64(gdt + BOOT_SEL_CODE64, GDT_CODE64);
	put_le64(gdt + BOOT_SEL_DATA, GDT_DATA);
	return 0;
}

int boot_write_cpu_tables(struct guest_mem *mem, enum boot_cpu_mode mode,
			  struct errbuf *err)
{
	uint8_t *pml4, *pdpt, *pd;
	unsigned int i;

	if (boot_write_gdt(mem, BOOT_GDT_GPA, err))
		return -1;
	if (mode != BOOT_MODE_LONG64)
		return 0;

	pml4 = guest_mem_ptr(mem, BOOT_PML4_GPA, 4096);
	pdpt = guest_mem_ptr(mem, BOOT_PDPT_GPA, 4096);
	pd = guest_mem_ptr(mem, BOOT_PD_GPA, 4 * 4096);
	if (!pml4 || !pdpt || !pd)
		return errbuf_set(err, "guest memory too small for page tables");
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	put_le64(pml4, BOOT_PDPT_GPA | PTE_PRESENT | PTE_WRITE);
	for (i = 0; i < 4; i++)
		put_le64(pdpt + 8 * i, (BOOT_PD_GPA + 4096 * i) |
			 PTE_PRESENT | PTE_WRITE);
	for (i = 0; i < 4 * 512; i++)
		put_le64(pd + 8 * i, ((uint64_t)i << 21) | PTE_PRESENT |
			 PTE_WRITE | PTE_LARGE);
	return 0;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int boot_range_free(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa || !guest_mem_ptr(mem, gpa, len))
		return 0;
	if (overlaps(gpa, len, 0, BOOT_LOW_END))
		return 0;
	return !overlaps(gpa, len, BOOT_EBDA_GPA, BOOT_HIGH_GPA - BOOT_EBDA_GPA);
}

/* What a PC keeps below 1 MiB, which no image may overwrite. */
static const struct {
	uint64_t start, end;
	const char *name;
} bios_areas[] = {
	{ 0, BOOT_BDA_END, "overlaps the real-mode IVT and BIOS data area (0x0-0x500)" },
	{ BOOT_EBDA_GPA, BOOT_VGA_GPA, "overlaps the EBDA (0x9fc00-0xa0000)" },
	{ BOOT_VGA_GPA, BOOT_ROM_GPA, "overlaps video memory (0xa0000-0xc0000)" },
	{ BOOT_ROM_GPA, BOOT_HIGH_GPA,
	  "overlaps the ROM area (0xc0000-0x100000: ACPI and MP tables)" },
};

const char *boot_bios_conflict(const struct guest_mem *mem, uint64_t gpa,
			       uint64_t len)
{
	unsigned int i;

	for (i = 0; i < sizeof(bios_areas) / sizeof(bios_areas[0]); i++)
		if (overlaps(gpa, len, bios_areas[i].start,
			     bios_areas[i].end - bios_areas[i].start))
			return bios_areas[i].name;
	if (gpa + len < gpa || !guest_mem_ptr(mem, gpa, len))
		return "is not in guest RAM (past the end of RAM or in the hole below 4 GiB; try more --mem)";
	return NULL;
}

#define LINUX_HDR_MAGIC		0x53726448	/* "HdrS" */
#define MULTIBOOT_MAGIC		0x1badb002
#define MULTIBOOT_SEARCH	8192

enum boot_format boot_detect_format(const uint8_t *image, size_t size)
{
	size_t off;

	if (size >= 0x206 && get_le16(image + 0x1fe) == 0xaa55 &&
	    get_le32(image + 0x202) == LINUX_HDR_MAGIC)
		return BOOT_FORMAT_LINUX;
	for (off = 0; off + 12 <= size && off < MULTIBOOT_SEARCH; off += 4) {
		uint32_t magic = get_le32(image + off);
		uint32_t flags = get_le32(image + off + 4);
		uint32_t sum = get_le32(image + off + 8);

		if (magic == MULTIBOOT_MAGIC && magic + flags + sum == 0)
			return BOOT_FORMAT_MULTIBOOT;
	}
	return BOOT_FORMAT_UNKNOWN;
}
