/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOAPIC model (82093AA style, version 0x11, 24 pins).
 *
 * The guest programs it through two MMIO registers (IOREGSEL at 0x00,
 * IOWIN at 0x10); devices drive its pins through ioapic_set_irq(); it
 * turns pin events into messages on the APIC bus. Level-triggered pins
 * wait for the LAPIC's EOI (remote IRR) before they deliver again.
 */
#ifndef VMXLAB_IRQ_IOAPIC_H
#define VMXLAB_IRQ_IOAPIC_H

#include "irq_host.h"

struct apic_bus;

#define IOAPIC_NUM_PINS		24
#define IOAPIC_DEFAULT_BASE	0xfec00000ULL
#define IOAPIC_MMIO_SIZE	0x100
#define IOAPIC_VERSION		0x11

/* MMIO offsets */
#define IOAPIC_REGSEL		0x00
#define IOAPIC_WINDOW		0x10

/* Indirect registers selected by IOREGSEL */
#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDTBL	0x10

/* Redirection entry fields */
#define IOAPIC_RTE_VECTOR	0xffULL
#define IOAPIC_RTE_DM_SHIFT	8
#define IOAPIC_RTE_DM_MASK	(7ULL << IOAPIC_RTE_DM_SHIFT)
#define IOAPIC_RTE_DEST_LOGICAL	(1ULL << 11)
#define IOAPIC_RTE_DELIV_STATUS	(1ULL << 12)
#define IOAPIC_RTE_POLARITY_LOW	(1ULL << 13)
#define IOAPIC_RTE_REMOTE_IRR	(1ULL << 14)
#define IOAPIC_RTE_LEVEL	(1ULL << 15)
#define IOAPIC_RTE_MASKED	(1ULL << 16)
#define IOAPIC_RTE_DEST_SHIFT	56
#define IOAPIC_RTE_DEST_MASK	(0xffULL << IOAPIC_RTE_DEST_SHIFT)

/*
 * Saved state, laid out exactly as KVM's struct kvm_ioapic_state (the
 * kernel glue copies it to and from KVM_GET/SET_IRQCHIP). irr holds the
 * pin levels; redirtbl the raw 64-bit redirection entries.
 */
struct ioapic_state {
	u64 base_address;
	u32 ioregsel;
	u32 id;
	u32 irr;
	u32 pad;
	u64 redirtbl[IOAPIC_NUM_PINS];
};

struct ioapic {
	struct irq_lock lock;
	struct apic_bus *bus;
	u64 base_address;
	u32 ioregsel;
	u32 id;
	u32 irr;		/* current level of each pin */
	u64 redirtbl[IOAPIC_NUM_PINS];
	/* called (no IOAPIC lock held) when an entry's routing changed */
	void (*table_changed)(void *opaque);
	void *table_opaque;
};

/*
 * ioapic_init() resets the model and registers it as the bus's EOI
 * notifier, so a LAPIC EOI of a level-triggered vector reaches
 * ioapic_eoi(). bus may be NULL in tests of the register file alone.
 */
void ioapic_init(struct ioapic *ioapic, struct apic_bus *bus);
void ioapic_reset(struct ioapic *ioapic);

u32 ioapic_mmio_read(struct ioapic *ioapic, u32 offset, unsigned int size);
void ioapic_mmio_write(struct ioapic *ioapic, u32 offset, unsigned int size,
		       u32 val);

/*
 * Drive a pin: level 1 asserted, 0 deasserted (polarity is the guest's
 * business; devices always speak active-high). Returns, as KVM's
 * KVM_IRQ_LINE_STATUS does: >0 delivered to that many LAPICs, 0
 * coalesced (edge pin already high), -1 not delivered (masked, or a
 * level pin still waiting for its EOI). Deasserting returns 1.
 */
int ioapic_set_irq(struct ioapic *ioapic, unsigned int pin, int level);

/* A LAPIC EOI'd vector: release level pins waiting on it. */
void ioapic_eoi(struct ioapic *ioapic, u8 vector);

/*
 * Vectors that need an EOI exit (level-triggered or waiting for EOI),
 * as a 256-bit map. dest_match, if not NULL, narrows it to one vCPU:
 * it is asked whether that vCPU is a target of (dest, logical).
 */
void ioapic_level_vectors(struct ioapic *ioapic,
			  bool (*dest_match)(void *opaque, u32 dest,
					     bool logical),
			  void *opaque, u64 bitmap[4]);

void ioapic_set_table_changed_fn(struct ioapic *ioapic,
				 void (*fn)(void *opaque), void *opaque);

void ioapic_get_state(struct ioapic *ioapic, struct ioapic_state *state);
int ioapic_set_state(struct ioapic *ioapic, const struct ioapic_state *state);

#endif
