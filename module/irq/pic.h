/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two cascaded 8259A PICs of a PC, with the PIIX edge/level control
 * registers (ELCR). The master's INTR output goes to the BSP's LINT0
 * (ExtINT) through a callback; the INTA cycle is pic_read_irq().
 */
#ifndef VMXLAB_IRQ_PIC_H
#define VMXLAB_IRQ_PIC_H

#include "irq_host.h"

#define PIC_NUM_PINS		16
#define PIC_MASTER_CMD		0x20
#define PIC_MASTER_DATA		0x21
#define PIC_SLAVE_CMD		0xa0
#define PIC_SLAVE_DATA		0xa1
#define PIC_ELCR_MASTER		0x4d0
#define PIC_ELCR_SLAVE		0x4d1
#define PIC_CASCADE_IRQ		2

/*
 * One chip's state, laid out exactly as KVM's struct kvm_pic_state so
 * that KVM_GET/SET_IRQCHIP is a copy. It is also the live state.
 */
struct pic_chip_state {
	u8 last_irr;		/* input levels seen, for edge detection */
	u8 irr;
	u8 imr;
	u8 isr;
	u8 priority_add;	/* the IR that currently has top priority */
	u8 irq_base;		/* ICW2 */
	u8 read_reg_select;	/* OCW3 RR/RIS: read ISR instead of IRR */
	u8 poll;
	u8 special_mask;
	u8 init_state;		/* next ICW expected: 0 none, 1..3 ICW2..4 */
	u8 auto_eoi;
	u8 rotate_on_auto_eoi;
	u8 special_fully_nested_mode;
	u8 init4;		/* ICW1 IC4: an ICW4 follows */
	u8 elcr;
	u8 elcr_mask;
};

/* Called, without the PIC lock, when the master's INTR output changes. */
typedef void (*pic_output_fn)(void *opaque, bool level);

struct pic {
	struct irq_lock lock;
	struct pic_chip_state chip[2];	/* 0 master, 1 slave */
	bool output;
	pic_output_fn output_fn;
	void *output_opaque;
};

void pic_init(struct pic *pic);
void pic_reset(struct pic *pic);
void pic_set_output_fn(struct pic *pic, pic_output_fn fn, void *opaque);

/*
 * Drive input irq (0-15). Returns as KVM's KVM_IRQ_LINE_STATUS: 1 a new
 * request, 0 coalesced with a pending one, -1 masked.
 */
int pic_set_irq(struct pic *pic, unsigned int irq, int level);

/* Is INTR asserted? */
bool pic_has_interrupt(struct pic *pic);

/* The INTA cycle: acknowledge the best request and return its vector. */
u8 pic_read_irq(struct pic *pic);

/* Ports 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1; others read 0xff. */
u8 pic_io_read(struct pic *pic, u16 port);
void pic_io_write(struct pic *pic, u16 port, u8 val);

/* chip 0 master, 1 slave, as KVM_IRQCHIP_PIC_MASTER/SLAVE. */
int pic_get_state(struct pic *pic, unsigned int chip,
		  struct pic_chip_state *state);
int pic_set_state(struct pic *pic, unsigned int chip,
		  const struct pic_chip_state *state);

#endif
