// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: user memory slots (KVM_SET_USER_MEMORY_REGION) and the
 * 4-level EPT tables built from them on demand, one EPT violation at a
 * time. A faulted-in page is pinned until its slot or VM goes, so the
 * host can never free a page the guest still maps; pins are accounted
 * in the owning mm's pinned_vm.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/kvm.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/vmx.h>

#include "../vmxlab.h"
#include "../vmx/vmx_ops.h"

#define EPT_LEVELS		4
#define EPT_ENTRIES		512
#define EPT_PERM_RWX		(VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK | \
				 VMX_EPT_EXECUTABLE_MASK)
#define EPT_PERM_RX		(VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK)
#define EPT_MEMTYPE_WB		(6ULL << VMX_EPT_MT_EPTE_SHIFT)
#define EPT_ADDR_MASK		0x000ffffffffff000ULL
#define EPT_LARGE		BIT_ULL(7)
#define PAGES_PER_2M		512
/* 4-level EPT with write-back paging-structure accesses. */
#define EPTP_WB_4LEVEL		(6ULL | (3ULL << 3))

static int ept_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1);
}

static u64 *ept_table(u64 entry)
{
	return __va(entry & EPT_ADDR_MASK);
}

/*
 * The entry at @level (1: 4 KiB page, 2: 2 MiB page) for @gpa, allocating
 * tables on the way if @alloc; NULL if a 2 MiB page covers it already.
 */
static u64 *ept_entry(struct vmxlab_mmu *mmu, u64 gpa, int level, bool alloc)
{
	u64 *table = mmu->ept_root;
	int l;

	for (l = EPT_LEVELS; l > level; l--) {
		u64 *entry = &table[ept_index(gpa, l)];

		if (*entry & EPT_LARGE)
			return NULL;
		if (!(*entry & EPT_PERM_RWX)) {
			void *next;

			if (!alloc)
				return NULL;
			next = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
			if (!next)
				return NULL;
			mmu->nr_table_pages++;
			*entry = __pa(next) | EPT_PERM_RWX;
		}
		table = ept_table(*entry);
	}
	return &table[ept_index(gpa, level)];
}

static u64 *ept_leaf(struct vmxlab_mmu *mmu, u64 gpa, bool alloc)
{
	return ept_entry(mmu, gpa, 1, alloc);
}

/* Remove whichever mapping, 4 KiB or 2 MiB, covers @gpa. */
static void ept_clear(struct vmxlab_mmu *mmu, u64 gpa)
{
	u64 *pde = ept_entry(mmu, gpa, 2, false);
	u64 *pte;

	if (pde && (*pde & EPT_LARGE)) {
		*pde = 0;
		mmu->nr_large--;
		return;
	}
	pte = ept_leaf(mmu, gpa, false);
	if (pte)
		*pte = 0;
}

static void ept_free_table(u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < EPT_ENTRIES; i++)
			if ((table[i] & EPT_PERM_RWX) && !(table[i] & EPT_LARGE))
				ept_free_table(ept_table(table[i]), level - 1);
	}
	free_page((unsigned long)table);
}

static void ept_flush_on_cpu(void *eptp)
{
	invept(INVEPT_SINGLE_CONTEXT, *(u64 *)eptp);
}

/* Every CPU may hold translations for this VM: flush them all. */
static void ept_flush_all_cpus(struct vmxlab_mmu *mmu)
{
	on_each_cpu(ept_flush_on_cpu, &mmu->eptp, 1);
}

int mmu_init(struct vmxlab_vm *vm)
{
	struct vmxlab_mmu *mmu = &vm->mmu;

	mutex_init(&mmu->lock);
	mmu->ept_root = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!mmu->ept_root)
		return -ENOMEM;
	mmu->eptp = __pa(mmu->ept_root) | EPTP_WB_4LEVEL;
	mmu->mm = current->mm;
	mmgrab(mmu->mm);
	return 0;
}

static void slot_unpin_all(struct vmxlab_mmu *mmu, struct mem_slot *slot)
{
	u64 i;

	if (!slot->pinned)
		return;
	for (i = 0; i < slot->npages; i++) {
		if (!slot->pinned[i])
			continue;
		unpin_user_page(slot->pinned[i]);
		slot->pinned[i] = NULL;
		mmu->nr_pinned--;
		atomic64_dec(&mmu->mm->pinned_vm);
	}
}

static void slot_free(struct vmxlab_mmu *mmu, struct mem_slot *slot)
{
	slot_unpin_all(mmu, slot);
	kvfree(slot->pinned);
	memset(slot, 0, sizeof(*slot));
}

void mmu_destroy(struct vmxlab_vm *vm)
{
	struct vmxlab_mmu *mmu = &vm->mmu;
	int i;

	if (!mmu->ept_root)
		return;
	for (i = 0; i < VMXLAB_MAX_SLOTS; i++)
		if (mmu->slots[i].used)
			slot_free(mmu, &mmu->slots[i]);
	ept_free_table(mmu->ept_root, EPT_LEVELS);
	mmu->ept_root = NULL;
	mmdrop(mmu->mm);
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

/* Remove a slot's pages from the EPT and flush before they are unpinned. */
static void slot_unmap(struct vmxlab_mmu *mmu, struct mem_slot *slot)
{
	u64 i;

	for (i = 0; i < slot->npages; i++)
		if (slot->pinned[i])
			ept_clear(mmu, (slot->base_gfn + i) << PAGE_SHIFT);
	ept_flush_all_cpus(mmu);
	slot_unpin_all(mmu, slot);
}

static int check_region(const struct kvm_userspace_memory_region *r)
{
	if (r->flags & ~(u32)KVM_MEM_READONLY)
		return -EINVAL;
	if ((r->slot >> 16) || (r->slot & 0xffff) >= VMXLAB_MAX_SLOTS)
		return -EINVAL;
	if ((r->memory_size | r->guest_phys_addr | r->userspace_addr) &
	    ~PAGE_MASK)
		return -EINVAL;
	if (r->guest_phys_addr + r->memory_size < r->guest_phys_addr)
		return -EINVAL;
	if (r->guest_phys_addr + r->memory_size > (1ULL << 48))
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

static int slot_create(struct vmxlab_mmu *mmu, struct mem_slot *slot,
		       const struct kvm_userspace_memory_region *r)
{
	u64 npages = r->memory_size >> PAGE_SHIFT;

	slot->pinned = kvcalloc(npages, sizeof(*slot->pinned),
				GFP_KERNEL_ACCOUNT);
	if (!slot->pinned)
		return -ENOMEM;
	slot->base_gfn = r->guest_phys_addr >> PAGE_SHIFT;
	slot->npages = npages;
	slot->userspace_addr = r->userspace_addr;
	slot->flags = r->flags;
	slot->used = true;
	return 0;
}

/* KVM_SET_USER_MEMORY_REGION, with KVM's rules and error codes. */
int mmu_set_memory_region(struct vmxlab_vm *vm,
			  const struct kvm_userspace_memory_region *r)
{
	struct vmxlab_mmu *mmu = &vm->mmu;
	struct mem_slot *slot;
	u64 base_gfn = r->guest_phys_addr >> PAGE_SHIFT;
	u64 npages = r->memory_size >> PAGE_SHIFT;
	int err;

	err = check_region(r);
	if (err)
		return err;

	mutex_lock(&mmu->lock);
	slot = &mmu->slots[r->slot & 0xffff];
	if (!npages) {
		if (!slot->used) {
			err = -EINVAL;
		} else {
			slot_unmap(mmu, slot);
			slot_free(mmu, slot);
		}
	} else if (!slot->used) {
		if (overlaps_other(mmu, slot, base_gfn, npages))
			err = -EEXIST;
		else
			err = slot_create(mmu, slot, r);
	} else if (r->userspace_addr != slot->userspace_addr ||
		   npages != slot->npages ||
		   ((r->flags ^ slot->flags) & KVM_MEM_READONLY)) {
		err = -EINVAL;
	} else if (base_gfn != slot->base_gfn) {
		if (overlaps_other(mmu, slot, base_gfn, npages)) {
			err = -EEXIST;
		} else {
			slot_unmap(mmu, slot);
			slot->base_gfn = base_gfn;
		}
	}
	mutex_unlock(&mmu->lock);
	return err;
}

static int slot_pin(struct vmxlab_mmu *mmu, struct mem_slot *slot, u64 idx)
{
	unsigned long hva = slot->userspace_addr + (idx << PAGE_SHIFT);
	unsigned int gup = FOLL_LONGTERM;
	struct page *page;
	int n;

	if (!(slot->flags & KVM_MEM_READONLY))
		gup |= FOLL_WRITE;
	if (current->mm != mmu->mm)
		return -EFAULT;
	n = pin_user_pages_fast(hva, 1, gup, &page);
	if (n != 1)
		return n < 0 ? n : -EFAULT;
	slot->pinned[idx] = page;
	mmu->nr_pinned++;
	atomic64_inc(&mmu->mm->pinned_vm);
	return 0;
}

/*
 * Can the 2 MiB guest page around @idx be one EPT mapping? Only if the
 * slot covers all of it, guest and host addresses are aligned alike,
 * none of it is mapped yet, and the host backs it with one huge page.
 */
static bool slot_range_free_2m(struct mem_slot *slot, s64 first)
{
	u64 i;

	if (first < 0 || first + PAGES_PER_2M > slot->npages)
		return false;
	if ((slot->userspace_addr + (first << PAGE_SHIFT)) & (PMD_SIZE - 1))
		return false;
	if ((slot->base_gfn + first) & (PAGES_PER_2M - 1))
		return false;
	for (i = 0; i < PAGES_PER_2M; i++)
		if (slot->pinned[first + i])
			return false;
	return true;
}

static bool pages_form_huge_page(struct page **pages)
{
	unsigned long pfn = page_to_pfn(pages[0]);
	int i;

	if (pfn & (PAGES_PER_2M - 1))
		return false;
	for (i = 1; i < PAGES_PER_2M; i++)
		if (page_to_pfn(pages[i]) != pfn + i)
			return false;
	return true;
}

/* Map the 2 MiB page holding slot index @idx with one entry, if we may. */
static bool ept_map_2m(struct vmxlab_mmu *mmu, struct mem_slot *slot, u64 idx,
		       u64 perm)
{
	/* The slot index of the first page of the 2 MiB guest page. */
	s64 first = (s64)idx - (s64)((slot->base_gfn + idx) &
				     (PAGES_PER_2M - 1));
	unsigned int gup = FOLL_LONGTERM;
	struct page **pages;
	unsigned long hva;
	u64 *pde;
	int n, i;

	if (!slot_range_free_2m(slot, first))
		return false;
	hva = slot->userspace_addr + ((u64)first << PAGE_SHIFT);
	pde = ept_entry(mmu, (slot->base_gfn + first) << PAGE_SHIFT, 2, true);
	if (!pde || (*pde & EPT_PERM_RWX))
		return false;
	pages = kvmalloc_array(PAGES_PER_2M, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return false;
	if (!(slot->flags & KVM_MEM_READONLY))
		gup |= FOLL_WRITE;
	n = pin_user_pages_fast(hva, PAGES_PER_2M, gup, pages);
	if (n != PAGES_PER_2M || !pages_form_huge_page(pages)) {
		if (n > 0)
			unpin_user_pages(pages, n);
		kvfree(pages);
		return false;
	}
	for (i = 0; i < PAGES_PER_2M; i++)
		slot->pinned[first + i] = pages[i];
	mmu->nr_pinned += PAGES_PER_2M;
	atomic64_add(PAGES_PER_2M, &mmu->mm->pinned_vm);
	*pde = page_to_phys(pages[0]) | perm | EPT_MEMTYPE_WB | EPT_LARGE;
	mmu->nr_large++;
	kvfree(pages);
	return true;
}

/* Only worth trying where the host already backs the page with a THP. */
static bool host_page_is_huge(struct mem_slot *slot, u64 idx)
{
	struct page *page = slot->pinned[idx];

	return page && PageTransCompound(page) &&
	       compound_order(compound_head(page)) >= PMD_SHIFT - PAGE_SHIFT;
}

int mmu_handle_ept_violation(struct vmxlab_vm *vm, u64 gpa, bool write)
{
	struct vmxlab_mmu *mmu = &vm->mmu;
	u64 gfn = gpa >> PAGE_SHIFT;
	struct mem_slot *slot;
	u64 *pte, *pde, idx, perm;
	int err = 0;

	mutex_lock(&mmu->lock);
	slot = slot_for_gfn(mmu, gfn);
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
		mutex_unlock(&mmu->lock);
		return 1;
	}
	idx = gfn - slot->base_gfn;
	perm = (slot->flags & KVM_MEM_READONLY) ? EPT_PERM_RX : EPT_PERM_RWX;
	/* Another vCPU mapped the 2 MiB page around it meanwhile. */
	pde = ept_entry(mmu, gpa, 2, false);
	if (pde && (*pde & EPT_LARGE))
		goto out;
	if (!slot->pinned[idx]) {
		err = slot_pin(mmu, slot, idx);
		/* A THP behind the page: let one entry map all 2 MiB of it. */
		if (!err && host_page_is_huge(slot, idx)) {
			struct page *single = slot->pinned[idx];

			slot->pinned[idx] = NULL;
			if (ept_map_2m(mmu, slot, idx, perm)) {
				unpin_user_page(single);
				mmu->nr_pinned--;
				atomic64_dec(&mmu->mm->pinned_vm);
				goto out;
			}
			slot->pinned[idx] = single;
		}
	}
	if (!err) {
		pte = ept_leaf(mmu, gpa, true);
		if (!pte)
			err = -ENOMEM;
		else
			*pte = page_to_phys(slot->pinned[idx]) | perm |
			       EPT_MEMTYPE_WB;
	}
out:
	mutex_unlock(&mmu->lock);
	return err;
}

void mmu_show_stats(struct seq_file *m, struct vmxlab_vm *vm)
{
	struct vmxlab_mmu *mmu = &vm->mmu;

	mutex_lock(&mmu->lock);
	seq_printf(m, "pinned_pages %lu\nept_table_pages %lu\nept_2m_mappings %lu\n",
		   mmu->nr_pinned, mmu->nr_table_pages, mmu->nr_large);
	mutex_unlock(&mmu->lock);
}

/* Guest-physical copies go through the slot's user mapping. */
static int gpa_to_user(struct vmxlab_mmu *mmu, u64 gpa, unsigned int len,
		       bool write, void __user **uaddr)
{
	struct mem_slot *slot = slot_for_gfn(mmu, gpa >> PAGE_SHIFT);

	if (!slot || (write && (slot->flags & KVM_MEM_READONLY)))
		return -EFAULT;
	if (gpa + len > (slot->base_gfn + slot->npages) << PAGE_SHIFT)
		return -EFAULT;
	*uaddr = (void __user *)(slot->userspace_addr +
				 (gpa - (slot->base_gfn << PAGE_SHIFT)));
	return 0;
}

int mmu_read_gpa(struct vmxlab_vm *vm, u64 gpa, void *buf, unsigned int len)
{
	void __user *uaddr;
	int err;

	if (current->mm != vm->mmu.mm)
		return -EFAULT;
	mutex_lock(&vm->mmu.lock);
	err = gpa_to_user(&vm->mmu, gpa, len, false, &uaddr);
	mutex_unlock(&vm->mmu.lock);
	if (err)
		return err;
	return copy_from_user(buf, uaddr, len) ? -EFAULT : 0;
}

int mmu_write_gpa(struct vmxlab_vm *vm, u64 gpa, const void *buf,
		  unsigned int len)
{
	void __user *uaddr;
	int err;

	if (current->mm != vm->mmu.mm)
		return -EFAULT;
	mutex_lock(&vm->mmu.lock);
	err = gpa_to_user(&vm->mmu, gpa, len, true, &uaddr);
	mutex_unlock(&vm->mmu.lock);
	if (err)
		return err;
	return copy_to_user(uaddr, buf, len) ? -EFAULT : 0;
}
