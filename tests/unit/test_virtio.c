// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue from the device side, user/virtio/virtqueue.c on the
 * module's walker module/net/vring.c (chains of readable then writable
 * buffers, used ring, wrap-around, notification suppression, refusal of
 * broken rings, which stay broken: bad index, out-of-RAM buffers, loops,
 * indirect, writable before readable) and the virtio-mmio v2 register protocol a Linux
 * driver follows (magic, version, features, FEATURES_OK check, queue
 * set-up, notify, interrupt status/ack, reset).
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "le.h"
#include "virtio/virtio_mmio.h"

#define MEM_SIZE	(1ULL << 20)
#define DESC		0x1000
#define AVAIL		0x2000
#define USED		0x3000
#define QSIZE		8

static void desc_set(struct guest_mem *m, unsigned int i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *d = m->host + DESC + 16 * i;

	put_le64(d, addr);
	put_le32(d + 8, len);
	put_le16(d + 12, flags);
	put_le16(d + 14, next);
}

static void avail_add(struct guest_mem *m, uint16_t head)
{
	uint16_t idx = get_le16(m->host + AVAIL + 2);

	put_le16(m->host + AVAIL + 4 + 2 * (idx % QSIZE), head);
	put_le16(m->host + AVAIL + 2, idx + 1);
}

FIXTURE(vq) {
	struct guest_mem mem;
	struct virtqueue vq;
};

FIXTURE_SETUP(vq)
{
	guest_mem_init(&self->mem, calloc(1, MEM_SIZE), MEM_SIZE);
	ASSERT_EQ(0, virtq_setup(&self->vq, &self->mem, QSIZE, DESC, AVAIL, USED));
}

FIXTURE_TEARDOWN(vq)
{
	free(self->mem.host);
}

TEST_F(vq, chain_and_used)
{
	struct virtq_chain c;

	EXPECT_EQ(0, virtq_pop(&self->vq, &c));
	desc_set(&self->mem, 3, 0x10000, 12, VIRTQ_DESC_F_NEXT, 5);
	desc_set(&self->mem, 5, 0x10100, 100, VIRTQ_DESC_F_NEXT, 1);
	desc_set(&self->mem, 1, 0x20000, 1500, VIRTQ_DESC_F_WRITE, 0);
	avail_add(&self->mem, 3);
	ASSERT_EQ(1, virtq_pop(&self->vq, &c));
	EXPECT_EQ(3, c.head);
	EXPECT_EQ(2, c.nr_out);
	EXPECT_EQ(1, c.nr_in);
	EXPECT_EQ(112, c.out_len);
	EXPECT_EQ(1500, c.in_len);
	EXPECT_EQ(self->mem.host + 0x10100, c.iov[1].iov_base);
	EXPECT_EQ(self->mem.host + 0x20000, c.iov[2].iov_base);
	EXPECT_EQ(0, virtq_pop(&self->vq, &c));

	virtq_push(&self->vq, 3, 60);
	EXPECT_EQ(1, get_le16(self->mem.host + USED + 2));
	EXPECT_EQ(3, get_le32(self->mem.host + USED + 4));
	EXPECT_EQ(60, get_le32(self->mem.host + USED + 8));
}

TEST_F(vq, wraps_around)
{
	struct virtq_chain c;
	unsigned int i;

	desc_set(&self->mem, 0, 0x10000, 64, 0, 0);
	for (i = 0; i < 3 * QSIZE; i++) {
		avail_add(&self->mem, 0);
		ASSERT_EQ(1, virtq_pop(&self->vq, &c));
		virtq_push(&self->vq, c.head, 0);
	}
	EXPECT_EQ(3 * QSIZE, get_le16(self->mem.host + USED + 2));
	/* the 16-bit indices wrap too */
	self->vq.vr.last_avail = 0xffff;
	self->vq.vr.avail_idx = 0xffff;
	self->vq.vr.used_idx = 0xffff;
	put_le16(self->mem.host + AVAIL + 2, 0xffff);
	avail_add(&self->mem, 0);
	EXPECT_EQ(1, virtq_pop(&self->vq, &c));
	EXPECT_EQ(0, self->vq.vr.last_avail);
	virtq_push(&self->vq, c.head, 0);
	EXPECT_EQ(0, get_le16(self->mem.host + USED + 2));
}

TEST_F(vq, notification_suppression)
{
	EXPECT_TRUE(virtq_should_notify(&self->vq));
	put_le16(self->mem.host + AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
	EXPECT_FALSE(virtq_should_notify(&self->vq));
}

/* A broken ring stays broken (-1 on every pop) until it is set up again. */
static bool refused(struct __test_metadata *_metadata,
		    FIXTURE_DATA(vq) *self)
{
	struct virtq_chain c;
	bool ok = virtq_pop(&self->vq, &c) == -1 &&
		  virtq_pop(&self->vq, &c) == -1;

	memset(self->mem.host + DESC, 0, USED + 0x1000 - DESC);
	EXPECT_EQ(0, virtq_setup(&self->vq, &self->mem, QSIZE, DESC, AVAIL,
				 USED));
	return ok;
}

TEST_F(vq, broken_rings_refused)
{
	/* buffer outside RAM */
	desc_set(&self->mem, 0, MEM_SIZE - 10, 100, 0, 0);
	avail_add(&self->mem, 0);
	EXPECT_TRUE(refused(_metadata, self));

	/* a loop */
	desc_set(&self->mem, 1, 0x10000, 4, VIRTQ_DESC_F_NEXT, 2);
	desc_set(&self->mem, 2, 0x10000, 4, VIRTQ_DESC_F_NEXT, 1);
	avail_add(&self->mem, 1);
	EXPECT_TRUE(refused(_metadata, self));

	/* next out of the table */
	desc_set(&self->mem, 1, 0x10000, 4, VIRTQ_DESC_F_NEXT, QSIZE);
	avail_add(&self->mem, 1);
	EXPECT_TRUE(refused(_metadata, self));

	/* head out of the table */
	avail_add(&self->mem, QSIZE + 1);
	EXPECT_TRUE(refused(_metadata, self));

	/* indirect (not offered) */
	desc_set(&self->mem, 4, 0x10000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	avail_add(&self->mem, 4);
	EXPECT_TRUE(refused(_metadata, self));

	/* readable after writable, even after an empty writable one */
	desc_set(&self->mem, 5, 0x10000, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 6);
	desc_set(&self->mem, 6, 0x10000, 4, 0, 0);
	avail_add(&self->mem, 5);
	EXPECT_TRUE(refused(_metadata, self));

	/* avail index jumping more than the ring size */
	put_le16(self->mem.host + AVAIL + 2, QSIZE + 1);
	EXPECT_TRUE(refused(_metadata, self));
}

TEST(virtq_setup_checks)
{
	struct guest_mem mem;
	struct virtqueue vq;

	guest_mem_init(&mem, calloc(1, MEM_SIZE), MEM_SIZE);
	EXPECT_EQ(-1, virtq_setup(&vq, &mem, 6, DESC, AVAIL, USED));
	EXPECT_EQ(-1, virtq_setup(&vq, &mem, 512, DESC, AVAIL, USED));
	EXPECT_EQ(-1, virtq_setup(&vq, &mem, 8, DESC + 8, AVAIL, USED));
	EXPECT_EQ(-1, virtq_setup(&vq, &mem, 8, DESC, AVAIL, MEM_SIZE - 8));
	EXPECT_EQ(0, virtq_setup(&vq, &mem, 256, DESC, AVAIL, USED));
	free(mem.host);
}

/* ------------------------------------------------------ virtio-mmio */

static int notified = -1, resets, irq_level;

static uint32_t cfg_read(struct virtio_mmio *vm, uint32_t off, unsigned int len)
{
	return 0xab00 + off;
}

static void on_notify(struct virtio_mmio *vm, unsigned int q)
{
	notified = q;
}

static void on_reset(struct virtio_mmio *vm)
{
	resets++;
}

static void on_irq(struct virtio_mmio *vm, bool level)
{
	irq_level = level;
}

static const struct virtio_device_ops test_ops = {
	.device_id = 1, .features = 1ULL << 5, .nr_queues = 2,
	.queue_size_max = 256, .config_read = cfg_read, .notify = on_notify,
	.reset = on_reset, .set_irq = on_irq,
};

TEST(virtio_mmio_driver_sequence)
{
	struct guest_mem mem;
	struct virtio_mmio m;

	guest_mem_init(&mem, calloc(1, MEM_SIZE), MEM_SIZE);
	virtio_mmio_init(&m, &test_ops, &mem, NULL);
	EXPECT_EQ(0x74726976, virtio_mmio_read(&m, VIRTIO_MMIO_MAGIC_VALUE, 4));
	EXPECT_EQ(2, virtio_mmio_read(&m, VIRTIO_MMIO_VERSION_REG, 4));
	EXPECT_EQ(1, virtio_mmio_read(&m, VIRTIO_MMIO_DEVICE_ID, 4));
	EXPECT_EQ(0xab04, virtio_mmio_read(&m, VIRTIO_MMIO_CONFIG + 4, 1));

	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, VIRTIO_STATUS_ACKNOWLEDGE |
			  VIRTIO_STATUS_DRIVER);
	virtio_mmio_write(&m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 4, 0);
	EXPECT_EQ(1u << 5, virtio_mmio_read(&m, VIRTIO_MMIO_DEVICE_FEATURES, 4));
	virtio_mmio_write(&m, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 4, 1);
	EXPECT_EQ(1, virtio_mmio_read(&m, VIRTIO_MMIO_DEVICE_FEATURES, 4));

	/* a feature the device does not have: FEATURES_OK does not stick */
	virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 0);
	virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES, 4, (1u << 5) | (1u << 6));
	virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 1);
	virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES, 4, 1);
	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 0xb);
	EXPECT_EQ(0, virtio_mmio_read(&m, VIRTIO_MMIO_STATUS, 4) &
		  VIRTIO_STATUS_FEATURES_OK);
	virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 0);
	virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES, 4, 1u << 5);
	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 0xb);
	EXPECT_EQ(0xb, virtio_mmio_read(&m, VIRTIO_MMIO_STATUS, 4));

	/* queue 1 */
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_SEL, 4, 1);
	EXPECT_EQ(256, virtio_mmio_read(&m, VIRTIO_MMIO_QUEUE_NUM_MAX, 4));
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NUM, 4, 16);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DESC_LOW, 4, DESC);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DESC_HIGH, 4, 0);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 4, AVAIL);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 4, USED);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_READY, 4, 1);
	EXPECT_EQ(1, virtio_mmio_read(&m, VIRTIO_MMIO_QUEUE_READY, 4));
	EXPECT_EQ(16, m.vq[1].size);
	/* frozen while ready */
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NUM, 4, 32);
	EXPECT_EQ(16, m.qcfg[1].num);
	/* no queue 2 */
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_SEL, 4, 2);
	EXPECT_EQ(0, virtio_mmio_read(&m, VIRTIO_MMIO_QUEUE_NUM_MAX, 4));

	/* notify only after DRIVER_OK */
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 4, 1);
	EXPECT_EQ(-1, notified);
	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 0xf);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 4, 1);
	EXPECT_EQ(1, notified);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0);	/* not ready */
	EXPECT_EQ(1, notified);

	/* interrupt status and ack */
	virtio_mmio_signal_used(&m);
	EXPECT_EQ(1, irq_level);
	EXPECT_EQ(1, virtio_mmio_read(&m, VIRTIO_MMIO_INTERRUPT_STATUS, 4));
	virtio_mmio_write(&m, VIRTIO_MMIO_INTERRUPT_ACK, 4, 1);
	EXPECT_EQ(0, irq_level);
	EXPECT_EQ(0, virtio_mmio_read(&m, VIRTIO_MMIO_INTERRUPT_STATUS, 4));

	/* a bad ring address asks for a reset */
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_SEL, 4, 0);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_NUM, 4, 16);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DESC_LOW, 4, 0);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_DESC_HIGH, 4, 0x10);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_READY, 4, 1);
	EXPECT_EQ(0, virtio_mmio_read(&m, VIRTIO_MMIO_QUEUE_READY, 4));
	EXPECT_TRUE(virtio_mmio_read(&m, VIRTIO_MMIO_STATUS, 4) &
		    VIRTIO_STATUS_NEEDS_RESET);

	/* reset */
	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 0);
	EXPECT_EQ(1, resets);
	EXPECT_EQ(0, virtio_mmio_read(&m, VIRTIO_MMIO_STATUS, 4));
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_SEL, 4, 1);
	EXPECT_EQ(0, virtio_mmio_read(&m, VIRTIO_MMIO_QUEUE_READY, 4));
	free(mem.host);
}

/* ------------------------------------------ hand-over to a kernel backend */

static int driver_oks, queue_stops, stopped_queue = -1;

static void on_driver_ok(struct virtio_mmio *vm)
{
	driver_oks++;
}

static void on_queue_stop(struct virtio_mmio *vm, unsigned int q)
{
	/* The queue is still live while the backend lets go of it. */
	if (vm->vq[q].ready)
		stopped_queue = q;
	queue_stops++;
}

static const struct virtio_device_ops handover_ops = {
	.device_id = 1, .nr_queues = 2, .queue_size_max = 256,
	.driver_ok = on_driver_ok, .queue_stop = on_queue_stop,
	.reset = on_reset, .set_irq = on_irq,
};

static void queue_ready(struct virtio_mmio *m, unsigned int q)
{
	virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_SEL, 4, q);
	virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_NUM, 4, 16);
	virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_DESC_LOW, 4, DESC);
	virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 4, AVAIL);
	virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 4, USED);
	virtio_mmio_write(m, VIRTIO_MMIO_QUEUE_READY, 4, 1);
}

TEST(virtio_mmio_handover_hooks)
{
	struct guest_mem mem;
	struct virtio_mmio m;

	guest_mem_init(&mem, calloc(1, MEM_SIZE), MEM_SIZE);
	virtio_mmio_init(&m, &handover_ops, &mem, NULL);
	virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 1);
	virtio_mmio_write(&m, VIRTIO_MMIO_DRIVER_FEATURES, 4, 1);
	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 0xb);
	queue_ready(&m, 0);
	EXPECT_EQ(0, driver_oks);
	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 0xf);
	EXPECT_EQ(1, driver_oks);
	/* Writing the same status again hands nothing over twice. */
	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 0xf);
	EXPECT_EQ(1, driver_oks);

	/* Sticky InterruptStatus: an ACK does not clear what irqfd owns. */
	m.interrupt_sticky = VIRTIO_INT_USED_BUFFER;
	EXPECT_EQ(1, virtio_mmio_read(&m, VIRTIO_MMIO_INTERRUPT_STATUS, 4));
	virtio_mmio_write(&m, VIRTIO_MMIO_INTERRUPT_ACK, 4, 1);
	EXPECT_EQ(1, virtio_mmio_read(&m, VIRTIO_MMIO_INTERRUPT_STATUS, 4));

	/* QueueReady = 0 stops the queue before it is marked not ready. */
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_SEL, 4, 0);
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_READY, 4, 0);
	EXPECT_EQ(1, queue_stops);
	EXPECT_EQ(0, stopped_queue);
	EXPECT_EQ(0, virtio_mmio_read(&m, VIRTIO_MMIO_QUEUE_READY, 4));
	/* A queue that is not ready is not stopped again. */
	virtio_mmio_write(&m, VIRTIO_MMIO_QUEUE_READY, 4, 0);
	EXPECT_EQ(1, queue_stops);

	/* A reset clears the sticky status with everything else. */
	resets = 0;
	virtio_mmio_write(&m, VIRTIO_MMIO_STATUS, 4, 0);
	EXPECT_EQ(1, resets);
	EXPECT_EQ(0, virtio_mmio_read(&m, VIRTIO_MMIO_INTERRUPT_STATUS, 4));
	free(mem.host);
}

TEST_HARNESS_MAIN
