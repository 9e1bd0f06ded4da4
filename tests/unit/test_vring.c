// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-style net path's split-ring walker, module/net/vring.c, fed
 * hostile rings: loops, heads and nexts out of range, huge and wrapping
 * lengths, buffers across regions and in holes, writable buffers in
 * read-only memory, wrong-direction and indirect descriptors, an avail
 * index too far ahead, 16-bit index wrap, rings outside memory, and a
 * driver rewriting a descriptor after the device read it.
 *
 * The fake host is one buffer at host address HOST_BASE; any access
 * outside it fails with -EFAULT, as copy_from_user would. Guest memory
 * is two regions: GPA 0..1 MiB at the buffer's start and GPA 1 MiB..1.5
 * MiB placed at the buffer's 2 MiB (so a buffer crossing GPA 1 MiB spans
 * two host ranges); GPA 2 MiB..2.25 MiB is read-only.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "net/vring.h"

#define HOST_BASE	0x7f0000000000ULL
#define HOST_SIZE	(3ULL << 20)
#define QNUM		8
#define DESC_OFF	0x1000
#define AVAIL_OFF	0x2000
#define USED_OFF	0x3000

struct fake_host {
	u8 *buf;
	unsigned int reads;
	/* after a read at this host address, write 0xff over it */
	u64 scribble_at;
	u32 scribble_len;
};

int vring_host_read(void *host, u64 uaddr, void *buf, u32 len)
{
	struct fake_host *h = host;

	if (uaddr < HOST_BASE || uaddr - HOST_BASE > HOST_SIZE ||
	    len > HOST_SIZE - (uaddr - HOST_BASE))
		return -EFAULT;
	memcpy(buf, h->buf + (uaddr - HOST_BASE), len);
	h->reads++;
	if (h->scribble_len && uaddr == h->scribble_at)
		memset(h->buf + (uaddr - HOST_BASE), 0xff, h->scribble_len);
	return 0;
}

int vring_host_write(void *host, u64 uaddr, const void *buf, u32 len)
{
	struct fake_host *h = host;

	if (uaddr < HOST_BASE || uaddr - HOST_BASE > HOST_SIZE ||
	    len > HOST_SIZE - (uaddr - HOST_BASE))
		return -EFAULT;
	memcpy(h->buf + (uaddr - HOST_BASE), buf, len);
	return 0;
}

static void put16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static u16 get16(const u8 *p)
{
	return p[0] | p[1] << 8;
}

static u32 get32(const u8 *p)
{
	return get16(p) | (u32)get16(p + 2) << 16;
}

static void put32(u8 *p, u32 v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static void put64(u8 *p, u64 v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

FIXTURE(ring) {
	struct fake_host host;
	struct vring_mem mem;
	struct vring_queue vr;
	struct vring_chain c;
};

static void ring_init(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ring) *self, enum vring_dir dir, u16 base)
{
	ASSERT_EQ(0, vring_setup(&self->vr, &self->host, &self->mem, dir, QNUM,
				 HOST_BASE + DESC_OFF, HOST_BASE + AVAIL_OFF,
				 HOST_BASE + USED_OFF, base));
	put16(self->host.buf + AVAIL_OFF + 2, base);
}

FIXTURE_SETUP(ring)
{
	self->host.buf = calloc(1, HOST_SIZE);
	ASSERT_NE(NULL, self->host.buf);
	self->mem.nr = 3;
	self->mem.region[0] = (struct vring_region){ 0, 1 << 20, HOST_BASE, false };
	self->mem.region[1] = (struct vring_region){ 1 << 20, 1 << 19,
						     HOST_BASE + (2 << 20), false };
	self->mem.region[2] = (struct vring_region){ 2 << 20, 1 << 18,
						     HOST_BASE + (5 << 19), true };
	ASSERT_EQ(0, vring_mem_check(&self->mem));
	ring_init(_metadata, self, VRING_DEVICE_READS, 0);
}

FIXTURE_TEARDOWN(ring)
{
	free(self->host.buf);
}

static void desc(FIXTURE_DATA(ring) *self, unsigned int i, u64 addr, u32 len,
		 u16 flags, u16 next)
{
	u8 *d = self->host.buf + DESC_OFF + 16 * (i % 128);

	put64(d, addr);
	put32(d + 8, len);
	put16(d + 12, flags);
	put16(d + 14, next);
}

static void avail(FIXTURE_DATA(ring) *self, u16 head)
{
	u8 *a = self->host.buf + AVAIL_OFF;
	u16 idx = get16(a + 2);

	put16(a + 4 + 2 * (idx % QNUM), head);
	put16(a + 2, idx + 1);
}

TEST_F(ring, chain_translated)
{
	EXPECT_EQ(0, vring_pop(&self->vr, &self->c));
	desc(self, 3, 0x10000, 12, VRING_DESC_F_NEXT, 5);
	desc(self, 5, 0x20000, 1500, 0, 0);
	avail(self, 3);
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	EXPECT_EQ(3, self->c.head);
	EXPECT_EQ(2, self->c.nr_seg);
	EXPECT_EQ(1512, self->c.len);
	EXPECT_EQ(HOST_BASE + 0x10000, self->c.seg[0].uaddr);
	EXPECT_EQ(12, self->c.seg[0].len);
	EXPECT_EQ(HOST_BASE + 0x20000, self->c.seg[1].uaddr);
	EXPECT_EQ(0, vring_pop(&self->vr, &self->c));

	ASSERT_EQ(0, vring_push(&self->vr, 3, 0));
	EXPECT_EQ(1, get16(self->host.buf + USED_OFF + 2));
	EXPECT_EQ(3, get32(self->host.buf + USED_OFF + 4));
	EXPECT_EQ(0, get32(self->host.buf + USED_OFF + 8));
}

TEST_F(ring, buffer_spans_two_regions)
{
	desc(self, 0, (1 << 20) - 100, 300, 0, 0);
	avail(self, 0);
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	ASSERT_EQ(2, self->c.nr_seg);
	EXPECT_EQ(HOST_BASE + (1 << 20) - 100, self->c.seg[0].uaddr);
	EXPECT_EQ(100, self->c.seg[0].len);
	EXPECT_EQ(HOST_BASE + (2 << 20), self->c.seg[1].uaddr);
	EXPECT_EQ(200, self->c.seg[1].len);
	EXPECT_EQ(300, self->c.len);
}

TEST_F(ring, zero_length_buffer_is_no_segment)
{
	desc(self, 0, 0xdead0000000ULL, 0, VRING_DESC_F_NEXT, 1);
	desc(self, 1, 0x100, 10, 0, 0);
	avail(self, 0);
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	EXPECT_EQ(1, self->c.nr_seg);
	EXPECT_EQ(10, self->c.len);
}

/* After one bad chain the ring stays stopped: nothing more is taken. */
static void expect_broken(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ring) *self, int err)
{
	EXPECT_EQ(err, vring_pop(&self->vr, &self->c));
	EXPECT_FALSE(self->vr.ready);
	EXPECT_EQ(-EINVAL, vring_pop(&self->vr, &self->c));
	EXPECT_EQ(0, self->vr.last_avail);
}

TEST_F(ring, buffer_in_a_hole)
{
	desc(self, 0, (3 << 19) - 10, 20, 0, 0);	/* ends past region 1 */
	avail(self, 0);
	expect_broken(_metadata, self, -EFAULT);
}

TEST_F(ring, huge_length)
{
	desc(self, 0, 0x1000, 0xffffffffU, 0, 0);
	avail(self, 0);
	expect_broken(_metadata, self, -EFAULT);
}

TEST_F(ring, address_plus_length_wraps)
{
	desc(self, 0, 0xfffffffffffff000ULL, 0x2000, 0, 0);
	avail(self, 0);
	expect_broken(_metadata, self, -EFAULT);
}

TEST_F(ring, loop_of_two)
{
	desc(self, 1, 0x100, 4, VRING_DESC_F_NEXT, 2);
	desc(self, 2, 0x100, 4, VRING_DESC_F_NEXT, 1);
	avail(self, 1);
	expect_broken(_metadata, self, -ELOOP);
}

TEST_F(ring, self_loop_reads_at_most_num_descriptors)
{
	desc(self, 4, 0, 0, VRING_DESC_F_NEXT, 4);
	avail(self, 4);
	self->host.reads = 0;
	expect_broken(_metadata, self, -ELOOP);
	/* avail->idx, the head, then QNUM descriptors */
	EXPECT_EQ(2 + QNUM, self->host.reads);
}

TEST_F(ring, head_out_of_range)
{
	avail(self, QNUM);
	expect_broken(_metadata, self, -EINVAL);
}

TEST_F(ring, next_out_of_range)
{
	desc(self, 1, 0x100, 4, VRING_DESC_F_NEXT, 0xffff);
	avail(self, 1);
	expect_broken(_metadata, self, -EINVAL);
}

TEST_F(ring, avail_index_too_far_ahead)
{
	put16(self->host.buf + AVAIL_OFF + 2, QNUM + 1);
	expect_broken(_metadata, self, -EINVAL);
}

TEST_F(ring, avail_index_exactly_num_ahead)
{
	unsigned int i;

	desc(self, 0, 0x100, 4, 0, 0);
	for (i = 0; i < QNUM; i++)
		avail(self, 0);
	for (i = 0; i < QNUM; i++)
		ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	EXPECT_EQ(0, vring_pop(&self->vr, &self->c));
}

TEST_F(ring, indirect_not_offered)
{
	desc(self, 0, 0x100, 32, VRING_DESC_F_INDIRECT, 0);
	avail(self, 0);
	expect_broken(_metadata, self, -EINVAL);
}

TEST_F(ring, transmit_ring_refuses_writable)
{
	desc(self, 0, 0x100, 12, VRING_DESC_F_NEXT, 1);
	desc(self, 1, 0x200, 64, VRING_DESC_F_WRITE, 0);
	avail(self, 0);
	expect_broken(_metadata, self, -EINVAL);
}

TEST_F(ring, receive_ring_refuses_readable)
{
	ring_init(_metadata, self, VRING_DEVICE_WRITES, 0);
	desc(self, 0, 0x100, 64, 0, 0);
	avail(self, 0);
	expect_broken(_metadata, self, -EINVAL);
}

TEST_F(ring, receive_into_read_only_refused)
{
	ring_init(_metadata, self, VRING_DEVICE_WRITES, 0);
	desc(self, 0, (2 << 20) + 64, 64, VRING_DESC_F_WRITE, 0);
	avail(self, 0);
	expect_broken(_metadata, self, -EFAULT);
}

TEST_F(ring, transmit_from_read_only_allowed)
{
	desc(self, 0, (2 << 20) + 64, 64, 0, 0);
	avail(self, 0);
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	EXPECT_EQ(HOST_BASE + (5 << 19) + 64, self->c.seg[0].uaddr);
}

TEST_F(ring, receive_chain)
{
	ring_init(_metadata, self, VRING_DEVICE_WRITES, 0);
	desc(self, 2, 0x4000, 12, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 6);
	desc(self, 6, 0x5000, 1514, VRING_DESC_F_WRITE, 0);
	avail(self, 2);
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	EXPECT_EQ(2, self->c.nr_seg);
	EXPECT_EQ(1526, self->c.len);
	ASSERT_EQ(0, vring_push(&self->vr, 2, 100));
	EXPECT_EQ(2, get32(self->host.buf + USED_OFF + 4));
	EXPECT_EQ(100, get32(self->host.buf + USED_OFF + 8));
}

TEST_F(ring, too_many_segments)
{
	struct vring_mem many = { .nr = 1 };
	unsigned int i;

	many.region[0] = (struct vring_region){ 0, 1 << 20, HOST_BASE, false };
	ASSERT_EQ(0, vring_setup(&self->vr, &self->host, &many,
				 VRING_DEVICE_READS, 128, HOST_BASE + DESC_OFF,
				 HOST_BASE + AVAIL_OFF, HOST_BASE + USED_OFF, 0));
	for (i = 0; i <= VRING_MAX_IOV; i++)
		desc(self, i, 0x100, 1, VRING_DESC_F_NEXT, i + 1);
	desc(self, VRING_MAX_IOV + 1, 0x100, 1, 0, 0);
	put16(self->host.buf + AVAIL_OFF + 4, 0);
	put16(self->host.buf + AVAIL_OFF + 2, 1);
	EXPECT_EQ(-ENOBUFS, vring_pop(&self->vr, &self->c));
}

TEST_F(ring, index_wrap)
{
	unsigned int i;

	ring_init(_metadata, self, VRING_DEVICE_READS, 0xfffe);
	desc(self, 0, 0x100, 4, 0, 0);
	for (i = 0; i < 4; i++) {
		avail(self, 0);
		ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
		ASSERT_EQ(0, vring_push(&self->vr, 0, 0));
	}
	EXPECT_EQ(2, self->vr.last_avail);
	EXPECT_EQ(2, get16(self->host.buf + USED_OFF + 2));
	/* element 0xfffe went to slot 6, 0x0001 to slot 1 */
	EXPECT_EQ(0, get32(self->host.buf + USED_OFF + 4 + 8 * 6));
	EXPECT_EQ(0, vring_pop(&self->vr, &self->c));
}

TEST_F(ring, ring_outside_memory)
{
	ASSERT_EQ(0, vring_setup(&self->vr, &self->host, &self->mem,
				 VRING_DEVICE_READS, QNUM, HOST_BASE + DESC_OFF,
				 HOST_BASE + HOST_SIZE - 2, HOST_BASE + USED_OFF,
				 0));
	EXPECT_EQ(-EFAULT, vring_pop(&self->vr, &self->c));
	ASSERT_EQ(0, vring_setup(&self->vr, &self->host, &self->mem,
				 VRING_DEVICE_READS, QNUM, HOST_BASE + DESC_OFF,
				 HOST_BASE + AVAIL_OFF, 0x1000, 0));
	EXPECT_EQ(-EFAULT, vring_push(&self->vr, 0, 0));
	EXPECT_FALSE(self->vr.ready);
}

TEST_F(ring, descriptor_rewritten_after_read)
{
	desc(self, 0, 0x100, 64, 0, 0);
	avail(self, 0);
	/* The driver turns the descriptor into a huge chained one. */
	self->host.scribble_at = HOST_BASE + DESC_OFF;
	self->host.scribble_len = 16;
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	EXPECT_EQ(1, self->c.nr_seg);
	EXPECT_EQ(HOST_BASE + 0x100, self->c.seg[0].uaddr);
	EXPECT_EQ(64, self->c.len);
}

TEST_F(ring, avail_index_read_once_per_batch)
{
	desc(self, 0, 0x100, 4, 0, 0);
	avail(self, 0);
	avail(self, 0);
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	/* Moving the index now, beyond any bound, changes nothing yet. */
	put16(self->host.buf + AVAIL_OFF + 2, 0x8000);
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	EXPECT_EQ(-EINVAL, vring_pop(&self->vr, &self->c));
}

TEST_F(ring, unpop_gives_the_chain_again)
{
	desc(self, 1, 0x100, 4, 0, 0);
	avail(self, 1);
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	vring_unpop(&self->vr);
	ASSERT_EQ(1, vring_pop(&self->vr, &self->c));
	EXPECT_EQ(1, self->c.head);
	EXPECT_EQ(0, vring_pop(&self->vr, &self->c));
}

TEST_F(ring, notification_flags)
{
	EXPECT_TRUE(vring_should_notify(&self->vr));
	put16(self->host.buf + AVAIL_OFF, VRING_AVAIL_F_NO_INTERRUPT);
	EXPECT_FALSE(vring_should_notify(&self->vr));

	ASSERT_EQ(0, vring_disable_notify(&self->vr));
	EXPECT_EQ(VRING_USED_F_NO_NOTIFY, get16(self->host.buf + USED_OFF));
	EXPECT_FALSE(vring_enable_notify(&self->vr));
	EXPECT_EQ(0, get16(self->host.buf + USED_OFF));
	desc(self, 0, 0x100, 4, 0, 0);
	avail(self, 0);
	EXPECT_TRUE(vring_enable_notify(&self->vr));
}

TEST(setup_refuses_bad_geometry)
{
	struct vring_mem mem = { 0 };
	struct vring_queue vr;

	EXPECT_EQ(-EINVAL, vring_setup(&vr, NULL, &mem, VRING_DEVICE_READS,
				       0, 0x1000, 0x2000, 0x3000, 0));
	EXPECT_EQ(-EINVAL, vring_setup(&vr, NULL, &mem, VRING_DEVICE_READS,
				       6, 0x1000, 0x2000, 0x3000, 0));
	EXPECT_EQ(-EINVAL, vring_setup(&vr, NULL, &mem, VRING_DEVICE_READS,
				       2 * VRING_MAX_NUM, 0x1000, 0x2000,
				       0x3000, 0));
	EXPECT_EQ(-EINVAL, vring_setup(&vr, NULL, &mem, VRING_DEVICE_READS,
				       8, 0x1008, 0x2000, 0x3000, 0));
	EXPECT_EQ(-EINVAL, vring_setup(&vr, NULL, &mem, VRING_DEVICE_READS,
				       8, 0x1000, 0x2001, 0x3000, 0));
	EXPECT_EQ(-EINVAL, vring_setup(&vr, NULL, &mem, VRING_DEVICE_READS,
				       8, 0x1000, 0x2000, 0x3002, 0));
	EXPECT_EQ(-EINVAL, vring_setup(&vr, NULL, &mem, VRING_DEVICE_READS,
				       8, 0xfffffffffffffff0ULL, 0x2000,
				       0x3000, 0));
	EXPECT_EQ(0, vring_setup(&vr, NULL, &mem, VRING_DEVICE_READS,
				 8, 0x1000, 0x2000, 0x3000, 0));
	EXPECT_FALSE(vring_setup(&vr, NULL, &mem, VRING_DEVICE_READS,
				 8, 0x1000, 0x2000, 0x3000, 0));
}

TEST(memory_table_checked)
{
	struct vring_mem mem = { .nr = 1 };

	mem.region[0] = (struct vring_region){ 0x1000, 0, 0x5000, false };
	EXPECT_EQ(-EINVAL, vring_mem_check(&mem));
	mem.region[0] = (struct vring_region){ ~0ULL - 10, 100, 0x5000, false };
	EXPECT_EQ(-EINVAL, vring_mem_check(&mem));
	mem.region[0] = (struct vring_region){ 0x1000, 100, ~0ULL - 10, false };
	EXPECT_EQ(-EINVAL, vring_mem_check(&mem));
	mem.region[0] = (struct vring_region){ 0x1000, 100, 0x5000, false };
	EXPECT_EQ(0, vring_mem_check(&mem));
	mem.nr = VRING_MAX_REGIONS + 1;
	EXPECT_EQ(-EINVAL, vring_mem_check(&mem));
}

TEST_HARNESS_MAIN
