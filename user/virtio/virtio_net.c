// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net on virtio-mmio, data path in the launcher: --net tap=NAME.
 *
 * One device at VIRTIO_NET_MMIO_BASE, interrupt on GSI VIRTIO_NET_GSI,
 * described to the guest in the ACPI DSDT (LNRO0005), since Debian's
 * kernel ignores virtio_mmio.device= on its command line. Queue 0 is
 * receive, queue 1 transmit; every frame carries the 12-byte virtio 1.x
 * net header, which the tap (IFF_VNET_HDR) reads and writes as is. No
 * offloads: features are VERSION_1 and MAC only.
 *
 * Transmit runs on the vCPU thread that writes QueueNotify; receive runs
 * on a thread that waits for frames on the tap and for buffers from the
 * driver. One mutex serialises registers and queues.
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

static void net_notify(struct virtio_mmio *mmio, unsigned int queue)
{
	if (queue == TXQ)
		net_transmit(to_net(mmio));
	else
		pthread_cond_broadcast(&to_net(mmio)->rx_buffers);
}

static void net_set_irq(struct virtio_mmio *mmio, bool level)
{
	irqchip_set_line(to_net(mmio)->vm, VIRTIO_NET_GSI, level);
}

static const struct virtio_device_ops net_ops = {
	.device_id = VIRTIO_ID_NET,
	.features = 1ULL << VIRTIO_NET_F_MAC,
	.nr_queues = 2,
	.queue_size_max = VIRTIO_NET_QUEUE_SIZE,
	.config_read = net_config_read,
	.notify = net_notify,
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

static int virtio_net_init(struct vm *vm, void *dev, struct errbuf *err)
{
	struct virtio_net *net = dev;
	pthread_t thread;

	if (!vm->opts->tap)
		return DEVICE_ABSENT;
	pthread_mutex_init(&net->lock, NULL);
	pthread_cond_init(&net->rx_buffers, NULL);
	net->vm = vm;
	net->tap = tap_open(vm->opts->tap, VIRTIO_NET_HDR_SIZE, err);
	if (net->tap < 0)
		return -1;
	virtio_mmio_init(&net->mmio, &net_ops, &vm->mem, net);
	if (io_bus_register(&vm->bus, IO_SPACE_MMIO, VIRTIO_NET_MMIO_BASE,
			    VIRTIO_MMIO_SIZE, net_io, net, "virtio-net", err))
		return -1;
	if (pthread_create(&thread, NULL, net_rx_thread, net))
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
