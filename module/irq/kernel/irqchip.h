/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel interrupt controllers of a VM (KVM's irqchip ABI): the
 * portable models of module/irq/ wired to vCPUs, guest MMIO and ports,
 * MSRs and CR8. What to inject before an entry is module/run.c's choice.
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
int irqchip_vcpu_attach_mmio(struct vmxlab_vcpu *vcpu);
void irqchip_vcpu_detach_mmio(struct vmxlab_vcpu *vcpu);
void irqchip_vcpu_publish(struct vmxlab_vcpu *vcpu);
int irqchip_set_apic_base(struct vmxlab_vcpu *vcpu, u64 base, bool host);
void irqchip_vcpu_destroy(struct vmxlab_vcpu *vcpu);
long irqchip_vcpu_ioctl(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			void __user *argp);

/* The LAPIC's MSRs and CR8 (TPR); *handled says whether it was one. */
int irqchip_rdmsr(struct vmxlab_vcpu *vcpu, u32 msr, u64 *data, bool *handled);
int irqchip_wrmsr(struct vmxlab_vcpu *vcpu, u32 msr, u64 data, bool host,
		  bool *handled);
u64 irqchip_get_cr8(struct vmxlab_vcpu *vcpu);
void irqchip_set_cr8(struct vmxlab_vcpu *vcpu, u64 cr8);

/* The PIC's vector for an ExtINT the LAPIC passed on (full irqchip). */
u8 irqchip_pic_acknowledge(struct vmxlab_vm *vm);

#endif
