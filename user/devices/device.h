/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine's devices. Each registers its port or MMIO ranges in the
 * VM's table; devices_init() calls them in the order of the table in
 * devices.c.
 */
#ifndef VMXLAB_USER_DEVICES_H
#define VMXLAB_USER_DEVICES_H

#include "errbuf.h"

struct vm;

/* Fixed ports and lines */
#define SERIAL_PORT		0x3f8
#define SERIAL_IRQ		4
#define DEBUG_EXIT_PORT		0xf4
#define ISA_IRQ_TEST_PORT	0x2000
#define ISA_IRQ_TEST_LINES	24
#define ACPI_PM1A_EVT_PORT	0x600
#define ACPI_PM1A_EVT_LEN	4
#define ACPI_PM1A_CNT_PORT	0x604
#define ACPI_PM1A_CNT_LEN	2
#define ACPI_SCI_IRQ		9
#define ACPI_S5_SLP_TYP		5	/* the DSDT's \_S5 says so */

int serial_init(struct vm *vm, struct errbuf *err);
int test_ports_init(struct vm *vm, struct errbuf *err);
int fw_cfg_port_init(struct vm *vm, struct errbuf *err);
int legacy_ports_init(struct vm *vm, struct errbuf *err);
int pci_none_init(struct vm *vm, struct errbuf *err);
int acpi_pm_init(struct vm *vm, struct errbuf *err);
int virtio_net_init(struct vm *vm, struct errbuf *err);
/* Describe the virtio-mmio devices in the ACPI configuration. */
struct acpi_config;
void virtio_net_acpi(struct vm *vm, struct acpi_config *cfg);

int devices_init(struct vm *vm, struct errbuf *err);

/* After the vCPUs exist: start reading the terminal. */
void serial_start_input(struct vm *vm);

#endif
