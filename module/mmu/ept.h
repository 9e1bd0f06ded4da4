/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The EPT paging structures of one VM (4 levels, write-back), as the
 * memory-slot code builds them on demand: map a 4 KiB or a 2 MiB guest
 * page, unmap whatever covers an address, and invalidate the CPUs'
 * cached translations. Callers serialize with the VM's mmu->lock.
 */
#ifndef VMXLAB_MMU_EPT_H
#define VMXLAB_MMU_EPT_H

#include <linux/types.h>

#define EPT_PAGES_PER_2M	512

struct vmxlab_mmu;

int ept_init(struct vmxlab_mmu *mmu);
void ept_destroy(struct vmxlab_mmu *mmu);

/*
 * 0, -EEXIST if something maps the page already, or -ENOMEM if the spare
 * tables ran out (the caller tops them up and retries).
 */
int ept_map_4k(struct vmxlab_mmu *mmu, u64 gpa, u64 hpa, bool writable);
int ept_map_2m(struct vmxlab_mmu *mmu, u64 gpa, u64 hpa, bool writable);

/* Dirty logging: writes through @gpa's 4 KiB mapping fault, or not. */
void ept_set_writable(struct vmxlab_mmu *mmu, u64 gpa, bool writable);

/* Unmap what covers @gpa: returns the pages it covered (0, 1 or 512). */
unsigned int ept_unmap(struct vmxlab_mmu *mmu, u64 gpa);

/* Invalidate this VM's EPT translations on every CPU. */
void ept_flush(struct vmxlab_mmu *mmu);

#endif
