// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher's virtqueues on module/net/vring.c: guest RAM becomes the
 * walker's memory table (its host addresses are the launcher's own), a
 * chain's segments become iovecs, and the walker's host calls are plain
 * memory accesses (the barriers are in vring.h).
 */
#include <string.h>

#include "virtio/virtqueue.h"

#define DESC_SIZE	16

int vring_host_read(void *host, u64 uaddr, void *buf, u32 len)
{
	memcpy(buf, (const void *)(uintptr_t)uaddr, len);
	return 0;
}

int vring_host_write(void *host, u64 uaddr, const void *buf, u32 len)
{
	memcpy((void *)(uintptr_t)uaddr, buf, len);
	return 0;
}

static void add_region(struct vring_mem *vmem, uint64_t gpa, uint64_t size,
		       void *host)
{
	if (!size)
		return;
	vmem->region[vmem->nr++] = (struct vring_region){
		.gpa = gpa, .size = size, .uaddr = (uintptr_t)host,
	};
}

/* The host address of a ring part, which must lie in guest RAM whole. */
static uint64_t ring_host(const struct guest_mem *mem, uint64_t gpa,
			  uint64_t len)
{
	return (uintptr_t)guest_mem_ptr(mem, gpa, len);
}

int virtq_setup(struct virtqueue *vq, const struct guest_mem *mem,
		uint16_t size, uint64_t desc, uint64_t avail, uint64_t used)
{
	uint64_t d, a, u;

	memset(vq, 0, sizeof(*vq));
	if (size > VIRTQ_MAX_SIZE)
		return -1;
	d = ring_host(mem, desc, (uint64_t)size * DESC_SIZE);
	a = ring_host(mem, avail, 6 + 2 * (uint64_t)size);
	u = ring_host(mem, used, 6 + 8 * (uint64_t)size);
	if (!d || !a || !u)
		return -1;
	add_region(&vq->vmem, 0, mem->low_size, mem->host);
	add_region(&vq->vmem, GUEST_MEM_HIGH_START, mem->size - mem->low_size,
		   mem->host + mem->low_size);
	/* Alignment, a power-of-two size and no wrap: the walker's checks. */
	if (vring_mem_check(&vq->vmem) ||
	    vring_setup(&vq->vr, NULL, &vq->vmem, VRING_DEVICE_BOTH, size, d,
			a, u, 0))
		return -1;
	vq->mem = mem;
	vq->size = size;
	vq->desc_gpa = desc;
	vq->avail_gpa = avail;
	vq->used_gpa = used;
	vq->ready = true;
	return 0;
}

int virtq_pop(struct virtqueue *vq, struct virtq_chain *chain)
{
	struct vring_chain vc;
	unsigned int i;
	int rc;

	if (!vq->ready)
		return 0;
	rc = vring_pop(&vq->vr, &vc);
	if (rc <= 0)
		return rc < 0 ? -1 : 0;
	chain->head = vc.head;
	chain->nr_out = vc.nr_out;
	chain->nr_in = vc.nr_seg - vc.nr_out;
	chain->out_len = chain->in_len = 0;
	for (i = 0; i < vc.nr_seg; i++) {
		chain->iov[i].iov_base = (void *)(uintptr_t)vc.seg[i].uaddr;
		chain->iov[i].iov_len = vc.seg[i].len;
		if (i < vc.nr_out)
			chain->out_len += vc.seg[i].len;
		else
			chain->in_len += vc.seg[i].len;
	}
	return 1;
}

void virtq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	/* A failure leaves the ring broken, and the next pop says so. */
	vring_push(&vq->vr, head, len);
}

bool virtq_should_notify(struct virtqueue *vq)
{
	return vring_should_notify(&vq->vr);
}
