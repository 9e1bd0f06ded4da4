// SPDX-License-Identifier: GPL-2.0
/*
 * 8254 PIT. Each counter is a function of the time since its count was
 * loaded; channel 0's IRQ0 edges come from a one-shot host timer that
 * is re-armed for the next edge in periodic modes.
 *
 * Modes 0-5 are counted; gates are edge-sensitive for modes 1, 2, 3
 * and 5 (a rising gate restarts the count) but a low gate does not
 * pause modes 0 and 4. BCD is reported but counting is binary.
 */
#include "pit.h"

#define NSEC_PER_SEC_ULL	1000000000ULL

#define PIT_RW_LSB		1
#define PIT_RW_MSB		2
#define PIT_RW_WORD0		3
#define PIT_RW_WORD1		4

#define PIT_CW_READBACK		3
#define PIT_RB_NO_COUNT		0x20
#define PIT_RB_NO_STATUS	0x10

#define PIT_SPK_GATE2		0x01
#define PIT_SPK_DATA		0x02
#define PIT_SPK_REFRESH		0x10
#define PIT_SPK_OUT2		0x20

/*
 * Shortest IRQ0 period the host timer is asked for (about 200 us, as
 * KVM's min_timer_period_us): a guest programming a tiny count gets
 * every k-th edge instead of a host timer storm.
 */
#define PIT_MIN_PERIOD_TICKS	239

static struct pit *pit_from_timer(struct irq_timer *timer)
{
	return (struct pit *)((char *)timer - offsetof(struct pit, timer));
}

/* Whole PIT clocks in ns, split so that hours of uptime cannot overflow. */
static u64 pit_ns_to_ticks(u64 ns)
{
	return ns / NSEC_PER_SEC_ULL * PIT_FREQ_HZ +
	       ns % NSEC_PER_SEC_ULL * PIT_FREQ_HZ / NSEC_PER_SEC_ULL;
}

/* Rounded up, so that pit_ns_to_ticks() of the result is >= ticks. */
static u64 pit_ticks_to_ns(u64 ticks)
{
	return ticks / PIT_FREQ_HZ * NSEC_PER_SEC_ULL +
	       (ticks % PIT_FREQ_HZ * NSEC_PER_SEC_ULL + PIT_FREQ_HZ - 1) /
	       PIT_FREQ_HZ;
}

static u64 pit_elapsed_ticks(const struct pit_channel_state *c, u64 now)
{
	if ((s64)now <= c->count_load_time)
		return 0;
	return pit_ns_to_ticks(now - c->count_load_time);
}

static u16 pit_counter(const struct pit_channel_state *c, u64 now)
{
	u64 d = pit_elapsed_ticks(c, now);

	switch (c->mode) {
	case 2:
		return c->count - d % c->count;
	case 3:
		/* Square wave counts down by two, twice per period. */
		return c->count - (2 * d) % c->count;
	default:
		return (c->count - d) & 0xffff;
	}
}

static bool pit_output(const struct pit_channel_state *c, u64 now)
{
	u64 d = pit_elapsed_ticks(c, now);

	switch (c->mode) {
	case 0:
	case 1:
		return d >= c->count;
	case 2:
		/* Low for the one clock in which the counter holds 1. */
		return d % c->count != c->count - 1;
	case 3:
		return d % c->count < (c->count + 1) / 2;
	default:
		/* Modes 4 and 5: a one-clock low strobe at terminal count. */
		return d != c->count;
	}
}

/* Ticks between two IRQ0 edges in periodic modes, 0 for one-shots. */
static u64 pit_irq_period(const struct pit_channel_state *c)
{
	u64 period = c->count;

	if (c->mode != 2 && c->mode != 3)
		return 0;
	while (period < PIT_MIN_PERIOD_TICKS)
		period += c->count;
	return period;
}

/* Arm the host timer for channel 0's next rising edge after now. */
static void pit_arm_irq0(struct pit *pit, u64 now)
{
	struct pit_channel_state *c = &pit->ch[0];
	u64 period = pit_irq_period(c);
	u64 d = pit_elapsed_ticks(c, now);

	pit->timer_armed = false;
	if (period) {
		/* Missed edges are dropped, not replayed in a burst. */
		pit->next_tick = (d / period + 1) * period;
	} else if (c->mode == 0 || c->mode == 4) {
		if (d >= c->count)
			return;
		pit->next_tick = c->count;
	} else {
		return;	/* modes 1 and 5 wait for a gate edge that never comes */
	}
	pit->expires_ns = c->count_load_time + pit_ticks_to_ns(pit->next_tick);
	pit->timer_armed = true;
	irq_timer_arm(&pit->timer, pit->expires_ns);
}

static void pit_timer_expired(struct irq_timer *timer)
{
	struct pit *pit = pit_from_timer(timer);
	pit_irq_fn fn = NULL;
	void *opaque = NULL;
	u64 now;

	irq_lock(&pit->lock);
	now = irq_host_now_ns();
	if (pit->timer_armed && now < pit->expires_ns) {
		/* A callback for an older programming: wait for ours. */
		irq_timer_arm(&pit->timer, pit->expires_ns);
	} else if (pit->timer_armed) {
		fn = pit->irq_fn;
		opaque = pit->irq_opaque;
		pit_arm_irq0(pit, now);
	}
	irq_unlock(&pit->lock);

	if (fn) {
		fn(opaque, 1);
		fn(opaque, 0);
	}
}

static void pit_load_count(struct pit *pit, unsigned int ch, u32 val)
{
	struct pit_channel_state *c = &pit->ch[ch];
	u64 now = irq_host_now_ns();

	c->count = val ? val : 0x10000;
	c->count_load_time = now;
	pit->null_count[ch] = false;
	if (ch == 0)
		pit_arm_irq0(pit, now);
}

static void pit_latch_count(struct pit *pit, unsigned int ch)
{
	struct pit_channel_state *c = &pit->ch[ch];

	/* A second latch before the first is read is ignored. */
	if (c->count_latched)
		return;
	c->latched_count = pit_counter(c, irq_host_now_ns());
	c->count_latched = c->rw_mode;
}

static void pit_latch_status(struct pit *pit, unsigned int ch)
{
	struct pit_channel_state *c = &pit->ch[ch];

	if (c->status_latched)
		return;
	c->status = pit_output(c, irq_host_now_ns()) << 7 |
		    pit->null_count[ch] << 6 | c->rw_mode << 4 |
		    c->mode << 1 | c->bcd;
	c->status_latched = 1;
}

static void pit_write_control(struct pit *pit, u8 val)
{
	unsigned int ch = val >> 6;
	unsigned int access = (val >> 4) & 3;
	struct pit_channel_state *c;

	if (ch == PIT_CW_READBACK) {
		for (ch = 0; ch < PIT_NUM_CHANNELS; ch++) {
			if (!(val & (2 << ch)))
				continue;
			if (!(val & PIT_RB_NO_COUNT))
				pit_latch_count(pit, ch);
			if (!(val & PIT_RB_NO_STATUS))
				pit_latch_status(pit, ch);
		}
		return;
	}

	if (!access) {
		pit_latch_count(pit, ch);
		return;
	}
	c = &pit->ch[ch];
	c->rw_mode = access;
	c->read_state = access;
	c->write_state = access;
	c->mode = (val >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4;	/* 6 and 7 are aliases of 2 and 3 */
	c->bcd = val & 1;
	c->count_latched = 0;
	c->status_latched = 0;
	pit->null_count[ch] = true;
	/* The counter waits for its new count before it counts again. */
	if (ch == 0)
		pit->timer_armed = false;
}

static void pit_write_counter(struct pit *pit, unsigned int ch, u8 val)
{
	struct pit_channel_state *c = &pit->ch[ch];

	switch (c->write_state) {
	case PIT_RW_MSB:
		pit_load_count(pit, ch, val << 8);
		break;
	case PIT_RW_WORD0:
		c->write_latch = val;
		c->write_state = PIT_RW_WORD1;
		break;
	case PIT_RW_WORD1:
		pit_load_count(pit, ch, c->write_latch | val << 8);
		c->write_state = PIT_RW_WORD0;
		break;
	default:
		pit_load_count(pit, ch, val);
		break;
	}
}

/* Byte of a 16-bit value by access state; advances word states. */
static u8 pit_access_byte(u8 *state, u16 value)
{
	switch (*state) {
	case PIT_RW_MSB:
		return value >> 8;
	case PIT_RW_WORD0:
		*state = PIT_RW_WORD1;
		return value & 0xff;
	case PIT_RW_WORD1:
		*state = PIT_RW_WORD0;
		return value >> 8;
	default:
		return value & 0xff;
	}
}

static u8 pit_read_counter(struct pit *pit, unsigned int ch)
{
	struct pit_channel_state *c = &pit->ch[ch];
	u8 val;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		val = pit_access_byte(&c->count_latched, c->latched_count);
		/* The latch is released once all its bytes were read. */
		if (c->count_latched != PIT_RW_WORD1)
			c->count_latched = 0;
		return val;
	}
	return pit_access_byte(&c->read_state,
			       pit_counter(c, irq_host_now_ns()));
}

static void pit_set_gate2(struct pit *pit, bool gate)
{
	struct pit_channel_state *c = &pit->ch[2];

	/* A rising gate (re)triggers modes 1 and 5, restarts 2 and 3. */
	if (!c->gate && gate && c->mode != 0 && c->mode != 4)
		c->count_load_time = irq_host_now_ns();
	c->gate = gate;
}

static u8 pit_read_speaker(struct pit *pit)
{
	u64 now = irq_host_now_ns();
	u8 val = 0;

	if (pit->ch[2].gate)
		val |= PIT_SPK_GATE2;
	if (pit->speaker_data)
		val |= PIT_SPK_DATA;
	/* DRAM refresh toggles about every 15 us; old delay loops poll it. */
	if ((now >> 14) & 1)
		val |= PIT_SPK_REFRESH;
	if (pit_output(&pit->ch[2], now))
		val |= PIT_SPK_OUT2;
	return val;
}

u8 pit_io_read(struct pit *pit, u16 port)
{
	u8 val = 0xff;

	irq_lock(&pit->lock);
	if (port >= PIT_PORT_CHANNEL0 && port < PIT_PORT_CONTROL)
		val = pit_read_counter(pit, port - PIT_PORT_CHANNEL0);
	else if (port == PIT_PORT_SPEAKER)
		val = pit_read_speaker(pit);
	irq_unlock(&pit->lock);
	return val;
}

void pit_io_write(struct pit *pit, u16 port, u8 val)
{
	irq_lock(&pit->lock);
	if (port == PIT_PORT_CONTROL) {
		pit_write_control(pit, val);
	} else if (port >= PIT_PORT_CHANNEL0 && port < PIT_PORT_CONTROL) {
		pit_write_counter(pit, port - PIT_PORT_CHANNEL0, val);
	} else if (port == PIT_PORT_SPEAKER) {
		pit_set_gate2(pit, val & PIT_SPK_GATE2);
		pit->speaker_data = val & PIT_SPK_DATA;
	}
	irq_unlock(&pit->lock);
}

void pit_reset(struct pit *pit)
{
	struct pit_channel_state *c;
	u64 now = irq_host_now_ns();
	unsigned int ch;

	irq_lock(&pit->lock);
	for (ch = 0; ch < PIT_NUM_CHANNELS; ch++) {
		c = &pit->ch[ch];
		memset(c, 0, sizeof(*c));
		c->count = 0x10000;
		c->count_load_time = now;
		c->rw_mode = PIT_RW_WORD0;
		c->read_state = PIT_RW_WORD0;
		c->write_state = PIT_RW_WORD0;
		/* Only channel 2's gate is wired to something (port 0x61). */
		c->gate = ch != 2;
		pit->null_count[ch] = false;
	}
	pit->speaker_data = false;
	/* Unprogrammed, channel 0 raises no IRQ0 until a count is written. */
	pit->timer_armed = false;
	irq_unlock(&pit->lock);
}

void pit_init(struct pit *pit)
{
	memset(pit, 0, sizeof(*pit));
	irq_lock_init(&pit->lock);
	irq_timer_init(&pit->timer, pit_timer_expired);
	pit_reset(pit);
}

void pit_destroy(struct pit *pit)
{
	irq_lock(&pit->lock);
	pit->timer_armed = false;
	irq_unlock(&pit->lock);
	irq_timer_cancel(&pit->timer);
	irq_timer_destroy(&pit->timer);
}

void pit_set_irq_fn(struct pit *pit, pit_irq_fn fn, void *opaque)
{
	irq_lock(&pit->lock);
	pit->irq_fn = fn;
	pit->irq_opaque = opaque;
	irq_unlock(&pit->lock);
}

void pit_get_state(struct pit *pit, struct pit_state *state)
{
	memset(state, 0, sizeof(*state));
	irq_lock(&pit->lock);
	memcpy(state->channels, pit->ch, sizeof(state->channels));
	if (pit->speaker_data)
		state->flags |= PIT_FLAGS_SPEAKER_DATA_ON;
	irq_unlock(&pit->lock);
}

static void pit_sanitize_channel(struct pit_channel_state *c)
{
	if (!c->count || c->count > 0x10000)
		c->count = 0x10000;
	if (c->mode > 5)
		c->mode = 0;
	if (c->rw_mode < PIT_RW_LSB || c->rw_mode > PIT_RW_WORD0)
		c->rw_mode = PIT_RW_WORD0;
	if (c->read_state < PIT_RW_LSB || c->read_state > PIT_RW_WORD1)
		c->read_state = c->rw_mode;
	if (c->write_state < PIT_RW_LSB || c->write_state > PIT_RW_WORD1)
		c->write_state = c->rw_mode;
	if (c->count_latched > PIT_RW_WORD1)
		c->count_latched = 0;
	c->bcd &= 1;
	c->gate &= 1;
}

void pit_set_state(struct pit *pit, const struct pit_state *state)
{
	unsigned int ch;

	irq_lock(&pit->lock);
	memcpy(pit->ch, state->channels, sizeof(pit->ch));
	for (ch = 0; ch < PIT_NUM_CHANNELS; ch++) {
		pit_sanitize_channel(&pit->ch[ch]);
		pit->null_count[ch] = false;
	}
	pit->speaker_data = state->flags & PIT_FLAGS_SPEAKER_DATA_ON;
	pit_arm_irq0(pit, irq_host_now_ns());
	irq_unlock(&pit->lock);
}
