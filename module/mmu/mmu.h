/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory: the user memory slots of a VM and the EPT tables built on
 * demand from them. A guest page is mapped in the EPT only while vmxlab
 * holds a reference on the host page behind it; an MMU notifier on the
 * VM's mm takes the mapping and the reference away whenever the host
 * changes that page (munmap, MADV_DONTNEED, mremap, migration, reclaim),
 * as KVM's MMU does, so the guest always sees what the slot's host
 * address maps.
 */
#ifndef VMXLAB_MMU_H
#define VMXLAB_MMU_H

#include <linux/kvm.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

/* KVM_CAP_NR_MEMSLOTS: -M pc with PAM and VGA aliases needs more than 32. */
#define VMXLAB_MAX_SLOTS	256
/* As KVM on x86: the largest slot, in pages (8 TiB). */
#define VMXLAB_MAX_SLOT_PAGES	((1ULL << 31) - 1)

struct vmxlab_vm;
struct seq_file;

struct mem_slot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	u32 flags;
	bool used;
	/* KVM_MEM_LOG_DIRTY_PAGES: pages written since the last read. */
	unsigned long *dirty;
	struct xarray pages;	/* slot page index -> the struct page held */
};

struct vmxlab_mmu {
	struct mutex lock;	/* slots and EPT tables */
	struct mem_slot slots[VMXLAB_MAX_SLOTS];
	u64 slots_gen;		/* bumped when a slot is created, moved, deleted */
	u64 *ept_root;		/* PML4 */
	u64 eptp;
	unsigned long nr_held;		/* guest pages mapped and referenced */
	unsigned long nr_table_pages;
	unsigned long nr_large;		/* 2 MiB EPT mappings */
	/*
	 * EPT tables are taken from here under mmu->lock, which must never
	 * wait for memory: reclaim may call the notifier, which takes it.
	 */
	void *spare_tables[3];
	unsigned int nr_spare_tables;
	struct mm_struct *mm;	/* whose pages the slots name */
	struct mmu_notifier notifier;
	bool notifier_on;
	/*
	 * Invalidations in flight: a fault that raced with one must not map
	 * what it found (KVM's mmu_invalidate_seq/in_progress). The range is
	 * the union of the host ranges in flight.
	 */
	spinlock_t invalidate_lock;
	unsigned int invalidate_in_progress;
	unsigned long invalidate_seq;
	unsigned long invalidate_start, invalidate_end;
};

int mmu_init(struct vmxlab_vm *vm);
void mmu_destroy(struct vmxlab_vm *vm);
int mmu_set_memory_region(struct vmxlab_vm *vm,
			  const struct kvm_userspace_memory_region *region);

/*
 * Resolve an EPT violation at @gpa: map the page if a slot backs it and
 * return 0 (also when a race means the guest should simply retry), or
 * return 1 if the access is MMIO (no slot, or a write to a read-only
 * slot), or -errno.
 */
int mmu_handle_ept_violation(struct vmxlab_vm *vm, u64 gpa, bool write);

/* KVM_GET_DIRTY_LOG: copy out and clear a logging slot's bitmap. */
int mmu_get_dirty_log(struct vmxlab_vm *vm, const struct kvm_dirty_log *log);

void mmu_show_stats(struct seq_file *m, struct vmxlab_vm *vm);

/* Copy to and from guest-physical memory through the slots. */
int mmu_read_gpa(struct vmxlab_vm *vm, u64 gpa, void *buf, unsigned int len);
int mmu_write_gpa(struct vmxlab_vm *vm, u64 gpa, const void *buf,
		  unsigned int len);
bool mmu_gpa_is_ram(struct vmxlab_vm *vm, u64 gpa, bool write);
/*
 * 0 if the 4- or 8-byte value at @gpa was @old and is now @new, -EAGAIN
 * if it was something else, -EFAULT if it is not writable guest RAM.
 */
int mmu_cmpxchg_gpa(struct vmxlab_vm *vm, u64 gpa, u64 old, u64 new,
		    unsigned int len);

/*
 * For the engine: the INVEPT type to use, chosen once from the CPU's
 * capabilities, and dropping this CPU's cached translations of @eptp.
 */
void ept_set_flush_type(int type);
void ept_flush_this_cpu(u64 eptp);

#endif
