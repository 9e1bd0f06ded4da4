/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels vmxlab is built against
 * (Debian 12's 6.1, bookworm-backports' 6.12 and 6.12-rt: `make
 * kernel-matrix`). Each difference is one small helper here, detected by
 * the feature where the kernel lets us and by version where it does not,
 * so the rest of the module is written against one API.
 */
#ifndef VMXLAB_COMPAT_H
#define VMXLAB_COMPAT_H

#include <linux/version.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/kvm.h>
#include <linux/smp.h>
#include <asm/msr-index.h>

/* 6.8 dropped eventfd_signal()'s count argument: it always adds 1. */
static inline void vmxlab_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* 6.12 made struct fd opaque; fd_file() is how its file is read now. */
#ifndef fd_file
#define fd_file(f) ((f).file)
#endif

/*
 * 6.10 renamed kvm_run.immediate_exit for kernel code (it is
 * user-writable at any time, so it must be read once): the uapi header
 * wraps the name in HINT_UNSAFE_IN_KVM() since then.
 */
#ifdef HINT_UNSAFE_IN_KVM
#define vmxlab_run_immediate_exit(run) READ_ONCE((run)->immediate_exit__unsafe)
#else
#define vmxlab_run_immediate_exit(run) READ_ONCE((run)->immediate_exit)
#endif

/*
 * Since 6.5 smp_send_reschedule() is a macro that also fires the
 * ipi_send_cpu tracepoint, whose declaration it leaves to the caller.
 */
#ifdef smp_send_reschedule
#include <trace/events/ipi.h>
#endif

/*
 * Since 6.12 kvm_intel turns VMX on when it loads (kvm's parameter
 * enable_virt_at_load, default on), not only while it has VMs.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define VMXLAB_KVM_BUSY_HINT \
	"rmmod kvm_intel, or load kvm with enable_virt_at_load=0"
#else
#define VMXLAB_KVM_BUSY_HINT "close its VMs or rmmod kvm_intel"
#endif

/*
 * 6.12 renamed the preemption-timer rate field of IA32_VMX_MISC (bits
 * 4:0, SDM Vol. 3 A.6) to VMX_MISC_PREEMPTION_TIMER_RATE_MASK.
 */
#ifndef MSR_IA32_VMX_MISC_PREEMPTION_TIMER_SCALE
#define MSR_IA32_VMX_MISC_PREEMPTION_TIMER_SCALE 0x1fULL
#endif

#endif /* VMXLAB_COMPAT_H */
