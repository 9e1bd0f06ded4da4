// SPDX-License-Identifier: GPL-2.0
/*
 * PCI configuration mechanism #1 with an empty bus: the address register
 * at 0xcf8 holds what is written (so probes see a host bridge interface),
 * every configuration read at 0xcfc-0xcff returns all ones: no device.
 */
#include "devices/device.h"
#include "vm.h"

#define PCI_CONFIG_ADDRESS	0xcf8

struct pci_none {
	uint32_t address;	/* CONFIG_ADDRESS, as written */
};

static void pci_io(void *opaque, uint64_t offset, uint8_t *data,
		   unsigned int len, bool is_write)
{
	struct pci_none *pci = opaque;

	if (offset == 0 && len == 4) {
		if (is_write)
			__atomic_store_n(&pci->address, io_data_get(data, 4),
					 __ATOMIC_RELAXED);
		else
			io_data_put(data, 4, __atomic_load_n(&pci->address,
							     __ATOMIC_RELAXED));
		return;
	}
	if (!is_write)
		io_data_put(data, len, ~0ULL);
}

static int pci_none_init(struct vm *vm, void *dev, struct errbuf *err)
{
	return io_bus_register(&vm->bus, IO_SPACE_PORT, PCI_CONFIG_ADDRESS, 8,
			       pci_io, dev, "pci-config", err);
}

DEVICE_REGISTER(pci_none, DEVICE_LEVEL_PLATFORM,
		.size = sizeof(struct pci_none),
		.init = pci_none_init);
