// SPDX-License-Identifier: GPL-2.0
/*
 * 8259A PIC pair: master at 0x20, slave at 0xa0 cascaded on the master's
 * IR2, plus the PIIX ELCR at 0x4d0/0x4d1 that makes single inputs level
 * triggered. Facts from the 8259A datasheet; single mode, 8080 mode and
 * ICW1's global LTIM bit are not modelled (PCs use ELCR instead).
 */
#ifdef VMXLAB_HOST
#include <errno.h>
#else
#include <linux/errno.h>
#endif
#include "pic.h"

#define PIC_ICW1		0x10
#define PIC_ICW1_IC4		0x01
#define PIC_OCW3		0x08
#define PIC_OCW3_POLL		0x04
#define PIC_OCW3_RR		0x02
#define PIC_OCW3_RIS		0x01
#define PIC_OCW3_ESMM		0x40
#define PIC_OCW3_SMM		0x20
#define PIC_ICW4_AEOI		0x02
#define PIC_ICW4_SFNM		0x10

/* OCW2 commands, bits 7:5 */
enum pic_ocw2 {
	PIC_OCW2_ROTATE_AEOI_CLEAR = 0,
	PIC_OCW2_EOI = 1,
	PIC_OCW2_NOP = 2,
	PIC_OCW2_SPECIFIC_EOI = 3,
	PIC_OCW2_ROTATE_AEOI_SET = 4,
	PIC_OCW2_ROTATE_EOI = 5,
	PIC_OCW2_SET_PRIORITY = 6,
	PIC_OCW2_ROTATE_SPECIFIC_EOI = 7,
};

/* PIIX: IRQ0, 1, 2, 8 and 13 are always edge triggered. */
static const u8 pic_elcr_mask[2] = { 0xf8, 0xde };

static bool pic_is_master(struct pic *pic, struct pic_chip_state *c)
{
	return c == &pic->chip[0];
}

/* Priority rank (0 best) of the best input in mask; 8 if none. */
static int pic_priority(const struct pic_chip_state *c, u8 mask)
{
	int rank;

	for (rank = 0; rank < 8; rank++)
		if (mask & (1 << ((rank + c->priority_add) & 7)))
			return rank;
	return 8;
}

/* The input this chip would raise INT for, or -1. */
static int pic_best_irq(struct pic *pic, struct pic_chip_state *c)
{
	u8 in_service = c->isr;
	int rank;

	rank = pic_priority(c, c->irr & ~c->imr);
	if (rank == 8)
		return -1;
	/* Special mask mode: masked in-service levels stop blocking. */
	if (c->special_mask)
		in_service &= ~c->imr;
	/* Fully nested: the slave may interrupt its own in-service IR2. */
	if (c->special_fully_nested_mode && pic_is_master(pic, c))
		in_service &= ~(1 << PIC_CASCADE_IRQ);
	if (rank >= pic_priority(c, in_service))
		return -1;
	return (rank + c->priority_add) & 7;
}

/*
 * Recompute the cascade input and INTR. The master's IR2 follows the
 * slave's INT output. Returns true if INTR changed.
 */
static bool pic_update(struct pic *pic)
{
	struct pic_chip_state *master = &pic->chip[0];
	bool out;

	if (pic_best_irq(pic, &pic->chip[1]) >= 0)
		master->irr |= 1 << PIC_CASCADE_IRQ;
	else
		master->irr &= ~(1 << PIC_CASCADE_IRQ);

	out = pic_best_irq(pic, master) >= 0;
	if (out == pic->output)
		return false;
	pic->output = out;
	return true;
}

/* Drop the lock, then tell the LAPIC side if INTR moved. */
static void pic_unlock_notify(struct pic *pic, bool changed)
{
	bool level = pic->output;
	pic_output_fn fn = pic->output_fn;
	void *opaque = pic->output_opaque;

	irq_unlock(&pic->lock);
	if (changed && fn)
		fn(opaque, level);
}

static void pic_chip_reset(struct pic_chip_state *c, u8 elcr_mask)
{
	memset(c, 0, sizeof(*c));
	c->elcr_mask = elcr_mask;
}

void pic_reset(struct pic *pic)
{
	bool changed;

	irq_lock(&pic->lock);
	pic_chip_reset(&pic->chip[0], pic_elcr_mask[0]);
	pic_chip_reset(&pic->chip[1], pic_elcr_mask[1]);
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
}

void pic_init(struct pic *pic)
{
	memset(pic, 0, sizeof(*pic));
	irq_lock_init(&pic->lock);
	pic_reset(pic);
}

void pic_set_output_fn(struct pic *pic, pic_output_fn fn, void *opaque)
{
	irq_lock(&pic->lock);
	pic->output_fn = fn;
	pic->output_opaque = opaque;
	irq_unlock(&pic->lock);
}

/* The output to the CPU now: a snapshot, for tests and diagnostics. */
bool pic_has_interrupt(struct pic *pic)
{
	return *(volatile bool *)&pic->output;
}

/* Latch a new level on one input; returns 1 new, 0 coalesced. */
static int pic_chip_set_input(struct pic_chip_state *c, u8 bit, int level)
{
	int ret = 1;

	if (c->elcr & bit) {
		if (level) {
			ret = !(c->irr & bit);
			c->irr |= bit;
			c->last_irr |= bit;
		} else {
			c->irr &= ~bit;
			c->last_irr &= ~bit;
		}
		return ret;
	}

	if (level) {
		if (c->last_irr & bit)
			ret = 0;	/* no rising edge */
		else
			ret = !(c->irr & bit);
		c->irr |= ret ? bit : 0;
		c->last_irr |= bit;
	} else {
		c->last_irr &= ~bit;
	}
	return ret;
}

int pic_set_irq(struct pic *pic, unsigned int irq, int level)
{
	struct pic_chip_state *c;
	u8 bit;
	bool changed;
	int ret;

	/* IR2 of the master is wired to the slave, not to a device. */
	if (irq >= PIC_NUM_PINS || irq == PIC_CASCADE_IRQ)
		return -1;
	c = &pic->chip[irq >> 3];
	bit = 1 << (irq & 7);

	irq_lock(&pic->lock);
	ret = pic_chip_set_input(c, bit, level);
	if (c->imr & bit)
		ret = -1;
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
	return ret;
}

static void pic_end_of_interrupt(struct pic_chip_state *c, int irq, bool rotate)
{
	c->isr &= ~(1 << irq);
	/* Rotation makes the serviced level the lowest priority. */
	if (rotate)
		c->priority_add = (irq + 1) & 7;
}

/* Acknowledge input irq: the INTA (or poll) side of the chip. */
static void pic_chip_ack(struct pic_chip_state *c, int irq)
{
	u8 bit = 1 << irq;

	c->isr |= bit;
	/* A level input stays requested while its line is high. */
	if (!(c->elcr & bit))
		c->irr &= ~bit;
	if (c->auto_eoi)
		pic_end_of_interrupt(c, irq, c->rotate_on_auto_eoi);
}

u8 pic_read_irq(struct pic *pic)
{
	struct pic_chip_state *master = &pic->chip[0];
	struct pic_chip_state *slave = &pic->chip[1];
	int irq, slave_irq;
	u8 vector;
	bool changed;

	irq_lock(&pic->lock);
	irq = pic_best_irq(pic, master);
	if (irq < 0) {
		/* The request went away before INTA: spurious IR7. */
		vector = master->irq_base + 7;
	} else if (irq == PIC_CASCADE_IRQ) {
		pic_chip_ack(master, irq);
		slave_irq = pic_best_irq(pic, slave);
		if (slave_irq >= 0)
			pic_chip_ack(slave, slave_irq);
		else
			slave_irq = 7;
		vector = slave->irq_base + slave_irq;
	} else {
		pic_chip_ack(master, irq);
		vector = master->irq_base + irq;
	}
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
	return vector;
}

static void pic_write_icw1(struct pic_chip_state *c, u8 val)
{
	/* Edge detection, masks, priority and ISR start over. */
	c->last_irr = 0;
	c->irr &= c->elcr;
	c->imr = 0;
	c->isr = 0;
	c->priority_add = 0;
	c->special_mask = 0;
	c->read_reg_select = 0;
	c->poll = 0;
	c->init4 = val & PIC_ICW1_IC4;
	if (!c->init4) {
		c->auto_eoi = 0;
		c->special_fully_nested_mode = 0;
	}
	c->init_state = 1;
}

static void pic_write_ocw2(struct pic_chip_state *c, u8 val)
{
	int rank;

	switch (val >> 5) {
	case PIC_OCW2_ROTATE_AEOI_CLEAR:
	case PIC_OCW2_ROTATE_AEOI_SET:
		c->rotate_on_auto_eoi = val >> 7;
		break;
	case PIC_OCW2_EOI:
	case PIC_OCW2_ROTATE_EOI:
		rank = pic_priority(c, c->isr);
		if (rank < 8)
			pic_end_of_interrupt(c, (rank + c->priority_add) & 7,
					     val >> 7);
		break;
	case PIC_OCW2_SPECIFIC_EOI:
	case PIC_OCW2_ROTATE_SPECIFIC_EOI:
		pic_end_of_interrupt(c, val & 7, val >> 7);
		break;
	case PIC_OCW2_SET_PRIORITY:
		/* IR (val & 7) becomes the lowest priority. */
		c->priority_add = (val + 1) & 7;
		break;
	}
}

static void pic_write_ocw3(struct pic_chip_state *c, u8 val)
{
	if (val & PIC_OCW3_POLL)
		c->poll = 1;
	if (val & PIC_OCW3_RR)
		c->read_reg_select = val & PIC_OCW3_RIS;
	if (val & PIC_OCW3_ESMM)
		c->special_mask = !!(val & PIC_OCW3_SMM);
}

static void pic_write_data(struct pic_chip_state *c, u8 val)
{
	switch (c->init_state) {
	case 0:
		c->imr = val;	/* OCW1 */
		break;
	case 1:
		c->irq_base = val & 0xf8;
		c->init_state = 2;
		break;
	case 2:
		/* ICW3: the cascade wiring is fixed on a PC. */
		c->init_state = c->init4 ? 3 : 0;
		break;
	default:
		c->special_fully_nested_mode = !!(val & PIC_ICW4_SFNM);
		c->auto_eoi = !!(val & PIC_ICW4_AEOI);
		c->init_state = 0;
		break;
	}
}

/* Poll mode: the read is the INTA; bit 7 says if there was a request. */
static u8 pic_poll_read(struct pic *pic, struct pic_chip_state *c)
{
	int irq = pic_best_irq(pic, c);

	c->poll = 0;
	if (irq < 0)
		return 0x07;
	pic_chip_ack(c, irq);
	return 0x80 | irq;
}

static struct pic_chip_state *pic_port_chip(struct pic *pic, u16 port)
{
	switch (port) {
	case PIC_MASTER_CMD:
	case PIC_MASTER_DATA:
	case PIC_ELCR_MASTER:
		return &pic->chip[0];
	case PIC_SLAVE_CMD:
	case PIC_SLAVE_DATA:
	case PIC_ELCR_SLAVE:
		return &pic->chip[1];
	}
	return NULL;
}

static u8 pic_chip_read(struct pic *pic, struct pic_chip_state *c, u16 port)
{
	if (port == PIC_ELCR_MASTER || port == PIC_ELCR_SLAVE)
		return c->elcr;
	if (port & 1)
		return c->imr;
	if (c->poll)
		return pic_poll_read(pic, c);
	return c->read_reg_select ? c->isr : c->irr;
}

u8 pic_io_read(struct pic *pic, u16 port)
{
	struct pic_chip_state *c = pic_port_chip(pic, port);
	bool changed;
	u8 val;

	if (!c)
		return 0xff;
	irq_lock(&pic->lock);
	val = pic_chip_read(pic, c, port);
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
	return val;
}

void pic_io_write(struct pic *pic, u16 port, u8 val)
{
	struct pic_chip_state *c = pic_port_chip(pic, port);
	bool changed;

	if (!c)
		return;
	irq_lock(&pic->lock);
	if (port == PIC_ELCR_MASTER || port == PIC_ELCR_SLAVE)
		c->elcr = val & c->elcr_mask;
	else if (port & 1)
		pic_write_data(c, val);
	else if (val & PIC_ICW1)
		pic_write_icw1(c, val);
	else if (val & PIC_OCW3)
		pic_write_ocw3(c, val);
	else
		pic_write_ocw2(c, val);
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
}

int pic_get_state(struct pic *pic, unsigned int chip,
		  struct pic_chip_state *state)
{
	if (chip > 1)
		return -EINVAL;
	irq_lock(&pic->lock);
	*state = pic->chip[chip];
	irq_unlock(&pic->lock);
	return 0;
}

int pic_set_state(struct pic *pic, unsigned int chip,
		  const struct pic_chip_state *state)
{
	struct pic_chip_state *c;
	bool changed;

	if (chip > 1)
		return -EINVAL;
	c = &pic->chip[chip];
	irq_lock(&pic->lock);
	*c = *state;
	/* The edge-only inputs are wiring, not state. */
	c->elcr_mask = pic_elcr_mask[chip];
	c->elcr &= c->elcr_mask;
	c->priority_add &= 7;
	c->irq_base &= 0xf8;
	if (c->init_state > 3)
		c->init_state = 0;
	changed = pic_update(pic);
	pic_unlock_notify(pic, changed);
	return 0;
}
