// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio version 2 registers. A queue goes live when the driver
 * writes QueueReady = 1, after which its size and ring addresses are
 * frozen until a reset (Status = 0).
 */
#include <string.h>

#include "virtio/virtio_mmio.h"

void virtio_mmio_init(struct virtio_mmio *vm, const struct virtio_device_ops *ops,
		      const struct guest_mem *mem, void *opaque)
{
	memset(vm, 0, sizeof(*vm));
	vm->ops = ops;
	vm->mem = mem;
	vm->opaque = opaque;
}

static void virtio_mmio_update_irq(struct virtio_mmio *vm)
{
	if (vm->ops->set_irq)
		vm->ops->set_irq(vm, vm->interrupt_status != 0);
}

static void virtio_mmio_reset(struct virtio_mmio *vm)
{
	const struct virtio_device_ops *ops = vm->ops;
	const struct guest_mem *mem = vm->mem;
	void *opaque = vm->opaque;

	if (ops->reset)
		ops->reset(vm);
	virtio_mmio_init(vm, ops, mem, opaque);
	virtio_mmio_update_irq(vm);
}

bool virtio_mmio_driver_ok(const struct virtio_mmio *vm)
{
	return (vm->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vm->status & VIRTIO_STATUS_FAILED);
}

static bool queue_valid(const struct virtio_mmio *vm)
{
	return vm->queue_sel < vm->ops->nr_queues &&
	       vm->queue_sel < VIRTIO_MMIO_MAX_QUEUES;
}

uint32_t virtio_mmio_read(struct virtio_mmio *vm, uint32_t offset,
			  unsigned int len)
{
	uint64_t features = vm->ops->features | (1ULL << VIRTIO_F_VERSION_1);

	if (offset >= VIRTIO_MMIO_CONFIG)
		return vm->ops->config_read ?
		       vm->ops->config_read(vm, offset - VIRTIO_MMIO_CONFIG, len) : 0;
	if (len != 4)
		return 0;		/* registers are 32-bit only */
	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION_REG:
		return VIRTIO_MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return vm->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (vm->device_features_sel > 1)
			return 0;
		return features >> (32 * vm->device_features_sel);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return queue_valid(vm) ? vm->ops->queue_size_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return queue_valid(vm) ? vm->vq[vm->queue_sel].ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return vm->interrupt_status | vm->interrupt_sticky;
	case VIRTIO_MMIO_STATUS:
		return vm->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;
	}
	return 0;
}

static void set_half(uint64_t *v, bool high, uint32_t val)
{
	if (high)
		*v = (*v & 0xffffffffULL) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffULL) | val;
}

static void virtio_mmio_queue_write(struct virtio_mmio *vm, uint32_t offset,
				    uint32_t val)
{
	unsigned int q = vm->queue_sel;

	if (!queue_valid(vm) || vm->vq[q].ready) {
		if (offset == VIRTIO_MMIO_QUEUE_READY && !val && queue_valid(vm) &&
		    vm->vq[q].ready) {
			if (vm->ops->queue_stop)
				vm->ops->queue_stop(vm, q);
			vm->vq[q].ready = false;
		}
		return;
	}
	switch (offset) {
	case VIRTIO_MMIO_QUEUE_NUM:
		vm->qcfg[q].num = val;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&vm->qcfg[q].desc, offset & 4, val);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		set_half(&vm->qcfg[q].driver, offset & 4, val);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		set_half(&vm->qcfg[q].device, offset & 4, val);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (val != 1)
			break;
		if (vm->qcfg[q].num > vm->ops->queue_size_max ||
		    virtq_setup(&vm->vq[q], vm->mem, vm->qcfg[q].num,
				vm->qcfg[q].desc, vm->qcfg[q].driver,
				vm->qcfg[q].device))
			vm->status |= VIRTIO_STATUS_NEEDS_RESET;
		break;
	}
}

void virtio_mmio_write(struct virtio_mmio *vm, uint32_t offset,
		       unsigned int len, uint32_t val)
{
	if (offset >= VIRTIO_MMIO_CONFIG || len != 4)
		return;			/* config space is read-only here */
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vm->device_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vm->driver_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (vm->driver_features_sel <= 1)
			set_half(&vm->driver_features, vm->driver_features_sel, val);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		vm->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (val < vm->ops->nr_queues && vm->vq[val].ready &&
		    virtio_mmio_driver_ok(vm) && vm->ops->notify)
			vm->ops->notify(vm, val);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		vm->interrupt_status &= ~val;
		virtio_mmio_update_irq(vm);
		break;
	case VIRTIO_MMIO_STATUS:
		if (!val) {
			virtio_mmio_reset(vm);
			break;
		}
		/* FEATURES_OK only sticks if the driver took nothing unknown */
		if ((val & VIRTIO_STATUS_FEATURES_OK) &&
		    (vm->driver_features & ~(vm->ops->features |
					     (1ULL << VIRTIO_F_VERSION_1)) ||
		     !(vm->driver_features & (1ULL << VIRTIO_F_VERSION_1))))
			val &= ~VIRTIO_STATUS_FEATURES_OK;
		if ((val & VIRTIO_STATUS_DRIVER_OK) &&
		    !(vm->status & VIRTIO_STATUS_DRIVER_OK)) {
			vm->status = val;
			if (vm->ops->driver_ok)
				vm->ops->driver_ok(vm);
			break;
		}
		vm->status = val;
		break;
	default:
		virtio_mmio_queue_write(vm, offset, val);
	}
}

void virtio_mmio_signal_used(struct virtio_mmio *vm)
{
	vm->interrupt_status |= VIRTIO_INT_USED_BUFFER;
	virtio_mmio_update_irq(vm);
}
