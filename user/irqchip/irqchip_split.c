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

#include "irqchip/ioapic_pic.h"
#include "irqchip/irqchip.h"
#include "vm.h"

#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_LOGICAL	(1u << 2)
#define MSI_DATA_DM_SHIFT	8
#define MSI_DATA_ASSERT		(1u << 14)
#define MSI_DATA_LEVEL		(1u << 15)

struct split_chip {
	pthread_mutex_t lock;	/* lines and remote IRRs; taken before the models' */
	struct ioapic_pic ip;	/* its APIC bus stays empty: delivery is here */
	struct vm *vm;
	bool line[IOAPIC_NUM_PINS];
	bool remote_irr[IOAPIC_NUM_PINS];
};

static struct split_chip *split_chip(struct vm *vm)
{
	return vm->irqchip->priv;
}

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

static u64 split_rte(struct split_chip *c, unsigned int pin)
{
	struct ioapic_state st;

	ioapic_get_state(&c->ip.ioapic, &st);
	return st.redirtbl[pin];
}

/* Called with c->lock held. */
static void split_fire(struct split_chip *c, unsigned int pin)
{
	u64 rte = split_rte(c, pin);
	struct kvm_msi msi = { 0 };

	if (rte & IOAPIC_RTE_MASKED)
		return;
	if (rte & IOAPIC_RTE_LEVEL) {
		if (c->remote_irr[pin])
			return;
		c->remote_irr[pin] = true;
	}
	rte_to_msi(rte, &msi.address_lo, &msi.data);
	if (ioctl(c->vm->fd, KVM_SIGNAL_MSI, &msi) < 0)
		fprintf(stderr, "vmxlab: KVM_SIGNAL_MSI: %s\n", strerror(errno));
}

/* KVM's copy of the level-triggered entries, for its EOI bitmap. */
static void split_update_routes(struct split_chip *c)
{
	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[IOAPIC_NUM_PINS];
	} r;
	unsigned int pin;

	memset(&r, 0, sizeof(r));
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		u64 rte = split_rte(c, pin);
		struct kvm_irq_routing_entry *e = &r.e[r.hdr.nr];

		if ((rte & IOAPIC_RTE_MASKED) || !(rte & IOAPIC_RTE_LEVEL))
			continue;
		e->gsi = pin;
		e->type = KVM_IRQ_ROUTING_MSI;
		rte_to_msi(rte, &e->u.msi.address_lo, &e->u.msi.data);
		r.hdr.nr++;
	}
	if (ioctl(c->vm->fd, KVM_SET_GSI_ROUTING, &r) < 0)
		fprintf(stderr, "vmxlab: KVM_SET_GSI_ROUTING: %s\n",
			strerror(errno));
}

/* A register write: routes follow the entries, held lines fire again. */
static void split_ioapic_write(struct ioapic_pic *ip, uint64_t offset,
			       unsigned int len, uint64_t val)
{
	struct split_chip *c = container_of(ip, struct split_chip, ip);
	unsigned int pin;

	pthread_mutex_lock(&c->lock);
	ioapic_mmio_write(&ip->ioapic, offset, len, val);
	if (offset == IOAPIC_WINDOW) {
		split_update_routes(c);
		/* an entry unmasked while its level line is high fires now */
		for (pin = 0; pin < IOAPIC_NUM_PINS; pin++)
			if (c->line[pin] && (split_rte(c, pin) & IOAPIC_RTE_LEVEL))
				split_fire(c, pin);
	}
	pthread_mutex_unlock(&c->lock);
}

static int split_create(struct vm *vm, struct errbuf *err)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args[0] = IOAPIC_NUM_PINS,
	};
	struct split_chip *c = calloc(1, sizeof(*c));

	if (!c)
		return errbuf_set(err, "out of memory");
	pthread_mutex_init(&c->lock, NULL);
	c->vm = vm;
	c->ip.ioapic_write = split_ioapic_write;
	vm->irqchip->priv = c;
	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0)
		return errbuf_set(err, "%s: KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s",
				  vm->opts->device, strerror(errno));
	return ioapic_pic_create(&c->ip, vm, err);
}

static void split_set_line(struct vm *vm, unsigned int gsi, int level)
{
	struct split_chip *c = split_chip(vm);
	bool rising;

	if (gsi >= IOAPIC_NUM_PINS)
		return;
	pthread_mutex_lock(&c->lock);
	rising = level && !c->line[gsi];
	c->line[gsi] = level;
	ioapic_set_irq(&c->ip.ioapic, gsi, level);
	if (gsi < PIC_NUM_PINS)
		pic_set_irq(&c->ip.pic, gsi, level);
	if (level && (rising || (split_rte(c, gsi) & IOAPIC_RTE_LEVEL)))
		split_fire(c, gsi);
	pthread_mutex_unlock(&c->lock);
}

static bool split_handle_exit(struct vcpu *vcpu)
{
	struct split_chip *c = split_chip(vcpu->vm);
	uint8_t vector;
	unsigned int pin;

	if (vcpu->run->exit_reason != KVM_EXIT_IOAPIC_EOI)
		return false;
	vector = vcpu->run->eoi.vector;
	pthread_mutex_lock(&c->lock);
	ioapic_eoi(&c->ip.ioapic, vector);
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		u64 rte = split_rte(c, pin);

		if (!c->remote_irr[pin] || (rte & IOAPIC_RTE_VECTOR) != vector)
			continue;
		c->remote_irr[pin] = false;
		if (c->line[pin])
			split_fire(c, pin);
	}
	pthread_mutex_unlock(&c->lock);
	return true;
}

const struct irqchip_ops irqchip_split_ops = {
	.name = "split",
	.create = split_create,
	.set_line = split_set_line,
	.handle_exit = split_handle_exit,
	.lapic_in_kernel = true,
};
