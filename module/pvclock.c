// SPDX-License-Identifier: GPL-2.0
/*
 * kvmclock: the pvclock ABI behind MSR_KVM_SYSTEM_TIME(_NEW) and
 * MSR_KVM_WALL_CLOCK(_NEW), offered in the KVM CPUID leaves at 0x40000000
 * (cpuid.c). A guest writes the GPA of its vCPU's time page (bit 0
 * enables it); before the next entry the run loop writes there the
 * guest TSC and kvmclock time of one moment and the scale between them
 * (pvclock_scale.c), so that the guest can read the time without an exit.
 * The page is written again when the clock changes (KVM_SET_CLOCK). The
 * wall-clock MSR asks for the host's real time at kvmclock 0, written at
 * once. kvmclock is the host's boot time plus the VM's offset.
 *
 * As KVM by default, guests may use the MSRs whatever their CPUID says;
 * userspace saves and restores them (QEMU 7.2 asserts each write works).
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <asm/kvm_para.h>
#include <asm/pvclock-abi.h>
#include <asm/tsc.h>

#include "vmxlab.h"
#include "requests.h"
#include "run.h"
#include "pvclock_scale.h"
#include "mmu/mmu.h"

static u64 *pvclock_msr(struct vmxlab_vcpu *vcpu, u32 index)
{
	switch (index) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		return &vcpu->kvm_wall_clock;
	case MSR_KVM_SYSTEM_TIME:
	case MSR_KVM_SYSTEM_TIME_NEW:
		return &vcpu->kvm_system_time;
	default:
		return NULL;
	}
}

static u64 vm_kvmclock_ns(struct vmxlab_vm *vm)
{
	return ktime_get_boottime_ns() + READ_ONCE(vm->kvmclock_offset);
}

/*
 * The page's version is odd while its body changes: the guest retries a
 * read that saw an odd version, or a different one at the end.
 */
static void pvclock_write_version(struct vmxlab_vcpu *vcpu, u64 gpa)
{
	vcpu->pvclock_version++;
	mmu_write_gpa(vcpu->vm, gpa, &vcpu->pvclock_version,
		      sizeof(vcpu->pvclock_version));
	smp_wmb();	/* an odd version before the body, the body before even */
}

/* The vCPU's time page, if it has one; a GPA with no RAM gets nothing. */
void vcpu_pvclock_update(struct vmxlab_vcpu *vcpu)
{
	struct pvclock_vcpu_time_info info = {};
	struct pvclock_scale scale;
	u64 gpa = vcpu->kvm_system_time & ~1ULL;
	unsigned long flags;

	if (!(vcpu->kvm_system_time & 1))
		return;
	scale = pvclock_scale_for((u64)tsc_khz * 1000);
	/* One moment: no interrupt between the two clocks. */
	local_irq_save(flags);
	info.tsc_timestamp = rdtsc() + vcpu->tsc_offset;
	info.system_time = vm_kvmclock_ns(vcpu->vm);
	local_irq_restore(flags);
	info.tsc_to_system_mul = scale.mul;
	info.tsc_shift = scale.shift;
	pvclock_write_version(vcpu, gpa);
	info.version = vcpu->pvclock_version;
	mmu_write_gpa(vcpu->vm, gpa, &info, sizeof(info));
	smp_wmb();	/* the body before the even version */
	pvclock_write_version(vcpu, gpa);
}

/* The host's real time when kvmclock read 0, as struct pvclock_wall_clock. */
static void pvclock_write_wall_clock(struct vmxlab_vcpu *vcpu, u64 gpa)
{
	struct pvclock_wall_clock wc = {};
	u64 boot = ktime_get_real_ns() - vm_kvmclock_ns(vcpu->vm);
	u32 nsec, version = 0;

	/* The guest's version counter: KVM bumps what is there by two. */
	if (mmu_read_gpa(vcpu->vm, gpa, &version, sizeof(version)))
		return;
	version = (version + 1) | 1;
	mmu_write_gpa(vcpu->vm, gpa, &version, sizeof(version));
	smp_wmb();	/* the odd version before the body */
	wc.sec = div_u64_rem(boot, NSEC_PER_SEC, &nsec);
	wc.nsec = nsec;
	wc.version = version;
	mmu_write_gpa(vcpu->vm, gpa, &wc, sizeof(wc));
	smp_wmb();	/* the body before the even version */
	version++;
	mmu_write_gpa(vcpu->vm, gpa, &version, sizeof(version));
}

/* Returns true if @index is a kvmclock MSR; *err is then 0. */
bool vcpu_pvclock_get_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 *data,
			  bool host, int *err)
{
	u64 *msr = pvclock_msr(vcpu, index);

	if (!msr)
		return false;
	*err = 0;
	*data = *msr;
	return true;
}

bool vcpu_pvclock_set_msr(struct vmxlab_vcpu *vcpu, u32 index, u64 data,
			  bool host, int *err)
{
	u64 *msr = pvclock_msr(vcpu, index);

	if (!msr)
		return false;
	*err = 0;
	*msr = data;
	if (msr == &vcpu->kvm_wall_clock && data)
		pvclock_write_wall_clock(vcpu, data);
	else if (data & 1)
		vcpu_make_request(vcpu, VCPU_REQ_CLOCK_UPDATE);
	return true;
}

/* KVM_SET_CLOCK moved kvmclock: every vCPU's page says so again. */
void vm_pvclock_changed(struct vmxlab_vm *vm)
{
	struct vmxlab_vcpu *vcpu;
	int i;

	mutex_lock(&vm->lock);
	for (i = 0; i < VMXLAB_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu)
			continue;
		vcpu_make_request(vcpu, VCPU_REQ_CLOCK_UPDATE);
		vcpu_kick(vcpu);
	}
	mutex_unlock(&vm->lock);
}
