// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced MMIO and PIO: writes to a zone userspace registered
 * (KVM_REGISTER_COALESCED_MMIO) do not exit; they are appended to a ring
 * in a page shared with userspace (the vCPU mmap's page
 * KVM_COALESCED_MMIO_PAGE_OFFSET), which userspace drains after its next
 * exit. A full ring, or a zone's read, exits as usual. Each zone is a
 * device on the VM's I/O bus (io_bus.c).
 *
 * Userspace owns ring->first and may scribble on ring->last: both are
 * read once per write and bounded, so a hostile VMM only loses its
 * own entries.
 */
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "vmxlab.h"
#include "coalesced.h"
#include "io_bus.h"
#include "mem.h"

#define COALESCED_MAX_ZONES	100

struct coalesced_zone {
	struct io_device dev;
	struct list_head link;
	struct vmxlab_vm *vm;
	struct kvm_coalesced_mmio_zone zone;
};

static struct coalesced_zone *to_zone(struct io_device *dev)
{
	return container_of(dev, struct coalesced_zone, dev);
}

/* Is [addr, addr + len) inside the zone? */
static bool zone_holds(const struct kvm_coalesced_mmio_zone *z, u64 addr,
		       u64 len)
{
	return addr + len >= addr && addr >= z->addr &&
	       addr + len <= z->addr + z->size;
}

static int coalesced_write(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			   u64 addr, unsigned int len, u64 value)
{
	struct coalesced_zone *cz = to_zone(dev);
	struct kvm_coalesced_mmio_ring *ring = cz->vm->coalesced_ring;
	struct kvm_coalesced_mmio *e;
	u32 last, first;

	if (!zone_holds(&cz->zone, addr, len))
		return -EOPNOTSUPP;
	spin_lock(&cz->vm->coalesced_lock);
	last = READ_ONCE(ring->last);
	first = READ_ONCE(ring->first);
	/* One entry stays free, so that full and empty differ. */
	if (last >= KVM_COALESCED_MMIO_MAX ||
	    (first - last - 1) % KVM_COALESCED_MMIO_MAX == 0) {
		spin_unlock(&cz->vm->coalesced_lock);
		return -EOPNOTSUPP;
	}
	e = &ring->coalesced_mmio[last];
	e->phys_addr = addr;
	e->len = len;
	e->pio = cz->zone.pio;
	memcpy(e->data, &value, len);
	/* The entry before the index that shows it to userspace. */
	smp_wmb();
	WRITE_ONCE(ring->last, (last + 1) % KVM_COALESCED_MMIO_MAX);
	spin_unlock(&cz->vm->coalesced_lock);
	return 0;
}

static const struct io_device_ops coalesced_ops = {
	.write = coalesced_write,
};

static enum io_bus_kind zone_bus(const struct kvm_coalesced_mmio_zone *z)
{
	return z->pio ? IO_BUS_PIO : IO_BUS_MMIO;
}

int vm_coalesced_init(struct vmxlab_vm *vm)
{
	spin_lock_init(&vm->coalesced_lock);
	mutex_init(&vm->coalesced_mutex);
	INIT_LIST_HEAD(&vm->coalesced_zones);
	vm->coalesced_ring = vmxlab_page_alloc();
	return vm->coalesced_ring ? 0 : -ENOMEM;
}

/* No vCPU runs any more: the zones and the ring go. */
void vm_coalesced_destroy(struct vmxlab_vm *vm)
{
	struct coalesced_zone *cz, *tmp;

	list_for_each_entry_safe(cz, tmp, &vm->coalesced_zones, link) {
		io_bus_unregister(vm, zone_bus(&cz->zone), &cz->dev);
		list_del(&cz->link);
		vmxlab_free(cz, sizeof(*cz));
	}
	if (vm->coalesced_ring)
		vmxlab_page_free(vm->coalesced_ring);
	vm->coalesced_ring = NULL;
}

static int zone_register(struct vmxlab_vm *vm,
			 const struct kvm_coalesced_mmio_zone *z)
{
	struct coalesced_zone *cz;
	int err;

	if (!z->size || z->addr + z->size < z->addr)
		return -EINVAL;
	if (vm->nr_coalesced_zones >= COALESCED_MAX_ZONES)
		return -ENOSPC;
	cz = vmxlab_zalloc(sizeof(*cz));
	if (!cz)
		return -ENOMEM;
	cz->dev.ops = &coalesced_ops;
	cz->vm = vm;
	cz->zone = *z;
	err = io_bus_register(vm, zone_bus(z), z->addr, z->size, &cz->dev);
	if (err) {
		vmxlab_free(cz, sizeof(*cz));
		return err;
	}
	list_add_tail(&cz->link, &vm->coalesced_zones);
	vm->nr_coalesced_zones++;
	return 0;
}

/* As KVM: every zone of that kind that holds the range given goes. */
static void zone_unregister(struct vmxlab_vm *vm,
			    const struct kvm_coalesced_mmio_zone *z)
{
	struct coalesced_zone *cz, *tmp;

	list_for_each_entry_safe(cz, tmp, &vm->coalesced_zones, link) {
		if (cz->zone.pio != z->pio ||
		    !zone_holds(&cz->zone, z->addr, z->size))
			continue;
		io_bus_unregister(vm, zone_bus(&cz->zone), &cz->dev);
		list_del(&cz->link);
		vm->nr_coalesced_zones--;
		vmxlab_free(cz, sizeof(*cz));
	}
}

long vm_coalesced_ioctl(struct vmxlab_vm *vm, unsigned int ioctl,
			void __user *argp)
{
	struct kvm_coalesced_mmio_zone z;
	long err = 0;

	if (copy_from_user(&z, argp, sizeof(z)))
		return -EFAULT;
	if (z.pio > 1)
		return -EINVAL;
	mutex_lock(&vm->coalesced_mutex);
	if (ioctl == KVM_REGISTER_COALESCED_MMIO)
		err = zone_register(vm, &z);
	else
		zone_unregister(vm, &z);
	mutex_unlock(&vm->coalesced_mutex);
	return err;
}
