// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop of KVM_RUN, above the engine: what happens between two
 * guest entries. It takes pending requests, delivers INIT and SIPI,
 * injects the NMI or interrupt that is due (from the in-kernel LAPIC,
 * the PIC, or KVM_INTERRUPT), asks for interrupt windows, lets a halted
 * vCPU poll and then sleep until something wakes it, returns to
 * userspace on signals, and otherwise has the engine (module/vmx/) enter
 * the guest once and dispatch the exit.
 *
 * The path of a timer interrupt: the LAPIC's hrtimer fires in hard IRQ
 * context, lapic.c sets IRR and calls irq_host_kick_vcpu(), which makes a
 * VCPU_REQ_EVENT request and wakes the vCPU if halted or IPIs its CPU if
 * it is in the guest; the next vcpu_prepare_entry() injects the vector.
 * No userspace involved.
 */
#define pr_fmt(fmt) "vmxlab: " fmt

#include <linux/kvm.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/rcuwait.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/smp.h>
#include <asm/msr.h>

#include "vmxlab.h"
#include "compat.h"
#include "requests.h"
#include "run.h"
#include "irq/kernel/irqchip.h"
#include "irq/lapic.h"

/* ---------------------------------------------------------------- kicks */

/*
 * Something became due for @vcpu. The barrier pairs with the one the
 * entry path executes after setting mode = VCPU_IN_GUEST (vmx/run.c):
 * either the entry sees the request and does not enter, or we see it in
 * the guest and send an IPI, which forces an exit.
 */
void vcpu_kick(struct vmxlab_vcpu *vcpu)
{
	int cpu;

	vcpu_make_request(vcpu, VCPU_REQ_EVENT);
	/* Pairs with the smp_mb() after mode = VCPU_IN_GUEST in entry.c. */
	smp_mb__after_atomic();
	if (READ_ONCE(vcpu->mode) == VCPU_IN_GUEST) {
		cpu = READ_ONCE(vcpu->vmx.cpu);
		if (cpu >= 0 && cpu != raw_smp_processor_id())
			smp_send_reschedule(cpu);
	}
	rcuwait_wake_up(&vcpu->wait);
}

/* Split irqchip: tell userspace of an EOI of a level vector it routes. */
void vcpu_eoi_exit(struct vmxlab_vcpu *vcpu, u8 vector)
{
	vcpu->eoi_exit_vector = vector;
	vcpu_make_request(vcpu, VCPU_REQ_EOI_EXIT);
}

/* ---------------------------------------------------------------- INIT, SIPI */

bool vcpu_is_blocked(struct vmxlab_vcpu *vcpu)
{
	return vcpu->mp_state != KVM_MP_STATE_RUNNABLE;
}

static void vcpu_take_init(struct vmxlab_vcpu *vcpu)
{
	if (!lapic_take_init(vcpu->lapic))
		return;
	vmx_vcpu_reset(vcpu);
	lapic_reset(vcpu->lapic, true);
	vcpu->mp_state = KVM_MP_STATE_INIT_RECEIVED;
}

static void vcpu_take_sipi(struct vmxlab_vcpu *vcpu)
{
	u8 vector;

	if (vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED &&
	    lapic_take_sipi(vcpu->lapic, &vector)) {
		vmx_vcpu_sipi(vcpu, vector);
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	}
}

/* ---------------------------------------------------------------- injection */

#define VECTOR_FROM_PIC	256

/*
 * The PIC is in userspace (no in-kernel irqchip, or the split one) and
 * brings its vectors with KVM_INTERRUPT. As KVM: with an in-kernel LAPIC
 * they go in only while LINT0 takes ExtINT.
 */
static bool pic_in_userspace(struct vmxlab_vcpu *vcpu)
{
	return !irqchip_has_ioapic(vcpu->vm);
}

bool vcpu_accepts_user_pic(struct vmxlab_vcpu *vcpu)
{
	return pic_in_userspace(vcpu) &&
	       (!vcpu->lapic || lapic_accepts_extint(vcpu->lapic));
}

/* A vector the guest should take now: KVM_INTERRUPT's, the LAPIC's, the PIC's. */
static int vcpu_next_vector(struct vmxlab_vcpu *vcpu)
{
	/* Also a vector KVM_SET_VCPU_EVENTS put back as being injected. */
	if (vcpu->user_irq_pending &&
	    (!pic_in_userspace(vcpu) || vcpu_accepts_user_pic(vcpu)))
		return vcpu->user_irq;
	if (!vcpu->lapic)
		return -1;
	if (irqchip_has_ioapic(vcpu->vm) && lapic_extint_pending(vcpu->lapic))
		return VECTOR_FROM_PIC;	/* the PIC says which at acknowledge */
	return lapic_pending_vector(vcpu->lapic);
}

static void vcpu_ack_vector(struct vmxlab_vcpu *vcpu, int vector)
{
	if (vcpu->user_irq_pending) {
		vcpu->user_irq_pending = false;
		vmx_inject_irq(vcpu, vector);
	} else if (vector == VECTOR_FROM_PIC) {
		vmx_inject_irq(vcpu, irqchip_pic_acknowledge(vcpu->vm));
	} else {
		lapic_ack_vector(vcpu->lapic, vector);
		vmx_inject_irq(vcpu, vector);
	}
}

static bool vcpu_nmi_due(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->lapic && lapic_take_nmi(vcpu->lapic))
		vcpu->nmi_pending = true;
	return vcpu->nmi_pending;
}

/* One event per entry, NMI first; a window exit when it must wait. */
static void inject_events(struct vmxlab_vcpu *vcpu)
{
	int vector;

	if (vmx_event_injection_pending())
		return;
	if (vcpu_nmi_due(vcpu)) {
		if (vmx_nmi_allowed()) {
			vcpu->nmi_pending = false;
			vmx_inject_nmi(vcpu);
			return;
		}
		vmx_request_nmi_window(true);
	}
	vector = vcpu_next_vector(vcpu);
	if (vector < 0)
		return;
	if (vmx_interrupt_allowed())
		vcpu_ack_vector(vcpu, vector);
	else
		vmx_request_irq_window(true);
}

/* ---------------------------------------------------------------- TSC deadline */

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
	u64 deadline, now = 0;
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

/*
 * Leaving guest mode for a while (to sleep, or to userspace): the
 * deadline goes back to the hrtimer. Not on preemption: that runs under
 * the runqueue lock, and a preempted vCPU re-checks before it enters.
 */
void vcpu_deadline_to_host_timer(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->lapic && vcpu->lapic->deadline_host_timed)
		lapic_set_deadline_host_timed(vcpu->lapic, false);
}

void vcpu_deadline_due(struct vmxlab_vcpu *vcpu)
{
	if (vcpu->lapic)
		lapic_tsc_deadline_due(vcpu->lapic);
}

/* ---------------------------------------------------------------- before entry */

static int vcpu_report_eoi_exit(struct vmxlab_vcpu *vcpu)
{
	vcpu->run->exit_reason = KVM_EXIT_IOAPIC_EOI;
	vcpu->run->eoi.vector = vcpu->eoi_exit_vector;
	return EXIT_TO_USERSPACE;
}

/* A userspace irqchip asked to hear when it may inject. */
static bool user_window_open(struct vmxlab_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (!vcpu_accepts_user_pic(vcpu) || !run->request_interrupt_window ||
	    vcpu->user_irq_pending || vmx_event_injection_pending())
		return false;
	if (vmx_interrupt_allowed())
		return true;
	vmx_request_irq_window(true);
	return false;
}

/*
 * Every request is taken here: one left set would cancel the entry
 * (vmx_enter_exit() refuses to enter with requests pending) for ever.
 */
static int vcpu_prepare_entry(struct vmxlab_vcpu *vcpu)
{
	vcpu_check_request(vcpu, VCPU_REQ_EVENT);
	if (vcpu_check_request(vcpu, VCPU_REQ_NMI))
		vcpu->nmi_pending = true;
	if (vcpu_check_request(vcpu, VCPU_REQ_CLOCK_UPDATE))
		vcpu_pvclock_update(vcpu);
	if (vcpu_check_request(vcpu, VCPU_REQ_MSR_FILTER))
		vmx_init_msr_bitmap(vcpu);
	if (vcpu_check_request(vcpu, VCPU_REQ_EOI_EXIT))
		return vcpu_report_eoi_exit(vcpu);
	if (vcpu->lapic) {
		vcpu_take_init(vcpu);
		vcpu_take_sipi(vcpu);
		if (vcpu_is_blocked(vcpu))
			return RESUME_GUEST;
		arm_preemption_timer(vcpu);
	}
	if (user_window_open(vcpu)) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return EXIT_TO_USERSPACE;
	}
	inject_events(vcpu);
	return RESUME_GUEST;
}

/* ---------------------------------------------------------------- halting */

/* What may end a halt: an interrupt the guest would take, NMI, INIT, SIPI. */
static bool vcpu_has_wakeup(struct vmxlab_vcpu *vcpu)
{
	struct lapic *l = vcpu->lapic;

	if (!l)
		return false;
	if (vcpu->mp_state == KVM_MP_STATE_HALTED)
		return vcpu->nmi_pending || vcpu_test_request(vcpu, VCPU_REQ_NMI) ||
		       l->nmi_pending || l->init_pending ||
		       (vmx_guest_interrupts_enabled() &&
			(lapic_pending_vector(l) >= 0 ||
			 lapic_extint_pending(l) ||
			 (vcpu->user_irq_pending &&
			  vcpu_accepts_user_pic(vcpu))));
	return l->init_pending || l->sipi_pending;
}

/*
 * Before sleeping, a halted vCPU polls for a while, as KVM does: most
 * wake-ups (a timer due soon, an IPI) then cost no trip through the
 * scheduler and the idle loop. As KVM, it stops as soon as another task
 * could use the CPU.
 */
static unsigned int halt_poll_ns = 200000;
module_param(halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns, "ns a halted vCPU polls before sleeping");

static bool vcpu_poll_for_wakeup(struct vmxlab_vcpu *vcpu)
{
	u64 start = ktime_get_ns();

	do {
		if (vcpu_check_request(vcpu, VCPU_REQ_EVENT) &&
		    vcpu_has_wakeup(vcpu))
			return true;
		if (signal_pending(current))
			return false;
		cpu_relax();
	} while (!need_resched() && single_task_running() &&
		 ktime_get_ns() - start < READ_ONCE(halt_poll_ns));
	return false;
}

/* Halted or waiting for SIPI: poll, then sleep until something is due. */
static int vcpu_block(struct vmxlab_vcpu *vcpu)
{
	vcpu_deadline_to_host_timer(vcpu);
	if (vcpu->mp_state == KVM_MP_STATE_HALTED && halt_poll_ns &&
	    (vcpu_has_wakeup(vcpu) || vcpu_poll_for_wakeup(vcpu))) {
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		return RESUME_GUEST;
	}
	for (;;) {
		vcpu_check_request(vcpu, VCPU_REQ_EVENT);
		vcpu_take_init(vcpu);
		vcpu_take_sipi(vcpu);
		if (vcpu->mp_state == KVM_MP_STATE_HALTED &&
		    vcpu_has_wakeup(vcpu)) {
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
			return RESUME_GUEST;
		}
		if (!vcpu_is_blocked(vcpu))
			return RESUME_GUEST;
		rcuwait_wait_event(&vcpu->wait,
				   vcpu_test_request(vcpu, VCPU_REQ_EVENT) ||
				   signal_pending(current),
				   TASK_INTERRUPTIBLE);
		if (signal_pending(current)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
	}
}

/* HLT: sleep in the kernel with a LAPIC there, else userspace's. */
int vcpu_halt(struct vmxlab_vcpu *vcpu)
{
	if (!vcpu->lapic) {
		vcpu->run->exit_reason = KVM_EXIT_HLT;
		return EXIT_TO_USERSPACE;
	}
	vcpu->mp_state = KVM_MP_STATE_HALTED;
	return RESUME_GUEST;
}

/* The guest may take interrupts again: tell a userspace irqchip that asked. */
int vcpu_irq_window_open(struct vmxlab_vcpu *vcpu)
{
	if (vcpu_accepts_user_pic(vcpu) &&
	    vcpu->run->request_interrupt_window && !vcpu->user_irq_pending) {
		vcpu->run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		return EXIT_TO_USERSPACE;
	}
	return RESUME_GUEST;
}

/* ---------------------------------------------------------------- the loop */

/* Enter the guest until an exit needs userspace: 0, or -errno. */
int vcpu_run_loop(struct vmxlab_vcpu *vcpu)
{
	int ret;

	/* As KVM: a vCPU waiting for SIPI returns -EAGAIN once started. */
	if (vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED) {
		ret = vcpu_block(vcpu);
		return ret < 0 ? ret : -EAGAIN;
	}
	for (;;) {
		if (signal_pending(current)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			return -EINTR;
		}
		if (vcpu_is_blocked(vcpu)) {
			ret = vcpu_block(vcpu);
			if (ret != RESUME_GUEST)
				return ret;
			continue;
		}
		cond_resched();
		ret = vcpu_prepare_entry(vcpu);
		if (ret != RESUME_GUEST)
			return ret;
		switch (vmx_enter_exit(vcpu)) {
		case VMX_ENTRY_CANCELLED:
			continue;
		case VMX_ENTRY_FAILED:
			return vmx_report_entry_failure(vcpu);
		case VMX_EXITED:
			break;
		}
		ret = vmx_handle_exit(vcpu);
		if (ret != RESUME_GUEST)
			return ret;
	}
}
