/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A split virtqueue (virtio 1.x, 2.7) processed by the device side: take
 * the next available descriptor chain as host buffers, give it back in
 * the used ring with the length written. Guest memory is untrusted: each
 * descriptor is bounds-checked, chains are limited in length (no loops),
 * and a bad chain is reported rather than followed. Portable; one
 * virtqueue is driven by one thread at a time.
 */
#ifndef VMXLAB_USER_VIRTQUEUE_H
#define VMXLAB_USER_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "guest_mem.h"

#define VIRTQ_MAX_SIZE		256
#define VIRTQ_MAX_CHAIN		64

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
	uint16_t last_avail;		/* next avail entry to take */
	uint16_t used_idx;		/* next used entry to fill */
	bool ready;
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
bool virtq_should_notify(const struct virtqueue *vq);

#endif
