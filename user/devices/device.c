// SPDX-License-Identifier: GPL-2.0
/*
 * The device list, in registration order: the hot ranges first, since
 * the table is searched linearly.
 */
#include "devices/device.h"
#include "vm.h"

static int (*const device_inits[])(struct vm *vm, struct errbuf *err) = {
	serial_init,
	test_ports_init,
	acpi_pm_init,
	fw_cfg_port_init,
	legacy_ports_init,
	pci_none_init,
	virtio_net_init,
};

int devices_init(struct vm *vm, struct errbuf *err)
{
	unsigned int i;

	for (i = 0; i < sizeof(device_inits) / sizeof(device_inits[0]); i++)
		if (device_inits[i](vm, err))
			return -1;
	return 0;
}
