/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The launcher's vhost backend for virtio-net: one client of Linux's
 * vhost-net UAPI (<linux/vhost.h>) that drives either vmxlab's
 * /dev/vmxlab-net or Linux's /dev/vhost-net, under /dev/vmxlab or
 * /dev/kvm. The launcher keeps the virtio-mmio registers and feature
 * negotiation; on DRIVER_OK it hands the rings over (memory table, ring
 * addresses, the tap as backend), and takes them back before a reset or
 * QueueReady = 0 completes. Kicks reach the kernel through ioeventfds on
 * QueueNotify (datamatch: the queue index); used-buffer interrupts leave
 * it through the call eventfd, which is an irqfd when the IOAPIC is in
 * the kernel, and which the launcher relays otherwise.
 */
#ifndef VMXLAB_USER_VHOST_H
#define VMXLAB_USER_VHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "errbuf.h"

struct vm;
struct virtio_mmio;

#define VHOST_NR_QUEUES		2	/* 0 receive, 1 transmit */

struct vhost_backend {
	const char *path;
	int fd;
	uint64_t features;		/* what the backend offers */
	int kick[VHOST_NR_QUEUES];	/* eventfds: ioeventfds on QueueNotify */
	int call;			/* eventfd: both queues' interrupts */
	int err;			/* eventfd: a queue broke */
	bool irqfd;			/* call is an irqfd on the device's GSI */
	bool running;
	bool ioeventfds;
	uint64_t notify_gpa;		/* QueueNotify's guest-physical address */
};

/*
 * Open @path and become its owner; -1 and a message if it cannot serve
 * (absent, no VERSION_1). @irqfd: wire the call eventfd to @gsi.
 */
int vhost_open(struct vhost_backend *vb, struct vm *vm, const char *path,
	       uint64_t notify_gpa, bool irqfd, unsigned int gsi,
	       struct errbuf *err);

/* Hand the ready queues of @mmio to the backend, with @tap behind them. */
int vhost_start(struct vhost_backend *vb, struct vm *vm,
		struct virtio_mmio *mmio, int tap, struct errbuf *err);

/* Take the rings back: on return the backend no longer touches them. */
void vhost_stop(struct vhost_backend *vb, struct vm *vm);

#endif
