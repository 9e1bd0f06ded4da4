// SPDX-License-Identifier: GPL-2.0
/*
 * A flat binary: copied to the address given, entered there in 32-bit
 * protected mode with flat segments, paging off, and a small stack.
 */
#include <string.h>

#include "boot/boot.h"
#include "boot/boot_layout.h"

int load_flat(struct guest_mem *mem, const uint8_t *image, size_t size,
	      uint64_t addr, struct boot_entry *entry, struct errbuf *err)
{
	void *dst;

	if (!size)
		return errbuf_set(err, "flat binary is empty");
	if (addr + size > (1ULL << 32))
		return errbuf_set(err, "flat binary at 0x%llx (%zu bytes) goes past 4 GiB",
				  (unsigned long long)addr, size);
	if (!boot_range_free(mem, addr, size))
		return errbuf_set(err, "flat binary at 0x%llx-0x%llx: %s",
				  (unsigned long long)addr,
				  (unsigned long long)(addr + size),
				  BOOT_FREE_RAM_HINT);
	dst = guest_mem_ptr(mem, addr, size);
	memcpy(dst, image, size);

	memset(entry, 0, sizeof(*entry));
	entry->mode = BOOT_MODE_PROTECTED32;
	entry->rip = addr;
	entry->rsp = BOOT_STACK_TOP;
	return boot_write_cpu_tables(mem, entry->mode, err);
}
