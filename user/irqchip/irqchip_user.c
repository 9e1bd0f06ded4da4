// SPDX-License-Identifier: GPL-2.0
/*
 * --irqchip user: every interrupt controller in the launcher, the same
 * portable models the module runs in the kernel (module/irq/): LAPICs on
 * an APIC bus, the IOAPIC, the PIC pair (its output on the BSP's LINT0),
 * GSI routing and the PIT. The LAPIC page at 0xfee00000 and the IOAPIC at
 * 0xfec00000 are MMIO exits handled here; interrupts are injected with
 * KVM_INTERRUPT when KVM says the vCPU can take one (interrupt window).
 * x2APIC is not offered: its MSRs cannot be trapped to userspace here.
 * The TSC-deadline timer is, when asked for (opts->user_tsc_deadline) and
 * the device can send guest MSR accesses to userspace: a filter denies
 * IA32_TSC_DEADLINE to the device, whose exits land here; the deadline,
 * a guest TSC value, is the vCPU's TSC offset away from the host's.
 *
 * APs wait in the launcher for INIT/SIPI, then start in real mode at the
 * SIPI vector. A halted vCPU (KVM_EXIT_HLT) sleeps here until its LAPIC
 * has something for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "irqchip/ioapic_pic.h"
#include "irqchip/irqchip.h"
#include "irqchip/irq_user.h"
#include "vm.h"

#include "irq/irq_route.h"
#include "irq/lapic.h"

struct user_chip {
	struct ioapic_pic ip;
	struct irq_route route;
	struct vm *vm;
	bool tsc_deadline;	/* IA32_TSC_DEADLINE exits to us */
};

struct user_vcpu {
	struct lapic lapic;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool kicked;
	bool started;
	uint32_t tsc_khz;
	_Atomic uint64_t tsc_offset;	/* guest TSC = host TSC + this */
};

static struct user_chip *user_chip(struct vm *vm)
{
	return vm->irqchip->priv;
}

static struct user_vcpu *uvcpu(struct vcpu *vcpu)
{
	return vcpu->irq;
}

void irq_user_kick_vcpu(void *opaque)
{
	struct vcpu *vcpu = opaque;
	struct user_vcpu *uv = uvcpu(vcpu);

	pthread_mutex_lock(&uv->lock);
	uv->kicked = true;
	pthread_cond_broadcast(&uv->wake);
	pthread_mutex_unlock(&uv->lock);
	vcpu_kick(vcpu);
}

uint32_t irq_user_tsc_khz(void *opaque)
{
	struct vcpu *vcpu = opaque;

	return uvcpu(vcpu)->tsc_khz;
}

uint64_t irq_user_guest_tsc(void *opaque, uint64_t host_tsc)
{
	struct vcpu *vcpu = opaque;

	return vcpu && uvcpu(vcpu) ? host_tsc + uvcpu(vcpu)->tsc_offset :
				     host_tsc;
}

/* KVM_VCPU_TSC_OFFSET, read again at each arming: the guest may move it. */
static void user_read_tsc_offset(struct vcpu *vcpu)
{
	uint64_t offset;
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uintptr_t)&offset,
	};

	if (!ioctl(vcpu->fd, KVM_GET_DEVICE_ATTR, &attr))
		uvcpu(vcpu)->tsc_offset = offset;
}

/* IA32_TSC_DEADLINE to userspace: the exit reason, then a filter. */
static int user_trap_tsc_deadline(struct vm *vm, struct errbuf *err)
{
	static uint8_t deny;
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	struct kvm_msr_filter filter = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges[0] = {
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.nmsrs = 1, .base = LAPIC_MSR_TSC_DEADLINE,
			.bitmap = &deny,
		},
	};

	if (ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0 ||
	    ioctl(vm->fd, KVM_ENABLE_CAP, &cap) ||
	    ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &filter))
		return errbuf_set(err, "the launcher's LAPIC needs guest MSR exits for its TSC-deadline timer (KVM_CAP_X86_USER_SPACE_MSR, KVM_X86_SET_MSR_FILTER): %s",
				  strerror(errno ? errno : ENOTTY));
	user_chip(vm)->tsc_deadline = true;
	return 0;
}

static bool user_tsc_deadline_msr(struct vm *vm)
{
	return user_chip(vm)->tsc_deadline;
}

/* A guest RDMSR/WRMSR the filter sent here: only IA32_TSC_DEADLINE. */
static void user_msr_exit(struct vcpu *vcpu, bool write)
{
	struct user_vcpu *uv = uvcpu(vcpu);
	struct kvm_run *run = vcpu->run;
	uint64_t data = 0;
	int rc = -1;

	if (run->msr.index == LAPIC_MSR_TSC_DEADLINE) {
		user_read_tsc_offset(vcpu);
		rc = write ? lapic_wrmsr(&uv->lapic, run->msr.index, run->msr.data) :
			     lapic_rdmsr(&uv->lapic, run->msr.index, &data);
	}
	run->msr.error = rc ? 1 : 0;
	if (!write)
		run->msr.data = data;
}

static void lapic_io(void *opaque, uint64_t offset, uint8_t *data,
		     unsigned int len, bool is_write)
{
	struct vcpu *vcpu = vcpu_current;

	if (!vcpu) {
		io_data_put(data, len, 0);
		return;
	}
	if (is_write)
		lapic_mmio_write(&uvcpu(vcpu)->lapic, offset, len,
				 io_data_get(data, len));
	else
		io_data_put(data, len,
			    lapic_mmio_read(&uvcpu(vcpu)->lapic, offset, len));
}

/* The PIC's INTR goes to the BSP's LINT0 (virtual wire). */
static void pic_output(void *opaque, bool level)
{
	struct vm *vm = opaque;

	if (vm->nr_vcpus && vm->vcpus[0].irq)
		lapic_set_lint(&uvcpu(&vm->vcpus[0])->lapic, 0, level);
}

static int user_create(struct vm *vm, struct errbuf *err)
{
	struct user_chip *c = calloc(1, sizeof(*c));

	if (!c)
		return errbuf_set(err, "out of memory");
	c->vm = vm;
	vm->irqchip->priv = c;
	/* the LAPIC first: the I/O bus is searched in registration order */
	if (io_bus_register(&vm->bus, IO_SPACE_MMIO, LAPIC_DEFAULT_BASE, 0x1000,
			    lapic_io, vm, "lapic", err) ||
	    ioapic_pic_create(&c->ip, vm, err))
		return -1;
	pic_set_output_fn(&c->ip.pic, pic_output, vm);
	irq_route_init(&c->route, &c->ip.ioapic, &c->ip.pic, &c->ip.bus);
	return vm->opts->user_tsc_deadline ? user_trap_tsc_deadline(vm, err) : 0;
}

static int user_vcpu_init(struct vcpu *vcpu, struct errbuf *err)
{
	struct user_chip *c = user_chip(vcpu->vm);
	struct user_vcpu *uv = calloc(1, sizeof(*uv));
	int khz;

	if (!uv)
		return errbuf_set(err, "out of memory");
	pthread_mutex_init(&uv->lock, NULL);
	pthread_cond_init(&uv->wake, NULL);
	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	uv->tsc_khz = khz > 0 ? khz : 1000000;
	uv->started = vcpu->id == 0;
	vcpu->irq = uv;
	user_read_tsc_offset(vcpu);
	lapic_init(&uv->lapic, &c->ip.bus, vcpu, vcpu->id, vcpu->id == 0);
	lapic_set_x2apic_supported(&uv->lapic, false);
	if (apic_bus_add(&c->ip.bus, &uv->lapic))
		return errbuf_set(err, "vCPU %u: cannot add its LAPIC", vcpu->id);
	return 0;
}

static void user_set_line(struct vm *vm, unsigned int gsi, int level)
{
	irq_route_set_gsi(&user_chip(vm)->route, gsi, level);
}

static bool user_has_work(struct user_vcpu *uv)
{
	return lapic_pending_vector(&uv->lapic) >= 0 ||
	       lapic_extint_pending(&uv->lapic);
}

/* Sleep until kicked (something may be pending) or the run ends. */
static void user_wait(struct vcpu *vcpu, bool (*ready)(struct user_vcpu *))
{
	struct user_vcpu *uv = uvcpu(vcpu);

	pthread_mutex_lock(&uv->lock);
	while (!uv->kicked && !vm_is_stopping(vcpu->vm) && !ready(uv))
		pthread_cond_wait(&uv->wake, &uv->lock);
	uv->kicked = false;
	pthread_mutex_unlock(&uv->lock);
}

static bool user_never(struct user_vcpu *uv)
{
	return false;
}

/* An AP: wait for INIT then SIPI, then start in real mode at the vector. */
static void user_wait_for_sipi(struct vcpu *vcpu)
{
	struct user_vcpu *uv = uvcpu(vcpu);
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint8_t vector;

	while (!vm_is_stopping(vcpu->vm)) {
		lapic_take_init(&uv->lapic);
		if (lapic_take_sipi(&uv->lapic, &vector))
			break;
		user_wait(vcpu, user_never);
	}
	if (vm_is_stopping(vcpu->vm))
		return;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) == 0) {
		sregs.cs.selector = vector << 8;
		sregs.cs.base = (uint64_t)vector << 12;
		ioctl(vcpu->fd, KVM_SET_SREGS, &sregs);
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) == 0) {
		regs.rip = 0;
		ioctl(vcpu->fd, KVM_SET_REGS, &regs);
	}
	uv->started = true;
}

static void user_pre_run(struct vcpu *vcpu)
{
	struct user_vcpu *uv = uvcpu(vcpu);
	struct kvm_run *run = vcpu->run;
	struct kvm_interrupt irq;
	int vector = -1;

	if (!uv->started)
		user_wait_for_sipi(vcpu);
	if (lapic_take_nmi(&uv->lapic))
		ioctl(vcpu->fd, KVM_NMI, 0);

	if (run->ready_for_interrupt_injection && run->if_flag) {
		if (lapic_extint_pending(&uv->lapic))
			vector = pic_read_irq(&user_chip(vcpu->vm)->ip.pic);
		else
			vector = lapic_pending_vector(&uv->lapic);
		if (vector >= 0) {
			irq.irq = vector;
			if (ioctl(vcpu->fd, KVM_INTERRUPT, &irq) == 0 &&
			    !lapic_extint_pending(&uv->lapic))
				lapic_ack_vector(&uv->lapic, vector);
		}
	}
	run->request_interrupt_window = user_has_work(uv);
}

static bool user_handle_exit(struct vcpu *vcpu)
{
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return true;
	case KVM_EXIT_HLT:
		user_wait(vcpu, user_has_work);
		return true;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		user_msr_exit(vcpu, vcpu->run->exit_reason == KVM_EXIT_X86_WRMSR);
		return true;
	}
	return false;
}

static void user_wake(struct vcpu *vcpu)
{
	struct user_vcpu *uv = uvcpu(vcpu);

	if (!uv)
		return;
	pthread_mutex_lock(&uv->lock);
	uv->kicked = true;
	pthread_cond_broadcast(&uv->wake);
	pthread_mutex_unlock(&uv->lock);
}

const struct irqchip_ops irqchip_user_ops = {
	.name = "user",
	.create = user_create,
	.vcpu_init = user_vcpu_init,
	.set_line = user_set_line,
	.pre_run = user_pre_run,
	.handle_exit = user_handle_exit,
	.wake = user_wake,
	.lapic_in_kernel = false,
	.tsc_deadline_msr = user_tsc_deadline_msr,
};
