// SPDX-License-Identifier: GPL-2.0
/*
 * --irqchip split: the LAPICs stay in the kernel (KVM_CAP_SPLIT_IRQCHIP),
 * the IOAPIC and the PICs are the launcher's (module/irq/ioapic.c, pic.c)
 * and so is the PIT.
 *
 * The IOAPIC model keeps the registers the guest reads and writes; the
 * launcher turns a pin's redirection entry into an MSI and sends it with
 * KVM_SIGNAL_MSI. For level-triggered pins it keeps the remote IRR
 * itself: the GSI routing table given to KVM mirrors those entries as MSI
 * routes, which is how KVM learns which vectors' EOIs to report
 * (KVM_EXIT_IOAPIC_EOI); on such an EOI a pin whose line is still high
 * fires again. The PICs are programmable but their output goes nowhere:
 * with the LAPICs in the kernel, guests use the IOAPIC.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "irqchip/irqchip.h"
#include "vm.h"

#include "irq/apic_bus.h"
#include "irq/ioapic.h"
#include "irq/pic.h"

#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_LOGICAL	(1u << 2)
#define MSI_DATA_DM_SHIFT	8
#define MSI_DATA_ASSERT		(1u << 14)
#define MSI_DATA_LEVEL		(1u << 15)

struct split_chip {
	pthread_mutex_t lock;	/* lines and remote IRRs; taken before the models' */
	struct apic_bus bus;	/* empty: delivery is done here */
	struct ioapic ioapic;
	struct pic pic;
	struct vm *vm;
	bool line[IOAPIC_NUM_PINS];
	bool remote_irr[IOAPIC_NUM_PINS];
};

static struct split_chip chip = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void rte_to_msi(u64 rte, uint32_t *addr, uint32_t *data)
{
	*addr = MSI_ADDR_BASE |
		(uint32_t)((rte & IOAPIC_RTE_DEST_MASK) >> IOAPIC_RTE_DEST_SHIFT)
		<< MSI_ADDR_DEST_SHIFT;
	if (rte & IOAPIC_RTE_DEST_LOGICAL)
		*addr |= MSI_ADDR_LOGICAL;
	*data = (rte & IOAPIC_RTE_VECTOR) |
		((rte & IOAPIC_RTE_DM_MASK) >> IOAPIC_RTE_DM_SHIFT)
		<< MSI_DATA_DM_SHIFT;
	if (rte & IOAPIC_RTE_LEVEL)
		*data |= MSI_DATA_LEVEL | MSI_DATA_ASSERT;
}

static u64 split_rte(unsigned int pin)
{
	struct ioapic_state st;

	ioapic_get_state(&chip.ioapic, &st);
	return st.redirtbl[pin];
}

/* Called with chip.lock held. */
static void split_fire(unsigned int pin)
{
	u64 rte = split_rte(pin);
	struct kvm_msi msi = { 0 };

	if (rte & IOAPIC_RTE_MASKED)
		return;
	if (rte & IOAPIC_RTE_LEVEL) {
		if (chip.remote_irr[pin])
			return;
		chip.remote_irr[pin] = true;
	}
	rte_to_msi(rte, &msi.address_lo, &msi.data);
	if (ioctl(chip.vm->fd, KVM_SIGNAL_MSI, &msi) < 0)
		fprintf(stderr, "vmxlab: KVM_SIGNAL_MSI: %s\n", strerror(errno));
}

/* KVM's copy of the level-triggered entries, for its EOI bitmap. */
static void split_update_routes(void)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[IOAPIC_NUM_PINS];
	} r;
	unsigned int pin;

	memset(&r, 0, sizeof(r));
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		u64 rte = split_rte(pin);
		struct kvm_irq_routing_entry *e = &r.e[r.hdr.nr];

		if ((rte & IOAPIC_RTE_MASKED) || !(rte & IOAPIC_RTE_LEVEL))
			continue;
		e->gsi = pin;
		e->type = KVM_IRQ_ROUTING_MSI;
		rte_to_msi(rte, &e->u.msi.address_lo, &e->u.msi.data);
		r.hdr.nr++;
	}
	if (ioctl(chip.vm->fd, KVM_SET_GSI_ROUTING, &r) < 0)
		fprintf(stderr, "vmxlab: KVM_SET_GSI_ROUTING: %s\n",
			strerror(errno));
}

static void ioapic_io(void *opaque, uint64_t offset, uint8_t *data,
		      unsigned int len, bool is_write)
{
	unsigned int pin;

	if (!is_write) {
		io_data_put(data, len, ioapic_mmio_read(&chip.ioapic, offset, len));
		return;
	}
	pthread_mutex_lock(&chip.lock);
	ioapic_mmio_write(&chip.ioapic, offset, len, io_data_get(data, len));
	if (offset == IOAPIC_WINDOW) {
		split_update_routes();
		/* an entry unmasked while its level line is high fires now */
		for (pin = 0; pin < IOAPIC_NUM_PINS; pin++)
			if (chip.line[pin] && (split_rte(pin) & IOAPIC_RTE_LEVEL))
				split_fire(pin);
	}
	pthread_mutex_unlock(&chip.lock);
}

static void pic_io(void *opaque, uint64_t offset, uint8_t *data,
		   unsigned int len, bool is_write)
{
	uint16_t port = (uintptr_t)opaque + offset;

	if (is_write)
		pic_io_write(&chip.pic, port, data[0]);
	else
		data[0] = pic_io_read(&chip.pic, port);
}

static int split_create(struct vm *vm, struct errbuf *err)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args[0] = IOAPIC_NUM_PINS,
	};

	chip.vm = vm;
	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0)
		return errbuf_set(err, "%s: KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s",
				  vm->opts->device, strerror(errno));
	apic_bus_init(&chip.bus);
	ioapic_init(&chip.ioapic, &chip.bus);
	pic_init(&chip.pic);
	if (io_bus_register(&vm->bus, IO_SPACE_MMIO, IOAPIC_DEFAULT_BASE,
			    IOAPIC_MMIO_SIZE, ioapic_io, vm, "ioapic", err) ||
	    io_bus_register(&vm->bus, IO_SPACE_PORT, PIC_MASTER_CMD, 2, pic_io,
			    (void *)(uintptr_t)PIC_MASTER_CMD, "pic-master", err) ||
	    io_bus_register(&vm->bus, IO_SPACE_PORT, PIC_SLAVE_CMD, 2, pic_io,
			    (void *)(uintptr_t)PIC_SLAVE_CMD, "pic-slave", err) ||
	    io_bus_register(&vm->bus, IO_SPACE_PORT, PIC_ELCR_MASTER, 2, pic_io,
			    (void *)(uintptr_t)PIC_ELCR_MASTER, "elcr", err))
		return -1;
	return pit_user_create(vm, err);
}

static void split_set_line(struct vm *vm, unsigned int gsi, int level)
{
	bool rising;

	if (gsi >= IOAPIC_NUM_PINS)
		return;
	pthread_mutex_lock(&chip.lock);
	rising = level && !chip.line[gsi];
	chip.line[gsi] = level;
	ioapic_set_irq(&chip.ioapic, gsi, level);
	if (gsi < PIC_NUM_PINS)
		pic_set_irq(&chip.pic, gsi, level);
	if (level && (rising || (split_rte(gsi) & IOAPIC_RTE_LEVEL)))
		split_fire(gsi);
	pthread_mutex_unlock(&chip.lock);
}

static bool split_handle_exit(struct vcpu *vcpu)
{
	uint8_t vector;
	unsigned int pin;

	if (vcpu->run->exit_reason != KVM_EXIT_IOAPIC_EOI)
		return false;
	vector = vcpu->run->eoi.vector;
	pthread_mutex_lock(&chip.lock);
	ioapic_eoi(&chip.ioapic, vector);
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		u64 rte = split_rte(pin);

		if (!chip.remote_irr[pin] || (rte & IOAPIC_RTE_VECTOR) != vector)
			continue;
		chip.remote_irr[pin] = false;
		if (chip.line[pin])
			split_fire(pin);
	}
	pthread_mutex_unlock(&chip.lock);
	return true;
}

const struct irqchip_ops irqchip_split_ops = {
	.name = "split",
	.create = split_create,
	.set_line = split_set_line,
	.handle_exit = split_handle_exit,
	.lapic_in_kernel = true,
};
