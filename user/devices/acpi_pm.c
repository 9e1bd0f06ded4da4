// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI PM1a event and control registers named in the FADT (ACPICA
 * reads back what it enables, so enable bits are kept). Writing
 * SLP_TYP = S5 with SLP_EN to PM1a_CNT powers the guest off. SCI_EN reads
 * as set: the machine is always in ACPI mode (the FADT has no SMI_CMD).
 */
#include "devices/device.h"
#include "firmware/acpi.h"
#include "vm.h"

#define PM1_CNT_SCI_EN		(1u << 0)
#define PM1_CNT_SLP_TYP_SHIFT	10
#define PM1_CNT_SLP_TYP_MASK	(7u << PM1_CNT_SLP_TYP_SHIFT)
#define PM1_CNT_SLP_EN		(1u << 13)

struct acpi_pm {
	struct vm *vm;
	uint16_t pm1_cnt;
	uint16_t pm1_en;	/* enables stick; no event ever fires */
};

/* PM1a_EVT: status (write 1 to clear: always clear) then enable. */
static void pm1_evt_io(void *opaque, uint64_t offset, uint8_t *data,
		       unsigned int len, bool is_write)
{
	struct acpi_pm *pm = opaque;
	uint32_t regs = (uint32_t)pm->pm1_en << 16;
	uint32_t val;

	if (!is_write) {
		io_data_put(data, len, regs >> (8 * offset));
		return;
	}
	val = io_data_get(data, len) << (8 * offset);
	if (offset + len > 2)
		__atomic_store_n(&pm->pm1_en, val >> 16, __ATOMIC_RELAXED);
}

static void pm1_cnt_io(void *opaque, uint64_t offset, uint8_t *data,
		       unsigned int len, bool is_write)
{
	struct acpi_pm *pm = opaque;
	uint16_t val;

	if (!is_write) {
		io_data_put(data, len, pm->pm1_cnt >> (8 * offset));
		return;
	}
	val = io_data_get(data, len) << (8 * offset);
	if ((val & PM1_CNT_SLP_EN) &&
	    ((val & PM1_CNT_SLP_TYP_MASK) >> PM1_CNT_SLP_TYP_SHIFT) ==
	    ACPI_S5_SLP_TYP) {
		vm_request_stop(pm->vm, EXIT_GUEST_OFF,
				"guest powered off (ACPI S5)");
		return;
	}
	pm->pm1_cnt = (val & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;
}

static int acpi_pm_init(struct vm *vm, void *dev, struct errbuf *err)
{
	struct acpi_pm *pm = dev;

	pm->vm = vm;
	pm->pm1_cnt = PM1_CNT_SCI_EN;
	if (io_bus_register(&vm->bus, IO_SPACE_PORT, ACPI_PM1A_EVT_PORT,
			    ACPI_PM1A_EVT_LEN, pm1_evt_io, pm, "pm1a-evt", err))
		return -1;
	return io_bus_register(&vm->bus, IO_SPACE_PORT, ACPI_PM1A_CNT_PORT,
			       ACPI_PM1A_CNT_LEN, pm1_cnt_io, pm, "pm1a-cnt",
			       err);
}

/* The FADT names these registers, the SCI and the S5 sleep type. */
static void acpi_pm_acpi(struct vm *vm, void *dev, struct acpi_config *cfg)
{
	cfg->pm1a_evt_port = ACPI_PM1A_EVT_PORT;
	cfg->pm1a_cnt_port = ACPI_PM1A_CNT_PORT;
	cfg->sci_irq = ACPI_SCI_IRQ;
	cfg->s5_slp_typ = ACPI_S5_SLP_TYP;
}

DEVICE_REGISTER(acpi_pm, DEVICE_LEVEL_PLATFORM,
		.size = sizeof(struct acpi_pm),
		.init = acpi_pm_init, .acpi = acpi_pm_acpi);
