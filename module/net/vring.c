// SPDX-License-Identifier: GPL-2.0
/*
 * The split-virtqueue walker (see vring.h). Layout, little-endian:
 *   desc:  { le64 addr; le32 len; le16 flags; le16 next; } [num]
 *   avail: le16 flags; le16 idx; le16 ring[num]; le16 used_event;
 *   used:  le16 flags; le16 idx; { le32 id; le32 len; } ring[num];
 *          le16 avail_event;
 * As vhost: read what the driver wrote into a local copy once, check
 * the copy, and use only the copy.
 */
#include "vring.h"

#define DESC_SIZE	16
#define USED_ELEM_SIZE	8

static u16 le16_at(const u8 *p)
{
	return p[0] | (u16)p[1] << 8;
}

static u32 le32_at(const u8 *p)
{
	return le16_at(p) | (u32)le16_at(p + 2) << 16;
}

static u64 le64_at(const u8 *p)
{
	return le32_at(p) | (u64)le32_at(p + 4) << 32;
}

static void put_le16_at(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32_at(u8 *p, u32 v)
{
	put_le16_at(p, v);
	put_le16_at(p + 2, v >> 16);
}

/* [addr, addr + len) does not wrap and is not empty. */
static bool range_ok(u64 addr, u64 len)
{
	return len && addr + len > addr;
}

int vring_mem_check(const struct vring_mem *mem)
{
	u32 i;

	if (mem->nr > VRING_MAX_REGIONS)
		return -EINVAL;
	for (i = 0; i < mem->nr; i++) {
		const struct vring_region *r = &mem->region[i];

		if (!range_ok(r->gpa, r->size) || !range_ok(r->uaddr, r->size))
			return -EINVAL;
	}
	return 0;
}

int vring_setup(struct vring_queue *vr, void *host, const struct vring_mem *mem,
		enum vring_dir dir, u16 num, u64 desc, u64 avail, u64 used,
		u16 base)
{
	memset(vr, 0, sizeof(*vr));
	if (!num || num > VRING_MAX_NUM || (num & (num - 1)))
		return -EINVAL;
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -EINVAL;
	if (!range_ok(desc, (u64)num * DESC_SIZE) ||
	    !range_ok(avail, 6 + 2 * (u64)num) ||
	    !range_ok(used, 6 + USED_ELEM_SIZE * (u64)num))
		return -EINVAL;
	vr->host = host;
	vr->mem = mem;
	vr->dir = dir;
	vr->num = num;
	vr->desc = desc;
	vr->avail = avail;
	vr->used = used;
	vr->last_avail = base;
	vr->avail_idx = base;
	vr->used_idx = base;
	vr->ready = true;
	return 0;
}

static int ring_read16(struct vring_queue *vr, u64 uaddr, u16 *val)
{
	u8 b[2];
	int err = vring_host_read(vr->host, uaddr, b, sizeof(b));

	if (!err)
		*val = le16_at(b);
	return err;
}

static int ring_write16(struct vring_queue *vr, u64 uaddr, u16 val)
{
	u8 b[2];

	put_le16_at(b, val);
	return vring_host_write(vr->host, uaddr, b, sizeof(b));
}

static const struct vring_region *region_of(const struct vring_mem *mem,
					    u64 gpa)
{
	u32 i;

	for (i = 0; i < mem->nr; i++) {
		const struct vring_region *r = &mem->region[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

/* Guest [gpa, gpa + len) as host segments appended to @chain. */
static int chain_add(struct vring_queue *vr, struct vring_chain *chain, u64 gpa,
		     u32 len, bool writable)
{
	if (gpa + len < gpa)
		return -EFAULT;
	while (len) {
		const struct vring_region *r = region_of(vr->mem, gpa);
		u64 off, n;

		if (!r || (writable && r->readonly))
			return -EFAULT;
		if (chain->nr_seg == VRING_MAX_IOV)
			return -ENOBUFS;
		off = gpa - r->gpa;
		n = r->size - off < len ? r->size - off : len;
		chain->seg[chain->nr_seg].uaddr = r->uaddr + off;
		chain->seg[chain->nr_seg].len = n;
		chain->nr_seg++;
		chain->len += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/* Read avail->idx (once) when the entries read last time are used up. */
static int avail_refresh(struct vring_queue *vr)
{
	u16 idx;
	int err;

	if (vr->avail_idx != vr->last_avail)
		return 0;
	err = ring_read16(vr, vr->avail + 2, &idx);
	if (err)
		return err;
	if ((u16)(idx - vr->last_avail) > vr->num)
		return -EINVAL;	/* more than the ring holds */
	vr->avail_idx = idx;
	/* The ring entries and descriptors after the index that shows them. */
	vring_host_rmb();
	return 0;
}

/* May a descriptor be writable (or not) at this point of its chain? */
static bool desc_dir_ok(struct vring_queue *vr, bool writable,
			bool after_writable)
{
	switch (vr->dir) {
	case VRING_DEVICE_READS:
		return !writable;
	case VRING_DEVICE_WRITES:
		return writable;
	default:
		return writable || !after_writable;
	}
}

static int chain_walk(struct vring_queue *vr, struct vring_chain *chain, u16 head)
{
	bool after_writable = false;
	u16 i = head;
	u32 count;

	chain->head = head;
	chain->nr_seg = 0;
	chain->nr_out = 0;
	chain->len = 0;
	for (count = 0; count < vr->num; count++) {
		u8 d[DESC_SIZE];
		bool writable;
		u16 flags;
		int err;

		if (i >= vr->num)
			return -EINVAL;
		err = vring_host_read(vr->host, vr->desc + (u64)i * DESC_SIZE,
				      d, sizeof(d));
		if (err)
			return err;
		flags = le16_at(d + 12);
		writable = flags & VRING_DESC_F_WRITE;
		if (flags & VRING_DESC_F_INDIRECT)
			return -EINVAL;		/* not offered */
		if (!desc_dir_ok(vr, writable, after_writable))
			return -EINVAL;
		err = chain_add(vr, chain, le64_at(d), le32_at(d + 8),
				writable);
		if (err)
			return err;
		if (!writable)
			chain->nr_out = chain->nr_seg;
		after_writable |= writable;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = le16_at(d + 14);
	}
	return -ELOOP;			/* longer than the table: a loop */
}

int vring_load_used_idx(struct vring_queue *vr)
{
	return ring_read16(vr, vr->used + 2, &vr->used_idx);
}

int vring_pop(struct vring_queue *vr, struct vring_chain *chain)
{
	u16 head;
	int err;

	if (!vr->ready)
		return -EINVAL;
	err = avail_refresh(vr);
	if (!err && vr->avail_idx == vr->last_avail)
		return 0;
	if (!err)
		err = ring_read16(vr, vr->avail + 4 +
				  2 * (u64)(vr->last_avail & (vr->num - 1)),
				  &head);
	if (!err)
		err = chain_walk(vr, chain, head);
	if (err) {
		vr->ready = false;
		return err;
	}
	vr->last_avail++;
	return 1;
}

void vring_unpop(struct vring_queue *vr)
{
	vr->last_avail--;
}

int vring_push(struct vring_queue *vr, u16 head, u32 len)
{
	u8 elem[USED_ELEM_SIZE];
	u64 at = vr->used + 4 +
		 USED_ELEM_SIZE * (u64)(vr->used_idx & (vr->num - 1));
	int err;

	put_le32_at(elem, head);
	put_le32_at(elem + 4, len);
	err = vring_host_write(vr->host, at, elem, sizeof(elem));
	/* The element before the index that publishes it. */
	vring_host_wmb();
	if (!err)
		err = ring_write16(vr, vr->used + 2, vr->used_idx + 1);
	if (err) {
		vr->ready = false;
		return err;
	}
	vr->used_idx++;
	return 0;
}

bool vring_should_notify(struct vring_queue *vr)
{
	u16 flags;

	/* The used index written before the driver's flags are read. */
	vring_host_mb();
	if (ring_read16(vr, vr->avail, &flags))
		return true;		/* an interrupt never hurts */
	return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

int vring_disable_notify(struct vring_queue *vr)
{
	return ring_write16(vr, vr->used, VRING_USED_F_NO_NOTIFY);
}

bool vring_enable_notify(struct vring_queue *vr)
{
	u16 idx;

	if (ring_write16(vr, vr->used, 0))
		return false;
	/* Flag cleared before looking again, or a kick could be missed. */
	vring_host_mb();
	if (ring_read16(vr, vr->avail + 2, &idx))
		return true;		/* let vring_pop() see the fault */
	return idx != vr->last_avail;
}
