// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the local APIC model (module/irq/lapic.c) on the fake
 * host: registers, acceptance, EOI, timer modes, APIC_BASE, x2APIC MSRs,
 * LINT inputs and KVM_GET/SET_LAPIC state. IPIs are in test_apic_bus.c.
 */
#include "kselftest_harness.h"

#include "irq/lapic.h"
#include "irq/apic_bus.h"

#define NR_APICS	2
#define TIMER_VEC	0xec
#define ERROR_VEC	0xfe

#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)

#define X2APIC_MSR(reg)	(0x800 + ((reg) >> 4))

FIXTURE(lapic) {
	struct apic_bus bus;
	struct lapic apic[NR_APICS];
	struct fake_vcpu vcpu[NR_APICS];
	int eois;
	u8 eoi_vector;
};

static void record_eoi(void *opaque, u8 vector)
{
	FIXTURE_DATA(lapic) *self = opaque;

	self->eois++;
	self->eoi_vector = vector;
}

FIXTURE_SETUP(lapic)
{
	int i;

	apic_bus_init(&self->bus);
	for (i = 0; i < NR_APICS; i++) {
		lapic_init(&self->apic[i], &self->bus, &self->vcpu[i], i,
			   i == 0);
		ASSERT_EQ(0, apic_bus_add(&self->bus, &self->apic[i]));
	}
	apic_bus_set_eoi_notifier(&self->bus, record_eoi, self);
}

FIXTURE_TEARDOWN(lapic)
{
	int i;

	/* Locking rules: nothing left locked, no kick or cancel under a lock. */
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

static bool vec_bit(struct lapic *l, u32 base, u8 vec)
{
	return rd(l, base + (vec >> 5) * 16) & (1u << (vec & 31));
}

static void sw_enable(struct lapic *l)
{
	wr(l, LAPIC_SVR, 0x1ff);
}

static int deliver(struct lapic *l, u8 mode, u8 vec, bool level)
{
	struct apic_irq irq = {
		.vector = vec,
		.delivery_mode = mode,
		.level_trigger = level,
	};

	return lapic_deliver(l, &irq);
}

static s64 rdmsr(struct lapic *l, u32 msr)
{
	u64 val = 0xdeadbeef;

	if (lapic_rdmsr(l, msr, &val))
		return 0xbad;
	return val;
}

static int to_x2apic(struct lapic *l)
{
	return lapic_wrmsr(l, LAPIC_MSR_APIC_BASE,
			   lapic_get_base(l) | LAPIC_BASE_EXTD);
}

static u64 tsc_now(FIXTURE_DATA(lapic) *self)
{
	return fake_guest_tsc(&self->vcpu[0]);
}

/* ---------------------------------------------------------------- reset */

TEST_F(lapic, power_on_state)
{
	struct lapic *bsp = &self->apic[0], *ap = &self->apic[1];

	EXPECT_EQ(0xfee00900, lapic_get_base(bsp));
	EXPECT_EQ(0xfee00800, lapic_get_base(ap));
	EXPECT_EQ(0xfee00000, lapic_base_address(ap));
	EXPECT_EQ(1u << 24, rd(ap, LAPIC_ID));
	EXPECT_EQ(0x00050014, rd(ap, LAPIC_LVR));
	EXPECT_EQ(0xff, rd(ap, LAPIC_SVR));
	EXPECT_EQ(0xffffffff, rd(ap, LAPIC_DFR));
	EXPECT_EQ(0, rd(ap, LAPIC_TPR));
	EXPECT_EQ(0, rd(ap, LAPIC_LDR));
	for (u32 reg = LAPIC_LVTT; reg <= LAPIC_LVTERR; reg += 0x10)
		EXPECT_EQ(LVT_MASKED, rd(ap, reg));
	/* KVM's quirk: the BSP's LINT0 is an unmasked ExtINT input. */
	EXPECT_EQ(0x700, rd(bsp, LAPIC_LVT0));
}

TEST_F(lapic, init_keeps_id_and_base)
{
	struct lapic *l = &self->apic[1];
	u8 vec;

	sw_enable(l);
	wr(l, LAPIC_ID, 7u << 24);
	wr(l, LAPIC_TPR, 0x20);
	wr(l, LAPIC_LVTT, TIMER_VEC);
	ASSERT_EQ(0, lapic_wrmsr(l, LAPIC_MSR_APIC_BASE, 0xfed00800));
	deliver(l, APIC_DM_SIPI, 0x9a, false);

	lapic_reset(l, true);
	EXPECT_EQ(7u << 24, rd(l, LAPIC_ID));
	EXPECT_EQ(0xfed00800, lapic_get_base(l));
	EXPECT_EQ(0, rd(l, LAPIC_TPR));
	EXPECT_EQ(0xff, rd(l, LAPIC_SVR));
	EXPECT_EQ(LVT_MASKED, rd(l, LAPIC_LVTT));
	EXPECT_TRUE(lapic_take_sipi(l, &vec));

	lapic_reset(l, false);
	EXPECT_EQ(1u << 24, rd(l, LAPIC_ID));
	EXPECT_EQ(0xfee00800, lapic_get_base(l));
}

/* ---------------------------------------------------------------- registers */

TEST_F(lapic, read_only_and_reserved_xapic_registers)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	wr(l, LAPIC_ID, 0x12345678);
	EXPECT_EQ(0x12000000, rd(l, LAPIC_ID));
	wr(l, LAPIC_LVR, 0);
	EXPECT_EQ(0x00050014, rd(l, LAPIC_LVR));
	wr(l, LAPIC_PPR, 0xff);
	EXPECT_EQ(0, rd(l, LAPIC_PPR));
	wr(l, LAPIC_IRR, 0xffffffff);
	wr(l, LAPIC_ISR + 0x10, 0xffffffff);
	wr(l, LAPIC_TMR, 0xffffffff);
	EXPECT_EQ(0, rd(l, LAPIC_IRR));
	EXPECT_EQ(0, rd(l, LAPIC_ISR + 0x10));
	EXPECT_EQ(0, rd(l, LAPIC_TMR));
	wr(l, LAPIC_TMCCT, 5);
	EXPECT_EQ(0, rd(l, LAPIC_TMCCT));
	EXPECT_EQ(0, rd(l, LAPIC_EOI));
	/* Read-only writes are ignored without an error. */
	wr(l, LAPIC_ESR, 0);
	EXPECT_EQ(0, rd(l, LAPIC_ESR));
}

TEST_F(lapic, ldr_dfr_svr_masks)
{
	struct lapic *l = &self->apic[1];

	wr(l, LAPIC_LDR, 0xa5ffffff);
	EXPECT_EQ(0xa5000000, rd(l, LAPIC_LDR));
	wr(l, LAPIC_DFR, 0x0);
	EXPECT_EQ(0x0fffffff, rd(l, LAPIC_DFR));
	wr(l, LAPIC_SVR, 0xffffffff);
	EXPECT_EQ(0x3ff, rd(l, LAPIC_SVR));
	wr(l, LAPIC_TPR, 0xfff);
	EXPECT_EQ(0xff, rd(l, LAPIC_TPR));
}

TEST_F(lapic, mmio_access_sizes)
{
	struct lapic *l = &self->apic[1];

	wr(l, LAPIC_ID, 0xab000000);
	EXPECT_EQ(0xabu, lapic_mmio_read(l, LAPIC_ID + 3, 1));
	EXPECT_EQ(0xab00u, lapic_mmio_read(l, LAPIC_ID + 2, 2));
	/* Crossing the 32-bit register, or not at a 16-byte slot. */
	EXPECT_EQ(0u, lapic_mmio_read(l, LAPIC_ID + 2, 4));
	EXPECT_EQ(0u, lapic_mmio_read(l, LAPIC_ID + 4, 4));
	lapic_mmio_write(l, LAPIC_TPR, 1, 0x30);
	lapic_mmio_write(l, LAPIC_TPR + 4, 4, 0x30);
	EXPECT_EQ(0, rd(l, LAPIC_TPR));
}

TEST_F(lapic, ppr_follows_tpr_and_isr)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	wr(l, LAPIC_TPR, 0x35);
	EXPECT_EQ(0x35, rd(l, LAPIC_PPR));
	deliver(l, APIC_DM_FIXED, 0x61, false);
	lapic_ack_vector(l, 0x61);
	EXPECT_EQ(0x60, rd(l, LAPIC_PPR));
	wr(l, LAPIC_TPR, 0x72);
	EXPECT_EQ(0x72, rd(l, LAPIC_PPR));
	wr(l, LAPIC_TPR, 0);
	wr(l, LAPIC_EOI, 0);
	EXPECT_EQ(0, rd(l, LAPIC_PPR));
}

TEST_F(lapic, apr_is_computed)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	wr(l, LAPIC_TPR, 0x43);
	EXPECT_EQ(0x43, rd(l, LAPIC_APR));
	deliver(l, APIC_DM_FIXED, 0x81, false);
	EXPECT_EQ(0x80, rd(l, LAPIC_APR));
}

/* ---------------------------------------------------------------- accept */

TEST_F(lapic, tpr_masks_pending_vectors)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	EXPECT_EQ(1, deliver(l, APIC_DM_FIXED, 0x45, false));
	EXPECT_TRUE(vec_bit(l, LAPIC_IRR, 0x45));
	EXPECT_EQ(1, self->vcpu[1].kicks);
	wr(l, LAPIC_TPR, 0x50);
	EXPECT_EQ(-1, lapic_pending_vector(l));
	wr(l, LAPIC_TPR, 0x40);		/* same class: still masked */
	EXPECT_EQ(-1, lapic_pending_vector(l));
	wr(l, LAPIC_TPR, 0x3f);
	EXPECT_EQ(0x45, lapic_pending_vector(l));
	lapic_set_tpr(l, 0x90);
	EXPECT_EQ(0x90u, lapic_get_tpr(l));
	EXPECT_EQ(-1, lapic_pending_vector(l));
}

TEST_F(lapic, ack_and_eoi_nest_by_priority)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	deliver(l, APIC_DM_FIXED, 0x45, false);
	deliver(l, APIC_DM_FIXED, 0x41, false);
	ASSERT_EQ(0x45, lapic_pending_vector(l));
	lapic_ack_vector(l, 0x45);
	EXPECT_FALSE(vec_bit(l, LAPIC_IRR, 0x45));
	EXPECT_TRUE(vec_bit(l, LAPIC_ISR, 0x45));
	EXPECT_EQ(-1, lapic_pending_vector(l));	/* 0x41: same class */
	deliver(l, APIC_DM_FIXED, 0x51, false);
	ASSERT_EQ(0x51, lapic_pending_vector(l));
	lapic_ack_vector(l, 0x51);
	wr(l, LAPIC_EOI, 0);
	EXPECT_FALSE(vec_bit(l, LAPIC_ISR, 0x51));
	EXPECT_TRUE(vec_bit(l, LAPIC_ISR, 0x45));
	wr(l, LAPIC_EOI, 0);
	EXPECT_EQ(0x41, lapic_pending_vector(l));
	EXPECT_EQ(0, self->eois);
}

TEST_F(lapic, eoi_of_level_vector_notifies_ioapic)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	deliver(l, APIC_DM_FIXED, 0x62, true);
	EXPECT_TRUE(vec_bit(l, LAPIC_TMR, 0x62));
	lapic_ack_vector(l, 0x62);
	wr(l, LAPIC_EOI, 0);
	EXPECT_EQ(1, self->eois);
	EXPECT_EQ(0x62, self->eoi_vector);

	/* The same vector edge-triggered clears TMR: no notification. */
	deliver(l, APIC_DM_FIXED, 0x62, false);
	EXPECT_FALSE(vec_bit(l, LAPIC_TMR, 0x62));
	lapic_ack_vector(l, 0x62);
	wr(l, LAPIC_EOI, 0);
	EXPECT_EQ(1, self->eois);
	wr(l, LAPIC_EOI, 0);		/* nothing in service */
	EXPECT_EQ(1, self->eois);
}

TEST_F(lapic, software_disable_masks)
{
	struct lapic *l = &self->apic[1];

	/* Reset state is software-disabled: fixed interrupts are dropped. */
	EXPECT_EQ(0, deliver(l, APIC_DM_FIXED, 0x45, false));
	EXPECT_FALSE(vec_bit(l, LAPIC_IRR, 0x45));
	wr(l, LAPIC_LVTT, TIMER_VEC);
	EXPECT_EQ(LVT_MASKED | TIMER_VEC, rd(l, LAPIC_LVTT));
	/* NMI, INIT and SIPI are still accepted. */
	EXPECT_EQ(1, deliver(l, APIC_DM_NMI, 0, false));
	EXPECT_TRUE(lapic_take_nmi(l));

	sw_enable(l);
	wr(l, LAPIC_LVTT, TIMER_VEC);
	wr(l, LAPIC_LVT1, 0x400);
	deliver(l, APIC_DM_FIXED, 0x45, false);
	wr(l, LAPIC_SVR, 0xff);
	EXPECT_EQ(LVT_MASKED | TIMER_VEC, rd(l, LAPIC_LVTT));
	EXPECT_EQ(LVT_MASKED | 0x400, rd(l, LAPIC_LVT1));
	EXPECT_TRUE(vec_bit(l, LAPIC_IRR, 0x45));
	EXPECT_EQ(-1, lapic_pending_vector(l));
	sw_enable(l);
	EXPECT_EQ(0x45, lapic_pending_vector(l));
}

TEST_F(lapic, esr_latches_on_write)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	rd(l, 0x40);			/* reserved register */
	EXPECT_EQ(0, rd(l, LAPIC_ESR));
	wr(l, LAPIC_ESR, 0);
	EXPECT_EQ(0x80, rd(l, LAPIC_ESR));
	wr(l, LAPIC_ESR, 0);
	EXPECT_EQ(0, rd(l, LAPIC_ESR));

	wr(l, LAPIC_ICR, 0x4005);	/* fixed, vector 5 */
	EXPECT_EQ(0, deliver(l, APIC_DM_FIXED, 3, false));
	EXPECT_EQ(-1, lapic_pending_vector(l));
	wr(l, LAPIC_ESR, 0);
	EXPECT_EQ(0x60, rd(l, LAPIC_ESR));

	/* An unmasked error LVT turns an error into an interrupt. */
	wr(l, LAPIC_LVTERR, ERROR_VEC);
	wr(l, 0x3f0, 1);		/* SELF_IPI is reserved in xAPIC */
	EXPECT_EQ(ERROR_VEC, lapic_pending_vector(l));
	wr(l, LAPIC_ESR, 0);
	EXPECT_EQ(0x80, rd(l, LAPIC_ESR));

	/* An illegal error vector is one more error, not a loop. */
	wr(l, LAPIC_LVTERR, 5);
	rd(l, 0x50);
	wr(l, LAPIC_ESR, 0);
	EXPECT_EQ(0xc0, rd(l, LAPIC_ESR));
}

TEST_F(lapic, nmi_init_sipi_events)
{
	struct lapic *l = &self->apic[1];
	u8 vec = 0;

	EXPECT_FALSE(lapic_take_nmi(l));
	deliver(l, APIC_DM_NMI, 0, false);
	EXPECT_TRUE(lapic_take_nmi(l));
	EXPECT_FALSE(lapic_take_nmi(l));

	deliver(l, APIC_DM_SIPI, 0x9a, false);
	deliver(l, APIC_DM_INIT, 0, false);	/* INIT drops an older SIPI */
	EXPECT_FALSE(lapic_take_sipi(l, &vec));
	EXPECT_TRUE(lapic_take_init(l));
	EXPECT_FALSE(lapic_take_init(l));
	deliver(l, APIC_DM_SIPI, 0x9a, false);
	EXPECT_TRUE(lapic_take_sipi(l, &vec));
	EXPECT_EQ(0x9a, vec);
	EXPECT_EQ(4, self->vcpu[1].kicks);
	EXPECT_EQ(0, deliver(l, APIC_DM_SMI, 0, false));
}

/* ---------------------------------------------------------------- timer */

static void oneshot(struct lapic *l, u32 tdcr, u32 count)
{
	sw_enable(l);
	wr(l, LAPIC_TDCR, tdcr);
	wr(l, LAPIC_LVTT, TIMER_VEC);
	wr(l, LAPIC_TMICT, count);
}

TEST_F(lapic, timer_divide_all_encodings)
{
	static const u32 tdcr[8] = { 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa, 0xb };
	static const u32 div[8] = { 2, 4, 8, 16, 32, 64, 128, 1 };
	struct lapic *l = &self->apic[1];
	int i;

	for (i = 0; i < 8; i++) {
		oneshot(l, tdcr[i], 1000);
		EXPECT_EQ(tdcr[i], rd(l, LAPIC_TDCR));
		fake_clock_advance(500 * div[i]);
		EXPECT_EQ(500, rd(l, LAPIC_TMCCT));
		fake_clock_advance(500 * div[i] - 1);
		EXPECT_EQ(-1, lapic_pending_vector(l)) TH_LOG("div %u", div[i]);
		fake_clock_advance(1);
		EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l))
			TH_LOG("div %u", div[i]);
		lapic_ack_vector(l, TIMER_VEC);
		wr(l, LAPIC_EOI, 0);
	}
}

TEST_F(lapic, timer_oneshot_counts_down_once)
{
	struct lapic *l = &self->apic[1];

	oneshot(l, 0xb, 10000);
	EXPECT_EQ(10000, rd(l, LAPIC_TMICT));
	EXPECT_EQ(10000, rd(l, LAPIC_TMCCT));
	fake_clock_advance(2500);
	EXPECT_EQ(7500, rd(l, LAPIC_TMCCT));
	fake_clock_advance(7500);
	EXPECT_EQ(0, rd(l, LAPIC_TMCCT));
	EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
	EXPECT_EQ(1, self->vcpu[1].kicks);
	lapic_ack_vector(l, TIMER_VEC);
	wr(l, LAPIC_EOI, 0);
	fake_clock_advance(100000);
	EXPECT_EQ(-1, lapic_pending_vector(l));
	EXPECT_EQ(0, rd(l, LAPIC_TMCCT));
}

TEST_F(lapic, timer_tmict_rewrite_and_zero)
{
	struct lapic *l = &self->apic[1];

	oneshot(l, 0xb, 10000);
	fake_clock_advance(8000);
	wr(l, LAPIC_TMICT, 10000);	/* restarts the count */
	fake_clock_advance(8000);
	EXPECT_EQ(-1, lapic_pending_vector(l));
	EXPECT_EQ(2000, rd(l, LAPIC_TMCCT));
	wr(l, LAPIC_TMICT, 0);		/* stops it */
	EXPECT_EQ(0, rd(l, LAPIC_TMCCT));
	fake_clock_advance(100000);
	EXPECT_EQ(-1, lapic_pending_vector(l));
}

TEST_F(lapic, timer_periodic_reloads)
{
	struct lapic *l = &self->apic[1];
	int i;

	sw_enable(l);
	wr(l, LAPIC_TDCR, 0x0);		/* /2 */
	wr(l, LAPIC_LVTT, LVT_PERIODIC | TIMER_VEC);
	wr(l, LAPIC_TMICT, 500000);	/* 1 ms */
	for (i = 0; i < 3; i++) {
		fake_clock_advance(999999);
		EXPECT_EQ(-1, lapic_pending_vector(l));
		fake_clock_advance(1);
		EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
		EXPECT_EQ(500000, rd(l, LAPIC_TMCCT));
		lapic_ack_vector(l, TIMER_VEC);
		wr(l, LAPIC_EOI, 0);
	}
	fake_clock_advance(250000);
	EXPECT_EQ(375000, rd(l, LAPIC_TMCCT));
	EXPECT_EQ(3, self->vcpu[1].kicks);
}

TEST_F(lapic, timer_masked_periodic_keeps_counting)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	wr(l, LAPIC_TDCR, 0xb);
	wr(l, LAPIC_LVTT, LVT_MASKED | LVT_PERIODIC | TIMER_VEC);
	wr(l, LAPIC_TMICT, 1000000);
	fake_clock_advance(2500000);
	EXPECT_EQ(-1, lapic_pending_vector(l));
	EXPECT_FALSE(vec_bit(l, LAPIC_IRR, TIMER_VEC));
	EXPECT_EQ(500000, rd(l, LAPIC_TMCCT));
	EXPECT_EQ(0, self->vcpu[1].kicks);
	wr(l, LAPIC_LVTT, LVT_PERIODIC | TIMER_VEC);
	fake_clock_advance(500000);
	EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
}

TEST_F(lapic, timer_periodic_has_a_minimum_period)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	wr(l, LAPIC_TDCR, 0xb);
	wr(l, LAPIC_LVTT, LVT_PERIODIC | TIMER_VEC);
	wr(l, LAPIC_TMICT, 10);
	fake_clock_advance(LAPIC_MIN_PERIOD_NS);
	/* First expiry at 10 ns, then no faster than the minimum. */
	EXPECT_EQ(1, self->vcpu[1].kicks);
	fake_clock_advance(10);
	EXPECT_EQ(2, self->vcpu[1].kicks);
}

TEST_F(lapic, timer_divide_change_rescales_remaining)
{
	struct lapic *l = &self->apic[1];

	oneshot(l, 0xb, 1000);		/* /1: 1000 ns */
	fake_clock_advance(400);
	wr(l, LAPIC_TDCR, 0x0);		/* /2: 600 counts left = 1200 ns */
	EXPECT_EQ(600, rd(l, LAPIC_TMCCT));
	fake_clock_advance(1199);
	EXPECT_EQ(-1, lapic_pending_vector(l));
	fake_clock_advance(1);
	EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
}

static void tsc_deadline_mode(struct lapic *l)
{
	sw_enable(l);
	wr(l, LAPIC_LVTT, LVT_TSC_DEADLINE | TIMER_VEC);
}

TEST_F(lapic, timer_tsc_deadline_fires_and_clears)
{
	struct lapic *l = &self->apic[0];
	u64 deadline = tsc_now(self) + 2000;	/* 1000 ns */

	tsc_deadline_mode(l);
	ASSERT_EQ(0, lapic_wrmsr(l, LAPIC_MSR_TSC_DEADLINE, deadline));
	EXPECT_EQ((s64)deadline, rdmsr(l, LAPIC_MSR_TSC_DEADLINE));
	fake_clock_advance(999);
	EXPECT_EQ(-1, lapic_pending_vector(l));
	fake_clock_advance(1);
	EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
	EXPECT_GE(tsc_now(self), deadline);
	EXPECT_EQ(0, rdmsr(l, LAPIC_MSR_TSC_DEADLINE));
	/* TMICT means nothing in this mode. */
	wr(l, LAPIC_TMICT, 100);
	EXPECT_EQ(0, rd(l, LAPIC_TMICT));
	EXPECT_EQ(0, rd(l, LAPIC_TMCCT));
}

TEST_F(lapic, timer_tsc_deadline_odd_ticks_never_early)
{
	struct lapic *l = &self->apic[0];
	u64 deadline = tsc_now(self) + 2001;

	tsc_deadline_mode(l);
	lapic_wrmsr(l, LAPIC_MSR_TSC_DEADLINE, deadline);
	fake_clock_advance(1000);
	EXPECT_EQ(-1, lapic_pending_vector(l));
	fake_clock_advance(1);
	EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
}

/*
 * A host timing the deadline itself (VMX preemption timer) sees it armed,
 * fires it when the guest TSC passes it, and the host timer that follows
 * finds nothing left to do.
 */
TEST_F(lapic, timer_tsc_deadline_timed_by_the_host)
{
	struct lapic *l = &self->apic[0];
	u64 deadline = tsc_now(self) + 2000, armed_at;

	tsc_deadline_mode(l);
	lapic_wrmsr(l, LAPIC_MSR_TSC_DEADLINE, deadline);
	ASSERT_TRUE(lapic_tsc_deadline_armed(l, &armed_at));
	EXPECT_EQ(deadline, armed_at);
	lapic_tsc_deadline_due(l);		/* too early: nothing */
	EXPECT_EQ(-1, lapic_pending_vector(l));
	self->vcpu[0].tsc_offset = 2000;	/* the guest TSC reaches it */
	lapic_tsc_deadline_due(l);
	EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
	EXPECT_FALSE(lapic_tsc_deadline_armed(l, &armed_at));
	lapic_ack_vector(l, TIMER_VEC);
	wr(l, LAPIC_EOI, 0);
	fake_clock_advance(1000000);		/* the stale host timer */
	EXPECT_EQ(-1, lapic_pending_vector(l));
}

TEST_F(lapic, timer_tsc_deadline_zero_disarms)
{
	struct lapic *l = &self->apic[0];

	tsc_deadline_mode(l);
	lapic_wrmsr(l, LAPIC_MSR_TSC_DEADLINE, tsc_now(self) + 2000);
	lapic_wrmsr(l, LAPIC_MSR_TSC_DEADLINE, 0);
	fake_clock_advance(1000000);
	EXPECT_EQ(-1, lapic_pending_vector(l));
	EXPECT_EQ(0, self->vcpu[0].kicks);
}

TEST_F(lapic, timer_tsc_deadline_in_the_past_fires_now)
{
	struct lapic *l = &self->apic[0];

	fake_clock_set(1000000);
	tsc_deadline_mode(l);
	lapic_wrmsr(l, LAPIC_MSR_TSC_DEADLINE, tsc_now(self) - 1);
	EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
	EXPECT_EQ(0, rdmsr(l, LAPIC_MSR_TSC_DEADLINE));
	lapic_ack_vector(l, TIMER_VEC);
	wr(l, LAPIC_EOI, 0);
	lapic_wrmsr(l, LAPIC_MSR_TSC_DEADLINE, tsc_now(self));
	EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
}

TEST_F(lapic, timer_tsc_deadline_ignored_in_other_modes)
{
	struct lapic *l = &self->apic[0];

	oneshot(l, 0xb, 0);
	EXPECT_EQ(0, lapic_wrmsr(l, LAPIC_MSR_TSC_DEADLINE, 1));
	EXPECT_EQ(0, rdmsr(l, LAPIC_MSR_TSC_DEADLINE));
	EXPECT_EQ(-1, lapic_pending_vector(l));
}

TEST_F(lapic, timer_mode_switch_disarms)
{
	struct lapic *l = &self->apic[1];

	oneshot(l, 0xb, 1000);
	wr(l, LAPIC_LVTT, LVT_TSC_DEADLINE | TIMER_VEC);
	EXPECT_EQ(0, rd(l, LAPIC_TMICT));
	fake_clock_advance(10000);
	EXPECT_EQ(-1, lapic_pending_vector(l));

	lapic_wrmsr(l, LAPIC_MSR_TSC_DEADLINE, tsc_now(self) + 2000);
	wr(l, LAPIC_LVTT, TIMER_VEC);
	fake_clock_advance(10000);
	EXPECT_EQ(-1, lapic_pending_vector(l));
	EXPECT_EQ(0, self->vcpu[1].kicks);

	/* One-shot <-> periodic keeps the count running. */
	wr(l, LAPIC_TMICT, 1000);
	wr(l, LAPIC_LVTT, LVT_PERIODIC | TIMER_VEC);
	fake_clock_advance(1000);
	EXPECT_EQ(TIMER_VEC, lapic_pending_vector(l));
}

/* ---------------------------------------------------------------- APIC_BASE */

TEST_F(lapic, apic_base_legal_transitions)
{
	struct lapic *l = &self->apic[1];

	ASSERT_EQ(0, to_x2apic(l));
	EXPECT_EQ(0xfee00c00, lapic_get_base(l));
	EXPECT_FALSE(lapic_xapic_mode(l));
	ASSERT_EQ(0, lapic_wrmsr(l, LAPIC_MSR_APIC_BASE, 0xfee00000));
	EXPECT_EQ(0xfee00000, rdmsr(l, LAPIC_MSR_APIC_BASE));
	ASSERT_EQ(0, lapic_wrmsr(l, LAPIC_MSR_APIC_BASE, 0xfee00800));
	EXPECT_TRUE(lapic_xapic_mode(l));
	EXPECT_EQ(1u << 24, rd(l, LAPIC_ID));
}

TEST_F(lapic, apic_base_illegal_transitions)
{
	struct lapic *l = &self->apic[1];
	u64 msr = LAPIC_MSR_APIC_BASE;

	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, msr, 0xfee00400));	/* invalid */
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, msr, 0xfee00801));	/* reserved */
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, msr, 0xfee00a00));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, msr, 1ull << 52 | 0xfee00800));
	ASSERT_EQ(0, to_x2apic(l));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, msr, 0xfee00800));	/* x2 -> x */
	EXPECT_EQ(0xfee00c00, lapic_get_base(l));
	ASSERT_EQ(0, lapic_wrmsr(l, msr, 0xfee00000));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, msr, 0xfee00c00));	/* off -> x2 */

	/* The host may restore any valid mode. */
	EXPECT_EQ(0, lapic_set_base(l, 0xfee00c00, true));
	EXPECT_EQ(0, lapic_set_base(l, 0xfee00800, true));
	EXPECT_EQ(1u << 24, rd(l, LAPIC_ID));
	EXPECT_EQ(-EINVAL, lapic_set_base(l, 0xfee00400, true));

	lapic_set_x2apic_supported(l, false);
	EXPECT_EQ(-EINVAL, to_x2apic(l));
}

TEST_F(lapic, apic_base_relocation_and_mmio_window)
{
	struct lapic *l = &self->apic[1];

	ASSERT_EQ(0, lapic_wrmsr(l, LAPIC_MSR_APIC_BASE, 0xfec10800));
	EXPECT_EQ(0xfec10000, lapic_base_address(l));
	EXPECT_EQ(1u << 24, rd(l, LAPIC_ID));
	/* In x2APIC mode or disabled the page reads all ones. */
	ASSERT_EQ(0, to_x2apic(l));
	EXPECT_EQ(0xffffffff, rd(l, LAPIC_ID));
	EXPECT_EQ(0xffffu, lapic_mmio_read(l, LAPIC_ID, 2));
	wr(l, LAPIC_TPR, 0x20);
	EXPECT_EQ(0, rdmsr(l, X2APIC_MSR(LAPIC_TPR)));
}

TEST_F(lapic, apic_disable_resets_state)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	wr(l, LAPIC_TPR, 0x20);
	oneshot(l, 0xb, 1000);
	deliver(l, APIC_DM_FIXED, 0x50, false);
	ASSERT_EQ(0, lapic_wrmsr(l, LAPIC_MSR_APIC_BASE, 0xfee00000));
	/* A disabled APIC takes no messages. */
	EXPECT_EQ(0, apic_bus_deliver(&self->bus, NULL,
				      &(struct apic_irq){ .dest = 1,
							  .vector = 0x50 }));
	ASSERT_EQ(0, lapic_wrmsr(l, LAPIC_MSR_APIC_BASE, 0xfee00800));
	EXPECT_EQ(0xff, rd(l, LAPIC_SVR));
	EXPECT_EQ(0, rd(l, LAPIC_TPR));
	EXPECT_FALSE(vec_bit(l, LAPIC_IRR, 0x50));
	fake_clock_advance(10000);
	EXPECT_EQ(1, self->vcpu[1].kicks);	/* the delivery above */
}

/* ---------------------------------------------------------------- x2APIC */

TEST_F(lapic, x2apic_msrs_need_x2apic_mode)
{
	struct lapic *l = &self->apic[1];
	u64 val;

	EXPECT_EQ(-EINVAL, lapic_rdmsr(l, X2APIC_MSR(LAPIC_ID), &val));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_TPR), 0));
	EXPECT_EQ(-EINVAL, lapic_rdmsr(l, 0x1a, &val));
}

TEST_F(lapic, x2apic_id_ldr_and_read_only)
{
	struct lapic *l = &self->apic[1];
	u32 id_msr = X2APIC_MSR(LAPIC_ID);

	ASSERT_EQ(0, to_x2apic(l));
	EXPECT_EQ(1, rdmsr(l, id_msr));
	EXPECT_EQ(0x00000002, rdmsr(l, X2APIC_MSR(LAPIC_LDR)));
	EXPECT_EQ(0x00050014, rdmsr(l, X2APIC_MSR(LAPIC_LVR)));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, id_msr, 5));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_LDR), 5));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_LVR), 5));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_PPR), 5));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_IRR), 5));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_TMCCT), 5));
	EXPECT_EQ(1, rdmsr(l, id_msr));
}

TEST_F(lapic, x2apic_reserved_registers_and_bits)
{
	struct lapic *l = &self->apic[1];
	u64 val;

	ASSERT_EQ(0, to_x2apic(l));
	wr(l, LAPIC_SVR, 0x1ff);		/* MMIO is gone */
	EXPECT_EQ(0xff, rdmsr(l, X2APIC_MSR(LAPIC_SVR)));
	ASSERT_EQ(0, lapic_wrmsr(l, X2APIC_MSR(LAPIC_SVR), 0x1ff));
	EXPECT_EQ(-EINVAL, lapic_rdmsr(l, X2APIC_MSR(LAPIC_DFR), &val));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_DFR), 0));
	EXPECT_EQ(-EINVAL, lapic_rdmsr(l, X2APIC_MSR(LAPIC_APR), &val));
	EXPECT_EQ(-EINVAL, lapic_rdmsr(l, X2APIC_MSR(LAPIC_ICR2), &val));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_ICR2), 0));
	EXPECT_EQ(-EINVAL, lapic_rdmsr(l, X2APIC_MSR(LAPIC_EOI), &val));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_EOI), 1));
	EXPECT_EQ(0, lapic_wrmsr(l, X2APIC_MSR(LAPIC_EOI), 0));
	EXPECT_EQ(-EINVAL, lapic_rdmsr(l, X2APIC_MSR(LAPIC_SELF_IPI), &val));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_SELF_IPI), 0x100));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_ESR), 1));
	EXPECT_EQ(0, lapic_wrmsr(l, X2APIC_MSR(LAPIC_ESR), 0));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, X2APIC_MSR(LAPIC_TPR), 1ull << 32));
	EXPECT_EQ(-EINVAL, lapic_rdmsr(l, 0x801, &val));
	EXPECT_EQ(-EINVAL, lapic_rdmsr(l, 0x840, &val));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l, 0x8ff, 0));
	EXPECT_EQ(0, rdmsr(l, X2APIC_MSR(LAPIC_ESR)));
}

TEST_F(lapic, x2apic_icr_is_64_bit)
{
	struct lapic *l0 = &self->apic[0], *l1 = &self->apic[1];
	u32 icr = X2APIC_MSR(LAPIC_ICR);

	ASSERT_EQ(0, to_x2apic(l0));
	ASSERT_EQ(0, to_x2apic(l1));
	sw_enable(l1);		/* no effect: x2APIC */
	ASSERT_EQ(0, lapic_wrmsr(l1, X2APIC_MSR(LAPIC_SVR), 0x1ff));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l0, icr, 1ull << 32 | 1u << 13 | 0x40));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l0, icr, 1ull << 32 | 1u << 16 | 0x40));
	EXPECT_EQ(-EINVAL, lapic_wrmsr(l0, icr, 1ull << 32 | 1u << 20 | 0x40));
	ASSERT_EQ(0, lapic_wrmsr(l0, icr, 1ull << 32 | 1u << 12 | 0x40));
	EXPECT_EQ(1ll << 32 | 0x40, rdmsr(l0, icr));
	EXPECT_EQ(0x40, lapic_pending_vector(l1));
}

TEST_F(lapic, x2apic_self_ipi)
{
	struct lapic *l = &self->apic[1];

	ASSERT_EQ(0, to_x2apic(l));
	ASSERT_EQ(0, lapic_wrmsr(l, X2APIC_MSR(LAPIC_SVR), 0x1ff));
	ASSERT_EQ(0, lapic_wrmsr(l, X2APIC_MSR(LAPIC_SELF_IPI), 0x77));
	EXPECT_EQ(0x77, lapic_pending_vector(l));
	EXPECT_FALSE(vec_bit(&self->apic[0], LAPIC_IRR, 0x77));
	EXPECT_EQ(1, self->vcpu[1].kicks);
}

/* ---------------------------------------------------------------- LINT */

TEST_F(lapic, lint0_extint_from_pic)
{
	struct lapic *bsp = &self->apic[0], *ap = &self->apic[1];

	lapic_set_lint(bsp, 0, true);
	EXPECT_TRUE(lapic_extint_pending(bsp));
	EXPECT_EQ(1, self->vcpu[0].kicks);
	lapic_set_lint(bsp, 0, false);
	EXPECT_FALSE(lapic_extint_pending(bsp));

	/* The AP's LINT0 is masked at reset... */
	lapic_set_lint(ap, 0, true);
	EXPECT_FALSE(lapic_extint_pending(ap));
	EXPECT_EQ(0, self->vcpu[1].kicks);
	/* ...but a disabled APIC is a wire to INTR. */
	lapic_set_lint(ap, 0, false);
	ASSERT_EQ(0, lapic_wrmsr(ap, LAPIC_MSR_APIC_BASE, 0xfee00000));
	lapic_set_lint(ap, 0, true);
	EXPECT_TRUE(lapic_extint_pending(ap));
	EXPECT_EQ(1, self->vcpu[1].kicks);
}

/* A PIC outside (split irqchip): LINT0 decides, whatever its level. */
TEST_F(lapic, accepts_extint_as_lint0_says)
{
	struct lapic *bsp = &self->apic[0], *ap = &self->apic[1];

	EXPECT_TRUE(lapic_accepts_extint(bsp));	/* BSP: ExtINT at reset */
	EXPECT_FALSE(lapic_accepts_extint(ap));	/* AP: masked */
	sw_enable(ap);
	wr(ap, LAPIC_LVT0, 0x700);		/* ExtINT, unmasked */
	EXPECT_TRUE(lapic_accepts_extint(ap));
	wr(ap, LAPIC_LVT0, 0x55);		/* fixed */
	EXPECT_FALSE(lapic_accepts_extint(ap));
	ASSERT_EQ(0, lapic_wrmsr(ap, LAPIC_MSR_APIC_BASE, 0xfee00000));
	EXPECT_TRUE(lapic_accepts_extint(ap));	/* disabled: a wire */
}

TEST_F(lapic, lint1_nmi_on_rising_edge)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	wr(l, LAPIC_LVT1, 0x400);
	lapic_set_lint(l, 1, true);
	EXPECT_TRUE(lapic_take_nmi(l));
	lapic_set_lint(l, 1, true);
	EXPECT_FALSE(lapic_take_nmi(l));
	lapic_set_lint(l, 1, false);
	lapic_set_lint(l, 1, true);
	EXPECT_TRUE(lapic_take_nmi(l));
}

TEST_F(lapic, lint_fixed_vector)
{
	struct lapic *l = &self->apic[1];

	sw_enable(l);
	wr(l, LAPIC_LVT0, 1u << 15 | 0x55);	/* fixed, level */
	lapic_set_lint(l, 0, true);
	EXPECT_EQ(0x55, lapic_pending_vector(l));
	EXPECT_TRUE(vec_bit(l, LAPIC_TMR, 0x55));
	EXPECT_FALSE(lapic_extint_pending(l));
}

/* ---------------------------------------------------------------- state */

TEST_F(lapic, state_round_trip_xapic)
{
	struct lapic *l = &self->apic[1], *other = &self->apic[0];
	u8 regs[LAPIC_STATE_SIZE], again[LAPIC_STATE_SIZE];
	u32 val;

	sw_enable(l);
	wr(l, LAPIC_TPR, 0x20);
	wr(l, LAPIC_LDR, 0x04000000);
	wr(l, LAPIC_DFR, 0x0fffffff);
	wr(l, LAPIC_LVT0, 0x700);
	wr(l, LAPIC_ICR2, 0x03000000);
	deliver(l, APIC_DM_FIXED, 0x91, true);
	deliver(l, APIC_DM_FIXED, 0x31, false);
	lapic_ack_vector(l, 0x91);
	oneshot(l, 0x3, 10000);		/* /16: 160 us */
	fake_clock_advance(16000);
	lapic_get_state(l, regs);
	memcpy(&val, regs + LAPIC_TMCCT, 4);
	EXPECT_EQ(9000u, val);
	memcpy(&val, regs + LAPIC_ID, 4);
	EXPECT_EQ(1u << 24, val);

	/* Load it into the other APIC (a restore on another vCPU). */
	ASSERT_EQ(0, lapic_set_state(other, regs));
	lapic_get_state(other, again);
	memcpy(&val, again + LAPIC_TMCCT, 4);
	EXPECT_EQ(10000u, val);		/* restarted from TMICT, as KVM */
	memcpy(again + LAPIC_TMCCT, regs + LAPIC_TMCCT, 4);
	EXPECT_EQ(0, memcmp(regs, again, sizeof(regs)));
	EXPECT_TRUE(vec_bit(other, LAPIC_ISR, 0x91));
	EXPECT_TRUE(vec_bit(other, LAPIC_TMR, 0x91));
	EXPECT_EQ(0x90, rd(other, LAPIC_PPR));
	fake_clock_advance(160000);
	lapic_ack_vector(other, TIMER_VEC);
	EXPECT_TRUE(vec_bit(other, LAPIC_ISR, TIMER_VEC));
}

TEST_F(lapic, state_x2apic_id_and_icr)
{
	struct lapic *l = &self->apic[1];
	u8 regs[LAPIC_STATE_SIZE];
	u32 val;

	ASSERT_EQ(0, to_x2apic(l));
	ASSERT_EQ(0, lapic_wrmsr(l, X2APIC_MSR(LAPIC_ICR),
				 5ull << 32 | 1u << 14 | 4u << 8));
	lapic_get_state(l, regs);
	memcpy(&val, regs + LAPIC_ID, 4);
	EXPECT_EQ(1u, val);
	memcpy(&val, regs + LAPIC_ICR2, 4);
	EXPECT_EQ(5u, val);
	memcpy(&val, regs + LAPIC_LDR, 4);
	EXPECT_EQ(2u, val);

	memset(regs + LAPIC_LDR, 0, 4);	/* recomputed from the ID */
	ASSERT_EQ(0, lapic_set_state(l, regs));
	EXPECT_EQ(2, rdmsr(l, X2APIC_MSR(LAPIC_LDR)));
	EXPECT_EQ(5ll << 32 | 1 << 14 | 4 << 8,
		  rdmsr(l, X2APIC_MSR(LAPIC_ICR)));
	val = 9;
	memcpy(regs + LAPIC_ID, &val, 4);
	EXPECT_EQ(-EINVAL, lapic_set_state(l, regs));
}

TEST_HARNESS_MAIN
