// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel irqchip: KVM_CREATE_IRQCHIP (LAPICs, IOAPIC, PICs and
 * routing), the split irqchip (LAPICs only), KVM_CREATE_PIT2, line and MSI
 * injection, state save/restore, the vCPU side of module/irq/irq_host.h
 * (kicks and guest time), and what happens before each VM entry.
 *
 * The path of a timer interrupt: the LAPIC's hrtimer fires in hard IRQ
 * context, lapic.c sets IRR and calls irq_host_kick_vcpu(), which wakes
 * the vCPU if halted or IPIs its CPU if it is in the guest; the vCPU's
 * next irqchip_prepare_entry() injects the vector. No userspace involved.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/bitmap.h>
#include <linux/kvm.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>

#include "vmxlab.h"
#include "irqchip.h"
#include "eventfd.h"
#include "mem.h"
#include "irq/apic_bus.h"
#include "irq/ioapic.h"
#include "irq/irq_route.h"
#include "irq/lapic.h"
#include "irq/pic.h"
#include "irq/pit.h"
#include "vmx/vmx_ops.h"

struct vm_irqchip {
	bool split;			/* LAPICs only; the rest in userspace */
	u32 split_pins;			/* GSIs below this are IOAPIC pins */
	DECLARE_BITMAP(split_eoi_vectors, 256);	/* level vectors of those */
	struct apic_bus bus;
	struct ioapic ioapic;
	struct pic pic;
	struct pit *pit;
	struct irq_route *route;
};

static_assert(sizeof(struct ioapic_state) == sizeof(struct kvm_ioapic_state));
static_assert(sizeof(struct pic_chip_state) == sizeof(struct kvm_pic_state));
static_assert(sizeof(struct pit_state) == sizeof(struct kvm_pit_state2));

bool irqchip_in_kernel(struct vmxlab_vm *vm)
{
	return READ_ONCE(vm->irqchip) != NULL;
}

/* A full in-kernel irqchip: IOAPIC and PICs here, not in userspace. */
bool irqchip_has_ioapic(struct vmxlab_vm *vm)
{
	struct vm_irqchip *chip = READ_ONCE(vm->irqchip);

	return chip && !chip->split;
}

bool lapic_in_kernel(struct vmxlab_vcpu *vcpu)
{
	return vcpu->lapic != NULL;
}

/* ---- the vCPU side of irq_host.h ---- */

void irq_host_kick_vcpu(void *opaque)
{
	struct vmxlab_vcpu *vcpu = opaque;
	int cpu;

	WRITE_ONCE(vcpu->event_pending, true);
	/* Pairs with the barrier after mode = IN_GUEST in the entry path. */
	smp_mb();
	if (READ_ONCE(vcpu->mode) == VCPU_IN_GUEST) {
		cpu = READ_ONCE(vcpu->vmx.cpu);
		if (cpu >= 0 && cpu != raw_smp_processor_id())
			smp_send_reschedule(cpu);
	}
	rcuwait_wake_up(&vcpu->wait);
}

u64 irq_host_guest_tsc(void *opaque)
{
	struct vmxlab_vcpu *vcpu = opaque;

	return rdtsc() + vcpu->tsc_offset;
}

u32 irq_host_tsc_khz(void *opaque)
{
	return tsc_khz;
}

/* ---- VM level ---- */

int irqchip_set_gsi(struct vmxlab_vm *vm, u32 gsi, int level)
{
	struct vm_irqchip *chip = READ_ONCE(vm->irqchip);

	return chip ? irq_route_set_gsi(chip->route, gsi, level) : -1;
}

static void pic_output_to_bsp(void *opaque, bool level)
{
	struct vmxlab_vm *vm = opaque;
	struct vmxlab_vcpu *bsp = READ_ONCE(vm->vcpus[0]);

	if (bsp && bsp->lapic)
		lapic_set_lint(bsp->lapic, 0, level);
}

static void split_eoi(void *opaque, u8 vector)
{
	struct vmxlab_vm *vm = opaque;
	int i;

	/* Only vectors of the userspace IOAPIC's level routes, as KVM. */
	if (!test_bit(vector, vm->irqchip->split_eoi_vectors))
		return;
	/* The EOI came from the vCPU running now; tell its userspace. */
	for (i = 0; i < VMXLAB_MAX_VCPUS; i++) {
		struct vmxlab_vcpu *vcpu = READ_ONCE(vm->vcpus[i]);

		if (vcpu && vcpu->task == current)
			irqchip_eoi_exit(vcpu, vector);
	}
}

static int ioapic_pin_vector(struct vmxlab_vm *vm, u32 pin)
{
	if (pin >= IOAPIC_NUM_PINS)
		return -1;
	return READ_ONCE(vm->irqchip->ioapic.redirtbl[pin]) & IOAPIC_RTE_VECTOR;
}

/* EOI of a level vector: resample irqfds first, then the IOAPIC. */
static void full_irqchip_eoi(void *opaque, u8 vector)
{
	struct vmxlab_vm *vm = opaque;

	irqfd_resample_eoi(vm, vector, ioapic_pin_vector);
	ioapic_eoi(&vm->irqchip->ioapic, vector);
}

static struct vm_irqchip *irqchip_alloc(struct vmxlab_vm *vm, bool split)
{
	struct vm_irqchip *chip;

	chip = vmxlab_zalloc(sizeof(*chip));
	if (!chip)
		return NULL;
	chip->route = vmxlab_zalloc(sizeof(*chip->route));
	if (!chip->route) {
		vmxlab_free(chip, sizeof(*chip));
		return NULL;
	}
	chip->split = split;
	apic_bus_init(&chip->bus);
	if (split) {
		irq_route_init(chip->route, NULL, NULL, &chip->bus);
		apic_bus_set_eoi_notifier(&chip->bus, split_eoi, vm);
	} else {
		ioapic_init(&chip->ioapic, &chip->bus);
		apic_bus_set_eoi_notifier(&chip->bus, full_irqchip_eoi, vm);
		pic_init(&chip->pic);
		pic_set_output_fn(&chip->pic, pic_output_to_bsp, vm);
		irq_route_init(chip->route, &chip->ioapic, &chip->pic,
			       &chip->bus);
	}
	return chip;
}

/* Only before the first vCPU, as in KVM. */
static int irqchip_create(struct vmxlab_vm *vm, bool split)
{
	struct vm_irqchip *chip;
	int err = 0;

	mutex_lock(&vm->lock);
	if (vm->irqchip)
		err = -EEXIST;
	else if (vm->nr_vcpus)
		err = -EINVAL;
	if (!err) {
		chip = irqchip_alloc(vm, split);
		if (chip)
			smp_store_release(&vm->irqchip, chip);
		else
			err = -ENOMEM;
	}
	mutex_unlock(&vm->lock);
	return err;
}

int irqchip_enable_split(struct vmxlab_vm *vm, const struct kvm_enable_cap *c)
{
	int err;

	if (c->flags || c->args[0] > IOAPIC_NUM_PINS)
		return -EINVAL;
	err = irqchip_create(vm, true);
	if (!err)
		vm->irqchip->split_pins = c->args[0];
	return err;
}

/* Split irqchip: which vectors the userspace IOAPIC wants EOIs of. */
static void split_scan_routes(struct vm_irqchip *chip,
			      const struct irq_route_entry *e, u32 nr)
{
	u32 i;

	bitmap_zero(chip->split_eoi_vectors, 256);
	for (i = 0; i < nr; i++) {
		if (e[i].type != IRQ_ROUTE_MSI || e[i].gsi >= chip->split_pins)
			continue;
		if (e[i].u.msi.data & BIT(15))	/* level-triggered */
			__set_bit(e[i].u.msi.data & 0xff,
				  chip->split_eoi_vectors);
	}
}

/* The PIT's timer is the one source that fires on its own: stop it. */
void irqchip_stop_sources(struct vmxlab_vm *vm)
{
	struct vm_irqchip *chip = vm->irqchip;

	if (!chip || !chip->pit)
		return;
	pit_destroy(chip->pit);
	vmxlab_free(chip->pit, sizeof(*chip->pit));
	chip->pit = NULL;
}

void irqchip_destroy(struct vmxlab_vm *vm)
{
	struct vm_irqchip *chip = vm->irqchip;

	if (!chip)
		return;
	irqchip_stop_sources(vm);
	vmxlab_free(chip->route, sizeof(*chip->route));
	vmxlab_free(chip, sizeof(*chip));
	vm->irqchip = NULL;
}

static void pit_irq_to_gsi0(void *opaque, int level)
{
	struct vm_irqchip *chip = opaque;

	irq_route_set_gsi(chip->route, 0, level);
}

static int irqchip_create_pit(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_pit_config config;
	struct vm_irqchip *chip = vm->irqchip;
	struct pit *pit;
	int err = 0;

	if (copy_from_user(&config, argp, sizeof(config)))
		return -EFAULT;
	if (!chip || chip->split)
		return -ENOENT;
	pit = vmxlab_zalloc(sizeof(*pit));
	if (!pit)
		return -ENOMEM;
	pit_init(pit);
	pit_set_irq_fn(pit, pit_irq_to_gsi0, chip);
	mutex_lock(&vm->lock);
	if (chip->pit)
		err = -EEXIST;
	else
		smp_store_release(&chip->pit, pit);
	mutex_unlock(&vm->lock);
	if (err) {
		pit_destroy(pit);
		vmxlab_free(pit, sizeof(*pit));
	}
	return err;
}

static int irqchip_irq_line(struct vmxlab_vm *vm, void __user *argp,
			    bool status)
{
	struct kvm_irq_level line;
	int ret;

	if (copy_from_user(&line, argp, sizeof(line)))
		return -EFAULT;
	if (!vm->irqchip)
		return -ENXIO;
	ret = irq_route_set_gsi(vm->irqchip->route, line.irq, line.level);
	if (!status)
		return 0;
	line.status = ret;
	return copy_to_user(argp, &line, sizeof(line)) ? -EFAULT : 0;
}

static int irqchip_signal_msi(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (!vm->irqchip)
		return -EINVAL;
	if (msi.flags)
		return -EINVAL;
	return irq_route_signal_msi(vm->irqchip->route, msi.address_lo,
				    msi.address_hi, msi.data);
}

static int irqchip_get(struct vmxlab_vm *vm, void __user *argp, bool set)
{
	struct vm_irqchip *chip = vm->irqchip;
	struct kvm_irqchip *state;
	int err = 0;

	if (!chip || chip->split)
		return -ENXIO;
	state = vmxlab_memdup_user(argp, sizeof(*state));
	if (IS_ERR(state))
		return PTR_ERR(state);
	switch (state->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		if (set)
			err = pic_set_state(&chip->pic, state->chip_id,
					    (void *)&state->chip.pic);
		else
			err = pic_get_state(&chip->pic, state->chip_id,
					    (void *)&state->chip.pic);
		break;
	case KVM_IRQCHIP_IOAPIC:
		if (set)
			err = ioapic_set_state(&chip->ioapic,
					       (void *)&state->chip.ioapic);
		else
			ioapic_get_state(&chip->ioapic,
					 (void *)&state->chip.ioapic);
		break;
	default:
		err = -EINVAL;
	}
	if (!err && !set && copy_to_user(argp, state, sizeof(*state)))
		err = -EFAULT;
	vmxlab_free(state, sizeof(*state));
	return err;
}

static int irqchip_pit_state(struct vmxlab_vm *vm, void __user *argp,
			     bool set)
{
	struct vm_irqchip *chip = vm->irqchip;
	struct kvm_pit_state2 state;

	if (!chip || !chip->pit)
		return -ENXIO;
	if (set) {
		if (copy_from_user(&state, argp, sizeof(state)))
			return -EFAULT;
		pit_set_state(chip->pit, (void *)&state);
		return 0;
	}
	pit_get_state(chip->pit, (void *)&state);
	return copy_to_user(argp, &state, sizeof(state)) ? -EFAULT : 0;
}

static int irqchip_set_gsi_routing(struct vmxlab_vm *vm, void __user *argp)
{
	struct kvm_irq_routing hdr;
	struct kvm_irq_routing_entry *ue;
	struct irq_route_entry *e;
	u32 i;
	int err;

	if (!vm->irqchip)
		return -EINVAL;
	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nr > IRQ_ROUTE_MAX_ENTRIES || hdr.flags)
		return -EINVAL;
	ue = vmxlab_memdup_user(argp + sizeof(hdr), hdr.nr * sizeof(*ue));
	if (IS_ERR(ue))
		return PTR_ERR(ue);
	e = vmxlab_zalloc_array(hdr.nr ?: 1, sizeof(*e));
	if (!e) {
		vmxlab_free(ue, hdr.nr * sizeof(*ue));
		return -ENOMEM;
	}
	for (i = 0; i < hdr.nr; i++) {
		e[i].gsi = ue[i].gsi;
		e[i].type = ue[i].type;
		e[i].flags = ue[i].flags;
		if (ue[i].type == KVM_IRQ_ROUTING_IRQCHIP) {
			e[i].u.irqchip.chip = ue[i].u.irqchip.irqchip;
			e[i].u.irqchip.pin = ue[i].u.irqchip.pin;
		} else if (ue[i].type == KVM_IRQ_ROUTING_MSI) {
			e[i].u.msi.address_lo = ue[i].u.msi.address_lo;
			e[i].u.msi.address_hi = ue[i].u.msi.address_hi;
			e[i].u.msi.data = ue[i].u.msi.data;
		}
	}
	err = irq_route_set_table(vm->irqchip->route, e, hdr.nr);
	if (!err && vm->irqchip->split)
		split_scan_routes(vm->irqchip, e, hdr.nr);
	vmxlab_free(e, (hdr.nr ?: 1) * sizeof(*e));
	vmxlab_free(ue, hdr.nr * sizeof(*ue));
	return err;
}

long irqchip_vm_ioctl(struct vmxlab_vm *vm, unsigned int ioctl,
		      void __user *argp, unsigned long arg)
{
	switch (ioctl) {
	case KVM_CREATE_IRQCHIP:
		return irqchip_create(vm, false);
	case KVM_IRQ_LINE:
		return irqchip_irq_line(vm, argp, false);
	case KVM_IRQ_LINE_STATUS:
		return irqchip_irq_line(vm, argp, true);
	case KVM_SIGNAL_MSI:
		return irqchip_signal_msi(vm, argp);
	case KVM_GET_IRQCHIP:
		return irqchip_get(vm, argp, false);
	case KVM_SET_IRQCHIP:
		return irqchip_get(vm, argp, true);
	case KVM_CREATE_PIT2:
		return irqchip_create_pit(vm, argp);
	case KVM_GET_PIT2:
		return irqchip_pit_state(vm, argp, false);
	case KVM_SET_PIT2:
		return irqchip_pit_state(vm, argp, true);
	case KVM_SET_GSI_ROUTING:
		return irqchip_set_gsi_routing(vm, argp);
	default:
		return -ENOTTY;
	}
}

/* ---- vCPU level ---- */

/* The LAPIC exists from here on, but no message can reach it yet. */
int irqchip_vcpu_create(struct vmxlab_vcpu *vcpu)
{
	struct vm_irqchip *chip = vcpu->vm->irqchip;

	rcuwait_init(&vcpu->wait);
	if (!chip)
		return 0;
	vcpu->lapic = vmxlab_zalloc(sizeof(*vcpu->lapic));
	if (!vcpu->lapic)
		return -ENOMEM;
	lapic_init(vcpu->lapic, &chip->bus, vcpu, vcpu->id, vcpu->id == 0);
	/* Application processors wait for INIT/SIPI, as in KVM. */
	if (vcpu->id != 0)
		vcpu->mp_state = KVM_MP_STATE_UNINITIALIZED;
	return 0;
}

static_assert(VMXLAB_MAX_VCPUS <= APIC_BUS_MAX_LAPICS);

/* The LAPIC joins the APIC bus; only once the vCPU can no longer fail. */
void irqchip_vcpu_publish(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->lapic)
		WARN_ON_ONCE(apic_bus_add(&vcpu->vm->irqchip->bus,
					  vcpu->lapic));
}

void irqchip_vcpu_destroy(struct vmxlab_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return;
	apic_bus_remove(&vcpu->vm->irqchip->bus, vcpu->lapic);
	lapic_destroy(vcpu->lapic);
	vmxlab_free(vcpu->lapic, sizeof(*vcpu->lapic));
	vcpu->lapic = NULL;
}

static int irqchip_lapic_state(struct vmxlab_vcpu *vcpu, void __user *argp,
			       bool set)
{
	struct kvm_lapic_state *s;
	int err = 0;

	if (!vcpu->lapic)
		return -ENXIO;
	s = vmxlab_zalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (set) {
		if (copy_from_user(s, argp, sizeof(*s)))
			err = -EFAULT;
		else
			err = lapic_set_state(vcpu->lapic, (u8 *)s->regs);
		WRITE_ONCE(vcpu->event_pending, true);
	} else {
		lapic_get_state(vcpu->lapic, (u8 *)s->regs);
		if (copy_to_user(argp, s, sizeof(*s)))
			err = -EFAULT;
	}
	vmxlab_free(s, sizeof(*s));
	return err;
}

static int irqchip_user_interrupt(struct vmxlab_vcpu *vcpu, void __user *argp)
{
	struct kvm_interrupt irq;

	if (copy_from_user(&irq, argp, sizeof(irq)))
		return -EFAULT;
	if (irq.irq >= 256)
		return -EINVAL;
	/* With a full in-kernel irqchip, the PIC is in the kernel too. */
	if (irqchip_in_kernel(vcpu->vm) && !vcpu->vm->irqchip->split)
		return -ENXIO;
	if (vcpu->user_irq_pending)
		return -EEXIST;
	vcpu->user_irq = irq.irq;
	vcpu->user_irq_pending = true;
	return 0;
}

long irqchip_vcpu_ioctl(struct vmxlab_vcpu *vcpu, unsigned int ioctl,
			void __user *argp)
{
	switch (ioctl) {
	case KVM_GET_LAPIC:
		return irqchip_lapic_state(vcpu, argp, false);
	case KVM_SET_LAPIC:
		return irqchip_lapic_state(vcpu, argp, true);
	case KVM_INTERRUPT:
		return irqchip_user_interrupt(vcpu, argp);
	case KVM_NMI:
		vcpu->user_nmi_pending = true;
		return 0;
	default:
		return -ENOTTY;
	}
}

/* ---- guest accesses ---- */

bool irqchip_claims_gpa(struct vmxlab_vcpu *vcpu, u64 gpa)
{
	struct vm_irqchip *chip = vcpu->vm->irqchip;

	if (vcpu->lapic && lapic_xapic_mode(vcpu->lapic) &&
	    (gpa & PAGE_MASK) == lapic_base_address(vcpu->lapic))
		return true;
	return chip && !chip->split &&
	       gpa - IOAPIC_DEFAULT_BASE < IOAPIC_MMIO_SIZE;
}

bool irqchip_mmio(struct vmxlab_vcpu *vcpu, u64 gpa, unsigned int len,
		  bool write, u64 *value)
{
	struct vm_irqchip *chip = vcpu->vm->irqchip;
	u64 base;

	if (!vcpu->lapic)
		return false;
	base = lapic_base_address(vcpu->lapic);
	if (lapic_xapic_mode(vcpu->lapic) && (gpa & PAGE_MASK) == base) {
		if (write)
			lapic_mmio_write(vcpu->lapic, gpa - base, len, *value);
		else
			*value = lapic_mmio_read(vcpu->lapic, gpa - base, len);
		return true;
	}
	if (!chip->split && gpa - IOAPIC_DEFAULT_BASE < IOAPIC_MMIO_SIZE) {
		if (write)
			ioapic_mmio_write(&chip->ioapic,
					  gpa - IOAPIC_DEFAULT_BASE, len, *value);
		else
			*value = ioapic_mmio_read(&chip->ioapic,
						  gpa - IOAPIC_DEFAULT_BASE, len);
		return true;
	}
	return false;
}

static bool is_pic_port(u16 port)
{
	return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 ||
	       port == 0x4d0 || port == 0x4d1;
}

static bool is_pit_port(u16 port)
{
	return (port >= 0x40 && port <= 0x43) || port == PIT_PORT_SPEAKER;
}

bool irqchip_pio(struct vmxlab_vcpu *vcpu, u16 port, unsigned int len,
		 bool write, u32 *value)
{
	struct vm_irqchip *chip = vcpu->vm->irqchip;
	struct pit *pit;

	if (!chip || chip->split || len != 1)
		return false;
	if (is_pic_port(port)) {
		if (write)
			pic_io_write(&chip->pic, port, *value);
		else
			*value = pic_io_read(&chip->pic, port);
		return true;
	}
	pit = smp_load_acquire(&chip->pit);
	if (pit && is_pit_port(port)) {
		if (write)
			pit_io_write(pit, port, *value);
		else
			*value = pit_io_read(pit, port);
		return true;
	}
	return false;
}

int irqchip_rdmsr(struct vmxlab_vcpu *vcpu, u32 msr, u64 *data, bool *handled)
{
	*handled = vcpu->lapic &&
		   (msr == LAPIC_MSR_APIC_BASE || msr == LAPIC_MSR_TSC_DEADLINE ||
		    (msr >= LAPIC_MSR_X2APIC_FIRST &&
		     msr <= LAPIC_MSR_X2APIC_LAST));
	if (!*handled)
		return 0;
	return lapic_rdmsr(vcpu->lapic, msr, data) < 0 ? -EINVAL : 0;
}

int irqchip_wrmsr(struct vmxlab_vcpu *vcpu, u32 msr, u64 data, bool host,
		  bool *handled)
{
	*handled = vcpu->lapic &&
		   (msr == LAPIC_MSR_APIC_BASE || msr == LAPIC_MSR_TSC_DEADLINE ||
		    (msr >= LAPIC_MSR_X2APIC_FIRST &&
		     msr <= LAPIC_MSR_X2APIC_LAST));
	if (!*handled)
		return 0;
	if (msr == LAPIC_MSR_APIC_BASE)
		return irqchip_set_apic_base(vcpu, data, host);
	return lapic_wrmsr(vcpu->lapic, msr, data) < 0 ? -EINVAL : 0;
}

/* IA32_APIC_BASE, from WRMSR or from KVM_SET_SREGS/MSRS (host). */
int irqchip_set_apic_base(struct vmxlab_vcpu *vcpu, u64 base, bool host)
{
	if (!vcpu->lapic) {
		if (base & ~(0xffffff000ULL | BIT(8) | BIT(10) | BIT(11)))
			return -EINVAL;
		vcpu->apic_base = base;
		return 0;
	}
	if (lapic_set_base(vcpu->lapic, base, host) < 0)
		return -EINVAL;
	vcpu->apic_base = lapic_get_base(vcpu->lapic);
	return 0;
}

u64 irqchip_get_cr8(struct vmxlab_vcpu *vcpu)
{
	if (!vcpu->lapic)
		return vcpu->cr8;
	return lapic_get_tpr(vcpu->lapic) >> 4;
}

void irqchip_set_cr8(struct vmxlab_vcpu *vcpu, u64 cr8)
{
	vcpu->cr8 = cr8;
	if (vcpu->lapic)
		lapic_set_tpr(vcpu->lapic, cr8 << 4);
}

/* ---- before each entry ---- */

static void vcpu_take_sipi(struct vmxlab_vcpu *vcpu)
{
	u8 vector;

	if (vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED &&
	    lapic_take_sipi(vcpu->lapic, &vector)) {
		vmx_vcpu_sipi(vcpu, vector);
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	}
}

static void vcpu_take_init(struct vmxlab_vcpu *vcpu)
{
	if (!lapic_take_init(vcpu->lapic))
		return;
	vmx_vcpu_reset(vcpu);
	lapic_reset(vcpu->lapic, true);
	vcpu->mp_state = KVM_MP_STATE_INIT_RECEIVED;
}

/* A vector the guest should take now, from the LAPIC or the PIC. */
static int vcpu_next_vector(struct vmxlab_vcpu *vcpu)
{
	struct vm_irqchip *chip = vcpu->vm->irqchip;

	if (vcpu->user_irq_pending)
		return vcpu->user_irq;
	if (!vcpu->lapic)
		return -1;
	if (!chip->split && lapic_extint_pending(vcpu->lapic))
		return 256;	/* ask the PIC at acknowledge time */
	return lapic_pending_vector(vcpu->lapic);
}

static void vcpu_ack_vector(struct vmxlab_vcpu *vcpu, int vector)
{
	if (vcpu->user_irq_pending) {
		vcpu->user_irq_pending = false;
		vmx_inject_irq(vcpu, vector);
	} else if (vector == 256) {
		vmx_inject_irq(vcpu, pic_read_irq(&vcpu->vm->irqchip->pic));
	} else {
		lapic_ack_vector(vcpu->lapic, vector);
		vmx_inject_irq(vcpu, vector);
	}
}

static bool nmi_pending(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->user_nmi_pending)
		return true;
	if (vcpu->lapic && lapic_take_nmi(vcpu->lapic))
		vcpu->user_nmi_pending = true;
	return vcpu->user_nmi_pending;
}

static int inject_events(struct vmxlab_vcpu *vcpu)
{
	int vector;

	if (vmx_event_injection_pending())
		return 1;
	if (nmi_pending(vcpu)) {
		if (vmx_nmi_allowed()) {
			vcpu->user_nmi_pending = false;
			vmx_inject_nmi(vcpu);
			return 1;
		}
		vmx_request_nmi_window(true);
	}
	vector = vcpu_next_vector(vcpu);
	if (vector < 0)
		return 1;
	if (vmx_interrupt_allowed())
		vcpu_ack_vector(vcpu, vector);
	else
		vmx_request_irq_window(true);
	return 1;
}

/*
 * The guest's TSC deadline timed by the VMX preemption timer while the
 * guest runs, instead of a host hrtimer and an IPI; off by default so
 * that the two can be compared (make bench-latency does).
 */
static bool preemption_timer;
module_param(preemption_timer, bool, 0644);
MODULE_PARM_DESC(preemption_timer,
		 "time the guest's TSC deadline with the VMX preemption timer");

static void arm_preemption_timer(struct vmxlab_vcpu *vcpu)
{
	u64 deadline, now;
	bool on = READ_ONCE(preemption_timer) && vmx_has_preemption_timer() &&
		  lapic_tsc_deadline_armed(vcpu->lapic, &deadline);

	if (on) {
		now = rdtsc() + vcpu->tsc_offset;
		if (deadline <= now) {
			lapic_tsc_deadline_due(vcpu->lapic);
			on = false;
		}
	}
	if (on)
		lapic_set_deadline_host_timed(vcpu->lapic, true);
	if (on || vcpu->preemption_timer_on)
		vmx_set_preemption_timer(on, on ? deadline - now : 0);
	vcpu->preemption_timer_on = on;
}

/* Leaving guest mode for a while: the deadline goes back to the hrtimer. */
void irqchip_vcpu_leaving(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->lapic && vcpu->lapic->deadline_host_timed)
		lapic_set_deadline_host_timed(vcpu->lapic, false);
}

void irqchip_preemption_timer_expired(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->lapic)
		lapic_tsc_deadline_due(vcpu->lapic);
}

int irqchip_prepare_entry(struct vmxlab_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	WRITE_ONCE(vcpu->event_pending, false);
	if (vcpu->lapic) {
		vcpu_take_init(vcpu);
		vcpu_take_sipi(vcpu);
		if (vcpu_is_blocked(vcpu))
			return 1;
		arm_preemption_timer(vcpu);
	}
	/* A userspace irqchip asked to hear when it may inject. */
	if (!irqchip_in_kernel(vcpu->vm) && run->request_interrupt_window &&
	    !vcpu->user_irq_pending && !vmx_event_injection_pending()) {
		if (vmx_interrupt_allowed()) {
			run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
			return 0;
		}
		vmx_request_irq_window(true);
	}
	return inject_events(vcpu);
}

bool vcpu_is_blocked(struct vmxlab_vcpu *vcpu)
{
	return vcpu->mp_state != KVM_MP_STATE_RUNNABLE;
}

/* What may end a halt: an interrupt the guest would take, NMI, INIT, SIPI. */
static bool vcpu_has_wakeup(struct vmxlab_vcpu *vcpu)
{
	struct lapic *l = vcpu->lapic;

	if (!l)
		return false;
	if (vcpu->mp_state == KVM_MP_STATE_HALTED)
		return vcpu->user_nmi_pending || l->nmi_pending ||
		       l->init_pending ||
		       ((vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF) &&
			(lapic_pending_vector(l) >= 0 ||
			 lapic_extint_pending(l)));
	return l->init_pending || l->sipi_pending;
}

/*
 * Before sleeping, a halted vCPU polls for a while, as KVM does: most
 * wake-ups (a timer due soon, an IPI) then cost no trip through the
 * scheduler and the idle loop.
 */
static unsigned int halt_poll_ns = 200000;
module_param(halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns, "ns a halted vCPU polls before sleeping");

static bool vcpu_poll_for_wakeup(struct vmxlab_vcpu *vcpu)
{
	u64 start = ktime_get_ns();

	do {
		if (READ_ONCE(vcpu->event_pending)) {
			WRITE_ONCE(vcpu->event_pending, false);
			if (vcpu_has_wakeup(vcpu))
				return true;
		}
		if (signal_pending(current))
			return false;
		cpu_relax();
	} while (!need_resched() &&
		 ktime_get_ns() - start < READ_ONCE(halt_poll_ns));
	return false;
}

int irqchip_block(struct vmxlab_vcpu *vcpu)
{
	int err;

	irqchip_vcpu_leaving(vcpu);
	if (vcpu->mp_state == KVM_MP_STATE_HALTED && halt_poll_ns &&
	    (vcpu_has_wakeup(vcpu) || vcpu_poll_for_wakeup(vcpu))) {
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		return 1;
	}
	for (;;) {
		WRITE_ONCE(vcpu->event_pending, false);
		vcpu_take_init(vcpu);
		vcpu_take_sipi(vcpu);
		if (vcpu->mp_state == KVM_MP_STATE_HALTED &&
		    vcpu_has_wakeup(vcpu)) {
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
			return 1;
		}
		if (!vcpu_is_blocked(vcpu))
			return 1;
		err = rcuwait_wait_event(&vcpu->wait,
					 READ_ONCE(vcpu->event_pending) ||
					 signal_pending(current),
					 TASK_INTERRUPTIBLE);
		if (signal_pending(current)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
	}
}

int irqchip_handle_hlt(struct vmxlab_vcpu *vcpu)
{
	vmx_skip_instruction(vcpu);
	if (!vcpu->lapic) {
		vcpu->run->exit_reason = KVM_EXIT_HLT;
		return 0;
	}
	vcpu->mp_state = KVM_MP_STATE_HALTED;
	return 1;
}

int irqchip_handle_irq_window(struct vmxlab_vcpu *vcpu)
{
	vmx_request_irq_window(false);
	if (!irqchip_in_kernel(vcpu->vm) &&
	    vcpu->run->request_interrupt_window && !vcpu->user_irq_pending) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return 0;
	}
	return 1;
}

void irqchip_eoi_exit(struct vmxlab_vcpu *vcpu, u8 vector)
{
	vcpu->pending_eoi_exit = true;
	vcpu->pending_eoi_vector = vector;
}
