// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the APIC bus (module/irq/apic_bus.c) with four LAPICs,
 * APIC IDs 0-3: IPI destinations and shorthands, lowest priority, NMI,
 * INIT and SIPI, MSI decoding and the EOI path back to the IOAPIC.
 */
#include "kselftest_harness.h"

#include "irq/lapic.h"
#include "irq/apic_bus.h"

#define NR_APICS	4
#define DFR_CLUSTER	0x0fffffff
#define ICR_ASSERT	(1u << 14)
#define ICR_LEVEL	(1u << 15)
#define ICR_LOGICAL	(1u << 11)
#define ICR_SH(sh)	((sh) << 18)
#define ICR_DM(dm)	((dm) << 8)

#define X2APIC_MSR(reg)	(0x800 + ((reg) >> 4))

FIXTURE(bus) {
	struct apic_bus bus;
	struct lapic apic[NR_APICS];
	struct fake_vcpu vcpu[NR_APICS];
	int eois;
	u8 eoi_vector;
	bool redeliver;
};

/* Acts like an IOAPIC whose line is still asserted: delivers again. */
static void ioapic_eoi(void *opaque, u8 vector)
{
	FIXTURE_DATA(bus) *self = opaque;
	struct apic_irq irq = {
		.dest = 1, .vector = vector, .level_trigger = true,
	};

	self->eois++;
	self->eoi_vector = vector;
	if (self->redeliver)
		apic_bus_deliver(&self->bus, NULL, &irq);
}

FIXTURE_SETUP(bus)
{
	int i;

	apic_bus_init(&self->bus);
	for (i = 0; i < NR_APICS; i++) {
		lapic_init(&self->apic[i], &self->bus, &self->vcpu[i], i,
			   i == 0);
		lapic_mmio_write(&self->apic[i], LAPIC_SVR, 4, 0x1ff);
		ASSERT_EQ(0, apic_bus_add(&self->bus, &self->apic[i]));
	}
	apic_bus_set_eoi_notifier(&self->bus, ioapic_eoi, self);
}

FIXTURE_TEARDOWN(bus)
{
	int i;

	EXPECT_EQ(0, fake_locks_held);
	EXPECT_EQ(0u, fake_kicks_under_lock);
	EXPECT_EQ(0u, fake_cancels_under_lock);
	for (i = 0; i < NR_APICS; i++) {
		apic_bus_remove(&self->bus, &self->apic[i]);
		lapic_destroy(&self->apic[i]);
	}
}

static s64 rd(struct lapic *l, u32 reg)
{
	return lapic_mmio_read(l, reg, 4);
}

static void wr(struct lapic *l, u32 reg, u32 val)
{
	lapic_mmio_write(l, reg, 4, val);
}

static void send_ipi(struct lapic *l, u8 dest, u32 icr)
{
	wr(l, LAPIC_ICR2, (u32)dest << 24);
	wr(l, LAPIC_ICR, icr);
}

static bool has_irr(struct lapic *l, u8 vec)
{
	return rd(l, LAPIC_IRR + (vec >> 5) * 16) & (1u << (vec & 31));
}

static bool x2_has_irr(struct lapic *l, u8 vec)
{
	u64 val = 0;

	lapic_rdmsr(l, X2APIC_MSR(LAPIC_IRR + (vec >> 5) * 16), &val);
	return val & (1u << (vec & 31));
}

/* Which LAPICs got vec, as a bitmap by index; clears their IRR. */
static int receivers(FIXTURE_DATA(bus) *self, u8 vec)
{
	int got = 0;
	int i;

	for (i = 0; i < NR_APICS; i++) {
		struct lapic *l = &self->apic[i];

		if (lapic_xapic_mode(l) ? has_irr(l, vec) : x2_has_irr(l, vec))
			got |= 1u << i;
		lapic_ack_vector(l, vec);
		lapic_reset(l, true);
		if (lapic_xapic_mode(l))
			wr(l, LAPIC_SVR, 0x1ff);
		else
			lapic_wrmsr(l, X2APIC_MSR(LAPIC_SVR), 0x1ff);
	}
	return got;
}

static int deliver(FIXTURE_DATA(bus) *self, u32 dest, bool logical,
		   u8 mode)
{
	struct apic_irq irq = {
		.dest = dest,
		.vector = 0x40,
		.delivery_mode = mode,
		.dest_logical = logical,
	};

	return apic_bus_deliver(&self->bus, NULL, &irq);
}

static void all_to_x2apic(FIXTURE_DATA(bus) *self)
{
	int i;

	for (i = 0; i < NR_APICS; i++) {
		struct lapic *l = &self->apic[i];

		lapic_wrmsr(l, LAPIC_MSR_APIC_BASE,
			    lapic_get_base(l) | LAPIC_BASE_EXTD);
		lapic_wrmsr(l, X2APIC_MSR(LAPIC_SVR), 0x1ff);
	}
}

TEST_F(bus, physical_fixed_ipi)
{
	send_ipi(&self->apic[0], 2, ICR_ASSERT | 0x31);
	EXPECT_EQ(0x31, lapic_pending_vector(&self->apic[2]));
	EXPECT_EQ(1, self->vcpu[2].kicks);
	EXPECT_EQ(0, self->vcpu[0].kicks + self->vcpu[1].kicks +
		     self->vcpu[3].kicks);
	/* Delivery is immediate: the ICR never reads busy. */
	EXPECT_EQ(ICR_ASSERT | 0x31, rd(&self->apic[0], LAPIC_ICR));
	EXPECT_EQ(0x02000000, rd(&self->apic[0], LAPIC_ICR2));
	EXPECT_EQ(0x4, receivers(self, 0x31));
}

TEST_F(bus, physical_id_follows_xapic_id_register)
{
	wr(&self->apic[3], LAPIC_ID, 9u << 24);
	EXPECT_EQ(0, deliver(self, 3, false, APIC_DM_FIXED));
	EXPECT_EQ(1, deliver(self, 9, false, APIC_DM_FIXED));
	EXPECT_EQ(0x8, receivers(self, 0x40));
}

TEST_F(bus, physical_broadcast)
{
	send_ipi(&self->apic[1], 0xff, ICR_ASSERT | 0x32);
	EXPECT_EQ(0xf, receivers(self, 0x32));
	EXPECT_EQ(4, deliver(self, 0xff, false, APIC_DM_FIXED));
	EXPECT_EQ(0, deliver(self, 7, false, APIC_DM_FIXED));
}

TEST_F(bus, logical_flat)
{
	int i;

	for (i = 0; i < NR_APICS; i++)
		wr(&self->apic[i], LAPIC_LDR, 1u << (24 + i));
	send_ipi(&self->apic[0], 0x05, ICR_LOGICAL | ICR_ASSERT | 0x33);
	EXPECT_EQ(0x5, receivers(self, 0x33));
	for (i = 0; i < NR_APICS; i++)
		wr(&self->apic[i], LAPIC_LDR, 1u << (24 + i));
	EXPECT_EQ(4, deliver(self, 0xff, true, APIC_DM_FIXED));
	EXPECT_EQ(0, deliver(self, 0x10, true, APIC_DM_FIXED));
}

TEST_F(bus, logical_cluster)
{
	static const u8 ldr[NR_APICS] = { 0x11, 0x12, 0x21, 0x22 };
	int i;

	for (i = 0; i < NR_APICS; i++) {
		wr(&self->apic[i], LAPIC_DFR, DFR_CLUSTER);
		wr(&self->apic[i], LAPIC_LDR, (u32)ldr[i] << 24);
	}
	EXPECT_EQ(2, deliver(self, 0x13, true, APIC_DM_FIXED));
	EXPECT_EQ(0x3, receivers(self, 0x40));
	for (i = 0; i < NR_APICS; i++) {
		wr(&self->apic[i], LAPIC_DFR, DFR_CLUSTER);
		wr(&self->apic[i], LAPIC_LDR, (u32)ldr[i] << 24);
	}
	EXPECT_EQ(1, deliver(self, 0x22, true, APIC_DM_FIXED));
	EXPECT_EQ(0x8, receivers(self, 0x40));
}

TEST_F(bus, x2apic_physical_and_cluster)
{
	struct fake_vcpu vcpu = { 0 };
	struct lapic far;

	lapic_init(&far, &self->bus, &vcpu, 0x11, false);
	ASSERT_EQ(0, apic_bus_add(&self->bus, &far));
	all_to_x2apic(self);
	lapic_wrmsr(&far, LAPIC_MSR_APIC_BASE, 0xfee00c00);
	lapic_wrmsr(&far, X2APIC_MSR(LAPIC_SVR), 0x1ff);

	/* Cluster 0 holds IDs 0-15: bits 1 and 3 are APICs 1 and 3. */
	EXPECT_EQ(2, deliver(self, 0x0000000a, true, APIC_DM_FIXED));
	EXPECT_EQ(1, deliver(self, 0x00010002, true, APIC_DM_FIXED));
	EXPECT_TRUE(x2_has_irr(&far, 0x40));
	EXPECT_EQ(1, deliver(self, 0x11, false, APIC_DM_FIXED));
	EXPECT_EQ(0xa, receivers(self, 0x40));

	/* The x2APIC ICR carries a 32-bit destination. */
	lapic_wrmsr(&self->apic[0], X2APIC_MSR(LAPIC_ICR),
		    0x11ull << 32 | ICR_ASSERT | 0x34);
	EXPECT_TRUE(x2_has_irr(&far, 0x34));
	EXPECT_EQ(3, vcpu.kicks);

	apic_bus_remove(&self->bus, &far);
	lapic_destroy(&far);
}

TEST_F(bus, x2apic_broadcast)
{
	all_to_x2apic(self);
	EXPECT_EQ(4, deliver(self, X2APIC_BROADCAST, false, APIC_DM_FIXED));
	EXPECT_EQ(0xf, receivers(self, 0x40));
	/* An IOAPIC's 8-bit broadcast still reaches every x2APIC... */
	EXPECT_EQ(4, deliver(self, 0xff, false, APIC_DM_FIXED));
	EXPECT_EQ(0xf, receivers(self, 0x40));
	/* ...but from an ICR, 0xff is just APIC ID 255. */
	lapic_wrmsr(&self->apic[0], X2APIC_MSR(LAPIC_ICR),
		    0xffull << 32 | ICR_ASSERT | 0x40);
	EXPECT_EQ(0, receivers(self, 0x40));
}

TEST_F(bus, shorthands)
{
	send_ipi(&self->apic[1], 3, ICR_SH(APIC_SH_SELF) | 0x35);
	EXPECT_EQ(0x2, receivers(self, 0x35));
	send_ipi(&self->apic[1], 3, ICR_SH(APIC_SH_ALL) | 0x35);
	EXPECT_EQ(0xf, receivers(self, 0x35));
	send_ipi(&self->apic[1], 3, ICR_SH(APIC_SH_ALL_BUT_SELF) | 0x35);
	EXPECT_EQ(0xd, receivers(self, 0x35));
}

TEST_F(bus, lowest_priority_picks_one)
{
	static const u32 tpr[NR_APICS] = { 0x30, 0x10, 0x10, 0x20 };
	int i;

	for (i = 0; i < NR_APICS; i++) {
		wr(&self->apic[i], LAPIC_LDR, 1u << (24 + i));
		wr(&self->apic[i], LAPIC_TPR, tpr[i]);
	}
	/* Lowest priority wins; among equals, the lowest APIC ID. */
	EXPECT_EQ(1, deliver(self, 0x0f, true, APIC_DM_LOWEST));
	EXPECT_TRUE(has_irr(&self->apic[1], 0x40));
	EXPECT_FALSE(has_irr(&self->apic[2], 0x40));
	EXPECT_EQ(0x2, receivers(self, 0x40));
	for (i = 0; i < NR_APICS; i++) {
		wr(&self->apic[i], LAPIC_LDR, 1u << (24 + i));
		wr(&self->apic[i], LAPIC_TPR, tpr[i] < 0x20 ? 0x40 : tpr[i]);
	}
	EXPECT_EQ(1, deliver(self, 0x0f, true, APIC_DM_LOWEST));
	EXPECT_EQ(0x8, receivers(self, 0x40));
	EXPECT_EQ(0, deliver(self, 0x10, true, APIC_DM_LOWEST));
}

TEST_F(bus, nmi_init_sipi_ipis)
{
	struct lapic *ap = &self->apic[1];
	u8 vec = 0;

	send_ipi(&self->apic[0], 1, ICR_DM(APIC_DM_INIT) | ICR_ASSERT);
	EXPECT_TRUE(lapic_take_init(ap));
	/* INIT level de-assert is ignored. */
	send_ipi(&self->apic[0], 1, ICR_DM(APIC_DM_INIT) | ICR_LEVEL);
	EXPECT_FALSE(lapic_take_init(ap));
	send_ipi(&self->apic[0], 1, ICR_DM(APIC_DM_SIPI) | ICR_ASSERT | 0x9f);
	EXPECT_TRUE(lapic_take_sipi(ap, &vec));
	EXPECT_EQ(0x9f, vec);
	send_ipi(&self->apic[0], 1, ICR_DM(APIC_DM_NMI) | ICR_ASSERT);
	EXPECT_TRUE(lapic_take_nmi(ap));
	EXPECT_FALSE(lapic_take_nmi(&self->apic[0]));
	EXPECT_EQ(3, self->vcpu[1].kicks);
}

TEST_F(bus, msi_decoding)
{
	int i;

	EXPECT_EQ(1, apic_bus_deliver_msi(&self->bus, 0xfee02000, 0x0041));
	EXPECT_TRUE(has_irr(&self->apic[2], 0x41));
	EXPECT_FALSE(rd(&self->apic[2], LAPIC_TMR + 0x20) & 2);

	/* Level-triggered, asserted: TMR is set. */
	EXPECT_EQ(1, apic_bus_deliver_msi(&self->bus, 0xfee03000, 0xc042));
	EXPECT_TRUE(rd(&self->apic[3], LAPIC_TMR + 0x20) & 4);

	/* Logical, with the redirection hint: lowest priority, one CPU. */
	for (i = 0; i < NR_APICS; i++)
		wr(&self->apic[i], LAPIC_LDR, 1u << (24 + i));
	wr(&self->apic[0], LAPIC_TPR, 0x20);
	EXPECT_EQ(4, apic_bus_deliver_msi(&self->bus, 0xfee0f004, 0x0043));
	EXPECT_EQ(0xf, receivers(self, 0x43));
	for (i = 0; i < NR_APICS; i++)
		wr(&self->apic[i], LAPIC_LDR, 1u << (24 + i));
	wr(&self->apic[0], LAPIC_TPR, 0x20);
	EXPECT_EQ(1, apic_bus_deliver_msi(&self->bus, 0xfee0f00c, 0x0043));
	EXPECT_EQ(0x2, receivers(self, 0x43));

	EXPECT_EQ(1, apic_bus_deliver_msi(&self->bus, 0xfee01000, 0x0400));
	EXPECT_TRUE(lapic_take_nmi(&self->apic[1]));
}

TEST_F(bus, level_eoi_reaches_ioapic_which_may_redeliver)
{
	struct lapic *l = &self->apic[1];
	struct apic_irq irq = {
		.dest = 1, .vector = 0x51, .level_trigger = true,
	};

	self->redeliver = true;
	EXPECT_EQ(1, apic_bus_deliver(&self->bus, NULL, &irq));
	ASSERT_EQ(0x51, lapic_pending_vector(l));
	lapic_ack_vector(l, 0x51);
	wr(l, LAPIC_EOI, 0);
	EXPECT_EQ(1, self->eois);
	EXPECT_EQ(0x51, self->eoi_vector);
	EXPECT_EQ(0x51, lapic_pending_vector(l));
}

TEST_F(bus, slots_are_limited)
{
	struct apic_bus bus;
	struct lapic lapic[2];
	int i;

	apic_bus_init(&bus);
	for (i = 0; i < APIC_BUS_MAX_LAPICS; i++)
		ASSERT_EQ(0, apic_bus_add(&bus, &lapic[i % 2]));
	EXPECT_EQ(-ENOSPC, apic_bus_add(&bus, &lapic[0]));
	apic_bus_remove(&bus, &lapic[0]);
	EXPECT_EQ(APIC_BUS_MAX_LAPICS - 1, bus.nr_lapics);
	EXPECT_EQ(0, apic_bus_add(&bus, &lapic[0]));
}

TEST_HARNESS_MAIN
