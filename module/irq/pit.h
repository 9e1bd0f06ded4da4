/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 8254 programmable interval timer: three channels at ports 0x40-0x42,
 * the control word at 0x43, and channel 2's gate and output in port
 * 0x61 as PC speaker logic wires them. Counters are computed from host
 * time at 1.193182 MHz, so reading one costs no timer at all; only
 * channel 0, whose output drives IRQ0, arms a host timer.
 */
#ifndef VMXLAB_IRQ_PIT_H
#define VMXLAB_IRQ_PIT_H

#include "irq_host.h"

#define PIT_FREQ_HZ		1193182ULL
#define PIT_NUM_CHANNELS	3
#define PIT_PORT_CHANNEL0	0x40
#define PIT_PORT_CONTROL	0x43
#define PIT_PORT_SPEAKER	0x61

/* Flags of struct pit_state, as KVM_PIT_FLAGS_* */
#define PIT_FLAGS_HPET_LEGACY		0x1
#define PIT_FLAGS_SPEAKER_DATA_ON	0x2

/*
 * One channel, laid out exactly as KVM's struct kvm_pit_channel_state;
 * it is also the live state. count is the reload value (1..0x10000);
 * count_load_time the host time in ns when counting (re)started.
 * rw_mode, read_state and write_state: 1 LSB, 2 MSB, 3 word (low byte
 * next), 4 word (high byte next).
 */
struct pit_channel_state {
	u32 count;
	u16 latched_count;
	u8 count_latched;	/* access state of the latched value, 0 none */
	u8 status_latched;
	u8 status;
	u8 read_state;
	u8 write_state;
	u8 write_latch;
	u8 rw_mode;
	u8 mode;
	u8 bcd;			/* kept and reported; counting is binary */
	u8 gate;
	s64 count_load_time;
};

/* Laid out exactly as KVM's struct kvm_pit_state2. */
struct pit_state {
	struct pit_channel_state channels[PIT_NUM_CHANNELS];
	u32 flags;
	u32 reserved[9];
};

/* IRQ0: each rising edge of channel 0's output is a pulse, 1 then 0. */
typedef void (*pit_irq_fn)(void *opaque, int level);

struct pit {
	struct irq_lock lock;
	struct pit_channel_state ch[PIT_NUM_CHANNELS];
	bool null_count[PIT_NUM_CHANNELS];	/* count written, not loaded */
	bool speaker_data;			/* port 0x61 bit 1 */
	struct irq_timer timer;			/* channel 0 */
	bool timer_armed;
	u64 next_tick;		/* ticks since count_load_time of next IRQ0 */
	u64 expires_ns;
	pit_irq_fn irq_fn;
	void *irq_opaque;
};

void pit_init(struct pit *pit);
void pit_reset(struct pit *pit);
/* Stops the timer; no callback runs after it returns. */
void pit_destroy(struct pit *pit);
void pit_set_irq_fn(struct pit *pit, pit_irq_fn fn, void *opaque);

/* Ports 0x40-0x43 and 0x61; others read 0xff. */
u8 pit_io_read(struct pit *pit, u16 port);
void pit_io_write(struct pit *pit, u16 port, u8 val);

void pit_get_state(struct pit *pit, struct pit_state *state);
void pit_set_state(struct pit *pit, const struct pit_state *state);

#endif
