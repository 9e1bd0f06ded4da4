/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory: the user memory slots of a VM and the EPT tables built on
 * demand from them. Every mapped guest page is pinned while mapped and
 * released when its slot or its VM goes.
 */
#ifndef VMXLAB_MMU_H
#define VMXLAB_MMU_H

#include <linux/kvm.h>
#include <linux/mutex.h>
#include <linux/types.h>

#define VMXLAB_MAX_SLOTS	32

struct vmxlab_vm;
struct page;
struct seq_file;

struct mem_slot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	u32 flags;
	bool used;
	struct page **pinned;	/* per guest page, NULL until faulted in */
};

struct vmxlab_mmu {
	struct mutex lock;	/* slots and EPT tables */
	struct mem_slot slots[VMXLAB_MAX_SLOTS];
	u64 *ept_root;		/* PML4 */
	u64 eptp;
	unsigned long nr_pinned;
	unsigned long nr_table_pages;
	unsigned long nr_large;		/* 2 MiB EPT mappings */
	struct mm_struct *mm;	/* whose pages are pinned */
};

int mmu_init(struct vmxlab_vm *vm);
void mmu_destroy(struct vmxlab_vm *vm);
int mmu_set_memory_region(struct vmxlab_vm *vm,
			  const struct kvm_userspace_memory_region *region);

/*
 * Resolve an EPT violation at @gpa: map the page if a slot backs it and
 * return 0, or return 1 if the access is MMIO (no slot, or a write to a
 * read-only slot), or -errno.
 */
int mmu_handle_ept_violation(struct vmxlab_vm *vm, u64 gpa, bool write);

void mmu_show_stats(struct seq_file *m, struct vmxlab_vm *vm);

/* Copy to and from guest-physical memory through the slots. */
int mmu_read_gpa(struct vmxlab_vm *vm, u64 gpa, void *buf, unsigned int len);
int mmu_write_gpa(struct vmxlab_vm *vm, u64 gpa, const void *buf,
		  unsigned int len);

#endif
