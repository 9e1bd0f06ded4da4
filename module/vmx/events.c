// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_VCPU_EVENTS: the events a vCPU has in flight (an exception
 * or interrupt being injected, NMI pending or blocked, the STI/MOV SS
 * shadow), so that a VMM can save a vCPU mid-flight and restore it, here
 * or on KVM. The VMCS holds what is being injected and the
 * interruptibility state; vmxlab holds what is still queued. No SMM, no
 * exception payloads: those fields are 0 and setting them is -EINVAL.
 */
#include <linux/kvm.h>
#include <asm/irq_vectors.h>
#include <asm/vmx.h>

#include "../vmxlab.h"
#include "../requests.h"
#include "vmx_ops.h"

#define EVENTS_VALID_FLAGS	(KVM_VCPUEVENT_VALID_NMI_PENDING |	\
				 KVM_VCPUEVENT_VALID_SIPI_VECTOR |	\
				 KVM_VCPUEVENT_VALID_SHADOW |		\
				 KVM_VCPUEVENT_VALID_SMM)
#define SHADOW_BITS		(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

static void get_injection(struct kvm_vcpu_events *ev)
{
	u32 info = vmcs_read32(VM_ENTRY_INTR_INFO_FIELD);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;
	u8 vector = info & INTR_INFO_VECTOR_MASK;

	if (!(info & INTR_INFO_VALID_MASK))
		return;
	switch (type) {
	case INTR_TYPE_HARD_EXCEPTION:
	case INTR_TYPE_SOFT_EXCEPTION:
		ev->exception.injected = 1;
		ev->exception.nr = vector;
		ev->exception.has_error_code =
			!!(info & INTR_INFO_DELIVER_CODE_MASK);
		ev->exception.error_code =
			vmcs_read32(VM_ENTRY_EXCEPTION_ERROR_CODE);
		break;
	case INTR_TYPE_NMI_INTR:
		ev->nmi.injected = 1;
		break;
	default:
		ev->interrupt.injected = 1;
		ev->interrupt.nr = vector;
		ev->interrupt.soft = type == INTR_TYPE_SOFT_INTR;
		break;
	}
}

void vmx_get_vcpu_events(struct vmxlab_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	memset(ev, 0, sizeof(*ev));
	get_injection(ev);
	/* A KVM_INTERRUPT vector not yet in the VMCS: KVM calls it injected. */
	if (!ev->interrupt.injected && vcpu->user_irq_pending) {
		ev->interrupt.injected = 1;
		ev->interrupt.nr = vcpu->user_irq;
	}
	ev->interrupt.shadow = intr & SHADOW_BITS;
	ev->nmi.pending = vcpu->nmi_pending ||
			  vcpu_test_request(vcpu, VCPU_REQ_NMI);
	ev->nmi.masked = !!(intr & GUEST_INTR_STATE_NMI);
	ev->sipi_vector = vcpu->sipi_vector;
	ev->flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
}

/* As KVM: which events may be set at all. */
static bool events_valid(const struct kvm_vcpu_events *ev)
{
	if (ev->flags & ~EVENTS_VALID_FLAGS)
		return false;
	if ((ev->exception.injected || ev->exception.pending) &&
	    (ev->exception.nr > 31 || ev->exception.nr == NMI_VECTOR))
		return false;
	if ((ev->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (ev->smi.smm || ev->smi.pending))
		return false;
	return true;
}

static void set_interruptibility(const struct kvm_vcpu_events *ev)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	if (ev->flags & KVM_VCPUEVENT_VALID_SHADOW)
		intr = (intr & ~SHADOW_BITS) |
		       (ev->interrupt.shadow & SHADOW_BITS);
	if (ev->nmi.masked)
		intr |= GUEST_INTR_STATE_NMI;
	else
		intr &= ~GUEST_INTR_STATE_NMI;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, intr);
}

/*
 * The VMCS injects at most one event: an exception if there is one, and
 * an interrupt waits in the KVM_INTERRUPT slot, an NMI as pending.
 */
int vmx_set_vcpu_events(struct vmxlab_vcpu *vcpu,
			const struct kvm_vcpu_events *ev)
{
	if (!events_valid(ev))
		return -EINVAL;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	if (ev->exception.injected || ev->exception.pending)
		vmx_inject_exception(vcpu, ev->exception.nr,
				     ev->exception.has_error_code,
				     ev->exception.error_code);
	vcpu->user_irq_pending = ev->interrupt.injected;
	vcpu->user_irq = ev->interrupt.nr;
	if (ev->nmi.injected)
		vcpu->nmi_pending = true;
	if (ev->flags & KVM_VCPUEVENT_VALID_NMI_PENDING)
		vcpu->nmi_pending = ev->nmi.injected || ev->nmi.pending;
	if (ev->flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR)
		vcpu->sipi_vector = ev->sipi_vector;
	set_interruptibility(ev);
	vcpu_make_request(vcpu, VCPU_REQ_EVENT);
	return 0;
}
