/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The APIC bus: the local APICs of one VM and the interrupt messages that
 * travel between them. IPIs from a LAPIC's ICR, IOAPIC redirection entries
 * and MSIs all become one struct apic_irq, and apic_bus_deliver() finds
 * the LAPICs it is addressed to.
 */
#ifndef VMXLAB_IRQ_APIC_BUS_H
#define VMXLAB_IRQ_APIC_BUS_H

#include "irq_host.h"

/*
 * Delivery modes: the value of ICR bits 10:8 (also IOAPIC and MSI).
 * <asm/apicdef.h>, which most kernel headers pull in, has the same names
 * for the value shifted left by 8. A file that includes it first gets the
 * kernel's, so it must not build a struct apic_irq by hand; one that
 * includes it after this header fails to build on the redefinition.
 */
#ifndef _ASM_X86_APICDEF_H
#define APIC_DM_FIXED		0
#define APIC_DM_LOWEST		1
#define APIC_DM_SMI		2
#define APIC_DM_NMI		4
#define APIC_DM_INIT		5
#define APIC_DM_SIPI		6
#define APIC_DM_EXTINT		7
#endif

/* Destination shorthands: the value of ICR bits 19:18. */
#define APIC_SH_NONE		0
#define APIC_SH_SELF		1
#define APIC_SH_ALL		2
#define APIC_SH_ALL_BUT_SELF	3

#define APIC_BROADCAST		0xffu
#define X2APIC_BROADCAST	0xffffffffu

#define APIC_BUS_MAX_LAPICS	64

struct lapic;

/*
 * One interrupt message. dest is an 8-bit xAPIC or a 32-bit x2APIC
 * destination, physical or logical; it is ignored with a shorthand.
 * A zeroed apic_irq is a fixed, edge, physical, no-shorthand message.
 */
struct apic_irq {
	u32 dest;
	u8 vector;
	u8 delivery_mode;
	u8 shorthand;
	bool dest_logical;
	bool level_trigger;
};

typedef void (*apic_eoi_fn)(void *opaque, u8 vector);

/*
 * lock guards the LAPIC table and the EOI notifier, and is never held
 * with another lock: a delivery copies the table, then visits each LAPIC
 * under that LAPIC's own lock.
 */
struct apic_bus {
	struct irq_lock lock;
	struct lapic *lapic[APIC_BUS_MAX_LAPICS];
	int nr_lapics;
	apic_eoi_fn eoi_fn;
	void *eoi_opaque;
};

void apic_bus_init(struct apic_bus *bus);
int apic_bus_add(struct apic_bus *bus, struct lapic *lapic);
void apic_bus_remove(struct apic_bus *bus, struct lapic *lapic);

int apic_bus_deliver(struct apic_bus *bus, struct lapic *src,
		     const struct apic_irq *irq);
int apic_bus_deliver_msi(struct apic_bus *bus, u64 addr, u32 data);

void apic_bus_set_eoi_notifier(struct apic_bus *bus,
			       void (*fn)(void *opaque, u8 vector),
			       void *opaque);
void apic_bus_eoi(struct apic_bus *bus, u8 vector);

#endif
