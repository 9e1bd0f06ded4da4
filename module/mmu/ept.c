// SPDX-License-Identifier: GPL-2.0
/*
 * EPT paging structures: a 4-level table per VM, built on demand as the
 * guest touches its memory (see slots.c for when), with 4 KiB and 2 MiB
 * leaves, and INVEPT to drop the translations CPUs have cached. SDM vol.
 * 3, 29.3 describes the format.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/io.h>
#include <linux/smp.h>
#include <asm/asm.h>
#include <asm/vmx.h>

#include "../mem.h"
#include "../vmx_insn.h"
#include "mmu.h"
#include "ept.h"

#define EPT_LEVELS		4
#define EPT_ENTRIES		512
#define EPT_PERM_RWX		(VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK | \
				 VMX_EPT_EXECUTABLE_MASK)
#define EPT_PERM_RX		(VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK)
#define EPT_MEMTYPE_WB		(6ULL << VMX_EPT_MT_EPTE_SHIFT)
#define EPT_ADDR_MASK		0x000ffffffffff000ULL
#define EPT_LARGE		BIT_ULL(7)
/* 4-level EPT with write-back paging-structure accesses. */
#define EPTP_WB_4LEVEL		(6ULL | (3ULL << 3))

#define INVEPT_SINGLE_CONTEXT	1
#define INVEPT_ALL_CONTEXT	2

static int ept_flush_type = INVEPT_SINGLE_CONTEXT;

void ept_set_flush_type(int type)
{
	ept_flush_type = type;
}

static int ept_index(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1);
}

static u64 *ept_table(u64 entry)
{
	return __va(entry & EPT_ADDR_MASK);
}

static bool ept_present(u64 entry)
{
	return entry & EPT_PERM_RWX;
}

/*
 * The entry at @level (1: 4 KiB page, 2: 2 MiB page) for @gpa, adding
 * tables on the way from the spares if @alloc; NULL if a 2 MiB page
 * covers it already or the spares ran out.
 */
static u64 *ept_entry(struct vmxlab_mmu *mmu, u64 gpa, int level, bool alloc)
{
	u64 *table = mmu->ept_root;
	int l;

	for (l = EPT_LEVELS; l > level; l--) {
		u64 *entry = &table[ept_index(gpa, l)];

		if (*entry & EPT_LARGE)
			return NULL;
		if (!ept_present(*entry)) {
			void *next;

			if (!alloc || !mmu->nr_spare_tables)
				return NULL;
			next = mmu->spare_tables[--mmu->nr_spare_tables];
			mmu->nr_table_pages++;
			*entry = __pa(next) | EPT_PERM_RWX;
		}
		table = ept_table(*entry);
	}
	return &table[ept_index(gpa, level)];
}

static u64 leaf_bits(bool writable)
{
	return (writable ? EPT_PERM_RWX : EPT_PERM_RX) | EPT_MEMTYPE_WB;
}

int ept_map_4k(struct vmxlab_mmu *mmu, u64 gpa, u64 hpa, bool writable)
{
	u64 *pde = ept_entry(mmu, gpa, 2, false);
	u64 *pte;

	if (pde && (*pde & EPT_LARGE))
		return -EEXIST;
	pte = ept_entry(mmu, gpa, 1, true);
	if (!pte)
		return -ENOMEM;
	if (ept_present(*pte))
		return -EEXIST;
	*pte = hpa | leaf_bits(writable);
	return 0;
}

/* Only where no 4 KiB mapping exists yet under the 2 MiB page. */
int ept_map_2m(struct vmxlab_mmu *mmu, u64 gpa, u64 hpa, bool writable)
{
	u64 *pde = ept_entry(mmu, gpa, 2, true);

	if (!pde)
		return -ENOMEM;
	if (ept_present(*pde))
		return -EEXIST;
	*pde = hpa | leaf_bits(writable) | EPT_LARGE;
	mmu->nr_large++;
	return 0;
}

/* Allow or forbid writes through the 4 KiB mapping of @gpa, if any. */
void ept_set_writable(struct vmxlab_mmu *mmu, u64 gpa, bool writable)
{
	u64 *pte = ept_entry(mmu, gpa, 1, false);

	if (!pte || !ept_present(*pte))
		return;
	if (writable)
		*pte |= VMX_EPT_WRITABLE_MASK;
	else
		*pte &= ~VMX_EPT_WRITABLE_MASK;
}

unsigned int ept_unmap(struct vmxlab_mmu *mmu, u64 gpa)
{
	u64 *pde = ept_entry(mmu, gpa, 2, false);
	u64 *pte;

	if (pde && (*pde & EPT_LARGE)) {
		*pde = 0;
		mmu->nr_large--;
		return EPT_PAGES_PER_2M;
	}
	pte = ept_entry(mmu, gpa, 1, false);
	if (!pte || !ept_present(*pte))
		return 0;
	*pte = 0;
	return 1;
}

static void ept_free_table(u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < EPT_ENTRIES; i++)
			if (ept_present(table[i]) && !(table[i] & EPT_LARGE))
				ept_free_table(ept_table(table[i]), level - 1);
	}
	vmxlab_page_free(table);
}

/* Drop this CPU's cached translations of @eptp (VMX on, IRQs or preemption off). */
void ept_flush_this_cpu(u64 eptp)
{
	if (!invept_insn(ept_flush_type, eptp, 0))
		pr_err_ratelimited("EPT flush (type %d) failed on cpu%d\n",
				   ept_flush_type, raw_smp_processor_id());
}

static void ept_flush_ipi(void *eptp)
{
	ept_flush_this_cpu(*(u64 *)eptp);
}

/* Every CPU may hold translations for this VM: flush them all. */
void ept_flush(struct vmxlab_mmu *mmu)
{
	on_each_cpu(ept_flush_ipi, &mmu->eptp, 1);
}

int ept_init(struct vmxlab_mmu *mmu)
{
	mmu->ept_root = vmxlab_page_alloc();
	if (!mmu->ept_root)
		return -ENOMEM;
	mmu->eptp = __pa(mmu->ept_root) | EPTP_WB_4LEVEL;
	return 0;
}

void ept_destroy(struct vmxlab_mmu *mmu)
{
	if (!mmu->ept_root)
		return;
	ept_free_table(mmu->ept_root, EPT_LEVELS);
	mmu->ept_root = NULL;
}
