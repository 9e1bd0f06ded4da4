// SPDX-License-Identifier: GPL-2.0
/*
 * VMs and vCPUs being made, refused, run side by side and torn down:
 * KVM_SET_USER_MEMORY_REGION's and KVM_CREATE_VCPU's checks with KVM's
 * errors, a hundred VMs in turn, the VM fd and vCPU fds closed in either
 * order (even while KVM_RUN is in progress on another thread), and two
 * vCPUs of one VM running at once on two threads.
 *
 * KVM behaviours worth knowing, asserted here:
 *   closing a vCPU fd does not destroy the vCPU: it lives until the VM
 *   goes, so its id stays taken (EEXIST) and the VM keeps running it;
 *   a vCPU outlives a closed VM fd, and still runs;
 *   deleting a slot that does not exist is EINVAL; overlapping is EEXIST;
 *   an existing slot may move (new guest_phys_addr) but not resize.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"

#define MANY_VMS	100
#define SYNCS_PER_VCPU	300
#define LOOP_PORT	0x440
#define MB		(1ULL << 20)

FIXTURE(life) {
	struct vm *vm;
	void *mem;
	size_t mem_size;
};

FIXTURE_VARIANT(life) {
	const char *path;
};

FIXTURE_VARIANT_ADD(life, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(life, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(life)
{
}

FIXTURE_TEARDOWN(life)
{
	vm_free(self->vm);
	if (self->mem)
		munmap(self->mem, self->mem_size);
}

static int set_region(struct vm *vm, uint32_t slot, uint32_t flags,
		      uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) ? errno : 0;
}

TEST_F(life, memory_region_checks)
{
	char *mem;
	int nr_slots;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_bare(variant->path);
	self->mem_size = 8 * MB;
	self->mem = mmap(NULL, self->mem_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	mem = self->mem;
	nr_slots = vm_check_cap(self->vm, KVM_CAP_NR_MEMSLOTS);
	ASSERT_GT(nr_slots, 0);

	/* Alignment, flags, wrap-around, slot number. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, 0, MB + 1, mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, 0x800, MB, mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, 0, MB, mem + 8));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 1U << 7, 0, MB, mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, 0, 0, ~0ULL << 12, 2 * MB, mem));
	EXPECT_EQ(EINVAL, set_region(self->vm, nr_slots, 0, 0, MB, mem));
	/* Deleting a slot that was never made. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 3, 0, 0, 0, NULL));

	/* Overlap is EEXIST; adjacent is fine. */
	ASSERT_EQ(0, set_region(self->vm, 0, 0, 0, 2 * MB, mem));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 0, MB, 2 * MB, mem + 2 * MB));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 0, 0, 4096, mem + 2 * MB));
	ASSERT_EQ(0, set_region(self->vm, 1, 0, 2 * MB, 2 * MB, mem + 2 * MB));
	ASSERT_EQ(0, set_region(self->vm, nr_slots - 1, 0, 16 * MB, MB,
				mem + 4 * MB));

	/* An existing slot may move but not change size or host memory. */
	EXPECT_EQ(EINVAL, set_region(self->vm, 1, 0, 2 * MB, 4 * MB,
				     mem + 2 * MB));
	EXPECT_EQ(EINVAL, set_region(self->vm, 1, 0, 2 * MB, 2 * MB,
				     mem + 6 * MB));
	EXPECT_EQ(EEXIST, set_region(self->vm, 1, 0, MB, 2 * MB, mem + 2 * MB));
	EXPECT_EQ(0, set_region(self->vm, 1, 0, 64 * MB, 2 * MB, mem + 2 * MB));
	if (vm_check_cap(self->vm, KVM_CAP_READONLY_MEM) > 0)
		EXPECT_EQ(EINVAL, set_region(self->vm, 1, KVM_MEM_READONLY,
					     64 * MB, 2 * MB, mem + 2 * MB));

	/* Delete once; the range is free again; a second delete fails. */
	EXPECT_EQ(0, set_region(self->vm, 1, 0, 0, 0, NULL));
	EXPECT_EQ(EINVAL, set_region(self->vm, 1, 0, 0, 0, NULL));
	EXPECT_EQ(0, set_region(self->vm, 2, 0, 64 * MB, 2 * MB, mem + 2 * MB));
}

TEST_F(life, vcpu_ids_and_limits)
{
	int max_id, fd, fd2;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_bare(variant->path);
	max_id = vm_check_cap(self->vm, KVM_CAP_MAX_VCPU_ID);
	ASSERT_GT(max_id, 0);
	EXPECT_LE(vm_check_cap(self->vm, KVM_CAP_NR_VCPUS),
		  vm_check_cap(self->vm, KVM_CAP_MAX_VCPUS));

	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_CREATE_VCPU, max_id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_CREATE_VCPU, -1));
	EXPECT_EQ(EINVAL, errno);

	fd = ioctl(self->vm->fd, KVM_CREATE_VCPU, 3);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_CREATE_VCPU, 3));
	EXPECT_EQ(EEXIST, errno);
	/* Closing its fd does not free the id: the vCPU lives on. */
	close(fd);
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_CREATE_VCPU, 3));
	EXPECT_EQ(EEXIST, errno);
	fd2 = ioctl(self->vm->fd, KVM_CREATE_VCPU, max_id - 1);
	EXPECT_GE(fd2, 0);
	if (fd2 >= 0)
		close(fd2);
}

TEST_F(life, no_more_vcpus_than_max_vcpus)
{
	int max, i, fd;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_bare(variant->path);
	max = vm_check_cap(self->vm, KVM_CAP_MAX_VCPUS);
	ASSERT_GT(max, 0);
	ASSERT_LE(max, vm_check_cap(self->vm, KVM_CAP_MAX_VCPU_ID));
	for (i = 0; i < max; i++) {
		fd = ioctl(self->vm->fd, KVM_CREATE_VCPU, i);
		ASSERT_GE(fd, 0) TH_LOG("vCPU %d of %d: %s", i, max,
					strerror(errno));
		close(fd);
	}
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_CREATE_VCPU, max));
	EXPECT_EQ(EINVAL, errno);
}

static void guest_sync_once(void)
{
	GUEST_SYNC(42);
}

TEST_F(life, hundred_vms_in_turn)
{
	struct vcpu *vcpu;
	struct ucall uc;
	int i, vm, cpu, size;
	struct vm *guest;
	void *run;

	GUEST_DEVICE_OR_SKIP(variant->path);
	/* Only its device fd is used, to make the others. */
	self->vm = vm_create_bare(variant->path);
	for (i = 0; i < MANY_VMS; i++) {
		if (i % 10 == 0) {
			/* Every tenth one runs a guest too. */
			guest = vm_create_with_vcpu(variant->path,
						    guest_sync_once, &vcpu);
			RUN_UCALL(vcpu, UCALL_SYNC, &uc);
			EXPECT_EQ(42ULL, uc.args[0]);
			RUN_DONE(vcpu);
			vm_free(guest);
			continue;
		}
		vm = ioctl(self->vm->sys_fd, KVM_CREATE_VM, 0);
		ASSERT_GE(vm, 0) TH_LOG("VM %d: %s", i, strerror(errno));
		cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		ASSERT_GE(cpu, 0) TH_LOG("VM %d: %s", i, strerror(errno));
		size = self->vm->run_size;
		run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   cpu, 0);
		ASSERT_NE(MAP_FAILED, run);
		munmap(run, size);
		close(cpu);
		close(vm);
	}
}

TEST_F(life, vcpu_outlives_closed_vm_fd)
{
	struct vcpu *vcpu;
	struct ucall uc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_sync_once, &vcpu);
	close(self->vm->fd);
	self->vm->fd = -1;
	close(self->vm->sys_fd);
	self->vm->sys_fd = -1;
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	EXPECT_EQ(42ULL, uc.args[0]);
	RUN_DONE(vcpu);
	close(vcpu->fd);
	vcpu->fd = -1;
	/* The kvm_run mapping stays readable after both fds are gone. */
	EXPECT_EQ((uint32_t)KVM_EXIT_IO, vcpu->run->exit_reason);
}

TEST_F(life, vm_runs_on_after_vcpu_fd_closed)
{
	struct vcpu *vcpu, *other;
	struct ucall uc;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_sync_once, &vcpu);
	RUN_UCALL(vcpu, UCALL_SYNC, &uc);
	close(vcpu->fd);
	vcpu->fd = -1;
	EXPECT_EQ(-1, ioctl(self->vm->fd, KVM_CREATE_VCPU, 0));
	EXPECT_EQ(EEXIST, errno);
	other = vm_add_vcpu(self->vm, 1, guest_sync_once);
	RUN_UCALL(other, UCALL_SYNC, &uc);
	EXPECT_EQ(42ULL, uc.args[0]);
	RUN_DONE(other);
}

/* Exit forever (well, for a very long time): one OUT per round. */
static void guest_out_loop(void)
{
	uint64_t i;

	for (i = 0; i < (1ULL << 40); i++)
		asm volatile("out %%al, %%dx" : : "a"(i), "d"(LOOP_PORT));
}

/* Stay in the guest for a long while (about 2^30 instructions). */
static void guest_spin_forever(void)
{
	uint64_t i;

	for (i = 0; i < (1ULL << 28); i++)
		asm volatile("pause");
	GUEST_SYNC(i);
}

struct runner {
	int fd;
	volatile int exits;
	int last_errno;
	int eintr;
	int odd_exits;
};

/* Run until KVM_RUN fails for another reason than a signal. */
static void *run_until_error(void *arg)
{
	struct runner *r = arg;
	struct kvm_run *run;

	run = mmap(NULL, 4096, PROT_READ, MAP_SHARED, r->fd, 0);
	for (;;) {
		if (ioctl(r->fd, KVM_RUN, 0) == 0) {
			if (run == MAP_FAILED || run->exit_reason != KVM_EXIT_IO ||
			    run->io.port != LOOP_PORT)
				r->odd_exits++;
			r->exits++;
			continue;
		}
		if (errno == EINTR) {
			r->eintr++;
			continue;
		}
		r->last_errno = errno;
		break;
	}
	if (run != MAP_FAILED)
		munmap(run, 4096);
	return NULL;
}

static void on_signal(int sig)
{
}

/* Close every fd of the VM under the running thread; it must see EBADF. */
static void close_all_fds(struct vm *vm)
{
	close(vm->vcpu[0]->fd);
	vm->vcpu[0]->fd = -1;
	close(vm->fd);
	vm->fd = -1;
	close(vm->sys_fd);
	vm->sys_fd = -1;
}

TEST_F(life, close_fds_while_another_thread_runs_exits)
{
	struct runner r = { };
	struct vcpu *vcpu;
	pthread_t tid;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create_with_vcpu(variant->path, guest_out_loop, &vcpu);
	r.fd = vcpu->fd;
	ASSERT_EQ(0, pthread_create(&tid, NULL, run_until_error, &r));
	while (r.exits < 100)
		usleep(1000);
	close_all_fds(self->vm);
	ASSERT_EQ(0, pthread_join(tid, NULL));
	EXPECT_EQ(EBADF, r.last_errno);
	EXPECT_EQ(0, r.odd_exits);
	EXPECT_GE(r.exits, 100);
}

TEST_F(life, close_fds_while_another_thread_is_in_guest)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct runner r = { };
	struct vcpu *vcpu;
	pthread_t tid;
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	self->vm = vm_create_with_vcpu(variant->path, guest_spin_forever, &vcpu);
	r.fd = vcpu->fd;
	ASSERT_EQ(0, pthread_create(&tid, NULL, run_until_error, &r));
	usleep(2000);
	/* KVM_RUN holds its file: the guest goes on spinning meanwhile. */
	close_all_fds(self->vm);
	/* Kick it out until it notices the fd is gone. */
	for (i = 0; i < 1000 && !r.last_errno; i++) {
		pthread_kill(tid, SIGUSR1);
		usleep(2000);
	}
	ASSERT_EQ(0, pthread_join(tid, NULL));
	EXPECT_EQ(EBADF, r.last_errno);
	EXPECT_GE(r.eintr, 1);
	EXPECT_EQ(0, r.exits);
}

struct counter {
	struct vcpu *vcpu;
	int syncs;
	int bad;
	int done;
	int run_errno;
};

static void guest_count(uint64_t id, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		GUEST_SYNC(id, i);
}

static void *count_ucalls(void *arg)
{
	struct counter *c = arg;
	struct ucall uc;
	int r;

	for (;;) {
		r = vcpu_run(c->vcpu);
		if (r) {
			c->run_errno = -r;
			break;
		}
		switch (get_ucall(c->vcpu, &uc)) {
		case UCALL_SYNC:
			if (uc.args[0] != (uint64_t)c->vcpu->id ||
			    uc.args[1] != (uint64_t)c->syncs)
				c->bad++;
			c->syncs++;
			continue;
		case UCALL_DONE:
			c->done = 1;
			break;
		default:
			c->bad++;
			break;
		}
		break;
	}
	return NULL;
}

TEST_F(life, two_vcpus_on_two_threads)
{
	struct counter c[2] = { };
	pthread_t tid[2];
	int i;

	GUEST_DEVICE_OR_SKIP(variant->path);
	self->vm = vm_create(variant->path);
	for (i = 0; i < 2; i++) {
		c[i].vcpu = vm_add_vcpu(self->vm, i, guest_count);
		vcpu_args_set(c[i].vcpu, 2, (uint64_t)i,
			      (uint64_t)SYNCS_PER_VCPU);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, count_ucalls, &c[i]));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
		EXPECT_EQ(SYNCS_PER_VCPU, c[i].syncs) TH_LOG("vCPU %d", i);
		EXPECT_EQ(0, c[i].bad) TH_LOG("vCPU %d", i);
		EXPECT_EQ(1, c[i].done) TH_LOG("vCPU %d", i);
		EXPECT_EQ(0, c[i].run_errno) TH_LOG("vCPU %d", i);
	}
}

TEST_HARNESS_MAIN
