/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-mmio transport, version 2 (virtio 1.x, 4.2.2): the register
 * window a driver uses to negotiate features, set up queues and notify,
 * in front of a device that supplies its ID, features, config space and
 * what to do on a notify or reset. Portable; the caller serialises
 * register accesses and device work on one device.
 */
#ifndef VMXLAB_USER_VIRTIO_MMIO_H
#define VMXLAB_USER_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtqueue.h"

#define VIRTIO_MMIO_SIZE		0x200
#define VIRTIO_MMIO_MAGIC		0x74726976	/* "virt" */
#define VIRTIO_MMIO_VERSION		2
#define VIRTIO_MMIO_VENDOR		0x4c584d56	/* "VMXL" */
#define VIRTIO_MMIO_MAX_QUEUES		4

#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION_REG		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

#define VIRTIO_INT_USED_BUFFER		1
#define VIRTIO_INT_CONFIG		2

#define VIRTIO_F_VERSION_1		32

struct virtio_mmio;

struct virtio_device_ops {
	uint32_t device_id;
	uint64_t features;
	unsigned int nr_queues;
	uint16_t queue_size_max;
	uint32_t (*config_read)(struct virtio_mmio *vm, uint32_t offset,
				unsigned int len);
	void (*notify)(struct virtio_mmio *vm, unsigned int queue);
	/* Status gained DRIVER_OK: the rings may be served from now on. */
	void (*driver_ok)(struct virtio_mmio *vm);
	/*
	 * Before a reset or QueueReady = 0 takes effect: once these return,
	 * nothing may touch the rings any more.
	 */
	void (*reset)(struct virtio_mmio *vm);
	void (*queue_stop)(struct virtio_mmio *vm, unsigned int queue);
	/* the interrupt line level changed */
	void (*set_irq)(struct virtio_mmio *vm, bool level);
};

struct virtio_mmio {
	const struct virtio_device_ops *ops;
	void *opaque;
	const struct guest_mem *mem;
	uint32_t status;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t interrupt_status;
	/*
	 * Read as set in InterruptStatus whatever the driver acknowledges:
	 * while a kernel backend signals used buffers through an irqfd, the
	 * launcher never sees them (see docs/one-packet.md).
	 */
	uint32_t interrupt_sticky;
	struct {
		uint16_t num;
		uint64_t desc, driver, device;
	} qcfg[VIRTIO_MMIO_MAX_QUEUES];
	struct virtqueue vq[VIRTIO_MMIO_MAX_QUEUES];
};

void virtio_mmio_init(struct virtio_mmio *vm, const struct virtio_device_ops *ops,
		      const struct guest_mem *mem, void *opaque);
uint32_t virtio_mmio_read(struct virtio_mmio *vm, uint32_t offset,
			  unsigned int len);
void virtio_mmio_write(struct virtio_mmio *vm, uint32_t offset,
		       unsigned int len, uint32_t val);
/* The device used buffers: raise the used-buffer interrupt. */
void virtio_mmio_signal_used(struct virtio_mmio *vm);
bool virtio_mmio_driver_ok(const struct virtio_mmio *vm);

#endif
