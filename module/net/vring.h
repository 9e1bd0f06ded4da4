/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device side of a split virtqueue (virtio 1.x, 2.7), for the
 * vhost-style net path: take the next chain the driver made available as
 * a list of host (user) address segments, give it back in the used ring.
 *
 * Portable, like module/irq/: built into vmxlab.ko (module/net/vhost.c,
 * whose host reads and writes are copy_from_user/copy_to_user on the
 * owner's mm), into the launcher (user/virtio/virtqueue.c, its own
 * virtio devices' rings, on the launcher's own memory) and into host
 * unit tests (tests/unit/test_vring.c, over a bounded buffer). The host
 * supplies the functions at the end (a host process has its barriers
 * here).
 *
 * Every ring is hostile. avail->idx is read once per batch and may run at
 * most @num entries ahead; every head and next is below @num; a chain has
 * at most @num descriptors; each descriptor is copied once and only the
 * copy is used; every buffer is translated through the memory table with
 * overflow-checked arithmetic (it may span regions; a writable one never
 * lands in a read-only region); a device-read ring takes readable
 * descriptors only, a device-write ring writable ones only, and any other
 * ring readable ones before writable ones (virtio 1.x, 2.7.4); indirect
 * descriptors are not offered, so one is an error. Any of these, or a
 * failed access, is a negative errno and the ring is broken until it is
 * set up again.
 */
#ifndef VMXLAB_NET_VRING_H
#define VMXLAB_NET_VRING_H

#include "../portable.h"

#define VRING_MAX_NUM		1024	/* the largest queue accepted */
#define VRING_MAX_REGIONS	64	/* as vhost's default max_mem_regions */
#define VRING_MAX_IOV		64	/* segments of one chain */

#define VRING_DESC_F_NEXT	1
#define VRING_DESC_F_WRITE	2
#define VRING_DESC_F_INDIRECT	4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY	1

/* Guest-physical [gpa, gpa + size) is host (user) [uaddr, uaddr + size). */
struct vring_region {
	u64 gpa;
	u64 size;
	u64 uaddr;
	bool readonly;
};

struct vring_mem {
	u32 nr;
	struct vring_region region[VRING_MAX_REGIONS];
};

/* Which buffers a ring carries, seen from the device. */
enum vring_dir {
	VRING_DEVICE_READS,	/* transmit: the driver's data to the device */
	VRING_DEVICE_WRITES,	/* receive: buffers the device fills */
	VRING_DEVICE_BOTH,	/* any device: readable first, then writable */
};

struct vring_queue {
	void *host;			/* passed to the vring_host_* calls */
	const struct vring_mem *mem;
	enum vring_dir dir;
	u16 num;
	u64 desc, avail, used;		/* host addresses of the three parts */
	u16 last_avail;			/* next avail entry to take */
	u16 avail_idx;			/* avail->idx as last read */
	u16 used_idx;			/* next used entry to fill */
	bool ready;			/* set up and not broken */
};

struct vring_seg {
	u64 uaddr;
	u32 len;
};

struct vring_chain {
	u16 head;
	u32 nr_seg;
	u32 nr_out;			/* of them, from readable descriptors */
	u64 len;			/* bytes in all segments */
	struct vring_seg seg[VRING_MAX_IOV];
};

/* 0, or -EINVAL for a table with an empty, wrapping or excess region. */
int vring_mem_check(const struct vring_mem *mem);

/*
 * Sizes and alignments checked (num a power of two up to VRING_MAX_NUM;
 * desc 16, avail 2, used 4 bytes aligned; no part wraps the address
 * space). The ring starts at entry @base of both rings. 0 or -EINVAL.
 */
int vring_setup(struct vring_queue *vr, void *host, const struct vring_mem *mem,
		enum vring_dir dir, u16 num, u64 desc, u64 avail, u64 used,
		u16 base);

/*
 * Take the used index the driver sees (used->idx), as vhost does when a
 * ring starts: entries the device took but never returned are not
 * skipped. 0 or -EFAULT.
 */
int vring_load_used_idx(struct vring_queue *vr);
/* 1: a chain was taken; 0: none is available; < 0: the ring is broken. */
int vring_pop(struct vring_queue *vr, struct vring_chain *chain);
/* Put back the chain vring_pop() gave last (nothing to put in it). */
void vring_unpop(struct vring_queue *vr);
/* Return a chain with @len bytes written into it: 0 or -EFAULT. */
int vring_push(struct vring_queue *vr, u16 head, u32 len);
/* After pushes: does the driver want an interrupt? */
bool vring_should_notify(struct vring_queue *vr);
/*
 * Ask the driver not to notify while the device is busy, and to notify
 * again; vring_enable_notify() says whether entries came meanwhile.
 */
int vring_disable_notify(struct vring_queue *vr);
bool vring_enable_notify(struct vring_queue *vr);

/* The host: copy from and to host addresses (0 or -EFAULT), barriers. */
int vring_host_read(void *host, u64 uaddr, void *buf, u32 len);
int vring_host_write(void *host, u64 uaddr, const void *buf, u32 len);
#ifdef VMXLAB_HOST
/* A host process (the launcher, unit tests): the compiler's fences. */
static inline void vring_host_mb(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void vring_host_rmb(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

static inline void vring_host_wmb(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}
#else
void vring_host_mb(void);	/* full barrier */
void vring_host_rmb(void);	/* reads before later reads */
void vring_host_wmb(void);	/* writes before later writes */
#endif

#endif
