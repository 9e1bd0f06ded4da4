/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel I/O bus of a VM: port and MMIO ranges that in-kernel
 * devices (the PIC, PIT, IOAPIC, each vCPU's LAPIC, ioeventfds) register
 * with their ops, so that an exit handler makes one dispatch call and
 * what no device takes goes to userspace (KVM_EXIT_IO, KVM_EXIT_MMIO).
 * KVM's kvm_io_bus is the model; the launcher has the same shape on its
 * side of the ABI (user/io_bus.c).
 *
 * A bus is an array sorted by address, replaced as a whole when a range
 * comes or goes and read under SRCU, so that dispatch takes no lock and
 * a device op may sleep. Ranges may overlap (an ioeventfd per datamatch
 * value, a LAPIC per vCPU at the same base): they are tried in address
 * order until one op returns 0.
 */
#ifndef VMXLAB_IO_BUS_H
#define VMXLAB_IO_BUS_H

#include <linux/types.h>

struct vmxlab_vm;
struct vmxlab_vcpu;
struct io_device;

enum io_bus_kind {
	IO_BUS_PIO,
	IO_BUS_MMIO,
	IO_NR_BUSES
};

/* A bus holds at most this many ranges (KVM: 1000 devices per bus). */
#define IO_BUS_MAX_RANGES	1200

/*
 * 0 if the device took the access, -EOPNOTSUPP to let the next one try.
 * @len is 1, 2, 4 or 8; the value is in the low @len bytes.
 */
struct io_device_ops {
	int (*read)(struct io_device *dev, struct vmxlab_vcpu *vcpu, u64 addr,
		    unsigned int len, u64 *value);
	int (*write)(struct io_device *dev, struct vmxlab_vcpu *vcpu,
		     u64 addr, unsigned int len, u64 value);
	/* MMIO only: does it take @addr even where a memory slot is? */
	bool (*over_ram)(struct io_device *dev, struct vmxlab_vcpu *vcpu,
			 u64 addr);
};

struct io_device {
	const struct io_device_ops *ops;
};

int io_bus_init(struct vmxlab_vm *vm);
void io_bus_destroy(struct vmxlab_vm *vm);

/* Bytes [addr, addr + len) to @dev: 0, -ENOSPC (full), -ENOMEM, -EINVAL. */
int io_bus_register(struct vmxlab_vm *vm, enum io_bus_kind kind, u64 addr,
		    u64 len, struct io_device *dev);
/* Every range of @dev; on return no op of @dev runs or will run. */
void io_bus_unregister(struct vmxlab_vm *vm, enum io_bus_kind kind,
		       struct io_device *dev);

/* 0 if a device took the access, -EOPNOTSUPP if none did. */
int io_bus_read(struct vmxlab_vcpu *vcpu, enum io_bus_kind kind, u64 addr,
		unsigned int len, u64 *value);
int io_bus_write(struct vmxlab_vcpu *vcpu, enum io_bus_kind kind, u64 addr,
		 unsigned int len, u64 value);
/* Does an MMIO device take @gpa in place of RAM (the LAPIC, the IOAPIC)? */
bool io_bus_over_ram(struct vmxlab_vcpu *vcpu, u64 gpa);

#endif
