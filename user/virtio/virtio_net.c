// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net on virtio-mmio: --net tap=NAME[,backend=user|vmxlab|vhost-net].
 *
 * One device at VIRTIO_NET_MMIO_BASE, interrupt on GSI VIRTIO_NET_GSI,
 * described to the guest in the ACPI DSDT (LNRO0005), since Debian's
 * kernel ignores virtio_mmio.device= on its command line. Queue 0 is
 * receive, queue 1 transmit; every frame carries the 12-byte virtio 1.x
 * net header, which the tap (IFF_VNET_HDR) reads and writes as is. No
 * offloads: features are VERSION_1 and MAC only.
 *
 * With the user backend the data path is here: transmit runs on the
 * vCPU thread that writes QueueNotify; receive runs on a thread that
 * waits for frames on the tap and for buffers from the driver. With a
 * vhost backend (vmxlab's /dev/vmxlab-net or Linux's /dev/vhost-net,
 * user/virtio/vhost.c) the rings are served in the kernel from
 * DRIVER_OK until a reset, and a thread here only relays the backend's
 * interrupts (when no irqfd can) and its errors. One mutex serialises
 * registers and queues.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "firmware/acpi.h"
#include "devices/device.h"
#include "irqchip/irqchip.h"
#include "virtio/tap.h"
#include "virtio/vhost.h"
#include "virtio/virtio_mmio.h"
#include "vm.h"

#define VIRTIO_ID_NET		1
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_HDR_SIZE	12
#define VIRTIO_NET_MMIO_BASE	0xd0000000ULL
#define VIRTIO_NET_GSI		5
#define VIRTIO_NET_QUEUE_SIZE	256
#define RXQ			0
#define TXQ			1

static const uint8_t net_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct virtio_net {
	pthread_mutex_t lock;
	pthread_cond_t rx_buffers;	/* the driver gave receive buffers */
	struct virtio_mmio mmio;
	struct vm *vm;
	int tap;
	enum net_backend backend;	/* never AUTO once set up */
	struct vhost_backend vhost;
};

static struct virtio_net *to_net(struct virtio_mmio *mmio)
{
	return mmio->opaque;
}

static uint32_t net_config_read(struct virtio_mmio *mmio, uint32_t offset,
				unsigned int len)
{
	uint32_t val = 0;
	unsigned int i;

	for (i = 0; i < len && offset + i < sizeof(net_mac); i++)
		val |= (uint32_t)net_mac[offset + i] << (8 * i);
	return val;
}

static void net_transmit(struct virtio_net *net)
{
	struct virtqueue *vq = &net->mmio.vq[TXQ];
	struct virtq_chain chain;
	bool sent = false;
	int rc;

	while ((rc = virtq_pop(vq, &chain)) > 0) {
		if (chain.nr_out &&
		    writev(net->tap, chain.iov, chain.nr_out) < 0 &&
		    errno != EAGAIN)
			fprintf(stderr, "vmxlab: virtio-net: tap write: %s\n",
				strerror(errno));
		virtq_push(vq, chain.head, 0);
		sent = true;
	}
	if (rc < 0)
		net->mmio.status |= VIRTIO_STATUS_NEEDS_RESET;
	if (sent && virtq_should_notify(vq))
		virtio_mmio_signal_used(&net->mmio);
}

/* The rings are in the kernel: a kick that reached us goes on there. */
static void net_forward_kick(struct virtio_net *net, unsigned int queue)
{
	uint64_t one = 1;

	if (net->vhost.running && queue < VHOST_NR_QUEUES &&
	    write(net->vhost.kick[queue], &one, sizeof(one)) < 0)
		fprintf(stderr, "vmxlab: virtio-net: kick: %s\n", strerror(errno));
}

static void net_notify(struct virtio_mmio *mmio, unsigned int queue)
{
	if (to_net(mmio)->backend != NET_BACKEND_USER)
		net_forward_kick(to_net(mmio), queue);
	else if (queue == TXQ)
		net_transmit(to_net(mmio));
	else
		pthread_cond_broadcast(&to_net(mmio)->rx_buffers);
}

static void net_set_irq(struct virtio_mmio *mmio, bool level)
{
	/* With an irqfd the kernel pulses the line; leave it alone. */
	if (!to_net(mmio)->vhost.irqfd)
		irqchip_set_line(to_net(mmio)->vm, VIRTIO_NET_GSI, level);
}

/* DRIVER_OK: hand the rings to the kernel backend. */
static void net_driver_ok(struct virtio_mmio *mmio)
{
	struct virtio_net *net = to_net(mmio);
	struct errbuf err;

	if (net->backend == NET_BACKEND_USER)
		return;
	if (vhost_start(&net->vhost, net->vm, mmio, net->tap, &err)) {
		fprintf(stderr, "vmxlab: virtio-net: %s\n", err.msg);
		mmio->status |= VIRTIO_STATUS_NEEDS_RESET;
		return;
	}
	/* The interrupts bypass us: InterruptStatus must not read 0. */
	if (net->vhost.irqfd)
		mmio->interrupt_sticky = VIRTIO_INT_USED_BUFFER;
}

/* A reset or QueueReady = 0: take the rings back before it completes. */
static void net_reset(struct virtio_mmio *mmio)
{
	struct virtio_net *net = to_net(mmio);

	if (net->backend != NET_BACKEND_USER)
		vhost_stop(&net->vhost, net->vm);
}

static void net_queue_stop(struct virtio_mmio *mmio, unsigned int queue)
{
	net_reset(mmio);
}

static const struct virtio_device_ops net_ops = {
	.device_id = VIRTIO_ID_NET,
	.features = 1ULL << VIRTIO_NET_F_MAC,
	.nr_queues = 2,
	.queue_size_max = VIRTIO_NET_QUEUE_SIZE,
	.config_read = net_config_read,
	.notify = net_notify,
	.driver_ok = net_driver_ok,
	.reset = net_reset,
	.queue_stop = net_queue_stop,
	.set_irq = net_set_irq,
};

/* Called with net->lock held: wait for a receive buffer; false to stop. */
static bool net_rx_wait(struct virtio_net *net, struct virtq_chain *chain)
{
	int rc = 0;

	while (!vm_is_stopping(net->vm) &&
	       (!virtio_mmio_driver_ok(&net->mmio) ||
		(rc = virtq_pop(&net->mmio.vq[RXQ], chain)) == 0))
		pthread_cond_wait(&net->rx_buffers, &net->lock);
	return !vm_is_stopping(net->vm) && rc >= 0;
}

static void *net_rx_thread(void *arg)
{
	struct virtio_net *net = arg;
	struct virtq_chain chain;
	struct pollfd pfd = { .fd = net->tap, .events = POLLIN };
	struct virtqueue *rxq = &net->mmio.vq[RXQ];
	ssize_t n;

	pthread_setname_np(pthread_self(), "virtio-net-rx");
	while (!vm_is_stopping(net->vm)) {
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		pthread_mutex_lock(&net->lock);
		if (!net_rx_wait(net, &chain)) {
			pthread_mutex_unlock(&net->lock);
			break;
		}
		n = readv(net->tap, chain.iov + chain.nr_out, chain.nr_in);
		virtq_push(rxq, chain.head, n > 0 ? n : 0);
		if (virtq_should_notify(rxq))
			virtio_mmio_signal_used(&net->mmio);
		pthread_mutex_unlock(&net->lock);
	}
	return NULL;
}

static void net_io(void *opaque, uint64_t offset, uint8_t *data,
		   unsigned int len, bool is_write)
{
	struct virtio_net *net = opaque;

	pthread_mutex_lock(&net->lock);
	if (is_write)
		virtio_mmio_write(&net->mmio, offset, len,
				  io_data_get(data, len));
	else
		io_data_put(data, len, virtio_mmio_read(&net->mmio, offset,
							len));
	pthread_mutex_unlock(&net->lock);
}

/*
 * The kernel backend's events: interrupts to relay when the call eventfd
 * is not an irqfd, and a queue that broke (DEVICE_NEEDS_RESET, then a
 * configuration interrupt, as virtio 1.x 2.1.2 says).
 */
static void *net_vhost_thread(void *arg)
{
	struct virtio_net *net = arg;
	struct pollfd pfd[2] = {
		{ .fd = net->vhost.err, .events = POLLIN },
		{ .fd = net->vhost.call, .events = POLLIN },
	};
	nfds_t n = net->vhost.irqfd ? 1 : 2;
	uint64_t count;

	pthread_setname_np(pthread_self(), "virtio-net-vhost");
	while (!vm_is_stopping(net->vm)) {
		if (poll(pfd, n, 200) <= 0)
			continue;
		pthread_mutex_lock(&net->lock);
		if ((pfd[0].revents & POLLIN) &&
		    read(net->vhost.err, &count, sizeof(count)) > 0) {
			fprintf(stderr, "vmxlab: virtio-net: the guest broke a queue; the device needs a reset\n");
			net->mmio.status |= VIRTIO_STATUS_NEEDS_RESET;
			net->mmio.interrupt_status |= VIRTIO_INT_CONFIG;
			irqchip_set_line(net->vm, VIRTIO_NET_GSI, 1);
			if (net->vhost.irqfd)
				irqchip_set_line(net->vm, VIRTIO_NET_GSI, 0);
		}
		if (n > 1 && (pfd[1].revents & POLLIN) &&
		    read(net->vhost.call, &count, sizeof(count)) > 0)
			virtio_mmio_signal_used(&net->mmio);
		pthread_mutex_unlock(&net->lock);
	}
	return NULL;
}

static void net_backend_close(struct virtio_net *net)
{
	int *fds[] = { &net->vhost.fd, &net->vhost.call, &net->vhost.err,
		       &net->vhost.kick[0], &net->vhost.kick[1] };
	unsigned int i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static const char *const vhost_paths[] = {
	[NET_BACKEND_VMXLAB] = "/dev/vmxlab-net",
	[NET_BACKEND_VHOST_NET] = "/dev/vhost-net",
};

/* The backend asked for, or the first kernel one that opens. */
static int net_backend_open(struct virtio_net *net, struct vm *vm,
			    struct errbuf *err)
{
	bool irqfd = vm->opts->irqchip == IRQCHIP_KERNEL;
	enum net_backend b = vm->opts->net_backend;
	uint64_t notify = VIRTIO_NET_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY;

	if (b == NET_BACKEND_USER)
		return 0;
	if (b != NET_BACKEND_AUTO) {
		net->backend = b;
		return vhost_open(&net->vhost, vm, vhost_paths[b], notify,
				  irqfd, VIRTIO_NET_GSI, err);
	}
	for (b = NET_BACKEND_VMXLAB; b <= NET_BACKEND_VHOST_NET; b++) {
		if (!vhost_open(&net->vhost, vm, vhost_paths[b], notify, irqfd,
				VIRTIO_NET_GSI, err)) {
			net->backend = b;
			return 0;
		}
		net_backend_close(net);
	}
	net->backend = NET_BACKEND_USER;
	return 0;
}

static void net_say_backend(struct virtio_net *net, struct vm *vm)
{
	if (net->backend == NET_BACKEND_USER) {
		fprintf(stderr, "vmxlab: virtio-net on tap %s: backend user (rings served by the launcher)\n",
			vm->opts->tap);
		return;
	}
	fprintf(stderr, "vmxlab: virtio-net on tap %s: backend %s (%s), kicks by ioeventfd, interrupts %s\n",
		vm->opts->tap, net_backend_name(net->backend), net->vhost.path,
		net->vhost.irqfd ? "by irqfd" : "relayed by the launcher");
}

static int virtio_net_init(struct vm *vm, void *dev, struct errbuf *err)
{
	struct virtio_net *net = dev;
	pthread_t thread;
	void *(*fn)(void *);

	if (!vm->opts->tap)
		return DEVICE_ABSENT;
	pthread_mutex_init(&net->lock, NULL);
	pthread_cond_init(&net->rx_buffers, NULL);
	net->vm = vm;
	net->backend = NET_BACKEND_USER;
	net->vhost.fd = -1;
	net->tap = tap_open(vm->opts->tap, VIRTIO_NET_HDR_SIZE, err);
	if (net->tap < 0)
		return -1;
	if (net_backend_open(net, vm, err))
		return -1;
	net_say_backend(net, vm);
	virtio_mmio_init(&net->mmio, &net_ops, &vm->mem, net);
	if (io_bus_register(&vm->bus, IO_SPACE_MMIO, VIRTIO_NET_MMIO_BASE,
			    VIRTIO_MMIO_SIZE, net_io, net, "virtio-net", err))
		return -1;
	fn = net->backend == NET_BACKEND_USER ? net_rx_thread : net_vhost_thread;
	if (pthread_create(&thread, NULL, fn, net))
		return errbuf_set(err, "virtio-net: cannot start its thread");
	pthread_detach(thread);
	return 0;
}

/* Debian's kernel finds virtio-mmio devices only through the DSDT. */
static void virtio_net_acpi(struct vm *vm, void *dev, struct acpi_config *cfg)
{
	if (cfg->nr_virtio >= ACPI_MAX_VIRTIO)
		return;
	cfg->virtio[cfg->nr_virtio++] = (struct acpi_virtio_mmio){
		.base = VIRTIO_NET_MMIO_BASE,
		.size = VIRTIO_MMIO_SIZE,
		.gsi = VIRTIO_NET_GSI,
	};
}

DEVICE_REGISTER(virtio_net, DEVICE_LEVEL_OPTIONAL,
		.size = sizeof(struct virtio_net),
		.init = virtio_net_init, .acpi = virtio_net_acpi);
