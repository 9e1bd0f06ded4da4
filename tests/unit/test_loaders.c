// SPDX-License-Identifier: GPL-2.0
/*
 * The image loaders on crafted images: a bzImage with a 2.15 header, a
 * Multiboot kernel as ELF32, as ELF64, as an ELF32 holding 64-bit code
 * and with the a.out kludge, and flat binaries. Then the refusals, each
 * with its message, and every image truncated at every length and
 * randomly corrupted under ASan: a loader may refuse, never crash or
 * write outside guest memory.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "boot/boot.h"
#include "boot/boot_layout.h"
#include "le.h"

#define MEM_SIZE	(64ULL << 20)

static struct guest_mem *new_mem(uint64_t size)
{
	struct guest_mem *mem = calloc(1, sizeof(*mem));

	guest_mem_init(mem, calloc(1, size), size);
	return mem;
}

static void free_mem(struct guest_mem *mem)
{
	free(mem->host);
	free(mem);
}

/* ---------------------------------------------------------- bzImage */

#define BZ_SETUP_SECTS	4
#define BZ_SETUP_SIZE	((BZ_SETUP_SECTS + 1) * 512)
#define BZ_KERNEL_SIZE	8192
#define BZ_SIZE		(BZ_SETUP_SIZE + BZ_KERNEL_SIZE)

static uint8_t *make_bzimage(size_t *size)
{
	uint8_t *img = calloc(1, BZ_SIZE);
	size_t i;

	img[0x1f1] = BZ_SETUP_SECTS;
	put_le32(img + 0x1f4, BZ_KERNEL_SIZE / 16);
	put_le16(img + 0x1fe, 0xaa55);
	img[0x201] = 0x6a;			/* header ends at 0x26c */
	put_le32(img + 0x202, 0x53726448);
	put_le16(img + 0x206, 0x020f);
	img[0x211] = 0x01;			/* LOADED_HIGH */
	put_le32(img + 0x214, 0x100000);
	put_le32(img + 0x22c, 0x7fffffff);
	put_le32(img + 0x230, 0x200000);
	img[0x234] = 1;
	put_le16(img + 0x236, 0x3);		/* KERNEL_64, above 4G */
	put_le32(img + 0x238, 2047);
	put_le64(img + 0x258, 0x1000000);
	put_le32(img + 0x260, 0x400000);
	for (i = BZ_SETUP_SIZE; i < BZ_SIZE; i++)
		img[i] = i * 7;
	*size = BZ_SIZE;
	return img;
}

TEST(detect_formats)
{
	uint8_t img[8192 + 16] = { 0 };
	size_t size;
	uint8_t *bz = make_bzimage(&size);

	EXPECT_EQ(BOOT_FORMAT_LINUX, boot_detect_format(bz, size));
	EXPECT_EQ(BOOT_FORMAT_UNKNOWN, boot_detect_format(img, sizeof(img)));
	/* a Multiboot header at the last aligned slot of 8 KiB */
	put_le32(img + 8180, 0x1badb002);
	put_le32(img + 8184, 0);
	put_le32(img + 8188, -0x1badb002);
	EXPECT_EQ(BOOT_FORMAT_MULTIBOOT, boot_detect_format(img, sizeof(img)));
	/* one slot later it is not searched */
	memset(img + 8180, 0, 12);
	put_le32(img + 8192, 0x1badb002);
	put_le32(img + 8200, -0x1badb002);
	EXPECT_EQ(BOOT_FORMAT_UNKNOWN, boot_detect_format(img, sizeof(img)));
	free(bz);
}

TEST(bzimage_boots)
{
	struct guest_mem *mem = new_mem(MEM_SIZE);
	static const uint8_t initrd[5000] = { 1, 2, 3 };
	struct boot_config cfg = { .initrd = initrd,
				   .initrd_size = sizeof(initrd),
				   .cmdline = "console=ttyS0 root=/dev/ram0",
				   .acpi_rsdp = 0xe0000 };
	struct boot_entry entry;
	struct errbuf err = { "" };
	uint8_t *bp, *pd;
	size_t size;
	uint8_t *img = make_bzimage(&size);
	uint32_t rd;
	int i;

	ASSERT_EQ(0, load_linux(mem, img, size, &cfg, &entry, &err))
		TH_LOG("%s", err.msg);
	EXPECT_EQ(BOOT_MODE_LONG64, entry.mode);
	EXPECT_EQ(0x100200, entry.rip);
	EXPECT_EQ(BOOT_INFO_GPA, entry.rsi);

	/* the protected-mode kernel at 1 MiB */
	EXPECT_EQ(0, memcmp(mem->host + 0x100000, img + BZ_SETUP_SIZE,
			    BZ_KERNEL_SIZE));

	bp = mem->host + BOOT_INFO_GPA;
	EXPECT_EQ(0, memcmp(bp + 0x1f1, img + 0x1f1, 0x210 - 0x1f1));
	EXPECT_EQ(0xff, bp[0x210]);
	EXPECT_EQ(BOOT_CMDLINE_GPA, get_le32(bp + 0x228));
	EXPECT_STREQ("console=ttyS0 root=/dev/ram0",
		     (char *)mem->host + BOOT_CMDLINE_GPA);
	EXPECT_EQ(0xe0000, get_le64(bp + 0x070));

	/* the initrd at the top of RAM, page aligned, above the kernel */
	rd = get_le32(bp + 0x218);
	EXPECT_EQ(sizeof(initrd), get_le32(bp + 0x21c));
	EXPECT_EQ(0, rd & 0xfff);
	EXPECT_LE(rd + sizeof(initrd), MEM_SIZE);
	EXPECT_GT(rd + sizeof(initrd), MEM_SIZE - 4096);
	EXPECT_GE(rd, 0x1000000 + 0x400000);
	EXPECT_EQ(0, memcmp(mem->host + rd, initrd, sizeof(initrd)));

	/* E820: low RAM, EBDA, BIOS, RAM from 1 MiB */
	EXPECT_EQ(4, bp[0x1e8]);
	EXPECT_EQ(0, get_le64(bp + 0x2d0));
	EXPECT_EQ(0x9fc00, get_le64(bp + 0x2d0 + 8));
	EXPECT_EQ(1, get_le32(bp + 0x2d0 + 16));
	EXPECT_EQ(0x100000, get_le64(bp + 0x2d0 + 60));
	EXPECT_EQ(MEM_SIZE - 0x100000, get_le64(bp + 0x2d0 + 68));
	EXPECT_EQ(1, get_le32(bp + 0x2d0 + 76));

	/* GDT with __BOOT_CS 0x10 (64-bit) and __BOOT_DS 0x18 */
	EXPECT_EQ(0x00af9b000000ffffULL,
		  get_le64(mem->host + BOOT_GDT_GPA + 0x10));
	EXPECT_EQ(0x00cf93000000ffffULL,
		  get_le64(mem->host + BOOT_GDT_GPA + 0x18));
	/* 4 GiB identity map with 2 MiB pages */
	EXPECT_EQ(BOOT_PDPT_GPA | 3, get_le64(mem->host + BOOT_PML4_GPA));
	for (i = 0; i < 4; i++)
		EXPECT_EQ((BOOT_PD_GPA + 4096 * i) | 3,
			  get_le64(mem->host + BOOT_PDPT_GPA + 8 * i));
	pd = mem->host + BOOT_PD_GPA;
	EXPECT_EQ(0x83, get_le64(pd));
	EXPECT_EQ((2047ULL << 21) | 0x83, get_le64(pd + 8 * 2047));
	free(img);
	free_mem(mem);
}

struct bz_bad_case {
	const char *what;
	void (*mutate)(uint8_t *img, size_t *size);
	const char *message;
};

static void bz_old(uint8_t *img, size_t *size) { put_le16(img + 0x206, 0x0205); }
static void bz_no_magic(uint8_t *img, size_t *size) { img[0x203] = 'x'; }
static void bz_no_flag(uint8_t *img, size_t *size) { put_le16(img + 0x1fe, 0); }
static void bz_low(uint8_t *img, size_t *size) { img[0x211] = 0; }
static void bz_32bit(uint8_t *img, size_t *size) { put_le16(img + 0x236, 0); }
static void bz_short(uint8_t *img, size_t *size) { *size = 0x100; }
static void bz_setup_only(uint8_t *img, size_t *size) { *size = BZ_SETUP_SIZE; }
static void bz_big_setup(uint8_t *img, size_t *size) { img[0x1f1] = 200; }
static void bz_cut(uint8_t *img, size_t *size) { *size -= 16; }
static void bz_long_hdr(uint8_t *img, size_t *size) { img[0x201] = 0xff; }
static void bz_huge_init(uint8_t *img, size_t *size)
{
	put_le32(img + 0x260, 0x10000000);
}

TEST(bzimage_refused)
{
	static const struct bz_bad_case cases[] = {
		{ "old protocol", bz_old, "older than 2.06" },
		{ "no HdrS", bz_no_magic, "no boot signature" },
		{ "no 0xAA55", bz_no_flag, "no boot signature" },
		{ "zImage", bz_low, "zImage" },
		{ "32-bit", bz_32bit, "not a 64-bit kernel" },
		{ "short", bz_short, "too short" },
		{ "setup only", bz_setup_only, "truncated" },
		{ "setup_sects too big", bz_big_setup, "truncated" },
		{ "shorter than syssize", bz_cut, "the header says" },
		{ "header length", bz_long_hdr, "header length" },
		{ "init_size beyond RAM", bz_huge_init, "more --mem" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct guest_mem *mem = new_mem(MEM_SIZE);
		struct boot_config cfg = { 0 };
		struct boot_entry entry;
		struct errbuf err = { "" };
		size_t size;
		uint8_t *img = make_bzimage(&size);

		cases[i].mutate(img, &size);
		EXPECT_EQ(-1, load_linux(mem, img, size, &cfg, &entry, &err))
			TH_LOG("%s", cases[i].what);
		EXPECT_NE(NULL, strstr(err.msg, cases[i].message))
			TH_LOG("%s: '%s'", cases[i].what, err.msg);
		free(img);
		free_mem(mem);
	}
}

TEST(bzimage_cmdline_and_initrd_limits)
{
	struct guest_mem *mem = new_mem(MEM_SIZE);
	struct boot_config cfg = { 0 };
	struct boot_entry entry;
	struct errbuf err;
	char *longline = malloc(3000);
	uint8_t *big = calloc(1, 60 << 20);
	size_t size;
	uint8_t *img = make_bzimage(&size);

	memset(longline, 'a', 2999);
	longline[2999] = 0;
	cfg.cmdline = longline;
	ASSERT_EQ(-1, load_linux(mem, img, size, &cfg, &entry, &err));
	EXPECT_NE(NULL, strstr(err.msg, "at most 2047"));

	cfg.cmdline = NULL;
	cfg.initrd = big;
	cfg.initrd_size = 60 << 20;
	ASSERT_EQ(-1, load_linux(mem, img, size, &cfg, &entry, &err));
	EXPECT_NE(NULL, strstr(err.msg, "does not fit")) TH_LOG("%s", err.msg);

	/* initrd_addr_max lower than RAM: the initrd ends below it */
	put_le32(img + 0x22c, 0x1ffffff);
	cfg.initrd_size = 4096;
	ASSERT_EQ(0, load_linux(mem, img, size, &cfg, &entry, &err))
		TH_LOG("%s", err.msg);
	EXPECT_EQ(0x2000000 - 4096,
		  get_le32(mem->host + BOOT_INFO_GPA + 0x218));
	free(img);
	free(big);
	free(longline);
	free_mem(mem);
}

/* ---------------------------------------------------------- ELF images */

#define MB_FLAGS_BASIC	0x3	/* page-align modules, memory info */

static void put_mb_header(uint8_t *p, uint32_t flags)
{
	put_le32(p, 0x1badb002);
	put_le32(p + 4, flags);
	put_le32(p + 8, -(0x1badb002 + flags));
}

/*
 * An ELF32 or ELF64 executable: one PT_LOAD of 0x1000 file bytes and
 * 0x3000 memory bytes, virtual 0xc0100000 (higher half) at physical
 * 0x100000, entry at virtual 0xc0100040; a Multiboot header at 0x100.
 */
#define ELF_DATA_OFF	0x1000
#define ELF_SIZE	0x2000

static uint8_t *make_elf(bool is64, uint16_t machine, size_t *size)
{
	uint8_t *img = calloc(1, ELF_SIZE);
	uint8_t *ph;
	size_t i;

	memcpy(img, "\177ELF", 4);
	img[4] = is64 ? 2 : 1;
	img[5] = 1;
	img[6] = 1;
	put_le16(img + 16, 2);
	put_le16(img + 18, machine);
	put_le32(img + 20, 1);
	if (is64) {
		put_le64(img + 24, 0xc0100040);
		put_le64(img + 32, 64);
		put_le16(img + 52, 64);
		put_le16(img + 54, 56);
		put_le16(img + 56, 1);
		ph = img + 64;
		put_le32(ph, 1);
		put_le64(ph + 8, ELF_DATA_OFF);
		put_le64(ph + 16, 0xc0100000);
		put_le64(ph + 24, 0x100000);
		put_le64(ph + 32, 0x1000);
		put_le64(ph + 40, 0x3000);
	} else {
		put_le32(img + 24, 0xc0100040);
		put_le32(img + 28, 52);
		put_le16(img + 40, 52);
		put_le16(img + 42, 32);
		put_le16(img + 44, 1);
		ph = img + 52;
		put_le32(ph, 1);
		put_le32(ph + 4, ELF_DATA_OFF);
		put_le32(ph + 8, 0xc0100000);
		put_le32(ph + 12, 0x100000);
		put_le32(ph + 16, 0x1000);
		put_le32(ph + 20, 0x3000);
	}
	put_mb_header(img + 0x100, MB_FLAGS_BASIC);
	for (i = ELF_DATA_OFF; i < ELF_SIZE; i++)
		img[i] = 0x90 + (i & 0xf);
	*size = ELF_SIZE;
	return img;
}

static void check_mb_info(struct __test_metadata *_metadata,
			  struct guest_mem *mem, uint32_t info_gpa,
			  const char *cmdline, uint64_t mod_size)
{
	uint8_t *info = mem->host + info_gpa;
	uint32_t flags = get_le32(info);
	uint32_t mmap = get_le32(info + 48), mmap_len = get_le32(info + 44);
	uint64_t ram = 0;
	uint32_t off;

	EXPECT_TRUE(flags & (1 << 0));
	EXPECT_TRUE(flags & (1 << 6));
	EXPECT_TRUE(flags & (1 << 9));
	EXPECT_EQ(639, get_le32(info + 4));
	EXPECT_EQ((mem->low_size - 0x100000) / 1024, get_le32(info + 8));
	EXPECT_STREQ("vmxlab", (char *)mem->host + get_le32(info + 64));
	ASSERT_NE(0, mmap_len);
	for (off = 0; off < mmap_len; off += get_le32(mem->host + mmap + off) + 4) {
		uint8_t *e = mem->host + mmap + off;

		EXPECT_EQ(20, get_le32(e));
		if (get_le32(e + 20) == 1)
			ram += get_le64(e + 12);
	}
	EXPECT_EQ(mmap_len, off);
	EXPECT_EQ(MEM_SIZE - (0x100000 - 0x9fc00), ram);

	EXPECT_TRUE(flags & (1 << 2));
	EXPECT_STREQ(cmdline, (char *)mem->host + get_le32(info + 16));
	if (mod_size) {
		uint8_t *mod = mem->host + get_le32(info + 24);

		EXPECT_TRUE(flags & (1 << 3));
		EXPECT_EQ(1, get_le32(info + 20));
		EXPECT_EQ(0, get_le32(mod) & 0xfff);
		EXPECT_EQ(mod_size, get_le32(mod + 4) - get_le32(mod));
		EXPECT_STREQ("initrd.img", (char *)mem->host + get_le32(mod + 8));
	} else {
		EXPECT_FALSE(flags & (1 << 3));
	}
}

static void boot_elf(struct __test_metadata *_metadata, bool is64,
		     uint16_t machine)
{
	struct guest_mem *mem = new_mem(MEM_SIZE);
	static const uint8_t module[3000] = { 0xab };
	struct boot_config cfg = { .cmdline = "test=1", .initrd = module,
				   .initrd_size = sizeof(module),
				   .initrd_name = "initrd.img",
				   .kernel_name = "/boot/mb.elf" };
	struct boot_entry entry;
	struct errbuf err = { "" };
	size_t size;
	uint8_t *img = make_elf(is64, machine, &size);
	uint32_t mod;

	memset(mem->host + 0x101000, 0x55, 0x2000);	/* stale bss */
	ASSERT_EQ(0, load_multiboot(mem, img, size, &cfg, &entry, &err))
		TH_LOG("%s", err.msg);
	EXPECT_EQ(BOOT_MODE_PROTECTED32, entry.mode);
	EXPECT_EQ(0x100040, entry.rip);
	EXPECT_EQ(0x2badb002, entry.rax);
	EXPECT_EQ(BOOT_INFO_GPA, entry.rbx);
	EXPECT_EQ(0, memcmp(mem->host + 0x100000, img + ELF_DATA_OFF, 0x1000));
	EXPECT_EQ(0, mem->host[0x101000]);
	EXPECT_EQ(0, mem->host[0x102fff]);
	EXPECT_EQ(0x00cf9b000000ffffULL,
		  get_le64(mem->host + BOOT_GDT_GPA + BOOT_SEL_CODE32));
	EXPECT_EQ(BOOT_GDT_GPA, entry.gdt);
	EXPECT_EQ(BOOT_STACK_TOP, entry.rsp);
	check_mb_info(_metadata, mem, BOOT_INFO_GPA, "/boot/mb.elf test=1",
		      sizeof(module));
	/* the module follows the kernel's memory image */
	mod = get_le32(mem->host + get_le32(mem->host + BOOT_INFO_GPA + 24));
	EXPECT_GE(mod, 0x103000);
	EXPECT_EQ(0xab, mem->host[mod]);
	free(img);
	free_mem(mem);
}

TEST(multiboot_elf32)
{
	boot_elf(_metadata, false, 3);
}

TEST(multiboot_elf64)
{
	boot_elf(_metadata, true, 62);
}

/* An ELF32 container whose code is 64-bit (machine x86-64). */
TEST(multiboot_elf32_holding_64bit_code)
{
	boot_elf(_metadata, false, 62);
}

TEST(multiboot_aout_kludge)
{
	struct guest_mem *mem = new_mem(MEM_SIZE);
	struct boot_config cfg = { 0 };
	struct boot_entry entry;
	struct errbuf err = { "" };
	uint8_t img[0x3000];
	uint8_t *h = img + 0x40;
	unsigned int i;

	for (i = 0; i < sizeof(img); i++)
		img[i] = i;
	put_mb_header(h, 0x10003);
	put_le32(h + 12, 0x200040);		/* header_addr */
	put_le32(h + 16, 0x200000);		/* load_addr: file offset 0 */
	put_le32(h + 20, 0x202000);		/* load_end_addr */
	put_le32(h + 24, 0x205000);		/* bss_end_addr */
	put_le32(h + 28, 0x200100);		/* entry_addr */
	memset(mem->host + 0x202000, 0x77, 0x3000);

	ASSERT_EQ(0, load_multiboot(mem, img, sizeof(img), &cfg, &entry, &err))
		TH_LOG("%s", err.msg);
	EXPECT_EQ(0x200100, entry.rip);
	EXPECT_EQ(0, memcmp(mem->host + 0x200000, img, 0x2000));
	EXPECT_EQ(0, mem->host[0x202000]);
	EXPECT_EQ(0, mem->host[0x204fff]);
	/* no name and no words: the loader's name alone is argv[0] */
	check_mb_info(_metadata, mem, entry.rbx, "vmxlab", 0);
	free_mem(mem);
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * A kernel at 0x8000, in the middle of the launcher's usual low area:
 * it loads there, and the GDT, information, stack and command line move
 * out of its way and out of the module's.
 */
static void boot_low(struct __test_metadata *_metadata, bool is64,
		     uint32_t paddr)
{
	struct guest_mem *mem = new_mem(MEM_SIZE);
	static const uint8_t module[3000] = { 0xcd };
	struct boot_config cfg = { .cmdline = "a b", .kernel_name = "k.elf",
				   .initrd = module,
				   .initrd_size = sizeof(module),
				   .initrd_name = "initrd.img" };
	struct boot_entry entry;
	struct errbuf err = { "" };
	size_t size;
	uint8_t *img = make_elf(is64, is64 ? 62 : 3, &size);
	uint8_t *ph = img + (is64 ? 64 : 52);
	uint32_t info, cmd, mod;

	if (is64)
		put_le64(ph + 24, paddr);
	else
		put_le32(ph + 12, paddr);
	memset(mem->host, 0x55, 0x100000);	/* whatever was there */
	ASSERT_EQ(0, load_multiboot(mem, img, size, &cfg, &entry, &err))
		TH_LOG("%s", err.msg);
	EXPECT_EQ(paddr + 0x40, entry.rip);
	EXPECT_EQ(0, memcmp(mem->host + paddr, img + ELF_DATA_OFF, 0x1000));
	EXPECT_EQ(0, mem->host[paddr + 0x2fff]);	/* bss cleared */
	info = entry.rbx;
	cmd = get_le32(mem->host + info + 16);
	mod = get_le32(mem->host + get_le32(mem->host + info + 24));
	EXPECT_FALSE(ranges_overlap(info, 88, paddr, 0x3000));
	EXPECT_FALSE(ranges_overlap(entry.gdt, 32, paddr, 0x3000));
	EXPECT_FALSE(ranges_overlap(entry.rsp - 0x1000, 0x1000, paddr, 0x3000));
	EXPECT_FALSE(ranges_overlap(cmd, 16, paddr, 0x3000));
	EXPECT_FALSE(ranges_overlap(info, 88, mod, sizeof(module)));
	EXPECT_FALSE(ranges_overlap(entry.rsp - 0x1000, 0x1000, mod,
				    sizeof(module)));
	EXPECT_GE(info, 0x500);
	EXPECT_NE(0, entry.gdt);
	EXPECT_EQ(0x00cf9b000000ffffULL,
		  get_le64(mem->host + entry.gdt + BOOT_SEL_CODE32));
	EXPECT_EQ(0x00cf93000000ffffULL,
		  get_le64(mem->host + entry.gdt + BOOT_SEL_DATA));
	EXPECT_EQ(0xcd, mem->host[mod]);
	check_mb_info(_metadata, mem, info, "k.elf a b", sizeof(module));
	free(img);
	free_mem(mem);
}

TEST(multiboot_elf32_at_0x8000)
{
	boot_low(_metadata, false, 0x8000);
}

TEST(multiboot_elf64_at_0x8000)
{
	boot_low(_metadata, true, 0x8000);
}

/* Right after the IVT and BIOS data area, and right below the EBDA. */
TEST(multiboot_elf_at_the_edges_of_low_ram)
{
	boot_low(_metadata, false, 0x500);
	boot_low(_metadata, false, 0x9fc00 - 0x3000);
}

/* The command line is the kernel's name and the user's words. */
TEST(multiboot_cmdline_starts_with_the_kernel_name)
{
	static const struct {
		const char *name, *words, *want;
	} cases[] = {
		{ "/tmp/mbtest.elf", "mbtest run=all", "/tmp/mbtest.elf mbtest run=all" },
		{ "mbtest.elf", NULL, "mbtest.elf" },
		{ "mbtest.elf", "", "mbtest.elf" },
		{ NULL, "x", "vmxlab x" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct guest_mem *mem = new_mem(MEM_SIZE);
		struct boot_config cfg = { .kernel_name = cases[i].name,
					   .cmdline = cases[i].words };
		struct boot_entry entry;
		struct errbuf err = { "" };
		size_t size;
		uint8_t *img = make_elf(false, 3, &size);
		uint8_t *info = mem->host + BOOT_INFO_GPA;

		ASSERT_EQ(0, load_multiboot(mem, img, size, &cfg, &entry, &err))
			TH_LOG("%s", err.msg);
		EXPECT_TRUE(get_le32(info) & (1 << 2));
		EXPECT_STREQ(cases[i].want,
			     (char *)mem->host + get_le32(info + 16));
		free(img);
		free_mem(mem);
	}
}

/* The kernel's name counts against the command line's limit. */
TEST(multiboot_cmdline_limit_counts_the_name)
{
	struct guest_mem *mem = new_mem(MEM_SIZE);
	char *words = malloc(0x10000);
	struct boot_config cfg = { .kernel_name = "k", .cmdline = words };
	struct boot_entry entry;
	struct errbuf err = { "" };
	size_t size;
	uint8_t *img = make_elf(false, 3, &size);

	memset(words, 'w', 0xfffd);
	words[0xfffd] = 0;		/* "k " + 0xfffd + NUL = 0x10000 */
	EXPECT_EQ(0, load_multiboot(mem, img, size, &cfg, &entry, &err))
		TH_LOG("%s", err.msg);
	words[0xfffd] = 'w';
	words[0xfffe] = 0;
	EXPECT_EQ(-1, load_multiboot(mem, img, size, &cfg, &entry, &err));
	EXPECT_NE(NULL, strstr(err.msg, "command line too long"))
		TH_LOG("%s", err.msg);
	free(words);
	free(img);
	free_mem(mem);
}

struct mb_bad_case {
	const char *what;
	void (*mutate)(uint8_t *img, size_t *size);
	const char *message;
};

static void mb_video(uint8_t *img, size_t *size) { put_mb_header(img + 0x100, 0x7); }
static void mb_unknown(uint8_t *img, size_t *size) { put_mb_header(img + 0x100, 0x103); }
static void mb_nohdr(uint8_t *img, size_t *size) { img[0x108]++; }
static void mb_elf_bad(uint8_t *img, size_t *size) { img[1] = 'X'; }
static void mb_phdr_oob(uint8_t *img, size_t *size) { put_le32(img + 28, 0x1ff0); }
static void mb_seg_oob(uint8_t *img, size_t *size) { put_le32(img + 52 + 4, 0x1800); }
static void mb_seg_ivt(uint8_t *img, size_t *size) { put_le32(img + 52 + 12, 0x400); }
static void mb_seg_ebda(uint8_t *img, size_t *size) { put_le32(img + 52 + 12, 0x9f000); }
static void mb_seg_vga(uint8_t *img, size_t *size) { put_le32(img + 52 + 12, 0xb8000); }
static void mb_seg_rom(uint8_t *img, size_t *size) { put_le32(img + 52 + 12, 0xfe000); }
static void mb_seg_4g(uint8_t *img, size_t *size) { put_le32(img + 52 + 12, 0xfffff000); }
static void mb_seg_ram(uint8_t *img, size_t *size) { put_le32(img + 52 + 12, 0x8000000); }
static void mb_filesz(uint8_t *img, size_t *size) { put_le32(img + 52 + 20, 0x10); }
static void mb_entry(uint8_t *img, size_t *size) { put_le32(img + 24, 0x400000); }
static void mb_noload(uint8_t *img, size_t *size) { put_le32(img + 52, 4); }
static void mb_machine(uint8_t *img, size_t *size) { put_le16(img + 18, 40); }
static void mb_kludge_short(uint8_t *img, size_t *size)
{
	put_mb_header(img + 0x100, 0x10000);
	put_le32(img + 0x10c, 0x100100);	/* header_addr */
	put_le32(img + 0x110, 0x100000);	/* load_addr */
	put_le32(img + 0x114, 0x110000);	/* load_end_addr: past EOF */
	put_le32(img + 0x11c, 0x100000);
}
static void mb_kludge_addr(uint8_t *img, size_t *size)
{
	put_mb_header(img + 0x100, 0x10000);
	put_le32(img + 0x10c, 0x100000);	/* header_addr < load_addr */
	put_le32(img + 0x110, 0x100100);
}
static void mb_kludge_entry(uint8_t *img, size_t *size)
{
	put_mb_header(img + 0x100, 0x10000);
	put_le32(img + 0x10c, 0x100100);
	put_le32(img + 0x110, 0x100000);
	put_le32(img + 0x11c, 0x300000);	/* entry outside */
}

TEST(multiboot_refused)
{
	static const struct mb_bad_case cases[] = {
		{ "video", mb_video, "video mode" },
		{ "unknown flag", mb_unknown, "does not know" },
		{ "checksum", mb_nohdr, "no valid header" },
		{ "not ELF", mb_elf_bad, "not an ELF file" },
		{ "phdrs out of file", mb_phdr_oob, "past the end" },
		{ "segment out of file", mb_seg_oob, "past the end of the file" },
		{ "segment on the IVT", mb_seg_ivt, "overlaps the real-mode IVT" },
		{ "segment into the EBDA", mb_seg_ebda, "overlaps the EBDA" },
		{ "segment in video memory", mb_seg_vga, "overlaps video memory" },
		{ "segment over the ROMs", mb_seg_rom, "overlaps the ROM area" },
		{ "segment past 4G", mb_seg_4g, "past 4 GiB" },
		{ "segment past RAM", mb_seg_ram, "is not in guest RAM" },
		{ "filesz > memsz", mb_filesz, "file size" },
		{ "entry outside", mb_entry, "entry point" },
		{ "no PT_LOAD", mb_noload, "no loadable segment" },
		{ "machine", mb_machine, "not x86" },
		{ "kludge load_end past EOF", mb_kludge_short, "past the end" },
		{ "kludge header_addr", mb_kludge_addr, "do not fit" },
		{ "kludge entry", mb_kludge_entry, "entry_addr" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct guest_mem *mem = new_mem(MEM_SIZE);
		struct boot_config cfg = { 0 };
		struct boot_entry entry;
		struct errbuf err = { "" };
		size_t size;
		uint8_t *img = make_elf(false, 3, &size);

		cases[i].mutate(img, &size);
		EXPECT_EQ(-1, load_multiboot(mem, img, size, &cfg, &entry, &err))
			TH_LOG("%s", cases[i].what);
		EXPECT_NE(NULL, strstr(err.msg, cases[i].message))
			TH_LOG("%s: '%s'", cases[i].what, err.msg);
		free(img);
		free_mem(mem);
	}
}

TEST(multiboot_module_too_big)
{
	struct guest_mem *mem = new_mem(MEM_SIZE);
	uint8_t *module = calloc(1, MEM_SIZE);
	struct boot_config cfg = { .initrd = module, .initrd_size = MEM_SIZE };
	struct boot_entry entry;
	struct errbuf err = { "" };
	size_t size;
	uint8_t *img = make_elf(false, 3, &size);

	EXPECT_EQ(-1, load_multiboot(mem, img, size, &cfg, &entry, &err));
	EXPECT_NE(NULL, strstr(err.msg, "no room for the")) TH_LOG("%s", err.msg);
	free(module);
	free(img);
	free_mem(mem);
}

/* ---------------------------------------------------------- flat */

TEST(flat_binary)
{
	struct guest_mem *mem = new_mem(MEM_SIZE);
	static const uint8_t code[] = { 0xf4, 0xeb, 0xfd };
	struct boot_entry entry;
	struct errbuf err = { "" };

	ASSERT_EQ(0, load_flat(mem, code, sizeof(code), 0x200000, &entry, &err));
	EXPECT_EQ(BOOT_MODE_PROTECTED32, entry.mode);
	EXPECT_EQ(0x200000, entry.rip);
	EXPECT_EQ(0, memcmp(mem->host + 0x200000, code, sizeof(code)));
	EXPECT_EQ(-1, load_flat(mem, code, sizeof(code), 0x8000, &entry, &err));
	EXPECT_NE(NULL, strstr(err.msg, "not in free guest RAM"));
	EXPECT_EQ(-1, load_flat(mem, code, sizeof(code), MEM_SIZE - 1, &entry, &err));
	EXPECT_EQ(-1, load_flat(mem, code, 0, 0x200000, &entry, &err));
	EXPECT_NE(NULL, strstr(err.msg, "empty"));
	free_mem(mem);
}

TEST(high_memory_map)
{
	struct guest_mem mem;
	struct e820_range r[GUEST_MEM_MAX_RANGES];
	static uint8_t dummy[1];
	int n;

	guest_mem_init(&mem, dummy, 4ULL << 30);	/* never dereferenced */
	n = guest_mem_map(&mem, r);
	ASSERT_EQ(5, n);
	EXPECT_EQ(0x100000, r[3].addr);
	EXPECT_EQ(0xc0000000 - 0x100000, r[3].size);
	EXPECT_EQ(0x100000000ULL, r[4].addr);
	EXPECT_EQ(1ULL << 30, r[4].size);
	EXPECT_EQ(NULL, guest_mem_ptr(&mem, 0xc0000000, 1));
	EXPECT_EQ(NULL, guest_mem_ptr(&mem, 0xbfffffff, 2));
	EXPECT_EQ(dummy + 0xc0000000, guest_mem_ptr(&mem, 0x100000000ULL, 1));
	EXPECT_EQ(NULL, guest_mem_ptr(&mem, 0x140000000ULL, 1));
}

/* ---------------------------------------------------------- fuzz */

/*
 * Every truncation and 2000 random corruptions of each good image. Guest
 * memory is small so that out-of-range targets are common; ASan catches
 * any access outside the image or guest memory.
 */
static void fuzz(struct __test_metadata *_metadata, const uint8_t *good,
		 size_t size, int is_linux)
{
	struct guest_mem *mem = new_mem(32ULL << 20);
	static const uint8_t initrd[100];
	struct boot_config cfg = { .initrd = initrd, .initrd_size = 100,
				   .cmdline = "x" };
	struct boot_entry entry;
	struct errbuf err;
	uint8_t *img;
	size_t len;
	int i, j, ok = 0;

	for (len = 0; len <= size; len += (len < 0x300 ? 1 : 61)) {
		img = malloc(len ? len : 1);
		memcpy(img, good, len);
		if (is_linux)
			ok += !load_linux(mem, img, len, &cfg, &entry, &err);
		else
			ok += !load_multiboot(mem, img, len, &cfg, &entry, &err);
		free(img);
	}
	srand(12345);
	for (i = 0; i < 2000; i++) {
		img = malloc(size);
		memcpy(img, good, size);
		for (j = 0; j < 1 + rand() % 8; j++) {
			size_t at = rand() % (i % 2 ? 0x300 : size);

			img[at] = rand();
		}
		if (is_linux)
			ok += !load_linux(mem, img, size, &cfg, &entry, &err);
		else
			ok += !load_multiboot(mem, img, size, &cfg, &entry, &err);
		free(img);
	}
	TH_LOG("%d of the fuzzed images loaded", ok);
	free_mem(mem);
}

TEST(fuzz_bzimage)
{
	size_t size;
	uint8_t *img = make_bzimage(&size);

	put_le32(img + 0x260, 0x100000);	/* fits 32 MiB */
	fuzz(_metadata, img, size, 1);
	free(img);
}

TEST(fuzz_multiboot_elf32)
{
	size_t size;
	uint8_t *img = make_elf(false, 3, &size);

	fuzz(_metadata, img, size, 0);
	free(img);
}

TEST(fuzz_multiboot_elf64)
{
	size_t size;
	uint8_t *img = make_elf(true, 62, &size);

	fuzz(_metadata, img, size, 0);
	free(img);
}

TEST_HARNESS_MAIN
