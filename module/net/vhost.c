// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vmxlab-net: the vhost-style virtio-net data path, behind Linux's
 * vhost-net UAPI (<linux/vhost.h>), so that one launcher backend drives
 * this device or Linux's /dev/vhost-net, under vmxlab or KVM alike.
 *
 * The launcher keeps feature negotiation and the virtio-mmio registers;
 * it gives this device its memory table, the two rings (0 receive, 1
 * transmit), a kick eventfd per ring (an ioeventfd on QueueNotify), a
 * call eventfd (an irqfd, or the launcher relays it), an err eventfd, and
 * a tap as the backend. One kthread per device, running on the owner's
 * mm and in the owner's cgroups (so the owner's CPU and memory limits
 * cover the work it causes, as vhost does), moves packets between the
 * rings and the tap's socket: it is woken
 * by the kick eventfds and by the tap's wait queue, does a bounded amount
 * of work per pass and yields. Frames keep their 12-byte virtio-net
 * header: the tap (IFF_VNET_HDR, TUNSETVNETHDRSZ 12) reads and writes it.
 *
 * The rings are walked by the portable module/net/vring.c, which treats
 * them as hostile; a ring that breaks stops its queue only, signalled on
 * that queue's err eventfd. Every ioctl but VHOST_SET_OWNER must come
 * from the owner's mm (vhost checks most; vmxlab checks them all). What
 * vhost-net has and vmxlab does not (IOTLB, dirty logging, busy polling,
 * endianness) answers -ENOTTY.
 *
 * Locking: dev->mutex covers every queue and the memory table; the
 * worker takes it for each pass, so an ioctl that returns has no pass
 * running on what it changed.
 */
#define pr_fmt(fmt) "vmxlab-net: " fmt

#include <linux/cgroup.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/if_tun.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>

#include "compat.h"
#include "mem.h"
#include "net/vhost.h"
#include "net/vring.h"

enum { VNET_RX, VNET_TX, VNET_NR_QUEUES };

/* Work per pass and queue before the worker yields and comes back. */
#define VNET_BUDGET_PACKETS	64
#define VNET_BUDGET_BYTES	(512 * 1024)
#define VNET_HDR_LEN		12	/* struct virtio_net_hdr_v1 */

#define VNET_FEATURES		BIT_ULL(VIRTIO_F_VERSION_1)

struct vnet_dev;

/* A wait-queue entry on a file (a kick eventfd, the tap) that queues work. */
struct vnet_poll {
	wait_queue_entry_t wait;
	poll_table table;
	wait_queue_head_t *wqh;
	struct vnet_dev *dev;
	unsigned int queue;
	__poll_t mask;
};

struct vnet_queue {
	struct vring_queue ring;		/* live while a backend is set */
	u16 num;
	u16 base;			/* where the ring starts, or stopped */
	bool addr_set;
	u64 desc, avail, used;
	struct file *kick;
	struct vnet_poll kick_poll;
	struct eventfd_ctx *call;
	struct eventfd_ctx *err;
	struct file *tap;		/* the backend */
	struct socket *sock;
	struct vnet_poll tap_poll;	/* receive queue only */
};

struct vnet_dev {
	struct mutex mutex;		/* queues, memory table; held by a pass */
	struct mm_struct *mm;		/* the owner's */
	struct task_struct *worker;
	unsigned long work;		/* a bit per queue with work to do */
	struct vring_mem *mem;
	u64 features;
	struct vnet_queue q[VNET_NR_QUEUES];
	/* the worker's scratch */
	struct vring_chain chain;
	struct iovec iov[VRING_MAX_IOV];
};

/* The ring walker's host side: user addresses in the owner's mm. */
int vring_host_read(void *host, u64 uaddr, void *buf, u32 len)
{
	return copy_from_user(buf, u64_to_user_ptr(uaddr), len) ? -EFAULT : 0;
}

int vring_host_write(void *host, u64 uaddr, const void *buf, u32 len)
{
	return copy_to_user(u64_to_user_ptr(uaddr), buf, len) ? -EFAULT : 0;
}

/* The walker says at each call which accesses it orders (vring.c). */
void vring_host_mb(void)
{
	smp_mb();	/* see vring_should_notify(), vring_enable_notify() */
}

void vring_host_rmb(void)
{
	smp_rmb();	/* avail->idx before the entries it shows */
}

void vring_host_wmb(void)
{
	smp_wmb();	/* a used element before the index that shows it */
}

static void vnet_queue_work(struct vnet_dev *dev, unsigned int queue)
{
	set_bit(queue, &dev->work);
	wake_up_process(dev->worker);
}

/* Runs with the file's wait-queue lock held: no sleeping. */
static int vnet_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			    int sync, void *key)
{
	struct vnet_poll *poll = container_of(wait, struct vnet_poll, wait);

	if (key_to_poll(key) & poll->mask)
		vnet_queue_work(poll->dev, poll->queue);
	return 0;
}

static void vnet_poll_queue(struct file *file, wait_queue_head_t *wqh,
			    poll_table *pt)
{
	struct vnet_poll *poll = container_of(pt, struct vnet_poll, table);

	poll->wqh = wqh;
	add_wait_queue(wqh, &poll->wait);
}

static void vnet_poll_start(struct vnet_poll *poll, struct file *file)
{
	__poll_t mask;

	init_waitqueue_func_entry(&poll->wait, vnet_poll_wakeup);
	init_poll_funcptr(&poll->table, vnet_poll_queue);
	mask = vfs_poll(file, &poll->table);
	if (mask & poll->mask)
		vnet_queue_work(poll->dev, poll->queue);
}

static void vnet_poll_stop(struct vnet_poll *poll)
{
	if (poll->wqh)
		remove_wait_queue(poll->wqh, &poll->wait);
	poll->wqh = NULL;
}

/* A bad ring stops its queue only; the launcher hears of it on err. */
static void vnet_queue_failed(struct vnet_queue *q, unsigned int index,
			      int err)
{
	q->ring.ready = false;
	pr_debug("queue %u stopped: the guest's ring is broken (%d)\n",
		 index, err);
	if (q->err)
		vmxlab_eventfd_signal(q->err);
}

static unsigned int chain_to_iov(struct vnet_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->chain.nr_seg; i++) {
		dev->iov[i].iov_base = u64_to_user_ptr(dev->chain.seg[i].uaddr);
		dev->iov[i].iov_len = dev->chain.seg[i].len;
	}
	return i;
}

static void vnet_signal_used(struct vnet_queue *q)
{
	if (q->call && vring_should_notify(&q->ring))
		vmxlab_eventfd_signal(q->call);
}

/* Guest to tap: every chain is one frame, header first. */
static void vnet_handle_tx(struct vnet_dev *dev)
{
	struct vnet_queue *q = &dev->q[VNET_TX];
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	unsigned int n, sent = 0;
	size_t bytes = 0;
	int rc = 0;

	if (!q->sock || !q->ring.ready)
		return;
	vring_disable_notify(&q->ring);
	for (n = 0; n < VNET_BUDGET_PACKETS && bytes < VNET_BUDGET_BYTES; n++) {
		rc = vring_pop(&q->ring, &dev->chain);
		if (rc == 0 && vring_enable_notify(&q->ring)) {
			vring_disable_notify(&q->ring);
			continue;
		}
		if (rc <= 0)
			break;
		iov_iter_init(&msg.msg_iter, WRITE, dev->iov, chain_to_iov(dev),
			      dev->chain.len);
		/* A frame the tap refuses is dropped, as a wire would. */
		q->sock->ops->sendmsg(q->sock, &msg, dev->chain.len);
		rc = vring_push(&q->ring, dev->chain.head, 0);
		if (rc)
			break;
		sent++;
		bytes += dev->chain.len;
	}
	if (rc < 0)
		vnet_queue_failed(q, VNET_TX, rc);
	else if (n == VNET_BUDGET_PACKETS || bytes >= VNET_BUDGET_BYTES)
		set_bit(VNET_TX, &dev->work);	/* more next pass */
	if (sent)
		vnet_signal_used(q);
}

/* Tap to guest: one frame into each chain of writable buffers. */
static void vnet_handle_rx(struct vnet_dev *dev)
{
	struct vnet_queue *q = &dev->q[VNET_RX];
	struct msghdr msg = { };
	unsigned int n, received = 0;
	size_t bytes = 0;
	int rc = 0, len;

	if (!q->sock || !q->ring.ready)
		return;
	for (n = 0; n < VNET_BUDGET_PACKETS && bytes < VNET_BUDGET_BYTES; n++) {
		rc = vring_pop(&q->ring, &dev->chain);
		if (rc <= 0)
			break;		/* no buffers: the guest kicks when it adds */
		if (dev->chain.len < VNET_HDR_LEN) {
			rc = -EINVAL;	/* no room for the header: as vhost-net */
			break;
		}
		iov_iter_init(&msg.msg_iter, READ, dev->iov, chain_to_iov(dev),
			      dev->chain.len);
		len = q->sock->ops->recvmsg(q->sock, &msg, dev->chain.len,
					    MSG_DONTWAIT | MSG_TRUNC);
		if (len == -EFAULT || len == -EINVAL) {
			rc = len;	/* the guest's buffer is absent or too small */
			break;
		}
		if (len < 0) {
			vring_unpop(&q->ring);	/* no frame (or no tap) now */
			rc = 0;
			break;
		}
		len = min_t(u64, len, dev->chain.len);	/* truncated */
		rc = vring_push(&q->ring, dev->chain.head, len);
		if (rc)
			break;
		received++;
		bytes += len;
	}
	if (rc < 0)
		vnet_queue_failed(q, VNET_RX, rc);
	else if (n == VNET_BUDGET_PACKETS || bytes >= VNET_BUDGET_BYTES)
		set_bit(VNET_RX, &dev->work);
	if (received)
		vnet_signal_used(q);
}

static int vnet_worker(void *data)
{
	struct vnet_dev *dev = data;

	kthread_use_mm(dev->mm);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		if (!READ_ONCE(dev->work)) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		mutex_lock(&dev->mutex);
		if (test_and_clear_bit(VNET_TX, &dev->work))
			vnet_handle_tx(dev);
		if (test_and_clear_bit(VNET_RX, &dev->work))
			vnet_handle_rx(dev);
		mutex_unlock(&dev->mutex);
		cond_resched();
	}
	__set_current_state(TASK_RUNNING);
	kthread_unuse_mm(dev->mm);
	return 0;
}

/* The tap's socket, without making vmxlab.ko need tun.ko to load. */
static struct socket *vnet_tap_socket(struct file *file)
{
	struct socket *(*get)(struct file *file) = symbol_get(tun_get_socket);
	struct socket *sock;

	if (!get)
		return ERR_PTR(-ENOTSOCK);	/* no tun.ko: not a tap */
	sock = get(file);
	symbol_put(tun_get_socket);
	return sock;
}

static void vnet_backend_stop(struct vnet_dev *dev, unsigned int index)
{
	struct vnet_queue *q = &dev->q[index];

	if (!q->tap)
		return;
	vnet_poll_stop(&q->tap_poll);
	q->base = q->ring.last_avail;
	q->ring.ready = false;
	q->sock = NULL;
	fput(q->tap);
	q->tap = NULL;
}

static int vnet_backend_start(struct vnet_dev *dev, unsigned int index,
			      int fd)
{
	struct vnet_queue *q = &dev->q[index];
	struct socket *sock;
	struct file *tap;
	int err;

	if (!dev->mem || !q->num || !q->addr_set)
		return -EFAULT;		/* as vhost: the ring is not accessible */
	tap = fget(fd);
	if (!tap)
		return -ENOTSOCK;	/* as vhost-net */
	sock = vnet_tap_socket(tap);
	if (IS_ERR(sock)) {
		fput(tap);
		return -ENOTSOCK;	/* as vhost-net, whatever tun said */
	}
	/* A backend that replaces another goes on from where it stopped. */
	vnet_backend_stop(dev, index);
	err = vring_setup(&q->ring, dev, dev->mem,
			  index == VNET_TX ? VRING_DEVICE_READS :
			  VRING_DEVICE_WRITES,
			  q->num, q->desc, q->avail, q->used, q->base);
	if (!err)
		err = vring_load_used_idx(&q->ring);
	if (err) {
		q->ring.ready = false;
		fput(tap);
		return err;
	}
	q->tap = tap;
	q->sock = sock;
	if (index == VNET_RX)
		vnet_poll_start(&q->tap_poll, tap);
	vnet_queue_work(dev, index);
	return 0;
}

static long vnet_set_backend(struct vnet_dev *dev, void __user *argp)
{
	struct vhost_vring_file f;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.index >= VNET_NR_QUEUES)
		return -ENOBUFS;
	if (f.fd == -1) {
		vnet_backend_stop(dev, f.index);
		return 0;
	}
	return vnet_backend_start(dev, f.index, f.fd);
}

static long vnet_set_mem_table(struct vnet_dev *dev, void __user *argp)
{
	struct vhost_memory_region *regions;
	struct vhost_memory hdr;
	struct vring_mem *mem;
	unsigned int i;
	int err = 0;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.padding)
		return -EOPNOTSUPP;
	if (hdr.nregions > VRING_MAX_REGIONS)
		return -E2BIG;
	mem = vmxlab_zalloc(sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	regions = vmxlab_memdup_user(argp + sizeof(hdr),
				     hdr.nregions * sizeof(*regions));
	if (IS_ERR(regions)) {
		vmxlab_free(mem, sizeof(*mem));
		return PTR_ERR(regions);
	}
	mem->nr = hdr.nregions;
	for (i = 0; i < hdr.nregions; i++) {
		if (regions[i].flags_padding)
			err = -EOPNOTSUPP;
		mem->region[i].gpa = regions[i].guest_phys_addr;
		mem->region[i].size = regions[i].memory_size;
		mem->region[i].uaddr = regions[i].userspace_addr;
	}
	vmxlab_free(regions, hdr.nregions * sizeof(*regions));
	if (!err)
		err = vring_mem_check(mem);
	for (i = 0; i < mem->nr && !err; i++)
		if (!access_ok(u64_to_user_ptr(mem->region[i].uaddr),
			       mem->region[i].size))
			err = -EFAULT;
	if (err) {
		vmxlab_free(mem, sizeof(*mem));
		return err;
	}
	for (i = 0; i < VNET_NR_QUEUES; i++)
		dev->q[i].ring.mem = mem;
	swap(dev->mem, mem);
	if (mem)
		vmxlab_free(mem, sizeof(*mem));
	return 0;
}

/* What a vring ioctl may change while the queue runs: kick, call, err. */
static long vnet_vring_state(struct vnet_dev *dev, unsigned int ioctl,
			     void __user *argp)
{
	struct vhost_vring_state s;
	struct vnet_queue *q;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (s.index >= VNET_NR_QUEUES)
		return -ENOBUFS;
	q = &dev->q[s.index];
	if (ioctl == VHOST_GET_VRING_BASE) {
		s.num = q->tap ? q->ring.last_avail : q->base;
		return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
	}
	if (q->tap)
		return -EBUSY;
	if (ioctl == VHOST_SET_VRING_BASE) {
		if (s.num > 0xffff)
			return -EINVAL;
		q->base = s.num;
		return 0;
	}
	if (!s.num || s.num > VRING_MAX_NUM || (s.num & (s.num - 1)))
		return -EINVAL;
	q->num = s.num;
	return 0;
}

static long vnet_set_vring_addr(struct vnet_dev *dev, void __user *argp)
{
	struct vhost_vring_addr a;
	struct vnet_queue *q;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.index >= VNET_NR_QUEUES)
		return -ENOBUFS;
	if (a.flags & ~0U)
		return -EOPNOTSUPP;	/* VHOST_VRING_F_LOG: no dirty log */
	q = &dev->q[a.index];
	if (q->tap)
		return -EBUSY;
	if ((a.desc_user_addr & 15) || (a.avail_user_addr & 1) ||
	    (a.used_user_addr & 3))
		return -EINVAL;
	q->desc = a.desc_user_addr;
	q->avail = a.avail_user_addr;
	q->used = a.used_user_addr;
	q->addr_set = true;
	return 0;
}

static int vnet_eventfd_swap(struct eventfd_ctx **slot, int fd)
{
	struct eventfd_ctx *ctx = NULL;

	if (fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = ctx;
	return 0;
}

static int vnet_set_kick(struct vnet_dev *dev, struct vnet_queue *q, int fd)
{
	struct file *file = NULL;
	struct eventfd_ctx *ctx;

	if (fd != VHOST_FILE_UNBIND) {
		file = fget(fd);
		if (!file)
			return -EBADF;
		ctx = eventfd_ctx_fileget(file);
		if (IS_ERR(ctx)) {
			fput(file);
			return PTR_ERR(ctx);
		}
		eventfd_ctx_put(ctx);	/* an eventfd: the file is enough */
	}
	vnet_poll_stop(&q->kick_poll);
	if (q->kick)
		fput(q->kick);
	q->kick = file;
	if (file)
		vnet_poll_start(&q->kick_poll, file);
	return 0;
}

static long vnet_vring_file(struct vnet_dev *dev, unsigned int ioctl,
			    void __user *argp)
{
	struct vhost_vring_file f;
	struct vnet_queue *q;

	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	if (f.index >= VNET_NR_QUEUES)
		return -ENOBUFS;
	q = &dev->q[f.index];
	switch (ioctl) {
	case VHOST_SET_VRING_KICK:
		return vnet_set_kick(dev, q, f.fd);
	case VHOST_SET_VRING_CALL:
		return vnet_eventfd_swap(&q->call, f.fd);
	default:
		return vnet_eventfd_swap(&q->err, f.fd);
	}
}

static long vnet_set_owner(struct vnet_dev *dev)
{
	struct task_struct *worker;
	int err;

	if (dev->mm)
		return -EBUSY;
	dev->mm = get_task_mm(current);
	if (!dev->mm)
		return -EINVAL;
	worker = kthread_create(vnet_worker, dev, "vmxlab-net-%d",
				current->pid);
	err = PTR_ERR_OR_ZERO(worker);
	if (!err) {
		err = cgroup_attach_task_all(current, worker);
		if (err)
			kthread_stop(worker);	/* it never ran vnet_worker */
	}
	if (err) {
		mmput(dev->mm);
		dev->mm = NULL;
		return err;
	}
	dev->worker = worker;
	wake_up_process(worker);
	return 0;
}

static long vnet_features(struct vnet_dev *dev, unsigned int ioctl,
			  u64 __user *argp)
{
	u64 features = 0;

	switch (ioctl) {
	case VHOST_GET_FEATURES:
		return put_user(VNET_FEATURES, argp);
	case VHOST_GET_BACKEND_FEATURES:
		return put_user(0ULL, argp);
	}
	if (get_user(features, argp))
		return -EFAULT;
	if (ioctl == VHOST_SET_BACKEND_FEATURES)
		return features ? -EOPNOTSUPP : 0;
	if (features & ~VNET_FEATURES)
		return -EOPNOTSUPP;
	dev->features = features;
	return 0;
}

static long vnet_ioctl_locked(struct vnet_dev *dev, unsigned int ioctl,
			      void __user *argp)
{
	switch (ioctl) {
	case VHOST_GET_FEATURES:
	case VHOST_SET_FEATURES:
	case VHOST_GET_BACKEND_FEATURES:
	case VHOST_SET_BACKEND_FEATURES:
		return vnet_features(dev, ioctl, argp);
	case VHOST_SET_MEM_TABLE:
		return vnet_set_mem_table(dev, argp);
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE:
		return vnet_vring_state(dev, ioctl, argp);
	case VHOST_SET_VRING_ADDR:
		return vnet_set_vring_addr(dev, argp);
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
		return vnet_vring_file(dev, ioctl, argp);
	case VHOST_NET_SET_BACKEND:
		return vnet_set_backend(dev, argp);
	default:
		return -ENOTTY;
	}
}

static long vnet_ioctl(struct file *file, unsigned int ioctl,
		       unsigned long arg)
{
	struct vnet_dev *dev = file->private_data;
	long ret;

	/* The worker may sleep on the owner's memory with the mutex held. */
	if (mutex_lock_killable(&dev->mutex))
		return -EINTR;
	if (ioctl == VHOST_SET_OWNER)
		ret = vnet_set_owner(dev);
	else if (!dev->mm || dev->mm != current->mm)
		ret = -EPERM;
	else
		ret = vnet_ioctl_locked(dev, ioctl, (void __user *)arg);
	mutex_unlock(&dev->mutex);
	return ret;
}

static int vnet_open(struct inode *inode, struct file *file)
{
	struct vnet_dev *dev = vmxlab_zalloc(sizeof(*dev));
	unsigned int i;

	if (!dev)
		return -ENOMEM;
	mutex_init(&dev->mutex);
	for (i = 0; i < VNET_NR_QUEUES; i++) {
		dev->q[i].kick_poll = (struct vnet_poll){
			.dev = dev, .queue = i, .mask = EPOLLIN };
		dev->q[i].tap_poll = (struct vnet_poll){
			.dev = dev, .queue = i, .mask = EPOLLIN };
	}
	file->private_data = dev;
	return 0;
}

/* The last reference: the owner closed it, exited or was killed. */
static int vnet_release(struct inode *inode, struct file *file)
{
	struct vnet_dev *dev = file->private_data;
	unsigned int i;

	mutex_lock(&dev->mutex);
	for (i = 0; i < VNET_NR_QUEUES; i++) {
		struct vnet_queue *q = &dev->q[i];

		vnet_backend_stop(dev, i);
		vnet_set_kick(dev, q, VHOST_FILE_UNBIND);
		vnet_eventfd_swap(&q->call, VHOST_FILE_UNBIND);
		vnet_eventfd_swap(&q->err, VHOST_FILE_UNBIND);
	}
	mutex_unlock(&dev->mutex);
	/* No wait-queue entry is left to wake the worker. */
	if (dev->worker)
		kthread_stop(dev->worker);
	if (dev->mm)
		mmput(dev->mm);
	if (dev->mem)
		vmxlab_free(dev->mem, sizeof(*dev->mem));
	vmxlab_free(dev, sizeof(*dev));
	return 0;
}

static const struct file_operations vnet_fops = {
	.owner = THIS_MODULE,
	.open = vnet_open,
	.release = vnet_release,
	.unlocked_ioctl = vnet_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vnet_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vmxlab-net",
	.fops = &vnet_fops,
	.mode = 0660,
};

int vnet_register(void)
{
	return misc_register(&vnet_misc);
}

void vnet_unregister(void)
{
	misc_deregister(&vnet_misc);
}
