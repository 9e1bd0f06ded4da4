// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost backend (see vhost.h): the ioctl sequence is the one QEMU
 * and kvmtool use, so that vmxlab's device and Linux's are driven the
 * same way: SET_OWNER, GET_FEATURES, then per start SET_FEATURES,
 * SET_MEM_TABLE, and per queue SET_VRING_NUM, _ADDR, _BASE and
 * NET_SET_BACKEND; kick, call and err eventfds are given once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/vhost.h>

#include "virtio/vhost.h"
#include "virtio/virtio_mmio.h"
#include "vm.h"

static int vhost_ioctl(struct vhost_backend *vb, unsigned long req, void *arg,
		       const char *what, struct errbuf *err)
{
	if (ioctl(vb->fd, req, arg) < 0)
		return errbuf_set(err, "%s: %s: %s", vb->path, what,
				  strerror(errno));
	return 0;
}

static int vhost_vring_file(struct vhost_backend *vb, unsigned long req,
			    unsigned int index, int fd, const char *what,
			    struct errbuf *err)
{
	struct vhost_vring_file f = { .index = index, .fd = fd };

	return vhost_ioctl(vb, req, &f, what, err);
}

static int vhost_eventfds(struct vhost_backend *vb, struct vm *vm,
			  bool irqfd, unsigned int gsi, struct errbuf *err)
{
	unsigned int q;

	vb->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vb->err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (q = 0; q < VHOST_NR_QUEUES; q++)
		vb->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vb->call < 0 || vb->err < 0 || vb->kick[0] < 0 || vb->kick[1] < 0)
		return errbuf_set(err, "eventfd: %s", strerror(errno));
	for (q = 0; q < VHOST_NR_QUEUES; q++)
		if (vhost_vring_file(vb, VHOST_SET_VRING_KICK, q, vb->kick[q],
				     "VHOST_SET_VRING_KICK", err) ||
		    vhost_vring_file(vb, VHOST_SET_VRING_CALL, q, vb->call,
				     "VHOST_SET_VRING_CALL", err) ||
		    vhost_vring_file(vb, VHOST_SET_VRING_ERR, q, vb->err,
				     "VHOST_SET_VRING_ERR", err))
			return -1;
	if (irqfd) {
		struct kvm_irqfd args = { .fd = vb->call, .gsi = gsi };

		if (ioctl(vm->fd, KVM_IRQFD, &args) < 0)
			return errbuf_set(err, "KVM_IRQFD for virtio-net: %s",
					  strerror(errno));
		vb->irqfd = true;
	}
	return 0;
}

int vhost_open(struct vhost_backend *vb, struct vm *vm, const char *path,
	       uint64_t notify_gpa, bool irqfd, unsigned int gsi,
	       struct errbuf *err)
{
	memset(vb, 0, sizeof(*vb));
	vb->path = path;
	vb->notify_gpa = notify_gpa;
	vb->call = vb->err = vb->kick[0] = vb->kick[1] = -1;
	vb->fd = open(path, O_RDWR | O_CLOEXEC);
	if (vb->fd < 0)
		return errbuf_set(err, "cannot open %s: %s", path,
				  strerror(errno));
	if (vhost_ioctl(vb, VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER", err) ||
	    vhost_ioctl(vb, VHOST_GET_FEATURES, &vb->features,
			"VHOST_GET_FEATURES", err))
		return -1;
	if (!(vb->features & (1ULL << VIRTIO_F_VERSION_1)))
		return errbuf_set(err, "%s does not offer VIRTIO_F_VERSION_1",
				  path);
	return vhost_eventfds(vb, vm, irqfd, gsi, err);
}

/* Guest RAM as the backend's memory table: the two slots of vm.c. */
static int vhost_set_mem(struct vhost_backend *vb, const struct guest_mem *mem,
			 struct errbuf *err)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region region[2];
	} table = { 0 };
	unsigned int n = 0;

	table.region[n++] = (struct vhost_memory_region){
		.guest_phys_addr = 0,
		.memory_size = mem->low_size,
		.userspace_addr = (uintptr_t)mem->host,
	};
	if (mem->size > mem->low_size)
		table.region[n++] = (struct vhost_memory_region){
			.guest_phys_addr = GUEST_MEM_HIGH_START,
			.memory_size = mem->size - mem->low_size,
			.userspace_addr = (uintptr_t)mem->host + mem->low_size,
		};
	table.hdr.nregions = n;
	return vhost_ioctl(vb, VHOST_SET_MEM_TABLE, &table,
			   "VHOST_SET_MEM_TABLE", err);
}

static int vhost_ioeventfd(struct vhost_backend *vb, struct vm *vm,
			   unsigned int q, bool assign, struct errbuf *err)
{
	struct kvm_ioeventfd args = {
		.datamatch = q,
		.addr = vb->notify_gpa,
		.len = 4,
		.fd = vb->kick[q],
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	if (ioctl(vm->fd, KVM_IOEVENTFD, &args) < 0)
		return errbuf_set(err, "KVM_IOEVENTFD on QueueNotify: %s",
				  strerror(errno));
	return 0;
}

static int vhost_start_queue(struct vhost_backend *vb,
			     const struct virtqueue *vq, unsigned int q,
			     int tap, struct errbuf *err)
{
	struct vhost_vring_state num = { .index = q, .num = vq->size };
	struct vhost_vring_state base = { .index = q, .num = 0 };
	struct vhost_vring_addr addr = {
		.index = q,
		.desc_user_addr = (uintptr_t)guest_mem_ptr(vq->mem, vq->desc_gpa, 1),
		.avail_user_addr = (uintptr_t)guest_mem_ptr(vq->mem, vq->avail_gpa, 1),
		.used_user_addr = (uintptr_t)guest_mem_ptr(vq->mem, vq->used_gpa, 1),
	};

	return vhost_ioctl(vb, VHOST_SET_VRING_NUM, &num, "VHOST_SET_VRING_NUM", err) ||
	       vhost_ioctl(vb, VHOST_SET_VRING_ADDR, &addr, "VHOST_SET_VRING_ADDR", err) ||
	       vhost_ioctl(vb, VHOST_SET_VRING_BASE, &base, "VHOST_SET_VRING_BASE", err) ||
	       vhost_vring_file(vb, VHOST_NET_SET_BACKEND, q, tap,
				"VHOST_NET_SET_BACKEND", err) ? -1 : 0;
}

int vhost_start(struct vhost_backend *vb, struct vm *vm,
		struct virtio_mmio *mmio, int tap, struct errbuf *err)
{
	uint64_t features = mmio->driver_features & vb->features;
	unsigned int q;

	if (vb->running)
		return 0;
	if (vhost_ioctl(vb, VHOST_SET_FEATURES, &features,
			"VHOST_SET_FEATURES", err) ||
	    vhost_set_mem(vb, &vm->mem, err))
		return -1;
	vb->running = true;
	for (q = 0; q < VHOST_NR_QUEUES; q++) {
		if (!mmio->vq[q].ready)
			continue;
		if (vhost_start_queue(vb, &mmio->vq[q], q, tap, err)) {
			vhost_stop(vb, vm);
			return -1;
		}
	}
	for (q = 0; q < VHOST_NR_QUEUES; q++)
		if (vhost_ioeventfd(vb, vm, q, true, err)) {
			vhost_stop(vb, vm);
			return -1;
		}
	vb->ioeventfds = true;
	return 0;
}

void vhost_stop(struct vhost_backend *vb, struct vm *vm)
{
	struct errbuf err;
	unsigned int q;

	if (!vb->running)
		return;
	for (q = 0; q < VHOST_NR_QUEUES; q++)
		if (vhost_vring_file(vb, VHOST_NET_SET_BACKEND, q, -1,
				     "VHOST_NET_SET_BACKEND", &err) &&
		    errno != EFAULT)
			fprintf(stderr, "vmxlab: virtio-net: %s\n", err.msg);
	if (vb->ioeventfds)
		for (q = 0; q < VHOST_NR_QUEUES; q++)
			vhost_ioeventfd(vb, vm, q, false, &err);
	vb->ioeventfds = false;
	vb->running = false;
}
