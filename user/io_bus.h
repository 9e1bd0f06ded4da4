/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One table of every trapped range, port I/O and MMIO alike: base,
 * length, handler, opaque pointer. Devices register themselves at start;
 * the run loop only dispatches. Registration happens before any vCPU
 * runs, so dispatch needs no lock; each device locks its own state.
 */
#ifndef VMXLAB_USER_IO_BUS_H
#define VMXLAB_USER_IO_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "errbuf.h"

enum io_space {
	IO_SPACE_PORT,
	IO_SPACE_MMIO,
};

/*
 * offset is from the range's base; data holds len bytes (1, 2, 4 or 8),
 * little-endian, to fill for a read or to consume for a write.
 */
typedef void (*io_handler_fn)(void *opaque, uint64_t offset, uint8_t *data,
			      unsigned int len, bool is_write);

struct io_range {
	enum io_space space;
	uint64_t base;
	uint64_t len;
	io_handler_fn fn;
	void *opaque;
	const char *name;
};

#define IO_BUS_MAX_RANGES	64

struct io_bus {
	struct io_range ranges[IO_BUS_MAX_RANGES];
	unsigned int nr;
	uint64_t unhandled;	/* accesses that hit nothing */
};

/* Refuses a range that overlaps one already registered. */
int io_bus_register(struct io_bus *bus, enum io_space space, uint64_t base,
		    uint64_t len, io_handler_fn fn, void *opaque,
		    const char *name, struct errbuf *err);

/*
 * Hands the access to the range that covers it; false if none does (a
 * read then returns all ones, a write is dropped).
 */
bool io_bus_dispatch(struct io_bus *bus, enum io_space space, uint64_t addr,
		     uint8_t *data, unsigned int len, bool is_write);

const struct io_range *io_bus_find(const struct io_bus *bus,
				   enum io_space space, uint64_t addr);

/* Helpers for handlers: the value in data, and a value into data. */
uint64_t io_data_get(const uint8_t *data, unsigned int len);
void io_data_put(uint8_t *data, unsigned int len, uint64_t val);

#endif
