/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI tables for the guest, in the BIOS area at 0xe0000: RSDP, RSDT and
 * XSDT, MADT (one LAPIC per vCPU, the IOAPIC, interrupt source
 * overrides), FADT (PM1a registers, SCI, no SMI command port: always in
 * ACPI mode) with a DSDT holding \_S5 and, when asked, virtio-mmio
 * devices. Portable: built into guest memory, checked by unit tests.
 */
#ifndef VMXLAB_USER_ACPI_H
#define VMXLAB_USER_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "errbuf.h"
#include "guest_mem.h"

#define ACPI_MAX_VIRTIO		4

struct acpi_virtio_mmio {
	uint64_t base;
	uint32_t size;
	uint32_t gsi;
};

struct acpi_config {
	unsigned int cpus;
	uint64_t ioapic_base;
	uint32_t ioapic_id;
	bool have_ioapic;
	uint16_t pm1a_evt_port;
	uint16_t pm1a_cnt_port;
	uint16_t sci_irq;
	uint8_t s5_slp_typ;
	unsigned int nr_virtio;
	struct acpi_virtio_mmio virtio[ACPI_MAX_VIRTIO];
};

/* Writes the tables at table_gpa (size bytes); returns the RSDP address. */
int acpi_build(struct guest_mem *mem, uint64_t table_gpa, uint64_t size,
	       const struct acpi_config *cfg, uint64_t *rsdp,
	       struct errbuf *err);

uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
