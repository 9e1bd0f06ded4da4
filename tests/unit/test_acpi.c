// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables as a guest's OS finds them: RSDP checksums (20-byte and
 * extended), RSDT and XSDT pointing at FADT and MADT, every table's
 * checksum, the FADT's PM1 registers, SCI and DSDT/FACS pointers, the
 * MADT's LAPICs, IOAPIC and overrides, and the DSDT's AML (\_S5, virtio
 * devices). Also the AML PkgLength encodings at their boundaries.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "firmware/acpi.h"
#include "firmware/aml.h"
#include "le.h"

#define MEM_SIZE	(4ULL << 20)
#define TABLES		0xe0000ULL

static uint8_t *table_at(struct guest_mem *mem, uint64_t gpa)
{
	return guest_mem_ptr(mem, gpa, 36);
}

static int table_ok(uint8_t *t, const char *sig)
{
	uint32_t len = get_le32(t + 4);

	return !memcmp(t, sig, 4) && len >= 36 && !acpi_checksum(t, len);
}

static struct acpi_config config(unsigned int cpus)
{
	struct acpi_config cfg = {
		.cpus = cpus, .ioapic_base = 0xfec00000, .ioapic_id = cpus,
		.have_ioapic = true, .pm1a_evt_port = 0x600,
		.pm1a_cnt_port = 0x604, .sci_irq = 9, .s5_slp_typ = 5,
	};

	return cfg;
}

static const uint8_t *find(const uint8_t *hay, size_t len, const void *needle,
			   size_t nlen)
{
	size_t i;

	for (i = 0; i + nlen <= len; i++) {
		if (!memcmp(hay + i, needle, nlen))
			return hay + i;
	}
	return NULL;
}

static const uint8_t s5_aml[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08,
				  0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };

TEST(tables_and_checksums)
{
	struct guest_mem mem;
	struct acpi_config cfg = config(3);
	struct errbuf err = { "" };
	uint64_t rsdp_gpa;
	uint8_t *rsdp, *rsdt, *xsdt, *fadt, *madt, *dsdt, *facs, *e;
	unsigned int lapics = 0;
	uint32_t len;

	guest_mem_init(&mem, calloc(1, MEM_SIZE), MEM_SIZE);
	ASSERT_EQ(0, acpi_build(&mem, TABLES, 0x10000, &cfg, &rsdp_gpa, &err))
		TH_LOG("%s", err.msg);
	EXPECT_EQ(TABLES, rsdp_gpa);
	EXPECT_EQ(0, rsdp_gpa & 15);

	rsdp = guest_mem_ptr(&mem, rsdp_gpa, 36);
	EXPECT_EQ(0, memcmp(rsdp, "RSD PTR ", 8));
	EXPECT_EQ(0, acpi_checksum(rsdp, 20));
	EXPECT_EQ(0, acpi_checksum(rsdp, 36));
	EXPECT_EQ(2, rsdp[15]);
	EXPECT_EQ(36, get_le32(rsdp + 20));

	rsdt = table_at(&mem, get_le32(rsdp + 16));
	xsdt = table_at(&mem, get_le64(rsdp + 24));
	ASSERT_TRUE(table_ok(rsdt, "RSDT"));
	ASSERT_TRUE(table_ok(xsdt, "XSDT"));
	EXPECT_EQ(44, get_le32(rsdt + 4));
	EXPECT_EQ(52, get_le32(xsdt + 4));
	EXPECT_EQ(get_le32(rsdt + 36), get_le64(xsdt + 36));
	EXPECT_EQ(get_le32(rsdt + 40), get_le64(xsdt + 44));

	fadt = table_at(&mem, get_le64(xsdt + 36));
	madt = table_at(&mem, get_le64(xsdt + 44));
	ASSERT_TRUE(table_ok(fadt, "FACP"));
	ASSERT_TRUE(table_ok(madt, "APIC"));

	/* FADT */
	EXPECT_EQ(244, get_le32(fadt + 4));
	EXPECT_EQ(3, fadt[8]);
	EXPECT_EQ(9, get_le16(fadt + 46));
	EXPECT_EQ(0, get_le32(fadt + 48));		/* no SMI_CMD */
	EXPECT_EQ(0x600, get_le32(fadt + 56));
	EXPECT_EQ(0x604, get_le32(fadt + 64));
	EXPECT_EQ(4, fadt[88]);
	EXPECT_EQ(2, fadt[89]);
	EXPECT_EQ(0x604, get_le64(fadt + 172 + 4));	/* X_PM1a_CNT_BLK */
	EXPECT_EQ(1, fadt[172]);			/* system I/O */
	EXPECT_EQ(16, fadt[173]);
	EXPECT_EQ(get_le32(fadt + 40), get_le64(fadt + 140));
	dsdt = table_at(&mem, get_le32(fadt + 40));
	ASSERT_TRUE(table_ok(dsdt, "DSDT"));
	facs = guest_mem_ptr(&mem, get_le32(fadt + 36), 64);
	EXPECT_EQ(0, memcmp(facs, "FACS", 4));
	EXPECT_EQ(64, get_le32(facs + 4));
	EXPECT_EQ(0, get_le32(fadt + 36) & 63);

	/* DSDT: Name(\_S5_, Package(4) { 5, 5, 0, 0 }) */
	len = get_le32(dsdt + 4);
	EXPECT_NE(NULL, find(dsdt + 36, len - 36, s5_aml, sizeof(s5_aml)));
	EXPECT_EQ(NULL, find(dsdt, len, "LNRO0005", 8));

	/* MADT */
	len = get_le32(madt + 4);
	EXPECT_EQ(0xfee00000, get_le32(madt + 36));
	EXPECT_EQ(1, get_le32(madt + 40));
	for (e = madt + 44; e < madt + len; e += e[1]) {
		ASSERT_GE(e[1], 2);
		switch (e[0]) {
		case 0:
			EXPECT_EQ(lapics, e[3]);
			EXPECT_EQ(1, get_le32(e + 4));
			lapics++;
			break;
		case 1:
			EXPECT_EQ(3, e[2]);
			EXPECT_EQ(0xfec00000, get_le32(e + 4));
			EXPECT_EQ(0, get_le32(e + 8));
			break;
		case 2:
			EXPECT_EQ(9, e[3]);
			EXPECT_EQ(9, get_le32(e + 4));
			EXPECT_EQ(0xd, get_le16(e + 8));
			break;
		case 4:
			EXPECT_EQ(1, e[5]);
			break;
		default:
			ASSERT_TRUE(0) TH_LOG("unexpected MADT entry %u", e[0]);
		}
	}
	EXPECT_EQ(madt + len, e);
	EXPECT_EQ(3, lapics);
	free(mem.host);
}

TEST(dsdt_virtio_devices)
{
	struct guest_mem mem;
	struct acpi_config cfg = config(1);
	struct errbuf err;
	uint64_t rsdp_gpa;
	uint8_t *rsdp, *xsdt, *fadt, *dsdt;
	const uint8_t *p;
	uint32_t len;
	static const uint8_t mem32[] = { 0x86, 0x09, 0x00, 0x01, 0x00, 0x00,
					 0x00, 0xd0, 0x00, 0x02, 0x00, 0x00 };
	static const uint8_t irq[] = { 0x89, 0x06, 0x00, 0x03, 0x01, 0x05,
				       0x00, 0x00, 0x00, 0x79, 0x00 };

	cfg.nr_virtio = 2;
	cfg.virtio[0] = (struct acpi_virtio_mmio){ 0xd0000000, 0x200, 5 };
	cfg.virtio[1] = (struct acpi_virtio_mmio){ 0xd0000200, 0x200, 6 };
	guest_mem_init(&mem, calloc(1, MEM_SIZE), MEM_SIZE);
	ASSERT_EQ(0, acpi_build(&mem, TABLES, 0x10000, &cfg, &rsdp_gpa, &err));
	rsdp = guest_mem_ptr(&mem, rsdp_gpa, 36);
	xsdt = table_at(&mem, get_le64(rsdp + 24));
	fadt = table_at(&mem, get_le64(xsdt + 36));
	dsdt = table_at(&mem, get_le32(fadt + 40));
	ASSERT_TRUE(table_ok(dsdt, "DSDT"));
	len = get_le32(dsdt + 4);

	/* Scope(\_SB) with a 2-byte PkgLength covering the rest */
	p = find(dsdt + 36, len - 36, "\\_SB_", 5);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0x10, p[-3]);
	EXPECT_EQ(0x40, p[-2] & 0xc0);
	EXPECT_EQ(dsdt + len - (p - 2), (p[-2] & 0x0f) | p[-1] << 4);
	p = find(dsdt, len, "\x5b\x82", 2);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0, memcmp(p + 3, "VR00", 4));
	p = find(dsdt, len, "\x08_HID\x0dLNRO0005", 15);
	ASSERT_NE(NULL, p);
	p = find(dsdt, len, "\x08_CRS\x11", 6);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(0x0a, p[7]);			/* BufferSize 23 */
	EXPECT_EQ(23, p[8]);
	EXPECT_EQ(0, memcmp(p + 9, mem32, sizeof(mem32)));
	EXPECT_EQ(0, memcmp(p + 9 + sizeof(mem32), irq, sizeof(irq)));
	EXPECT_NE(NULL, find(dsdt, len, "VR01", 4));
	free(mem.host);
}

TEST(too_small)
{
	struct guest_mem mem;
	struct acpi_config cfg = config(64);
	struct errbuf err;
	uint64_t rsdp;

	guest_mem_init(&mem, calloc(1, MEM_SIZE), MEM_SIZE);
	EXPECT_EQ(-1, acpi_build(&mem, TABLES, 0x200, &cfg, &rsdp, &err));
	EXPECT_NE(NULL, strstr(err.msg, "no room"));
	EXPECT_EQ(0, acpi_build(&mem, TABLES, 0x10000, &cfg, &rsdp, &err));
	free(mem.host);
}

TEST(aml_pkglength_encoding)
{
	uint8_t b[4];

	EXPECT_EQ(1, aml_pkglength(b, 0));
	EXPECT_EQ(1, b[0]);
	EXPECT_EQ(1, aml_pkglength(b, 62));
	EXPECT_EQ(63, b[0]);
	/* 63 bytes of content: 65 with a 2-byte PkgLength */
	EXPECT_EQ(2, aml_pkglength(b, 63));
	EXPECT_EQ(0x41, b[0]);
	EXPECT_EQ(0x04, b[1]);
	EXPECT_EQ(2, aml_pkglength(b, 4093));
	EXPECT_EQ(3, aml_pkglength(b, 4094));
	EXPECT_EQ(0x81, b[0]);
	EXPECT_EQ(0x00, b[1]);
	EXPECT_EQ(0x01, b[2]);
}

TEST(aml_integers_and_nesting)
{
	uint8_t buf[64];
	static const uint8_t pkg_op[] = { 0x12 };
	struct aml a;
	size_t mark;

	aml_init(&a, buf, sizeof(buf));
	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, 0x80);
	aml_integer(&a, 0x1234);
	aml_integer(&a, 0x12345678);
	ASSERT_EQ(1 + 1 + 2 + 3 + 5, a.len);
	EXPECT_EQ(0x0c, buf[7]);
	mark = aml_open(&a, pkg_op, 1);
	aml_byte(&a, 1);
	aml_integer(&a, 7);
	aml_close(&a, mark);
	EXPECT_EQ(0x12, buf[12]);
	EXPECT_EQ(4, buf[13]);
	EXPECT_FALSE(a.overflow);

	aml_init(&a, buf, 4);
	aml_string(&a, "toolong");
	EXPECT_TRUE(a.overflow);
}

TEST_HARNESS_MAIN
