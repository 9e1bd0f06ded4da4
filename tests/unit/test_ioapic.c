// SPDX-License-Identifier: GPL-2.0
/*
 * IOAPIC model: register file, edge and level pins, remote IRR and EOI,
 * masking, EOI-exit vectors, save/restore. The APIC bus is a stub that
 * records every message, so no LAPIC code is involved.
 */
#include <stddef.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "irq/apic_bus.h"
#include "irq/ioapic.h"

#define MAX_MSGS 16

static struct apic_irq msgs[MAX_MSGS];
static int nr_msgs;
static int bus_targets = 1;	/* what the stub bus reports per message */
static apic_eoi_fn bus_eoi_fn;
static void *bus_eoi_opaque;

int apic_bus_deliver(struct apic_bus *bus, struct lapic *src,
		     const struct apic_irq *irq)
{
	if (nr_msgs < MAX_MSGS)
		msgs[nr_msgs] = *irq;
	nr_msgs++;
	return bus_targets;
}

void apic_bus_set_eoi_notifier(struct apic_bus *bus,
			       void (*fn)(void *opaque, u8 vector),
			       void *opaque)
{
	bus_eoi_fn = fn;
	bus_eoi_opaque = opaque;
}

static struct apic_bus fake_bus;

static void reset_bus(void)
{
	nr_msgs = 0;
	bus_targets = 1;
}

static void reg_write(struct ioapic *io, u32 reg, u32 val)
{
	ioapic_mmio_write(io, IOAPIC_REGSEL, 4, reg);
	ioapic_mmio_write(io, IOAPIC_WINDOW, 4, val);
}

static u32 reg_read(struct ioapic *io, u32 reg)
{
	ioapic_mmio_write(io, IOAPIC_REGSEL, 4, reg);
	return ioapic_mmio_read(io, IOAPIC_WINDOW, 4);
}

static void rte_write(struct ioapic *io, unsigned int pin, u64 rte)
{
	reg_write(io, IOAPIC_REG_REDTBL + 2 * pin + 1, rte >> 32);
	reg_write(io, IOAPIC_REG_REDTBL + 2 * pin, (u32)rte);
}

static u64 rte_read(struct ioapic *io, unsigned int pin)
{
	u64 hi = reg_read(io, IOAPIC_REG_REDTBL + 2 * pin + 1);

	return hi << 32 | reg_read(io, IOAPIC_REG_REDTBL + 2 * pin);
}

static bool remote_irr(struct ioapic *io, unsigned int pin)
{
	return rte_read(io, pin) & IOAPIC_RTE_REMOTE_IRR;
}

static u64 edge_rte(u8 vector, u8 dest)
{
	return vector | (u64)dest << IOAPIC_RTE_DEST_SHIFT;
}

static u64 level_rte(u8 vector, u8 dest)
{
	return edge_rte(vector, dest) | IOAPIC_RTE_LEVEL;
}

FIXTURE(ioapic) {
	struct ioapic io;
};

FIXTURE_SETUP(ioapic)
{
	reset_bus();
	ioapic_init(&self->io, &fake_bus);
}

FIXTURE_TEARDOWN(ioapic)
{
}

TEST_F(ioapic, id_version_arbitration)
{
	struct ioapic *io = &self->io;

	ASSERT_EQ(0x00170011u, reg_read(io, IOAPIC_REG_VERSION));
	reg_write(io, IOAPIC_REG_VERSION, 0);
	ASSERT_EQ(0x00170011u, reg_read(io, IOAPIC_REG_VERSION));

	ASSERT_EQ(0u, reg_read(io, IOAPIC_REG_ID));
	reg_write(io, IOAPIC_REG_ID, 0xff123456);
	ASSERT_EQ(0x0f000000u, reg_read(io, IOAPIC_REG_ID));
	ASSERT_EQ(0x0f000000u, reg_read(io, IOAPIC_REG_ARB));
	reg_write(io, IOAPIC_REG_ARB, 0);
	ASSERT_EQ(0x0f000000u, reg_read(io, IOAPIC_REG_ARB));

	ioapic_mmio_write(io, IOAPIC_REGSEL, 4, 0x1234);
	ASSERT_EQ(0x34u, ioapic_mmio_read(io, IOAPIC_REGSEL, 4));
	/* Unknown offsets read 0. */
	ASSERT_EQ(0u, ioapic_mmio_read(io, 0x20, 4));
}

TEST_F(ioapic, redirection_reset_and_ro_bits)
{
	struct ioapic *io = &self->io;
	unsigned int pin;

	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++)
		ASSERT_EQ(IOAPIC_RTE_MASKED, rte_read(io, pin));

	reg_write(io, IOAPIC_REG_REDTBL + 2 * 5, 0xffffffff);
	reg_write(io, IOAPIC_REG_REDTBL + 2 * 5 + 1, 0xffffffff);
	/* Delivery status, remote IRR and reserved bits stay 0. */
	ASSERT_EQ(0xff0000000001afffULL, rte_read(io, 5));
	ASSERT_EQ(0xafffu, ioapic_mmio_read(io, IOAPIC_WINDOW, 2));

	/* Past the last entry: reads 0, writes vanish. */
	reg_write(io, IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS, 0x1234);
	ASSERT_EQ(0u, reg_read(io, IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS));
	ASSERT_EQ(0u, reg_read(io, 0x03));

	/* Byte-wide window access is read as its low byte. */
	rte_write(io, 6, edge_rte(0x42, 3));
	ioapic_mmio_write(io, IOAPIC_REGSEL, 1, IOAPIC_REG_REDTBL + 12);
	ASSERT_EQ(0x42u, ioapic_mmio_read(io, IOAPIC_WINDOW, 1));
}

TEST_F(ioapic, edge_delivers_on_rising_edge_only)
{
	struct ioapic *io = &self->io;

	rte_write(io, 4, edge_rte(0x34, 1) | IOAPIC_RTE_DEST_LOGICAL |
		  (1ULL << IOAPIC_RTE_DM_SHIFT));
	ASSERT_EQ(1, ioapic_set_irq(io, 4, 1));
	ASSERT_EQ(1, nr_msgs);
	ASSERT_EQ(0x34, msgs[0].vector);
	ASSERT_EQ(1u, msgs[0].dest);
	ASSERT_TRUE(msgs[0].dest_logical);
	ASSERT_EQ(APIC_DM_LOWEST, msgs[0].delivery_mode);
	ASSERT_FALSE(msgs[0].level_trigger);

	/* Still high: coalesced. */
	ASSERT_EQ(0, ioapic_set_irq(io, 4, 1));
	ASSERT_EQ(1, nr_msgs);
	ASSERT_EQ(1, ioapic_set_irq(io, 4, 0));
	ASSERT_EQ(1, nr_msgs);
	ASSERT_EQ(1, ioapic_set_irq(io, 4, 1));
	ASSERT_EQ(2, nr_msgs);
	/* Edge entries never hold remote IRR. */
	ASSERT_FALSE(remote_irr(io, 4));
}

TEST_F(ioapic, level_waits_for_eoi)
{
	struct ioapic *io = &self->io;

	rte_write(io, 9, level_rte(0x49, 0));
	ASSERT_EQ(1, ioapic_set_irq(io, 9, 1));
	ASSERT_EQ(1, nr_msgs);
	ASSERT_TRUE(msgs[0].level_trigger);
	ASSERT_TRUE(remote_irr(io, 9));

	/* No re-delivery before the EOI, whatever the line does. */
	ASSERT_EQ(-1, ioapic_set_irq(io, 9, 1));
	ASSERT_EQ(1, ioapic_set_irq(io, 9, 0));
	ASSERT_EQ(-1, ioapic_set_irq(io, 9, 1));
	ASSERT_EQ(1, nr_msgs);

	/* EOI while the line is high: delivered again. */
	ioapic_eoi(io, 0x49);
	ASSERT_EQ(2, nr_msgs);
	ASSERT_TRUE(remote_irr(io, 9));

	/* Line dropped, then EOI: nothing more. */
	ioapic_set_irq(io, 9, 0);
	ioapic_eoi(io, 0x49);
	ASSERT_EQ(2, nr_msgs);
	ASSERT_FALSE(remote_irr(io, 9));

	/* An EOI for another vector changes nothing. */
	ASSERT_EQ(1, ioapic_set_irq(io, 9, 1));
	ioapic_eoi(io, 0x48);
	ASSERT_TRUE(remote_irr(io, 9));
	ASSERT_EQ(3, nr_msgs);
}

TEST_F(ioapic, eoi_through_bus_notifier)
{
	struct ioapic *io = &self->io;

	ASSERT_TRUE(bus_eoi_fn != NULL);
	ASSERT_EQ(io, bus_eoi_opaque);
	rte_write(io, 3, level_rte(0x63, 0));
	ioapic_set_irq(io, 3, 1);
	bus_eoi_fn(bus_eoi_opaque, 0x63);
	ASSERT_EQ(2, nr_msgs);
	ioapic_set_irq(io, 3, 0);
	bus_eoi_fn(bus_eoi_opaque, 0x63);
	ASSERT_FALSE(remote_irr(io, 3));
}

TEST_F(ioapic, masked_level_delivers_on_unmask)
{
	struct ioapic *io = &self->io;

	rte_write(io, 10, level_rte(0x5a, 0) | IOAPIC_RTE_MASKED);
	ASSERT_EQ(-1, ioapic_set_irq(io, 10, 1));
	ASSERT_EQ(0, nr_msgs);
	rte_write(io, 10, level_rte(0x5a, 0));
	ASSERT_EQ(1, nr_msgs);
	ASSERT_EQ(0x5a, msgs[0].vector);
	ASSERT_TRUE(remote_irr(io, 10));

	/* Dropped before the unmask: nothing. */
	rte_write(io, 11, level_rte(0x5b, 0) | IOAPIC_RTE_MASKED);
	ioapic_set_irq(io, 11, 1);
	ioapic_set_irq(io, 11, 0);
	rte_write(io, 11, level_rte(0x5b, 0));
	ASSERT_EQ(1, nr_msgs);

	/* A masked edge is lost, as on the 82093AA. */
	rte_write(io, 12, edge_rte(0x5c, 0) | IOAPIC_RTE_MASKED);
	ASSERT_EQ(-1, ioapic_set_irq(io, 12, 1));
	rte_write(io, 12, edge_rte(0x5c, 0));
	ASSERT_EQ(1, nr_msgs);
}

TEST_F(ioapic, eoi_for_vector_on_two_pins)
{
	struct ioapic *io = &self->io;

	rte_write(io, 16, level_rte(0x70, 0));
	rte_write(io, 17, level_rte(0x70, 1));
	ioapic_set_irq(io, 16, 1);
	ioapic_set_irq(io, 17, 1);
	ASSERT_EQ(2, nr_msgs);

	ioapic_set_irq(io, 16, 0);
	ioapic_eoi(io, 0x70);
	ASSERT_FALSE(remote_irr(io, 16));
	/* Pin 17 is still high: served again and waiting once more. */
	ASSERT_EQ(3, nr_msgs);
	ASSERT_EQ(1u, msgs[2].dest);
	ASSERT_TRUE(remote_irr(io, 17));
}

TEST_F(ioapic, edge_switch_clears_remote_irr)
{
	struct ioapic *io = &self->io;

	rte_write(io, 7, level_rte(0x77, 0));
	ioapic_set_irq(io, 7, 1);
	ASSERT_TRUE(remote_irr(io, 7));
	/* Linux's EOI for IOAPICs without an EOI register. */
	rte_write(io, 7, edge_rte(0x77, 0) | IOAPIC_RTE_MASKED);
	ASSERT_FALSE(remote_irr(io, 7));
	rte_write(io, 7, level_rte(0x77, 0));
	/* Back to level with the line high: served again. */
	ASSERT_EQ(2, nr_msgs);
}

TEST_F(ioapic, no_target_sets_no_remote_irr)
{
	struct ioapic *io = &self->io;

	bus_targets = 0;
	rte_write(io, 8, level_rte(0x88, 5));
	ASSERT_EQ(0, ioapic_set_irq(io, 8, 1));
	ASSERT_FALSE(remote_irr(io, 8));
}

static bool match_dest1(void *opaque, u32 dest, bool logical)
{
	return dest == 1 && !logical;
}

static bool vec_set(const u64 *bitmap, u8 vector)
{
	return bitmap[vector / 64] & (1ULL << (vector % 64));
}

TEST_F(ioapic, level_vectors_for_eoi_exits)
{
	struct ioapic *io = &self->io;
	u64 bitmap[4];

	rte_write(io, 1, level_rte(0x40, 1));
	rte_write(io, 2, level_rte(0x81, 2));
	rte_write(io, 3, edge_rte(0xc2, 1));
	rte_write(io, 4, level_rte(0xff, 1) | IOAPIC_RTE_MASKED);

	ioapic_level_vectors(io, NULL, NULL, bitmap);
	ASSERT_TRUE(vec_set(bitmap, 0x40));
	ASSERT_TRUE(vec_set(bitmap, 0x81));
	ASSERT_FALSE(vec_set(bitmap, 0xc2));
	ASSERT_TRUE(vec_set(bitmap, 0xff));

	ioapic_level_vectors(io, match_dest1, NULL, bitmap);
	ASSERT_TRUE(vec_set(bitmap, 0x40));
	ASSERT_FALSE(vec_set(bitmap, 0x81));

	/* Waiting for an EOI: every vCPU must report it. */
	ioapic_set_irq(io, 2, 1);
	ioapic_level_vectors(io, match_dest1, NULL, bitmap);
	ASSERT_TRUE(vec_set(bitmap, 0x81));
}

static int table_changes;

static void count_change(void *opaque)
{
	table_changes++;
}

TEST_F(ioapic, table_changed_callback)
{
	struct ioapic *io = &self->io;

	table_changes = 0;
	ioapic_set_table_changed_fn(io, count_change, NULL);
	reg_write(io, IOAPIC_REG_ID, 0x01000000);
	ASSERT_EQ(0, table_changes);
	rte_write(io, 0, level_rte(0x30, 0));
	ASSERT_EQ(1, table_changes);
	rte_write(io, 0, level_rte(0x30, 0));
	ASSERT_EQ(1, table_changes);
}

TEST(ioapic_state_matches_kvm_layout)
{
	ASSERT_EQ(sizeof(struct kvm_ioapic_state), sizeof(struct ioapic_state));
	ASSERT_EQ(offsetof(struct kvm_ioapic_state, irr),
		  offsetof(struct ioapic_state, irr));
	ASSERT_EQ(offsetof(struct kvm_ioapic_state, redirtbl),
		  offsetof(struct ioapic_state, redirtbl));
}

TEST_F(ioapic, save_restore)
{
	struct ioapic *io = &self->io;
	struct ioapic_state st;
	struct kvm_ioapic_state kst;
	struct ioapic other;

	reg_write(io, IOAPIC_REG_ID, 0x02000000);
	rte_write(io, 5, level_rte(0x55, 3));
	rte_write(io, 6, level_rte(0x66, 3) | IOAPIC_RTE_MASKED);
	ioapic_set_irq(io, 5, 1);
	ioapic_set_irq(io, 6, 1);
	ioapic_get_state(io, &st);

	memcpy(&kst, &st, sizeof(kst));
	ASSERT_EQ(IOAPIC_DEFAULT_BASE, kst.base_address);
	ASSERT_EQ(2u, kst.id);
	ASSERT_EQ(0x60u, kst.irr);
	ASSERT_EQ(0x55, kst.redirtbl[5].fields.vector);
	ASSERT_EQ(1, (int)kst.redirtbl[5].fields.remote_irr);
	ASSERT_EQ(1, (int)kst.redirtbl[5].fields.trig_mode);
	ASSERT_EQ(3, kst.redirtbl[5].fields.dest_id);
	ASSERT_EQ(1, (int)kst.redirtbl[6].fields.mask);

	reset_bus();
	ioapic_init(&other, NULL);
	ASSERT_EQ(0, ioapic_set_state(&other, &st));
	other.bus = &fake_bus;
	ASSERT_EQ(0x02000000u, reg_read(&other, IOAPIC_REG_ID));
	ASSERT_EQ(rte_read(io, 5), rte_read(&other, 5));
	ASSERT_EQ(rte_read(io, 6), rte_read(&other, 6));
	/* Pin 6's request survived the move: it shows up on unmask. */
	rte_write(&other, 6, level_rte(0x66, 3));
	ASSERT_EQ(1, nr_msgs);
	ASSERT_EQ(0x66, msgs[0].vector);
	/* And pin 5 still waits for its EOI. */
	ioapic_eoi(&other, 0x55);
	ASSERT_EQ(2, nr_msgs);
}

TEST_HARNESS_MAIN
