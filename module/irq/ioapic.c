// SPDX-License-Identifier: GPL-2.0
/*
 * IOAPIC model: register file, pin logic and delivery to the APIC bus.
 *
 * Facts from the 82093AA datasheet, with KVM's choices where the guest
 * can tell the difference (version 0x11, no EOI register, remote IRR
 * cleared when an entry is switched to edge).
 */
#include "ioapic.h"
#include "apic_bus.h"

#define IOAPIC_RTE_WRITABLE	(IOAPIC_RTE_VECTOR | IOAPIC_RTE_DM_MASK | \
				 IOAPIC_RTE_DEST_LOGICAL | \
				 IOAPIC_RTE_POLARITY_LOW | IOAPIC_RTE_LEVEL | \
				 IOAPIC_RTE_MASKED | IOAPIC_RTE_DEST_MASK)
#define IOAPIC_RTE_READONLY	(IOAPIC_RTE_DELIV_STATUS | \
				 IOAPIC_RTE_REMOTE_IRR)

static void ioapic_bus_eoi(void *opaque, u8 vector)
{
	ioapic_eoi(opaque, vector);
}

void ioapic_reset(struct ioapic *ioapic)
{
	unsigned int pin;

	irq_lock(&ioapic->lock);
	ioapic->base_address = IOAPIC_DEFAULT_BASE;
	ioapic->ioregsel = 0;
	ioapic->id = 0;
	ioapic->irr = 0;
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++)
		ioapic->redirtbl[pin] = IOAPIC_RTE_MASKED;
	irq_unlock(&ioapic->lock);
}

void ioapic_init(struct ioapic *ioapic, struct apic_bus *bus)
{
	memset(ioapic, 0, sizeof(*ioapic));
	irq_lock_init(&ioapic->lock);
	ioapic->bus = bus;
	ioapic_reset(ioapic);
	if (bus)
		apic_bus_set_eoi_notifier(bus, ioapic_bus_eoi, ioapic);
}

void ioapic_set_table_changed_fn(struct ioapic *ioapic,
				 void (*fn)(void *opaque), void *opaque)
{
	irq_lock(&ioapic->lock);
	ioapic->table_changed = fn;
	ioapic->table_opaque = opaque;
	irq_unlock(&ioapic->lock);
}

static void ioapic_notify_table_changed(struct ioapic *ioapic)
{
	if (ioapic->table_changed)
		ioapic->table_changed(ioapic->table_opaque);
}

static bool rte_is_level(u64 rte)
{
	return rte & IOAPIC_RTE_LEVEL;
}

/*
 * Send the pin's message. Called with the lock held; returns the number
 * of LAPICs reached, or -1 if the entry may not deliver now.
 */
static int ioapic_deliver(struct ioapic *ioapic, unsigned int pin)
{
	u64 *rte = &ioapic->redirtbl[pin];
	struct apic_irq irq = { 0 };
	int targets;

	if (*rte & IOAPIC_RTE_MASKED)
		return -1;
	if (rte_is_level(*rte) && (*rte & IOAPIC_RTE_REMOTE_IRR))
		return -1;
	if (!ioapic->bus)
		return 0;

	irq.dest = *rte >> IOAPIC_RTE_DEST_SHIFT;
	irq.vector = *rte & IOAPIC_RTE_VECTOR;
	irq.delivery_mode = (*rte & IOAPIC_RTE_DM_MASK) >> IOAPIC_RTE_DM_SHIFT;
	irq.dest_logical = *rte & IOAPIC_RTE_DEST_LOGICAL;
	irq.level_trigger = rte_is_level(*rte);
	targets = apic_bus_deliver(ioapic->bus, NULL, &irq);

	/* Only a message that reached a LAPIC will ever be EOId. */
	if (targets > 0 && rte_is_level(*rte))
		*rte |= IOAPIC_RTE_REMOTE_IRR;
	return targets;
}

int ioapic_set_irq(struct ioapic *ioapic, unsigned int pin, int level)
{
	u32 bit = 1u << pin;
	int ret;

	if (pin >= IOAPIC_NUM_PINS)
		return -1;

	irq_lock(&ioapic->lock);
	if (!level) {
		ioapic->irr &= ~bit;
		ret = 1;
	} else if (!rte_is_level(ioapic->redirtbl[pin]) &&
		   (ioapic->irr & bit)) {
		ret = 0;	/* no rising edge */
	} else {
		ioapic->irr |= bit;
		ret = ioapic_deliver(ioapic, pin);
	}
	irq_unlock(&ioapic->lock);
	return ret;
}

void ioapic_eoi(struct ioapic *ioapic, u8 vector)
{
	unsigned int pin;
	u64 *rte;

	irq_lock(&ioapic->lock);
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		rte = &ioapic->redirtbl[pin];
		if ((*rte & IOAPIC_RTE_VECTOR) != vector ||
		    !rte_is_level(*rte) || !(*rte & IOAPIC_RTE_REMOTE_IRR))
			continue;
		*rte &= ~IOAPIC_RTE_REMOTE_IRR;
		/* The line is still asserted: the device wants more service. */
		if (ioapic->irr & (1u << pin))
			ioapic_deliver(ioapic, pin);
	}
	irq_unlock(&ioapic->lock);
}

static u32 ioapic_read_indirect(struct ioapic *ioapic)
{
	u32 reg = ioapic->ioregsel;
	unsigned int pin;
	u64 rte;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:
		/* The arbitration ID is loaded from the APIC ID. */
		return ioapic->id << 24;
	case IOAPIC_REG_VERSION:
		return ((IOAPIC_NUM_PINS - 1) << 16) | IOAPIC_VERSION;
	}

	if (reg < IOAPIC_REG_REDTBL)
		return 0;
	pin = (reg - IOAPIC_REG_REDTBL) / 2;
	if (pin >= IOAPIC_NUM_PINS)
		return 0;
	rte = ioapic->redirtbl[pin];
	return (reg & 1) ? rte >> 32 : (u32)rte;
}

/* Returns true if the entry's routing changed. */
static bool ioapic_write_rte(struct ioapic *ioapic, unsigned int pin,
			     bool high, u32 val)
{
	u64 *rte = &ioapic->redirtbl[pin];
	u64 old = *rte;
	u64 new;

	if (high)
		new = (old & 0xffffffffULL) | ((u64)val << 32);
	else
		new = (old & ~0xffffffffULL) | val;
	new = (new & IOAPIC_RTE_WRITABLE) | (old & IOAPIC_RTE_READONLY);

	/*
	 * Linux fakes an EOI on IOAPICs without an EOI register by turning
	 * the entry to edge and back; hardware drops remote IRR then.
	 */
	if (!rte_is_level(new))
		new &= ~IOAPIC_RTE_REMOTE_IRR;
	*rte = new;

	/* An unmasked (or newly level) pin whose line is high delivers now. */
	if (rte_is_level(new) && (ioapic->irr & (1u << pin)))
		ioapic_deliver(ioapic, pin);
	return (old ^ new) & IOAPIC_RTE_WRITABLE;
}

/* Returns true if the redirection table changed. */
static bool ioapic_write_indirect(struct ioapic *ioapic, u32 val)
{
	u32 reg = ioapic->ioregsel;
	unsigned int pin;

	if (reg == IOAPIC_REG_ID) {
		ioapic->id = (val >> 24) & 0xf;
		return false;
	}
	/* Version and arbitration registers are read-only. */
	if (reg < IOAPIC_REG_REDTBL)
		return false;
	pin = (reg - IOAPIC_REG_REDTBL) / 2;
	if (pin >= IOAPIC_NUM_PINS)
		return false;
	return ioapic_write_rte(ioapic, pin, reg & 1, val);
}

u32 ioapic_mmio_read(struct ioapic *ioapic, u32 offset, unsigned int size)
{
	u32 val = 0;

	irq_lock(&ioapic->lock);
	switch (offset & 0xff) {
	case IOAPIC_REGSEL:
		val = ioapic->ioregsel;
		break;
	case IOAPIC_WINDOW:
		val = ioapic_read_indirect(ioapic);
		break;
	}
	irq_unlock(&ioapic->lock);

	if (size == 1)
		return val & 0xff;
	if (size == 2)
		return val & 0xffff;
	return val;
}

void ioapic_mmio_write(struct ioapic *ioapic, u32 offset, unsigned int size,
		       u32 val)
{
	bool changed = false;

	if (size == 1)
		val &= 0xff;
	else if (size == 2)
		val &= 0xffff;

	irq_lock(&ioapic->lock);
	switch (offset & 0xff) {
	case IOAPIC_REGSEL:
		ioapic->ioregsel = val & 0xff;
		break;
	case IOAPIC_WINDOW:
		changed = ioapic_write_indirect(ioapic, val);
		break;
	}
	irq_unlock(&ioapic->lock);

	if (changed)
		ioapic_notify_table_changed(ioapic);
}

void ioapic_level_vectors(struct ioapic *ioapic,
			  bool (*dest_match)(void *opaque, u32 dest,
					     bool logical),
			  void *opaque, u64 bitmap[4])
{
	unsigned int pin;
	u64 rte;
	u8 vector;

	memset(bitmap, 0, 4 * sizeof(u64));
	irq_lock(&ioapic->lock);
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		rte = ioapic->redirtbl[pin];
		if (!rte_is_level(rte))
			continue;
		/* A pending EOI counts even if the entry now points elsewhere. */
		if (dest_match && !(rte & IOAPIC_RTE_REMOTE_IRR) &&
		    !dest_match(opaque, rte >> IOAPIC_RTE_DEST_SHIFT,
				rte & IOAPIC_RTE_DEST_LOGICAL))
			continue;
		vector = rte & IOAPIC_RTE_VECTOR;
		bitmap[vector / 64] |= 1ULL << (vector % 64);
	}
	irq_unlock(&ioapic->lock);
}

void ioapic_get_state(struct ioapic *ioapic, struct ioapic_state *state)
{
	memset(state, 0, sizeof(*state));
	irq_lock(&ioapic->lock);
	state->base_address = ioapic->base_address;
	state->ioregsel = ioapic->ioregsel;
	state->id = ioapic->id;
	state->irr = ioapic->irr;
	memcpy(state->redirtbl, ioapic->redirtbl, sizeof(state->redirtbl));
	irq_unlock(&ioapic->lock);
}

int ioapic_set_state(struct ioapic *ioapic, const struct ioapic_state *state)
{
	const u64 keep = IOAPIC_RTE_WRITABLE | IOAPIC_RTE_READONLY;
	unsigned int pin;

	irq_lock(&ioapic->lock);
	ioapic->base_address = state->base_address;
	ioapic->ioregsel = state->ioregsel & 0xff;
	ioapic->id = state->id & 0xf;
	ioapic->irr = state->irr & ((1u << IOAPIC_NUM_PINS) - 1);
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++)
		ioapic->redirtbl[pin] = state->redirtbl[pin] & keep;
	/* Asserted level lines that are free to deliver do so now. */
	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++)
		if (rte_is_level(ioapic->redirtbl[pin]) &&
		    (ioapic->irr & (1u << pin)))
			ioapic_deliver(ioapic, pin);
	irq_unlock(&ioapic->lock);

	ioapic_notify_table_changed(ioapic);
	return 0;
}
