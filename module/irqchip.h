/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel interrupt controllers of a VM (KVM's irqchip ABI): the
 * portable models of module/irq/ wired to vCPUs, guest MMIO and ports,
 * and the decisions made before each VM entry (what to inject, when to
 * ask for an interrupt window, when a halted vCPU may wake).
 */
#ifndef VMXLAB_IRQCHIP_H
#define VMXLAB_IRQCHIP_H

#include <linux/types.h>

struct vmxlab_vm;
struct vmxlab_vcpu;
struct kvm_enable_cap;

/* VM ioctls of the irqchip ABI; -ENOTTY if @ioctl is not one of them. */
long irqchip_vm_ioctl(struct vmxlab_vm *vm, unsigned int ioctl,
		      void __user *argp, unsigned long arg);
int irqchip_enable_split(struct vmxlab_vm *vm, const struct kvm_enable_cap *c);
void irqchip_stop_sources(struct vmxlab_vm *vm);
void irqchip_destroy(struct vmxlab_vm *vm);
bool irqchip_has_ioapic(struct vmxlab_vm *vm);
int irqchip_set_gsi(struct vmxlab_vm *vm, u32 gsi, int level);
bool irqchip_in_kernel(struct vmxlab_vm *vm);
bool lapic_in_kernel(struct vmxlab_vcpu *vcpu);

/* vCPU side. */
int irqchip_vcpu_create(struct vmxlab_vcpu *vcpu);
void irqchip_vcpu_publish(struct vmxlab_vcpu *vcpu);
int irqchip_set_apic_base(struct vmxlab_vcpu *vcpu, u64 base, bool host);
void irqchip_vcpu_destroy(struct vmxlab_vcpu *vcpu);
long irqchip_vcpu_ioctl(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			void __user *argp);

/* Guest accesses claimed by an in-kernel device; true if handled. */
bool irqchip_mmio(struct vmxlab_vcpu *vcpu, u64 gpa, unsigned int len,
		  bool write, u64 *value);
bool irqchip_claims_gpa(struct vmxlab_vcpu *vcpu, u64 gpa);
bool irqchip_pio(struct vmxlab_vcpu *vcpu, u16 port, unsigned int len,
		 bool write, u32 *value);
int irqchip_rdmsr(struct vmxlab_vcpu *vcpu, u32 msr, u64 *data, bool *handled);
int irqchip_wrmsr(struct vmxlab_vcpu *vcpu, u32 msr, u64 data, bool host,
		  bool *handled);
u64 irqchip_get_cr8(struct vmxlab_vcpu *vcpu);
void irqchip_set_cr8(struct vmxlab_vcpu *vcpu, u64 cr8);

/*
 * Before an entry: deliver INIT/SIPI, NMIs and interrupts that are due.
 * Returns 1 to enter, 0 to return to userspace (run filled), -errno.
 */
int irqchip_prepare_entry(struct vmxlab_vcpu *vcpu);
/* Halted or waiting for SIPI: sleep until something is due or a signal. */
int irqchip_block(struct vmxlab_vcpu *vcpu);
bool vcpu_is_blocked(struct vmxlab_vcpu *vcpu);

/* The exit handlers' view of the irqchip. */
int irqchip_handle_hlt(struct vmxlab_vcpu *vcpu);
int irqchip_handle_irq_window(struct vmxlab_vcpu *vcpu);
void irqchip_eoi_exit(struct vmxlab_vcpu *vcpu, u8 vector);
void irqchip_preemption_timer_expired(struct vmxlab_vcpu *vcpu);
void irqchip_vcpu_leaving(struct vmxlab_vcpu *vcpu);

#endif
