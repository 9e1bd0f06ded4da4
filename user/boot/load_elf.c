// SPDX-License-Identifier: GPL-2.0
/*
 * ELF program headers, 32- and 64-bit, little-endian x86. Segments land
 * at p_paddr; the entry point is translated from virtual to physical
 * through the segment that holds it, so higher-half kernels work.
 */
#include <string.h>

#include "le.h"
#include "boot/load_elf.h"

#define EI_CLASS	4
#define EI_DATA		5
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ET_EXEC		2
#define EM_386		3
#define EM_X86_64	62
#define PT_LOAD		1

struct elf_phdr {
	uint32_t type;
	uint64_t offset;
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
};

struct elf_header {
	bool is64;
	uint64_t entry;
	uint64_t phoff;
	uint16_t phentsize;
	uint16_t phnum;
};

static int elf_read_header(const uint8_t *image, size_t size,
			   struct elf_header *h, struct errbuf *err)
{
	uint16_t machine;

	if (size < 52 || memcmp(image, "\177ELF", 4))
		return errbuf_set(err, "not an ELF file");
	if (image[EI_DATA] != ELFDATA2LSB)
		return errbuf_set(err, "ELF: not little-endian");
	if (image[EI_CLASS] == ELFCLASS32) {
		h->is64 = false;
		h->entry = get_le32(image + 24);
		h->phoff = get_le32(image + 28);
		h->phentsize = get_le16(image + 42);
		h->phnum = get_le16(image + 44);
		if (h->phentsize != 32)
			return errbuf_set(err, "ELF32: program header size %u, expected 32",
					  h->phentsize);
	} else if (image[EI_CLASS] == ELFCLASS64) {
		if (size < 64)
			return errbuf_set(err, "ELF64: truncated header (%zu bytes)", size);
		h->is64 = true;
		h->entry = get_le64(image + 24);
		h->phoff = get_le64(image + 32);
		h->phentsize = get_le16(image + 54);
		h->phnum = get_le16(image + 56);
		if (h->phentsize != 56)
			return errbuf_set(err, "ELF64: program header size %u, expected 56",
					  h->phentsize);
	} else {
		return errbuf_set(err, "ELF: unknown class %u", image[EI_CLASS]);
	}
	machine = get_le16(image + 18);
	if (machine != EM_386 && machine != EM_X86_64)
		return errbuf_set(err, "ELF: machine %u is not x86", machine);
	if (get_le16(image + 16) != ET_EXEC)
		return errbuf_set(err, "ELF: not an executable (type %u)",
				  get_le16(image + 16));
	if (!h->phnum || h->phnum > ELF_MAX_PHDRS)
		return errbuf_set(err, "ELF: %u program headers", h->phnum);
	if (h->phoff > size ||
	    (uint64_t)h->phnum * h->phentsize > size - h->phoff)
		return errbuf_set(err, "ELF: program headers past the end of the file (%zu bytes)",
				  size);
	return 0;
}

static void elf_read_phdr(const uint8_t *image, const struct elf_header *h,
			  unsigned int i, struct elf_phdr *ph)
{
	const uint8_t *p = image + h->phoff + (uint64_t)i * h->phentsize;

	ph->type = get_le32(p);
	if (h->is64) {
		ph->offset = get_le64(p + 8);
		ph->vaddr = get_le64(p + 16);
		ph->paddr = get_le64(p + 24);
		ph->filesz = get_le64(p + 32);
		ph->memsz = get_le64(p + 40);
	} else {
		ph->offset = get_le32(p + 4);
		ph->vaddr = get_le32(p + 8);
		ph->paddr = get_le32(p + 12);
		ph->filesz = get_le32(p + 16);
		ph->memsz = get_le32(p + 20);
	}
}

static int elf_check_phdr(const struct guest_mem *mem, size_t size,
			  unsigned int i, const struct elf_phdr *ph,
			  struct errbuf *err)
{
	const char *why;

	if (ph->filesz > ph->memsz)
		return errbuf_set(err, "ELF: segment %u: file size 0x%llx > memory size 0x%llx",
				  i, (unsigned long long)ph->filesz,
				  (unsigned long long)ph->memsz);
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return errbuf_set(err, "ELF: segment %u: data at 0x%llx+0x%llx is past the end of the file (%zu bytes)",
				  i, (unsigned long long)ph->offset,
				  (unsigned long long)ph->filesz, size);
	if (ph->paddr + ph->memsz < ph->paddr ||
	    ph->paddr + ph->memsz > (1ULL << 32))
		return errbuf_set(err, "ELF: segment %u: 0x%llx+0x%llx goes past 4 GiB",
				  i, (unsigned long long)ph->paddr,
				  (unsigned long long)ph->memsz);
	why = ph->memsz ? boot_bios_conflict(mem, ph->paddr, ph->memsz) : NULL;
	if (why)
		return errbuf_set(err, "ELF: segment %u at 0x%llx-0x%llx %s",
				  i, (unsigned long long)ph->paddr,
				  (unsigned long long)(ph->paddr + ph->memsz),
				  why);
	return 0;
}

int load_elf(struct guest_mem *mem, const uint8_t *image, size_t size,
	     struct elf_loaded *out, struct errbuf *err)
{
	struct elf_header h = { 0 };
	struct elf_phdr ph;
	bool entry_found = false;
	unsigned int i, loads = 0;

	if (elf_read_header(image, size, &h, err))
		return -1;

	/* Check everything before writing anything. */
	for (i = 0; i < h.phnum; i++) {
		elf_read_phdr(image, &h, i, &ph);
		if (ph.type != PT_LOAD)
			continue;
		if (elf_check_phdr(mem, size, i, &ph, err))
			return -1;
		loads++;
	}
	if (!loads)
		return errbuf_set(err, "ELF: no loadable segment");

	out->low = UINT64_MAX;
	out->high = 0;
	out->entry = h.entry;
	out->nr_ranges = 0;
	for (i = 0; i < h.phnum; i++) {
		uint8_t *dst;

		elf_read_phdr(image, &h, i, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		dst = guest_mem_ptr(mem, ph.paddr, ph.memsz);
		memcpy(dst, image + ph.offset, ph.filesz);
		memset(dst + ph.filesz, 0, ph.memsz - ph.filesz);
		out->ranges[out->nr_ranges++] = (struct elf_range){
			ph.paddr, ph.paddr + ph.memsz };
		if (ph.paddr < out->low)
			out->low = ph.paddr;
		if (ph.paddr + ph.memsz > out->high)
			out->high = ph.paddr + ph.memsz;
		if (!entry_found && h.entry >= ph.vaddr &&
		    h.entry - ph.vaddr < ph.memsz) {
			out->entry = h.entry - ph.vaddr + ph.paddr;
			entry_found = true;
		}
	}
	if (!entry_found)
		return errbuf_set(err, "ELF: entry point 0x%llx is in no loaded segment",
				  (unsigned long long)h.entry);
	return 0;
}
