// SPDX-License-Identifier: GPL-2.0
/*
 * 8254 PIT on the fake clock: counters over time, latch and read-back,
 * access modes, IRQ0 in modes 0, 2 and 3, reprogramming, a late host,
 * channel 2 through port 0x61, save/restore.
 */
#include <stddef.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "irq/pit.h"

#define CW_CH0_LOHI_MODE0	0x30
#define CW_CH0_LOHI_MODE2	0x34
#define CW_CH0_LOHI_MODE3	0x36
#define CW_CH2_LOHI_MODE0	0xb0
#define CW_CH0_LATCH		0x00
#define CW_READBACK_CH0		0xc2

static int irq_pulses;
static int irq_level;
static int irq_bad_sequence;

static void record_irq(void *opaque, int level)
{
	if (level == irq_level)
		irq_bad_sequence++;
	irq_level = level;
	if (level)
		irq_pulses++;
}

/* Time after which exactly ticks PIT clocks have elapsed. */
static u64 ns_for_ticks(u64 ticks)
{
	return (ticks * 1000000000ULL + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

static void write_count(struct pit *pit, unsigned int ch, u16 count)
{
	pit_io_write(pit, PIT_PORT_CHANNEL0 + ch, count & 0xff);
	pit_io_write(pit, PIT_PORT_CHANNEL0 + ch, count >> 8);
}

static u16 read_count(struct pit *pit, unsigned int ch)
{
	u16 lo = pit_io_read(pit, PIT_PORT_CHANNEL0 + ch);

	return lo | pit_io_read(pit, PIT_PORT_CHANNEL0 + ch) << 8;
}

static void program(struct pit *pit, u8 cw, u16 count)
{
	pit_io_write(pit, PIT_PORT_CONTROL, cw);
	write_count(pit, cw >> 6, count);
}

FIXTURE(pit) {
	struct pit pit;
	u64 t0;
};

FIXTURE_SETUP(pit)
{
	fake_clock_set(5000000000ULL);
	self->t0 = fake_clock_now();
	irq_pulses = 0;
	irq_level = 0;
	irq_bad_sequence = 0;
	pit_init(&self->pit);
	pit_set_irq_fn(&self->pit, record_irq, NULL);
}

FIXTURE_TEARDOWN(pit)
{
	pit_destroy(&self->pit);
	ASSERT_EQ(0, irq_bad_sequence);
	ASSERT_EQ(0, fake_locks_held);
	ASSERT_EQ(0u, fake_cancels_under_lock);
}

TEST_F(pit, mode2_counter_over_time)
{
	struct pit *pit = &self->pit;

	program(pit, CW_CH0_LOHI_MODE2, 1000);
	ASSERT_EQ(1000, read_count(pit, 0));
	fake_clock_advance(ns_for_ticks(100));
	ASSERT_EQ(900, read_count(pit, 0));
	fake_clock_advance(ns_for_ticks(1000));	/* reloads every 1000 */
	ASSERT_EQ(900, read_count(pit, 0));
	fake_clock_set(self->t0 + ns_for_ticks(1999));
	ASSERT_EQ(1, read_count(pit, 0));
}

TEST_F(pit, latch_command)
{
	struct pit *pit = &self->pit;

	program(pit, CW_CH0_LOHI_MODE2, 5000);
	fake_clock_advance(ns_for_ticks(250));
	pit_io_write(pit, PIT_PORT_CONTROL, CW_CH0_LATCH);
	fake_clock_advance(ns_for_ticks(1000));
	/* A second latch does not replace the first. */
	pit_io_write(pit, PIT_PORT_CONTROL, CW_CH0_LATCH);
	ASSERT_EQ(4750, read_count(pit, 0));
	/* Latch consumed: live value again. */
	ASSERT_EQ(3750, read_count(pit, 0));
}

TEST_F(pit, lobyte_hibyte_access)
{
	struct pit *pit = &self->pit;

	/* LSB only: one byte programs the count, one byte reads it. */
	pit_io_write(pit, PIT_PORT_CONTROL, 0x10);
	pit_io_write(pit, PIT_PORT_CHANNEL0, 0x80);
	ASSERT_EQ(0x80, pit_io_read(pit, PIT_PORT_CHANNEL0));
	fake_clock_advance(ns_for_ticks(0x10));
	ASSERT_EQ(0x70, pit_io_read(pit, PIT_PORT_CHANNEL0));

	/* MSB only: the byte is the high half. */
	pit_io_write(pit, PIT_PORT_CONTROL, 0x20);
	pit_io_write(pit, PIT_PORT_CHANNEL0, 0x02);
	ASSERT_EQ(0x02, pit_io_read(pit, PIT_PORT_CHANNEL0));
	fake_clock_advance(ns_for_ticks(0x101));
	ASSERT_EQ(0x00, pit_io_read(pit, PIT_PORT_CHANNEL0));

	/* Lo/hi: bytes alternate, for writes and reads alike. */
	program(pit, CW_CH0_LOHI_MODE0, 0x1234);
	ASSERT_EQ(0x34, pit_io_read(pit, PIT_PORT_CHANNEL0));
	ASSERT_EQ(0x12, pit_io_read(pit, PIT_PORT_CHANNEL0));
	ASSERT_EQ(0x34, pit_io_read(pit, PIT_PORT_CHANNEL0));
}

TEST_F(pit, mode0_fires_once)
{
	struct pit *pit = &self->pit;

	program(pit, CW_CH0_LOHI_MODE0, 1000);
	fake_clock_advance(ns_for_ticks(999));
	ASSERT_EQ(0, irq_pulses);
	fake_clock_advance(ns_for_ticks(1));
	ASSERT_EQ(1, irq_pulses);
	fake_clock_advance(ns_for_ticks(200000));
	ASSERT_EQ(1, irq_pulses);
	/* Counting goes on, wrapping, after terminal count. */
	fake_clock_set(self->t0 + ns_for_ticks(1010));
	ASSERT_EQ(0xfff6, read_count(pit, 0));

	/* A new count starts a new one-shot. */
	write_count(pit, 0, 500);
	fake_clock_advance(ns_for_ticks(500));
	ASSERT_EQ(2, irq_pulses);
}

TEST_F(pit, mode2_periodic_irq0)
{
	struct pit *pit = &self->pit;
	int i;

	program(pit, CW_CH0_LOHI_MODE2, 11932);	/* 100 Hz */
	for (i = 0; i < 10; i++)
		fake_clock_advance(ns_for_ticks(11932));
	ASSERT_EQ(10, irq_pulses);
	/* One long step fires each period on the way. */
	fake_clock_advance(ns_for_ticks(11932 * 50));
	ASSERT_EQ(60, irq_pulses);
	fake_clock_advance(ns_for_ticks(11931));
	ASSERT_EQ(60, irq_pulses);
}

TEST_F(pit, late_host_gets_no_storm)
{
	struct pit *pit = &self->pit;

	program(pit, CW_CH0_LOHI_MODE2, 1193);	/* 1 kHz */
	fake_clock_advance(ns_for_ticks(1193));
	ASSERT_EQ(1, irq_pulses);
	/* The host sleeps through 100 periods: the timer is late once. */
	fake_clock_set(self->t0 + ns_for_ticks(1193 * 101 + 10));
	fake_clock_advance(1);
	ASSERT_EQ(2, irq_pulses);
	/* And the next edge is back on the period grid. */
	fake_clock_advance(ns_for_ticks(1193 - 12));
	ASSERT_EQ(2, irq_pulses);
	fake_clock_advance(ns_for_ticks(2));
	ASSERT_EQ(3, irq_pulses);
}

TEST_F(pit, tiny_period_is_rate_limited)
{
	struct pit *pit = &self->pit;

	program(pit, CW_CH0_LOHI_MODE2, 2);
	fake_clock_advance(1000000);	/* 1 ms: 596 periods */
	ASSERT_GE(5, irq_pulses);
	ASSERT_LT(0, irq_pulses);
}

TEST_F(pit, mode3_square_wave)
{
	struct pit *pit = &self->pit;
	u8 status;

	program(pit, CW_CH0_LOHI_MODE3, 1000);
	fake_clock_advance(ns_for_ticks(100));
	/* Counts down by two, twice per period. */
	ASSERT_EQ(800, read_count(pit, 0));
	pit_io_write(pit, PIT_PORT_CONTROL, CW_READBACK_CH0 | 0x20);
	status = pit_io_read(pit, PIT_PORT_CHANNEL0);
	ASSERT_EQ(0x80 | 0x36, status);	/* output high, first half */
	fake_clock_advance(ns_for_ticks(500));
	pit_io_write(pit, PIT_PORT_CONTROL, CW_READBACK_CH0 | 0x20);
	status = pit_io_read(pit, PIT_PORT_CHANNEL0);
	ASSERT_EQ(0x36, status);	/* second half: low */
	ASSERT_EQ(0, irq_pulses);
	fake_clock_advance(ns_for_ticks(400));
	ASSERT_EQ(1, irq_pulses);
	fake_clock_advance(ns_for_ticks(1000 * 9));
	ASSERT_EQ(10, irq_pulses);
}

TEST_F(pit, readback_status_and_count)
{
	struct pit *pit = &self->pit;

	pit_io_write(pit, PIT_PORT_CONTROL, CW_CH0_LOHI_MODE2);
	/* Control word written, count not yet: null count. */
	pit_io_write(pit, PIT_PORT_CONTROL, CW_READBACK_CH0 | 0x20);
	ASSERT_EQ(0x40, pit_io_read(pit, PIT_PORT_CHANNEL0) & 0x40);

	write_count(pit, 0, 3000);
	fake_clock_advance(ns_for_ticks(30));
	pit_io_write(pit, PIT_PORT_CONTROL, CW_READBACK_CH0);
	fake_clock_advance(ns_for_ticks(30));
	/* Status first, then the latched count. */
	ASSERT_EQ(0x80 | 0x34, pit_io_read(pit, PIT_PORT_CHANNEL0));
	ASSERT_EQ(2970, read_count(pit, 0));
	ASSERT_EQ(2940, read_count(pit, 0));
}

TEST_F(pit, reprogramming)
{
	struct pit *pit = &self->pit;

	program(pit, CW_CH0_LOHI_MODE2, 1000);
	fake_clock_advance(ns_for_ticks(500));
	/* A new count restarts the period from now. */
	write_count(pit, 0, 2000);
	fake_clock_advance(ns_for_ticks(1999));
	ASSERT_EQ(0, irq_pulses);
	fake_clock_advance(ns_for_ticks(1));
	ASSERT_EQ(1, irq_pulses);

	/* A control word alone stops IRQ0 until a count follows. */
	pit_io_write(pit, PIT_PORT_CONTROL, CW_CH0_LOHI_MODE0);
	fake_clock_advance(ns_for_ticks(10000));
	ASSERT_EQ(1, irq_pulses);
	/* Linux's shutdown: mode 0 with count 0 is one last 65536. */
	write_count(pit, 0, 0);
	fake_clock_advance(ns_for_ticks(0x10000));
	ASSERT_EQ(2, irq_pulses);
}

TEST_F(pit, channel2_gate_and_output)
{
	struct pit *pit = &self->pit;
	u8 port61;

	/* As Linux's PIT calibration: gate on, speaker off, mode 0. */
	port61 = pit_io_read(pit, PIT_PORT_SPEAKER);
	ASSERT_EQ(0, port61 & 0x01);
	pit_io_write(pit, PIT_PORT_SPEAKER, (port61 & ~0x02) | 0x01);
	program(pit, CW_CH2_LOHI_MODE0, 0xffff);
	ASSERT_EQ(0x01, pit_io_read(pit, PIT_PORT_SPEAKER) & 0x23);
	fake_clock_advance(ns_for_ticks(0x8000));
	ASSERT_EQ(0x7fff, read_count(pit, 2));
	ASSERT_EQ(0, pit_io_read(pit, PIT_PORT_SPEAKER) & 0x20);
	fake_clock_advance(ns_for_ticks(0x7fff));
	ASSERT_EQ(0x20, pit_io_read(pit, PIT_PORT_SPEAKER) & 0x20);
	/* Channel 2 never raises IRQ0. */
	ASSERT_EQ(0, irq_pulses);

	/* Mode 2 restarts on a rising gate. */
	pit_io_write(pit, PIT_PORT_SPEAKER, 0x00);
	program(pit, 0xb4, 100);
	fake_clock_advance(ns_for_ticks(40));
	pit_io_write(pit, PIT_PORT_SPEAKER, 0x01);
	ASSERT_EQ(100, read_count(pit, 2));
}

TEST(pit_state_matches_kvm_layout)
{
	ASSERT_EQ(sizeof(struct kvm_pit_state2), sizeof(struct pit_state));
	ASSERT_EQ(offsetof(struct kvm_pit_channel_state, count_load_time),
		  offsetof(struct pit_channel_state, count_load_time));
	ASSERT_EQ(offsetof(struct kvm_pit_channel_state, gate),
		  offsetof(struct pit_channel_state, gate));
	ASSERT_EQ(offsetof(struct kvm_pit_state2, flags),
		  offsetof(struct pit_state, flags));
}

TEST_F(pit, save_restore)
{
	struct pit *pit = &self->pit;
	struct pit_state st;
	struct pit other;

	program(pit, CW_CH0_LOHI_MODE2, 1193);
	pit_io_write(pit, PIT_PORT_SPEAKER, 0x03);
	fake_clock_advance(ns_for_ticks(1193 * 3 + 100));
	ASSERT_EQ(3, irq_pulses);
	pit_get_state(pit, &st);
	ASSERT_EQ(1193u, st.channels[0].count);
	ASSERT_EQ(2, st.channels[0].mode);
	ASSERT_EQ(1, st.channels[2].gate);
	ASSERT_EQ((u32)PIT_FLAGS_SPEAKER_DATA_ON, st.flags);
	pit_destroy(pit);

	pit_init(&other);
	pit_set_irq_fn(&other, record_irq, NULL);
	pit_set_state(&other, &st);
	ASSERT_EQ(1093, read_count(&other, 0));
	fake_clock_advance(ns_for_ticks(1093));
	ASSERT_EQ(4, irq_pulses);
	ASSERT_EQ(0x03, pit_io_read(&other, PIT_PORT_SPEAKER) & 0x03);
	pit_destroy(&other);
	pit_init(pit);	/* for the teardown */
}

TEST_HARNESS_MAIN
