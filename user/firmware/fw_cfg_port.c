// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg on ports 0x510 (selector) and 0x511 (data): the firmware
 * interface of fw_cfg.c as a device of the registry (devices/device.h).
 */
#include <pthread.h>

#include "devices/device.h"
#include "firmware/fw_cfg.h"
#include "vm.h"

struct fw_cfg_port {
	pthread_mutex_t lock;
	struct fw_cfg fw;
};

static void fw_cfg_io(void *opaque, uint64_t offset, uint8_t *data,
		      unsigned int len, bool is_write)
{
	struct fw_cfg_port *p = opaque;
	unsigned int i;

	pthread_mutex_lock(&p->lock);
	if (offset == 0) {
		if (is_write)
			fw_cfg_select(&p->fw, io_data_get(data, len > 2 ? 2 : len));
		else
			io_data_put(data, len, 0);
	} else if (is_write) {
		/* the data port is read-only for the guest */
	} else {
		for (i = 0; i < len; i++)
			data[i] = fw_cfg_read_byte(&p->fw);
	}
	pthread_mutex_unlock(&p->lock);
}

static int fw_cfg_port_init(struct vm *vm, void *dev, struct errbuf *err)
{
	struct fw_cfg_port *p = dev;

	pthread_mutex_init(&p->lock, NULL);
	fw_cfg_init(&p->fw, vm->opts->cpus, vm->mem.size);
	return io_bus_register(&vm->bus, IO_SPACE_PORT, FW_CFG_PORT_SEL, 2,
			       fw_cfg_io, p, "fw_cfg", err);
}

DEVICE_REGISTER(fw_cfg, DEVICE_LEVEL_PLATFORM,
		.size = sizeof(struct fw_cfg_port),
		.init = fw_cfg_port_init);
