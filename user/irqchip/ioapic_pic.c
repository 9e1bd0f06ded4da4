// SPDX-License-Identifier: GPL-2.0
/*
 * The IOAPIC and PIC pair of the split and user irqchip modes: handlers
 * and registration, written once (see ioapic_pic.h).
 */
#include "irqchip/ioapic_pic.h"
#include "irqchip/irqchip.h"
#include "vm.h"

static void ioapic_io(void *opaque, uint64_t offset, uint8_t *data,
		      unsigned int len, bool is_write)
{
	struct ioapic_pic *ip = opaque;
	uint64_t val;

	if (!is_write) {
		io_data_put(data, len, ioapic_mmio_read(&ip->ioapic, offset, len));
		return;
	}
	val = io_data_get(data, len);
	if (ip->ioapic_write)
		ip->ioapic_write(ip, offset, len, val);
	else
		ioapic_mmio_write(&ip->ioapic, offset, len, val);
}

static void pic_port_io(struct ioapic_pic *ip, uint16_t port, uint8_t *data,
			bool is_write)
{
	if (is_write)
		pic_io_write(&ip->pic, port, data[0]);
	else
		data[0] = pic_io_read(&ip->pic, port);
}

static void pic_master_io(void *opaque, uint64_t offset, uint8_t *data,
			  unsigned int len, bool is_write)
{
	pic_port_io(opaque, PIC_MASTER_CMD + offset, data, is_write);
}

static void pic_slave_io(void *opaque, uint64_t offset, uint8_t *data,
			 unsigned int len, bool is_write)
{
	pic_port_io(opaque, PIC_SLAVE_CMD + offset, data, is_write);
}

static void elcr_io(void *opaque, uint64_t offset, uint8_t *data,
		    unsigned int len, bool is_write)
{
	pic_port_io(opaque, PIC_ELCR_MASTER + offset, data, is_write);
}

int ioapic_pic_create(struct ioapic_pic *ip, struct vm *vm,
		      struct errbuf *err)
{
	struct io_bus *bus = &vm->bus;

	apic_bus_init(&ip->bus);
	ioapic_init(&ip->ioapic, &ip->bus);
	pic_init(&ip->pic);
	if (io_bus_register(bus, IO_SPACE_MMIO, IOAPIC_DEFAULT_BASE,
			    IOAPIC_MMIO_SIZE, ioapic_io, ip, "ioapic", err) ||
	    io_bus_register(bus, IO_SPACE_PORT, PIC_MASTER_CMD, 2,
			    pic_master_io, ip, "pic-master", err) ||
	    io_bus_register(bus, IO_SPACE_PORT, PIC_SLAVE_CMD, 2,
			    pic_slave_io, ip, "pic-slave", err) ||
	    io_bus_register(bus, IO_SPACE_PORT, PIC_ELCR_MASTER, 2,
			    elcr_io, ip, "elcr", err))
		return -1;
	return pit_user_create(vm, err);
}
