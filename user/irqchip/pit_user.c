// SPDX-License-Identifier: GPL-2.0
/*
 * The 8254 PIT in the launcher (module/irq/pit.c on timerfd timers), on
 * ports 0x40-0x43 and 0x61, its channel 0 output on IRQ 0. Used with
 * --irqchip split and user, and with kernel when the device has no
 * in-kernel PIT (KVM_CAP_PIT2).
 */
#include <stdlib.h>

#include "irqchip/irqchip.h"
#include "vm.h"

#include "irq/pit.h"

static void pit_port_io(struct pit *pit, uint16_t port, uint8_t *data,
			bool is_write)
{
	if (is_write)
		pit_io_write(pit, port, data[0]);
	else
		data[0] = pit_io_read(pit, port);
}

static void pit_io(void *opaque, uint64_t offset, uint8_t *data,
		   unsigned int len, bool is_write)
{
	pit_port_io(opaque, PIT_PORT_CHANNEL0 + offset, data, is_write);
}

static void pit_speaker_io(void *opaque, uint64_t offset, uint8_t *data,
			   unsigned int len, bool is_write)
{
	pit_port_io(opaque, PIT_PORT_SPEAKER, data, is_write);
}

static void pit_irq(void *opaque, int level)
{
	irqchip_set_line(opaque, 0, level);
}

int pit_user_create(struct vm *vm, struct errbuf *err)
{
	struct pit *pit = calloc(1, sizeof(*pit));

	if (!pit)
		return errbuf_set(err, "out of memory");
	pit_init(pit);
	pit_set_irq_fn(pit, pit_irq, vm);
	if (io_bus_register(&vm->bus, IO_SPACE_PORT, PIT_PORT_CHANNEL0, 4,
			    pit_io, pit, "pit", err))
		return -1;
	return io_bus_register(&vm->bus, IO_SPACE_PORT, PIT_PORT_SPEAKER, 1,
			       pit_speaker_io, pit, "pit-speaker", err);
}
