/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A split virtqueue (virtio 1.x, 2.7) processed by the device side, for
 * the launcher's own virtio devices: take the next available descriptor
 * chain as host buffers, give it back in the used ring with the length
 * written. The walking is module/net/vring.c's, the one the module's
 * vhost-style net path uses, so both sides check a hostile ring the same
 * way (bounded chains, each descriptor copied once and checked, buffers
 * only in guest RAM); this file maps guest RAM and the iovecs. One
 * virtqueue is driven by one thread at a time.
 */
#ifndef VMXLAB_USER_VIRTQUEUE_H
#define VMXLAB_USER_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "guest_mem.h"
#include "net/vring.h"

#define VIRTQ_MAX_SIZE		256
#define VIRTQ_MAX_CHAIN		VRING_MAX_IOV

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtqueue {
	const struct guest_mem *mem;
	uint16_t size;			/* power of two, <= VIRTQ_MAX_SIZE */
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	bool ready;
	struct vring_queue vr;		/* the walker's state */
	struct vring_mem vmem;		/* guest RAM, as the walker sees it */
};

struct virtq_chain {
	uint16_t head;
	unsigned int nr_out;		/* device-readable buffers, first */
	unsigned int nr_in;		/* device-writable buffers, after */
	struct iovec iov[VIRTQ_MAX_CHAIN];
	uint64_t out_len;
	uint64_t in_len;
};

/* Checks sizes and that the three rings are in guest RAM. */
int virtq_setup(struct virtqueue *vq, const struct guest_mem *mem,
		uint16_t size, uint64_t desc, uint64_t avail, uint64_t used);

/* 1: a chain was taken; 0: none available; -1: the ring is broken. */
int virtq_pop(struct virtqueue *vq, struct virtq_chain *chain);

/* Return a chain with len bytes written into its in buffers. */
void virtq_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/* Does the driver want an interrupt now (no VIRTQ_AVAIL_F_NO_INTERRUPT)? */
bool virtq_should_notify(struct virtqueue *vq);

#endif
