// SPDX-License-Identifier: GPL-2.0
/*
 * Races between a VM's users, on /dev/vmxlab and /dev/kvm: the VM torn
 * down while its PIT and an irqfd fire (and the module is asked to go);
 * KVM_CREATE_VCPU failing (EMFILE) while MSIs fly; the CPU under a
 * running vCPU going offline and coming back (2 CPUs); memory slots and
 * eventfds changing under a running guest; the MSR filter changing while
 * the guest reads a passthrough MSR; KVM_RUN on one vCPU from two
 * threads; SIGKILL of a process whose vCPU is in the guest or halted.
 * Nothing may crash, hang, splat or leak; on vmxlab every test ends with
 * its allocation counters back at zero. lab.sh boots the lab with
 * slub_debug, so a use-after-free tends to be seen where it happens.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define TEARDOWN_ROUNDS		30
/*
 * KVM, the reference, takes about 15 times as long per round in the
 * lab (a teardown round 14 s of real time in the 2-CPU lab, against 1 s
 * on vmxlab): it gets a tenth of the rounds, enough to hold it to the
 * same expectations.
 */
#define KVM_ROUND_SHARE		10
#define FAILED_CREATES		2000
#define HOTPLUG_CPU		1
/* A cycle costs about 50 s of real time in the 2-CPU lab. */
#define HOTPLUG_CYCLES		3
#define HOTPLUG_VCPUS		3
#define SLOT_GPA		0x40000000ULL
#define SLOT_MOVED_GPA		0x50000000ULL
#define SLOT_SIZE		0x10000ULL
#define CHURN_ROUNDS		200
#define EVENT_PORT		0x5000
#define SHARED_RUNS		200
/*
 * Two threads taking turns on one KVM vCPU cost KVM about 1.2 s of real
 * time per run in the 2-CPU lab (against milliseconds on vmxlab): KVM
 * runs a tenth of them.
 */
#define KVM_SHARED_RUN_SHARE	10

FIXTURE(race) {
	struct vm *vm;
};

FIXTURE_VARIANT(race) {
	const char *path;
};

FIXTURE_VARIANT_ADD(race, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(race, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
	vm_free(self->vm);
	if (!strcmp(variant->path, VMXLAB_DEV))
		EXPECT_VMXLAB_HOLDS_NOTHING();
}

static bool is_vmxlab(const char *path)
{
	return !strcmp(path, VMXLAB_DEV);
}

/* All of @n rounds on vmxlab, one in @share of them on KVM. */
static int rounds_share(const char *path, int n, int share)
{
	return is_vmxlab(path) ? n : (n + share - 1) / share;
}

static int rounds(const char *path, int n)
{
	return rounds_share(path, n, KVM_ROUND_SHARE);
}

/* ------------------------------------------------ teardown */

struct hammer {
	int efd;
	atomic_int stop;
	atomic_long writes;
	atomic_long unloads_refused;
	atomic_long unloads_other;
};

static void *write_eventfd(void *arg)
{
	struct hammer *h = arg;
	uint64_t one = 1;

	while (!atomic_load(&h->stop))
		if (write(h->efd, &one, sizeof(one)) == sizeof(one))
			atomic_fetch_add(&h->writes, 1);
	return NULL;
}

/* The module must refuse to go while anything of it is open. */
static void *try_unload(void *arg)
{
	struct hammer *h = arg;

	while (!atomic_load(&h->stop)) {
		if (syscall(SYS_delete_module, "vmxlab", O_NONBLOCK) &&
		    errno == EWOULDBLOCK)
			atomic_fetch_add(&h->unloads_refused, 1);
		else
			atomic_fetch_add(&h->unloads_other, 1);
		usleep(1000);
	}
	return NULL;
}

/*
 * IOAPIC pins 0, 2 and 5 unmasked, to vCPU 0, and the master PIC open
 * with IRQ5 level-triggered: with no vCPU running to acknowledge it, each
 * irqfd pulse on GSI 5 then raises and lowers the PIC's output to the
 * BSP's LINT0, so the PIC reaches for vCPU 0 on every write.
 */
static void unmask_lines(struct __test_metadata *_metadata, struct vm *vm)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	static const int pins[] = { 0, 2, 5 };
	int i;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	for (i = 0; i < 3; i++)
		chip.chip.ioapic.redirtbl[pins[i]].bits = 0x30 + i;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
	chip.chip_id = KVM_IRQCHIP_PIC_MASTER;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_IRQCHIP, &chip));
	chip.chip.pic.imr = 0;
	chip.chip.pic.irq_base = 0x20;
	chip.chip.pic.init_state = 0;
	chip.chip.pic.elcr = 1 << 5;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_IRQCHIP, &chip));
}

/* The PIT's channel 0 in rate-generator mode at its fastest. */
static void start_pit(struct __test_metadata *_metadata, struct vm *vm)
{
	struct kvm_pit_config config = {};
	struct kvm_pit_state2 pit;

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_PIT2, &config));
	ASSERT_EQ(0, ioctl(vm->fd, KVM_GET_PIT2, &pit));
	pit.channels[0].mode = 2;
	pit.channels[0].count = 2;
	pit.channels[0].gate = 1;
	pit.channels[0].rw_mode = 3;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_PIT2, &pit));
}

/* A VM whose interrupt sources fire on their own, with two vCPUs. */
static struct vm *firing_vm(struct __test_metadata *_metadata,
			    const char *path, int efd)
{
	struct kvm_irqfd irqfd = { .fd = efd, .gsi = 5 };
	struct vm *vm = vm_create(path);

	ASSERT_EQ(0, ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0));
	start_pit(_metadata, vm);
	ASSERT_EQ(0, ioctl(vm->fd, KVM_IRQFD, &irqfd));
	vm_add_vcpu(vm, 0, NULL);
	vm_add_vcpu(vm, 1, NULL);
	unmask_lines(_metadata, vm);
	return vm;
}

/* Close the VM file before the vCPU files, or after, by @vm_first. */
static void close_vm(struct vm *vm, bool vm_first)
{
	int i;

	if (vm_first) {
		close(vm->fd);
		vm->fd = -1;
	}
	for (i = 0; i < VM_MAX_VCPUS; i++) {
		if (!vm->vcpu[i])
			continue;
		munmap(vm->vcpu[i]->run, vm->run_size);
		close(vm->vcpu[i]->fd);
		free(vm->vcpu[i]);
		vm->vcpu[i] = NULL;
	}
	vm_free(vm);
}

TEST_F(race, teardown_while_pit_and_irqfd_fire)
{
	struct hammer h = {};
	pthread_t writer, unloader;
	int i, keep;

	GUEST_DEVICE_OR_SKIP(variant->path);
	/* This open file keeps the module in: unloading must be refused. */
	keep = open(variant->path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(keep, 0);
	h.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_GE(h.efd, 0);
	ASSERT_EQ(0, pthread_create(&writer, NULL, write_eventfd, &h));
	if (is_vmxlab(variant->path))
		ASSERT_EQ(0, pthread_create(&unloader, NULL, try_unload, &h));
	for (i = 0; i < rounds(variant->path, TEARDOWN_ROUNDS); i++) {
		struct vm *vm = firing_vm(_metadata, variant->path, h.efd);

		usleep(500);
		close_vm(vm, i & 1);
	}
	atomic_store(&h.stop, 1);
	pthread_join(writer, NULL);
	if (is_vmxlab(variant->path)) {
		pthread_join(unloader, NULL);
		EXPECT_EQ(0, atomic_load(&h.unloads_other));
		EXPECT_LT(0, atomic_load(&h.unloads_refused));
	}
	TH_LOG("%d VMs torn down under %ld eventfd writes", i,
	       atomic_load(&h.writes));
	close(h.efd);
	close(keep);
}

/* ------------------------------------------------ failed KVM_CREATE_VCPU */

struct msi_storm {
	int vm_fd;
	atomic_int stop;
	atomic_long sent;
};

static void *send_msis(void *arg)
{
	struct msi_storm *s = arg;
	/* Fixed vector 0x40, broadcast: every LAPIC on the bus is visited. */
	struct kvm_msi msi = { .address_lo = 0xfee00000 | (0xff << 12),
			       .data = 0x40 };

	while (!atomic_load(&s->stop))
		if (ioctl(s->vm_fd, KVM_SIGNAL_MSI, &msi) >= 0)
			atomic_fetch_add(&s->sent, 1);
	return NULL;
}

/* The lowest fd number not in use: the next one the kernel would give. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

/*
 * Thirty live vCPUs, so that each broadcast MSI visits thirty LAPICs
 * before the one of the vCPU whose creation is failing, if the bus
 * holds it: a LAPIC freed meanwhile would be used after its free.
 */
#define LIVE_VCPUS	30

TEST_F(race, vcpu_create_fails_while_msis_fly)
{
	struct msi_storm s = {};
	struct rlimit old, tight;
	pthread_t tid;
	int creates = rounds(variant->path, FAILED_CREATES);
	int i, fd, emfile = 0;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_bare(variant->path);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_CREATE_IRQCHIP, 0));
	for (i = 0; i < LIVE_VCPUS; i++)
		vcpu_create(self->vm, i);
	s.vm_fd = self->vm->fd;
	ASSERT_EQ(0, pthread_create(&tid, NULL, send_msis, &s));

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	tight = old;
	tight.rlim_cur = lowest_free_fd();
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &tight));
	for (i = 0; i < creates; i++) {
		fd = ioctl(self->vm->fd, KVM_CREATE_VCPU, LIVE_VCPUS);
		if (fd < 0 && errno == EMFILE)
			emfile++;
		else if (fd >= 0)
			break;
	}
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	atomic_store(&s.stop, 1);
	pthread_join(tid, NULL);
	EXPECT_EQ(creates, emfile);
	TH_LOG("%d failed creations under %ld MSIs", emfile,
	       atomic_load(&s.sent));
	/* Nothing of the failed vCPU is left: it can be made now. */
	vcpu_create(self->vm, LIVE_VCPUS);
}

/* ------------------------------------------------ CPU hotplug */

static int set_online(int cpu, bool online)
{
	char path[64];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", online) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

static void pin_thread(pthread_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(tid, sizeof(set), &set);
}

static void guest_count_forever(void)
{
	uint64_t i;

	for (i = 0;; i++)
		GUEST_SYNC(i);
}

struct counting_vcpu {
	struct vcpu *vcpu;
	atomic_int stop;
	atomic_long syncs;
	int bad;
	int run_errno;
};

static void *count_syncs(void *arg)
{
	struct counting_vcpu *c = arg;
	struct ucall uc;
	int r;

	while (!atomic_load(&c->stop)) {
		r = vcpu_run(c->vcpu);
		if (r == -EINTR)
			continue;
		if (r) {
			c->run_errno = -r;
			break;
		}
		if (get_ucall(c->vcpu, &uc) != UCALL_SYNC ||
		    uc.args[0] != (uint64_t)atomic_load(&c->syncs))
			c->bad++;
		atomic_fetch_add(&c->syncs, 1);
	}
	return NULL;
}

static void wait_for_syncs(struct counting_vcpu *c, long more)
{
	long target = atomic_load(&c->syncs) + more;
	int i;

	for (i = 0; i < 100000 && atomic_load(&c->syncs) < target &&
		    !c->run_errno && !c->bad; i++)
		usleep(100);
}

static void wait_for_all_syncs(struct counting_vcpu *c, int n, long more)
{
	int i;

	for (i = 0; i < n; i++)
		wait_for_syncs(&c[i], more);
}

/*
 * The vCPUs' VMCSs are loaded on CPU 1 when CPU 1 goes offline: the guests
 * must go on where they were on CPU 0, and again on CPU 1 once it is back.
 * Several vCPU threads share CPU 1 so that, after its offline callback has
 * turned VMX off, the scheduler switches some of them in there for a moment
 * before pushing them away: their VMCS must not be loaded (or listed) on a
 * CPU without VMX, which is what left a stale list behind and hung the next
 * offline. The lab counts any failed VMX instruction as a kernel splat.
 */
TEST_F(race, vcpu_survives_its_cpu_going_offline)
{
	struct counting_vcpu c[HOTPLUG_VCPUS] = {};
	pthread_t tid[HOTPLUG_VCPUS];
	long before[HOTPLUG_VCPUS], syncs = 0;
	int i, v;

	GUEST_DEVICE_OR_SKIP(variant->path);
	if (online_cpus() < 2)
		SKIP(return, "needs 2 CPUs, %d online", online_cpus());
	self->vm = vm_create_with_vcpu(variant->path, guest_count_forever,
				       &c[0].vcpu);
	for (v = 1; v < HOTPLUG_VCPUS; v++)
		c[v].vcpu = vm_add_vcpu(self->vm, v, guest_count_forever);
	for (v = 0; v < HOTPLUG_VCPUS; v++) {
		ASSERT_EQ(0, pthread_create(&tid[v], NULL, count_syncs, &c[v]));
		pin_thread(tid[v], HOTPLUG_CPU);
	}
	wait_for_all_syncs(c, HOTPLUG_VCPUS, 20);
	for (i = 0; i < rounds(variant->path, HOTPLUG_CYCLES); i++) {
		ASSERT_EQ(0, set_online(HOTPLUG_CPU, false)) TH_LOG("cycle %d", i);
		for (v = 0; v < HOTPLUG_VCPUS; v++)
			before[v] = atomic_load(&c[v].syncs);
		wait_for_all_syncs(c, HOTPLUG_VCPUS, 20);
		for (v = 0; v < HOTPLUG_VCPUS; v++)
			EXPECT_LT(before[v], atomic_load(&c[v].syncs))
				TH_LOG("vCPU %d stuck offline, cycle %d", v, i);
		ASSERT_EQ(0, set_online(HOTPLUG_CPU, true)) TH_LOG("cycle %d", i);
		for (v = 0; v < HOTPLUG_VCPUS; v++)
			pin_thread(tid[v], HOTPLUG_CPU);
		wait_for_all_syncs(c, HOTPLUG_VCPUS, 20);
	}
	for (v = 0; v < HOTPLUG_VCPUS; v++)
		atomic_store(&c[v].stop, 1);
	for (v = 0; v < HOTPLUG_VCPUS; v++)
		pthread_join(tid[v], NULL);
	set_online(HOTPLUG_CPU, true);
	for (v = 0; v < HOTPLUG_VCPUS; v++) {
		EXPECT_EQ(0, c[v].bad) TH_LOG("vCPU %d", v);
		EXPECT_EQ(0, c[v].run_errno)
			TH_LOG("vCPU %d KVM_RUN: %s", v, strerror(c[v].run_errno));
		syncs += atomic_load(&c[v].syncs);
	}
	TH_LOG("%d offline/online cycles, %d vCPUs, %ld guest syncs", i,
	       HOTPLUG_VCPUS, syncs);
}

/* ------------------------------------------------ slots and eventfds */

static void guest_touch_slot(void)
{
	uint64_t i;

	for (i = 0;; i++) {
		volatile uint64_t *p = (volatile uint64_t *)
			(SLOT_GPA + (i * 4096) % SLOT_SIZE);

		*p = *p + 1;
		if (!(i % 16))
			GUEST_SYNC(i);
		asm volatile("out %%al, %%dx" : : "a"(0), "d"(EVENT_PORT));
	}
}

/* Runs the guest, serving MMIO (no slot) and port exits, until told. */
static void *serve_exits(void *arg)
{
	struct counting_vcpu *c = arg;
	struct kvm_run *run = c->vcpu->run;
	int r;

	while (!atomic_load(&c->stop)) {
		r = vcpu_run(c->vcpu);
		if (r == -EINTR)
			continue;
		if (r) {
			c->run_errno = -r;
			break;
		}
		if (run->exit_reason == KVM_EXIT_MMIO) {
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
		} else if (run->exit_reason != KVM_EXIT_IO) {
			c->bad++;
			break;
		}
		atomic_fetch_add(&c->syncs, 1);
	}
	return NULL;
}

static void set_slot(struct __test_metadata *_metadata, struct vm *vm,
		     void *hva, uint64_t gpa, uint64_t size)
{
	struct kvm_userspace_memory_region r = {
		.slot = 1, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	ASSERT_EQ(0, ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		TH_LOG("slot at %#llx size %#llx: %s", (unsigned long long)gpa,
		       (unsigned long long)size, strerror(errno));
}

TEST_F(race, slots_change_under_a_running_guest)
{
	struct counting_vcpu c = {};
	pthread_t tid;
	int churn = rounds(variant->path, CHURN_ROUNDS);
	void *hva;
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_touch_slot,
				       &c.vcpu);
	hva = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hva);
	set_slot(_metadata, self->vm, hva, SLOT_GPA, SLOT_SIZE);
	ASSERT_EQ(0, pthread_create(&tid, NULL, serve_exits, &c));
	for (i = 0; i < churn && !c.bad && !c.run_errno; i++) {
		set_slot(_metadata, self->vm, hva, SLOT_GPA, 0);
		set_slot(_metadata, self->vm, hva, SLOT_GPA, SLOT_SIZE);
		set_slot(_metadata, self->vm, hva, SLOT_MOVED_GPA, SLOT_SIZE);
		set_slot(_metadata, self->vm, hva, SLOT_GPA, SLOT_SIZE);
		if (i % 8 == 0)
			madvise(hva, SLOT_SIZE, MADV_DONTNEED);
		/* Let the vCPU run between changes, even on one CPU. */
		usleep(100);
	}
	atomic_store(&c.stop, 1);
	pthread_join(tid, NULL);
	EXPECT_EQ(0, c.bad);
	EXPECT_EQ(0, c.run_errno) TH_LOG("KVM_RUN: %s", strerror(c.run_errno));
	TH_LOG("%d slot changes under %ld exits", 4 * i,
	       atomic_load(&c.syncs));
	EXPECT_LT(churn, atomic_load(&c.syncs)) TH_LOG("the guest hardly ran");
	vm_free(self->vm);
	self->vm = NULL;
	munmap(hva, SLOT_SIZE);
}

TEST_F(race, eventfds_change_under_a_running_guest)
{
	struct kvm_ioeventfd ev = { .addr = EVENT_PORT, .len = 1,
				    .flags = KVM_IOEVENTFD_FLAG_PIO };
	struct kvm_irqfd irqfd = { .gsi = 7 };
	struct counting_vcpu c = {};
	pthread_t tid;
	int churn = rounds(variant->path, CHURN_ROUNDS);
	void *hva;
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_CREATE_IRQCHIP, 0));
	c.vcpu = vm_add_vcpu(self->vm, 0, guest_touch_slot);
	hva = vm_add_memory(self->vm, 1, SLOT_GPA, SLOT_SIZE, 0);
	ASSERT_NE(NULL, hva);
	ev.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	irqfd.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_EQ(0, pthread_create(&tid, NULL, serve_exits, &c));
	for (i = 0; i < churn && !c.bad && !c.run_errno; i++) {
		ev.flags &= ~KVM_IOEVENTFD_FLAG_DEASSIGN;
		irqfd.flags = 0;
		ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &ev));
		ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));
		usleep(100);
		ev.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
		irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
		ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IOEVENTFD, &ev));
		ASSERT_EQ(0, ioctl(self->vm->fd, KVM_IRQFD, &irqfd));
	}
	atomic_store(&c.stop, 1);
	pthread_join(tid, NULL);
	EXPECT_EQ(0, c.bad);
	EXPECT_EQ(0, c.run_errno);
	TH_LOG("%d assign/deassign rounds under %ld exits", i,
	       atomic_load(&c.syncs));
	EXPECT_LT(churn, atomic_load(&c.syncs)) TH_LOG("the guest hardly ran");
	close(ev.fd);
	close(irqfd.fd);
}

/* ------------------------------------------------ the MSR filter */

#define MSR_SYSENTER_CS		0x174
#define SYSENTER_CS_VALUE	0x10
#define USERSPACE_VALUE		0x5a5a

static void guest_read_sysenter_cs(void)
{
	uint64_t v;
	int vec;

	for (;;) {
		v = 0;
		vec = rdmsr_safe(MSR_SYSENTER_CS, &v);
		GUEST_SYNC(vec, v);
	}
}

struct msr_reader {
	struct counting_vcpu c;
	atomic_long from_userspace;
};

/* Serves filter exits with USERSPACE_VALUE; every read must be one of two. */
static void *serve_msr_reads(void *arg)
{
	struct msr_reader *m = arg;
	struct counting_vcpu *c = &m->c;
	struct kvm_run *run = c->vcpu->run;
	struct ucall uc;
	int r;

	while (!atomic_load(&c->stop)) {
		r = vcpu_run(c->vcpu);
		if (r == -EINTR)
			continue;
		if (r) {
			c->run_errno = -r;
			break;
		}
		if (run->exit_reason == KVM_EXIT_X86_RDMSR) {
			if (run->msr.index != MSR_SYSENTER_CS ||
			    run->msr.reason != KVM_MSR_EXIT_REASON_FILTER)
				c->bad++;
			run->msr.data = USERSPACE_VALUE;
			atomic_fetch_add(&m->from_userspace, 1);
			continue;
		}
		if (get_ucall(c->vcpu, &uc) != UCALL_SYNC ||
		    uc.args[0] != (uint64_t)NO_EXCEPTION ||
		    (uc.args[1] != SYSENTER_CS_VALUE &&
		     uc.args[1] != USERSPACE_VALUE)) {
			c->bad++;
			break;
		}
		atomic_fetch_add(&c->syncs, 1);
	}
	return NULL;
}

static void set_sysenter_cs_filter(struct __test_metadata *_metadata,
				   struct vm *vm, bool deny)
{
	uint8_t bitmap = 0;
	struct kvm_msr_filter f = {
		.ranges[0] = { .flags = KVM_MSR_FILTER_READ, .nmsrs = 1,
			       .base = MSR_SYSENTER_CS, .bitmap = &bitmap },
	};

	if (!deny)
		f.ranges[0].nmsrs = 0;
	ASSERT_EQ(0, ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f))
		TH_LOG("KVM_X86_SET_MSR_FILTER: %s", strerror(errno));
}

/*
 * KVM_X86_SET_MSR_FILTER while the vCPU reads an MSR the guest may
 * touch without an exit: each read is the MSR or userspace's answer,
 * and once a denying filter is in place the next reads exit.
 */
TEST_F(race, msr_filter_changes_under_a_running_guest)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_FILTER },
	};
	struct msr_reader m = {};
	struct kvm_run *run;
	struct ucall uc;
	pthread_t tid;
	int churn = rounds(variant->path, CHURN_ROUNDS);
	int i, exits = 0;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_read_sysenter_cs,
				       &m.c.vcpu);
	ASSERT_EQ(0, ioctl(self->vm->fd, KVM_ENABLE_CAP, &cap));
	ASSERT_EQ(1, vcpu_set_msr(m.c.vcpu, MSR_SYSENTER_CS, SYSENTER_CS_VALUE));
	ASSERT_EQ(0, pthread_create(&tid, NULL, serve_msr_reads, &m));
	for (i = 0; i < churn && !m.c.bad && !m.c.run_errno; i++) {
		set_sysenter_cs_filter(_metadata, self->vm, i % 2 == 0);
		usleep(100);
	}
	set_sysenter_cs_filter(_metadata, self->vm, true);
	atomic_store(&m.c.stop, 1);
	pthread_join(tid, NULL);
	EXPECT_EQ(0, m.c.bad);
	EXPECT_EQ(0, m.c.run_errno) TH_LOG("KVM_RUN: %s", strerror(m.c.run_errno));
	TH_LOG("%d filter changes under %ld reads, %ld served by userspace", i,
	       atomic_load(&m.c.syncs), atomic_load(&m.from_userspace));
	EXPECT_LT(churn, atomic_load(&m.c.syncs)) TH_LOG("the guest hardly ran");

	/* The filter denies now: within two reads, one exits. */
	run = m.c.vcpu->run;
	for (i = 0; i < 4 && !exits; i++) {
		ASSERT_EQ(0, vcpu_run(m.c.vcpu));
		if (run->exit_reason == KVM_EXIT_X86_RDMSR) {
			run->msr.data = USERSPACE_VALUE;
			exits++;
		} else {
			ASSERT_EQ(UCALL_SYNC, get_ucall(m.c.vcpu, &uc));
		}
	}
	EXPECT_EQ(1, exits) TH_LOG("a denied read did not exit");
}

/* ------------------------------------------------ one vCPU, two threads */

struct shared_vcpu {
	struct vcpu *vcpu;
	int runs;		/* each thread's */
	atomic_int seen[2 * SHARED_RUNS];
	atomic_int bad;
};

static void *run_shared(void *arg)
{
	struct shared_vcpu *s = arg;
	struct ucall uc;
	int i;

	for (i = 0; i < s->runs; i++) {
		/* KVM_RUN holds the vCPU: the two threads take turns. */
		if (vcpu_run(s->vcpu) || get_ucall(s->vcpu, &uc) != UCALL_SYNC ||
		    uc.args[0] >= 2 * s->runs ||
		    atomic_fetch_add(&s->seen[uc.args[0]], 1))
			atomic_fetch_add(&s->bad, 1);
	}
	return NULL;
}

TEST_F(race, kvm_run_from_two_threads_on_one_vcpu)
{
	struct shared_vcpu s = {};
	pthread_t tid[2];
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	s.runs = rounds_share(variant->path, SHARED_RUNS, KVM_SHARED_RUN_SHARE);
	self->vm = vm_create_with_vcpu(variant->path, guest_count_forever,
				       &s.vcpu);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, run_shared, &s));
	for (i = 0; i < 2; i++)
		pthread_join(tid[i], NULL);
	EXPECT_EQ(0, atomic_load(&s.bad));
	for (i = 0; i < 2 * s.runs; i++)
		EXPECT_EQ(1, atomic_load(&s.seen[i])) TH_LOG("sync %d", i);
}

/* ------------------------------------------------ SIGKILL */

/*
 * With interrupts enabled: the lab's emulated CPU (Bochs) takes no
 * external-interrupt exit from a guest that runs with IF clear, on KVM as
 * on vmxlab, so such a guest would hang the lab where real hardware exits.
 */
static void guest_spin_without_exits(void)
{
	asm volatile("sti");
	for (;;)
		asm volatile("" ::: "memory");
}

static void guest_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

/* A child stuck in KVM_RUN, told it started through @ready. */
static pid_t child_in_guest(const char *path, void *guest, bool irqchip,
			    int ready)
{
	pid_t pid = fork();
	struct vcpu *vcpu;
	struct vm *vm;

	if (pid)
		return pid;
	vm = vm_create(path);
	if (irqchip && ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
		_exit(2);
	vcpu = vm_add_vcpu(vm, 0, guest);
	if (write(ready, "x", 1) != 1)
		_exit(3);
	for (;;)
		vcpu_run(vcpu);
}

static void kill_in_guest(struct __test_metadata *_metadata,
			  const char *path, void *guest, bool irqchip)
{
	int pipefd[2], status;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	pid = child_in_guest(path, guest, irqchip, pipefd[1]);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, read(pipefd[0], &c, 1));
	usleep(20000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	/* The harness's own timeout bounds this wait. */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(race, sigkill_while_in_the_guest)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	kill_in_guest(_metadata, variant->path, guest_spin_without_exits,
		      false);
}

TEST_F(race, sigkill_while_halted_in_the_kernel)
{
	GUEST_DEVICE_OR_SKIP(variant->path);
	kill_in_guest(_metadata, variant->path, guest_halt_forever, true);
}

TEST_HARNESS_MAIN
