// SPDX-License-Identifier: GPL-2.0
/*
 * The ports of hypervisor test suites: the debug exit port 0xf4 (a write
 * of v ends the run with status (v << 1) | 1, so 0 - "pass" - is 1 and no
 * guest value reads as a clean power-off), and the ISA IRQ-line ports
 * 0x2000 + n, whose byte writes set the level of line n.
 */
#include "devices/device.h"
#include "irqchip/irqchip.h"
#include "vm.h"

static void debug_exit_io(void *opaque, uint64_t offset, uint8_t *data,
			  unsigned int len, bool is_write)
{
	struct vm *vm = opaque;
	uint64_t val;

	if (!is_write) {
		io_data_put(data, len, 0);
		return;
	}
	val = io_data_get(data, len);
	vm_request_stop(vm, (int)(((val << 1) | 1) & 0xff),
			"guest wrote 0x%llx to the debug exit port",
			(unsigned long long)val);
}

static void isa_irq_io(void *opaque, uint64_t offset, uint8_t *data,
		       unsigned int len, bool is_write)
{
	struct vm *vm = opaque;

	if (!is_write) {
		io_data_put(data, len, 0);
		return;
	}
	irqchip_set_line(vm, offset, data[0] & 1);
}

static int test_ports_init(struct vm *vm, void *dev, struct errbuf *err)
{
	if (io_bus_register(&vm->bus, IO_SPACE_PORT, DEBUG_EXIT_PORT, 4,
			    debug_exit_io, vm, "debug-exit", err))
		return -1;
	return io_bus_register(&vm->bus, IO_SPACE_PORT, ISA_IRQ_TEST_PORT,
			       ISA_IRQ_TEST_LINES, isa_irq_io, vm,
			       "isa-irq-test", err);
}

/* Stateless: the VM is all its handlers need. */
DEVICE_REGISTER(test_ports, DEVICE_LEVEL_TEST,
		.init = test_ports_init);
