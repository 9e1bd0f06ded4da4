// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel I/O bus (see io_bus.h): registration copies the sorted
 * range array with the new range in place and publishes the copy; the
 * old one is freed once SRCU says no dispatch still reads it. Dispatch
 * finds, by binary search, the first range that may cover the address
 * (none is longer than the bus's longest) and tries them in order.
 */
#include <linux/rcupdate.h>
#include <linux/srcu.h>

#include "vmxlab.h"
#include "io_bus.h"
#include "mem.h"

struct io_range {
	u64 addr, end;		/* [addr, end) */
	struct io_device *dev;
};

struct io_bus {
	unsigned int nr;
	u64 longest;		/* the largest end - addr on the bus */
	struct io_range range[];
};

static size_t bus_size(unsigned int nr)
{
	return sizeof(struct io_bus) + nr * sizeof(struct io_range);
}

static struct io_bus *bus_alloc(unsigned int nr)
{
	struct io_bus *bus = vmxlab_zalloc(bus_size(nr));

	if (bus)
		bus->nr = nr;
	return bus;
}

static void bus_free(struct io_bus *bus)
{
	if (bus)
		vmxlab_free(bus, bus_size(bus->nr));
}

static struct io_bus *bus_locked(struct vmxlab_vm *vm, enum io_bus_kind kind)
{
	return rcu_dereference_protected(vm->io_bus[kind],
					 lockdep_is_held(&vm->io_bus_lock));
}

int io_bus_init(struct vmxlab_vm *vm)
{
	int i, err;

	mutex_init(&vm->io_bus_lock);
	err = init_srcu_struct(&vm->io_srcu);
	if (err)
		return err;
	vm->io_srcu_ready = true;
	for (i = 0; i < IO_NR_BUSES; i++) {
		struct io_bus *bus = bus_alloc(0);

		if (!bus)
			return -ENOMEM;
		RCU_INIT_POINTER(vm->io_bus[i], bus);
	}
	return 0;
}

/* The VM is going: no vCPU and no device dispatches any more. */
void io_bus_destroy(struct vmxlab_vm *vm)
{
	int i;

	for (i = 0; i < IO_NR_BUSES; i++)
		bus_free(rcu_dereference_protected(vm->io_bus[i], true));
	if (vm->io_srcu_ready)
		cleanup_srcu_struct(&vm->io_srcu);
}

static void bus_publish(struct vmxlab_vm *vm, enum io_bus_kind kind,
			struct io_bus *new)
{
	struct io_bus *old = bus_locked(vm, kind);
	unsigned int i;

	new->longest = 0;
	for (i = 0; i < new->nr; i++)
		new->longest = max(new->longest,
				   new->range[i].end - new->range[i].addr);
	rcu_assign_pointer(vm->io_bus[kind], new);
	synchronize_srcu_expedited(&vm->io_srcu);
	bus_free(old);
}

int io_bus_register(struct vmxlab_vm *vm, enum io_bus_kind kind, u64 addr,
		    u64 len, struct io_device *dev)
{
	struct io_bus *old, *new;
	unsigned int i, at;
	int err = 0;

	if (!len || addr + len < addr)
		return -EINVAL;
	mutex_lock(&vm->io_bus_lock);
	old = bus_locked(vm, kind);
	if (old->nr >= IO_BUS_MAX_RANGES) {
		err = -ENOSPC;
		goto out;
	}
	new = bus_alloc(old->nr + 1);
	if (!new) {
		err = -ENOMEM;
		goto out;
	}
	/* After every range that starts at or below it: ties keep their order. */
	for (at = 0; at < old->nr && old->range[at].addr <= addr; at++)
		;
	for (i = 0; i < at; i++)
		new->range[i] = old->range[i];
	new->range[at] = (struct io_range){ addr, addr + len, dev };
	for (i = at; i < old->nr; i++)
		new->range[i + 1] = old->range[i];
	bus_publish(vm, kind, new);
out:
	mutex_unlock(&vm->io_bus_lock);
	return err;
}

void io_bus_unregister(struct vmxlab_vm *vm, enum io_bus_kind kind,
		       struct io_device *dev)
{
	struct io_bus *old, *new;
	unsigned int i, n = 0;

	mutex_lock(&vm->io_bus_lock);
	old = bus_locked(vm, kind);
	for (i = 0; i < old->nr; i++)
		n += old->range[i].dev != dev;
	if (n == old->nr)
		goto out;
	/*
	 * Without memory for a smaller copy, leave a hole: the range stays
	 * but no longer reaches the device.
	 */
	new = bus_alloc(n);
	if (!new) {
		for (i = 0; i < old->nr; i++)
			if (old->range[i].dev == dev)
				WRITE_ONCE(old->range[i].dev, NULL);
		synchronize_srcu_expedited(&vm->io_srcu);
		goto out;
	}
	for (i = 0, n = 0; i < old->nr; i++)
		if (old->range[i].dev != dev)
			new->range[n++] = old->range[i];
	bus_publish(vm, kind, new);
out:
	mutex_unlock(&vm->io_bus_lock);
}

/* The index of the first range that starts at or after @addr - longest. */
static unsigned int first_candidate(const struct io_bus *bus, u64 addr)
{
	u64 from = addr > bus->longest ? addr - bus->longest : 0;
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (bus->range[mid].addr < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Visit the devices whose range holds @addr until @fn returns 0. */
static int bus_dispatch(struct vmxlab_vcpu *vcpu, enum io_bus_kind kind,
			u64 addr, int (*fn)(struct io_device *dev, void *arg),
			void *arg)
{
	struct vmxlab_vm *vm = vcpu->vm;
	const struct io_bus *bus;
	int idx, ret = -EOPNOTSUPP;
	unsigned int i;

	idx = srcu_read_lock(&vm->io_srcu);
	bus = srcu_dereference(vm->io_bus[kind], &vm->io_srcu);
	for (i = first_candidate(bus, addr);
	     i < bus->nr && bus->range[i].addr <= addr && ret; i++) {
		struct io_device *dev = READ_ONCE(bus->range[i].dev);

		if (dev && addr < bus->range[i].end)
			ret = fn(dev, arg);
	}
	srcu_read_unlock(&vm->io_srcu, idx);
	return ret;
}

struct io_access {
	struct vmxlab_vcpu *vcpu;
	u64 addr;
	unsigned int len;
	u64 value;
};

static int read_one(struct io_device *dev, void *arg)
{
	struct io_access *a = arg;

	if (!dev->ops->read)
		return -EOPNOTSUPP;
	return dev->ops->read(dev, a->vcpu, a->addr, a->len, &a->value);
}

static int write_one(struct io_device *dev, void *arg)
{
	struct io_access *a = arg;

	if (!dev->ops->write)
		return -EOPNOTSUPP;
	return dev->ops->write(dev, a->vcpu, a->addr, a->len, a->value);
}

static int over_ram_one(struct io_device *dev, void *arg)
{
	struct io_access *a = arg;

	if (dev->ops->over_ram && dev->ops->over_ram(dev, a->vcpu, a->addr))
		return 0;
	return -EOPNOTSUPP;
}

int io_bus_read(struct vmxlab_vcpu *vcpu, enum io_bus_kind kind, u64 addr,
		unsigned int len, u64 *value)
{
	struct io_access a = { vcpu, addr, len, 0 };
	int ret = bus_dispatch(vcpu, kind, addr, read_one, &a);

	if (!ret)
		*value = a.value;
	return ret;
}

int io_bus_write(struct vmxlab_vcpu *vcpu, enum io_bus_kind kind, u64 addr,
		 unsigned int len, u64 value)
{
	struct io_access a = { vcpu, addr, len, value };

	return bus_dispatch(vcpu, kind, addr, write_one, &a);
}

bool io_bus_over_ram(struct vmxlab_vcpu *vcpu, u64 gpa)
{
	struct io_access a = { .vcpu = vcpu, .addr = gpa };

	return !bus_dispatch(vcpu, IO_BUS_MMIO, gpa, over_ram_one, &a);
}
