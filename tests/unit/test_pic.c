// SPDX-License-Identifier: GPL-2.0
/*
 * 8259A pair: init sequence, masks, priorities and rotation, EOIs,
 * cascade, ELCR level inputs, poll, IRR/ISR reads, auto-EOI, spurious
 * IRQ7, special mask mode, save/restore.
 */
#include <stddef.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "irq/pic.h"

#define OCW2_EOI		0x20
#define OCW2_SPECIFIC_EOI	0x60
#define OCW2_ROTATE_EOI		0xa0
#define OCW3_READ_IRR		0x0a
#define OCW3_READ_ISR		0x0b
#define OCW3_POLL		0x0c
#define OCW3_SET_SMM		0x68
#define OCW3_CLEAR_SMM		0x48

static int output_calls;
static bool output_level;

static void record_output(void *opaque, bool level)
{
	output_calls++;
	output_level = level;
}

/* Linux's init_8259A(): vectors 0x20 and 0x28, ICW4 for 8086 mode. */
static void pic_program(struct pic *pic, u8 icw4)
{
	pic_io_write(pic, PIC_MASTER_CMD, 0x11);
	pic_io_write(pic, PIC_MASTER_DATA, 0x20);
	pic_io_write(pic, PIC_MASTER_DATA, 1 << PIC_CASCADE_IRQ);
	pic_io_write(pic, PIC_MASTER_DATA, icw4);
	pic_io_write(pic, PIC_SLAVE_CMD, 0x11);
	pic_io_write(pic, PIC_SLAVE_DATA, 0x28);
	pic_io_write(pic, PIC_SLAVE_DATA, PIC_CASCADE_IRQ);
	pic_io_write(pic, PIC_SLAVE_DATA, icw4);
}

static u8 read_isr(struct pic *pic, u16 cmd)
{
	pic_io_write(pic, cmd, OCW3_READ_ISR);
	return pic_io_read(pic, cmd);
}

static u8 read_irr(struct pic *pic, u16 cmd)
{
	pic_io_write(pic, cmd, OCW3_READ_IRR);
	return pic_io_read(pic, cmd);
}

FIXTURE(pic) {
	struct pic pic;
};

FIXTURE_SETUP(pic)
{
	pic_init(&self->pic);
	output_calls = 0;
	output_level = false;
	pic_set_output_fn(&self->pic, record_output, NULL);
	pic_program(&self->pic, 0x01);
}

FIXTURE_TEARDOWN(pic)
{
}

TEST_F(pic, init_sequence)
{
	struct pic *pic = &self->pic;

	ASSERT_EQ(0, pic->chip[0].init_state);
	ASSERT_EQ(0x20, pic->chip[0].irq_base);
	ASSERT_EQ(0x28, pic->chip[1].irq_base);
	/* After ICW4, the data port is the mask register again. */
	ASSERT_EQ(0, pic_io_read(pic, PIC_MASTER_DATA));
	pic_io_write(pic, PIC_MASTER_DATA, 0xa5);
	ASSERT_EQ(0xa5, pic_io_read(pic, PIC_MASTER_DATA));

	/* ICW1 clears the mask; without IC4 no ICW4 is expected. */
	pic_io_write(pic, PIC_MASTER_CMD, 0x10);
	ASSERT_EQ(0, pic_io_read(pic, PIC_MASTER_DATA));
	pic_io_write(pic, PIC_MASTER_DATA, 0x30);
	pic_io_write(pic, PIC_MASTER_DATA, 0x04);
	pic_io_write(pic, PIC_MASTER_DATA, 0xfe);
	ASSERT_EQ(0xfe, pic_io_read(pic, PIC_MASTER_DATA));

	ASSERT_EQ(1, pic_set_irq(pic, 0, 1));
	ASSERT_TRUE(output_level);
	ASSERT_EQ(0x30, pic_read_irq(pic));
	ASSERT_FALSE(output_level);
}

TEST_F(pic, masking)
{
	struct pic *pic = &self->pic;

	pic_io_write(pic, PIC_MASTER_DATA, 0x08);
	ASSERT_EQ(-1, pic_set_irq(pic, 3, 1));
	ASSERT_FALSE(pic_has_interrupt(pic));
	ASSERT_EQ(0, output_calls);
	/* The request waits in IRR and fires on unmask. */
	ASSERT_EQ(0x08, read_irr(pic, PIC_MASTER_CMD));
	pic_io_write(pic, PIC_MASTER_DATA, 0x00);
	ASSERT_TRUE(pic_has_interrupt(pic));
	ASSERT_EQ(1, output_calls);
	ASSERT_EQ(0x23, pic_read_irq(pic));
}

TEST_F(pic, priority_and_eoi)
{
	struct pic *pic = &self->pic;

	pic_set_irq(pic, 5, 1);
	pic_set_irq(pic, 3, 1);
	ASSERT_EQ(0x23, pic_read_irq(pic));
	/* IR5 is below in-service IR3. */
	ASSERT_FALSE(pic_has_interrupt(pic));
	/* IR1 is above it and nests. */
	pic_set_irq(pic, 1, 1);
	ASSERT_TRUE(pic_has_interrupt(pic));
	ASSERT_EQ(0x21, pic_read_irq(pic));
	ASSERT_EQ(0x0a, read_isr(pic, PIC_MASTER_CMD));

	/* Non-specific EOI ends the highest in service: IR1. */
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_EOI);
	ASSERT_EQ(0x08, read_isr(pic, PIC_MASTER_CMD));
	ASSERT_FALSE(pic_has_interrupt(pic));
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_EOI);
	ASSERT_TRUE(pic_has_interrupt(pic));
	ASSERT_EQ(0x25, pic_read_irq(pic));
	ASSERT_EQ(0x20, read_isr(pic, PIC_MASTER_CMD));
}

TEST_F(pic, specific_eoi)
{
	struct pic *pic = &self->pic;

	pic_set_irq(pic, 6, 1);
	ASSERT_EQ(0x26, pic_read_irq(pic));
	pic_set_irq(pic, 4, 1);
	ASSERT_EQ(0x24, pic_read_irq(pic));
	ASSERT_EQ(0x50, read_isr(pic, PIC_MASTER_CMD));
	/* End IR6, the lower one, first. */
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_SPECIFIC_EOI | 6);
	ASSERT_EQ(0x10, read_isr(pic, PIC_MASTER_CMD));
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_SPECIFIC_EOI | 4);
	ASSERT_EQ(0, read_isr(pic, PIC_MASTER_CMD));
}

TEST_F(pic, rotation)
{
	struct pic *pic = &self->pic;

	pic_set_irq(pic, 1, 1);
	ASSERT_EQ(0x21, pic_read_irq(pic));
	/* Rotate on EOI: IR1 becomes the lowest, IR2 the highest. */
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_ROTATE_EOI);
	pic_set_irq(pic, 0, 1);
	pic_set_irq(pic, 4, 1);
	ASSERT_EQ(0x24, pic_read_irq(pic));
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_EOI);
	ASSERT_EQ(0x20, pic_read_irq(pic));
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_EOI);

	/* Set priority: IR7 lowest again, so IR0 wins over IR4. */
	pic_io_write(pic, PIC_MASTER_CMD, 0xc7);
	ASSERT_EQ(0, pic->chip[0].priority_add);
}

TEST_F(pic, cascade_to_slave)
{
	struct pic *pic = &self->pic;

	ASSERT_EQ(1, pic_set_irq(pic, 10, 1));
	ASSERT_TRUE(pic_has_interrupt(pic));
	ASSERT_EQ(0x2a, pic_read_irq(pic));
	ASSERT_EQ(0x04, read_isr(pic, PIC_MASTER_CMD));
	ASSERT_EQ(0x04, read_isr(pic, PIC_SLAVE_CMD));

	/* Masking the cascade input on the master hides the slave. */
	pic_io_write(pic, PIC_SLAVE_CMD, OCW2_EOI);
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_EOI);
	pic_io_write(pic, PIC_MASTER_DATA, 0x04);
	pic_set_irq(pic, 14, 1);
	ASSERT_FALSE(pic_has_interrupt(pic));
	pic_io_write(pic, PIC_MASTER_DATA, 0x00);
	ASSERT_EQ(0x2e, pic_read_irq(pic));

	/* The master's IR2 is not a device input. */
	ASSERT_EQ(-1, pic_set_irq(pic, 2, 1));
}

TEST_F(pic, elcr_level_inputs)
{
	struct pic *pic = &self->pic;

	/* IRQ0-2, 8 and 13 cannot be level triggered. */
	pic_io_write(pic, PIC_ELCR_MASTER, 0xff);
	ASSERT_EQ(0xf8, pic_io_read(pic, PIC_ELCR_MASTER));
	pic_io_write(pic, PIC_ELCR_SLAVE, 0xff);
	ASSERT_EQ(0xde, pic_io_read(pic, PIC_ELCR_SLAVE));
	pic_io_write(pic, PIC_ELCR_MASTER, 0x20);
	pic_io_write(pic, PIC_ELCR_SLAVE, 0x00);

	ASSERT_EQ(1, pic_set_irq(pic, 5, 1));
	ASSERT_EQ(0, pic_set_irq(pic, 5, 1));
	ASSERT_EQ(0x25, pic_read_irq(pic));
	/* Still requested while the line is high. */
	ASSERT_EQ(0x20, read_irr(pic, PIC_MASTER_CMD));
	ASSERT_FALSE(pic_has_interrupt(pic));
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_EOI);
	ASSERT_TRUE(pic_has_interrupt(pic));
	pic_set_irq(pic, 5, 0);
	ASSERT_FALSE(pic_has_interrupt(pic));
	ASSERT_EQ(0, read_irr(pic, PIC_MASTER_CMD));
}

TEST_F(pic, edge_needs_new_edge)
{
	struct pic *pic = &self->pic;

	ASSERT_EQ(1, pic_set_irq(pic, 4, 1));
	ASSERT_EQ(0x24, pic_read_irq(pic));
	pic_io_write(pic, PIC_MASTER_CMD, OCW2_EOI);
	/* Held high: no new request. */
	ASSERT_EQ(0, pic_set_irq(pic, 4, 1));
	ASSERT_FALSE(pic_has_interrupt(pic));
	pic_set_irq(pic, 4, 0);
	ASSERT_EQ(1, pic_set_irq(pic, 4, 1));
	ASSERT_TRUE(pic_has_interrupt(pic));
}

TEST_F(pic, poll_command)
{
	struct pic *pic = &self->pic;

	pic_io_write(pic, PIC_MASTER_CMD, OCW3_POLL);
	ASSERT_EQ(0, pic_io_read(pic, PIC_MASTER_CMD) & 0x80);

	pic_set_irq(pic, 6, 1);
	pic_io_write(pic, PIC_MASTER_CMD, OCW3_POLL);
	ASSERT_EQ(0x86, pic_io_read(pic, PIC_MASTER_CMD));
	/* The poll read was the acknowledge. */
	ASSERT_EQ(0x40, read_isr(pic, PIC_MASTER_CMD));
	ASSERT_EQ(0, read_irr(pic, PIC_MASTER_CMD));
	/* One read only: the next one is a plain register read again. */
	ASSERT_EQ(0, pic_io_read(pic, PIC_MASTER_CMD));
}

TEST_F(pic, auto_eoi)
{
	struct pic *pic = &self->pic;

	pic_program(pic, 0x03);
	pic_set_irq(pic, 3, 1);
	ASSERT_EQ(0x23, pic_read_irq(pic));
	ASSERT_EQ(0, read_isr(pic, PIC_MASTER_CMD));
	/* Nothing in service blocks a lower request. */
	pic_set_irq(pic, 7, 1);
	ASSERT_EQ(0x27, pic_read_irq(pic));
}

TEST_F(pic, spurious_irq7)
{
	struct pic *pic = &self->pic;

	pic_io_write(pic, PIC_ELCR_MASTER, 0x20);
	pic_set_irq(pic, 5, 1);
	ASSERT_TRUE(output_level);
	/* The level request goes away before the INTA cycle. */
	pic_set_irq(pic, 5, 0);
	ASSERT_FALSE(output_level);
	ASSERT_EQ(0x27, pic_read_irq(pic));
	ASSERT_EQ(0, read_isr(pic, PIC_MASTER_CMD));
}

TEST_F(pic, special_mask_mode)
{
	struct pic *pic = &self->pic;

	pic_set_irq(pic, 3, 1);
	ASSERT_EQ(0x23, pic_read_irq(pic));
	pic_set_irq(pic, 5, 1);
	ASSERT_FALSE(pic_has_interrupt(pic));
	/* Mask the in-service level: lower levels may now interrupt. */
	pic_io_write(pic, PIC_MASTER_DATA, 0x08);
	pic_io_write(pic, PIC_MASTER_CMD, OCW3_SET_SMM);
	ASSERT_TRUE(pic_has_interrupt(pic));
	ASSERT_EQ(0x25, pic_read_irq(pic));
	pic_io_write(pic, PIC_MASTER_CMD, OCW3_CLEAR_SMM);
	ASSERT_EQ(0, pic->chip[0].special_mask);
}

TEST(pic_state_matches_kvm_layout)
{
	ASSERT_EQ(sizeof(struct kvm_pic_state), sizeof(struct pic_chip_state));
	ASSERT_EQ(offsetof(struct kvm_pic_state, elcr_mask),
		  offsetof(struct pic_chip_state, elcr_mask));
	ASSERT_EQ(offsetof(struct kvm_pic_state, init4),
		  offsetof(struct pic_chip_state, init4));
}

TEST_F(pic, save_restore)
{
	struct pic *pic = &self->pic;
	struct pic_chip_state master, slave;
	struct kvm_pic_state kst;
	struct pic other;

	pic_io_write(pic, PIC_MASTER_DATA, 0xf0);
	pic_io_write(pic, PIC_ELCR_SLAVE, 0x0c);
	pic_set_irq(pic, 1, 1);
	ASSERT_EQ(0, pic_get_state(pic, 0, &master));
	ASSERT_EQ(0, pic_get_state(pic, 1, &slave));
	ASSERT_EQ(-EINVAL, pic_get_state(pic, 2, &slave));
	memcpy(&kst, &master, sizeof(kst));
	ASSERT_EQ(0xf0, kst.imr);
	ASSERT_EQ(0x02, kst.irr);
	ASSERT_EQ(0x20, kst.irq_base);

	pic_init(&other);
	ASSERT_EQ(0, pic_set_state(&other, 0, &master));
	ASSERT_EQ(0, pic_set_state(&other, 1, &slave));
	ASSERT_TRUE(pic_has_interrupt(&other));
	ASSERT_EQ(0x0c, pic_io_read(&other, PIC_ELCR_SLAVE));
	ASSERT_EQ(0x21, pic_read_irq(&other));
}

TEST_HARNESS_MAIN
