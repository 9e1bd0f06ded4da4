// SPDX-License-Identifier: GPL-2.0
/*
 * The quiet legacy PC ports: POST codes at 0x80, the RTC/CMOS at
 * 0x70/0x71, system control port A at 0x92 (A20 always on, bit 0 resets),
 * and the keyboard controller at 0x60/0x64 reduced to what a guest needs
 * to reboot: reads say "no controller" (all ones), a 0xfe command to 0x64
 * pulses the reset line. A reset ends the run like a power-off: the
 * launcher does not restart guests.
 */
#include <pthread.h>
#include <time.h>

#include "firmware/cmos.h"
#include "devices/device.h"
#include "vm.h"

#define PORT_POST		0x80
#define PORT_CMOS		0x70
#define PORT_SYSCTL_A		0x92
#define PORT_KBD_DATA		0x60
#define PORT_KBD_CMD		0x64
#define KBD_CMD_RESET		0xfe
#define SYSCTL_A_RESET		0x01
#define SYSCTL_A_A20		0x02

struct legacy_ports {
	struct vm *vm;
	pthread_mutex_t cmos_lock;
	struct cmos cmos;
};

static time_t host_time(void)
{
	return time(NULL);
}

static void post_io(void *opaque, uint64_t offset, uint8_t *data,
		    unsigned int len, bool is_write)
{
	if (!is_write)
		io_data_put(data, len, 0);
}

static void cmos_io(void *opaque, uint64_t offset, uint8_t *data,
		    unsigned int len, bool is_write)
{
	struct legacy_ports *lp = opaque;

	pthread_mutex_lock(&lp->cmos_lock);
	if (offset == 0 && is_write)
		cmos_write_index(&lp->cmos, data[0]);
	else if (offset == 0)
		data[0] = lp->cmos.index;
	else if (is_write)
		cmos_write_data(&lp->cmos, data[0]);
	else
		data[0] = cmos_read_data(&lp->cmos);
	pthread_mutex_unlock(&lp->cmos_lock);
}

static void sysctl_a_io(void *opaque, uint64_t offset, uint8_t *data,
			unsigned int len, bool is_write)
{
	struct legacy_ports *lp = opaque;

	if (!is_write)
		data[0] = SYSCTL_A_A20;
	else if (data[0] & SYSCTL_A_RESET)
		vm_request_stop(lp->vm, EXIT_GUEST_OFF, "guest reset (port 0x92)");
}

static void kbd_io(void *opaque, uint64_t offset, uint8_t *data,
		   unsigned int len, bool is_write)
{
	if (!is_write)
		io_data_put(data, len, ~0ULL);
}

static void kbd_cmd_io(void *opaque, uint64_t offset, uint8_t *data,
		       unsigned int len, bool is_write)
{
	struct legacy_ports *lp = opaque;

	if (!is_write)
		io_data_put(data, len, ~0ULL);
	else if (data[0] == KBD_CMD_RESET)
		vm_request_stop(lp->vm, EXIT_GUEST_OFF,
				"guest reset (keyboard controller)");
}

static int legacy_ports_init(struct vm *vm, void *dev, struct errbuf *err)
{
	struct legacy_ports *lp = dev;
	struct io_bus *bus = &vm->bus;

	lp->vm = vm;
	pthread_mutex_init(&lp->cmos_lock, NULL);
	cmos_init(&lp->cmos, host_time);
	if (io_bus_register(bus, IO_SPACE_PORT, PORT_POST, 1, post_io, lp,
			    "post", err) ||
	    io_bus_register(bus, IO_SPACE_PORT, PORT_CMOS, 2, cmos_io, lp,
			    "rtc", err) ||
	    io_bus_register(bus, IO_SPACE_PORT, PORT_SYSCTL_A, 1,
			    sysctl_a_io, lp, "sysctl-a", err))
		return -1;
	/* 0x61, between the two, belongs to the PIT's speaker gate */
	if (io_bus_register(bus, IO_SPACE_PORT, PORT_KBD_DATA, 1, kbd_io,
			    lp, "i8042-data", err))
		return -1;
	return io_bus_register(bus, IO_SPACE_PORT, PORT_KBD_CMD, 1,
			       kbd_cmd_io, lp, "i8042-cmd", err);
}

DEVICE_REGISTER(legacy_ports, DEVICE_LEVEL_PLATFORM,
		.size = sizeof(struct legacy_ports),
		.init = legacy_ports_init);
