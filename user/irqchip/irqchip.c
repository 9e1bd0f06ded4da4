// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing the irqchip mode and forwarding to it.
 */
#include <stdlib.h>

#include "irqchip/irqchip.h"
#include "vm.h"

int irqchip_create(struct vm *vm, struct errbuf *err)
{
	static struct irqchip chip;

	switch (vm->opts->irqchip) {
	case IRQCHIP_KERNEL:
		chip.ops = &irqchip_kernel_ops;
		break;
	case IRQCHIP_SPLIT:
		chip.ops = &irqchip_split_ops;
		break;
	case IRQCHIP_USER:
		chip.ops = &irqchip_user_ops;
		break;
	}
	vm->irqchip = &chip;
	return chip.ops->create(vm, err);
}

int irqchip_vcpu_init(struct vcpu *vcpu, struct errbuf *err)
{
	const struct irqchip_ops *ops = vcpu->vm->irqchip->ops;

	return ops->vcpu_init ? ops->vcpu_init(vcpu, err) : 0;
}

void irqchip_set_line(struct vm *vm, unsigned int gsi, int level)
{
	vm->irqchip->ops->set_line(vm, gsi, level);
}

bool irqchip_lapic_in_kernel(struct vm *vm)
{
	return vm->irqchip->ops->lapic_in_kernel;
}
