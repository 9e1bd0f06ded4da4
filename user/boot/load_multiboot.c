// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot v1: find the header in the first 8 KiB, load the kernel from
 * its ELF program headers (ELF32 or ELF64) or from the header's address
 * fields (the "a.out kludge", flag 16), place the module (--initrd) after
 * the kernel, and build the boot information: memory sizes, memory map,
 * command line, modules, boot loader name. The kernel starts in 32-bit
 * protected mode, paging off, EAX = 0x2BADB002, EBX = the information.
 *
 * The kernel may load anywhere in RAM outside the BIOS areas, below 1 MiB
 * too; the launcher's own structures (GDT, information, stack, command
 * line) stay at their usual low addresses unless the kernel or the module
 * wants them, and then move to the first free place after it. The command
 * line is the kernel's file name, then the user's words, as QEMU and GRUB
 * pass it: a kernel takes its argv[0] from it.
 */
#include <string.h>

#include "boot/boot.h"
#include "boot/boot_layout.h"
#include "le.h"
#include "boot/load_elf.h"

#define MB_HEADER_MAGIC		0x1badb002
#define MB_BOOT_MAGIC		0x2badb002
#define MB_SEARCH_BYTES		8192

/* Header flags: bits 0-15 are requirements, 16-31 optional features. */
#define MB_FLAG_PAGE_ALIGN	(1u << 0)
#define MB_FLAG_MEMORY_INFO	(1u << 1)
#define MB_FLAG_VIDEO_MODE	(1u << 2)
#define MB_FLAG_AOUT_KLUDGE	(1u << 16)
#define MB_REQUIRED_SUPPORTED	(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO)

/* Boot information flags */
#define MBI_MEMORY		(1u << 0)
#define MBI_CMDLINE		(1u << 2)
#define MBI_MODS		(1u << 3)
#define MBI_MMAP		(1u << 6)
#define MBI_LOADER_NAME		(1u << 9)

/* Boot information field offsets */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE_PTR		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME_PTR	64
#define MBI_SIZE		88

#define MB_MODULE_SIZE		16
#define MB_MMAP_ENTRY_SIZE	24	/* the size field and 20 bytes */
#define MB_LOADER_NAME		"vmxlab"

/*
 * Where the launcher's Multiboot structures are. The usual block is the
 * fixed low layout of boot_layout.h; a moved block is MB_BLOCK_SIZE
 * bytes from a page boundary: GDT and information in the first page, the
 * stack up to MB_BLOCK_STACK_TOP, then the extra area and command line.
 */
#define MB_BLOCK_STACK_TOP	0x4000ULL
#define MB_BLOCK_EXTRA		0x4000ULL
#define MB_BLOCK_CMDLINE	(MB_BLOCK_EXTRA + BOOT_MB_EXTRA_SIZE)
#define MB_BLOCK_SIZE		(MB_BLOCK_CMDLINE + BOOT_CMDLINE_MAX)
#define MB_USUAL_START		BOOT_GDT_GPA
#define MB_USUAL_END		BOOT_LOW_END

struct mb_layout {
	uint64_t gdt, info, stack_top, extra, cmdline;
};

struct mb_header {
	size_t offset;		/* in the file */
	uint32_t flags;
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
};

static int mb_find_header(const uint8_t *image, size_t size,
			  struct mb_header *h, struct errbuf *err)
{
	size_t off;

	for (off = 0; off + 12 <= size && off < MB_SEARCH_BYTES; off += 4) {
		uint32_t magic = get_le32(image + off);
		uint32_t flags = get_le32(image + off + 4);

		if (magic != MB_HEADER_MAGIC ||
		    magic + flags + get_le32(image + off + 8))
			continue;
		memset(h, 0, sizeof(*h));
		h->offset = off;
		h->flags = flags;
		if (flags & MB_FLAG_AOUT_KLUDGE) {
			if (off + 32 > size)
				return errbuf_set(err, "Multiboot: header at 0x%zx truncated (address fields missing)",
						  off);
			h->header_addr = get_le32(image + off + 12);
			h->load_addr = get_le32(image + off + 16);
			h->load_end_addr = get_le32(image + off + 20);
			h->bss_end_addr = get_le32(image + off + 24);
			h->entry_addr = get_le32(image + off + 28);
		}
		return 0;
	}
	return errbuf_set(err, "Multiboot: no valid header in the first 8 KiB");
}

/* The a.out kludge: the header says where its own bytes go. */
static int mb_load_kludge(struct guest_mem *mem, const uint8_t *image,
			  size_t size, const struct mb_header *h,
			  struct elf_loaded *out, struct errbuf *err)
{
	uint64_t file_start, load_size, mem_end;
	const char *why;
	uint8_t *dst;

	if (h->header_addr < h->load_addr ||
	    h->header_addr - h->load_addr > h->offset)
		return errbuf_set(err, "Multiboot: header_addr 0x%x and load_addr 0x%x do not fit the header's file offset 0x%zx",
				  h->header_addr, h->load_addr, h->offset);
	file_start = h->offset - (h->header_addr - h->load_addr);
	if (h->load_end_addr) {
		if (h->load_end_addr <= h->load_addr)
			return errbuf_set(err, "Multiboot: load_end_addr 0x%x is not above load_addr 0x%x",
					  h->load_end_addr, h->load_addr);
		load_size = h->load_end_addr - h->load_addr;
		if (load_size > size - file_start)
			return errbuf_set(err, "Multiboot: load_end_addr 0x%x is past the end of the file",
					  h->load_end_addr);
	} else {
		load_size = size - file_start;
	}
	mem_end = h->load_addr + load_size;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < mem_end)
			return errbuf_set(err, "Multiboot: bss_end_addr 0x%x is below the end of the loaded image 0x%llx",
					  h->bss_end_addr, (unsigned long long)mem_end);
		mem_end = h->bss_end_addr;
	}
	why = boot_bios_conflict(mem, h->load_addr, mem_end - h->load_addr);
	if (why)
		return errbuf_set(err, "Multiboot: image at 0x%x-0x%llx %s",
				  h->load_addr, (unsigned long long)mem_end,
				  why);
	if (h->entry_addr < h->load_addr || h->entry_addr >= mem_end)
		return errbuf_set(err, "Multiboot: entry_addr 0x%x is outside the image 0x%x-0x%llx",
				  h->entry_addr, h->load_addr,
				  (unsigned long long)mem_end);
	dst = guest_mem_ptr(mem, h->load_addr, mem_end - h->load_addr);
	memcpy(dst, image + file_start, load_size);
	memset(dst + load_size, 0, mem_end - h->load_addr - load_size);
	out->entry = h->entry_addr;
	out->low = h->load_addr;
	out->high = mem_end;
	out->nr_ranges = 1;
	out->ranges[0] = (struct elf_range){ h->load_addr, mem_end };
	return 0;
}

/* A bump allocator over the launcher's Multiboot area. */
struct mb_area {
	struct guest_mem *mem;
	uint64_t next;
	uint64_t end;
};

static uint64_t mb_alloc(struct mb_area *a, uint64_t len)
{
	uint64_t gpa = (a->next + 7) & ~7ULL;

	if (gpa + len > a->end)
		return 0;
	a->next = gpa + len;
	memset(guest_mem_ptr(a->mem, gpa, len), 0, len);
	return gpa;
}

static uint64_t mb_put_string(struct mb_area *a, const char *s)
{
	uint64_t gpa = mb_alloc(a, strlen(s) + 1);

	if (gpa)
		memcpy(guest_mem_ptr(a->mem, gpa, strlen(s) + 1), s,
		       strlen(s) + 1);
	return gpa;
}

static int mb_place_module(struct guest_mem *mem, const struct boot_config *cfg,
			   uint64_t kernel_high, uint64_t *start,
			   struct errbuf *err)
{
	uint64_t gpa = (kernel_high + 0xfff) & ~0xfffULL;

	if (gpa < BOOT_HIGH_GPA)
		gpa = BOOT_HIGH_GPA;
	if (gpa + cfg->initrd_size > (1ULL << 32) ||
	    !boot_range_free(mem, gpa, cfg->initrd_size))
		return errbuf_set(err, "Multiboot: no room for the %zu-byte module at 0x%llx (guest RAM ends at 0x%llx below 4 GiB)",
				  cfg->initrd_size, (unsigned long long)gpa,
				  (unsigned long long)mem->low_size);
	memcpy(guest_mem_ptr(mem, gpa, cfg->initrd_size), cfg->initrd,
	       cfg->initrd_size);
	*start = gpa;
	return 0;
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Is [start, start + len) clear of the kernel, the module and the BIOS? */
static bool mb_block_free(struct guest_mem *mem, const struct elf_loaded *k,
			  uint64_t mod_start, uint64_t mod_size,
			  uint64_t start, uint64_t len)
{
	unsigned int i;

	if (start + len > (1ULL << 32) || boot_bios_conflict(mem, start, len))
		return false;
	if (mod_size && overlaps(start, len, mod_start, mod_size))
		return false;
	for (i = 0; i < k->nr_ranges; i++)
		if (overlaps(start, len, k->ranges[i].start,
			     k->ranges[i].end - k->ranges[i].start))
			return false;
	return true;
}

static int mb_choose_layout(struct guest_mem *mem, const struct elf_loaded *k,
			    uint64_t mod_start, uint64_t mod_size,
			    struct mb_layout *l, struct errbuf *err)
{
	uint64_t best = UINT64_MAX, c;
	unsigned int i;

	if (mb_block_free(mem, k, mod_start, mod_size, MB_USUAL_START,
			  MB_USUAL_END - MB_USUAL_START)) {
		*l = (struct mb_layout){ BOOT_GDT_GPA, BOOT_INFO_GPA,
					 BOOT_STACK_TOP, BOOT_MB_EXTRA_GPA,
					 BOOT_CMDLINE_GPA };
		return 0;
	}
	/* The first free place is right after something: try each end. */
	for (i = 0; i <= k->nr_ranges + 1; i++) {
		if (i < k->nr_ranges)
			c = k->ranges[i].end;
		else if (i == k->nr_ranges)
			c = mod_size ? mod_start + mod_size : BOOT_BDA_END;
		else
			c = BOOT_HIGH_GPA;
		c = (c + 0xfff) & ~0xfffULL;
		if (c < best && mb_block_free(mem, k, mod_start, mod_size, c,
					      MB_BLOCK_SIZE))
			best = c;
	}
	if (best == UINT64_MAX)
		return errbuf_set(err, "Multiboot: no free 0x%llx bytes for the boot information clear of the kernel, the module and the BIOS areas (try more --mem)",
				  (unsigned long long)MB_BLOCK_SIZE);
	*l = (struct mb_layout){ best, best + 0x100, best + MB_BLOCK_STACK_TOP,
				 best + MB_BLOCK_EXTRA,
				 best + MB_BLOCK_CMDLINE };
	return 0;
}

/* argv[0] is the kernel's file name, then the user's words. */
static int mb_write_cmdline(struct guest_mem *mem, const struct boot_config *cfg,
			    uint64_t gpa, struct errbuf *err)
{
	const char *name = cfg->kernel_name ? cfg->kernel_name : MB_LOADER_NAME;
	const char *args = cfg->cmdline ? cfg->cmdline : "";
	size_t nlen = strlen(name), alen = strlen(args);
	size_t len = nlen + (alen ? 1 + alen : 0) + 1;
	char *dst;

	if (len > BOOT_CMDLINE_MAX)
		return errbuf_set(err, "command line too long (%zu bytes with the kernel's name, at most %llu)",
				  len - 1,
				  (unsigned long long)BOOT_CMDLINE_MAX - 1);
	dst = guest_mem_ptr(mem, gpa, len);
	if (!dst)
		return errbuf_set(err, "guest memory too small for the command line");
	memcpy(dst, name, nlen);
	if (alen) {
		dst[nlen] = ' ';
		memcpy(dst + nlen + 1, args, alen);
	}
	dst[len - 1] = '\0';
	return 0;
}

static int mb_write_info(struct guest_mem *mem, const struct boot_config *cfg,
			 const struct mb_layout *l, uint64_t mod_start,
			 struct errbuf *err)
{
	struct e820_range ranges[GUEST_MEM_MAX_RANGES];
	struct mb_area area = { mem, l->extra, l->extra + BOOT_MB_EXTRA_SIZE };
	uint8_t *info = guest_mem_ptr(mem, l->info, MBI_SIZE);
	uint32_t flags = MBI_MEMORY | MBI_MMAP | MBI_LOADER_NAME;
	uint64_t mmap, name;
	int i, n;

	if (!info || !guest_mem_ptr(mem, area.next, BOOT_MB_EXTRA_SIZE))
		return errbuf_set(err, "guest memory too small for the boot information");
	memset(info, 0, MBI_SIZE);

	/* KiB below 640 KiB and from 1 MiB up to the first hole */
	put_le32(info + MBI_MEM_LOWER, BOOT_EBDA_GPA / 1024);
	put_le32(info + MBI_MEM_UPPER, (mem->low_size - BOOT_HIGH_GPA) / 1024);

	n = guest_mem_map(mem, ranges);
	mmap = mb_alloc(&area, n * MB_MMAP_ENTRY_SIZE);
	for (i = 0; i < n; i++) {
		uint8_t *e = guest_mem_ptr(mem, mmap + i * MB_MMAP_ENTRY_SIZE,
					   MB_MMAP_ENTRY_SIZE);

		put_le32(e, MB_MMAP_ENTRY_SIZE - 4);
		put_le64(e + 4, ranges[i].addr);
		put_le64(e + 12, ranges[i].size);
		put_le32(e + 20, ranges[i].type);
	}
	put_le32(info + MBI_MMAP_LENGTH, n * MB_MMAP_ENTRY_SIZE);
	put_le32(info + MBI_MMAP_ADDR, mmap);

	name = mb_put_string(&area, MB_LOADER_NAME);
	put_le32(info + MBI_LOADER_NAME_PTR, name);

	if (mb_write_cmdline(mem, cfg, l->cmdline, err))
		return -1;
	put_le32(info + MBI_CMDLINE_PTR, l->cmdline);
	flags |= MBI_CMDLINE;

	if (cfg->initrd) {
		uint64_t mod = mb_alloc(&area, MB_MODULE_SIZE);
		uint64_t str = mb_put_string(&area, cfg->initrd_name ?
					     cfg->initrd_name : "");
		uint8_t *m;

		if (!mod || !str)
			return errbuf_set(err, "Multiboot: module name too long");
		m = guest_mem_ptr(mem, mod, MB_MODULE_SIZE);
		put_le32(m, mod_start);
		put_le32(m + 4, mod_start + cfg->initrd_size);
		put_le32(m + 8, str);
		put_le32(info + MBI_MODS_COUNT, 1);
		put_le32(info + MBI_MODS_ADDR, mod);
		flags |= MBI_MODS;
	}
	put_le32(info + MBI_FLAGS, flags);
	return 0;
}

int load_multiboot(struct guest_mem *mem, const uint8_t *image, size_t size,
		   const struct boot_config *cfg, struct boot_entry *entry,
		   struct errbuf *err)
{
	struct elf_loaded loaded;
	struct mb_layout layout = { 0 };
	struct mb_header h;
	uint64_t mod_start = 0;
	uint32_t unsupported;

	if (mb_find_header(image, size, &h, err))
		return -1;
	unsupported = h.flags & 0xffff & ~MB_REQUIRED_SUPPORTED;
	if (unsupported & MB_FLAG_VIDEO_MODE)
		return errbuf_set(err, "Multiboot: the kernel requires a video mode (flag 2); vmxlab has no display");
	if (unsupported)
		return errbuf_set(err, "Multiboot: the kernel requires features vmxlab does not know (flags 0x%x)",
				  unsupported);

	if (h.flags & MB_FLAG_AOUT_KLUDGE) {
		if (mb_load_kludge(mem, image, size, &h, &loaded, err))
			return -1;
	} else if (load_elf(mem, image, size, &loaded, err)) {
		char why[sizeof(err->msg)];

		memcpy(why, err->msg, sizeof(why));
		return errbuf_set(err, "Multiboot: %.200s (and no a.out address fields, flag 16)",
				  why);
	}
	if (loaded.entry >= (1ULL << 32))
		return errbuf_set(err, "Multiboot: entry point 0x%llx is above 4 GiB",
				  (unsigned long long)loaded.entry);

	if (cfg->initrd &&
	    mb_place_module(mem, cfg, loaded.high, &mod_start, err))
		return -1;
	if (mb_choose_layout(mem, &loaded, mod_start,
			     cfg->initrd ? cfg->initrd_size : 0, &layout, err) ||
	    mb_write_info(mem, cfg, &layout, mod_start, err))
		return -1;

	memset(entry, 0, sizeof(*entry));
	entry->mode = BOOT_MODE_PROTECTED32;
	entry->rip = loaded.entry;
	entry->rsp = layout.stack_top;
	entry->rax = MB_BOOT_MAGIC;
	entry->rbx = layout.info;
	entry->gdt = layout.gdt;
	return boot_write_gdt(mem, layout.gdt, err);
}
