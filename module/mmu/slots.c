// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory slots (KVM_SET_USER_MEMORY_REGION) and how a guest page
 * comes to be mapped, and unmapped again.
 *
 * Mapping (an EPT violation on a slot's page): take a reference on the
 * host page behind it with get_user_pages_fast() and record it in the
 * slot's xarray, both without mmu->lock (they may sleep, fault pages in
 * and reclaim memory, and reclaim may call back into our notifier); then,
 * under mmu->lock, map it in the EPT unless the slot changed or a host
 * invalidation raced with the fault, in which case the guest retries.
 *
 * Unmapping (the MMU notifier, a slot deleted or moved, the VM going):
 * under mmu->lock, clear the EPT entries, flush every CPU's translations,
 * then erase the xarray entries and drop the references. Whoever erases
 * an entry drops its reference, so each is dropped exactly once.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/io.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <asm/processor.h>

#include "../vmxlab.h"
#include "../mem.h"
#include "ept.h"

#define BLOCK_MASK	(EPT_PAGES_PER_2M - 1)
/* EPT tables a single mapping may need: PDPT, PD and PT. */
#define TABLE_RESERVE	3	/* = ARRAY_SIZE(mmu->spare_tables) */

static u64 slot_gpa(const struct mem_slot *slot, u64 idx)
{
	return (slot->base_gfn + idx) << PAGE_SHIFT;
}

static unsigned long slot_hva(const struct mem_slot *slot, u64 idx)
{
	return slot->userspace_addr + (idx << PAGE_SHIFT);
}

static bool slot_writable(const struct mem_slot *slot)
{
	return !(slot->flags & KVM_MEM_READONLY);
}

static bool slot_logging(const struct mem_slot *slot)
{
	return slot->dirty;
}

/* Pages of a logging slot are mapped writable only once marked dirty. */
static bool slot_maps_writable(const struct mem_slot *slot, u64 idx)
{
	return slot_writable(slot) &&
	       (!slot_logging(slot) || test_bit(idx, slot->dirty));
}

static void mark_dirty(struct mem_slot *slot, u64 idx)
{
	if (slot_logging(slot))
		set_bit(idx, slot->dirty);
}

static struct mem_slot *slot_for_gfn(struct vmxlab_mmu *mmu, u64 gfn)
{
	int i;

	for (i = 0; i < VMXLAB_MAX_SLOTS; i++) {
		struct mem_slot *s = &mmu->slots[i];

		if (s->used && gfn >= s->base_gfn &&
		    gfn < s->base_gfn + s->npages)
			return s;
	}
	return NULL;
}

/* Every reference taken by get_host_pages() is given back here. */
static void put_host_page(struct page *page)
{
	put_page(page);
	vmxlab_count(VMXLAB_LIVE_PAGE_REFS, -1);
}

static void page_released(struct vmxlab_mmu *mmu, struct page *page)
{
	put_host_page(page);
	mmu->nr_held--;
	vmxlab_count(VMXLAB_LIVE_GUEST_PAGES, -1);
}

/* The slot index of the first page of the 2 MiB guest page around @idx. */
static u64 block_of(const struct mem_slot *slot, u64 idx)
{
	return idx - ((slot->base_gfn + idx) & BLOCK_MASK);
}

/*
 * Unmap slot pages [first, last] and drop their references; a 2 MiB
 * mapping that overlaps the range goes whole. Called with mmu->lock.
 */
static void slot_unmap_range(struct vmxlab_mmu *mmu, struct mem_slot *slot,
			     u64 first, u64 last)
{
	u64 lo = first, hi = last;
	struct page *page;
	unsigned long i;
	bool mapped = false;

	xa_for_each_range(&slot->pages, i, page, first, last) {
		if (ept_unmap(mmu, slot_gpa(slot, i)) == EPT_PAGES_PER_2M) {
			lo = min(lo, block_of(slot, i));
			hi = max(hi, block_of(slot, i) + BLOCK_MASK);
		}
		mapped = true;
	}
	if (!mapped)
		return;
	/* No CPU may use a translation to a page once it is released. */
	ept_flush(mmu);
	xa_for_each_range(&slot->pages, i, page, lo, hi) {
		page = xa_erase(&slot->pages, i);
		if (page)
			page_released(mmu, page);
	}
}

static void slot_unmap_all(struct vmxlab_mmu *mmu, struct mem_slot *slot)
{
	if (slot->npages)
		slot_unmap_range(mmu, slot, 0, slot->npages - 1);
}

/* The pages of every slot that the host range [start, end) backs. */
static void unmap_hva_range(struct vmxlab_mmu *mmu, unsigned long start,
			    unsigned long end)
{
	int i;

	for (i = 0; i < VMXLAB_MAX_SLOTS; i++) {
		struct mem_slot *s = &mmu->slots[i];
		unsigned long s_end = s->userspace_addr +
				      (s->npages << PAGE_SHIFT);
		unsigned long lo, hi;

		if (!s->used || end <= s->userspace_addr || start >= s_end)
			continue;
		lo = max(start, s->userspace_addr);
		hi = min(end, s_end);
		slot_unmap_range(mmu, s, (lo - s->userspace_addr) >> PAGE_SHIFT,
				 (hi - 1 - s->userspace_addr) >> PAGE_SHIFT);
	}
}

/* ---------------------------------------------------------- notifier */

static struct vmxlab_mmu *notifier_to_mmu(struct mmu_notifier *mn)
{
	return container_of(mn, struct vmxlab_mmu, notifier);
}

/*
 * The host is about to change [start, end). Counted first, so that
 * invalidate_range_end, which the core calls even after an -EAGAIN,
 * always has a start to pair with.
 */
static int mmu_invalidate_start(struct mmu_notifier *mn,
				const struct mmu_notifier_range *range)
{
	struct vmxlab_mmu *mmu = notifier_to_mmu(mn);

	spin_lock(&mmu->invalidate_lock);
	if (!mmu->invalidate_in_progress++) {
		mmu->invalidate_start = range->start;
		mmu->invalidate_end = range->end;
	} else {
		mmu->invalidate_start = min(mmu->invalidate_start, range->start);
		mmu->invalidate_end = max(mmu->invalidate_end, range->end);
	}
	spin_unlock(&mmu->invalidate_lock);

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&mmu->lock);
	else if (!mutex_trylock(&mmu->lock))
		return -EAGAIN;
	unmap_hva_range(mmu, range->start, range->end);
	mutex_unlock(&mmu->lock);
	return 0;
}

static void mmu_invalidate_end(struct mmu_notifier *mn,
			       const struct mmu_notifier_range *range)
{
	struct vmxlab_mmu *mmu = notifier_to_mmu(mn);

	spin_lock(&mmu->invalidate_lock);
	mmu->invalidate_seq++;
	if (mmu->invalidate_in_progress)
		mmu->invalidate_in_progress--;
	spin_unlock(&mmu->invalidate_lock);
}

/* The mm is going (exit or unregister): nothing of it stays mapped. */
static void mmu_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct vmxlab_mmu *mmu = notifier_to_mmu(mn);
	int i;

	mutex_lock(&mmu->lock);
	for (i = 0; i < VMXLAB_MAX_SLOTS; i++)
		if (mmu->slots[i].used)
			slot_unmap_all(mmu, &mmu->slots[i]);
	mutex_unlock(&mmu->lock);
}

static const struct mmu_notifier_ops mmu_notifier_ops = {
	.invalidate_range_start = mmu_invalidate_start,
	.invalidate_range_end = mmu_invalidate_end,
	.release = mmu_release,
};

/* ---------------------------------------------------------- faults */

struct guest_fault {
	struct mem_slot *slot;
	u64 idx;		/* the faulting page in the slot */
	u64 gen;		/* mmu->slots_gen when the fault began */
	unsigned long seq;	/* mmu->invalidate_seq then */
	struct page *page;	/* our reference on it, once taken */
	struct page **block;	/* all 512, for a 2 MiB mapping */
};

/* Did a host invalidation of [hva, hva + size) race with this fault? */
static bool invalidation_raced(struct vmxlab_mmu *mmu,
			       const struct guest_fault *f,
			       unsigned long hva, unsigned long size)
{
	bool raced;

	spin_lock(&mmu->invalidate_lock);
	raced = mmu->invalidate_seq != f->seq ||
		(mmu->invalidate_in_progress &&
		 hva < mmu->invalidate_end &&
		 hva + size > mmu->invalidate_start);
	spin_unlock(&mmu->invalidate_lock);
	return raced;
}

static int get_host_pages(unsigned long hva, int n, bool writable,
			  struct page **pages)
{
	int got = get_user_pages_fast(hva, n, writable ? FOLL_WRITE : 0,
				      pages);

	if (got > 0)
		vmxlab_count(VMXLAB_LIVE_PAGE_REFS, got);
	if (got == n)
		return 0;
	while (got > 0)
		put_host_page(pages[--got]);
	return got < 0 ? got : -EFAULT;
}

/*
 * Record @page as slot page @idx; -EBUSY if another vCPU's fault got
 * there first. The reference now belongs to the entry.
 */
static int record_page(struct vmxlab_mmu *mmu, struct mem_slot *slot,
		       u64 idx, struct page *page)
{
	int err = xa_insert(&slot->pages, idx, page, GFP_KERNEL_ACCOUNT);

	if (err)
		return err;
	mmu->nr_held++;
	vmxlab_count(VMXLAB_LIVE_GUEST_PAGES, 1);
	return 0;
}

/* Take back an entry we recorded, unless an invalidation erased it. */
static void unrecord_page(struct vmxlab_mmu *mmu, struct mem_slot *slot,
			  u64 idx, struct page *page)
{
	if (xa_cmpxchg(&slot->pages, idx, page, NULL, 0) == page)
		page_released(mmu, page);
}

static bool still_recorded(struct mem_slot *slot, u64 idx, struct page *page)
{
	return xa_load(&slot->pages, idx) == page;
}

/* Is the 2 MiB guest page around @idx wholly in the slot, and aligned alike? */
static bool block_possible(const struct mem_slot *slot, u64 idx)
{
	u64 first = block_of(slot, idx);

	if ((s64)first < 0 || first + EPT_PAGES_PER_2M > slot->npages)
		return false;
	return !(slot_hva(slot, first) & (PMD_SIZE - 1));
}

static bool pages_form_huge_page(struct page **pages)
{
	unsigned long pfn = page_to_pfn(pages[0]);
	int i;

	if (pfn & BLOCK_MASK)
		return false;
	for (i = 1; i < EPT_PAGES_PER_2M; i++)
		if (page_to_pfn(pages[i]) != pfn + i)
			return false;
	return true;
}

static bool host_page_is_huge(struct page *page)
{
	return PageTransCompound(page) &&
	       compound_order(compound_head(page)) >= PMD_SHIFT - PAGE_SHIFT;
}

static void drop_block(struct guest_fault *f)
{
	int i;

	for (i = 0; i < EPT_PAGES_PER_2M; i++)
		put_host_page(f->block[i]);
	vmxlab_free(f->block, EPT_PAGES_PER_2M * sizeof(*f->block));
	f->block = NULL;
}

/*
 * A transparent huge page backs the faulting page: try to take all 512
 * pages of its 2 MiB block, so that one EPT entry maps them.
 */
static void try_take_block(struct guest_fault *f)
{
	struct mem_slot *slot = f->slot;
	u64 first = block_of(slot, f->idx);

	if (slot_logging(slot) || !host_page_is_huge(f->page) ||
	    !block_possible(slot, f->idx))
		return;
	f->block = vmxlab_zalloc_array(EPT_PAGES_PER_2M, sizeof(*f->block));
	if (!f->block)
		return;
	if (get_host_pages(slot_hva(slot, first), EPT_PAGES_PER_2M,
			   slot_writable(slot), f->block)) {
		vmxlab_free(f->block, EPT_PAGES_PER_2M * sizeof(*f->block));
		f->block = NULL;
		return;
	}
	if (!pages_form_huge_page(f->block))
		drop_block(f);
}

/*
 * Record all 512 pages, or none of them. On failure every reference in
 * f->block has been given back: those recorded here are unrecorded, the
 * rest are put.
 */
static int record_block(struct vmxlab_mmu *mmu, struct guest_fault *f)
{
	u64 first = block_of(f->slot, f->idx);
	int i, j, err = 0;

	for (i = 0; i < EPT_PAGES_PER_2M; i++) {
		err = record_page(mmu, f->slot, first + i, f->block[i]);
		if (err)
			break;
	}
	if (!err)
		return 0;
	for (j = i; j < EPT_PAGES_PER_2M; j++)
		put_host_page(f->block[j]);
	while (i-- > 0)
		unrecord_page(mmu, f->slot, first + i, f->block[i]);
	return err;
}

static void unrecord_block(struct vmxlab_mmu *mmu, struct guest_fault *f)
{
	u64 first = block_of(f->slot, f->idx);
	int i;

	for (i = 0; i < EPT_PAGES_PER_2M; i++)
		unrecord_page(mmu, f->slot, first + i, f->block[i]);
}

static bool block_still_recorded(struct guest_fault *f)
{
	u64 first = block_of(f->slot, f->idx);
	int i;

	for (i = 0; i < EPT_PAGES_PER_2M; i++)
		if (!still_recorded(f->slot, first + i, f->block[i]))
			return false;
	return true;
}

/* Outside mmu->lock: enough spare EPT tables for one more mapping. */
static int top_up_tables(struct vmxlab_mmu *mmu)
{
	for (;;) {
		void *page;

		mutex_lock(&mmu->lock);
		if (mmu->nr_spare_tables >= TABLE_RESERVE) {
			mutex_unlock(&mmu->lock);
			return 0;
		}
		mutex_unlock(&mmu->lock);
		page = vmxlab_page_alloc();
		if (!page)
			return -ENOMEM;
		mutex_lock(&mmu->lock);
		if (mmu->nr_spare_tables < ARRAY_SIZE(mmu->spare_tables))
			mmu->spare_tables[mmu->nr_spare_tables++] = page;
		else
			vmxlab_page_free(page);
		mutex_unlock(&mmu->lock);
	}
}

/* Under mmu->lock: is what this fault found still what the slot maps? */
static bool fault_stale(struct vmxlab_mmu *mmu, struct guest_fault *f,
			u64 first, unsigned int npages)
{
	return mmu->slots_gen != f->gen ||
	       invalidation_raced(mmu, f, slot_hva(f->slot, first),
				  (unsigned long)npages << PAGE_SHIFT);
}

static int map_block(struct vmxlab_mmu *mmu, struct guest_fault *f)
{
	struct mem_slot *slot = f->slot;
	u64 first = block_of(slot, f->idx);
	int err;

	err = record_block(mmu, f);
	if (err)
		return err;
	mutex_lock(&mmu->lock);
	err = -EAGAIN;
	if (!fault_stale(mmu, f, first, EPT_PAGES_PER_2M) &&
	    block_still_recorded(f))
		err = ept_map_2m(mmu, slot_gpa(slot, first),
				 page_to_phys(f->block[0]),
				 slot_writable(slot));
	mutex_unlock(&mmu->lock);
	if (err)
		unrecord_block(mmu, f);
	return err;
}

/* Spares taken by another vCPU meanwhile count as a race: retry. */
static bool fault_should_retry(int err)
{
	return err == -EAGAIN || err == -EEXIST || err == -ENOMEM;
}

static int map_page(struct vmxlab_mmu *mmu, struct guest_fault *f)
{
	struct mem_slot *slot = f->slot;
	int err;

	err = record_page(mmu, slot, f->idx, f->page);
	if (err) {
		put_host_page(f->page);
		/* -EBUSY: another vCPU is mapping it; the guest retries. */
		return err == -EBUSY ? 0 : err;
	}
	mutex_lock(&mmu->lock);
	err = -EAGAIN;
	if (!fault_stale(mmu, f, f->idx, 1) &&
	    still_recorded(slot, f->idx, f->page))
		err = ept_map_4k(mmu, slot_gpa(slot, f->idx),
				 page_to_phys(f->page),
				 slot_maps_writable(slot, f->idx));
	mutex_unlock(&mmu->lock);
	if (err)
		unrecord_page(mmu, slot, f->idx, f->page);
	/* A race or an existing mapping: the guest simply retries. */
	return fault_should_retry(err) ? 0 : err;
}

int mmu_handle_ept_violation(struct vmxlab_vm *vm, u64 gpa, bool write)
{
	struct vmxlab_mmu *mmu = &vm->mmu;
	struct guest_fault f = {};
	int err;

	if (current->mm != mmu->mm)
		return -EFAULT;
	err = top_up_tables(mmu);
	if (err)
		return err;
	mutex_lock(&mmu->lock);
	f.slot = slot_for_gfn(mmu, gpa >> PAGE_SHIFT);
	if (!f.slot || (write && !slot_writable(f.slot))) {
		mutex_unlock(&mmu->lock);
		return 1;
	}
	f.idx = (gpa >> PAGE_SHIFT) - f.slot->base_gfn;
	if (write && slot_logging(f.slot)) {
		/* The first write since the log was read: note it, allow it. */
		mark_dirty(f.slot, f.idx);
		if (xa_load(&f.slot->pages, f.idx)) {
			ept_set_writable(mmu, gpa & PAGE_MASK, true);
			mutex_unlock(&mmu->lock);
			return 0;
		}
	}
	f.gen = mmu->slots_gen;
	spin_lock(&mmu->invalidate_lock);
	f.seq = mmu->invalidate_seq;
	spin_unlock(&mmu->invalidate_lock);
	err = xa_load(&f.slot->pages, f.idx) ? -EEXIST : 0;
	mutex_unlock(&mmu->lock);
	/* Mapped meanwhile by another vCPU: the guest retries. */
	if (err)
		return 0;

	err = get_host_pages(slot_hva(f.slot, f.idx), 1,
			     slot_writable(f.slot), &f.page);
	if (err)
		return err;
	try_take_block(&f);
	if (f.block) {
		err = map_block(mmu, &f);
		vmxlab_free(f.block, EPT_PAGES_PER_2M * sizeof(*f.block));
		if (!err) {
			put_host_page(f.page);
			return 0;
		}
	}
	return map_page(mmu, &f);
}

/* ---------------------------------------------------------- slots */

static int check_region(const struct kvm_userspace_memory_region *r)
{
	if (r->flags & ~(u32)(KVM_MEM_READONLY | KVM_MEM_LOG_DIRTY_PAGES))
		return -EINVAL;
	if ((r->slot >> 16) || (r->slot & 0xffff) >= VMXLAB_MAX_SLOTS)
		return -EINVAL;
	if ((r->memory_size | r->guest_phys_addr | r->userspace_addr) &
	    ~PAGE_MASK)
		return -EINVAL;
	if ((r->memory_size >> PAGE_SHIFT) > VMXLAB_MAX_SLOT_PAGES)
		return -EINVAL;
	if (r->guest_phys_addr + r->memory_size < r->guest_phys_addr)
		return -EINVAL;
	/* As KVM with EPT: within the host's physical-address width. */
	if (r->guest_phys_addr + r->memory_size >
	    (1ULL << boot_cpu_data.x86_phys_bits))
		return -EINVAL;
	if (r->memory_size &&
	    !access_ok((void __user *)(unsigned long)r->userspace_addr,
		       r->memory_size))
		return -EINVAL;
	return 0;
}

static bool overlaps_other(struct vmxlab_mmu *mmu, struct mem_slot *self,
			   u64 base_gfn, u64 npages)
{
	int i;

	for (i = 0; i < VMXLAB_MAX_SLOTS; i++) {
		struct mem_slot *s = &mmu->slots[i];

		if (s == self || !s->used)
			continue;
		if (base_gfn < s->base_gfn + s->npages &&
		    s->base_gfn < base_gfn + npages)
			return true;
	}
	return false;
}

static size_t dirty_bytes(const struct mem_slot *slot)
{
	return BITS_TO_LONGS(slot->npages) * sizeof(long);
}

/*
 * Turn dirty logging on or off. Everything mapped goes, so that faults
 * map it again the new way: read-only 4 KiB pages while logging, as the
 * slot allows otherwise. Turning it on takes *bitmap, which the caller
 * allocated before it took mmu->lock (see spare_tables).
 */
static int slot_set_logging(struct vmxlab_mmu *mmu, struct mem_slot *slot,
			    bool on, unsigned long **bitmap)
{
	if (on == slot_logging(slot))
		return 0;
	if (on && !*bitmap)
		return -ENOMEM;
	slot_unmap_all(mmu, slot);
	if (slot->dirty)
		vmxlab_free(slot->dirty, dirty_bytes(slot));
	slot->dirty = NULL;
	if (on) {
		slot->dirty = *bitmap;
		*bitmap = NULL;
	}
	return 0;
}

static int slot_create(struct vmxlab_mmu *mmu, struct mem_slot *slot,
		       const struct kvm_userspace_memory_region *r,
		       unsigned long **bitmap)
{
	slot->base_gfn = r->guest_phys_addr >> PAGE_SHIFT;
	slot->npages = r->memory_size >> PAGE_SHIFT;
	slot->userspace_addr = r->userspace_addr;
	slot->dirty = NULL;
	if (slot_set_logging(mmu, slot, r->flags & KVM_MEM_LOG_DIRTY_PAGES,
			     bitmap))
		return -ENOMEM;
	slot->flags = r->flags;
	slot->used = true;
	return 0;
}

static void slot_delete(struct vmxlab_mmu *mmu, struct mem_slot *slot)
{
	unsigned long *none = NULL;

	slot_set_logging(mmu, slot, false, &none);
	slot_unmap_all(mmu, slot);
	slot->used = false;
	slot->npages = 0;
}

/* KVM_SET_USER_MEMORY_REGION, with KVM's rules and error codes. */
static int set_region_locked(struct vmxlab_mmu *mmu,
			     const struct kvm_userspace_memory_region *r,
			     unsigned long **bitmap)
{
	struct mem_slot *slot = &mmu->slots[r->slot & 0xffff];
	u64 base_gfn = r->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = r->memory_size >> PAGE_SHIFT;
	int err;

	if (!npages) {
		if (!slot->used)
			return -EINVAL;
		slot_delete(mmu, slot);
		return 0;
	}
	if (!slot->used) {
		if (overlaps_other(mmu, slot, base_gfn, npages))
			return -EEXIST;
		return slot_create(mmu, slot, r, bitmap);
	}
	if (r->userspace_addr != slot->userspace_addr ||
	    npages != slot->npages ||
	    ((r->flags ^ slot->flags) & KVM_MEM_READONLY))
		return -EINVAL;
	/* As KVM: a slot moves, or changes its logging, not both at once. */
	if (base_gfn == slot->base_gfn) {
		err = slot_set_logging(mmu, slot,
				       r->flags & KVM_MEM_LOG_DIRTY_PAGES, bitmap);
		if (!err)
			slot->flags = r->flags;
		return err;
	}
	if ((r->flags ^ slot->flags) & KVM_MEM_LOG_DIRTY_PAGES)
		return -EINVAL;
	if (overlaps_other(mmu, slot, base_gfn, npages))
		return -EEXIST;
	slot_unmap_all(mmu, slot);
	slot->base_gfn = base_gfn;
	if (slot->dirty)
		bitmap_zero(slot->dirty, slot->npages);
	return 0;
}

int mmu_set_memory_region(struct vmxlab_vm *vm,
			  const struct kvm_userspace_memory_region *r)
{
	struct vmxlab_mmu *mmu = &vm->mmu;
	int err;

	unsigned long *bitmap = NULL;
	size_t bytes = BITS_TO_LONGS(r->memory_size >> PAGE_SHIFT) *
		       sizeof(long);

	err = check_region(r);
	if (err)
		return err;
	if ((r->flags & KVM_MEM_LOG_DIRTY_PAGES) && bytes) {
		bitmap = vmxlab_zalloc(bytes);
		if (!bitmap)
			return -ENOMEM;
	}
	mutex_lock(&mmu->lock);
	err = set_region_locked(mmu, r, &bitmap);
	if (!err)
		mmu->slots_gen++;
	mutex_unlock(&mmu->lock);
	if (bitmap)
		vmxlab_free(bitmap, bytes);
	return err;
}

int mmu_init(struct vmxlab_vm *vm)
{
	struct vmxlab_mmu *mmu = &vm->mmu;
	int i, err;

	mutex_init(&mmu->lock);
	spin_lock_init(&mmu->invalidate_lock);
	for (i = 0; i < VMXLAB_MAX_SLOTS; i++)
		xa_init(&mmu->slots[i].pages);
	err = ept_init(mmu);
	if (err)
		return err;
	mmu->mm = current->mm;
	mmgrab(mmu->mm);
	mmu->notifier.ops = &mmu_notifier_ops;
	err = mmu_notifier_register(&mmu->notifier, mmu->mm);
	if (err)
		return err;
	mmu->notifier_on = true;
	return 0;
}

void mmu_destroy(struct vmxlab_vm *vm)
{
	struct vmxlab_mmu *mmu = &vm->mmu;
	int i;

	/* The EPT root is mmu_init()'s first allocation: nothing to undo. */
	if (!mmu->ept_root)
		return;
	/* Unregistering runs ->release unless exit_mmap() already did. */
	if (mmu->notifier_on)
		mmu_notifier_unregister(&mmu->notifier, mmu->mm);
	mutex_lock(&mmu->lock);
	for (i = 0; i < VMXLAB_MAX_SLOTS; i++) {
		if (mmu->slots[i].used)
			slot_delete(mmu, &mmu->slots[i]);
		xa_destroy(&mmu->slots[i].pages);
	}
	while (mmu->nr_spare_tables)
		vmxlab_page_free(mmu->spare_tables[--mmu->nr_spare_tables]);
	mutex_unlock(&mmu->lock);
	ept_destroy(mmu);
	if (mmu->mm)
		mmdrop(mmu->mm);
}

void mmu_show_stats(struct seq_file *m, struct vmxlab_vm *vm)
{
	struct vmxlab_mmu *mmu = &vm->mmu;

	mutex_lock(&mmu->lock);
	seq_printf(m, "guest_pages %lu\nept_table_pages %lu\nept_2m_mappings %lu\n",
		   mmu->nr_held, mmu->nr_table_pages, mmu->nr_large);
	mutex_unlock(&mmu->lock);
}

/* ---------------------------------------------------------- copies */

/* Guest-physical copies go through the slot's user mapping. */
static int gpa_to_user(struct vmxlab_mmu *mmu, u64 gpa, unsigned int len,
		       bool write, void __user **uaddr)
{
	struct mem_slot *slot = slot_for_gfn(mmu, gpa >> PAGE_SHIFT);

	if (!slot || (write && !slot_writable(slot)))
		return -EFAULT;
	if (gpa + len < gpa ||
	    gpa + len > (slot->base_gfn + slot->npages) << PAGE_SHIFT)
		return -EFAULT;
	*uaddr = (void __user *)(slot->userspace_addr +
				 (gpa - (slot->base_gfn << PAGE_SHIFT)));
	return 0;
}

/*
 * What vmxlab wrote for the guest (INS, MMIO emulation, kvmclock) counts
 * as dirty, marked once it is written: marked before, a KVM_GET_DIRTY_LOG
 * in between could take the bit and copy the page without the write.
 */
static void gpa_written(struct vmxlab_vm *vm, u64 gpa, unsigned int len)
{
	struct mem_slot *slot;
	u64 idx, last;

	mutex_lock(&vm->mmu.lock);
	slot = slot_for_gfn(&vm->mmu, gpa >> PAGE_SHIFT);
	if (slot && slot_logging(slot) &&
	    gpa + len <= (slot->base_gfn + slot->npages) << PAGE_SHIFT) {
		idx = (gpa >> PAGE_SHIFT) - slot->base_gfn;
		last = ((gpa + len - 1) >> PAGE_SHIFT) - slot->base_gfn;
		for (; idx <= last; idx++)
			mark_dirty(slot, idx);
	}
	mutex_unlock(&vm->mmu.lock);
}

/* The slot's user address of @gpa, from the VM's own mm only. */
static int gpa_user_address(struct vmxlab_vm *vm, u64 gpa, unsigned int len,
			    bool write, void __user **uaddr)
{
	int err;

	if (current->mm != vm->mmu.mm)
		return -EFAULT;
	mutex_lock(&vm->mmu.lock);
	err = gpa_to_user(&vm->mmu, gpa, len, write, uaddr);
	mutex_unlock(&vm->mmu.lock);
	return err;
}

int mmu_read_gpa(struct vmxlab_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	void __user *uaddr;
	int err = gpa_user_address(vm, gpa, len, false, &uaddr);

	if (err)
		return err;
	return copy_from_user(buf, uaddr, len) ? -EFAULT : 0;
}

int mmu_write_gpa(struct vmxlab_vm *vm, u64 gpa, const void *buf,
		  unsigned int len)
{
	void __user *uaddr;
	int err = gpa_user_address(vm, gpa, len, true, &uaddr);

	if (err)
		return err;
	if (copy_to_user(uaddr, buf, len))
		return -EFAULT;
	gpa_written(vm, gpa, len);
	return 0;
}

/* Compare-and-exchange of a guest page-table entry, as the CPU's walker does. */
int mmu_cmpxchg_gpa(struct vmxlab_vm *vm, u64 gpa, u64 old, u64 new,
		    unsigned int len)
{
	void __user *uaddr;
	int err;

	if ((len != 4 && len != 8) || (gpa & (len - 1)))
		return -EFAULT;
	err = gpa_user_address(vm, gpa, len, true, &uaddr);
	if (err)
		return err;
	if (!access_ok(uaddr, len))
		return -EFAULT;
	if (len == 8) {
		u64 expect = old;

		err = __try_cmpxchg_user((u64 __user *)uaddr, &expect, new,
					 efault8);
	} else {
		u32 expect = old;

		err = __try_cmpxchg_user((u32 __user *)uaddr, &expect,
					 (u32)new, efault4);
	}
	if (err < 0)
		return err;
	if (err)
		return -EAGAIN;
	gpa_written(vm, gpa, len);
	return 0;
}

/* Is @gpa in a slot (writable, if @write)? */
bool mmu_gpa_is_ram(struct vmxlab_vm *vm, u64 gpa, bool write)
{
	struct mem_slot *slot;
	bool ram;

	mutex_lock(&vm->mmu.lock);
	slot = slot_for_gfn(&vm->mmu, gpa >> PAGE_SHIFT);
	ram = slot && (!write || slot_writable(slot));
	mutex_unlock(&vm->mmu.lock);
	return ram;
}

/* ---------------------------------------------------------- dirty log */

/*
 * KVM_GET_DIRTY_LOG: hand out the pages written since the last call and
 * start again. Each page reported is write-protected before the EPT
 * flush, so the next write to it faults and is seen; writes that land
 * before the flush are in this report.
 */
static void take_dirty_pages(struct vmxlab_mmu *mmu, struct mem_slot *slot,
			     unsigned long *out)
{
	unsigned long i;

	bitmap_copy(out, slot->dirty, slot->npages);
	bitmap_zero(slot->dirty, slot->npages);
	for_each_set_bit(i, out, slot->npages)
		ept_set_writable(mmu, slot_gpa(slot, i), false);
	ept_flush(mmu);
}

static struct mem_slot *logging_slot(struct vmxlab_mmu *mmu, u32 id)
{
	struct mem_slot *slot = &mmu->slots[id];

	return slot->used && slot_logging(slot) ? slot : NULL;
}

int mmu_get_dirty_log(struct vmxlab_vm *vm, const struct kvm_dirty_log *log)
{
	struct vmxlab_mmu *mmu = &vm->mmu;
	u32 id = log->slot & 0xffff;
	struct mem_slot *slot;
	unsigned long *out;
	size_t bytes;
	int err = 0;

	if ((log->slot >> 16) || id >= VMXLAB_MAX_SLOTS)
		return -EINVAL;
	mutex_lock(&mmu->lock);
	slot = logging_slot(mmu, id);
	bytes = slot ? dirty_bytes(slot) : 0;
	mutex_unlock(&mmu->lock);
	if (!slot)
		return -ENOENT;
	/* Allocated outside mmu->lock, which reclaim may need. */
	out = vmxlab_zalloc(bytes);
	if (!out)
		return -ENOMEM;
	mutex_lock(&mmu->lock);
	slot = logging_slot(mmu, id);
	if (slot && dirty_bytes(slot) == bytes)
		take_dirty_pages(mmu, slot, out);
	else
		err = -ENOENT;
	mutex_unlock(&mmu->lock);
	if (!err && copy_to_user(log->dirty_bitmap, out, bytes))
		err = -EFAULT;
	vmxlab_free(out, bytes);
	return err;
}
