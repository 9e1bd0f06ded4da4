// SPDX-License-Identifier: GPL-2.0
/*
 * Linux bzImage through the 64-bit boot protocol (Documentation/x86/
 * boot.rst): the protected-mode kernel is copied to 1 MiB and entered at
 * its startup_64, 0x200 further on, in long mode with the boot_params
 * ("zero page") address in RSI. The zero page gets the image's setup
 * header, the command line, the initrd, the E820 map and the ACPI RSDP.
 */
#include <string.h>

#include "boot/boot.h"
#include "boot/boot_layout.h"
#include "le.h"

/* Offsets in the image and in boot_params */
#define BP_ACPI_RSDP_ADDR	0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_HDR			0x1f1	/* setup_sects: the header starts here */
#define BP_BOOT_FLAG		0x1fe
#define BP_JUMP_LEN		0x201	/* header end = 0x202 + this byte */
#define BP_SYSSIZE		0x1f4	/* protected-mode size / 16 */
#define BP_HEADER		0x202
#define BP_VERSION		0x206
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_CMD_LINE_PTR		0x228
#define BP_INITRD_ADDR_MAX	0x22c
#define BP_XLOADFLAGS		0x236
#define BP_CMDLINE_SIZE		0x238
#define BP_PREF_ADDRESS		0x258
#define BP_INIT_SIZE		0x260
#define BP_HDR_MAX_END		0x290	/* edd_mbr_sig_buffer follows */
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128
#define BP_SIZE			0x1000

#define HDR_MAGIC		0x53726448	/* "HdrS" */
#define LOADFLAG_LOADED_HIGH	0x01
#define XLF_KERNEL_64		0x01
#define LOADER_UNDEFINED	0xff

#define KERNEL_LOAD_GPA		BOOT_HIGH_GPA
#define STARTUP_64_OFFSET	0x200
#define DEFAULT_PHYS_START	0x1000000ULL	/* where older kernels run */

struct linux_image {
	uint16_t version;
	size_t setup_size;
	size_t kernel_size;
	size_t hdr_end;
	uint32_t cmdline_max;
	uint32_t initrd_addr_max;
	uint64_t reserved_end;	/* the kernel may use memory up to here */
};

static int linux_parse(const uint8_t *image, size_t size,
		       struct linux_image *li, struct errbuf *err)
{
	unsigned int setup_sects;
	uint64_t run_at, init_size, syssize;

	if (size < BP_HDR_MAX_END)
		return errbuf_set(err, "bzImage: file too short (%zu bytes) for a setup header",
				  size);
	if (get_le16(image + BP_BOOT_FLAG) != 0xaa55 ||
	    get_le32(image + BP_HEADER) != HDR_MAGIC)
		return errbuf_set(err, "bzImage: no boot signature (0xAA55 at 0x1fe, \"HdrS\" at 0x202)");
	li->version = get_le16(image + BP_VERSION);
	if (li->version < 0x206)
		return errbuf_set(err, "bzImage: boot protocol %u.%02u is older than 2.06",
				  li->version >> 8, li->version & 0xff);
	if (!(image[BP_LOADFLAGS] & LOADFLAG_LOADED_HIGH))
		return errbuf_set(err, "bzImage: a zImage (loaded low) cannot be booted");
	if (li->version >= 0x20c &&
	    !(get_le16(image + BP_XLOADFLAGS) & XLF_KERNEL_64))
		return errbuf_set(err, "bzImage: not a 64-bit kernel (no 64-bit entry point in xloadflags)");

	li->hdr_end = 0x202 + image[BP_JUMP_LEN];
	if (li->hdr_end > BP_HDR_MAX_END)
		return errbuf_set(err, "bzImage: setup header length 0x%zx is too big",
				  li->hdr_end - BP_HDR);

	setup_sects = image[BP_HDR] ? image[BP_HDR] : 4;
	li->setup_size = (setup_sects + 1) * 512;
	if (li->setup_size >= size)
		return errbuf_set(err, "bzImage: truncated: %zu bytes, but the setup code alone is %zu",
				  size, li->setup_size);
	li->kernel_size = size - li->setup_size;
	if (li->kernel_size <= STARTUP_64_OFFSET)
		return errbuf_set(err, "bzImage: truncated: the protected-mode kernel is only %zu bytes",
				  li->kernel_size);
	syssize = 16ULL * get_le32(image + BP_SYSSIZE);
	if (li->kernel_size < syssize)
		return errbuf_set(err, "bzImage: truncated: the protected-mode kernel is %zu bytes, the header says %llu",
				  li->kernel_size, (unsigned long long)syssize);

	li->cmdline_max = get_le32(image + BP_CMDLINE_SIZE);
	li->initrd_addr_max = get_le32(image + BP_INITRD_ADDR_MAX);

	/* It decompresses in place at its run address, up to init_size. */
	run_at = DEFAULT_PHYS_START;
	init_size = 0;
	if (li->version >= 0x20a) {
		run_at = get_le64(image + BP_PREF_ADDRESS);
		init_size = get_le32(image + BP_INIT_SIZE);
	}
	if (!init_size)
		init_size = 4 * (uint64_t)li->kernel_size;
	if (run_at < KERNEL_LOAD_GPA)
		run_at = KERNEL_LOAD_GPA;
	if (run_at > (1ULL << 40) || init_size > (1ULL << 32))
		return errbuf_set(err, "bzImage: nonsense pref_address 0x%llx or init_size 0x%llx",
				  (unsigned long long)run_at,
				  (unsigned long long)init_size);
	li->reserved_end = run_at + init_size;
	if (li->reserved_end < KERNEL_LOAD_GPA + li->kernel_size)
		li->reserved_end = KERNEL_LOAD_GPA + li->kernel_size;
	return 0;
}

static int linux_place_initrd(struct guest_mem *mem, uint8_t *bp,
			      const struct linux_image *li,
			      const struct boot_config *cfg, struct errbuf *err)
{
	uint64_t top = (uint64_t)li->initrd_addr_max + 1;
	uint64_t gpa;

	if (!cfg->initrd_size)
		return errbuf_set(err, "initrd is empty");
	if (top > mem->low_size)
		top = mem->low_size;
	if (cfg->initrd_size > top)
		goto no_room;
	gpa = (top - cfg->initrd_size) & ~0xfffULL;
	if (gpa < li->reserved_end || !boot_range_free(mem, gpa, cfg->initrd_size))
		goto no_room;
	memcpy(guest_mem_ptr(mem, gpa, cfg->initrd_size), cfg->initrd,
	       cfg->initrd_size);
	put_le32(bp + BP_RAMDISK_IMAGE, gpa);
	put_le32(bp + BP_RAMDISK_SIZE, cfg->initrd_size);
	put_le32(bp + BP_EXT_RAMDISK_IMAGE, gpa >> 32);
	put_le32(bp + BP_EXT_RAMDISK_SIZE, (uint64_t)cfg->initrd_size >> 32);
	return 0;
no_room:
	return errbuf_set(err, "initrd (%zu bytes) does not fit between the kernel's end 0x%llx and 0x%llx; give the guest more --mem",
			  cfg->initrd_size,
			  (unsigned long long)li->reserved_end,
			  (unsigned long long)top);
}

static int linux_write_cmdline(struct guest_mem *mem, uint8_t *bp,
			       const struct linux_image *li,
			       const char *cmdline, struct errbuf *err)
{
	size_t len = strlen(cmdline);
	uint8_t *dst;

	if (len > li->cmdline_max || len >= BOOT_CMDLINE_MAX)
		return errbuf_set(err, "command line is %zu bytes; this kernel takes at most %u",
				  len, li->cmdline_max);
	dst = guest_mem_ptr(mem, BOOT_CMDLINE_GPA, len + 1);
	if (!dst)
		return errbuf_set(err, "guest memory too small for the command line");
	memcpy(dst, cmdline, len + 1);
	put_le32(bp + BP_CMD_LINE_PTR, BOOT_CMDLINE_GPA);
	put_le32(bp + BP_EXT_CMD_LINE_PTR, 0);
	return 0;
}

static void linux_write_e820(const struct guest_mem *mem, uint8_t *bp)
{
	struct e820_range ranges[GUEST_MEM_MAX_RANGES];
	int i, n = guest_mem_map(mem, ranges);

	for (i = 0; i < n && i < BP_E820_MAX; i++) {
		uint8_t *e = bp + BP_E820_TABLE + 20 * i;

		put_le64(e, ranges[i].addr);
		put_le64(e + 8, ranges[i].size);
		put_le32(e + 16, ranges[i].type);
	}
	bp[BP_E820_ENTRIES] = i;
}

int load_linux(struct guest_mem *mem, const uint8_t *image, size_t size,
	       const struct boot_config *cfg, struct boot_entry *entry,
	       struct errbuf *err)
{
	struct linux_image li = { 0 };
	uint8_t *bp, *kernel;

	if (linux_parse(image, size, &li, err))
		return -1;
	if (!boot_range_free(mem, KERNEL_LOAD_GPA,
			     li.reserved_end - KERNEL_LOAD_GPA))
		return errbuf_set(err, "bzImage: the kernel needs RAM up to 0x%llx to decompress; guest RAM ends at 0x%llx (give more --mem)",
				  (unsigned long long)li.reserved_end,
				  (unsigned long long)mem->low_size);
	bp = guest_mem_ptr(mem, BOOT_INFO_GPA, BP_SIZE);
	if (!bp)
		return errbuf_set(err, "guest memory too small for boot_params");

	memset(bp, 0, BP_SIZE);
	memcpy(bp + BP_HDR, image + BP_HDR, li.hdr_end - BP_HDR);
	bp[BP_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	if (linux_write_cmdline(mem, bp, &li, cfg->cmdline ? cfg->cmdline : "",
				err))
		return -1;
	if (cfg->initrd && linux_place_initrd(mem, bp, &li, cfg, err))
		return -1;
	linux_write_e820(mem, bp);
	if (cfg->acpi_rsdp)
		put_le64(bp + BP_ACPI_RSDP_ADDR, cfg->acpi_rsdp);

	kernel = guest_mem_ptr(mem, KERNEL_LOAD_GPA, li.kernel_size);
	memcpy(kernel, image + li.setup_size, li.kernel_size);

	memset(entry, 0, sizeof(*entry));
	entry->mode = BOOT_MODE_LONG64;
	entry->rip = KERNEL_LOAD_GPA + STARTUP_64_OFFSET;
	entry->rsp = BOOT_STACK_TOP;
	entry->rsi = BOOT_INFO_GPA;
	return boot_write_cpu_tables(mem, entry->mode, err);
}
