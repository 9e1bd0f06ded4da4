// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-net UAPI of /dev/vmxlab-net against Linux's /dev/vhost-net,
 * with the same expectations where both agree, and no VM: the rings live
 * in this program's memory (guest-physical 0 is the start of a buffer)
 * and a tap is the backend. A frame put on the transmit ring must come
 * out of the tap, a frame sent into the tap must land in a receive
 * buffer, each with its used element and a call; hostile rings (loops,
 * heads out of range, buffers outside the memory table, huge lengths, an
 * avail index too far ahead, writable buffers to transmit) must signal
 * the err eventfd and move nothing; the owner is checked; closing in
 * any order, or SIGKILL of the owner, leaves vmxlab holding nothing; the
 * worker runs in the owner's cgroup; and
 * random ioctls, ring contents and traffic (seeded, VHOST_FUZZ_SEED)
 * leave a device that a fresh owner can still use.
 *
 * The lab kernel's clock runs about 100 times slower than wall time, so
 * waits for something that must not happen are short: each follows the
 * err signal, after which the device has made its decision.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "vmxlab_test.h"

#define TAP_NAME	"vnettest0"
#define MEM_SIZE	(1 << 20)
#define QNUM		8
#define RXQ		0
#define TXQ		1
#define HDR_LEN		12
#define ETH_TEST	0x88b5		/* IEEE local experimental ethertype */
#define FRAME_LEN	64
/* Per queue: desc, avail, used; then buffers from BUF_OFF. */
#define DESC_OFF(q)	(0x1000 + 0x3000 * (q))
#define AVAIL_OFF(q)	(0x2000 + 0x3000 * (q))
#define USED_OFF(q)	(0x3000 + 0x3000 * (q))
#define BUF_OFF		0x10000

static const char *variant_path;

FIXTURE(net) {
	int fd, tap, pkt, ifindex;
	int kick[2], call[2], err;
	uint8_t *mem;
	uint16_t avail_idx[2];
};

FIXTURE_VARIANT(net) {
	const char *path;
	bool vmxlab;
};

FIXTURE_VARIANT_ADD(net, vmxlab) {
	.path = "/dev/vmxlab-net",
	.vmxlab = true,
};

FIXTURE_VARIANT_ADD(net, vhost_net) {
	.path = "/dev/vhost-net",
};

static int tap_create(int *ifindex)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	int hdr = HDR_LEN, s;

	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, TAP_NAME);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr))
		goto fail;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	ifr.ifr_flags = IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) || ioctl(s, SIOCGIFINDEX, &ifr)) {
		close(s);
		goto fail;
	}
	close(s);
	*ifindex = ifr.ifr_ifindex;
	return fd;
fail:
	close(fd);
	return -1;
}

/* A packet socket on the tap: what the device transmits, and a way in. */
static int packet_open(int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_TEST),
		.sll_ifindex = ifindex,
	};
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_TEST));

	if (s >= 0 && bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		close(s);
		return -1;
	}
	return s;
}

FIXTURE_SETUP(net)
{
	int q;

	self->fd = open(variant->path, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && !vmxlab_in_lab())
		SKIP(return, "%s: %s", variant->path, strerror(errno));
	ASSERT_LE(0, self->fd) TH_LOG("%s: %s", variant->path, strerror(errno));
	self->tap = tap_create(&self->ifindex);
	ASSERT_LE(0, self->tap) TH_LOG("tap: %s", strerror(errno));
	self->pkt = packet_open(self->ifindex);
	ASSERT_LE(0, self->pkt) TH_LOG("packet socket: %s", strerror(errno));
	self->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	for (q = 0; q < 2; q++) {
		self->kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		self->call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, self->kick[q]);
		ASSERT_LE(0, self->call[q]);
	}
	self->err = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->err);
}

FIXTURE_TEARDOWN(net)
{
	int q;

	if (self->fd >= 0)
		close(self->fd);
	if (self->tap >= 0)
		close(self->tap);
	if (self->pkt >= 0)
		close(self->pkt);
	for (q = 0; q < 2; q++) {
		close(self->kick[q]);
		close(self->call[q]);
	}
	close(self->err);
	if (self->mem != MAP_FAILED)
		munmap(self->mem, MEM_SIZE);
	EXPECT_VMXLAB_HOLDS_NOTHING();
}

static int set_mem(int fd, uint8_t *mem, uint32_t nregions)
{
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r[1];
	} t = { .hdr.nregions = nregions };

	t.r[0].guest_phys_addr = 0;
	t.r[0].memory_size = MEM_SIZE;
	t.r[0].userspace_addr = (uintptr_t)mem;
	return ioctl(fd, VHOST_SET_MEM_TABLE, &t);
}

static int vring_file(int fd, unsigned long req, unsigned int index, int efd)
{
	struct vhost_vring_file f = { .index = index, .fd = efd };

	return ioctl(fd, req, &f);
}

/* Features, memory, both rings, eventfds: all but owner and backend. */
static void net_configure_rings(struct __test_metadata *_metadata,
				FIXTURE_DATA(net) *self)
{
	uint64_t features = 1ULL << 32;	/* VIRTIO_F_VERSION_1 */
	unsigned int q;

	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_FEATURES, &features));
	ASSERT_EQ(0, set_mem(self->fd, self->mem, 1));
	for (q = 0; q < 2; q++) {
		struct vhost_vring_state num = { q, QNUM }, base = { q, 0 };
		struct vhost_vring_addr addr = {
			.index = q,
			.desc_user_addr = (uintptr_t)self->mem + DESC_OFF(q),
			.avail_user_addr = (uintptr_t)self->mem + AVAIL_OFF(q),
			.used_user_addr = (uintptr_t)self->mem + USED_OFF(q),
		};

		ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_NUM, &num));
		ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_ADDR, &addr));
		ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_BASE, &base));
		ASSERT_EQ(0, vring_file(self->fd, VHOST_SET_VRING_KICK, q,
					self->kick[q]));
		ASSERT_EQ(0, vring_file(self->fd, VHOST_SET_VRING_CALL, q,
					self->call[q]));
		ASSERT_EQ(0, vring_file(self->fd, VHOST_SET_VRING_ERR, q,
					self->err));
	}
}

static void net_configure(struct __test_metadata *_metadata,
			  FIXTURE_DATA(net) *self)
{
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER, NULL));
	net_configure_rings(_metadata, self);
}

static void net_start(struct __test_metadata *_metadata,
		      FIXTURE_DATA(net) *self)
{
	net_configure(_metadata, self);
	ASSERT_EQ(0, vring_file(self->fd, VHOST_NET_SET_BACKEND, RXQ, self->tap));
	ASSERT_EQ(0, vring_file(self->fd, VHOST_NET_SET_BACKEND, TXQ, self->tap));
}

static void desc_set(FIXTURE_DATA(net) *self, int q, unsigned int i,
		     uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc *d = (void *)(self->mem + DESC_OFF(q));

	d[i].addr = addr;
	d[i].len = len;
	d[i].flags = flags;
	d[i].next = next;
}

/* Publish @head and kick, as a driver does. */
static void avail_kick(FIXTURE_DATA(net) *self, int q, uint16_t head)
{
	struct vring_avail *a = (void *)(self->mem + AVAIL_OFF(q));
	uint64_t one = 1;

	a->ring[self->avail_idx[q] % QNUM] = head;
	__atomic_store_n(&a->idx, ++self->avail_idx[q], __ATOMIC_RELEASE);
	if (write(self->kick[q], &one, sizeof(one)) != sizeof(one))
		abort();
}

static uint16_t used_idx(FIXTURE_DATA(net) *self, int q)
{
	struct vring_used *u = (void *)(self->mem + USED_OFF(q));

	return __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE);
}

/* Wait up to @ms for @fd to be readable; read it if it is an eventfd. */
static bool wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void frame_fill(uint8_t *f, uint8_t tag)
{
	struct ether_header *eh = (void *)f;

	memset(f, tag, FRAME_LEN);
	memset(eh->ether_dhost, 0xff, 6);
	memcpy(eh->ether_shost, "\x52\x54\x00\x00\x00\x01", 6);
	eh->ether_type = htons(ETH_TEST);
}

/* A frame on the transmit ring at buffer @slot, header zeroed. */
static void tx_frame(FIXTURE_DATA(net) *self, unsigned int head, uint8_t tag)
{
	uint64_t at = BUF_OFF + 0x1000 * head;

	memset(self->mem + at, 0, HDR_LEN);
	frame_fill(self->mem + at + HDR_LEN, tag);
	desc_set(self, TXQ, head, at, HDR_LEN, VRING_DESC_F_NEXT, head + 1);
	desc_set(self, TXQ, head + 1, at + HDR_LEN, FRAME_LEN, 0, 0);
	avail_kick(self, TXQ, head);
}

/* Did a frame tagged @tag come out of the tap within @ms? */
static bool tap_saw(FIXTURE_DATA(net) *self, uint8_t tag, int ms)
{
	uint8_t buf[2048];
	ssize_t n;

	while (wait_readable(self->pkt, ms)) {
		n = recv(self->pkt, buf, sizeof(buf), MSG_DONTWAIT);
		if (n >= FRAME_LEN && buf[FRAME_LEN - 1] == tag)
			return true;
	}
	return false;
}

TEST_F(net, transmit_reaches_the_tap)
{
	net_start(_metadata, self);
	tx_frame(self, 0, 0xa1);
	EXPECT_TRUE(tap_saw(self, 0xa1, 3000));
	EXPECT_TRUE(wait_readable(self->call[TXQ], 3000));
	EXPECT_EQ(1, used_idx(self, TXQ));
	tx_frame(self, 2, 0xa2);
	EXPECT_TRUE(tap_saw(self, 0xa2, 3000));
	EXPECT_FALSE(wait_readable(self->err, 0));
}

TEST_F(net, receive_fills_a_buffer)
{
	struct vring_used *u = (void *)(self->mem + USED_OFF(RXQ));
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = self->ifindex,
		.sll_halen = 6,
	};
	uint8_t frame[FRAME_LEN];
	unsigned int i;
	bool found = false;

	net_start(_metadata, self);
	for (i = 0; i < 4; i++) {
		desc_set(self, RXQ, i, BUF_OFF + 0x800 * i, 1526,
			 VRING_DESC_F_WRITE, 0);
		avail_kick(self, RXQ, i);
	}
	frame_fill(frame, 0xb1);
	memset(to.sll_addr, 0xff, 6);
	ASSERT_EQ(FRAME_LEN, sendto(self->pkt, frame, FRAME_LEN, 0,
				    (struct sockaddr *)&to, sizeof(to)));
	EXPECT_TRUE(wait_readable(self->call[RXQ], 3000));
	/* Other traffic may come first; ours is in one of the four. */
	for (i = 0; i < used_idx(self, RXQ) && i < 4; i++) {
		uint8_t *b = self->mem + BUF_OFF + 0x800 * u->ring[i].id;

		if (u->ring[i].len == HDR_LEN + FRAME_LEN &&
		    !memcmp(b + HDR_LEN, frame, FRAME_LEN))
			found = true;
	}
	EXPECT_TRUE(found);
	EXPECT_FALSE(wait_readable(self->err, 0));
}

/*
 * A receive buffer too small for the 12-byte header: no frame lands in
 * it. Linux's vhost-net drops the frame and keeps the buffer; vmxlab's
 * device calls the ring broken and signals err (it used to push a used
 * entry with no header in it).
 */
TEST_F(net, receive_buffer_smaller_than_the_header)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = self->ifindex,
		.sll_halen = 6,
	};
	uint8_t frame[FRAME_LEN];
	bool vmxlab = !strcmp(variant->path, "/dev/vmxlab-net");

	net_start(_metadata, self);
	desc_set(self, RXQ, 0, BUF_OFF, HDR_LEN - 8, VRING_DESC_F_WRITE, 0);
	avail_kick(self, RXQ, 0);
	frame_fill(frame, 0xb5);
	memset(to.sll_addr, 0xff, 6);
	ASSERT_EQ(FRAME_LEN, sendto(self->pkt, frame, FRAME_LEN, 0,
				    (struct sockaddr *)&to, sizeof(to)));
	EXPECT_EQ(vmxlab, wait_readable(self->err, vmxlab ? 3000 : 200));
	EXPECT_EQ(0, used_idx(self, RXQ));
}

/* A hostile transmit chain at head 0: err signalled, nothing sent. */
static void expect_tx_refused(struct __test_metadata *_metadata,
			      FIXTURE_DATA(net) *self)
{
	EXPECT_TRUE(wait_readable(self->err, 3000));
	EXPECT_EQ(0, used_idx(self, TXQ));
	EXPECT_FALSE(wait_readable(self->pkt, 10));
}

TEST_F(net, loop_refused)
{
	net_start(_metadata, self);
	desc_set(self, TXQ, 0, BUF_OFF, 64, VRING_DESC_F_NEXT, 1);
	desc_set(self, TXQ, 1, BUF_OFF, 64, VRING_DESC_F_NEXT, 0);
	avail_kick(self, TXQ, 0);
	expect_tx_refused(_metadata, self);
}

TEST_F(net, head_out_of_range_refused)
{
	net_start(_metadata, self);
	avail_kick(self, TXQ, QNUM + 3);
	expect_tx_refused(_metadata, self);
}

TEST_F(net, buffer_outside_memory_refused)
{
	net_start(_metadata, self);
	desc_set(self, TXQ, 0, MEM_SIZE + 0x1000, 64, 0, 0);
	avail_kick(self, TXQ, 0);
	expect_tx_refused(_metadata, self);
}

TEST_F(net, huge_length_refused)
{
	net_start(_metadata, self);
	desc_set(self, TXQ, 0, BUF_OFF, 0xfffff000, 0, 0);
	avail_kick(self, TXQ, 0);
	expect_tx_refused(_metadata, self);
}

TEST_F(net, avail_index_too_far_ahead_refused)
{
	struct vring_avail *a = (void *)(self->mem + AVAIL_OFF(TXQ));
	uint64_t one = 1;

	net_start(_metadata, self);
	desc_set(self, TXQ, 0, BUF_OFF, 64, 0, 0);
	a->idx = QNUM + 1;
	ASSERT_EQ(sizeof(one), write(self->kick[TXQ], &one, sizeof(one)));
	expect_tx_refused(_metadata, self);
}

TEST_F(net, writable_transmit_buffer_refused)
{
	net_start(_metadata, self);
	desc_set(self, TXQ, 0, BUF_OFF, 64, VRING_DESC_F_WRITE, 0);
	avail_kick(self, TXQ, 0);
	expect_tx_refused(_metadata, self);
}

/*
 * An indirect table: vmxlab offers no VIRTIO_RING_F_INDIRECT_DESC, so
 * it refuses one; Linux's vhost-net offers the feature and follows it.
 * Each device is held to what it offers.
 */
TEST_F(net, indirect_table)
{
	struct vring_desc *table = (void *)(self->mem + BUF_OFF + 0x8000);
	uint64_t at = BUF_OFF;

	net_start(_metadata, self);
	memset(self->mem + at, 0, HDR_LEN);
	frame_fill(self->mem + at + HDR_LEN, 0xc1);
	table[0] = (struct vring_desc){ at, HDR_LEN, VRING_DESC_F_NEXT, 1 };
	table[1] = (struct vring_desc){ at + HDR_LEN, FRAME_LEN, 0, 0 };
	desc_set(self, TXQ, 0, BUF_OFF + 0x8000, 2 * sizeof(*table),
		 VRING_DESC_F_INDIRECT, 0);
	avail_kick(self, TXQ, 0);
	if (variant->vmxlab) {
		expect_tx_refused(_metadata, self);
	} else {
		EXPECT_TRUE(tap_saw(self, 0xc1, 3000));
		EXPECT_FALSE(wait_readable(self->err, 0));
	}
}

/* The bad queue stops; the other one still works. */
TEST_F(net, bad_ring_stops_its_queue_only)
{
	struct vring_used *u = (void *)(self->mem + USED_OFF(RXQ));
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = self->ifindex,
		.sll_halen = 6,
	};
	uint8_t frame[FRAME_LEN];

	net_start(_metadata, self);
	avail_kick(self, TXQ, QNUM);
	EXPECT_TRUE(wait_readable(self->err, 3000));
	desc_set(self, RXQ, 0, BUF_OFF, 1526, VRING_DESC_F_WRITE, 0);
	avail_kick(self, RXQ, 0);
	frame_fill(frame, 0xd1);
	memset(to.sll_addr, 0xff, 6);
	ASSERT_EQ(FRAME_LEN, sendto(self->pkt, frame, FRAME_LEN, 0,
				    (struct sockaddr *)&to, sizeof(to)));
	EXPECT_TRUE(wait_readable(self->call[RXQ], 3000));
	EXPECT_LE(1, used_idx(self, RXQ));
	EXPECT_LE(HDR_LEN, u->ring[0].len);
}

TEST_F(net, owner_checked)
{
	pid_t pid;
	int status;

	/* Before an owner, memory cannot be set, on either device. */
	EXPECT_EQ(-1, set_mem(self->fd, self->mem, 1));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(EBUSY, errno);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(set_mem(self->fd, self->mem, 1) == -1 && errno == EPERM ?
		      0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, set_mem(self->fd, self->mem, 1));
}

TEST_F(net, bad_arguments)
{
	struct vhost_vring_state s = { .index = 2, .num = QNUM };
	uint64_t features = 1ULL << 63;

	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_VRING_NUM, &s));
	EXPECT_EQ(ENOBUFS, errno);
	s = (struct vhost_vring_state){ .index = 0, .num = 3 };
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_VRING_NUM, &s));
	EXPECT_EQ(EINVAL, errno);
	s.num = 0;
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_VRING_NUM, &s));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_FEATURES, &features));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, set_mem(self->fd, self->mem, 65));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, ioctl(self->fd, VHOST_GET_FEATURES, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	/* A backend before the ring is there, then one that is no tap. */
	EXPECT_EQ(-1, vring_file(self->fd, VHOST_NET_SET_BACKEND, 0, self->tap));
	EXPECT_EQ(EFAULT, errno);
	net_configure_rings(_metadata, self);
	EXPECT_EQ(-1, vring_file(self->fd, VHOST_NET_SET_BACKEND, 0, self->err));
	EXPECT_EQ(ENOTSOCK, errno);
	EXPECT_EQ(-1, vring_file(self->fd, VHOST_NET_SET_BACKEND, 0, 1000));
	EXPECT_EQ(ENOTSOCK, errno);	/* as vhost-net: no fd, no socket */
	EXPECT_EQ(0, vring_file(self->fd, VHOST_NET_SET_BACKEND, 0, -1));
	if (variant->vmxlab) {
		uint64_t base = 0;

		EXPECT_EQ(-1, ioctl(self->fd, VHOST_SET_LOG_BASE, &base));
		EXPECT_EQ(ENOTTY, errno);
	}
}

TEST_F(net, detach_then_reattach)
{
	struct vhost_vring_state base = { .index = TXQ };

	net_start(_metadata, self);
	tx_frame(self, 0, 0xe1);
	EXPECT_TRUE(tap_saw(self, 0xe1, 3000));
	ASSERT_EQ(0, vring_file(self->fd, VHOST_NET_SET_BACKEND, TXQ, -1));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_GET_VRING_BASE, &base));
	EXPECT_EQ(1, base.num);
	/* Detached: a frame put on the ring stays there. */
	tx_frame(self, 2, 0xe2);
	EXPECT_FALSE(tap_saw(self, 0xe2, 10));
	EXPECT_EQ(1, used_idx(self, TXQ));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_SET_VRING_BASE, &base));
	ASSERT_EQ(0, vring_file(self->fd, VHOST_NET_SET_BACKEND, TXQ, self->tap));
	EXPECT_TRUE(tap_saw(self, 0xe2, 3000));
}

/*
 * A backend set over a live one (here the same tap through another fd)
 * goes on from the ring's position: frames sent before are not sent
 * again, the next one is sent. vmxlab's device used to restart the ring
 * from the base of its last stop, then stop it.
 */
TEST_F(net, backend_replaced_while_live)
{
	struct vhost_vring_state base = { .index = TXQ };
	int tap2;

	net_start(_metadata, self);
	tx_frame(self, 0, 0xe5);
	EXPECT_TRUE(tap_saw(self, 0xe5, 3000));
	tap2 = dup(self->tap);
	ASSERT_LE(0, tap2);
	ASSERT_EQ(0, vring_file(self->fd, VHOST_NET_SET_BACKEND, TXQ, tap2));
	close(tap2);
	tx_frame(self, 2, 0xe6);
	EXPECT_TRUE(tap_saw(self, 0xe6, 3000));
	EXPECT_FALSE(tap_saw(self, 0xe5, 10));
	EXPECT_EQ(2, used_idx(self, TXQ));
	EXPECT_FALSE(wait_readable(self->err, 0));
	ASSERT_EQ(0, vring_file(self->fd, VHOST_NET_SET_BACKEND, TXQ, -1));
	ASSERT_EQ(0, ioctl(self->fd, VHOST_GET_VRING_BASE, &base));
	EXPECT_EQ(2, base.num);
}

/* The tap goes first, with the rings live: the device just stops. */
TEST_F(net, tap_closed_first)
{
	net_start(_metadata, self);
	close(self->tap);
	close(self->pkt);
	self->tap = self->pkt = -1;
	tx_frame(self, 0, 0xf1);
	usleep(10000);
	close(self->fd);
	self->fd = -1;
}

/* SIGKILL of an owner that is moving frames: nothing left behind. */
TEST_F(net, owner_killed)
{
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned int n;

		close(self->fd);
		self->fd = open(variant->path, O_RDWR | O_CLOEXEC);
		net_start(_metadata, self);
		for (n = 0;; n++) {
			tx_frame(self, 2 * (n % 4), 0x10);
			usleep(1000);
		}
	}
	usleep(50000);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_TRUE(tap_saw(self, 0x10, 0)) TH_LOG("the child moved no frame");
}

/* ------------------------------------------------------------ cgroups */

#define CGROUP_MNT	"/tmp/vmxlab-cgroup2"

/* A cgroup2 mount: the system's, or one of our own (the lab has none). */
static const char *cgroup2_root(void)
{
	static char root[256];
	char line[1024], fs[64], dir[256];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (dash && sscanf(dash, " - %63s", fs) == 1 &&
		    !strcmp(fs, "cgroup2") &&
		    sscanf(line, "%*s %*s %*s %*s %255s", dir) == 1) {
			fclose(f);
			strcpy(root, dir);
			return root;
		}
	}
	if (f)
		fclose(f);
	mkdir(CGROUP_MNT, 0755);
	if (mount("cgroup2", CGROUP_MNT, "cgroup2", 0, NULL))
		return NULL;
	return CGROUP_MNT;
}

/* The pid of the kernel thread called @comm, or -1. */
static pid_t find_thread(const char *comm)
{
	char path[300], name[64];
	struct dirent *d;
	pid_t pid = -1;
	DIR *proc = opendir("/proc");

	while (proc && pid < 0 && (d = readdir(proc))) {
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (f && fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = 0;
			if (!strcmp(name, comm))
				pid = atoi(d->d_name);
		}
		if (f)
			fclose(f);
	}
	if (proc)
		closedir(proc);
	return pid;
}

/* /proc/PID/cgroup's cgroup2 line ("0::/path"), or "" */
static void cgroup_of(pid_t pid, char *out, size_t size)
{
	char path[64], line[512];
	FILE *f;

	*out = 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(out, size, "%s", line);
		}
	if (f)
		fclose(f);
}

/* The owner's child: into @cg, SET_OWNER, then where is the worker? */
static int owner_in_cgroup(const char *path, const char *cg,
			   const char *want)
{
	char procs[600], comm[32], got[512];
	pid_t worker;
	int fd, procs_fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	procs_fd = open(procs, O_WRONLY);
	if (procs_fd < 0 || write(procs_fd, "0", 1) != 1)
		return 10;
	close(procs_fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, VHOST_SET_OWNER, NULL))
		return 11;
	snprintf(comm, sizeof(comm), "%s-%d",
		 strstr(path, "vmxlab") ? "vmxlab-net" : "vhost", getpid());
	comm[15] = 0;			/* TASK_COMM_LEN */
	worker = find_thread(comm);
	if (worker < 0)
		return 12;
	cgroup_of(worker, got, sizeof(got));
	if (strcmp(got, want)) {
		fprintf(stderr, "# worker %s (pid %d) in '%s', owner in '%s'\n",
			comm, worker, got, want);
		return 13;
	}
	return 0;
}

/*
 * The worker runs in its owner's cgroups, so the owner's limits cover
 * the work it causes (vhost does the same); when the device closes, the
 * worker is gone and the cgroup can be removed.
 */
TEST_F(net, worker_in_the_owners_cgroup)
{
	static const char * const why[] = {
		[10] = "cannot join the cgroup", [11] = "VHOST_SET_OWNER failed",
		[12] = "no worker thread", [13] = "the worker is elsewhere",
	};
	const char *root = cgroup2_root();
	char cg[512], want[512];
	pid_t pid;
	int status, i;

	if (!root && !vmxlab_in_lab())
		SKIP(return, "no cgroup2 (mount: %s)", strerror(errno));
	ASSERT_NE(NULL, root) TH_LOG("mount cgroup2: %s", strerror(errno));
	snprintf(cg, sizeof(cg), "%s/vmxlab-owner-%d", root, getpid());
	snprintf(want, sizeof(want), "0::/vmxlab-owner-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755)) TH_LOG("mkdir %s: %s", cg,
					     strerror(errno));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(owner_in_cgroup(variant->path, cg, want));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("%s", WEXITSTATUS(status) >= 10 && WEXITSTATUS(status) <= 13 ?
		       why[WEXITSTATUS(status)] : "?");
	/* The owner exited: its device, worker and all, went with it. */
	for (i = 0; i < 100 && rmdir(cg); i++)
		usleep(10000);
	EXPECT_EQ(-1, access(cg, F_OK)) TH_LOG("%s: still busy", cg);
}

/* ------------------------------------------------------------ fuzzing */

static uint64_t fuzz_rng;

static uint64_t fuzz_next(void)
{
	fuzz_rng ^= fuzz_rng << 13;
	fuzz_rng ^= fuzz_rng >> 7;
	fuzz_rng ^= fuzz_rng << 17;
	return fuzz_rng;
}

static uint64_t fuzz_number(void)
{
	static const uint64_t nasty[] = { 0, 1, 2, 3, 7, 8, 0xff, 0x100, 0x400,
					  0x401, 0x8000, 0xffff, 0x10000,
					  0xffffffff, ~0ULL, 1ULL << 63 };

	return fuzz_next() & 1 ? nasty[fuzz_next() % 16] : fuzz_next();
}

static uint64_t fuzz_addr(FIXTURE_DATA(net) *self)
{
	switch (fuzz_next() % 4) {
	case 0:
		return (uintptr_t)self->mem + (fuzz_next() % MEM_SIZE & ~15ULL);
	case 1:
		return fuzz_next() % MEM_SIZE & ~15ULL;	/* a GPA */
	case 2:
		return 0;
	default:
		return fuzz_number();
	}
}

static int fuzz_fd(FIXTURE_DATA(net) *self)
{
	int fds[] = { self->tap, self->kick[0], self->kick[1], self->call[0],
		      self->err, self->pkt, -1, 1000, self->fd };

	return fds[fuzz_next() % 9];
}

static void fuzz_one(FIXTURE_DATA(net) *self)
{
	unsigned int index = fuzz_next() % 4 == 0 ? fuzz_number() : fuzz_next() % 2;
	struct vhost_vring_state st = { index, fuzz_number() };
	struct vhost_vring_file vf = { index, fuzz_fd(self) };
	struct vhost_vring_addr va = {
		.index = index, .flags = fuzz_next() % 8 ? 0 : fuzz_number(),
		.desc_user_addr = fuzz_addr(self),
		.avail_user_addr = fuzz_addr(self),
		.used_user_addr = fuzz_addr(self),
	};
	struct {
		struct vhost_memory hdr;
		struct vhost_memory_region r[2];
	} mt = { .hdr.nregions = fuzz_next() % 4 ? fuzz_next() % 3 : fuzz_number() };
	uint64_t u64 = fuzz_next() % 2 ? 1ULL << 32 : fuzz_number();
	uint8_t *p = self->mem + fuzz_next() % (BUF_OFF - 64);
	uint64_t one = 1;

	mt.r[0] = (struct vhost_memory_region){ 0, MEM_SIZE, (uintptr_t)self->mem, 0 };
	mt.r[1] = (struct vhost_memory_region){ fuzz_number(), fuzz_number(),
						fuzz_addr(self), fuzz_next() % 8 ? 0 : 1 };
	switch (fuzz_next() % 16) {
	case 0:
		ioctl(self->fd, VHOST_SET_OWNER, NULL);
		break;
	case 1:
		ioctl(self->fd, VHOST_SET_FEATURES, &u64);
		break;
	case 2:
		ioctl(self->fd, VHOST_SET_MEM_TABLE, &mt);
		break;
	case 3:
		ioctl(self->fd, VHOST_SET_VRING_NUM, &st);
		break;
	case 4:
		ioctl(self->fd, fuzz_next() % 2 ? VHOST_SET_VRING_BASE :
		      VHOST_GET_VRING_BASE, &st);
		break;
	case 5:
		ioctl(self->fd, VHOST_SET_VRING_ADDR, &va);
		break;
	case 6:
		ioctl(self->fd, fuzz_next() % 2 ? VHOST_SET_VRING_KICK :
		      VHOST_SET_VRING_CALL, &vf);
		break;
	case 7:
		ioctl(self->fd, VHOST_SET_VRING_ERR, &vf);
		break;
	case 8:
	case 9:
		vf.fd = fuzz_next() % 3 ? self->tap : fuzz_fd(self);
		ioctl(self->fd, VHOST_NET_SET_BACKEND, &vf);
		break;
	case 10:
		/*
		 * Any vhost ioctl number, on vmxlab only: Linux's vhost-net
		 * has more (a random busy-poll timeout costs a minute in the
		 * lab), and its own fuzzing is not this test's job.
		 */
		if (strcmp(variant_path, "/dev/vmxlab-net"))
			break;
		ioctl(self->fd, _IOC(fuzz_next() % 4, VHOST_VIRTIO,
				     fuzz_next() % 0x100, fuzz_next() % 64),
		      fuzz_next() % 2 ? (void *)&mt : (void *)fuzz_number());
		break;
	case 11:
	case 12:
		/* The driver side: scribble on the rings, then kick. */
		*(uint64_t *)((uintptr_t)p & ~7ULL) = fuzz_number();
		if (write(self->kick[fuzz_next() % 2], &one, sizeof(one)) < 0)
			break;
		break;
	case 13:
		/* A plausible chain, so that frames do move now and then. */
		tx_frame(self, 2 * (fuzz_next() % 4), 0x77);
		break;
	case 14:
		send(self->pkt, self->mem + BUF_OFF, 60 + fuzz_next() % 1400,
		     MSG_DONTWAIT);
		break;
	default:
		/* A new device: the old one goes with whatever it holds. */
		close(self->fd);
		self->fd = open(variant_path, O_RDWR | O_CLOEXEC);
		break;
	}
}

/* Random vhost ioctls, ring contents and traffic: no hang, no splat. */
TEST_F_TIMEOUT(net, random_ioctls_and_rings, 300)
{
	unsigned int i, calls = lab_cmdline_number("vmxlab_vhost_fuzz_calls",
						  4000);
	uint64_t seed = getenv("VHOST_FUZZ_SEED") ?
			strtoull(getenv("VHOST_FUZZ_SEED"), NULL, 0) :
			(uint64_t)time(NULL);

	variant_path = variant->path;
	fuzz_rng = seed | 1;
	TH_LOG("seed %llu (VHOST_FUZZ_SEED replays it)",
	       (unsigned long long)seed);
	sleep(0);
	for (i = 0; i < calls; i++) {
		fuzz_one(self);
		ASSERT_LE(0, self->fd) TH_LOG("reopen: %s", strerror(errno));
	}
	/* Whatever state it was left in, a fresh owner still works. */
	close(self->fd);
	self->fd = open(variant->path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	memset(self->mem, 0, BUF_OFF);
	self->avail_idx[0] = self->avail_idx[1] = 0;
	while (wait_readable(self->pkt, 0))
		recv(self->pkt, self->mem + BUF_OFF, 2048, MSG_DONTWAIT);
	while (wait_readable(self->err, 0))
		read(self->err, &seed, sizeof(seed));
	net_start(_metadata, self);
	tx_frame(self, 0, 0x99);
	EXPECT_TRUE(tap_saw(self, 0x99, 3000));
}

TEST_HARNESS_MAIN
