// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg on ports 0x510 (selector) and 0x511 (data).
 */
#include <pthread.h>

#include "devices/device.h"
#include "firmware/fw_cfg.h"
#include "vm.h"

static struct fw_cfg fw;
static pthread_mutex_t fw_lock = PTHREAD_MUTEX_INITIALIZER;

static void fw_cfg_io(void *opaque, uint64_t offset, uint8_t *data,
		      unsigned int len, bool is_write)
{
	unsigned int i;

	pthread_mutex_lock(&fw_lock);
	if (offset == 0) {
		if (is_write)
			fw_cfg_select(&fw, io_data_get(data, len > 2 ? 2 : len));
		else
			io_data_put(data, len, 0);
	} else if (is_write) {
		/* the data port is read-only for the guest */
	} else {
		for (i = 0; i < len; i++)
			data[i] = fw_cfg_read_byte(&fw);
	}
	pthread_mutex_unlock(&fw_lock);
}

int fw_cfg_port_init(struct vm *vm, struct errbuf *err)
{
	fw_cfg_init(&fw, vm->opts->cpus, vm->mem.size);
	return io_bus_register(&vm->bus, IO_SPACE_PORT, FW_CFG_PORT_SEL, 2,
			       fw_cfg_io, vm, "fw_cfg", err);
}
