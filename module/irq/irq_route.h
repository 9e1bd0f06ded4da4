/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GSI routing: which interrupt controller inputs or MSI messages a
 * global system interrupt number stands for, in the shape of KVM's
 * KVM_SET_GSI_ROUTING (the kernel glue converts struct
 * kvm_irq_routing_entry to struct irq_route_entry field by field).
 *
 * Default table, as KVM's: GSI 0-15 go to the IOAPIC pin with the same
 * number and to PIC input n (master 0-7, slave 8-15); GSI 16-23 to the
 * IOAPIC only. So the PIT's IRQ0 reaches IOAPIC pin 0, not pin 2 as on
 * a real PC: a launcher that describes the PC wiring (an interrupt
 * source override IRQ0 -> GSI 2) must install its own table, as QEMU
 * does.
 */
#ifndef VMXLAB_IRQ_ROUTE_H
#define VMXLAB_IRQ_ROUTE_H

#include "irq_host.h"

struct apic_bus;
struct apic_irq;
struct ioapic;
struct pic;

/* Entry types and chips, numbered as KVM_IRQ_ROUTING_* / KVM_IRQCHIP_* */
#define IRQ_ROUTE_IRQCHIP		1
#define IRQ_ROUTE_MSI			2
#define IRQ_ROUTE_CHIP_PIC_MASTER	0
#define IRQ_ROUTE_CHIP_PIC_SLAVE	1
#define IRQ_ROUTE_CHIP_IOAPIC		2

#define IRQ_ROUTE_MAX_GSI		4096	/* KVM_MAX_IRQ_ROUTES */
#define IRQ_ROUTE_MAX_ENTRIES		1024
#define IRQ_ROUTE_MAX_PER_GSI		3	/* one per irqchip */

struct irq_route_entry {
	u32 gsi;
	u32 type;
	u32 flags;		/* must be 0 */
	union {
		struct {
			u32 chip;
			u32 pin;
		} irqchip;
		struct {
			u32 address_lo;
			u32 address_hi;	/* ignored: no x2APIC 32-bit IDs */
			u32 data;
		} msi;
	} u;
};

struct irq_route {
	struct irq_lock lock;
	struct ioapic *ioapic;	/* NULL with a split irqchip */
	struct pic *pic;	/* NULL with a split irqchip */
	struct apic_bus *bus;
	u32 nr;
	struct irq_route_entry table[IRQ_ROUTE_MAX_ENTRIES];	/* by gsi */
};

/* Installs the default table for whichever chips are present. */
void irq_route_init(struct irq_route *route, struct ioapic *ioapic,
		    struct pic *pic, struct apic_bus *bus);
void irq_route_set_default(struct irq_route *route);

/*
 * Replace the table. -EINVAL, with the old table kept, for: too many
 * entries, gsi >= IRQ_ROUTE_MAX_GSI, flags, an unknown type or chip, a
 * pin out of range or on a chip that is not there, a GSI given twice
 * for the same chip, or an MSI GSI that also has another entry.
 */
int irq_route_set_table(struct irq_route *route,
			const struct irq_route_entry *entries, u32 nr);

/*
 * Drive a GSI's line. Returns as KVM_IRQ_LINE_STATUS: the sum of the
 * positive results of each route's chip (>0 delivered, 0 coalesced),
 * or -1 if none delivered (masked, unrouted, MSI with level 0).
 */
int irq_route_set_gsi(struct irq_route *route, u32 gsi, int level);

/* KVM_SIGNAL_MSI: returns the number of LAPICs reached. */
int irq_route_signal_msi(struct irq_route *route, u32 address_lo,
			 u32 address_hi, u32 data);

/* Decode an MSI into an APIC bus message. */
void irq_route_msi_decode(u32 address_lo, u32 address_hi, u32 data,
			  struct apic_irq *irq);

#endif
