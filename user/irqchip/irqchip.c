// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher's interrupt controllers: choosing the irqchip mode
 * (--irqchip) and forwarding to it; devices only see irqchip_set_line().
 */
#include <stdlib.h>

#include "irqchip/irqchip.h"
#include "vm.h"

static const struct irqchip_ops *irqchip_mode_ops(enum irqchip_mode mode)
{
	switch (mode) {
	case IRQCHIP_SPLIT:
		return &irqchip_split_ops;
	case IRQCHIP_USER:
		return &irqchip_user_ops;
	default:
		return &irqchip_kernel_ops;
	}
}

int irqchip_create(struct vm *vm, struct errbuf *err)
{
	struct irqchip *chip = calloc(1, sizeof(*chip));

	if (!chip)
		return errbuf_set(err, "out of memory");
	chip->ops = irqchip_mode_ops(vm->opts->irqchip);
	vm->irqchip = chip;
	return chip->ops->create(vm, err);
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

bool irqchip_user_tsc_deadline(struct vm *vm)
{
	return vm->irqchip->ops->tsc_deadline_msr &&
	       vm->irqchip->ops->tsc_deadline_msr(vm);
}
