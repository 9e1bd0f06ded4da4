// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page-table walker (see walk.h). The rules follow SDM vol. 3,
 * chapter 4: 4.3 (32-bit), 4.4 (PAE), 4.5 (4-level), 4.6 (access rights),
 * 4.7 (page-fault error codes), 4.8 (accessed and dirty flags).
 */
#include "walk.h"

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_A		BIT_ULL(5)
#define PTE_D		BIT_ULL(6)
#define PTE_PS		BIT_ULL(7)
#define PTE_XD		BIT_ULL(63)
#define PTE_ADDR	0x000ffffffffff000ULL

#define CR0_WP		BIT_ULL(16)
#define CR0_PG		BIT_ULL(31)
#define CR4_PSE		BIT_ULL(4)
#define CR4_PAE		BIT_ULL(5)
#define CR4_SMEP	BIT_ULL(20)
#define CR4_SMAP	BIT_ULL(21)
#define EFER_NXE	BIT_ULL(11)
#define EFER_LMA	BIT_ULL(10)

/* A walk that keeps losing races with other vCPUs gives up. */
#define WALK_RETRIES	8

struct walk {
	const struct guest_paging *p;
	u64 gva;
	u32 access;
	bool wide;		/* 8-byte entries: PAE or 4-level */
	bool nx_on;		/* EFER.NXE in a mode that has XD */
	bool user_ok, write_ok, exec_ok;
	int nr;			/* entries used, root first */
	u64 entry_gpa[4];
	u64 entry[4];
};

static bool walk_user(const struct walk *w)
{
	return w->access & PFERR_USER;
}

/* Bits of an entry that must be zero; @leaf_size is 0 for a table. */
static u64 reserved_bits(const struct walk *w, int level, u64 leaf_size)
{
	u64 rsvd = 0;

	if (!w->wide)
		return leaf_size == (4ULL << 20) ? BIT_ULL(21) : 0;
	if (w->p->maxphyaddr < 52)
		rsvd |= PTE_ADDR & ~((1ULL << w->p->maxphyaddr) - 1);
	if (!w->nx_on)
		rsvd |= PTE_XD;
	if (level == 4)
		rsvd |= PTE_PS;
	if (leaf_size > 4096)
		rsvd |= (leaf_size - 1) & ~0x1fffULL;
	return rsvd;
}

static int walk_fault(const struct walk *w, u32 error, struct guest_pf *pf)
{
	u32 fetch = w->access & PFERR_FETCH;

	/* The I/D bit is reported only where fetches can be refused. */
	if (!w->nx_on && !(w->p->cr4 & CR4_SMEP))
		fetch = 0;
	pf->address = w->gva;
	pf->error_code = error | (w->access & (PFERR_WRITE | PFERR_USER)) |
			 fetch;
	return -EFAULT;
}

static int read_entry(struct walk *w, u64 gpa, u64 *pte)
{
	int err = w->p->read_pte(w->p->opaque, gpa, pte, w->wide ? 8 : 4);

	if (err)
		return err;
	w->entry_gpa[w->nr] = gpa;
	w->entry[w->nr++] = *pte;
	return 0;
}

/* One entry's contribution; -EFAULT with *pf set if it ends the walk. */
static int check_entry(struct walk *w, u64 pte, int level, u64 leaf_size,
		       struct guest_pf *pf)
{
	if (!(pte & PTE_P))
		return walk_fault(w, 0, pf);
	if (pte & reserved_bits(w, level, leaf_size))
		return walk_fault(w, PFERR_PRESENT | PFERR_RSVD, pf);
	w->user_ok &= !!(pte & PTE_US);
	w->write_ok &= !!(pte & PTE_RW);
	if (w->nx_on && (pte & PTE_XD))
		w->exec_ok = false;
	return 0;
}

/* SDM 4.6: may this access use the translation found? */
static bool access_allowed(const struct walk *w)
{
	const struct guest_paging *p = w->p;
	bool write = w->access & PFERR_WRITE;
	bool fetch = w->access & PFERR_FETCH;

	if (fetch && !w->exec_ok)
		return false;
	if (walk_user(w))
		return w->user_ok && (!write || w->write_ok);
	if (write && !w->write_ok && (p->cr0 & CR0_WP))
		return false;
	if (w->user_ok && fetch && (p->cr4 & CR4_SMEP))
		return false;
	if (w->user_ok && !fetch && (p->cr4 & CR4_SMAP) && !p->rflags_ac)
		return false;
	return true;
}

/* 4.8: accessed on every entry used, dirty on the leaf of a write. */
static int set_accessed_dirty(struct walk *w)
{
	unsigned int len = w->wide ? 8 : 4;
	int i, err;

	for (i = 0; i < w->nr; i++) {
		u64 want = w->entry[i] | PTE_A;

		if (i == w->nr - 1 && (w->access & PFERR_WRITE))
			want |= PTE_D;
		if (want == w->entry[i])
			continue;
		err = w->p->update_pte(w->p->opaque, w->entry_gpa[i],
				       w->entry[i], want, len);
		if (err)
			return err;
	}
	return 0;
}

/* Walk down from @table at @level; the leaf's size is known per level. */
static int walk_levels(struct walk *w, u64 table, int level, u64 *gpa,
		       struct guest_pf *pf)
{
	u64 pte, size;
	int err;

	for (; level >= 1; level--) {
		unsigned int shift = w->wide ? 12 + 9 * (level - 1) :
					       12 + 10 * (level - 1);
		u64 index = (w->gva >> shift) & (w->wide ? 511 : 1023);
		bool large;

		err = read_entry(w, table + index * (w->wide ? 8 : 4), &pte);
		if (err)
			return err;
		large = level > 1 && (pte & PTE_PS) &&
			(w->wide ? level < 4 : !!(w->p->cr4 & CR4_PSE));
		size = large || level == 1 ? 1ULL << shift : 0;
		err = check_entry(w, pte, level, size, pf);
		if (err)
			return err;
		if (size && !w->wide && large) {
			/* PSE-36: bits 39:32 of the frame sit in bits 20:13. */
			*gpa = (pte & 0xffc00000ULL) | ((pte & 0x1fe000ULL) << 19) |
			       (w->gva & (size - 1));
			return 0;
		}
		if (size) {
			*gpa = (pte & PTE_ADDR & ~(size - 1)) |
			       (w->gva & (size - 1));
			return 0;
		}
		table = w->wide ? pte & PTE_ADDR : pte & 0xfffff000ULL;
	}
	return -EINVAL;
}

static int walk_once(struct walk *w, u64 *gpa, struct guest_pf *pf)
{
	const struct guest_paging *p = w->p;
	u64 pdpte;
	int err;

	w->nr = 0;
	w->user_ok = w->write_ok = w->exec_ok = true;
	if (p->efer & EFER_LMA) {
		err = walk_levels(w, p->cr3 & PTE_ADDR, 4, gpa, pf);
	} else if (p->cr4 & CR4_PAE) {
		/*
		 * PDPTEs carry no access rights; their reserved bits were
		 * checked when the CPU loaded them.
		 */
		pdpte = p->pdpte[(w->gva >> 30) & 3];
		if (!(pdpte & PTE_P))
			return walk_fault(w, 0, pf);
		err = walk_levels(w, pdpte & PTE_ADDR, 2, gpa, pf);
	} else {
		err = walk_levels(w, p->cr3 & 0xfffff000ULL, 2, gpa, pf);
	}
	if (err)
		return err;
	if (!access_allowed(w))
		return walk_fault(w, PFERR_PRESENT, pf);
	return set_accessed_dirty(w);
}

int guest_walk(const struct guest_paging *p, u64 gva, u32 access, u64 *gpa,
	       struct guest_pf *pf)
{
	struct walk w = { .p = p, .access = access };
	int tries, err = -EAGAIN;

	if (!(p->cr0 & CR0_PG)) {
		*gpa = (u32)gva;
		return 0;
	}
	w.wide = (p->efer & EFER_LMA) || (p->cr4 & CR4_PAE);
	w.nx_on = w.wide && (p->efer & EFER_NXE);
	w.gva = (p->efer & EFER_LMA) ? gva : (u32)gva;
	for (tries = 0; tries < WALK_RETRIES && err == -EAGAIN; tries++)
		err = walk_once(&w, gpa, pf);
	return err;
}
