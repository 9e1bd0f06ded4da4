// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt controllers, run against /dev/vmxlab and /dev/kvm with the
 * same expectations: the in-kernel LAPIC (self-IPI, TPR masking, NMI, the
 * timer in one-shot, periodic and TSC-deadline modes, HLT woken by the
 * timer), the IOAPIC driven by KVM_IRQ_LINE (edge and level), the split
 * irqchip's EOI exits, userspace injection with KVM_INTERRUPT and
 * interrupt windows, IPIs between two vCPUs and INIT/SIPI bring-up.
 *
 * Guest handlers are small assembly stubs patched into the library's IDT.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"
#include "apic.h"

#define VEC_IPI		0x40
#define VEC_TIMER	0x41
#define VEC_IOAPIC	0x45
#define VEC_LEVEL	0x46
#define VEC_USER	0x47
#define SPIN_LIMIT	2000000

static void spin_until(volatile uint64_t *counter, uint64_t value)
{
	uint64_t i;

	for (i = 0; i < SPIN_LIMIT && *counter < value; i++)
		asm volatile("pause");
}

static void guest_self_ipi(void)
{
	apic_enable();
	asm volatile("sti");
	apic_write(APIC_ICR, VEC_IPI | ICR_SELF);
	spin_until(&isr_count, 1);
	GUEST_ASSERT_EQ(isr_count, 1);
	GUEST_DONE();
}

static void guest_tpr_masks(void)
{
	uint64_t i;

	apic_enable();
	apic_write(APIC_TPR, 0x50);
	asm volatile("sti");
	apic_write(APIC_ICR, VEC_IPI | ICR_SELF);	/* class 4 < 5 */
	for (i = 0; i < 1000; i++)
		asm volatile("pause");
	GUEST_ASSERT_EQ(isr_count, 0);
	apic_write(APIC_TPR, 0x30);
	spin_until(&isr_count, 1);
	GUEST_ASSERT_EQ(isr_count, 1);
	GUEST_DONE();
}

static void guest_self_nmi(void)
{
	apic_enable();
	apic_write(APIC_ICR2, 0);
	apic_write(APIC_ICR, ICR_NMI);
	spin_until(&nmi_count, 1);
	GUEST_ASSERT_EQ(nmi_count, 1);
	GUEST_DONE();
}

static void guest_timer_oneshot(void)
{
	apic_enable();
	apic_write(APIC_TDCR, 0xb);		/* divide by 1 */
	apic_write(APIC_LVTT, VEC_TIMER);
	apic_write(APIC_TMICT, 20000);
	while (!isr_count)
		sti_hlt();
	GUEST_ASSERT_EQ(isr_count, 1);
	GUEST_ASSERT_EQ(apic_read(APIC_TMCCT), 0);
	GUEST_DONE();
}

static void guest_timer_periodic(void)
{
	apic_enable();
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_LVTT, VEC_TIMER | LVT_PERIODIC);
	apic_write(APIC_TMICT, 400000);
	while (isr_count < 3)
		sti_hlt();
	apic_write(APIC_LVTT, VEC_TIMER | LVT_MASKED);
	GUEST_ASSERT(isr_count >= 3);
	GUEST_DONE();
}

static void guest_tsc_deadline(void)
{
	uint64_t deadline;

	apic_enable();
	apic_write(APIC_LVTT, VEC_TIMER | LVT_TSC_DEADLINE);
	deadline = guest_rdtsc() + 50000;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	while (!isr_count)
		sti_hlt();
	GUEST_ASSERT(isr_tsc >= deadline);
	/* Writing 0 disarms; a deadline in the past fires at once. */
	wrmsr(MSR_TSC_DEADLINE, guest_rdtsc() + 1000000000ULL);
	wrmsr(MSR_TSC_DEADLINE, 0);
	wrmsr(MSR_TSC_DEADLINE, 1);
	while (isr_count < 2)
		sti_hlt();
	GUEST_ASSERT_EQ(isr_count, 2);
	GUEST_DONE();
}

FIXTURE(irq) {
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
};

FIXTURE_VARIANT(irq) {
	const char *path;
};

FIXTURE_VARIANT_ADD(irq, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(irq, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(irq)
{
}

FIXTURE_TEARDOWN(irq)
{
	vm_free(self->vm);
}

/* A VM with the full in-kernel irqchip and vCPU 0 running @fn. */
static struct vcpu *irq_vm(struct __test_metadata *_metadata, struct vm **vm,
			   const char *path, void *fn)
{
	struct vcpu *vcpu;

	*vm = vm_create(path);
	ASSERT_EQ(0, ioctl((*vm)->fd, KVM_CREATE_IRQCHIP, 0))
		TH_LOG("KVM_CREATE_IRQCHIP: %s", strerror(errno));
	vcpu = vm_add_vcpu(*vm, 0, fn);
	set_idt_handler(*vm, VEC_IPI, isr_apic_stub);
	set_idt_handler(*vm, VEC_TIMER, isr_apic_stub);
	set_idt_handler(*vm, VEC_IOAPIC, isr_apic_stub);
	set_idt_handler(*vm, 2, isr_nmi_stub);
	return vcpu;
}

TEST_F(irq, self_ipi)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_self_ipi);
	RUN_DONE(self->vcpu);
}

TEST_F(irq, tpr_masks_lower_classes)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_tpr_masks);
	RUN_DONE(self->vcpu);
}

TEST_F(irq, self_nmi)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_self_nmi);
	RUN_DONE(self->vcpu);
}

TEST_F(irq, timer_oneshot_wakes_hlt)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_timer_oneshot);
	RUN_DONE(self->vcpu);
}

TEST_F(irq, timer_periodic)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_timer_periodic);
	RUN_DONE(self->vcpu);
}

TEST_F(irq, timer_tsc_deadline)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_tsc_deadline);
	ASSERT_EQ(1, vm_check_cap(self->vm, KVM_CAP_TSC_DEADLINE_TIMER));
	ASSERT_EQ(0, vcpu_enable_tsc_deadline(self->vcpu));
	RUN_DONE(self->vcpu);
}

/* GSIs 0-15 also reach the PIC, whose output is LINT0: mask it. */
static void pic_mask_all(void)
{
	asm volatile("outb %b0, $0x21; outb %b0, $0xa1" : : "a"(0xff));
}

#define PTIMER_PARAM	"/sys/module/vmxlab/parameters/preemption_timer"

static int write_param(const char *path, const char *value)
{
	FILE *f = fopen(path, "we");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(value, f) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

/* Count of one exit reason in vmxlab's debugfs table for vCPU 0. */
static long exit_count(const char *reason)
{
	char cmd[160], name[64];
	unsigned long long count, tsc;
	long found = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "cat /sys/kernel/debug/vmxlab/vm%d-*/vcpu0/exits", getpid());
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %llu %llu", name, &count, &tsc) == 3 ||
	       fscanf(f, "%*[^\n]\n") == 0)
		if (!strcmp(name, reason))
			found = count;
	pclose(f);
	return found;
}

/*
 * Waits in guest mode, without PAUSE, so that the timer is what exits,
 * for several deadlines in a row: one that passes while the vCPU happens
 * to be out of guest mode (a host interrupt, the thread preempted, as in
 * the 2-CPU lab) is delivered at entry without a preemption-timer exit.
 */
#define BUSY_DEADLINES	8

static void guest_tsc_deadline_busy(void)
{
	uint64_t deadline;
	int i;

	apic_enable();
	apic_write(APIC_LVTT, VEC_TIMER | LVT_TSC_DEADLINE);
	asm volatile("sti");
	for (i = 1; i <= BUSY_DEADLINES; i++) {
		deadline = guest_rdtsc() + 200000;
		wrmsr(MSR_TSC_DEADLINE, deadline);
		while (isr_count < i)
			asm volatile("" ::: "memory");
		GUEST_ASSERT(isr_tsc >= deadline);
	}
	GUEST_DONE();
}

/*
 * vmxlab's option: with preemption_timer=Y the guest's TSC deadline is
 * timed by the VMX preemption timer while the guest runs.
 */
TEST_F(irq, timer_tsc_deadline_by_preemption_timer)
{
	if (strcmp(variant->path, VMXLAB_DEV))
		SKIP(return, "a vmxlab option");
	GUEST_DEVICE_OR_SKIP(variant->path);
	ASSERT_EQ(0, write_param(PTIMER_PARAM, "Y"));
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_tsc_deadline_busy);
	ASSERT_EQ(0, vcpu_enable_tsc_deadline(self->vcpu));
	RUN_DONE(self->vcpu);
	EXPECT_LT(0, exit_count("preemption-timer"));
	write_param(PTIMER_PARAM, "N");
}

/* A deadline far enough out that the vCPU's thread is preempted first. */
static void guest_tsc_deadline_long_busy(void)
{
	uint64_t deadline;

	apic_enable();
	apic_write(APIC_LVTT, VEC_TIMER | LVT_TSC_DEADLINE);
	deadline = guest_rdtsc() + 50000000;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	asm volatile("sti");
	while (!isr_count)
		asm volatile("" ::: "memory");
	GUEST_ASSERT(isr_tsc >= deadline);
	GUEST_DONE();
}

static atomic_int hog_stop;

static void *hog_cpu(void *arg)
{
	while (!atomic_load(&hog_stop))
		;
	return NULL;
}

static long involuntary_switches(void)
{
	char line[128];
	long n = -1;
	FILE *f = fopen("/proc/thread-self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n);
	fclose(f);
	return n;
}

static void pin_thread_to(pthread_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(tid, sizeof(set), &set);
}

/*
 * The same, with another thread hogging the vCPU's CPU, so that the
 * vCPU's thread is preempted while the preemption timer times the
 * deadline: preemption only leaves the deadline where it is (no timer
 * work under the runqueue lock) and the next entry delivers it.
 */
TEST_F(irq, preemption_timer_deadline_survives_preemption)
{
	long before;
	pthread_t hog;

	if (strcmp(variant->path, VMXLAB_DEV))
		SKIP(return, "a vmxlab option");
	GUEST_DEVICE_OR_SKIP(variant->path);
	ASSERT_EQ(0, write_param(PTIMER_PARAM, "Y"));
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_tsc_deadline_long_busy);
	ASSERT_EQ(0, vcpu_enable_tsc_deadline(self->vcpu));
	pin_thread_to(pthread_self(), 0);
	atomic_store(&hog_stop, 0);
	ASSERT_EQ(0, pthread_create(&hog, NULL, hog_cpu, NULL));
	pin_thread_to(hog, 0);
	before = involuntary_switches();
	RUN_DONE(self->vcpu);
	EXPECT_LT(before, involuntary_switches())
		TH_LOG("the vCPU's thread was never preempted");
	atomic_store(&hog_stop, 1);
	pthread_join(hog, NULL);
	write_param(PTIMER_PARAM, "N");
}

static void guest_ioapic_edge(uint64_t pin)
{
	apic_enable();
	pic_mask_all();
	ioapic_write(0x11 + 2 * pin, 0);	/* destination APIC 0 */
	ioapic_write(0x10 + 2 * pin, VEC_IOAPIC);
	GUEST_SYNC(1);		/* the host pulses the line */
	while (!isr_count)
		sti_hlt();
	GUEST_SYNC(2);		/* the host checks and pulses again */
	while (isr_count < 2)
		sti_hlt();
	GUEST_DONE();
}

/* The level handler does not EOI, so the guest decides when it does. */
static void guest_ioapic_level(uint64_t pin)
{
	uint64_t i;

	apic_enable();
	pic_mask_all();
	ioapic_write(0x11 + 2 * pin, 0);
	ioapic_write(0x10 + 2 * pin, VEC_LEVEL | 1u << 15);
	GUEST_SYNC(1);		/* the host raises the line */
	while (!level_count)
		sti_hlt();
	GUEST_SYNC(2);		/* remote IRR is set */
	apic_write(APIC_EOI, 0);
	while (level_count < 2)	/* still high: delivered again */
		sti_hlt();
	GUEST_SYNC(3);		/* the host lowers the line */
	apic_write(APIC_EOI, 0);
	asm volatile("sti");
	for (i = 0; i < 1000; i++)
		asm volatile("pause");
	GUEST_ASSERT_EQ(level_count, 2);
	GUEST_DONE();
}

static void irq_line(struct __test_metadata *_metadata, struct vm *vm,
		     uint32_t gsi, int level)
{
	struct kvm_irq_level line = { .irq = gsi, .level = level };

	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQ_LINE, &line))
		TH_LOG("KVM_IRQ_LINE: %s", strerror(errno));
}

TEST_F(irq, ioapic_edge_line)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_ioapic_edge);
	vcpu_args_set(self->vcpu, 1, 5);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	irq_line(_metadata, self->vm, 5, 1);
	irq_line(_metadata, self->vm, 5, 0);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	/* One edge, one interrupt; the next edge brings the next one. */
	vm_sync_from_guest(self->vm, (void *)&isr_count, sizeof(isr_count));
	EXPECT_EQ(1U, isr_count);
	irq_line(_metadata, self->vm, 5, 1);
	irq_line(_metadata, self->vm, 5, 0);
	RUN_DONE(self->vcpu);
}

static uint64_t redirection_entry(struct __test_metadata *_metadata,
				  struct vm *vm, int pin)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };

	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip))
		TH_LOG("KVM_GET_IRQCHIP: %s", strerror(errno));
	return chip.chip.ioapic.redirtbl[pin].bits;
}

#define RTE_REMOTE_IRR	(1u << 14)

TEST_F(irq, ioapic_level_line)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_ioapic_level);
	set_idt_handler(self->vm, VEC_LEVEL, isr_level_stub);
	vcpu_args_set(self->vcpu, 1, 7);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_FALSE(redirection_entry(_metadata, self->vm, 7) &
		     RTE_REMOTE_IRR);
	irq_line(_metadata, self->vm, 7, 1);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	EXPECT_TRUE(redirection_entry(_metadata, self->vm, 7) &
		    RTE_REMOTE_IRR);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	irq_line(_metadata, self->vm, 7, 0);
	RUN_DONE(self->vcpu);
	EXPECT_FALSE(redirection_entry(_metadata, self->vm, 7) &
		     RTE_REMOTE_IRR);
}

static void guest_split_eoi(void)
{
	apic_enable();
	GUEST_SYNC(1);
	while (!isr_count)
		sti_hlt();
	GUEST_DONE();
}

TEST_F(irq, split_irqchip_eoi_exit)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 },
	};
	/* Fixed, level-triggered, asserted, to APIC 0. */
	struct kvm_msi msi = {
		.address_lo = 0xfee00000, .data = VEC_IOAPIC | 3u << 14,
	};

	struct {
		struct kvm_irq_routing hdr;
		struct kvm_irq_routing_entry e[1];
	} routes = {
		.hdr.nr = 1,
		.e[0] = {
			.gsi = 5, .type = KVM_IRQ_ROUTING_MSI,
			.u.msi = { .address_lo = 0xfee00000,
				   .data = VEC_IOAPIC | 1u << 15 },
		},
	};

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_ENABLE_CAP, &cap))
		TH_LOG("split irqchip: %s", strerror(errno));
	/* The userspace IOAPIC's pin 5, level-triggered, as a route. */
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_SET_GSI_ROUTING, &routes))
		TH_LOG("KVM_SET_GSI_ROUTING: %s", strerror(errno));
	self->vcpu = vm_add_vcpu(self->vm, 0, guest_split_eoi);
	set_idt_handler(self->vm, VEC_IOAPIC, isr_apic_stub);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	ASSERT_LT(0, ioctl(self->vm->fd, KVM_SIGNAL_MSI, &msi))
		TH_LOG("KVM_SIGNAL_MSI: %s", strerror(errno));
	RUN_EXIT(self->vcpu, KVM_EXIT_IOAPIC_EOI);
	EXPECT_EQ(VEC_IOAPIC, self->vcpu->run->eoi.vector);
	RUN_DONE(self->vcpu);
}

static void guest_user_irq(void)
{
	GUEST_SYNC(1);
	asm volatile("sti; nop; nop; cli" ::: "memory");
	GUEST_ASSERT_EQ(user_isr_count, 1);
	GUEST_DONE();
}

TEST_F(irq, userspace_injection_with_window)
{
	struct kvm_interrupt irq = { .irq = VEC_USER };

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	self->vcpu = vm_add_vcpu(self->vm, 0, guest_user_irq);
	set_idt_handler(self->vm, VEC_USER, isr_user_stub);
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	/* IF is clear here: ask to hear when it is set. */
	self->vcpu->run->request_interrupt_window = 1;
	RUN_EXIT(self->vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	EXPECT_EQ(1, self->vcpu->run->ready_for_interrupt_injection);
	EXPECT_EQ(1, self->vcpu->run->if_flag);
	self->vcpu->run->request_interrupt_window = 0;
	ASSERT_EQ(0, ioctl(self->vcpu->fd, KVM_INTERRUPT, &irq));
	RUN_DONE(self->vcpu);
}

/* Waits by exiting to the host, so that one host CPU serves both vCPUs. */
static void guest_ipi_sender(void)
{
	apic_enable();
	GUEST_SYNC(1);		/* the host starts the AP */
	while (!ap_ready)	/* its APIC must be enabled first */
		GUEST_SYNC(2);
	apic_write(APIC_ICR2, 1u << 24);
	apic_write(APIC_ICR, VEC_IPI);
	while (!ap_isr_count)
		GUEST_SYNC(3);
	GUEST_ASSERT_EQ(ap_isr_count, 1);
	GUEST_DONE();
}

static void guest_ipi_receiver(void)
{
	apic_enable();
	ap_ready = 1;
	while (!ap_isr_count)
		sti_hlt();
	GUEST_DONE();
}

struct ap_run {
	struct vcpu *vcpu;
	int result;		/* 0 when the AP reported DONE */
};

static void *run_ap(void *arg)
{
	struct ap_run *ap = arg;
	struct ucall uc;

	ap->result = -1;
	if (vcpu_run(ap->vcpu))
		return NULL;
	if (get_ucall(ap->vcpu, &uc) == UCALL_DONE)
		ap->result = 0;
	return NULL;
}

static int set_mp_state(struct vcpu *vcpu, uint32_t state)
{
	struct kvm_mp_state mp = { .mp_state = state };

	return ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
}

TEST_F(irq, ipi_between_two_vcpus)
{
	struct ap_run ap = {};
	struct vcpu *vcpu1;
	pthread_t tid;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_ipi_sender);
	vcpu1 = vm_add_vcpu(self->vm, 1, guest_ipi_receiver);
	set_idt_handler(self->vm, VEC_IPI, isr_ap_stub);
	ASSERT_EQ(0, set_mp_state(vcpu1, KVM_MP_STATE_RUNNABLE));
	ap.vcpu = vcpu1;
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	ASSERT_EQ(0, pthread_create(&tid, NULL, run_ap, &ap));
	for (;;) {
		ASSERT_EQ(0, vcpu_run(self->vcpu));
		if (get_ucall(self->vcpu, &self->uc) != UCALL_SYNC)
			break;
		usleep(1000);	/* let the AP's thread run */
	}
	ASSERT_UCALL(self->vcpu, UCALL_DONE, &self->uc);
	ASSERT_EQ(0, pthread_join(tid, NULL));
	EXPECT_EQ(0, ap.result);
}

#define AP_TRAMPOLINE	0x10000
#define AP_PORT		0x99

static void guest_init_sipi(void)
{
	apic_enable();
	apic_write(APIC_ICR2, 1u << 24);
	apic_write(APIC_ICR, ICR_INIT | ICR_ASSERT);
	apic_write(APIC_ICR2, 1u << 24);
	apic_write(APIC_ICR, ICR_SIPI | ICR_ASSERT | (AP_TRAMPOLINE >> 12));
	GUEST_DONE();
}

static void *run_ap_to_io(void *arg)
{
	struct ap_run *ap = arg;
	struct kvm_run *run = ap->vcpu->run;

	int r;

	ap->result = -1;
	do
		r = vcpu_run(ap->vcpu);	/* -EAGAIN: woken before SIPI */
	while (r == -EAGAIN);
	if (r)
		return NULL;
	if (run->exit_reason == KVM_EXIT_IO && run->io.port == AP_PORT)
		ap->result = 0;
	return NULL;
}

TEST_F(irq, init_sipi_starts_second_vcpu)
{
	/* mov $0x5a, %al; out %al, $0x99; hlt */
	static const uint8_t trampoline[] = { 0xb0, 0x5a, 0xe6, AP_PORT, 0xf4 };
	struct kvm_mp_state mp;
	struct ap_run ap = {};
	pthread_t tid;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_init_sipi);
	ap.vcpu = vcpu_create(self->vm, 1);
	ASSERT_EQ(0, ioctl(ap.vcpu->fd, KVM_GET_MP_STATE, &mp));
	EXPECT_EQ(KVM_MP_STATE_UNINITIALIZED, mp.mp_state);
	memcpy(gpa_to_hva(self->vm, AP_TRAMPOLINE), trampoline,
	       sizeof(trampoline));
	/* The AP's KVM_RUN waits in the kernel for INIT and SIPI. */
	ASSERT_EQ(0, pthread_create(&tid, NULL, run_ap_to_io, &ap));
	RUN_DONE(self->vcpu);
	ASSERT_EQ(0, pthread_join(tid, NULL));
	EXPECT_EQ(0, ap.result);
}

/* An irqfd raises its GSI when the eventfd is written: no KVM_IRQ_LINE. */
TEST_F(irq, irqfd_raises_gsi)
{
	struct kvm_irqfd irqfd = { .gsi = 5 };
	uint64_t one = 1;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_ioapic_edge);
	vcpu_args_set(self->vcpu, 1, 5);
	irqfd.fd = eventfd(0, EFD_CLOEXEC);
	ASSERT_GE(irqfd.fd, 0);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD, &irqfd))
		TH_LOG("KVM_IRQFD: %s", strerror(errno));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	ASSERT_EQ(8, write(irqfd.fd, &one, 8));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	ASSERT_EQ(8, write(irqfd.fd, &one, 8));
	RUN_DONE(self->vcpu);
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));
	close(irqfd.fd);
}

static void guest_level_resample(uint64_t pin)
{
	apic_enable();
	pic_mask_all();
	ioapic_write(0x11 + 2 * pin, 0);
	ioapic_write(0x10 + 2 * pin, VEC_LEVEL | 1u << 15);
	GUEST_SYNC(1);		/* the host signals the irqfd */
	while (!level_count)
		sti_hlt();
	apic_write(APIC_EOI, 0);
	GUEST_SYNC(2);		/* the line was lowered at the EOI */
	while (level_count < 2)
		sti_hlt();
	apic_write(APIC_EOI, 0);
	GUEST_DONE();
}

/*
 * A resampling irqfd drives a level line: held from the eventfd write
 * until the guest's EOI, which lowers it and signals the resamplefd.
 */
TEST_F(irq, irqfd_resample_level)
{
	struct kvm_irqfd irqfd = { .gsi = 7, .flags = KVM_IRQFD_FLAG_RESAMPLE };
	uint64_t one = 1, count;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vcpu = irq_vm(_metadata, &self->vm, variant->path,
			    guest_level_resample);
	set_idt_handler(self->vm, VEC_LEVEL, isr_level_stub);
	vcpu_args_set(self->vcpu, 1, 7);
	irqfd.fd = eventfd(0, EFD_CLOEXEC);
	irqfd.resamplefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD, &irqfd))
		TH_LOG("KVM_IRQFD resample: %s", strerror(errno));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	ASSERT_EQ(8, write(irqfd.fd, &one, 8));
	RUN_UCALL(self->vcpu, UCALL_SYNC, &self->uc);
	ASSERT_EQ(8, read(irqfd.resamplefd, &count, 8));
	EXPECT_EQ(1U, count);
	EXPECT_FALSE(redirection_entry(_metadata, self->vm, 7) &
		     RTE_REMOTE_IRR);
	ASSERT_EQ(8, write(irqfd.fd, &one, 8));
	RUN_DONE(self->vcpu);
	ASSERT_EQ(8, read(irqfd.resamplefd, &count, 8));
	EXPECT_EQ(1U, count);
	close(irqfd.fd);
	close(irqfd.resamplefd);
}

#define EVENT_PORT	0x710
#define EVENT_MMIO	0xd0000000UL

static void guest_ioeventfd(void)
{
	asm volatile("outb %b0, %w1" : : "a"(0x11), "Nd"(EVENT_PORT));
	asm volatile("outb %b0, %w1" : : "a"(0x22), "Nd"(EVENT_PORT));
	*(volatile uint32_t *)EVENT_MMIO = 0x12345678;
	GUEST_DONE();
}

/*
 * Writes the VMM registered with KVM_IOEVENTFD signal the eventfd instead
 * of exiting; with datamatch, only the matching value does.
 */
TEST_F(irq, ioeventfd_pio_and_mmio)
{
	struct kvm_ioeventfd pio = {
		.addr = EVENT_PORT, .len = 1, .datamatch = 0x22,
		.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	struct kvm_ioeventfd mmio = { .addr = EVENT_MMIO, .len = 4 };
	uint64_t count;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	self->vcpu = vm_add_vcpu(self->vm, 0, guest_ioeventfd);
	pio.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	mmio.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &pio))
		TH_LOG("KVM_IOEVENTFD: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &mmio));
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IOEVENTFD, &mmio));
	EXPECT_EQ(EEXIST, errno);

	/* 0x11 does not match: an ordinary exit. */
	RUN_EXIT(self->vcpu, KVM_EXIT_IO);
	EXPECT_EQ(EVENT_PORT, self->vcpu->run->io.port);
	EXPECT_EQ(-1, read(pio.fd, &count, 8));
	/* 0x22 and the MMIO write are absorbed; the guest goes on to DONE. */
	RUN_DONE(self->vcpu);
	ASSERT_EQ(8, read(pio.fd, &count, 8));
	EXPECT_EQ(1U, count);
	ASSERT_EQ(8, read(mmio.fd, &count, 8));
	EXPECT_EQ(1U, count);

	mmio.flags = KVM_IOEVENTFD_FLAG_DEASSIGN;
	EXPECT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &mmio));
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_IOEVENTFD, &mmio));
	EXPECT_EQ(ENOENT, errno);
	close(pio.fd);
	close(mmio.fd);
}

TEST_HARNESS_MAIN
