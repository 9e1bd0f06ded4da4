/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The launcher's device registry: every device type registers itself
 * with DEVICE_REGISTER() in its own file, with an order level; main
 * knows none of them by name. devices_init() walks the types by level
 * (then name), allocates one zeroed instance of each and passes it to
 * every hook as the opaque pointer. The hooks, all optional but init:
 *   init   register port/MMIO ranges, before the firmware tables are
 *          built; DEVICE_ABSENT if the command line did not ask for it
 *   start  after the vCPUs exist, before they run (threads, terminal)
 *   acpi   describe itself in the ACPI configuration the table builder
 *          turns into tables (devices_acpi())
 *   exit   after the run, in reverse order
 * Adding a device touches only its own file.
 */
#ifndef VMXLAB_USER_DEVICES_DEVICE_H
#define VMXLAB_USER_DEVICES_DEVICE_H

#include <stddef.h>

#include "errbuf.h"

struct vm;
struct acpi_config;

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

/*
 * The I/O bus is searched linearly in registration order, so the hot
 * ranges come first; the levels say why a device sits where it does.
 */
enum device_level {
	DEVICE_LEVEL_CONSOLE,	/* the serial console: hit on every byte */
	DEVICE_LEVEL_TEST,	/* the test-suite ports: hot in test runs */
	DEVICE_LEVEL_PLATFORM,	/* the PC's fixed devices, always there */
	DEVICE_LEVEL_OPTIONAL,	/* devices the command line asks for */
};

#define DEVICE_ABSENT	1	/* init: not wanted in this run */

struct device_type {
	const char *name;
	enum device_level level;
	size_t size;		/* of the instance passed to the hooks */
	int (*init)(struct vm *vm, void *dev, struct errbuf *err);
	void (*start)(struct vm *vm, void *dev);
	void (*acpi)(struct vm *vm, void *dev, struct acpi_config *cfg);
	void (*exit)(struct vm *vm, void *dev);
};

/* One instance, in struct vm's list, in init order. */
struct device {
	const struct device_type *type;
	void *priv;
	struct device *next;
};

#define DEVICE_TYPES_MAX	32

/* Called by DEVICE_REGISTER() before main; keeps the types sorted. */
void device_type_register(const struct device_type *type);

/*
 * DEVICE_REGISTER(name, level, hooks...): defines the device type "name"
 * and registers it before main runs, e.g.
 *	DEVICE_REGISTER(serial, DEVICE_LEVEL_CONSOLE,
 *			.size = sizeof(struct serial), .init = serial_init);
 */
#define DEVICE_REGISTER(id, lvl, ...)					\
	static const struct device_type id##_device_type;		\
	static void __attribute__((constructor))			\
	id##_device_register(void)					\
	{								\
		device_type_register(&id##_device_type);		\
	}								\
	static const struct device_type id##_device_type = {		\
		.name = #id,						\
		.level = (lvl),						\
		__VA_ARGS__						\
	}

int devices_init(struct vm *vm, struct errbuf *err);
void devices_start(struct vm *vm);
void devices_acpi(struct vm *vm, struct acpi_config *cfg);
void devices_exit(struct vm *vm);

#endif
