// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_IRQFD and KVM_IOEVENTFD: eventfds that connect devices to a VM
 * without a trip through the VMM. An irqfd raises a GSI when its eventfd
 * is signalled (edge: a pulse); an ioeventfd is signalled, instead of an
 * exit to userspace, when the guest writes a registered port or address
 * (optionally only a given value).
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "vmxlab.h"
#include "compat.h"
#include "irq/kernel/irqchip.h"
#include "eventfd.h"
#include "mem.h"
#include "io_bus.h"

/*
 * Bounds, so that no caller can make the per-exit and per-EOI scans
 * arbitrarily long: KVM allows 1000 devices per I/O bus; it has no irqfd
 * limit, so vmxlab's is generous (a VMM with hundreds of MSI vectors fits).
 */
#define VMXLAB_MAX_IOEVENTFDS	1000
#define VMXLAB_MAX_IRQFDS	4096

struct irqfd {
	struct list_head link;
	struct list_head resample_link;	/* on vm->resamplers if resampling */
	struct vmxlab_vm *vm;
	struct eventfd_ctx *ctx;
	struct eventfd_ctx *resample;	/* level line: lowered at EOI */
	u32 gsi;
	wait_queue_entry_t wait;
	poll_table pt;
	wait_queue_head_t *wqh;
};

struct ioeventfd {
	struct io_device dev;	/* on the VM's PIO or MMIO bus */
	struct list_head link;
	struct eventfd_ctx *ctx;
	u64 addr;
	u32 len;		/* 0: any length (MMIO only) */
	bool pio;
	bool datamatch;
	u64 value;
};

/* Runs with the eventfd's wait-queue lock held: no sleeping. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync,
			void *key)
{
	struct irqfd *irqfd = container_of(wait, struct irqfd, wait);
	__poll_t flags = key_to_poll(key);
	u64 count;

	if (!(flags & EPOLLIN))
		return 0;
	eventfd_ctx_do_read(irqfd->ctx, &count);
	irqchip_set_gsi(irqfd->vm, irqfd->gsi, 1);
	/* Edge: a pulse. Level: held until the guest's EOI resamples it. */
	if (!irqfd->resample)
		irqchip_set_gsi(irqfd->vm, irqfd->gsi, 0);
	return 0;
}

static void irqfd_queue(struct file *file, wait_queue_head_t *wqh,
			poll_table *pt)
{
	struct irqfd *irqfd = container_of(pt, struct irqfd, pt);

	irqfd->wqh = wqh;
	add_wait_queue_priority(wqh, &irqfd->wait);
}

static void irqfd_free(struct irqfd *irqfd)
{
	u64 count;

	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &count);
	eventfd_ctx_put(irqfd->ctx);
	if (irqfd->resample)
		eventfd_ctx_put(irqfd->resample);
	vmxlab_free(irqfd, sizeof(*irqfd));
}

/* Called with vm->eventfd_lock held. */
static void irqfd_unlink(struct vmxlab_vm *vm, struct irqfd *irqfd)
{
	list_del(&irqfd->link);
	if (irqfd->resample)
		list_del(&irqfd->resample_link);
	vm->nr_irqfds--;
}

static int irqfd_assign(struct vmxlab_vm *vm, const struct kvm_irqfd *args)
{
	struct irqfd *irqfd, *other;
	struct fd f;
	__poll_t events;
	int err = 0;

	f = fdget(args->fd);
	if (!fd_file(f))
		return -EBADF;
	irqfd = vmxlab_zalloc(sizeof(*irqfd));
	if (!irqfd) {
		err = -ENOMEM;
		goto out;
	}
	irqfd->ctx = eventfd_ctx_fileget(fd_file(f));
	if (IS_ERR(irqfd->ctx)) {
		err = PTR_ERR(irqfd->ctx);
		vmxlab_free(irqfd, sizeof(*irqfd));
		goto out;
	}
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	if (args->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		irqfd->resample = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(irqfd->resample)) {
			err = PTR_ERR(irqfd->resample);
			irqfd->resample = NULL;
			eventfd_ctx_put(irqfd->ctx);
			vmxlab_free(irqfd, sizeof(*irqfd));
			goto out;
		}
	}
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, irqfd_queue);

	mutex_lock(&vm->eventfd_lock);
	if (vm->nr_irqfds >= VMXLAB_MAX_IRQFDS)
		err = -ENOSPC;
	list_for_each_entry(other, &vm->irqfds, link) {
		if (err)
			break;
		if (other->ctx == irqfd->ctx)
			err = -EBUSY;
	}
	if (!err) {
		list_add_tail(&irqfd->link, &vm->irqfds);
		if (irqfd->resample)
			list_add_tail(&irqfd->resample_link, &vm->resamplers);
		vm->nr_irqfds++;
		events = vfs_poll(fd_file(f), &irqfd->pt);
		/* Signalled before we were listening: deliver it now. */
		if (events & EPOLLIN)
			irqfd_wakeup(&irqfd->wait, 0, 0, poll_to_key(EPOLLIN));
	}
	mutex_unlock(&vm->eventfd_lock);
	if (err) {
		eventfd_ctx_put(irqfd->ctx);
		if (irqfd->resample)
			eventfd_ctx_put(irqfd->resample);
		vmxlab_free(irqfd, sizeof(*irqfd));
	}
out:
	fdput(f);
	return err;
}

static int irqfd_deassign(struct vmxlab_vm *vm, const struct kvm_irqfd *args)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fdget(args->fd);
	struct irqfd *irqfd, *tmp;

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&vm->eventfd_lock);
	list_for_each_entry_safe(irqfd, tmp, &vm->irqfds, link) {
		if (irqfd->ctx == ctx && irqfd->gsi == args->gsi) {
			irqfd_unlink(vm, irqfd);
			irqfd_free(irqfd);
		}
	}
	mutex_unlock(&vm->eventfd_lock);
	eventfd_ctx_put(ctx);
	return 0;
}

long vm_irqfd(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_irqfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args.flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, &args);
	/* As KVM: resampling needs the IOAPIC, which split leaves to userspace. */
	if (args.flags & KVM_IRQFD_FLAG_RESAMPLE ? !irqchip_has_ioapic(vm) :
	    !irqchip_in_kernel(vm))
		return -EINVAL;
	return irqfd_assign(vm, &args);
}

/*
 * The guest EOIed @vector: lower the level lines of resampling irqfds
 * whose IOAPIC pin (GSI n is pin n) carries it, and tell their owners.
 * Runs before the IOAPIC looks at the pin again.
 */
void irqfd_resample_eoi(struct vmxlab_vm *vm, u8 vector,
			int (*pin_vector)(struct vmxlab_vm *vm, u32 pin))
{
	struct irqfd *irqfd;

	if (list_empty(&vm->resamplers))
		return;
	mutex_lock(&vm->eventfd_lock);
	list_for_each_entry(irqfd, &vm->resamplers, resample_link) {
		if (pin_vector(vm, irqfd->gsi) != vector)
			continue;
		irqchip_set_gsi(vm, irqfd->gsi, 0);
		vmxlab_eventfd_signal(irqfd->resample);
	}
	mutex_unlock(&vm->eventfd_lock);
}

static bool ioeventfd_same(const struct ioeventfd *a, const struct ioeventfd *b)
{
	return a->addr == b->addr && a->len == b->len && a->pio == b->pio &&
	       (!a->datamatch || !b->datamatch || a->value == b->value);
}

static struct ioeventfd *to_ioeventfd(struct io_device *dev)
{
	return container_of(dev, struct ioeventfd, dev);
}

/* A guest write the VMM asked to hear about through an eventfd. */
static int ioeventfd_write(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			   u64 addr, unsigned int len, u64 value)
{
	struct ioeventfd *ev = to_ioeventfd(dev);

	if (addr != ev->addr || (ev->len && ev->len != len))
		return -EOPNOTSUPP;
	if (ev->datamatch && ev->value != value)
		return -EOPNOTSUPP;
	vmxlab_eventfd_signal(ev->ctx);
	return 0;
}

static const struct io_device_ops ioeventfd_ops = {
	.write = ioeventfd_write,
};

static enum io_bus_kind ioeventfd_bus(const struct ioeventfd *ev)
{
	return ev->pio ? IO_BUS_PIO : IO_BUS_MMIO;
}

static void ioeventfd_free(struct ioeventfd *ev)
{
	eventfd_ctx_put(ev->ctx);
	vmxlab_free(ev, sizeof(*ev));
}

/* Called with vm->eventfd_lock held; takes @ev or frees it. */
static int ioeventfd_assign(struct vmxlab_vm *vm, struct ioeventfd *ev)
{
	struct ioeventfd *other;
	int err = 0;

	if (vm->nr_ioeventfds >= VMXLAB_MAX_IOEVENTFDS)
		err = -ENOSPC;
	list_for_each_entry(other, &vm->ioeventfds, link) {
		if (err)
			break;
		if (ioeventfd_same(other, ev))
			err = -EEXIST;
	}
	/* An any-length one waits on its address's first byte. */
	if (!err)
		err = io_bus_register(vm, ioeventfd_bus(ev), ev->addr,
				      ev->len ?: 1, &ev->dev);
	if (err) {
		ioeventfd_free(ev);
		return err;
	}
	list_add_tail(&ev->link, &vm->ioeventfds);
	vm->nr_ioeventfds++;
	return 0;
}

/* Called with vm->eventfd_lock held; frees @key. */
static int ioeventfd_deassign(struct vmxlab_vm *vm, struct ioeventfd *key)
{
	struct ioeventfd *other, *tmp;
	int err = -ENOENT;

	list_for_each_entry_safe(other, tmp, &vm->ioeventfds, link) {
		if (other->ctx != key->ctx || !ioeventfd_same(other, key) ||
		    other->datamatch != key->datamatch)
			continue;
		io_bus_unregister(vm, ioeventfd_bus(other), &other->dev);
		list_del(&other->link);
		vm->nr_ioeventfds--;
		ioeventfd_free(other);
		err = 0;
		break;
	}
	ioeventfd_free(key);
	return err;
}

long vm_ioeventfd(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_ioeventfd args;
	struct eventfd_ctx *ctx;
	struct ioeventfd *ev;
	int err;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO |
			   KVM_IOEVENTFD_FLAG_DEASSIGN))
		return -EINVAL;
	if (args.len != 0 && args.len != 1 && args.len != 2 && args.len != 4 &&
	    args.len != 8)
		return -EINVAL;
	if (!args.len && (args.flags & (KVM_IOEVENTFD_FLAG_PIO |
					KVM_IOEVENTFD_FLAG_DATAMATCH)))
		return -EINVAL;
	if (args.addr + args.len < args.addr)
		return -EINVAL;
	ctx = eventfd_ctx_fdget(args.fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	ev = vmxlab_zalloc(sizeof(*ev));
	if (!ev) {
		eventfd_ctx_put(ctx);
		return -ENOMEM;
	}
	ev->dev.ops = &ioeventfd_ops;
	ev->ctx = ctx;
	ev->addr = args.addr;
	ev->len = args.len;
	ev->pio = args.flags & KVM_IOEVENTFD_FLAG_PIO;
	ev->datamatch = args.flags & KVM_IOEVENTFD_FLAG_DATAMATCH;
	ev->value = args.datamatch;

	mutex_lock(&vm->eventfd_lock);
	if (args.flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		err = ioeventfd_deassign(vm, ev);
	else
		err = ioeventfd_assign(vm, ev);
	mutex_unlock(&vm->eventfd_lock);
	return err;
}

void vm_eventfds_init(struct vmxlab_vm *vm)
{
	mutex_init(&vm->eventfd_lock);
	INIT_LIST_HEAD(&vm->irqfds);
	INIT_LIST_HEAD(&vm->resamplers);
	INIT_LIST_HEAD(&vm->ioeventfds);
}

void vm_eventfds_destroy(struct vmxlab_vm *vm)
{
	struct irqfd *irqfd, *itmp;
	struct ioeventfd *ev, *etmp;

	list_for_each_entry_safe(irqfd, itmp, &vm->irqfds, link)
		irqfd_free(irqfd);
	/* No vCPU runs any more: the bus goes whole, after this. */
	list_for_each_entry_safe(ev, etmp, &vm->ioeventfds, link)
		ioeventfd_free(ev);
}
