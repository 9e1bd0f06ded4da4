// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the guest page-table walker (module/mmu/walk.c):
 * each paging mode, large pages, the access rights of SDM vol. 3, 4.6
 * (U/S, R/W and CR0.WP, XD, SMEP, SMAP), reserved bits, the page-fault
 * error codes, accessed/dirty updates and a walk that races with another
 * writer of the page tables. Guest memory is a flat array here.
 */
#include "kselftest_harness.h"
#include "mmu/walk.h"

#define MEM_SIZE	(1u << 20)
#define P		0x1ull
#define RW		0x2ull
#define US		0x4ull
#define A		0x20ull
#define D		0x40ull
#define PS		0x80ull
#define XD		(1ull << 63)

#define CR0_PE		0x1ull
#define CR0_WP		(1ull << 16)
#define CR0_PG		(1ull << 31)
#define CR4_PSE		(1ull << 4)
#define CR4_PAE		(1ull << 5)
#define CR4_SMEP	(1ull << 20)
#define CR4_SMAP	(1ull << 21)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define EFER_NXE	(1ull << 11)

struct fake_mem {
	uint8_t bytes[MEM_SIZE];
	int updates;		/* successful compare-exchanges */
	int races_left;		/* make this many updates find a change */
};

static struct fake_mem mem;

static int fake_read(void *opaque, u64 gpa, u64 *pte, unsigned int len)
{
	if (gpa + len > MEM_SIZE)
		return -ENXIO;
	*pte = 0;
	memcpy(pte, mem.bytes + gpa, len);
	return 0;
}

static int fake_update(void *opaque, u64 gpa, u64 old, u64 new,
		       unsigned int len)
{
	u64 now = 0;

	if (gpa + len > MEM_SIZE)
		return -ENXIO;
	memcpy(&now, mem.bytes + gpa, len);
	if (mem.races_left > 0) {
		/* Another CPU changed the entry (an ignored bit): start over. */
		mem.races_left--;
		now ^= 0x200;
		memcpy(mem.bytes + gpa, &now, len);
	}
	if (now != old)
		return -EAGAIN;
	memcpy(mem.bytes + gpa, &new, len);
	mem.updates++;
	return 0;
}

static void put64(u64 gpa, u64 v)
{
	memcpy(mem.bytes + gpa, &v, 8);
}

static void put32(u64 gpa, u32 v)
{
	memcpy(mem.bytes + gpa, &v, 4);
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, mem.bytes + gpa, 8);
	return v;
}

static struct guest_paging paging(u64 cr0, u64 cr4, u64 efer)
{
	return (struct guest_paging){
		.cr0 = cr0, .cr3 = 0x1000, .cr4 = cr4, .efer = efer,
		.maxphyaddr = 36, .read_pte = fake_read,
		.update_pte = fake_update,
	};
}

/* 4-level tables at 0x1000 (PML4), 0x2000, 0x3000, 0x4000 for gva 0x5000. */
static void four_level(u64 leaf_flags, u64 table_flags)
{
	memset(&mem, 0, sizeof(mem));
	put64(0x1000, 0x2000 | table_flags);
	put64(0x2000, 0x3000 | table_flags);
	put64(0x3000, 0x4000 | table_flags);
	put64(0x4000 + 5 * 8, 0x9000 | leaf_flags);
}

static struct guest_paging long_mode(void)
{
	return paging(CR0_PE | CR0_PG | CR0_WP, CR4_PAE,
		      EFER_LME | EFER_LMA | EFER_NXE);
}

#define EXPECT_PF(ret, pf, code)					\
	do {								\
		EXPECT_EQ(-EFAULT, (ret));				\
		EXPECT_EQ((u32)(code), (pf).error_code);		\
	} while (0)

TEST(no_paging_is_identity_below_4g)
{
	struct guest_paging p = paging(CR0_PE, 0, 0);
	struct guest_pf pf;
	u64 gpa;

	ASSERT_EQ(0, guest_walk(&p, 0x123456789ull, PFERR_WRITE, &gpa, &pf));
	EXPECT_EQ(0x23456789ull, gpa);
}

TEST(four_level_translates_and_sets_accessed_dirty)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	four_level(P | RW | US, P | RW | US);
	ASSERT_EQ(0, guest_walk(&p, 0x5abc, PFERR_WRITE | PFERR_USER, &gpa,
				&pf));
	EXPECT_EQ(0x9abcull, gpa);
	EXPECT_TRUE(get64(0x1000) & A);
	EXPECT_TRUE(get64(0x3000) & A);
	EXPECT_EQ(P | RW | US | A | D, get64(0x4000 + 5 * 8) & 0xfff);
	/* A read walk of an already accessed leaf changes nothing. */
	mem.updates = 0;
	ASSERT_EQ(0, guest_walk(&p, 0x5abc, 0, &gpa, &pf));
	EXPECT_EQ(0, mem.updates);
}

TEST(read_does_not_set_dirty)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	four_level(P | RW, P | RW);
	ASSERT_EQ(0, guest_walk(&p, 0x5000, 0, &gpa, &pf));
	EXPECT_EQ(P | RW | A, get64(0x4000 + 5 * 8) & 0xfff);
}

TEST(not_present_fault_has_no_p_bit)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	four_level(0, P | RW | US);
	EXPECT_PF(guest_walk(&p, 0x5010, PFERR_WRITE, &gpa, &pf), pf,
		  PFERR_WRITE);
	EXPECT_EQ(0x5010ull, pf.address);
}

TEST(user_access_to_supervisor_page)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	four_level(P | RW, P | RW | US);
	EXPECT_PF(guest_walk(&p, 0x5000, PFERR_USER, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_USER);
	/* U/S clear in a table entry counts as much as in the leaf. */
	four_level(P | RW | US, P | RW);
	EXPECT_PF(guest_walk(&p, 0x5000, PFERR_USER, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_USER);
}

TEST(write_to_read_only_page_and_cr0_wp)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	four_level(P | US, P | RW | US);
	EXPECT_PF(guest_walk(&p, 0x5000, PFERR_WRITE | PFERR_USER, &gpa, &pf),
		  pf, PFERR_PRESENT | PFERR_WRITE | PFERR_USER);
	EXPECT_PF(guest_walk(&p, 0x5000, PFERR_WRITE, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_WRITE);
	/* With CR0.WP clear the supervisor may write anyway. */
	p.cr0 &= ~CR0_WP;
	EXPECT_EQ(0, guest_walk(&p, 0x5000, PFERR_WRITE, &gpa, &pf));
	EXPECT_PF(guest_walk(&p, 0x5000, PFERR_WRITE | PFERR_USER, &gpa, &pf),
		  pf, PFERR_PRESENT | PFERR_WRITE | PFERR_USER);
}

TEST(execute_disable)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	four_level(P | RW | XD, P | RW);
	EXPECT_PF(guest_walk(&p, 0x5000, PFERR_FETCH, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_FETCH);
	EXPECT_EQ(0, guest_walk(&p, 0x5000, 0, &gpa, &pf));
	/* Without EFER.NXE, bit 63 is reserved. */
	p.efer &= ~EFER_NXE;
	EXPECT_PF(guest_walk(&p, 0x5000, 0, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_RSVD);
}

TEST(smep_and_smap)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	four_level(P | RW | US, P | RW | US);
	p.cr4 |= CR4_SMEP;
	EXPECT_PF(guest_walk(&p, 0x5000, PFERR_FETCH, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_FETCH);
	EXPECT_EQ(0, guest_walk(&p, 0x5000, PFERR_FETCH | PFERR_USER, &gpa,
				&pf));
	p.cr4 = CR4_PAE | CR4_SMAP;
	EXPECT_PF(guest_walk(&p, 0x5000, 0, &gpa, &pf), pf, PFERR_PRESENT);
	p.rflags_ac = true;
	EXPECT_EQ(0, guest_walk(&p, 0x5000, PFERR_WRITE, &gpa, &pf));
}

TEST(reserved_address_bits)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	four_level(P | RW, P | RW);
	put64(0x4000 + 5 * 8, (1ull << 40) | 0x9000 | P | RW);
	EXPECT_PF(guest_walk(&p, 0x5000, 0, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_RSVD);
	p.maxphyaddr = 46;
	EXPECT_EQ(0, guest_walk(&p, 0x5000, 0, &gpa, &pf));
	EXPECT_EQ((1ull << 40) | 0x9000, gpa);
}

TEST(two_mib_and_one_gib_pages)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	memset(&mem, 0, sizeof(mem));
	put64(0x1000, 0x2000 | P | RW);
	put64(0x2000, 0x3000 | P | RW);
	put64(0x3000 + 1 * 8, 0x40000000ull | PS | P | RW);	/* 2 MiB */
	ASSERT_EQ(0, guest_walk(&p, 0x2abcde, PFERR_WRITE, &gpa, &pf));
	EXPECT_EQ(0x400abcdeull, gpa);
	EXPECT_TRUE(get64(0x3000 + 8) & D);
	/* Bits 20:13 of a 2 MiB entry are reserved. */
	put64(0x3000 + 1 * 8, 0x40002000ull | PS | P | RW);
	EXPECT_PF(guest_walk(&p, 0x200000, 0, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_RSVD);
	put64(0x2000 + 1 * 8, 0x80000000ull | PS | P | RW);	/* 1 GiB */
	ASSERT_EQ(0, guest_walk(&p, 0x40012345ull, 0, &gpa, &pf));
	EXPECT_EQ(0x80012345ull, gpa);
	/* PS in a PML4 entry is reserved. */
	put64(0x1000, 0x2000 | PS | P | RW);
	EXPECT_PF(guest_walk(&p, 0x5000, 0, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_RSVD);
}

TEST(pae_uses_the_pdptes_it_is_given)
{
	struct guest_paging p = paging(CR0_PE | CR0_PG, CR4_PAE, EFER_NXE);
	struct guest_pf pf;
	u64 gpa;

	memset(&mem, 0, sizeof(mem));
	p.pdpte[1] = 0x3000 | P;
	put64(0x3000 + 2 * 8, 0x4000 | P | RW | US);
	put64(0x4000 + 3 * 8, 0x7000 | P | RW | US | XD);
	ASSERT_EQ(0, guest_walk(&p, 0x40403123ull, PFERR_USER, &gpa, &pf));
	EXPECT_EQ(0x7123ull, gpa);
	EXPECT_PF(guest_walk(&p, 0x40403000ull, PFERR_FETCH, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_FETCH);
	EXPECT_PF(guest_walk(&p, 0x3000, 0, &gpa, &pf), pf, 0);
}

TEST(legacy_32bit_4k_and_4m_pages)
{
	struct guest_paging p = paging(CR0_PE | CR0_PG | CR0_WP, 0, 0);
	struct guest_pf pf;
	u64 gpa;

	memset(&mem, 0, sizeof(mem));
	put32(0x1000 + 1 * 4, 0x2000 | P | RW);
	put32(0x2000 + 3 * 4, 0x8000 | P);
	ASSERT_EQ(0, guest_walk(&p, 0x403456, 0, &gpa, &pf));
	EXPECT_EQ(0x8456ull, gpa);
	EXPECT_PF(guest_walk(&p, 0x403456, PFERR_WRITE, &gpa, &pf), pf,
		  PFERR_PRESENT | PFERR_WRITE);
	/* No NX in this mode: no I/D bit in the error code either. */
	EXPECT_PF(guest_walk(&p, 0x800000, PFERR_FETCH, &gpa, &pf), pf, 0);
	/* A 4 MiB page needs CR4.PSE; PSE-36 puts bits 39:32 in 20:13. */
	put32(0x1000 + 2 * 4, 0x00c00000 | (0x3 << 13) | PS | P | RW);
	p.cr4 = CR4_PSE;
	ASSERT_EQ(0, guest_walk(&p, 0x812345, PFERR_WRITE, &gpa, &pf));
	EXPECT_EQ(0x300c12345ull, gpa);
	/* The high half of a 64-bit address does not exist here. */
	ASSERT_EQ(0, guest_walk(&p, 0xffffffff00812345ull, 0, &gpa, &pf));
	EXPECT_EQ(0x300c12345ull, gpa);
}

TEST(walk_restarts_when_an_entry_changes_under_it)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	four_level(P | RW, P | RW);
	mem.races_left = 2;
	ASSERT_EQ(0, guest_walk(&p, 0x5000, PFERR_WRITE, &gpa, &pf));
	EXPECT_EQ(0x9000ull, gpa);
	EXPECT_TRUE(get64(0x4000 + 5 * 8) & D);
	/* One that never settles gives up instead of spinning. */
	four_level(P | RW, P | RW);
	mem.races_left = 1000;
	EXPECT_EQ(-EAGAIN, guest_walk(&p, 0x5000, PFERR_WRITE, &gpa, &pf));
}

TEST(tables_outside_memory_are_not_a_page_fault)
{
	struct guest_paging p = long_mode();
	struct guest_pf pf;
	u64 gpa;

	memset(&mem, 0, sizeof(mem));
	p.cr3 = 0x10000000;
	EXPECT_EQ(-ENXIO, guest_walk(&p, 0x5000, 0, &gpa, &pf));
}

TEST_HARNESS_MAIN
