// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue: descriptor table, available ring, used ring.
 *   desc:  { le64 addr; le32 len; le16 flags; le16 next; } [size]
 *   avail: le16 flags; le16 idx; le16 ring[size]; (le16 used_event)
 *   used:  le16 flags; le16 idx; { le32 id; le32 len; } ring[size];
 */
#include <string.h>

#include "le.h"
#include "virtio/virtqueue.h"

#define DESC_SIZE	16

int virtq_setup(struct virtqueue *vq, const struct guest_mem *mem,
		uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
	memset(vq, 0, sizeof(*vq));
	if (!size || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return -1;
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -1;
	if (!guest_mem_ptr(mem, desc, (uint64_t)size * DESC_SIZE) ||
	    !guest_mem_ptr(mem, avail, 6 + 2 * (uint64_t)size) ||
	    !guest_mem_ptr(mem, used, 6 + 8 * (uint64_t)size))
		return -1;
	vq->mem = mem;
	vq->size = size;
	vq->desc_gpa = desc;
	vq->avail_gpa = avail;
	vq->used_gpa = used;
	vq->ready = true;
	return 0;
}

static uint16_t avail_idx(const struct virtqueue *vq)
{
	const uint8_t *p = guest_mem_ptr(vq->mem, vq->avail_gpa + 2, 2);

	return __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE);
}

int virtq_pop(struct virtqueue *vq, struct virtq_chain *chain)
{
	const uint8_t *ring;
	uint16_t idx, next;
	unsigned int count = 0;

	if (!vq->ready)
		return 0;
	idx = avail_idx(vq);
	if (idx == vq->last_avail)
		return 0;
	if ((uint16_t)(idx - vq->last_avail) > vq->size)
		return -1;		/* the driver claims more than the ring holds */

	ring = guest_mem_ptr(vq->mem, vq->avail_gpa + 4, 2 * vq->size);
	chain->head = get_le16(ring + 2 * (vq->last_avail % vq->size));
	if (chain->head >= vq->size)
		return -1;
	chain->nr_out = chain->nr_in = 0;
	chain->out_len = chain->in_len = 0;

	next = chain->head;
	for (;;) {
		const uint8_t *d = guest_mem_ptr(vq->mem,
						 vq->desc_gpa + DESC_SIZE * next,
						 DESC_SIZE);
		uint64_t addr = get_le64(d);
		uint32_t len = get_le32(d + 8);
		uint16_t flags = get_le16(d + 12);
		struct iovec *iov;
		void *host;

		if (count == VIRTQ_MAX_CHAIN || (flags & VIRTQ_DESC_F_INDIRECT))
			return -1;
		host = guest_mem_ptr(vq->mem, addr, len);
		if (!host && len)
			return -1;
		if (flags & VIRTQ_DESC_F_WRITE) {
			chain->in_len += len;
			chain->nr_in++;
		} else {
			if (chain->nr_in)
				return -1;	/* readable after writable */
			chain->out_len += len;
			chain->nr_out++;
		}
		iov = &chain->iov[count++];
		iov->iov_base = host;
		iov->iov_len = len;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			break;
		next = get_le16(d + 14);
		if (next >= vq->size)
			return -1;
	}
	vq->last_avail++;
	return 1;
}

void virtq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	uint8_t *used = guest_mem_ptr(vq->mem, vq->used_gpa,
				      4 + 8 * (uint64_t)vq->size);
	uint8_t *elem = used + 4 + 8 * (vq->used_idx % vq->size);

	put_le32(elem, head);
	put_le32(elem + 4, len);
	vq->used_idx++;
	/* the entry must be visible before the index that publishes it */
	__atomic_store_n((uint16_t *)(used + 2), vq->used_idx, __ATOMIC_RELEASE);
}

bool virtq_should_notify(const struct virtqueue *vq)
{
	const uint8_t *p = guest_mem_ptr(vq->mem, vq->avail_gpa, 2);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(get_le16(p) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}
