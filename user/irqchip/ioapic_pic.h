/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The launcher's IOAPIC and 8259 pair, shared by the two irqchip modes
 * that keep them here (split and user): the portable models of
 * module/irq/, their MMIO and port handlers, and their registration on
 * the I/O bus together with the launcher's PIT (pit_user.c). A mode
 * embeds struct ioapic_pic in its chip and may take the IOAPIC's
 * register writes for itself (split turns entries into MSI routes).
 */
#ifndef VMXLAB_USER_IRQCHIP_IOAPIC_PIC_H
#define VMXLAB_USER_IRQCHIP_IOAPIC_PIC_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

#include "irq/apic_bus.h"
#include "irq/ioapic.h"
#include "irq/pic.h"

struct vm;

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

struct ioapic_pic {
	struct apic_bus bus;
	struct ioapic ioapic;
	struct pic pic;
	/* an IOAPIC register write; NULL: straight to the model */
	void (*ioapic_write)(struct ioapic_pic *ip, uint64_t offset,
			     unsigned int len, uint64_t val);
};

/* Initialise the models and register the IOAPIC, the PICs and the PIT. */
int ioapic_pic_create(struct ioapic_pic *ip, struct vm *vm,
		      struct errbuf *err);

#endif
