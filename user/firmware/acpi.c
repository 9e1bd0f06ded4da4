// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI tables (ACPI 2.0+ layouts, FADT revision 3): RSDP, RSDT,
 * XSDT, FADT, FACS, DSDT, MADT, laid out one after the other from
 * table_gpa, each checksummed.
 */
#include <stdio.h>
#include <string.h>

#include "firmware/acpi.h"
#include "firmware/aml.h"
#include "le.h"

#define ACPI_HDR_SIZE		36
#define ACPI_OEM_ID		"VMXLAB"
#define ACPI_OEM_TABLE_ID	"VMXLABVM"
#define ACPI_CREATOR_ID		"VMXL"

#define RSDP_SIZE		36
#define FADT_SIZE		244
#define FACS_SIZE		64
#define FADT_REVISION		3

#define MADT_PCAT_COMPAT	0x1
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define MADT_ISO_LEVEL_HIGH	0x000d	/* level triggered, active high */

#define FADT_WBINVD		(1u << 0)
#define FADT_PWR_BUTTON		(1u << 4)	/* no fixed power button */
#define FADT_SLP_BUTTON		(1u << 5)	/* no fixed sleep button */
#define FADT_BOOT_LEGACY	(1u << 0)	/* ISA devices present */
#define FADT_BOOT_NO_VGA	(1u << 2)
#define GAS_SYSTEM_IO		1

#define LAPIC_BASE		0xfee00000u
#define CMOS_CENTURY_INDEX	0x32

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

struct acpi_area {
	struct guest_mem *mem;
	uint64_t next;
	uint64_t end;
};

static uint8_t *acpi_alloc(struct acpi_area *area, size_t len, size_t align,
			   uint64_t *gpa)
{
	uint64_t at = (area->next + align - 1) & ~(uint64_t)(align - 1);
	uint8_t *p;

	if (at + len > area->end)
		return NULL;
	p = guest_mem_ptr(area->mem, at, len);
	if (!p)
		return NULL;
	memset(p, 0, len);
	area->next = at + len;
	*gpa = at;
	return p;
}

static void acpi_header(uint8_t *t, const char *sig, uint32_t len,
			uint8_t revision)
{
	memcpy(t, sig, 4);
	put_le32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put_le32(t + 24, 1);
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	put_le32(t + 32, 1);
}

static void acpi_finish(uint8_t *t)
{
	t[9] = 0;
	t[9] = acpi_checksum(t, get_le32(t + 4));
}

static void gas_io(uint8_t *g, uint16_t port, uint8_t bytes)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = bytes * 8;		/* register bit width */
	g[2] = 0;
	g[3] = bytes == 4 ? 3 : 2;	/* access size: dword or word */
	put_le64(g + 4, port);
}

static size_t acpi_build_dsdt_aml(uint8_t *buf, size_t cap,
				  const struct acpi_config *cfg)
{
	static const uint8_t device_op[] = { 0x5b, 0x82 };
	static const uint8_t scope_op[] = { AML_SCOPE_OP };
	static const uint8_t package_op[] = { AML_PACKAGE_OP };
	static const uint8_t buffer_op[] = { AML_BUFFER_OP };
	struct aml a;
	size_t scope, pkg;
	unsigned int i;

	aml_init(&a, buf, cap);

	/* Name(\_S5, Package() { SLP_TYPa, SLP_TYPb, 0, 0 }) */
	aml_name_begin(&a, "\\_S5_");
	pkg = aml_open(&a, package_op, 1);
	aml_byte(&a, 4);
	aml_integer(&a, cfg->s5_slp_typ);
	aml_integer(&a, cfg->s5_slp_typ);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_close(&a, pkg);

	if (cfg->nr_virtio) {
		scope = aml_open(&a, scope_op, 1);
		aml_name(&a, "\\_SB_");
		for (i = 0; i < cfg->nr_virtio; i++) {
			const struct acpi_virtio_mmio *v = &cfg->virtio[i];
			char name[5];
			size_t dev, crs;

			snprintf(name, sizeof(name), "VR%02u", i % 100);
			dev = aml_open(&a, device_op, 2);
			aml_name(&a, name);
			aml_name_begin(&a, "_HID");
			aml_string(&a, "LNRO0005");
			aml_name_begin(&a, "_UID");
			aml_integer(&a, i);
			aml_name_begin(&a, "_CRS");
			crs = aml_open(&a, buffer_op, 1);
			/* BufferSize: 12 + 9 + 2 bytes of descriptors */
			aml_integer(&a, 23);
			aml_res_memory32_fixed(&a, v->base, v->size);
			aml_res_interrupt(&a, v->gsi, true);
			aml_res_end(&a);
			aml_close(&a, crs);
			aml_close(&a, dev);
		}
		aml_close(&a, scope);
	}
	return a.overflow ? 0 : a.len;
}

static int acpi_build_madt(struct acpi_area *area, const struct acpi_config *cfg,
			   uint64_t *gpa, struct errbuf *err)
{
	size_t len = ACPI_HDR_SIZE + 8 + 8 * cfg->cpus + 12 + 10 + 6;
	uint8_t *t = acpi_alloc(area, len, 16, gpa), *e;
	unsigned int i;

	if (!t)
		return errbuf_set(err, "ACPI: no room for the MADT");
	acpi_header(t, "APIC", len, 3);
	put_le32(t + 36, LAPIC_BASE);
	put_le32(t + 40, MADT_PCAT_COMPAT);
	e = t + 44;
	for (i = 0; i < cfg->cpus; i++, e += 8) {
		e[0] = MADT_LAPIC;
		e[1] = 8;
		e[2] = i;		/* ACPI processor UID */
		e[3] = i;		/* APIC ID */
		put_le32(e + 4, 1);	/* enabled */
	}
	e[0] = MADT_IOAPIC;
	e[1] = 12;
	e[2] = cfg->ioapic_id;
	put_le32(e + 4, cfg->ioapic_base);
	put_le32(e + 8, 0);		/* GSI base */
	e += 12;
	/* the SCI is level triggered, active high */
	e[0] = MADT_ISO;
	e[1] = 10;
	e[2] = 0;			/* ISA */
	e[3] = cfg->sci_irq;
	put_le32(e + 4, cfg->sci_irq);
	put_le16(e + 8, MADT_ISO_LEVEL_HIGH);
	e += 10;
	/* LINT1 of every processor is NMI */
	e[0] = MADT_LAPIC_NMI;
	e[1] = 6;
	e[2] = 0xff;
	put_le16(e + 3, 0);
	e[5] = 1;
	acpi_finish(t);
	return 0;
}

static int acpi_build_fadt(struct acpi_area *area, const struct acpi_config *cfg,
			   uint64_t *gpa, struct errbuf *err)
{
	uint8_t aml[2048];
	uint64_t dsdt_gpa = 0, facs_gpa = 0;
	size_t aml_len = acpi_build_dsdt_aml(aml, sizeof(aml), cfg);
	uint8_t *dsdt, *facs, *t;

	if (!aml_len)
		return errbuf_set(err, "ACPI: DSDT too big");
	dsdt = acpi_alloc(area, ACPI_HDR_SIZE + aml_len, 16, &dsdt_gpa);
	facs = acpi_alloc(area, FACS_SIZE, 64, &facs_gpa);
	t = acpi_alloc(area, FADT_SIZE, 16, gpa);
	if (!dsdt || !facs || !t)
		return errbuf_set(err, "ACPI: no room for the FADT and DSDT");

	acpi_header(dsdt, "DSDT", ACPI_HDR_SIZE + aml_len, 2);
	memcpy(dsdt + ACPI_HDR_SIZE, aml, aml_len);
	acpi_finish(dsdt);

	memcpy(facs, "FACS", 4);
	put_le32(facs + 4, FACS_SIZE);
	facs[32] = 2;			/* version */

	acpi_header(t, "FACP", FADT_SIZE, FADT_REVISION);
	put_le32(t + 36, facs_gpa);
	put_le32(t + 40, dsdt_gpa);
	put_le16(t + 46, cfg->sci_irq);
	/* SMI_CMD (48) stays 0: the machine is always in ACPI mode */
	put_le32(t + 56, cfg->pm1a_evt_port);
	put_le32(t + 64, cfg->pm1a_cnt_port);
	t[88] = 4;			/* PM1_EVT_LEN */
	t[89] = 2;			/* PM1_CNT_LEN */
	put_le16(t + 96, 101);		/* no C2 */
	put_le16(t + 98, 1001);		/* no C3 */
	t[108] = CMOS_CENTURY_INDEX;
	put_le16(t + 109, FADT_BOOT_LEGACY | FADT_BOOT_NO_VGA);
	put_le32(t + 112, FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON);
	put_le64(t + 132, facs_gpa);
	put_le64(t + 140, dsdt_gpa);
	gas_io(t + 148, cfg->pm1a_evt_port, 4);
	gas_io(t + 172, cfg->pm1a_cnt_port, 2);
	acpi_finish(t);
	return 0;
}

int acpi_build(struct guest_mem *mem, uint64_t table_gpa, uint64_t size,
	       const struct acpi_config *cfg, uint64_t *rsdp_gpa,
	       struct errbuf *err)
{
	struct acpi_area area = { mem, table_gpa, table_gpa + size };
	uint64_t fadt = 0, madt = 0, rsdt_gpa = 0, xsdt_gpa = 0, at = 0;
	uint8_t *rsdp, *rsdt, *xsdt;

	rsdp = acpi_alloc(&area, RSDP_SIZE, 16, &at);
	if (!rsdp)
		return errbuf_set(err, "ACPI: guest memory too small for the tables");
	if (acpi_build_fadt(&area, cfg, &fadt, err) ||
	    acpi_build_madt(&area, cfg, &madt, err))
		return -1;
	rsdt = acpi_alloc(&area, ACPI_HDR_SIZE + 2 * 4, 16, &rsdt_gpa);
	xsdt = acpi_alloc(&area, ACPI_HDR_SIZE + 2 * 8, 16, &xsdt_gpa);
	if (!rsdt || !xsdt)
		return errbuf_set(err, "ACPI: no room for the RSDT and XSDT");

	acpi_header(rsdt, "RSDT", ACPI_HDR_SIZE + 8, 1);
	put_le32(rsdt + ACPI_HDR_SIZE, fadt);
	put_le32(rsdt + ACPI_HDR_SIZE + 4, madt);
	acpi_finish(rsdt);
	acpi_header(xsdt, "XSDT", ACPI_HDR_SIZE + 16, 1);
	put_le64(xsdt + ACPI_HDR_SIZE, fadt);
	put_le64(xsdt + ACPI_HDR_SIZE + 8, madt);
	acpi_finish(xsdt);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, ACPI_OEM_ID, 6);
	rsdp[15] = 2;			/* ACPI 2.0+ */
	put_le32(rsdp + 16, rsdt_gpa);
	put_le32(rsdp + 20, RSDP_SIZE);
	put_le64(rsdp + 24, xsdt_gpa);
	rsdp[8] = acpi_checksum(rsdp, 20);
	rsdp[32] = acpi_checksum(rsdp, RSDP_SIZE);
	*rsdp_gpa = at;
	return 0;
}
