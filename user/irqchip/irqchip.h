/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the interrupt controllers live, chosen by --irqchip:
 *   kernel  KVM_CREATE_IRQCHIP: LAPIC, IOAPIC, PIC (and PIT) in the kernel;
 *           lines raised with KVM_IRQ_LINE.
 *   split   KVM_CAP_SPLIT_IRQCHIP: LAPICs in the kernel, IOAPIC and PIC
 *           here (module/irq/ioapic.c, pic.c, irq_route.c); their
 *           interrupts reach the LAPICs as MSIs (KVM_SIGNAL_MSI), EOIs
 *           come back as KVM_EXIT_IOAPIC_EOI.
 *   user    everything here, LAPICs too (module/irq/lapic.c, apic_bus.c);
 *           interrupts injected with KVM_INTERRUPT when the vCPU can take
 *           them.
 * Devices only ever call irqchip_set_line().
 */
#ifndef VMXLAB_USER_IRQCHIP_H
#define VMXLAB_USER_IRQCHIP_H

#include <stdbool.h>

#include "errbuf.h"

struct vm;
struct vcpu;
struct kvm_run;

struct irqchip_ops {
	const char *name;
	/* after the VM, before any vCPU */
	int (*create)(struct vm *vm, struct errbuf *err);
	int (*vcpu_init)(struct vcpu *vcpu, struct errbuf *err);
	void (*set_line)(struct vm *vm, unsigned int gsi, int level);
	/* before each KVM_RUN: inject what is pending (user mode) */
	void (*pre_run)(struct vcpu *vcpu);
	/* an exit the run loop does not know; false if nobody did */
	bool (*handle_exit)(struct vcpu *vcpu);
	/* wake a vCPU that sleeps in the launcher (halted, user mode) */
	void (*wake)(struct vcpu *vcpu);
	bool lapic_in_kernel;	/* else x2APIC and KVM PV APIC features are hidden */
	/* the launcher's LAPIC serves IA32_TSC_DEADLINE (user) */
	bool (*tsc_deadline_msr)(struct vm *vm);
};

struct irqchip {
	const struct irqchip_ops *ops;
	void *priv;
};

extern const struct irqchip_ops irqchip_kernel_ops;
extern const struct irqchip_ops irqchip_split_ops;
extern const struct irqchip_ops irqchip_user_ops;

int irqchip_create(struct vm *vm, struct errbuf *err);
int irqchip_vcpu_init(struct vcpu *vcpu, struct errbuf *err);
void irqchip_set_line(struct vm *vm, unsigned int gsi, int level);
bool irqchip_lapic_in_kernel(struct vm *vm);
/* irqchip user: the launcher's LAPIC serves IA32_TSC_DEADLINE. */
bool irqchip_user_tsc_deadline(struct vm *vm);

/* A userspace PIT on ports 0x40-0x43/0x61, for devices without KVM_CREATE_PIT2 */
int pit_user_create(struct vm *vm, struct errbuf *err);

#endif
