// SPDX-License-Identifier: GPL-2.0
/*
 * vmxlab bench latency --source device: the host side. A bench thread,
 * not the guest, raises the interrupt, so no guest exit is on the
 * measured path. It waits for the guest's mailbox (user/guests/mbtest:
 * bench_device()) to name the next sample, lets the guest settle into
 * hlt or its spin, notes its own TSC converted to guest TSC through the
 * vCPU's TSC offset (KVM_VCPU_TSC_OFFSET), and writes an eventfd:
 *   kernel  the eventfd is an irqfd on BENCH_GSI: the kernel's IOAPIC
 *           and LAPIC deliver it, no launcher thread runs;
 *   split   a relay thread reads it and raises the line on the
 *   user    launcher's IOAPIC (irqchip_set_line()), which sends an MSI
 *           to the in-kernel LAPIC (split) or injects through its own
 *           LAPIC and KVM_INTERRUPT (user),
 * the way a device backend's interrupt reaches a guest in each mode.
 *
 * --source net: the same thread sends a frame into the tap instead (an
 * AF_PACKET socket on it: the host's stack transmits, the tap's reader
 * receives), and virtio-net's backend (the launcher's receive thread,
 * vmxlab-net's or vhost-net's worker) puts it in the guest's receive
 * ring and raises its interrupt, as any received packet would.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "bench/bench_device.h"
#include "irqchip/irqchip.h"
#include "vm.h"

/* The guest's mailbox and line (user/guests/mbtest: bench_device()). */
#define BENCH_MAILBOX_GPA	0x3ff000ULL
#define BENCH_GSI		12
/* Host TSC ticks between the guest's post and the trigger. */
#define BENCH_SETTLE_TICKS	20000
/* A trigger the guest has not answered by then is repeated. */
#define BENCH_ANSWER_NS		(100 * 1000 * 1000ULL)
#define BENCH_MAX_LOST		100
/* The frame sent per net sample: IEEE local experimental ethertype. */
#define BENCH_ETHERTYPE		0x88b5
#define BENCH_FRAME_LEN		64
/* A guest that posts nothing for this long has stopped measuring. */
#define BENCH_POST_NS		(10 * 1000 * 1000 * 1000ULL)

struct bench_mailbox {
	uint32_t ready;
	uint32_t done;
	uint64_t trigger;
	uint32_t lost;
	uint32_t finished;
	uint32_t trigger_seq;
};

static inline uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint32_t load32(volatile uint32_t *p)
{
	return atomic_load_explicit((_Atomic uint32_t *)p, memory_order_acquire);
}

int bench_tsc_offset(int vcpu_fd, uint64_t *offset, struct errbuf *err)
{
	struct kvm_device_attr attr = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uintptr_t)offset,
	};

	if (ioctl(vcpu_fd, KVM_GET_DEVICE_ATTR, &attr))
		return errbuf_set(err, "this source needs the vCPU's TSC offset (KVM_GET_DEVICE_ATTR, KVM_VCPU_TSC_OFFSET): %s",
				  strerror(errno));
	return 0;
}

/* Wait for the guest: spin where we have a CPU of our own, else sleep. */
static void pause_a_little(const struct bench_device *d)
{
	static const struct timespec nap = { .tv_nsec = 20000 };

	if (d->pinned)
		__asm__ volatile("pause");
	else
		nanosleep(&nap, NULL);
}

static bool guest_answered(volatile struct bench_mailbox *mb, uint32_t seq)
{
	return load32(&mb->done) >= seq || load32(&mb->finished);
}

static void send_frame(struct bench_device *d)
{
	static const uint8_t guest_mac[ETH_ALEN] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET, .sll_ifindex = d->ifindex,
		.sll_protocol = htons(BENCH_ETHERTYPE), .sll_halen = ETH_ALEN,
	};
	uint8_t frame[BENCH_FRAME_LEN] = { 0 };
	struct ether_header *eh = (struct ether_header *)frame;

	memcpy(to.sll_addr, guest_mac, ETH_ALEN);
	memcpy(eh->ether_dhost, guest_mac, ETH_ALEN);
	eh->ether_type = htons(BENCH_ETHERTYPE);
	if (sendto(d->pkt, frame, sizeof(frame), 0, (struct sockaddr *)&to,
		   sizeof(to)) != sizeof(frame))
		vm_request_stop(d->vm, EXIT_SETUP, "bench: sending into the tap: %s",
				strerror(errno));
}

static void fire(struct bench_device *d)
{
	uint64_t one = 1;

	if (d->pkt >= 0)
		send_frame(d);
	else if (write(d->efd, &one, sizeof(one)) != sizeof(one))
		vm_request_stop(d->vm, EXIT_SETUP, "bench: eventfd write: %s",
				strerror(errno));
}

/* One sample: the guest's post, the settling time, the trigger, the answer. */
static bool bench_one(struct bench_device *d, volatile struct bench_mailbox *mb,
		      uint32_t seq)
{
	uint64_t posted, fired, waiting = now_ns();
	static const struct timespec nap = { .tv_nsec = 20000 };

	while (load32(&mb->ready) < seq) {
		if (load32(&mb->finished) || vm_is_stopping(d->vm))
			return false;
		if (now_ns() - waiting > BENCH_POST_NS) {
			vm_request_stop(d->vm, EXIT_GUEST_CRASH,
					"bench: the guest did not post sample %u (last answered %u)",
					seq, load32(&mb->done));
			return false;
		}
		pause_a_little(d);
	}
	posted = host_rdtsc();
	while (host_rdtsc() - posted < BENCH_SETTLE_TICKS)
		__asm__ volatile("pause");
	/* The trigger, then the sample it is for: the guest reads them so. */
	mb->trigger = host_rdtsc() + d->tsc_offset;
	atomic_thread_fence(memory_order_release);
	mb->trigger_seq = seq;
	atomic_thread_fence(memory_order_release);
	fire(d);
	fired = now_ns();
	/*
	 * Sleep, not spin: the relay thread may want this CPU. A late answer
	 * gets the interrupt again, not a new trigger: the sample keeps its
	 * start, and the count (kept here, not in guest memory) says so.
	 */
	while (!guest_answered(mb, seq)) {
		if (vm_is_stopping(d->vm))
			return false;
		if (now_ns() - fired > BENCH_ANSWER_NS) {
			if (++d->lost > BENCH_MAX_LOST) {
				vm_request_stop(d->vm, EXIT_GUEST_CRASH,
						"bench: %u interrupts never reached the guest (sample %u)",
						d->lost, seq);
				return false;
			}
			mb->lost = d->lost;
			fire(d);
			fired = now_ns();
		}
		nanosleep(&nap, NULL);
	}
	return true;
}

static void *bench_thread(void *arg)
{
	struct bench_device *d = arg;
	volatile struct bench_mailbox *mb = d->mailbox;
	uint32_t seq = 1;

	pthread_setname_np(pthread_self(), "bench-device");
	/* vm->pin_vcpus puts vCPU 0 on the first allowed CPU; we take the next. */
	d->cpu = d->vm->pin_vcpus ? vm_pick_cpu(1) : -1;
	d->pinned = d->cpu >= 0 && !vm_pin_thread(pthread_self(), d->cpu);
	/* The mailbox is the guest's to write: trigger no more than asked. */
	while (seq <= d->triggers && bench_one(d, mb, seq))
		seq++;
	return NULL;
}

/* split and user: what a device backend's thread does with its eventfd. */
static void *relay_thread(void *arg)
{
	struct bench_device *d = arg;
	uint64_t count;

	pthread_setname_np(pthread_self(), "bench-relay");
	while (read(d->efd, &count, sizeof(count)) == sizeof(count)) {
		if (atomic_load(&d->quit))
			break;
		irqchip_set_line(d->vm, BENCH_GSI, 1);
		irqchip_set_line(d->vm, BENCH_GSI, 0);
	}
	return NULL;
}

/* vm->before_stop: no trigger may reach a vCPU thread being joined. */
static void bench_device_before_stop(void *arg)
{
	bench_device_stop(arg);
}

/* net: a packet socket bound to the tap, to send into it. */
static int open_tap_socket(struct bench_device *d, const char *tap,
			   struct errbuf *err)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };

	d->ifindex = if_nametoindex(tap);
	if (!d->ifindex)
		return errbuf_set(err, "no interface %s: %s", tap, strerror(errno));
	d->pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (d->pkt < 0)
		return errbuf_set(err, "packet socket (needs CAP_NET_RAW): %s",
				  strerror(errno));
	sll.sll_ifindex = d->ifindex;
	if (bind(d->pkt, (struct sockaddr *)&sll, sizeof(sll)))
		return errbuf_set(err, "binding a packet socket to %s: %s", tap,
				  strerror(errno));
	return 0;
}

int bench_device_start(struct bench_device *d, struct vm *vm,
		       unsigned int triggers, const char *tap,
		       struct errbuf *err)
{
	memset(d, 0, sizeof(*d));
	d->vm = vm;
	d->triggers = triggers;
	d->efd = -1;
	d->pkt = -1;
	d->mailbox = guest_mem_ptr(&vm->mem, BENCH_MAILBOX_GPA,
				   sizeof(struct bench_mailbox));
	if (!d->mailbox)
		return errbuf_set(err, "no guest memory at the bench mailbox (%#llx)",
				  BENCH_MAILBOX_GPA);
	if (bench_tsc_offset(vm->vcpus[0].fd, &d->tsc_offset, err))
		return -1;
	if (tap) {
		if (open_tap_socket(d, tap, err)) {
			bench_device_stop(d);
			return -1;
		}
		goto start;
	}
	d->efd = eventfd(0, EFD_CLOEXEC);
	if (d->efd < 0)
		return errbuf_set(err, "eventfd: %s", strerror(errno));
	if (vm->opts->irqchip == IRQCHIP_KERNEL) {
		struct kvm_irqfd irqfd = { .fd = d->efd, .gsi = BENCH_GSI };

		if (ioctl(vm->fd, KVM_IRQFD, &irqfd)) {
			bench_device_stop(d);
			return errbuf_set(err, "KVM_IRQFD on GSI %d: %s",
					  BENCH_GSI, strerror(errno));
		}
	} else {
		if (pthread_create(&d->relay, NULL, relay_thread, d)) {
			bench_device_stop(d);
			return errbuf_set(err, "cannot start the relay thread");
		}
		d->relay_started = true;
	}
start:
	if (pthread_create(&d->thread, NULL, bench_thread, d)) {
		bench_device_stop(d);
		return errbuf_set(err, "cannot start the bench thread");
	}
	d->thread_started = true;
	vm->before_stop = bench_device_before_stop;
	vm->before_stop_arg = d;
	return 0;
}

void bench_device_stop(struct bench_device *d)
{
	uint64_t one = 1;

	if (d->thread_started)
		pthread_join(d->thread, NULL);
	if (d->relay_started) {
		atomic_store(&d->quit, true);
		if (write(d->efd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(d->relay);
		pthread_join(d->relay, NULL);
	}
	if (d->efd >= 0)
		close(d->efd);
	if (d->pkt >= 0)
		close(d->pkt);
	d->thread_started = d->relay_started = false;
	d->efd = d->pkt = -1;
}

void bench_device_report(const struct bench_device *d)
{
	int vcpu_cpu = d->vm->vcpus[0].pinned_cpu;

	if (d->pinned && vcpu_cpu >= 0)
		printf("bench latency: vCPU on CPU %d, trigger on CPU %d\n",
		       vcpu_cpu, d->cpu);
	else
		printf("bench latency: vCPU and trigger not pinned\n");
}
