// SPDX-License-Identifier: GPL-2.0
/*
 * The trapped-range table. Linear search: a machine has a few dozen
 * ranges, and the hot ones (serial, test ports) are registered first.
 */
#include <string.h>

#include "io_bus.h"

int io_bus_register(struct io_bus *bus, enum io_space space, uint64_t base,
		    uint64_t len, io_handler_fn fn, void *opaque,
		    const char *name, struct errbuf *err)
{
	const char *kind = space == IO_SPACE_PORT ? "port" : "MMIO";
	unsigned int i;

	if (!len || base + len < base)
		return errbuf_set(err, "%s: bad %s range 0x%llx+0x%llx", name,
				  kind, (unsigned long long)base,
				  (unsigned long long)len);
	if (space == IO_SPACE_PORT && base + len > 0x10000)
		return errbuf_set(err, "%s: ports 0x%llx+0x%llx beyond 0xffff",
				  name, (unsigned long long)base,
				  (unsigned long long)len);
	for (i = 0; i < bus->nr; i++) {
		const struct io_range *r = &bus->ranges[i];

		if (r->space == space && base < r->base + r->len &&
		    r->base < base + len)
			return errbuf_set(err, "%s: %s 0x%llx+0x%llx overlaps %s",
					  name, kind, (unsigned long long)base,
					  (unsigned long long)len, r->name);
	}
	if (bus->nr == IO_BUS_MAX_RANGES)
		return errbuf_set(err, "%s: too many I/O ranges", name);
	bus->ranges[bus->nr++] = (struct io_range){ space, base, len, fn,
						    opaque, name };
	return 0;
}

const struct io_range *io_bus_find(const struct io_bus *bus,
				   enum io_space space, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < bus->nr; i++) {
		const struct io_range *r = &bus->ranges[i];

		if (r->space == space && addr >= r->base &&
		    addr - r->base < r->len)
			return r;
	}
	return NULL;
}

bool io_bus_dispatch(struct io_bus *bus, enum io_space space, uint64_t addr,
		     uint8_t *data, unsigned int len, bool is_write)
{
	const struct io_range *r = io_bus_find(bus, space, addr);

	if (!r) {
		__atomic_add_fetch(&bus->unhandled, 1, __ATOMIC_RELAXED);
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	r->fn(r->opaque, addr - r->base, data, len, is_write);
	return true;
}

uint64_t io_data_get(const uint8_t *data, unsigned int len)
{
	uint64_t val = 0;

	while (len--)
		val = val << 8 | data[len];
	return val;
}

void io_data_put(uint8_t *data, unsigned int len, uint64_t val)
{
	unsigned int i;

	for (i = 0; i < len; i++, val >>= 8)
		data[i] = val;
}
