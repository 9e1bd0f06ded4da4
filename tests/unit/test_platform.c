// SPDX-License-Identifier: GPL-2.0
/*
 * The trapped-range table (registration, overlap refusal, dispatch,
 * unhandled reads), fw_cfg items as test kernels read them, and the RTC's
 * time registers in BCD and binary.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "firmware/cmos.h"
#include "firmware/fw_cfg.h"
#include "io_bus.h"

struct recorder {
	uint64_t offset;
	unsigned int len;
	bool is_write;
	uint64_t val;
	int calls;
};

static void record(void *opaque, uint64_t offset, uint8_t *data,
		   unsigned int len, bool is_write)
{
	struct recorder *r = opaque;

	r->calls++;
	r->offset = offset;
	r->len = len;
	r->is_write = is_write;
	if (is_write)
		r->val = io_data_get(data, len);
	else
		io_data_put(data, len, 0x1122334455667788ULL);
}

TEST(io_bus_dispatches)
{
	static struct io_bus bus;
	struct recorder a = { 0 }, b = { 0 };
	struct errbuf err;
	uint8_t data[8] = { 0x78, 0x56, 0x34, 0x12 };

	ASSERT_EQ(0, io_bus_register(&bus, IO_SPACE_PORT, 0x3f8, 8, record, &a,
				     "serial", &err));
	ASSERT_EQ(0, io_bus_register(&bus, IO_SPACE_MMIO, 0x3f8, 8, record, &b,
				     "mmio", &err));
	EXPECT_TRUE(io_bus_dispatch(&bus, IO_SPACE_PORT, 0x3fd, data, 4, true));
	EXPECT_EQ(1, a.calls);
	EXPECT_EQ(0, b.calls);
	EXPECT_EQ(5, a.offset);
	EXPECT_EQ(4, a.len);
	EXPECT_TRUE(a.is_write);
	EXPECT_EQ(0x12345678, a.val);

	EXPECT_TRUE(io_bus_dispatch(&bus, IO_SPACE_MMIO, 0x3f8, data, 2, false));
	EXPECT_EQ(1, b.calls);
	EXPECT_EQ(0x88, data[0]);
	EXPECT_EQ(0x77, data[1]);

	/* nothing at 0x400: reads all ones, counted */
	EXPECT_FALSE(io_bus_dispatch(&bus, IO_SPACE_PORT, 0x400, data, 4, false));
	EXPECT_EQ(0xffffffff, io_data_get(data, 4));
	EXPECT_EQ(1, bus.unhandled);
	EXPECT_FALSE(io_bus_dispatch(&bus, IO_SPACE_PORT, 0x3f7, data, 1, true));
	EXPECT_EQ(1, a.calls);
}

TEST(io_bus_refuses_overlaps)
{
	static struct io_bus bus;
	struct errbuf err;

	ASSERT_EQ(0, io_bus_register(&bus, IO_SPACE_PORT, 0x70, 2, record, NULL,
				     "rtc", &err));
	EXPECT_EQ(-1, io_bus_register(&bus, IO_SPACE_PORT, 0x71, 1, record,
				      NULL, "other", &err));
	EXPECT_NE(NULL, strstr(err.msg, "overlaps rtc"));
	EXPECT_EQ(-1, io_bus_register(&bus, IO_SPACE_PORT, 0x60, 0x11, record,
				      NULL, "wide", &err));
	EXPECT_EQ(0, io_bus_register(&bus, IO_SPACE_PORT, 0x72, 1, record, NULL,
				     "next", &err));
	EXPECT_EQ(-1, io_bus_register(&bus, IO_SPACE_PORT, 0xffff, 2, record,
				      NULL, "wrap", &err));
	EXPECT_EQ(-1, io_bus_register(&bus, IO_SPACE_MMIO, 0x1000, 0, record,
				      NULL, "empty", &err));
}

TEST(fw_cfg_items)
{
	struct fw_cfg fw;
	char sig[5] = { 0 };
	uint64_t ram = 0;
	unsigned int i;
	uint16_t cpus;

	fw_cfg_init(&fw, 3, 256ULL << 20);
	fw_cfg_select(&fw, FW_CFG_SIGNATURE);
	for (i = 0; i < 4; i++)
		sig[i] = fw_cfg_read_byte(&fw);
	EXPECT_STREQ("QEMU", sig);
	EXPECT_EQ(0, fw_cfg_read_byte(&fw));	/* past the end */

	fw_cfg_select(&fw, FW_CFG_NB_CPUS);
	cpus = fw_cfg_read_byte(&fw);
	cpus |= fw_cfg_read_byte(&fw) << 8;
	EXPECT_EQ(3, cpus);

	fw_cfg_select(&fw, FW_CFG_RAM_SIZE);
	for (i = 0; i < 8; i++)
		ram |= (uint64_t)fw_cfg_read_byte(&fw) << (8 * i);
	EXPECT_EQ(256ULL << 20, ram);

	fw_cfg_select(&fw, FW_CFG_ID);
	EXPECT_EQ(FW_CFG_ID_TRADITIONAL, fw_cfg_read_byte(&fw));

	/* selecting again restarts the item */
	fw_cfg_select(&fw, FW_CFG_SIGNATURE);
	EXPECT_EQ('Q', fw_cfg_read_byte(&fw));
	fw_cfg_select(&fw, 0x1234);
	EXPECT_EQ(0, fw_cfg_read_byte(&fw));
}

static time_t fixed_time(void)
{
	return 1700000000;	/* 2023-11-14 22:13:20 UTC, a Tuesday */
}

static uint8_t cmos_get(struct cmos *c, uint8_t reg)
{
	cmos_write_index(c, reg);
	return cmos_read_data(c);
}

TEST(cmos_time)
{
	struct cmos c;

	cmos_init(&c, fixed_time);
	EXPECT_EQ(0x20, cmos_get(&c, CMOS_SECONDS));
	EXPECT_EQ(0x13, cmos_get(&c, CMOS_MINUTES));
	EXPECT_EQ(0x22, cmos_get(&c, CMOS_HOURS));
	EXPECT_EQ(0x03, cmos_get(&c, CMOS_WEEKDAY));
	EXPECT_EQ(0x14, cmos_get(&c, CMOS_DAY));
	EXPECT_EQ(0x11, cmos_get(&c, CMOS_MONTH));
	EXPECT_EQ(0x23, cmos_get(&c, CMOS_YEAR));
	EXPECT_EQ(0x20, cmos_get(&c, CMOS_CENTURY));
	EXPECT_EQ(0, cmos_get(&c, CMOS_STATUS_A) & 0x80);
	EXPECT_EQ(0x80, cmos_get(&c, CMOS_STATUS_D));

	/* binary, 12-hour: 22h is 10 PM */
	cmos_write_index(&c, CMOS_STATUS_B | 0x80);	/* NMI bit ignored */
	cmos_write_data(&c, CMOS_B_BINARY);
	EXPECT_EQ(20, cmos_get(&c, CMOS_SECONDS));
	EXPECT_EQ(0x80 | 10, cmos_get(&c, CMOS_HOURS));
	EXPECT_EQ(23, cmos_get(&c, CMOS_YEAR));

	/* plain CMOS bytes */
	cmos_write_index(&c, 0x40);
	cmos_write_data(&c, 0x5a);
	EXPECT_EQ(0x5a, cmos_get(&c, 0x40));
	cmos_write_index(&c, CMOS_STATUS_D);
	cmos_write_data(&c, 0);
	EXPECT_EQ(0x80, cmos_get(&c, CMOS_STATUS_D));
}

TEST_HARNESS_MAIN
