// SPDX-License-Identifier: GPL-2.0
/*
 * GSI routing: the default table, MSI decoding, table validation and
 * fan-out to the real PIC and IOAPIC models. The APIC bus is a stub
 * that records messages.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "irq/apic_bus.h"
#include "irq/ioapic.h"
#include "irq/irq_route.h"
#include "irq/pic.h"

#define MAX_MSGS 8

static struct apic_irq msgs[MAX_MSGS];
static int nr_msgs;

int apic_bus_deliver(struct apic_bus *bus, struct lapic *src,
		     const struct apic_irq *irq)
{
	if (nr_msgs < MAX_MSGS)
		msgs[nr_msgs] = *irq;
	nr_msgs++;
	return 1;
}

void apic_bus_set_eoi_notifier(struct apic_bus *bus,
			       void (*fn)(void *opaque, u8 vector),
			       void *opaque)
{
}

FIXTURE(route) {
	struct apic_bus bus;
	struct ioapic ioapic;
	struct pic pic;
	struct irq_route route;
};

FIXTURE_SETUP(route)
{
	nr_msgs = 0;
	ioapic_init(&self->ioapic, &self->bus);
	pic_init(&self->pic);
	irq_route_init(&self->route, &self->ioapic, &self->pic, &self->bus);
}

FIXTURE_TEARDOWN(route)
{
}

static const struct irq_route_entry *find(struct irq_route *r, u32 gsi,
					  u32 chip)
{
	u32 i;

	for (i = 0; i < r->nr; i++)
		if (r->table[i].gsi == gsi &&
		    r->table[i].type == IRQ_ROUTE_IRQCHIP &&
		    r->table[i].u.irqchip.chip == chip)
			return &r->table[i];
	return NULL;
}

static void ioapic_program(struct ioapic *io, unsigned int pin, u64 rte)
{
	ioapic_mmio_write(io, IOAPIC_REGSEL, 4, IOAPIC_REG_REDTBL + 2 * pin);
	ioapic_mmio_write(io, IOAPIC_WINDOW, 4, (u32)rte);
}

static struct irq_route_entry chip_entry(u32 gsi, u32 chip, u32 pin)
{
	struct irq_route_entry e = {
		.gsi = gsi, .type = IRQ_ROUTE_IRQCHIP,
		.u.irqchip = { .chip = chip, .pin = pin },
	};

	return e;
}

static struct irq_route_entry msi_entry(u32 gsi, u32 addr, u32 data)
{
	struct irq_route_entry e = {
		.gsi = gsi, .type = IRQ_ROUTE_MSI,
		.u.msi = { .address_lo = addr, .data = data },
	};

	return e;
}

TEST_F(route, default_table)
{
	struct irq_route *r = &self->route;
	const struct irq_route_entry *e;
	u32 gsi;

	ASSERT_EQ(40u, r->nr);
	for (gsi = 0; gsi < 24; gsi++) {
		e = find(r, gsi, IRQ_ROUTE_CHIP_IOAPIC);
		ASSERT_TRUE(e != NULL);
		ASSERT_EQ(gsi, e->u.irqchip.pin);
	}
	e = find(r, 0, IRQ_ROUTE_CHIP_PIC_MASTER);
	ASSERT_TRUE(e != NULL);
	ASSERT_EQ(0u, e->u.irqchip.pin);
	e = find(r, 9, IRQ_ROUTE_CHIP_PIC_SLAVE);
	ASSERT_TRUE(e != NULL);
	ASSERT_EQ(1u, e->u.irqchip.pin);
	ASSERT_TRUE(find(r, 9, IRQ_ROUTE_CHIP_PIC_MASTER) == NULL);
	ASSERT_TRUE(find(r, 16, IRQ_ROUTE_CHIP_PIC_MASTER) == NULL);
	ASSERT_TRUE(find(r, 16, IRQ_ROUTE_CHIP_PIC_SLAVE) == NULL);
}

TEST_F(route, gsi_fans_out_to_both_chips)
{
	struct irq_route *r = &self->route;

	ioapic_program(&self->ioapic, 4, 0x34);
	/* PIC unmasked after reset: both count as delivered. */
	ASSERT_EQ(2, irq_route_set_gsi(r, 4, 1));
	ASSERT_EQ(1, nr_msgs);
	ASSERT_EQ(0x34, msgs[0].vector);
	ASSERT_TRUE(pic_has_interrupt(&self->pic));

	/* Both masked: not delivered anywhere. */
	pic_io_write(&self->pic, PIC_MASTER_DATA, 0xff);
	ioapic_program(&self->ioapic, 5, 0x35 | IOAPIC_RTE_MASKED);
	ASSERT_EQ(-1, irq_route_set_gsi(r, 5, 1));

	/* IOAPIC-only GSI, and a GSI nobody routes. */
	ioapic_program(&self->ioapic, 20, 0x44);
	ASSERT_EQ(1, irq_route_set_gsi(r, 20, 1));
	ASSERT_EQ(-1, irq_route_set_gsi(r, 200, 1));
}

TEST(msi_decode)
{
	struct apic_irq irq;

	/* dest 0x3c, logical, RH; NMI, level-triggered, asserted */
	irq_route_msi_decode(0xfee3c00c, 0, 0xc441, &irq);
	ASSERT_EQ(0x3cu, irq.dest);
	ASSERT_TRUE(irq.dest_logical);
	ASSERT_EQ(0x41, irq.vector);
	ASSERT_EQ(APIC_DM_NMI, irq.delivery_mode);
	ASSERT_TRUE(irq.level_trigger);

	irq_route_msi_decode(0xfeeff000, 0, 0x00ef, &irq);
	ASSERT_EQ(0xffu, irq.dest);
	ASSERT_FALSE(irq.dest_logical);
	ASSERT_EQ(0xef, irq.vector);
	ASSERT_EQ(APIC_DM_FIXED, irq.delivery_mode);
	ASSERT_FALSE(irq.level_trigger);
	ASSERT_EQ(APIC_SH_NONE, irq.shorthand);

	/* Redirection hint on a fixed message: lowest priority. */
	irq_route_msi_decode(0xfee0100c, 0, 0x0030, &irq);
	ASSERT_EQ(APIC_DM_LOWEST, irq.delivery_mode);
}

TEST_F(route, msi_entries_and_signal)
{
	struct irq_route *r = &self->route;
	struct irq_route_entry t[] = {
		msi_entry(33, 0xfee02000, 0x0151),
		chip_entry(1, IRQ_ROUTE_CHIP_IOAPIC, 1),
		msi_entry(32, 0xfee01000, 0x0050),
	};

	ASSERT_EQ(0, irq_route_set_table(r, t, 3));
	ASSERT_EQ(3u, r->nr);
	/* Kept sorted by GSI for the lookup. */
	ASSERT_EQ(1u, r->table[0].gsi);
	ASSERT_EQ(33u, r->table[2].gsi);

	ASSERT_EQ(1, irq_route_set_gsi(r, 33, 1));
	ASSERT_EQ(1, nr_msgs);
	ASSERT_EQ(2u, msgs[0].dest);
	ASSERT_EQ(0x51, msgs[0].vector);
	ASSERT_EQ(APIC_DM_LOWEST, msgs[0].delivery_mode);
	/* Deasserting an MSI GSI sends nothing. */
	ASSERT_EQ(-1, irq_route_set_gsi(r, 33, 0));
	ASSERT_EQ(1, nr_msgs);
	ASSERT_EQ(1, irq_route_set_gsi(r, 32, 1));
	ASSERT_EQ(0x50, msgs[1].vector);
	/* The old default routes are gone. */
	ASSERT_EQ(-1, irq_route_set_gsi(r, 4, 1));

	ASSERT_EQ(1, irq_route_signal_msi(r, 0xfee05000, 0, 0x60));
	ASSERT_EQ(5u, msgs[2].dest);
	ASSERT_EQ(0x60, msgs[2].vector);
}

static int try_one(struct irq_route *r, struct irq_route_entry e)
{
	return irq_route_set_table(r, &e, 1);
}

TEST_F(route, invalid_entries_rejected)
{
	struct irq_route *r = &self->route;
	struct irq_route_entry e, pair[2];

	e = chip_entry(1, IRQ_ROUTE_CHIP_IOAPIC, 1);
	e.flags = 1;
	ASSERT_EQ(-EINVAL, try_one(r, e));
	e = chip_entry(1, IRQ_ROUTE_CHIP_IOAPIC, 1);
	e.type = 3;
	ASSERT_EQ(-EINVAL, try_one(r, e));
	ASSERT_EQ(-EINVAL, try_one(r, chip_entry(1, 3, 1)));
	ASSERT_EQ(-EINVAL, try_one(r, chip_entry(1, IRQ_ROUTE_CHIP_PIC_MASTER,
						 8)));
	ASSERT_EQ(-EINVAL, try_one(r, chip_entry(1, IRQ_ROUTE_CHIP_PIC_SLAVE,
						 8)));
	ASSERT_EQ(-EINVAL, try_one(r, chip_entry(1, IRQ_ROUTE_CHIP_IOAPIC,
						 24)));
	ASSERT_EQ(-EINVAL, try_one(r, chip_entry(IRQ_ROUTE_MAX_GSI,
						 IRQ_ROUTE_CHIP_IOAPIC, 1)));

	pair[0] = chip_entry(7, IRQ_ROUTE_CHIP_IOAPIC, 7);
	pair[1] = chip_entry(7, IRQ_ROUTE_CHIP_IOAPIC, 8);
	ASSERT_EQ(-EINVAL, irq_route_set_table(r, pair, 2));
	pair[1] = msi_entry(7, 0xfee00000, 0x30);
	ASSERT_EQ(-EINVAL, irq_route_set_table(r, pair, 2));
	pair[0] = msi_entry(7, 0xfee00000, 0x31);
	ASSERT_EQ(-EINVAL, irq_route_set_table(r, pair, 2));
	ASSERT_EQ(-EINVAL, irq_route_set_table(r, pair,
					       IRQ_ROUTE_MAX_ENTRIES + 1));

	/* Every failure kept the default table. */
	ASSERT_EQ(40u, r->nr);

	/* The same GSI on three different chips is fine. */
	pair[0] = chip_entry(7, IRQ_ROUTE_CHIP_IOAPIC, 7);
	pair[1] = chip_entry(7, IRQ_ROUTE_CHIP_PIC_MASTER, 7);
	ASSERT_EQ(0, irq_route_set_table(r, pair, 2));
	ASSERT_EQ(0, irq_route_set_table(r, NULL, 0));
	ASSERT_EQ(0u, r->nr);
}

TEST(split_irqchip_has_no_chip_routes)
{
	struct apic_bus bus;
	struct irq_route *r = calloc(1, sizeof(*r));
	struct irq_route_entry e = chip_entry(1, IRQ_ROUTE_CHIP_IOAPIC, 1);

	ASSERT_TRUE(r != NULL);
	irq_route_init(r, NULL, NULL, &bus);
	ASSERT_EQ(0u, r->nr);
	ASSERT_EQ(-EINVAL, irq_route_set_table(r, &e, 1));
	e = msi_entry(1, 0xfee00000, 0x41);
	ASSERT_EQ(0, irq_route_set_table(r, &e, 1));
	free(r);
}

TEST_HARNESS_MAIN
