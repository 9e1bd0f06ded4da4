// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer for the ioctl surface, on /dev/vmxlab and /dev/kvm: random
 * system, VM and vCPU ioctls (known numbers with random arguments, and
 * numbers near them), random sizes and counts, pointers that are valid,
 * NULL, unmapped, in the kernel or straddling an unmapped page, objects
 * closed and created in random order, and KVM_RUN on whatever state that
 * left, bounded by a timer.
 *
 * What must hold: every call returns (the timer and the harness bound it),
 * every error is one a caller can act on (no ENOTRECOVERABLE-style
 * surprises, no success with garbage), the module still runs a guest
 * afterwards, and once everything is closed vmxlab holds nothing. The lab
 * fails the run on any kernel WARN, BUG or slub report it prints.
 *
 * Several threads share the objects (closing, dup'ing and using them at
 * once), a scribbler flips bytes of the argument memory while calls read
 * it, and now and then a forked child pokes the shared files from another
 * mm. The seed, the number of calls and of threads come from the kernel
 * command line (vmxlab_fuzz_seed=, vmxlab_fuzz_calls=, vmxlab_fuzz_threads=;
 * `make fuzz` sets them) and are printed. A failure (an errno no caller
 * can act on, or memory vmxlab still holds) is replayed from the failing
 * thread's steps alone and shrunk to the shortest list that still fails,
 * printed as vmxlab_fuzz_thread= and vmxlab_fuzz_steps=, which replay it.
 */
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"
#include "guest.h"
#include "minimize.h"

#define DEFAULT_CALLS	100000
/*
 * KVM, the reference, runs a fortieth of the calls: in the lab its 4,000
 * calls took 250 s of real time (creating and destroying its VMs is
 * slow there), against 560 s for vmxlab's 80,000.
 */
#define KVM_SHARE	40
#define DEFAULT_SEED	0x766d786cULL
#define MAX_VMS		2
#define MAX_VCPUS	3
#define MAX_EVENTFDS	4
#define BUF_SIZE	(64 * 1024)
#define DEFAULT_THREADS	3
/*
 * The scribbler's pause: every wake-up costs the lab's emulated CPU, and
 * at 50 us it took a third of the storm's time.
 */
#define SCRIBBLE_US	500
#define MAX_THREADS	8
/* Run pages mapped at once; then the ones no slot names are unmapped. */
#define MAX_RUN_PAGES	64

struct fuzz {
	uint64_t rng;
	const char *path;
	int sys_fd;
	int vm_fd[MAX_VMS];
	int vcpu_fd[MAX_VMS][MAX_VCPUS];
	void *run[MAX_VMS][MAX_VCPUS];
	int run_size;
	int efd[MAX_EVENTFDS];
	uint8_t *buf;		/* BUF_SIZE bytes, then an unmapped page */
	uint8_t *mem;		/* guest memory for the slots */
	/*
	 * Every run page mapped. A mapping holds its vCPU, and so its VM,
	 * alive: the ones no slot names any more are unmapped now and then
	 * (sweep_run_pages()), so that closed vCPUs go during the storm as
	 * a real client's would, and the process does not pile up
	 * thousands of live vCPUs (which made every fork and the final
	 * teardown slow). A thread that uses a slot's mapping, or maps one,
	 * holds run_lock for reading; the sweep holds it for writing.
	 */
	pthread_rwlock_t run_lock;
	void *run_pages[MAX_RUN_PAGES];
	atomic_int nr_run_pages;
	atomic_long run_pages_swept;
	atomic_long calls, failures_by_errno[256], ok;
	atomic_long runs, run_exits[64], forks, dups;
	atomic_long bad_errno;
	/* Where the lab's time goes: per ioctl number, and in forks. */
	atomic_long ns_by_nr[256], calls_by_nr[256], fork_ns;
	atomic_int stop;
	long scribble_us;
	int last_bad_errno;
	unsigned long last_bad_ioctl;
	long last_bad_call;
	int last_bad_thread;
	long last_bad_step;
};

/*
 * Each step of each thread draws from its own generator, seeded from the
 * seed, the thread and the step: any list of one thread's steps replays
 * alone, which is what shrinking a failure to its shortest reproducer
 * needs.
 */
static __thread uint64_t rng;
static __thread int cur_thread;
static __thread long cur_step;
static __thread uint64_t call_start_ns;
/* A forked child takes no locks: another thread may hold one in its copy. */
static bool in_child;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* Every fuzzed ioctl: call_start() right before it, note() right after. */
static void call_start(void)
{
	call_start_ns = now_ns();
}

static void seed_step(uint64_t seed, int thread, long step)
{
	rng = (seed ^ 0x9e3779b97f4a7c15ULL) + (thread + 1) * 0x632be59bd9b4e019ULL +
	      (step + 1) * 0xbf58476d1ce4e5b9ULL;
	cur_thread = thread;
	cur_step = step;
}

static uint64_t next(struct fuzz *f)
{
	/* xorshift64*: small, fast and reproducible. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(struct fuzz *f, uint64_t n)
{
	return n ? next(f) % n : 0;
}

static bool chance(struct fuzz *f, int percent)
{
	return below(f, 100) < (uint64_t)percent;
}

/* A value a careless or hostile caller might pass for a size or count. */
static uint64_t nasty_number(struct fuzz *f)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 255, 256, 4095, 4096, 4097,
		65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 0x7fffffffffffffffULL, ~0ULL, ~0ULL - 1,
	};

	switch (below(f, 4)) {
	case 0:
		return edges[below(f, ARRAY_SIZE(edges))];
	case 1:
		return below(f, 64);
	case 2:
		return below(f, 4096);
	default:
		return next(f);
	}
}

static void fill_random(struct fuzz *f, void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)next(f);
}

/*
 * An argument pointer: mostly a buffer with random contents (at its
 * start, or ending right before the unmapped page), sometimes a bad one.
 */
static void *nasty_pointer(struct fuzz *f, size_t want)
{
	size_t n = want < BUF_SIZE ? want : BUF_SIZE;

	switch (below(f, 10)) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)0xffffffff81000000ULL;
	case 2:
		return f->buf + BUF_SIZE;	/* unmapped */
	case 3:
		/* The last bytes of the buffer: the rest runs off the end. */
		return f->buf + BUF_SIZE - (n ? below(f, n) + 1 : 1);
	default:
		fill_random(f, f->buf, n ? n : 64);
		return f->buf;
	}
}

static int pick_fd(struct fuzz *f, const int *fds, int n)
{
	return fds[below(f, n)];
}

/*
 * vmxlab_fuzz_canary_errno=N counts errno N as a failure too: a way to see
 * the shrinker and the replay work on a failure that surely comes.
 */
static int canary_errno;

static void note(struct fuzz *f, unsigned long ioctl_nr, long r)
{
	int e = errno;
	long call = f->calls++;

	f->ns_by_nr[_IOC_NR(ioctl_nr)] += now_ns() - call_start_ns;
	f->calls_by_nr[_IOC_NR(ioctl_nr)]++;
	if (r >= 0) {
		f->ok++;
		return;
	}
	f->failures_by_errno[e & 0xff]++;
	if (e == canary_errno)
		goto bad;
	switch (e) {
	case EINVAL: case EFAULT: case ENOMEM: case EEXIST: case ENOENT:
	case EBUSY: case ENXIO: case E2BIG: case ENOSPC: case EINTR:
	case EAGAIN: case EPERM: case EBADF: case ENOTTY: case EIO:
	case EOPNOTSUPP: case EMFILE: case ENFILE: case ERANGE:
	case ENODEV: case EACCES: case EOVERFLOW: case ENOSYS:
		return;
	}
bad:
	f->bad_errno++;
	f->last_bad_errno = e;
	f->last_bad_ioctl = ioctl_nr;
	f->last_bad_call = call;
	f->last_bad_thread = cur_thread;
	f->last_bad_step = cur_step;
}

static long fuzz_ioctl(struct fuzz *f, int fd, unsigned long nr, void *arg)
{
	long r;

	call_start();
	r = ioctl(fd, nr, arg);

	note(f, nr, r);
	return r;
}

/* ---------------------------------------------------------------- objects */

static void close_vcpu(struct fuzz *f, int vm, int i)
{
	f->run[vm][i] = NULL;
	if (f->vcpu_fd[vm][i] >= 0)
		close(f->vcpu_fd[vm][i]);
	f->vcpu_fd[vm][i] = -1;
}

static void close_vm(struct fuzz *f, int vm)
{
	int i;

	for (i = 0; i < MAX_VCPUS; i++)
		close_vcpu(f, vm, i);
	if (f->vm_fd[vm] >= 0)
		close(f->vm_fd[vm]);
	f->vm_fd[vm] = -1;
}

static void create_vm(struct fuzz *f, int vm)
{
	close_vm(f, vm);
	call_start();
	f->vm_fd[vm] = ioctl(f->sys_fd, KVM_CREATE_VM, 0);
	note(f, KVM_CREATE_VM, f->vm_fd[vm]);
}

static void run_lock_read(struct fuzz *f)
{
	if (!in_child)
		pthread_rwlock_rdlock(&f->run_lock);
}

static void run_unlock(struct fuzz *f)
{
	if (!in_child)
		pthread_rwlock_unlock(&f->run_lock);
}

static bool named_by_a_slot(struct fuzz *f, void *p)
{
	int vm, i;

	for (vm = 0; vm < MAX_VMS; vm++)
		for (i = 0; i < MAX_VCPUS; i++)
			if (f->run[vm][i] == p)
				return true;
	return false;
}

/* Unmaps the run pages no slot names: with no thread between the two. */
static void sweep_run_pages(struct fuzz *f)
{
	int i, kept = 0;

	pthread_rwlock_wrlock(&f->run_lock);
	for (i = 0; i < f->nr_run_pages && i < MAX_RUN_PAGES; i++) {
		void *p = f->run_pages[i];

		if (!p)
			continue;
		if (named_by_a_slot(f, p)) {
			f->run_pages[kept++] = p;
		} else {
			munmap(p, f->run_size);
			f->run_pages_swept++;
		}
	}
	f->nr_run_pages = kept;
	pthread_rwlock_unlock(&f->run_lock);
}

static void map_run(struct fuzz *f, int vm, int i)
{
	int slot;
	void *p;

	run_lock_read(f);
	slot = f->nr_run_pages++;
	if (slot >= MAX_RUN_PAGES) {
		run_unlock(f);
		if (in_child)
			return;
		sweep_run_pages(f);
		run_lock_read(f);
		slot = f->nr_run_pages++;
		if (slot >= MAX_RUN_PAGES) {
			run_unlock(f);
			return;
		}
	}
	p = mmap(NULL, f->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 f->vcpu_fd[vm][i], 0);
	f->run_pages[slot] = p == MAP_FAILED ? NULL : p;
	f->run[vm][i] = f->run_pages[slot];
	run_unlock(f);
}

/* Another name for a VM or vCPU file: closing one must not end it. */
static void dup_object(struct fuzz *f, int vm, int i)
{
	int to_vm = below(f, MAX_VMS), to_i = below(f, MAX_VCPUS), fd;

	if (below(f, 2)) {
		if (f->vm_fd[vm] < 0 || to_vm == vm)
			return;
		fd = dup(f->vm_fd[vm]);
		if (fd < 0)
			return;
		close_vm(f, to_vm);
		f->vm_fd[to_vm] = fd;
	} else {
		if (f->vcpu_fd[vm][i] < 0 || (to_vm == vm && to_i == i))
			return;
		fd = dup(f->vcpu_fd[vm][i]);
		if (fd < 0)
			return;
		close_vcpu(f, to_vm, to_i);
		f->vcpu_fd[to_vm][to_i] = fd;
		map_run(f, to_vm, to_i);
	}
	f->dups++;
}

static void one_step(struct fuzz *f);

/*
 * A child that shares every file: its VM and vCPU ioctls come from
 * another mm and must be refused, its system ioctls work, and its exit
 * drops its references only.
 */
static void fork_and_poke(struct fuzz *f)
{
	uint64_t start = now_ns();
	pid_t pid = fork();
	int i;

	if (pid < 0)
		return;
	if (pid == 0) {
		in_child = true;
		rng ^= getpid();
		for (i = 0; i < 40; i++)
			one_step(f);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	f->forks++;
	f->fork_ns += now_ns() - start;
}

static void create_vcpu(struct fuzz *f, int vm, int i)
{
	unsigned long id = chance(f, 80) ? (unsigned long)i : nasty_number(f);
	int fd;

	if (f->vm_fd[vm] < 0)
		return;
	close_vcpu(f, vm, i);
	call_start();
	fd = ioctl(f->vm_fd[vm], KVM_CREATE_VCPU, id);
	note(f, KVM_CREATE_VCPU, fd);
	if (fd < 0)
		return;
	f->vcpu_fd[vm][i] = fd;
	map_run(f, vm, i);
}

/* ---------------------------------------------------------------- system */

static void fuzz_system(struct fuzz *f)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_msr_list *list;

	switch (below(f, 6)) {
	case 0:
		fuzz_ioctl(f, f->sys_fd, KVM_CHECK_EXTENSION,
			   (void *)(uintptr_t)nasty_number(f));
		break;
	case 1:
		cpuid = nasty_pointer(f, BUF_SIZE);
		if (cpuid == (void *)f->buf)
			cpuid->nent = nasty_number(f);
		fuzz_ioctl(f, f->sys_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		break;
	case 2:
		list = nasty_pointer(f, BUF_SIZE);
		if (list == (void *)f->buf)
			list->nmsrs = nasty_number(f);
		fuzz_ioctl(f, f->sys_fd, chance(f, 50) ?
			   KVM_GET_MSR_INDEX_LIST :
			   KVM_GET_MSR_FEATURE_INDEX_LIST, list);
		break;
	case 3:
		fuzz_ioctl(f, f->sys_fd, KVM_GET_VCPU_MMAP_SIZE,
			   (void *)(uintptr_t)nasty_number(f));
		break;
	case 4:
		/* A VM of a random type: close it at once if it was made. */
		{
			unsigned long type = nasty_number(f);
			long fd;

			call_start();
			fd = ioctl(f->sys_fd, KVM_CREATE_VM, type);

			note(f, KVM_CREATE_VM, fd);
			if (fd >= 0)
				close(fd);
		}
		break;
	default:
		/* A number in KVM's range that may mean nothing. */
		fuzz_ioctl(f, f->sys_fd, _IOC(below(f, 4), KVMIO,
					      below(f, 0x100),
					      below(f, 0x400)),
			   nasty_pointer(f, 0x400));
		break;
	}
}

/* ---------------------------------------------------------------- VM */

static void fuzz_memory_region(struct fuzz *f, int fd)
{
	struct kvm_userspace_memory_region r = {
		.slot = chance(f, 80) ? below(f, 8) : nasty_number(f),
		.flags = chance(f, 80) ? below(f, 2) : nasty_number(f),
		.guest_phys_addr = chance(f, 70) ? below(f, 64) << 21 :
				   nasty_number(f),
		.memory_size = chance(f, 70) ? below(f, 512) << 12 :
			       nasty_number(f),
		.userspace_addr = chance(f, 70) ?
			(uintptr_t)f->mem + (below(f, 256) << 12) :
			nasty_number(f),
	};

	if (chance(f, 15))
		r.memory_size = 0;	/* a delete */
	fuzz_ioctl(f, fd, KVM_SET_USER_MEMORY_REGION,
		   chance(f, 95) ? (void *)&r : nasty_pointer(f, sizeof(r)));
}

static void fuzz_irqfd(struct fuzz *f, int fd)
{
	struct kvm_irqfd irqfd = {
		.fd = chance(f, 80) ? pick_fd(f, f->efd, MAX_EVENTFDS) :
				      (int)nasty_number(f),
		.gsi = chance(f, 80) ? below(f, 32) : nasty_number(f),
		.flags = chance(f, 80) ? below(f, 4) : nasty_number(f),
		.resamplefd = pick_fd(f, f->efd, MAX_EVENTFDS),
	};

	fuzz_ioctl(f, fd, KVM_IRQFD, &irqfd);
}

static void fuzz_ioeventfd(struct fuzz *f, int fd)
{
	static const uint32_t lens[] = { 0, 1, 2, 3, 4, 8, 16 };
	struct kvm_ioeventfd io = {
		.datamatch = nasty_number(f),
		.addr = chance(f, 50) ? below(f, 0x10000) :
			chance(f, 50) ? 0xfee00000 + below(f, 0x1000) :
			nasty_number(f),
		.len = lens[below(f, ARRAY_SIZE(lens))],
		.fd = chance(f, 80) ? pick_fd(f, f->efd, MAX_EVENTFDS) :
				      (int)nasty_number(f),
		.flags = chance(f, 80) ? below(f, 16) : nasty_number(f),
	};

	fuzz_ioctl(f, fd, KVM_IOEVENTFD, &io);
}

static void fuzz_routing(struct fuzz *f, int fd)
{
	struct kvm_irq_routing *r = (void *)f->buf;
	uint32_t n = chance(f, 80) ? below(f, 64) : nasty_number(f);
	uint32_t i, room = (BUF_SIZE - sizeof(*r)) / sizeof(r->entries[0]);

	fill_random(f, f->buf, BUF_SIZE);
	r->nr = n;
	r->flags = chance(f, 90) ? 0 : nasty_number(f);
	for (i = 0; i < n && i < room; i++) {
		r->entries[i].gsi = below(f, 48);
		r->entries[i].type = 1 + below(f, 3);
		r->entries[i].flags = chance(f, 90) ? 0 : next(f);
		if (r->entries[i].type == KVM_IRQ_ROUTING_IRQCHIP) {
			r->entries[i].u.irqchip.irqchip = below(f, 4);
			r->entries[i].u.irqchip.pin = below(f, 30);
		}
	}
	fuzz_ioctl(f, fd, KVM_SET_GSI_ROUTING,
		   chance(f, 95) ? (void *)r : nasty_pointer(f, BUF_SIZE));
}

static const uint32_t msr_indices[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xc1, 0xfe, 0x174, 0x175, 0x176,
	0x179, 0x17a, 0x1a0, 0x1d9, 0x200, 0x277, 0x2ff, 0x400, 0x480,
	0x6e0, 0x800, 0x808, 0x80b, 0x830, 0x838, 0xc0000080, 0xc0000081,
	0xc0000082, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102,
	0xc0000103, 0x4b564d00, 0x4b564d01, 0x40000000,
};

/*
 * Guest MSR accesses for userspace: the exit reasons enabled, and filters
 * of random ranges and bitmaps, a few of them bad, that the vCPUs then
 * run under.
 */
static void fuzz_msr_exits(struct fuzz *f, int fd)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR };
	struct kvm_msr_filter filter = {};
	unsigned int i, n;

	if (chance(f, 30)) {
		cap.args[0] = chance(f, 80) ? below(f, 8) : nasty_number(f);
		cap.flags = chance(f, 90) ? 0 : nasty_number(f);
		fuzz_ioctl(f, fd, KVM_ENABLE_CAP, &cap);
		return;
	}
	filter.flags = chance(f, 90) ? below(f, 2) : nasty_number(f);
	n = below(f, KVM_MSR_FILTER_MAX_RANGES + 1);
	for (i = 0; i < n; i++) {
		struct kvm_msr_filter_range *r = &filter.ranges[i];

		r->flags = chance(f, 90) ? below(f, 4) : nasty_number(f);
		r->base = chance(f, 80) ? msr_indices[below(f, ARRAY_SIZE(msr_indices))] -
					  below(f, 4) : nasty_number(f);
		r->nmsrs = chance(f, 80) ? below(f, 64) : nasty_number(f);
		r->bitmap = nasty_pointer(f, (r->nmsrs + 63) / 64 * 8);
	}
	fuzz_ioctl(f, fd, KVM_X86_SET_MSR_FILTER,
		   chance(f, 95) ? (void *)&filter :
				   nasty_pointer(f, sizeof(filter)));
}

static void fuzz_vm(struct fuzz *f, int vm)
{
	int fd = f->vm_fd[vm];
	struct kvm_irqchip *chip;
	struct kvm_irq_level line;
	struct kvm_msi msi;

	if (fd < 0)
		return;
	switch (below(f, 17)) {
	case 0:
		fuzz_memory_region(f, fd);
		break;
	case 1:
		fuzz_ioctl(f, fd, KVM_CREATE_IRQCHIP, NULL);
		break;
	case 2:
		fuzz_ioctl(f, fd, KVM_CREATE_PIT2,
			   nasty_pointer(f, sizeof(struct kvm_pit_config)));
		break;
	case 3:
		line.irq = chance(f, 80) ? below(f, 32) : nasty_number(f);
		line.level = below(f, 3);
		fuzz_ioctl(f, fd, chance(f, 50) ? KVM_IRQ_LINE :
			   KVM_IRQ_LINE_STATUS, &line);
		break;
	case 4:
		fill_random(f, &msi, sizeof(msi));
		if (chance(f, 70)) {
			msi.address_lo = 0xfee00000 | (below(f, 4) << 12);
			msi.address_hi = 0;
			msi.flags = 0;
			memset(msi.pad, 0, sizeof(msi.pad));
		}
		fuzz_ioctl(f, fd, KVM_SIGNAL_MSI, &msi);
		break;
	case 5:
		fuzz_irqfd(f, fd);
		break;
	case 6:
		fuzz_ioeventfd(f, fd);
		break;
	case 7:
		fuzz_routing(f, fd);
		break;
	case 8:
		chip = nasty_pointer(f, sizeof(*chip));
		if (chip == (void *)f->buf)
			chip->chip_id = chance(f, 80) ? below(f, 3) :
					nasty_number(f);
		fuzz_ioctl(f, fd, chance(f, 50) ? KVM_GET_IRQCHIP :
			   KVM_SET_IRQCHIP, chip);
		break;
	case 9:
		fuzz_ioctl(f, fd, chance(f, 50) ? KVM_GET_PIT2 : KVM_SET_PIT2,
			   nasty_pointer(f, sizeof(struct kvm_pit_state2)));
		break;
	case 10:
		fuzz_ioctl(f, fd, KVM_SET_TSS_ADDR,
			   (void *)(uintptr_t)nasty_number(f));
		break;
	case 11:
		fuzz_ioctl(f, fd, KVM_SET_IDENTITY_MAP_ADDR,
			   nasty_pointer(f, 8));
		break;
	case 12:
		fuzz_ioctl(f, fd, KVM_ENABLE_CAP,
			   nasty_pointer(f, sizeof(struct kvm_enable_cap)));
		break;
	case 13:
		fuzz_ioctl(f, fd, chance(f, 50) ? KVM_GET_CLOCK : KVM_SET_CLOCK,
			   nasty_pointer(f, sizeof(struct kvm_clock_data)));
		break;
	case 14:
		fuzz_ioctl(f, fd, KVM_CHECK_EXTENSION,
			   (void *)(uintptr_t)nasty_number(f));
		break;
	case 15:
		fuzz_msr_exits(f, fd);
		break;
	default:
		fuzz_ioctl(f, fd, _IOC(below(f, 4), KVMIO, below(f, 0x100),
				       below(f, 0x400)),
			   nasty_pointer(f, 0x400));
		break;
	}
}

/* ---------------------------------------------------------------- vCPU */


static void fuzz_msrs(struct fuzz *f, int fd)
{
	struct kvm_msrs *m = (void *)f->buf;
	uint32_t room = (BUF_SIZE - sizeof(*m)) / sizeof(m->entries[0]);
	uint32_t i, n = chance(f, 85) ? below(f, 16) : nasty_number(f);

	fill_random(f, f->buf, BUF_SIZE);
	m->nmsrs = n;
	m->pad = 0;
	for (i = 0; i < n && i < room; i++) {
		m->entries[i].index = chance(f, 80) ?
			msr_indices[below(f, ARRAY_SIZE(msr_indices))] :
			(uint32_t)next(f);
		m->entries[i].reserved = 0;
		if (chance(f, 60))
			m->entries[i].data = below(f, 0x1000);
	}
	fuzz_ioctl(f, fd, chance(f, 50) ? KVM_GET_MSRS : KVM_SET_MSRS,
		   chance(f, 95) ? (void *)m : nasty_pointer(f, BUF_SIZE));
}

static void fuzz_cpuid(struct fuzz *f, int fd)
{
	struct kvm_cpuid2 *c = (void *)f->buf;
	uint32_t room = (BUF_SIZE - sizeof(*c)) / sizeof(c->entries[0]);
	uint32_t i, n = chance(f, 85) ? below(f, 40) : nasty_number(f);

	fill_random(f, f->buf, BUF_SIZE);
	c->nent = n;
	for (i = 0; i < n && i < room; i++) {
		c->entries[i].function = chance(f, 70) ? below(f, 0x20) :
					 0x80000000 + below(f, 0x20);
		c->entries[i].index = below(f, 4);
		c->entries[i].flags = below(f, 8);
	}
	fuzz_ioctl(f, fd, chance(f, 70) ? KVM_SET_CPUID2 : KVM_GET_CPUID2,
		   chance(f, 95) ? (void *)c : nasty_pointer(f, BUF_SIZE));
}

/* Keep most of the state sane, so that runs get somewhere. */
static void fuzz_sregs(struct fuzz *f, int fd)
{
	struct kvm_sregs s;
	uint8_t *b = (uint8_t *)&s;

	if (ioctl(fd, KVM_GET_SREGS, &s)) {
		note(f, KVM_GET_SREGS, -1);
		return;
	}
	b[below(f, sizeof(s))] ^= 1 << below(f, 8);
	if (chance(f, 20))
		s.efer = next(f);
	if (chance(f, 20))
		s.cr0 = next(f);
	if (chance(f, 20))
		s.cr4 = next(f);
	if (chance(f, 10))
		s.apic_base = next(f);
	fuzz_ioctl(f, fd, KVM_SET_SREGS, &s);
}

/* Each thread's own timer: its signal ends that thread's KVM_RUN. */
static __thread timer_t run_timer;
static __thread bool have_run_timer;

static void make_run_timer(void)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGALRM,
	};

	/* glibc 2.36 names no field for the thread: it is _tid. */
	sev._sigev_un._tid = gettid();
	have_run_timer = !timer_create(CLOCK_MONOTONIC, &sev, &run_timer);
}

static void arm_run_timer(long ns)
{
	struct itimerspec t = { .it_value.tv_nsec = ns };

	if (have_run_timer)
		timer_settime(run_timer, 0, &t, NULL);
}

static void fuzz_run(struct fuzz *f, int vm, int i)
{
	struct kvm_run *run;
	struct kvm_regs regs;
	long r;

	if (!have_run_timer)
		return;
	run_lock_read(f);
	run = f->run[vm][i];
	/*
	 * IF set: the lab's CPU takes no external-interrupt exit from a
	 * guest with IF clear, so one spinning so would hang the lab.
	 */
	if (!ioctl(f->vcpu_fd[vm][i], KVM_GET_REGS, &regs)) {
		regs.rflags |= 0x200;
		ioctl(f->vcpu_fd[vm][i], KVM_SET_REGS, &regs);
	}
	if (run && chance(f, 10))
		run->immediate_exit = 1;
	arm_run_timer(2000000);
	call_start();
	r = ioctl(f->vcpu_fd[vm][i], KVM_RUN, 0);
	note(f, KVM_RUN, r);
	arm_run_timer(0);
	f->runs++;
	if (run) {
		f->run_exits[run->exit_reason & 63]++;
		run->immediate_exit = 0;
	}
	run_unlock(f);
}

/* The vCPU's TSC offset attribute, its neighbours and bad addresses. */
static void fuzz_vcpu_attr(struct fuzz *f, int fd)
{
	static const unsigned long nrs[] = {
		KVM_HAS_DEVICE_ATTR, KVM_GET_DEVICE_ATTR, KVM_SET_DEVICE_ATTR,
	};
	struct kvm_device_attr attr = {
		.flags = chance(f, 90) ? 0 : nasty_number(f),
		.group = chance(f, 80) ? KVM_VCPU_TSC_CTRL : nasty_number(f),
		.attr = chance(f, 80) ? KVM_VCPU_TSC_OFFSET : below(f, 4),
		.addr = (uintptr_t)nasty_pointer(f, sizeof(uint64_t)),
	};

	fuzz_ioctl(f, fd, nrs[below(f, 3)],
		   chance(f, 90) ? &attr : nasty_pointer(f, sizeof(attr)));
}

static void fuzz_vcpu(struct fuzz *f, int vm, int i)
{
	int fd = f->vcpu_fd[vm][i];
	struct kvm_interrupt irq;

	if (fd < 0)
		return;
	switch (below(f, 15)) {
	case 0:
		fuzz_ioctl(f, fd, chance(f, 50) ? KVM_GET_REGS : KVM_SET_REGS,
			   nasty_pointer(f, sizeof(struct kvm_regs)));
		break;
	case 1:
		fuzz_sregs(f, fd);
		break;
	case 2:
		fuzz_ioctl(f, fd, chance(f, 30) ? KVM_GET_SREGS : KVM_SET_SREGS,
			   nasty_pointer(f, sizeof(struct kvm_sregs)));
		break;
	case 3:
		fuzz_msrs(f, fd);
		break;
	case 4:
		fuzz_ioctl(f, fd, chance(f, 50) ? KVM_GET_FPU : KVM_SET_FPU,
			   nasty_pointer(f, sizeof(struct kvm_fpu)));
		break;
	case 5:
		fuzz_cpuid(f, fd);
		break;
	case 6:
		fuzz_ioctl(f, fd, chance(f, 50) ? KVM_GET_LAPIC : KVM_SET_LAPIC,
			   nasty_pointer(f, sizeof(struct kvm_lapic_state)));
		break;
	case 7:
		irq.irq = chance(f, 80) ? below(f, 256) : nasty_number(f);
		fuzz_ioctl(f, fd, KVM_INTERRUPT, &irq);
		break;
	case 8:
		fuzz_ioctl(f, fd, KVM_NMI, NULL);
		break;
	case 9:
		fuzz_ioctl(f, fd, chance(f, 50) ? KVM_GET_MP_STATE :
			   KVM_SET_MP_STATE,
			   nasty_pointer(f, sizeof(struct kvm_mp_state)));
		break;
	case 10:
	case 11:
	case 12:
		fuzz_run(f, vm, i);
		break;
	case 13:
		fuzz_vcpu_attr(f, fd);
		break;
	default:
		fuzz_ioctl(f, fd, _IOC(below(f, 4), KVMIO, below(f, 0x100),
				       below(f, 0x400)),
			   nasty_pointer(f, 0x400));
		break;
	}
}

/* ---------------------------------------------------------------- driver */

static void one_step(struct fuzz *f)
{
	int vm = below(f, MAX_VMS), i = below(f, MAX_VCPUS);

	switch (below(f, 20)) {
	case 0:
		fuzz_system(f);
		break;
	case 1:
		if (chance(f, 30))
			create_vm(f, vm);
		break;
	case 2:
		if (chance(f, 40))
			create_vcpu(f, vm, i);
		break;
	case 3:
		if (chance(f, 5))
			close_vm(f, vm);
		else if (chance(f, 10))
			close_vcpu(f, vm, i);
		else if (chance(f, 10))
			dup_object(f, vm, i);
		else if (chance(f, 2))
			fork_and_poke(f);
		break;
	case 4:
	case 5:
	case 6:
	case 7:
		fuzz_vm(f, vm);
		break;
	default:
		fuzz_vcpu(f, vm, i);
		break;
	}
}

static void on_alarm(int sig)
{
}

static void storm_setup(struct __test_metadata *_metadata, struct fuzz *f,
		       const char *path)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	pthread_rwlockattr_t attr;
	int vm, i;

	memset(f, 0, sizeof(*f));
	f->path = path;
	/* A sweep must not wait for ever behind the threads' readers. */
	ASSERT_EQ(0, pthread_rwlockattr_init(&attr));
	ASSERT_EQ(0, pthread_rwlockattr_setkind_np(&attr,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP));
	ASSERT_EQ(0, pthread_rwlock_init(&f->run_lock, &attr));
	pthread_rwlockattr_destroy(&attr);
	/* No SA_RESTART: the timer's signal ends a KVM_RUN with EINTR. */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	f->sys_fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, f->sys_fd);
	f->run_size = ioctl(f->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	ASSERT_LT(0, f->run_size);
	f->buf = mmap(NULL, BUF_SIZE + 4096, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f->buf);
	ASSERT_EQ(0, munmap(f->buf + BUF_SIZE, 4096));
	f->mem = mmap(NULL, 256 << 12, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, f->mem);
	/* HLT everywhere: whatever a fuzzed vCPU runs in its slots stops. */
	memset(f->mem, 0xf4, 256 << 12);
	for (i = 0; i < MAX_EVENTFDS; i++) {
		f->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, f->efd[i]);
	}
	for (vm = 0; vm < MAX_VMS; vm++) {
		f->vm_fd[vm] = -1;
		for (i = 0; i < MAX_VCPUS; i++)
			f->vcpu_fd[vm][i] = -1;
	}
}

/*
 * Threads that race on one slot can lose a file (two creations, one
 * kept): close every VM and vCPU file still open, so that the leak check
 * sees vmxlab's own state. Returns how many there were.
 */
static int close_stray_files(void)
{
	DIR *dir = opendir("/proc/self/fd");
	char path[64], link[64];
	struct dirent *e;
	int fd, n = 0;
	ssize_t len;

	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		fd = atoi(e->d_name);
		if (fd <= 2 || fd == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = 0;
		if (!strncmp(link, "anon_inode:vmxlab-", 18) ||
		    !strncmp(link, "anon_inode:kvm-", 15)) {
			close(fd);
			n++;
		}
	}
	closedir(dir);
	return n;
}

static int storm_teardown(struct fuzz *f)
{
	int vm, i;

	for (vm = 0; vm < MAX_VMS; vm++)
		close_vm(f, vm);
	for (i = 0; i < f->nr_run_pages && i < MAX_RUN_PAGES; i++)
		if (f->run_pages[i])
			munmap(f->run_pages[i], f->run_size);
	for (i = 0; i < MAX_EVENTFDS; i++)
		close(f->efd[i]);
	close(f->sys_fd);
	munmap(f->buf, BUF_SIZE);
	munmap(f->mem, 256 << 12);
	signal(SIGALRM, SIG_DFL);
	return close_stray_files();
}

static const char *ioctl_name(int nr)
{
	switch (nr) {
	case _IOC_NR(KVM_CREATE_VM):		return "CREATE_VM";
	case _IOC_NR(KVM_CREATE_VCPU):		return "CREATE_VCPU";
	case _IOC_NR(KVM_SET_USER_MEMORY_REGION): return "SET_USER_MEMORY_REGION";
	case _IOC_NR(KVM_CREATE_IRQCHIP):	return "CREATE_IRQCHIP";
	case _IOC_NR(KVM_CREATE_PIT2):		return "CREATE_PIT2";
	case _IOC_NR(KVM_RUN):			return "RUN";
	case _IOC_NR(KVM_SET_MSRS):		return "SET_MSRS";
	case _IOC_NR(KVM_IRQFD):		return "IRQFD";
	case _IOC_NR(KVM_IOEVENTFD):		return "IOEVENTFD";
	case _IOC_NR(KVM_SET_GSI_ROUTING):	return "SET_GSI_ROUTING";
	case _IOC_NR(KVM_SET_LAPIC):		return "SET_LAPIC";
	case _IOC_NR(KVM_SET_SREGS):		return "SET_SREGS";
	}
	return NULL;
}

/* The ioctl numbers that took most of the storm's time (the lab's budget). */
static void report_costs(struct __test_metadata *_metadata, struct fuzz *f)
{
	bool shown[256] = {};
	char line[512];
	uint64_t total = 0;
	int n = 0, k, nr, top;

	for (nr = 0; nr < 256; nr++)
		total += f->ns_by_nr[nr];
	for (k = 0; k < 6; k++) {
		top = -1;
		for (nr = 0; nr < 256; nr++)
			if (!shown[nr] && f->calls_by_nr[nr] &&
			    (top < 0 || f->ns_by_nr[nr] > f->ns_by_nr[top]))
				top = nr;
		if (top < 0)
			break;
		shown[top] = true;
		n += snprintf(line + n, sizeof(line) - n, " %s%s%#x: %ld ms in %ld",
			      ioctl_name(top) ?: "", ioctl_name(top) ? "/" : "",
			      top, (long)(f->ns_by_nr[top] / 1000000),
			      (long)f->calls_by_nr[top]);
	}
	TH_LOG("time in calls: %ld ms, in forks: %ld ms; most:%s",
	       (long)(total / 1000000), (long)(f->fork_ns / 1000000), line);
}

static void report(struct __test_metadata *_metadata, struct fuzz *f,
		   uint64_t seed)
{
	char line[512];
	int n = 0, e;

	TH_LOG("seed %#" PRIx64 ": %ld calls, %ld succeeded, %ld KVM_RUNs, %ld dups, %ld forks",
	       seed, (long)f->calls, (long)f->ok, (long)f->runs,
	       (long)f->dups, (long)f->forks);
	for (e = 1; e < 256; e++)
		if (f->failures_by_errno[e] && n < (int)sizeof(line) - 32)
			n += snprintf(line + n, sizeof(line) - n, " %s:%ld",
				      strerrorname_np(e) ?: "?",
				      (long)f->failures_by_errno[e]);
	TH_LOG("errors:%s", n ? line : " none");
	for (e = 0, n = 0; e < 64; e++)
		if (f->run_exits[e] && n < (int)sizeof(line) - 32)
			n += snprintf(line + n, sizeof(line) - n, " %d:%ld", e,
				      (long)f->run_exits[e]);
	TH_LOG("exit reasons after KVM_RUN:%s", n ? line : " none");
	report_costs(_metadata, f);
}

/* After the storm, a clean VM still runs a guest to its end. */
static void guest_says_done(void)
{
	GUEST_DONE();
}

FIXTURE(fuzz) {
	struct fuzz f;
};

FIXTURE_VARIANT(fuzz) {
	const char *path;
};

FIXTURE_VARIANT_ADD(fuzz, vmxlab) {
	.path = VMXLAB_DEV,
};

FIXTURE_VARIANT_ADD(fuzz, kvm) {
	.path = KVM_DEV,
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

struct worker {
	struct fuzz *f;
	uint64_t seed;
	long calls;
	int id;
	long steps;		/* how many it ran */
};

static void *work(void *arg)
{
	struct worker *w = arg;
	long step;

	make_run_timer();
	for (step = 0; w->f->calls < w->calls; step++) {
		seed_step(w->seed, w->id, step);
		one_step(w->f);
	}
	w->steps = step;
	if (have_run_timer)
		timer_delete(run_timer);
	return NULL;
}

/* Argument memory changes under the module's feet (TOCTOU). */
static void *scribble(void *arg)
{
	struct fuzz *f = arg;

	rng = 0x5deece66dULL;
	while (!f->stop) {
		f->buf[below(f, BUF_SIZE)] ^= 1 << below(f, 8);
		usleep(f->scribble_us);
	}
	return NULL;
}

/* The objects every run starts with: VM 0 and its vCPU 0. */
static void storm_start(struct fuzz *f, uint64_t seed)
{
	rng = seed ^ 0x9e3779b97f4a7c15ULL;
	create_vm(f, 0);
	create_vcpu(f, 0, 0);
}

/* One thread's steps, exactly these, on one thread. */
static void run_steps(struct fuzz *f, uint64_t seed, int thread,
		      const long *steps, long n)
{
	long i;

	make_run_timer();
	for (i = 0; i < n; i++) {
		seed_step(seed, thread, steps[i]);
		one_step(f);
	}
	if (have_run_timer)
		timer_delete(run_timer);
}

/* ---------------------------------------------------------------- shrinking */

enum failure { FAIL_ERRNO, FAIL_LEAK };

struct replay {
	struct __test_metadata *meta;
	const char *path;
	uint64_t seed;
	int thread;
	enum failure kind;
	int bad_errno;		/* FAIL_ERRNO: the one to see again */
	time_t deadline;
};

static long alloc_total(void)
{
	struct vmxlab_alloc a;

	if (vmxlab_alloc_read(&a))
		return 0;
	return a.vms + a.vcpus + a.bytes + a.pages + a.guest_pages +
	       a.page_refs;
}

/* Runs @steps in a child; whether it failed the same way. */
static bool replay_fails(const long *steps, long n, void *ctx)
{
	struct replay *r = ctx;
	long held = alloc_total();
	int status, waited;
	pid_t pid;

	if (time(NULL) > r->deadline)
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (!pid) {
		static struct fuzz f;

		storm_setup(r->meta, &f, r->path);
		storm_start(&f, r->seed);
		run_steps(&f, r->seed, r->thread, steps, n);
		storm_teardown(&f);
		_exit(r->kind == FAIL_ERRNO && f.bad_errno &&
		      f.last_bad_errno == r->bad_errno);
	}
	/* A replay that hangs does not count; the lab bounds the rest. */
	for (waited = 0; waited < 600; waited++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (waited == 600) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return false;
	}
	if (r->kind == FAIL_LEAK)
		return alloc_total() > held;
	return WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

static void print_steps(struct __test_metadata *_metadata,
			const struct replay *r, const long *steps, long n)
{
	char line[1024];
	int len = 0;
	long i;

	for (i = 0; i < n && len < (int)sizeof(line) - 24; i++)
		len += snprintf(line + len, sizeof(line) - len, "%s%ld",
				i ? "," : "", steps[i]);
	TH_LOG("replay: vmxlab_fuzz_seed=%#" PRIx64 " vmxlab_fuzz_thread=%d vmxlab_fuzz_steps=%s%s",
	       r->seed, r->thread, line, i < n ? "..." : "");
}

/*
 * A failure of the storm: find the shortest list of the failing thread's
 * steps that still fails alone, within a few minutes, and print it as a
 * command line that replays it.
 */
static bool shrink_failure(struct __test_metadata *_metadata,
			   struct replay *r, long last_step)
{
	long n = last_step + 1, i, *steps = calloc(n, sizeof(*steps));
	int tries;

	if (!steps)
		return false;
	for (i = 0; i < n; i++)
		steps[i] = i;
	r->deadline = time(NULL) + 300;
	if (!replay_fails(steps, n, r)) {
		TH_LOG("thread %d's %ld steps alone do not fail: the failure needs the other threads (or the scribbler)",
		       r->thread, n);
		free(steps);
		return false;
	}
	n = minimize_steps(steps, n, replay_fails, r, 200, &tries);
	TH_LOG("shrunk to %ld steps of thread %d in %d replays%s", n,
	       r->thread, tries, time(NULL) > r->deadline ?
	       " (out of time: may shrink further)" : "");
	print_steps(_metadata, r, steps, n);
	free(steps);
	return true;
}

/* vmxlab_fuzz_steps=1,5,9: the steps to replay, or 0 for a storm. */
static long replay_list(long **steps)
{
	char list[2048], *p, *end;
	long n = 0;

	*steps = NULL;
	if (!lab_cmdline_string("vmxlab_fuzz_steps", list, sizeof(list)))
		return 0;
	*steps = calloc(sizeof(list) / 2 + 1, sizeof(**steps));
	for (p = list; *steps && *p; p = end + (*end == ',')) {
		(*steps)[n++] = strtol(p, &end, 0);
		if (end == p)
			break;
	}
	return n;
}

TEST_F_TIMEOUT(fuzz, random_ioctls, 900)
{
	uint64_t seed = lab_cmdline_number("vmxlab_fuzz_seed", DEFAULT_SEED);
	long calls = lab_cmdline_number("vmxlab_fuzz_calls", DEFAULT_CALLS);
	long threads = lab_cmdline_number("vmxlab_fuzz_threads", DEFAULT_THREADS);
	bool vmxlab = !strcmp(variant->path, VMXLAB_DEV);
	struct replay r = {
		.meta = _metadata, .path = variant->path, .seed = seed,
	};
	struct worker w[MAX_THREADS];
	pthread_t tid[MAX_THREADS], scribbler;
	struct fuzz *f = &self->f;
	long t, nr_replay, *replay;
	uint64_t storm_ns, teardown_ns;
	struct vcpu *vcpu;
	int stray;
	struct vm *vm;

	GUEST_DEVICE_OR_SKIP(variant->path);
	canary_errno = lab_cmdline_number("vmxlab_fuzz_canary_errno", 0);
	if (!vmxlab)
		calls = (calls + KVM_SHARE - 1) / KVM_SHARE;
	ASSERT_LE(1, threads);
	ASSERT_GE(MAX_THREADS, threads);
	nr_replay = replay_list(&replay);
	storm_setup(_metadata, f, variant->path);
	f->scribble_us = lab_cmdline_number("vmxlab_fuzz_scribble_us", SCRIBBLE_US);
	storm_start(f, seed);
	if (nr_replay) {
		r.thread = lab_cmdline_number("vmxlab_fuzz_thread", 0);
		TH_LOG("replaying %ld steps of thread %d", nr_replay, r.thread);
		run_steps(f, seed, r.thread, replay, nr_replay);
		threads = 0;
	}
	free(replay);
	storm_ns = now_ns();
	if (threads > 1)
		ASSERT_EQ(0, pthread_create(&scribbler, NULL, scribble, f));
	for (t = 0; t < threads; t++) {
		w[t] = (struct worker){ f, seed, calls, t, 0 };
		ASSERT_EQ(0, pthread_create(&tid[t], NULL, work, &w[t]));
	}
	for (t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	f->stop = 1;
	if (threads > 1)
		pthread_join(scribbler, NULL);
	TH_LOG("%ld threads%s", threads, threads > 1 ? " and a scribbler" : "");
	storm_ns = now_ns() - storm_ns;
	report(_metadata, f, seed);
	teardown_ns = now_ns();
	stray = storm_teardown(f);
	teardown_ns = now_ns() - teardown_ns;
	TH_LOG("%d VM or vCPU files lost to races between the threads, closed at the end",
	       stray);
	TH_LOG("the storm took %ld ms (%ld run pages unmapped during it); closing everything after it %ld ms",
	       (long)(storm_ns / 1000000), (long)f->run_pages_swept,
	       (long)(teardown_ns / 1000000));
	/* One thread races with nobody: every file it opened is accounted. */
	if (threads <= 1)
		EXPECT_EQ(0, stray);

	EXPECT_EQ(0, f->bad_errno)
		TH_LOG("last: errno %d from ioctl %#lx at call %ld (step %ld of thread %d)",
		       f->last_bad_errno, f->last_bad_ioctl, f->last_bad_call,
		       f->last_bad_step, f->last_bad_thread);
	if (f->bad_errno && !nr_replay) {
		r.kind = FAIL_ERRNO;
		r.bad_errno = f->last_bad_errno;
		r.thread = f->last_bad_thread;
		shrink_failure(_metadata, &r, f->last_bad_step);
	}
	/* Most calls must have got past argument checks somewhere. */
	if (!nr_replay)
		EXPECT_LT(calls / 10, (long)f->ok);

	/* A leak: each thread's steps alone, until one reproduces it. */
	for (t = 0; vmxlab && !nr_replay && alloc_total() && t < threads; t++) {
		TH_LOG("vmxlab holds something after the storm: shrinking thread %ld's %ld steps",
		       t, w[t].steps);
		r.kind = FAIL_LEAK;
		r.thread = t;
		if (shrink_failure(_metadata, &r, w[t].steps - 1))
			break;
	}
	vm = vm_create_with_vcpu(variant->path, guest_says_done, &vcpu);
	RUN_DONE(vcpu);
	vm_free(vm);
	if (vmxlab)
		EXPECT_VMXLAB_HOLDS_NOTHING();
}

TEST_HARNESS_MAIN
