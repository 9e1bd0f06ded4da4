/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MC146818 RTC/CMOS at ports 0x70 (index) and 0x71 (data): the
 * time of day from the host clock, in BCD or binary and 24-hour form as
 * status register B says, status registers that never show an update in
 * progress, and plain CMOS bytes elsewhere. No alarms, no periodic
 * interrupt. Portable: the time comes from a function the caller gives.
 */
#ifndef VMXLAB_USER_CMOS_H
#define VMXLAB_USER_CMOS_H

#include <stdint.h>
#include <time.h>

#define CMOS_SECONDS	0x00
#define CMOS_MINUTES	0x02
#define CMOS_HOURS	0x04
#define CMOS_WEEKDAY	0x06
#define CMOS_DAY	0x07
#define CMOS_MONTH	0x08
#define CMOS_YEAR	0x09
#define CMOS_STATUS_A	0x0a
#define CMOS_STATUS_B	0x0b
#define CMOS_STATUS_C	0x0c
#define CMOS_STATUS_D	0x0d
#define CMOS_CENTURY	0x32

#define CMOS_B_24H	0x02
#define CMOS_B_BINARY	0x04

struct cmos {
	uint8_t index;
	uint8_t ram[128];
	time_t (*now)(void);
};

void cmos_init(struct cmos *c, time_t (*now)(void));
void cmos_write_index(struct cmos *c, uint8_t val);
uint8_t cmos_read_data(struct cmos *c);
void cmos_write_data(struct cmos *c, uint8_t val);

#endif
