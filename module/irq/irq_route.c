// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing table: validation, lookup and fan-out to the PIC, the
 * IOAPIC and MSI messages on the APIC bus.
 */
#ifdef VMXLAB_HOST
#include <errno.h>
#else
#include <linux/errno.h>
#endif
#include "irq_route.h"
#include "apic_bus.h"
#include "ioapic.h"
#include "pic.h"

#define IRQ_ROUTE_NR_LEGACY	16

/* MSI address and data fields (Intel SDM, "Message Signalled Interrupts") */
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_DEST_LOGICAL	(1u << 2)
#define MSI_ADDR_REDIR_HINT	(1u << 3)
#define MSI_DATA_VECTOR_MASK	0xffu
#define MSI_DATA_DM_SHIFT	8
#define MSI_DATA_LEVEL		(1u << 15)

static struct irq_route_entry irq_route_chip_entry(u32 gsi, u32 chip, u32 pin)
{
	struct irq_route_entry e = {
		.gsi = gsi,
		.type = IRQ_ROUTE_IRQCHIP,
		.u.irqchip = { .chip = chip, .pin = pin },
	};

	return e;
}

/* Caller holds the lock. */
static void irq_route_fill_default(struct irq_route *route)
{
	u32 gsi, chip;

	route->nr = 0;
	for (gsi = 0; gsi < IOAPIC_NUM_PINS; gsi++) {
		if (route->ioapic)
			route->table[route->nr++] = irq_route_chip_entry(gsi,
					IRQ_ROUTE_CHIP_IOAPIC, gsi);
		if (!route->pic || gsi >= IRQ_ROUTE_NR_LEGACY)
			continue;
		chip = gsi < 8 ? IRQ_ROUTE_CHIP_PIC_MASTER :
				 IRQ_ROUTE_CHIP_PIC_SLAVE;
		route->table[route->nr++] = irq_route_chip_entry(gsi, chip,
								 gsi % 8);
	}
}

void irq_route_set_default(struct irq_route *route)
{
	irq_lock(&route->lock);
	irq_route_fill_default(route);
	irq_unlock(&route->lock);
}

void irq_route_init(struct irq_route *route, struct ioapic *ioapic,
		    struct pic *pic, struct apic_bus *bus)
{
	memset(route, 0, sizeof(*route));
	irq_lock_init(&route->lock);
	route->ioapic = ioapic;
	route->pic = pic;
	route->bus = bus;
	irq_route_set_default(route);
}

static int irq_route_check_chip(struct irq_route *route,
				const struct irq_route_entry *e)
{
	switch (e->u.irqchip.chip) {
	case IRQ_ROUTE_CHIP_PIC_MASTER:
	case IRQ_ROUTE_CHIP_PIC_SLAVE:
		if (!route->pic || e->u.irqchip.pin >= 8)
			return -EINVAL;
		return 0;
	case IRQ_ROUTE_CHIP_IOAPIC:
		if (!route->ioapic || e->u.irqchip.pin >= IOAPIC_NUM_PINS)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static int irq_route_check_entry(struct irq_route *route,
				 const struct irq_route_entry *e)
{
	if (e->gsi >= IRQ_ROUTE_MAX_GSI || e->flags)
		return -EINVAL;
	switch (e->type) {
	case IRQ_ROUTE_IRQCHIP:
		return irq_route_check_chip(route, e);
	case IRQ_ROUTE_MSI:
		return 0;
	}
	return -EINVAL;
}

/* A GSI may fan out to several chips, but an MSI GSI is one message. */
static bool irq_route_conflict(const struct irq_route_entry *a,
			       const struct irq_route_entry *b)
{
	if (a->gsi != b->gsi)
		return false;
	if (a->type != IRQ_ROUTE_IRQCHIP || b->type != IRQ_ROUTE_IRQCHIP)
		return true;
	return a->u.irqchip.chip == b->u.irqchip.chip;
}

static int irq_route_check_table(struct irq_route *route,
				 const struct irq_route_entry *entries, u32 nr)
{
	u32 i, j;
	int ret;

	if (nr > IRQ_ROUTE_MAX_ENTRIES)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		ret = irq_route_check_entry(route, &entries[i]);
		if (ret)
			return ret;
		for (j = 0; j < i; j++)
			if (irq_route_conflict(&entries[i], &entries[j]))
				return -EINVAL;
	}
	return 0;
}

/* Insertion sort by GSI: tables are short and mostly sorted already. */
static void irq_route_sort(struct irq_route_entry *table, u32 nr)
{
	struct irq_route_entry e;
	u32 i, j;

	for (i = 1; i < nr; i++) {
		e = table[i];
		for (j = i; j > 0 && table[j - 1].gsi > e.gsi; j--)
			table[j] = table[j - 1];
		table[j] = e;
	}
}

int irq_route_set_table(struct irq_route *route,
			const struct irq_route_entry *entries, u32 nr)
{
	int ret;

	ret = irq_route_check_table(route, entries, nr);
	if (ret)
		return ret;

	irq_lock(&route->lock);
	if (nr)
		memcpy(route->table, entries, nr * sizeof(*entries));
	route->nr = nr;
	irq_route_sort(route->table, nr);
	irq_unlock(&route->lock);
	return 0;
}

void irq_route_msi_decode(u32 address_lo, u32 address_hi, u32 data,
			  struct apic_irq *irq)
{
	memset(irq, 0, sizeof(*irq));
	irq->dest = (address_lo >> MSI_ADDR_DEST_SHIFT) & 0xff;
	irq->dest_logical = address_lo & MSI_ADDR_DEST_LOGICAL;
	irq->vector = data & MSI_DATA_VECTOR_MASK;
	irq->delivery_mode = (data >> MSI_DATA_DM_SHIFT) & 7;
	irq->level_trigger = data & MSI_DATA_LEVEL;
	/* The redirection hint lets the chipset pick one target. */
	if ((address_lo & MSI_ADDR_REDIR_HINT) &&
	    irq->delivery_mode == APIC_DM_FIXED)
		irq->delivery_mode = APIC_DM_LOWEST;
}

int irq_route_signal_msi(struct irq_route *route, u32 address_lo,
			 u32 address_hi, u32 data)
{
	struct apic_irq irq;

	if (!route->bus)
		return 0;
	irq_route_msi_decode(address_lo, address_hi, data, &irq);
	return apic_bus_deliver(route->bus, NULL, &irq);
}

static int irq_route_entry_set(struct irq_route *route,
			       const struct irq_route_entry *e, int level)
{
	switch (e->type) {
	case IRQ_ROUTE_MSI:
		/* A message is an edge: only the assertion sends it. */
		if (!level)
			return -1;
		return irq_route_signal_msi(route, e->u.msi.address_lo,
					    e->u.msi.address_hi, e->u.msi.data);
	case IRQ_ROUTE_IRQCHIP:
		if (e->u.irqchip.chip == IRQ_ROUTE_CHIP_IOAPIC)
			return ioapic_set_irq(route->ioapic, e->u.irqchip.pin,
					      level);
		return pic_set_irq(route->pic,
				   e->u.irqchip.chip * 8 + e->u.irqchip.pin,
				   level);
	}
	return -1;
}

/* Copy out a GSI's entries so the chips are driven without our lock. */
static u32 irq_route_lookup(struct irq_route *route, u32 gsi,
			    struct irq_route_entry *out)
{
	u32 lo = 0, hi, n = 0;

	irq_lock(&route->lock);
	hi = route->nr;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (route->table[mid].gsi < gsi)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo < route->nr && route->table[lo].gsi == gsi &&
	       n < IRQ_ROUTE_MAX_PER_GSI)
		out[n++] = route->table[lo++];
	irq_unlock(&route->lock);
	return n;
}

int irq_route_set_gsi(struct irq_route *route, u32 gsi, int level)
{
	struct irq_route_entry e[IRQ_ROUTE_MAX_PER_GSI];
	int ret = -1, r;
	u32 i, n;

	n = irq_route_lookup(route, gsi, e);
	for (i = 0; i < n; i++) {
		r = irq_route_entry_set(route, &e[i], level);
		if (r < 0)
			continue;
		ret = r + (ret < 0 ? 0 : ret);
	}
	return ret;
}
