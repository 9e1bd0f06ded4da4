// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip: KVM_CREATE_IRQCHIP (LAPICs, IOAPIC, PICs and
 * routing), the split irqchip (LAPICs only), KVM_CREATE_PIT2, line and MSI
 * injection, state save/restore, and the devices' guest-facing side
 * (MMIO, ports, the LAPIC's MSRs and CR8). What to inject before an
 * entry is the run loop's decision (module/run.c).
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/bitmap.h>
#include <linux/kvm.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>

#include "../../vmxlab.h"
#include "../../eventfd.h"
#include "../../io_bus.h"
#include "../../mem.h"
#include "../../requests.h"
#include "../../run.h"
#include "../apic_bus.h"
#include "../ioapic.h"
#include "../irq_route.h"
#include "../lapic.h"
#include "../pic.h"
#include "../pit.h"
#include "irqchip.h"

struct vm_irqchip {
	bool split;			/* LAPICs only; the rest in userspace */
	u32 split_pins;			/* GSIs below this are IOAPIC pins */
	DECLARE_BITMAP(split_eoi_vectors, 256);	/* level vectors of those */
	struct apic_bus bus;
	struct ioapic ioapic;
	struct pic pic;
	struct pit *pit;
	struct irq_route *route;
	struct io_device pic_dev, ioapic_dev, pit_dev;	/* on the I/O bus */
};

static_assert(sizeof(struct ioapic_state) == sizeof(struct kvm_ioapic_state));
static_assert(sizeof(struct pic_chip_state) == sizeof(struct kvm_pic_state));
static_assert(sizeof(struct pit_state) == sizeof(struct kvm_pit_state2));

bool irqchip_in_kernel(struct vmxlab_vm *vm)
{
	return READ_ONCE(vm->irqchip) != NULL;
}

/* A full in-kernel irqchip: IOAPIC and PICs here, not in userspace. */
bool irqchip_has_ioapic(struct vmxlab_vm *vm)
{
	struct vm_irqchip *chip = READ_ONCE(vm->irqchip);

	return chip && !chip->split;
}

bool lapic_in_kernel(struct vmxlab_vcpu *vcpu)
{
	return vcpu->lapic != NULL;
}

/* ---- the devices on the VM's I/O bus ---- */

/* A vCPU's xAPIC page: its own LAPIC's registers, for that vCPU only. */
struct lapic_mmio {
	struct io_device dev;
	struct vmxlab_vcpu *vcpu;
	u64 base;		/* where it is registered */
	bool registered;
};

static struct lapic_mmio *to_lapic_mmio(struct io_device *dev)
{
	return container_of(dev, struct lapic_mmio, dev);
}

static bool lapic_mmio_here(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			    u64 gpa)
{
	struct lapic_mmio *m = to_lapic_mmio(dev);

	return m->vcpu == vcpu && lapic_xapic_mode(vcpu->lapic) &&
	       (gpa & PAGE_MASK) == lapic_base_address(vcpu->lapic);
}

static int lapic_mmio_read_op(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			      u64 gpa, unsigned int len, u64 *value)
{
	if (!lapic_mmio_here(dev, vcpu, gpa))
		return -EOPNOTSUPP;
	*value = lapic_mmio_read(vcpu->lapic, gpa & ~PAGE_MASK, len);
	return 0;
}

static int lapic_mmio_write_op(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			       u64 gpa, unsigned int len, u64 value)
{
	if (!lapic_mmio_here(dev, vcpu, gpa))
		return -EOPNOTSUPP;
	lapic_mmio_write(vcpu->lapic, gpa & ~PAGE_MASK, len, value);
	return 0;
}

static const struct io_device_ops lapic_mmio_ops = {
	.read = lapic_mmio_read_op,
	.write = lapic_mmio_write_op,
	.over_ram = lapic_mmio_here,
};

/* (Re)register the xAPIC page where the LAPIC says it is now. */
static int lapic_mmio_place(struct vmxlab_vcpu *vcpu)
{
	struct lapic_mmio *m = vcpu->lapic_mmio;
	u64 base = lapic_base_address(vcpu->lapic);
	int err;

	if (m->registered && m->base == base)
		return 0;
	if (m->registered)
		io_bus_unregister(vcpu->vm, IO_BUS_MMIO, &m->dev);
	m->registered = false;
	err = io_bus_register(vcpu->vm, IO_BUS_MMIO, base, PAGE_SIZE, &m->dev);
	if (!err) {
		m->base = base;
		m->registered = true;
	}
	return err;
}

static struct vm_irqchip *chip_of(struct io_device *dev, size_t offset)
{
	return (void *)dev - offset;
}

#define DEV_CHIP(dev, member) \
	chip_of(dev, offsetof(struct vm_irqchip, member))

static int ioapic_read_op(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			  u64 gpa, unsigned int len, u64 *value)
{
	*value = ioapic_mmio_read(&DEV_CHIP(dev, ioapic_dev)->ioapic,
				  gpa - IOAPIC_DEFAULT_BASE, len);
	return 0;
}

static int ioapic_write_op(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			   u64 gpa, unsigned int len, u64 value)
{
	ioapic_mmio_write(&DEV_CHIP(dev, ioapic_dev)->ioapic,
			  gpa - IOAPIC_DEFAULT_BASE, len, value);
	return 0;
}

static bool ioapic_over_ram(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			    u64 gpa)
{
	return true;
}

static const struct io_device_ops ioapic_ops = {
	.read = ioapic_read_op,
	.write = ioapic_write_op,
	.over_ram = ioapic_over_ram,
};

/*
 * The PICs and their ELCRs are byte registers, two to a range. As KVM,
 * whose bus hands a device only an access that lies inside its range, a
 * 16-bit access to the first port is still theirs (it reads as 0 and its
 * write is dropped); any other wide access is not, and goes to userspace.
 */
static bool pic_takes(u64 port, unsigned int len)
{
	return len == 1 || (len == 2 && !(port & 1));
}

static int pic_read_op(struct io_device *dev, struct vmxlab_vcpu *vcpu,
		       u64 port, unsigned int len, u64 *value)
{
	if (!pic_takes(port, len))
		return -EOPNOTSUPP;
	*value = len == 1 ? pic_io_read(&DEV_CHIP(dev, pic_dev)->pic, port) : 0;
	return 0;
}

static int pic_write_op(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			u64 port, unsigned int len, u64 value)
{
	if (!pic_takes(port, len))
		return -EOPNOTSUPP;
	if (len == 1)
		pic_io_write(&DEV_CHIP(dev, pic_dev)->pic, port, value);
	return 0;
}

/*
 * As KVM: the PIT's four ports take an access of any width that stays
 * inside them (a read gives the byte register, zero-extended; a write
 * gives it the low byte), the speaker port a byte only.
 */
static bool pit_takes(u64 port, unsigned int len)
{
	return len == 1 || (port != PIT_PORT_SPEAKER && port + len <= 0x44);
}

static const struct io_device_ops pic_ops = {
	.read = pic_read_op,
	.write = pic_write_op,
};

static int pit_read_op(struct io_device *dev, struct vmxlab_vcpu *vcpu,
		       u64 port, unsigned int len, u64 *value)
{
	/* Pairs with the smp_store_release() in irqchip_create_pit(). */
	struct pit *pit = smp_load_acquire(&DEV_CHIP(dev, pit_dev)->pit);

	if (!pit || !pit_takes(port, len))
		return -EOPNOTSUPP;
	*value = pit_io_read(pit, port);
	return 0;
}

static int pit_write_op(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			u64 port, unsigned int len, u64 value)
{
	/* Pairs with the smp_store_release() in irqchip_create_pit(). */
	struct pit *pit = smp_load_acquire(&DEV_CHIP(dev, pit_dev)->pit);

	if (!pit || !pit_takes(port, len))
		return -EOPNOTSUPP;
	pit_io_write(pit, port, value & 0xff);
	return 0;
}

static const struct io_device_ops pit_ops = {
	.read = pit_read_op,
	.write = pit_write_op,
};

static int register_ranges(struct vmxlab_vm *vm, enum io_bus_kind kind,
			   struct io_device *dev, const u64 (*ranges)[2],
			   int n)
{
	int i, err = 0;

	for (i = 0; i < n && !err; i++)
		err = io_bus_register(vm, kind, ranges[i][0], ranges[i][1], dev);
	if (err)
		io_bus_unregister(vm, kind, dev);
	return err;
}

/* The full irqchip's PICs (and ELCRs) and IOAPIC on the bus. */
static int irqchip_register_devices(struct vmxlab_vm *vm,
				    struct vm_irqchip *chip)
{
	static const u64 pic_ports[][2] = {
		{ 0x20, 2 }, { 0xa0, 2 }, { 0x4d0, 2 },
	};
	int err;

	chip->pic_dev.ops = &pic_ops;
	chip->ioapic_dev.ops = &ioapic_ops;
	err = register_ranges(vm, IO_BUS_PIO, &chip->pic_dev, pic_ports,
			      ARRAY_SIZE(pic_ports));
	if (err)
		return err;
	err = io_bus_register(vm, IO_BUS_MMIO, IOAPIC_DEFAULT_BASE,
			      IOAPIC_MMIO_SIZE, &chip->ioapic_dev);
	if (err)
		io_bus_unregister(vm, IO_BUS_PIO, &chip->pic_dev);
	return err;
}

static int irqchip_register_pit(struct vmxlab_vm *vm, struct vm_irqchip *chip)
{
	static const u64 pit_ports[][2] = {
		{ 0x40, 4 }, { PIT_PORT_SPEAKER, 1 },
	};

	chip->pit_dev.ops = &pit_ops;
	return register_ranges(vm, IO_BUS_PIO, &chip->pit_dev, pit_ports,
			       ARRAY_SIZE(pit_ports));
}

/* ---- VM level ---- */

int irqchip_set_gsi(struct vmxlab_vm *vm, u32 gsi, int level)
{
	struct vm_irqchip *chip = READ_ONCE(vm->irqchip);

	return chip ? irq_route_set_gsi(chip->route, gsi, level) : -1;
}

static void pic_output_to_bsp(void *opaque, bool level)
{
	struct vmxlab_vm *vm = opaque;
	struct vmxlab_vcpu *bsp = READ_ONCE(vm->vcpus[0]);

	if (bsp && bsp->lapic)
		lapic_set_lint(bsp->lapic, 0, level);
}

static void split_eoi(void *opaque, u8 vector)
{
	struct vmxlab_vm *vm = opaque;
	int i;

	/* Only vectors of the userspace IOAPIC's level routes, as KVM. */
	if (!test_bit(vector, vm->irqchip->split_eoi_vectors))
		return;
	/* The EOI came from the vCPU running now; tell its userspace. */
	for (i = 0; i < VMXLAB_MAX_VCPUS; i++) {
		struct vmxlab_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		if (vcpu && vcpu->task == current)
			vcpu_eoi_exit(vcpu, vector);
	}
}

static int ioapic_pin_vector(struct vmxlab_vm *vm, u32 pin)
{
	if (pin >= IOAPIC_NUM_PINS)
		return -1;
	return READ_ONCE(vm->irqchip->ioapic.redirtbl[pin]) & IOAPIC_RTE_VECTOR;
}

/* EOI of a level vector: resample irqfds first, then the IOAPIC. */
static void full_irqchip_eoi(void *opaque, u8 vector)
{
	struct vmxlab_vm *vm = opaque;

	irqfd_resample_eoi(vm, vector, ioapic_pin_vector);
	ioapic_eoi(&vm->irqchip->ioapic, vector);
}

static void irqchip_free(struct vm_irqchip *chip)
{
	vmxlab_free(chip->route, sizeof(*chip->route));
	vmxlab_free(chip, sizeof(*chip));
}

static struct vm_irqchip *irqchip_alloc(struct vmxlab_vm *vm, bool split)
{
	struct vm_irqchip *chip;

	chip = vmxlab_zalloc(sizeof(*chip));
	if (!chip)
		return NULL;
	chip->route = vmxlab_zalloc(sizeof(*chip->route));
	if (!chip->route) {
		vmxlab_free(chip, sizeof(*chip));
		return NULL;
	}
	chip->split = split;
	apic_bus_init(&chip->bus);
	if (split) {
		irq_route_init(chip->route, NULL, NULL, &chip->bus);
		apic_bus_set_eoi_notifier(&chip->bus, split_eoi, vm);
	} else {
		ioapic_init(&chip->ioapic, &chip->bus);
		apic_bus_set_eoi_notifier(&chip->bus, full_irqchip_eoi, vm);
		pic_init(&chip->pic);
		pic_set_output_fn(&chip->pic, pic_output_to_bsp, vm);
		irq_route_init(chip->route, &chip->ioapic, &chip->pic,
			       &chip->bus);
	}
	return chip;
}

/* Only before the first vCPU, as in KVM. */
static int irqchip_create(struct vmxlab_vm *vm, bool split)
{
	struct vm_irqchip *chip;
	int err = 0;

	mutex_lock(&vm->lock);
	if (vm->irqchip)
		err = -EEXIST;
	else if (vm->nr_vcpus)
		err = -EINVAL;
	if (!err) {
		chip = irqchip_alloc(vm, split);
		err = chip ? 0 : -ENOMEM;
	}
	if (!err && !split) {
		err = irqchip_register_devices(vm, chip);
		if (err)
			irqchip_free(chip);
	}
	if (!err) {
		/* Pairs with READ_ONCE(vm->irqchip) of the interrupt paths. */
		smp_store_release(&vm->irqchip, chip);
	}
	mutex_unlock(&vm->lock);
	return err;
}

int irqchip_enable_split(struct vmxlab_vm *vm, const struct kvm_enable_cap *c)
{
	int err;

	if (c->flags || c->args[0] > IOAPIC_NUM_PINS)
		return -EINVAL;
	err = irqchip_create(vm, true);
	if (!err)
		vm->irqchip->split_pins = c->args[0];
	return err;
}

/* Split irqchip: which vectors the userspace IOAPIC wants EOIs of. */
static void split_scan_routes(struct vm_irqchip *chip,
			      const struct irq_route_entry *e, u32 nr)
{
	u32 i;

	bitmap_zero(chip->split_eoi_vectors, 256);
	for (i = 0; i < nr; i++) {
		if (e[i].type != IRQ_ROUTE_MSI || e[i].gsi >= chip->split_pins)
			continue;
		if (e[i].u.msi.data & BIT(15))	/* level-triggered */
			__set_bit(e[i].u.msi.data & 0xff,
				  chip->split_eoi_vectors);
	}
}

/* The PIT's timer is the one source that fires on its own: stop it. */
void irqchip_stop_sources(struct vmxlab_vm *vm)
{
	struct vm_irqchip *chip = vm->irqchip;

	if (!chip || !chip->pit)
		return;
	pit_destroy(chip->pit);
	vmxlab_free(chip->pit, sizeof(*chip->pit));
	chip->pit = NULL;
}

void irqchip_destroy(struct vmxlab_vm *vm)
{
	struct vm_irqchip *chip = vm->irqchip;

	if (!chip)
		return;
	irqchip_stop_sources(vm);
	irqchip_free(chip);
	vm->irqchip = NULL;
}

static void pit_irq_to_gsi0(void *opaque, int level)
{
	struct vm_irqchip *chip = opaque;

	irq_route_set_gsi(chip->route, 0, level);
}

static int irqchip_create_pit(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_pit_config config;
	struct vm_irqchip *chip = vm->irqchip;
	struct pit *pit;
	int err = 0;

	if (copy_from_user(&config, argp, sizeof(config)))
		return -EFAULT;
	if (!chip || chip->split)
		return -ENOENT;
	pit = vmxlab_zalloc(sizeof(*pit));
	if (!pit)
		return -ENOMEM;
	pit_init(pit);
	pit_set_irq_fn(pit, pit_irq_to_gsi0, chip);
	mutex_lock(&vm->lock);
	if (chip->pit)
		err = -EEXIST;
	else
		err = irqchip_register_pit(vm, chip);
	if (!err) {
		/* The ports answer once this is seen: pairs with pit_read_op(). */
		smp_store_release(&chip->pit, pit);
	}
	mutex_unlock(&vm->lock);
	if (err) {
		pit_destroy(pit);
		vmxlab_free(pit, sizeof(*pit));
	}
	return err;
}

static int irqchip_irq_line(struct vmxlab_vm *vm, void __user *argp,
			    bool status)
{
	struct kvm_irq_level line;
	int ret;

	if (copy_from_user(&line, argp, sizeof(line)))
		return -EFAULT;
	if (!vm->irqchip)
		return -ENXIO;
	ret = irq_route_set_gsi(vm->irqchip->route, line.irq, line.level);
	if (!status)
		return 0;
	line.status = ret;
	return copy_to_user(argp, &line, sizeof(line)) ? -EFAULT : 0;
}

static int irqchip_signal_msi(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (!vm->irqchip)
		return -EINVAL;
	if (msi.flags)
		return -EINVAL;
	return irq_route_signal_msi(vm->irqchip->route, msi.address_lo,
				    msi.address_hi, msi.data);
}

static int irqchip_get(struct vmxlab_vm *vm, void __user *argp, bool set)
{
	struct vm_irqchip *chip = vm->irqchip;
	struct kvm_irqchip *state;
	int err = 0;

	if (!chip || chip->split)
		return -ENXIO;
	state = vmxlab_memdup_user(argp, sizeof(*state));
	if (IS_ERR(state))
		return PTR_ERR(state);
	switch (state->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		if (set)
			err = pic_set_state(&chip->pic, state->chip_id,
					    (void *)&state->chip.pic);
		else
			err = pic_get_state(&chip->pic, state->chip_id,
					    (void *)&state->chip.pic);
		break;
	case KVM_IRQCHIP_IOAPIC:
		if (set)
			err = ioapic_set_state(&chip->ioapic,
					       (void *)&state->chip.ioapic);
		else
			ioapic_get_state(&chip->ioapic,
					 (void *)&state->chip.ioapic);
		break;
	default:
		err = -EINVAL;
	}
	if (!err && !set && copy_to_user(argp, state, sizeof(*state)))
		err = -EFAULT;
	vmxlab_free(state, sizeof(*state));
	return err;
}

static int irqchip_pit_state(struct vmxlab_vm *vm, void __user *argp,
			     bool set)
{
	struct vm_irqchip *chip = vm->irqchip;
	struct kvm_pit_state2 state;

	if (!chip || !chip->pit)
		return -ENXIO;
	if (set) {
		if (copy_from_user(&state, argp, sizeof(state)))
			return -EFAULT;
		pit_set_state(chip->pit, (void *)&state);
		return 0;
	}
	pit_get_state(chip->pit, (void *)&state);
	return copy_to_user(argp, &state, sizeof(state)) ? -EFAULT : 0;
}

static int irqchip_set_gsi_routing(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_irq_routing hdr;
	struct kvm_irq_routing_entry *ue;
	struct irq_route_entry *e;
	u32 i;
	int err;

	if (!vm->irqchip)
		return -EINVAL;
	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nr > IRQ_ROUTE_MAX_ENTRIES || hdr.flags)
		return -EINVAL;
	ue = vmxlab_memdup_user(argp + sizeof(hdr), hdr.nr * sizeof(*ue));
	if (IS_ERR(ue))
		return PTR_ERR(ue);
	e = vmxlab_zalloc_array(hdr.nr ?: 1, sizeof(*e));
	if (!e) {
		vmxlab_free(ue, hdr.nr * sizeof(*ue));
		return -ENOMEM;
	}
	for (i = 0; i < hdr.nr; i++) {
		e[i].gsi = ue[i].gsi;
		e[i].type = ue[i].type;
		e[i].flags = ue[i].flags;
		if (ue[i].type == KVM_IRQ_ROUTING_IRQCHIP) {
			e[i].u.irqchip.chip = ue[i].u.irqchip.irqchip;
			e[i].u.irqchip.pin = ue[i].u.irqchip.pin;
		} else if (ue[i].type == KVM_IRQ_ROUTING_MSI) {
			e[i].u.msi.address_lo = ue[i].u.msi.address_lo;
			e[i].u.msi.address_hi = ue[i].u.msi.address_hi;
			e[i].u.msi.data = ue[i].u.msi.data;
		}
	}
	err = irq_route_set_table(vm->irqchip->route, e, hdr.nr);
	if (!err && vm->irqchip->split)
		split_scan_routes(vm->irqchip, e, hdr.nr);
	vmxlab_free(e, (hdr.nr ?: 1) * sizeof(*e));
	vmxlab_free(ue, hdr.nr * sizeof(*ue));
	return err;
}

long irqchip_vm_ioctl(struct vmxlab_vm *vm, unsigned int ioctl,
		      void __user *argp, unsigned long arg)
{
	switch (ioctl) {
	case KVM_CREATE_IRQCHIP:
		return irqchip_create(vm, false);
	case KVM_IRQ_LINE:
		return irqchip_irq_line(vm, argp, false);
	case KVM_IRQ_LINE_STATUS:
		return irqchip_irq_line(vm, argp, true);
	case KVM_SIGNAL_MSI:
		return irqchip_signal_msi(vm, argp);
	case KVM_GET_IRQCHIP:
		return irqchip_get(vm, argp, false);
	case KVM_SET_IRQCHIP:
		return irqchip_get(vm, argp, true);
	case KVM_CREATE_PIT2:
		return irqchip_create_pit(vm, argp);
	case KVM_GET_PIT2:
		return irqchip_pit_state(vm, argp, false);
	case KVM_SET_PIT2:
		return irqchip_pit_state(vm, argp, true);
	case KVM_SET_GSI_ROUTING:
		return irqchip_set_gsi_routing(vm, argp);
	default:
		return -ENOTTY;
	}
}

/* ---- vCPU level ---- */

/* The LAPIC exists from here on, but no message can reach it yet. */
int irqchip_vcpu_create(struct vmxlab_vcpu *vcpu)
{
	struct vm_irqchip *chip = vcpu->vm->irqchip;

	rcuwait_init(&vcpu->wait);
	if (!chip)
		return 0;
	vcpu->lapic = vmxlab_zalloc(sizeof(*vcpu->lapic));
	vcpu->lapic_mmio = vmxlab_zalloc(sizeof(*vcpu->lapic_mmio));
	if (!vcpu->lapic || !vcpu->lapic_mmio) {
		vmxlab_free(vcpu->lapic, sizeof(*vcpu->lapic));
		vmxlab_free(vcpu->lapic_mmio, sizeof(*vcpu->lapic_mmio));
		vcpu->lapic = NULL;
		vcpu->lapic_mmio = NULL;
		return -ENOMEM;
	}
	vcpu->lapic_mmio->dev.ops = &lapic_mmio_ops;
	vcpu->lapic_mmio->vcpu = vcpu;
	lapic_init(vcpu->lapic, &chip->bus, vcpu, vcpu->id, vcpu->id == 0);
	/* Application processors wait for INIT/SIPI, as in KVM. */
	if (vcpu->id != 0)
		vcpu->mp_state = KVM_MP_STATE_UNINITIALIZED;
	return 0;
}

static_assert(VMXLAB_MAX_VCPUS <= APIC_BUS_MAX_LAPICS);

/*
 * The xAPIC page on the I/O bus. Safe before the vCPU is published: only
 * the vCPU's own accesses reach it. Undone by irqchip_vcpu_detach_mmio()
 * if the vCPU's creation fails later.
 */
int irqchip_vcpu_attach_mmio(struct vmxlab_vcpu *vcpu)
{
	return vcpu->lapic ? lapic_mmio_place(vcpu) : 0;
}

void irqchip_vcpu_detach_mmio(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->lapic && vcpu->lapic_mmio->registered)
		io_bus_unregister(vcpu->vm, IO_BUS_MMIO,
				  &vcpu->lapic_mmio->dev);
}

/* The LAPIC joins the APIC bus; only once the vCPU can no longer fail. */
void irqchip_vcpu_publish(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->lapic)
		WARN_ON_ONCE(apic_bus_add(&vcpu->vm->irqchip->bus,
					  vcpu->lapic));
}

void irqchip_vcpu_destroy(struct vmxlab_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	/* The VM is going, or the vCPU never was: the I/O bus goes whole. */
	apic_bus_remove(&vcpu->vm->irqchip->bus, vcpu->lapic);
	lapic_destroy(vcpu->lapic);
	vmxlab_free(vcpu->lapic, sizeof(*vcpu->lapic));
	vmxlab_free(vcpu->lapic_mmio, sizeof(*vcpu->lapic_mmio));
	vcpu->lapic = NULL;
	vcpu->lapic_mmio = NULL;
}

static int irqchip_lapic_state(struct vmxlab_vcpu *vcpu, void __user *argp,
			       bool set)
{
	struct kvm_lapic_state *s;
	int err = 0;

	if (!vcpu->lapic)
		return -ENXIO;
	s = vmxlab_zalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (set) {
		if (copy_from_user(s, argp, sizeof(*s)))
			err = -EFAULT;
		else
			err = lapic_set_state(vcpu->lapic, (u8 *)s->regs);
		vcpu_make_request(vcpu, VCPU_REQ_EVENT);
	} else {
		lapic_get_state(vcpu->lapic, (u8 *)s->regs);
		if (copy_to_user(argp, s, sizeof(*s)))
			err = -EFAULT;
	}
	vmxlab_free(s, sizeof(*s));
	return err;
}

static int irqchip_user_interrupt(struct vmxlab_vcpu *vcpu, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= 256)
		return -EINVAL;
	/* With a full in-kernel irqchip, the PIC is in the kernel too. */
	if (irqchip_in_kernel(vcpu->vm) && !vcpu->vm->irqchip->split)
		return -ENXIO;
	if (vcpu->user_irq_pending)
		return -EEXIST;
	vcpu->user_irq = irq.irq;
	vcpu->user_irq_pending = true;
	return 0;
}

long irqchip_vcpu_ioctl(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_LAPIC:
		return irqchip_lapic_state(vcpu, argp, false);
	case KVM_SET_LAPIC:
		return irqchip_lapic_state(vcpu, argp, true);
	case KVM_INTERRUPT:
		return irqchip_user_interrupt(vcpu, argp);
	case KVM_NMI:
		vcpu_make_request(vcpu, VCPU_REQ_NMI);
		return 0;
	default:
		return -ENOTTY;
	}
}

/* The PIC's answer to the interrupt acknowledge of an ExtINT. */
u8 irqchip_pic_acknowledge(struct vmxlab_vm *vm)
{
	return pic_read_irq(&vm->irqchip->pic);
}

int irqchip_rdmsr(struct vmxlab_vcpu *vcpu, u32 msr, u64 *data, bool *handled)
{
	*handled = vcpu->lapic &&
		   (msr == LAPIC_MSR_APIC_BASE || msr == LAPIC_MSR_TSC_DEADLINE ||
		    (msr >= LAPIC_MSR_X2APIC_FIRST &&
		     msr <= LAPIC_MSR_X2APIC_LAST));
	if (!*handled)
		return 0;
	return lapic_rdmsr(vcpu->lapic, msr, data) < 0 ? -EINVAL : 0;
}

int irqchip_wrmsr(struct vmxlab_vcpu *vcpu, u32 msr, u64 data, bool host,
		  bool *handled)
{
	*handled = vcpu->lapic &&
		   (msr == LAPIC_MSR_APIC_BASE || msr == LAPIC_MSR_TSC_DEADLINE ||
		    (msr >= LAPIC_MSR_X2APIC_FIRST &&
		     msr <= LAPIC_MSR_X2APIC_LAST));
	if (!*handled)
		return 0;
	if (msr == LAPIC_MSR_APIC_BASE)
		return irqchip_set_apic_base(vcpu, data, host);
	return lapic_wrmsr(vcpu->lapic, msr, data) < 0 ? -EINVAL : 0;
}

/* IA32_APIC_BASE, from WRMSR or from KVM_SET_SREGS/MSRS (host). */
int irqchip_set_apic_base(struct vmxlab_vcpu *vcpu, u64 base, bool host)
{
	if (!vcpu->lapic) {
		if (base & ~(0xffffff000ULL | BIT(8) | BIT(10) | BIT(11)))
			return -EINVAL;
		vcpu->apic_base = base;
		return 0;
	}
	if (lapic_set_base(vcpu->lapic, base, host) < 0)
		return -EINVAL;
	vcpu->apic_base = lapic_get_base(vcpu->lapic);
	/* A moved xAPIC page moves its range (once the vCPU is on the bus). */
	return vcpu->lapic_mmio->registered ? lapic_mmio_place(vcpu) : 0;
}

u64 irqchip_get_cr8(struct vmxlab_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return vcpu->cr8;
	return lapic_get_tpr(vcpu->lapic) >> 4;
}

void irqchip_set_cr8(struct vmxlab_vcpu *vcpu, u64 cr8)
{
	vcpu->cr8 = cr8;
	if (vcpu->lapic)
		lapic_set_tpr(vcpu->lapic, cr8 << 4);
}
