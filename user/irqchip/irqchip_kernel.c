// SPDX-License-Identifier: GPL-2.0
/*
 * --irqchip kernel: the device's own LAPICs, IOAPIC and PICs, and its PIT
 * when it has one (KVM_CAP_PIT2); otherwise the launcher's PIT drives
 * IRQ0 through KVM_IRQ_LINE.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "irqchip/irqchip.h"
#include "vm.h"

static int kernel_create(struct vm *vm, struct errbuf *err)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return errbuf_set(err, "%s: KVM_CREATE_IRQCHIP: %s (try --irqchip split or user)",
				  vm->opts->device, strerror(errno));
	if (ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2) > 0 &&
	    ioctl(vm->fd, KVM_CREATE_PIT2, &pit) == 0)
		return 0;
	return pit_user_create(vm, err);
}

static void kernel_set_line(struct vm *vm, unsigned int gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	if (ioctl(vm->fd, KVM_IRQ_LINE, &irq) < 0)
		fprintf(stderr, "vmxlab: KVM_IRQ_LINE %u=%d: %s\n", gsi, level,
			strerror(errno));
}

const struct irqchip_ops irqchip_kernel_ops = {
	.name = "kernel",
	.create = kernel_create,
	.set_line = kernel_set_line,
	.lapic_in_kernel = true,
};
