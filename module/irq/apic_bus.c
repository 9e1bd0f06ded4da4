// SPDX-License-Identifier: GPL-2.0
/*
 * The APIC bus of one VM: finds the LAPICs a message is addressed to and
 * hands it to them, and carries EOIs of level interrupts back to the
 * IOAPIC.
 *
 * Locking: bus->lock only guards the table and the notifier; a delivery
 * copies the table and then takes one LAPIC lock at a time (inside
 * lapic.c), kicking each vCPU once its LAPIC lock is dropped. The EOI
 * notifier is called with no lock held, so the IOAPIC may deliver again
 * from it.
 */
#ifdef VMXLAB_HOST
#include <errno.h>
#else
#include <linux/errno.h>
#endif

#include "apic_bus.h"
#include "lapic.h"

/* MSI address: 0xfee in bits 31:20, destination ID in 19:12. */
#define MSI_ADDR_DEST(addr)	(((addr) >> 12) & 0xff)
#define MSI_ADDR_RH		(1u << 3)
#define MSI_ADDR_DM_LOGICAL	(1u << 2)
#define MSI_DATA_MODE(data)	(((data) >> 8) & 7)
#define MSI_DATA_LEVEL		(1u << 15)

void apic_bus_init(struct apic_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
	irq_lock_init(&bus->lock);
}

int apic_bus_add(struct apic_bus *bus, struct lapic *lapic)
{
	int err = -ENOSPC;

	irq_lock(&bus->lock);
	if (bus->nr_lapics < APIC_BUS_MAX_LAPICS) {
		bus->lapic[bus->nr_lapics++] = lapic;
		err = 0;
	}
	irq_unlock(&bus->lock);
	return err;
}

/* Only at vCPU teardown, once nothing can deliver to this LAPIC. */
void apic_bus_remove(struct apic_bus *bus, struct lapic *lapic)
{
	int i;

	irq_lock(&bus->lock);
	for (i = 0; i < bus->nr_lapics; i++) {
		if (bus->lapic[i] == lapic) {
			bus->lapic[i] = bus->lapic[--bus->nr_lapics];
			bus->lapic[bus->nr_lapics] = NULL;
			break;
		}
	}
	irq_unlock(&bus->lock);
}

/* A copy of the table, so that no LAPIC lock nests in bus->lock. */
static int snapshot(struct apic_bus *bus, struct lapic **lapics)
{
	int nr;

	irq_lock(&bus->lock);
	nr = bus->nr_lapics;
	memcpy(lapics, bus->lapic, nr * sizeof(*lapics));
	irq_unlock(&bus->lock);
	return nr;
}

static int deliver_to_all(struct lapic **lapics, int nr, struct lapic *src,
			  const struct apic_irq *irq)
{
	int i, targets = 0;
	bool kick;

	for (i = 0; i < nr; i++) {
		if (!lapic_accept_if_match(lapics[i], src, irq, &kick))
			continue;
		targets++;
		if (kick)
			irq_host_kick_vcpu(lapics[i]->vcpu);
	}
	return targets;
}

static int deliver_lowest(struct lapic **lapics, int nr, struct lapic *src,
			  const struct apic_irq *irq)
{
	struct lapic *best = NULL;
	u64 key, best_key = ~0ull;
	bool kick;
	int i;

	for (i = 0; i < nr; i++) {
		if (lapic_arbitration_key(lapics[i], src, irq, &key) &&
		    key < best_key) {
			best = lapics[i];
			best_key = key;
		}
	}
	if (!best)
		return 0;
	if (lapic_accept_if_match(best, src, irq, &kick) && kick)
		irq_host_kick_vcpu(best->vcpu);
	return 1;
}

/*
 * Returns the number of LAPICs addressed; a lowest-priority message
 * goes to one of them. src is the sending LAPIC for IPIs, NULL for
 * IOAPIC and MSI messages.
 */
int apic_bus_deliver(struct apic_bus *bus, struct lapic *src,
		     const struct apic_irq *irq)
{
	struct lapic *lapics[APIC_BUS_MAX_LAPICS];
	int nr = snapshot(bus, lapics);

	if (irq->delivery_mode == APIC_DM_LOWEST)
		return deliver_lowest(lapics, nr, src, irq);
	return deliver_to_all(lapics, nr, src, irq);
}

/* x86 MSI format; a redirection hint makes a fixed MSI lowest-priority. */
int apic_bus_deliver_msi(struct apic_bus *bus, u64 addr, u32 data)
{
	struct apic_irq irq = {
		.dest = MSI_ADDR_DEST(addr),
		.vector = data & 0xff,
		.delivery_mode = MSI_DATA_MODE(data),
		.dest_logical = addr & MSI_ADDR_DM_LOGICAL,
		.level_trigger = data & MSI_DATA_LEVEL,
	};

	if ((addr & MSI_ADDR_RH) && irq.delivery_mode == APIC_DM_FIXED)
		irq.delivery_mode = APIC_DM_LOWEST;
	return apic_bus_deliver(bus, NULL, &irq);
}

void apic_bus_set_eoi_notifier(struct apic_bus *bus,
			       void (*fn)(void *opaque, u8 vector),
			       void *opaque)
{
	irq_lock(&bus->lock);
	bus->eoi_fn = fn;
	bus->eoi_opaque = opaque;
	irq_unlock(&bus->lock);
}

/* A LAPIC completed a level-triggered vector. */
void apic_bus_eoi(struct apic_bus *bus, u8 vector)
{
	apic_eoi_fn fn;
	void *opaque;

	irq_lock(&bus->lock);
	fn = bus->eoi_fn;
	opaque = bus->eoi_opaque;
	irq_unlock(&bus->lock);
	if (fn)
		fn(opaque, vector);
}
