// SPDX-License-Identifier: GPL-2.0
/*
 * RTC time registers computed on every read from the host's UTC time.
 */
#include <string.h>

#include "firmware/cmos.h"

void cmos_init(struct cmos *c, time_t (*now)(void))
{
	memset(c, 0, sizeof(*c));
	c->now = now;
	c->ram[CMOS_STATUS_A] = 0x26;		/* 32.768 kHz, 1024 Hz rate */
	c->ram[CMOS_STATUS_B] = CMOS_B_24H;	/* BCD, 24-hour */
	c->ram[CMOS_STATUS_D] = 0x80;		/* battery good */
}

void cmos_write_index(struct cmos *c, uint8_t val)
{
	c->index = val & 0x7f;			/* bit 7 masks NMI: ignored */
}

static uint8_t cmos_encode(const struct cmos *c, unsigned int val)
{
	if (c->ram[CMOS_STATUS_B] & CMOS_B_BINARY)
		return val;
	return (val / 10) << 4 | (val % 10);
}

static uint8_t cmos_hours(const struct cmos *c, unsigned int hour)
{
	unsigned int h12;

	if (c->ram[CMOS_STATUS_B] & CMOS_B_24H)
		return cmos_encode(c, hour);
	h12 = hour % 12 ? hour % 12 : 12;
	return cmos_encode(c, h12) | (hour >= 12 ? 0x80 : 0);
}

uint8_t cmos_read_data(struct cmos *c)
{
	time_t t = c->now();
	struct tm tm;

	gmtime_r(&t, &tm);
	switch (c->index) {
	case CMOS_SECONDS:
		return cmos_encode(c, tm.tm_sec);
	case CMOS_MINUTES:
		return cmos_encode(c, tm.tm_min);
	case CMOS_HOURS:
		return cmos_hours(c, tm.tm_hour);
	case CMOS_WEEKDAY:
		return cmos_encode(c, tm.tm_wday + 1);
	case CMOS_DAY:
		return cmos_encode(c, tm.tm_mday);
	case CMOS_MONTH:
		return cmos_encode(c, tm.tm_mon + 1);
	case CMOS_YEAR:
		return cmos_encode(c, tm.tm_year % 100);
	case CMOS_CENTURY:
		return cmos_encode(c, (tm.tm_year + 1900) / 100);
	case CMOS_STATUS_A:
		return c->ram[CMOS_STATUS_A] & 0x7f;	/* never updating */
	case CMOS_STATUS_C:
		return 0;
	default:
		return c->ram[c->index];
	}
}

void cmos_write_data(struct cmos *c, uint8_t val)
{
	switch (c->index) {
	case CMOS_STATUS_C:
	case CMOS_STATUS_D:
		break;				/* read-only */
	default:
		c->ram[c->index] = val;
	}
}
