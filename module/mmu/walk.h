/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A walk of the guest's own page tables, as the CPU would do it for one
 * access: none, 32-bit, PAE and 4-level paging, with the permission rules
 * of SDM vol. 3, 4.6 (U/S, R/W with CR0.WP, XD with EFER.NXE, SMEP,
 * SMAP), reserved-bit checks, and the accessed and dirty flags set as the
 * CPU sets them. A walk that fails says which #PF the guest takes.
 *
 * The walker is portable: it knows the guest's paging registers only as
 * handed in, and reads and updates page-table entries through callbacks,
 * so that the engine (module/vmx/) uses it with guest memory and the host
 * unit tests with a fake one.
 */
#ifndef VMXLAB_MMU_WALK_H
#define VMXLAB_MMU_WALK_H

#include "../portable.h"

/* Page-fault error code bits (SDM vol. 3, 4.7); also the access kind. */
#define PFERR_PRESENT	BIT(0)
#define PFERR_WRITE	BIT(1)
#define PFERR_USER	BIT(2)
#define PFERR_RSVD	BIT(3)
#define PFERR_FETCH	BIT(4)

struct guest_paging {
	u64 cr0, cr3, cr4, efer;
	u64 pdpte[4];		/* PAE outside long mode: as the CPU holds them */
	bool rflags_ac;		/* EFLAGS.AC, which lifts SMAP */
	u8 maxphyaddr;		/* guest physical-address width */
	/* Read @len (4 or 8) bytes of guest-physical memory; 0 or -errno. */
	int (*read_pte)(void *opaque, u64 gpa, u64 *pte, unsigned int len);
	/*
	 * Replace the entry at @gpa by @new if it still holds @old: 0, or
	 * -EAGAIN if it changed under us, or -errno.
	 */
	int (*update_pte)(void *opaque, u64 gpa, u64 old, u64 new,
			  unsigned int len);
	void *opaque;
};

/* What the guest must take when a walk fails with -EFAULT. */
struct guest_pf {
	u64 address;		/* CR2 */
	u32 error_code;
};

/*
 * Translate @gva for an access of kind @access (PFERR_WRITE, PFERR_USER,
 * PFERR_FETCH, or-ed). Returns 0 and the guest-physical address, -EFAULT
 * and the #PF to inject, or another -errno if the page tables themselves
 * could not be read (not in guest RAM).
 */
int guest_walk(const struct guest_paging *p, u64 gva, u32 access, u64 *gpa,
	       struct guest_pf *pf);

#endif
