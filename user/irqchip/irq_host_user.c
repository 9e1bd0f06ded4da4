// SPDX-License-Identifier: GPL-2.0
/*
 * module/irq/irq_host.h for the launcher: what the portable LAPIC,
 * IOAPIC, PIC and PIT models need to run in userspace (irqchip split and
 * user, and the PIT when the device has none).
 *
 * A timer is a timerfd armed at an absolute CLOCK_MONOTONIC time and a
 * thread blocked reading it. The thread re-checks under the timer's lock
 * that the timer is still armed and due (an arm or cancel may have raced
 * with the expiry), marks it running, and calls the callback unlocked;
 * irq_timer_cancel() waits for a running callback to finish.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "irq/irq_host.h"
#include "irqchip/irq_user.h"

void irq_lock_init(struct irq_lock *lock)
{
	pthread_mutex_init(&lock->mutex, NULL);
}

void irq_lock(struct irq_lock *lock)
{
	pthread_mutex_lock(&lock->mutex);
}

void irq_unlock(struct irq_lock *lock)
{
	pthread_mutex_unlock(&lock->mutex);
}

u64 irq_host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void timer_set_fd(struct irq_timer *t, u64 expires_ns)
{
	struct itimerspec its = { 0 };

	if (expires_ns) {
		its.it_value.tv_sec = expires_ns / 1000000000ULL;
		its.it_value.tv_nsec = expires_ns % 1000000000ULL;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void *timer_thread(void *arg)
{
	struct irq_timer *t = arg;
	uint64_t ticks;

	pthread_setname_np(pthread_self(), "irq-timer");
	for (;;) {
		if (read(t->fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN &&
		    errno != EINTR)
			break;
		pthread_mutex_lock(&t->lock);
		if (t->quit) {
			pthread_mutex_unlock(&t->lock);
			break;
		}
		if (!t->armed || irq_host_now_ns() < t->expires_ns) {
			pthread_mutex_unlock(&t->lock);
			continue;
		}
		t->armed = false;
		t->running = true;
		pthread_mutex_unlock(&t->lock);

		t->fn(t);

		pthread_mutex_lock(&t->lock);
		t->running = false;
		pthread_cond_broadcast(&t->idle);
		pthread_mutex_unlock(&t->lock);
	}
	return NULL;
}

void irq_timer_init(struct irq_timer *t, irq_timer_fn fn)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->idle, NULL);
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (t->fd < 0 || pthread_create(&t->thread, NULL, timer_thread, t)) {
		perror("vmxlab: cannot create an interrupt-controller timer");
		exit(3);
	}
}

void irq_timer_arm(struct irq_timer *t, u64 expires_ns)
{
	pthread_mutex_lock(&t->lock);
	t->armed = true;
	t->expires_ns = expires_ns;
	timer_set_fd(t, expires_ns);
	pthread_mutex_unlock(&t->lock);
}

void irq_timer_cancel(struct irq_timer *t)
{
	pthread_mutex_lock(&t->lock);
	t->armed = false;
	timer_set_fd(t, 0);
	while (t->running && !pthread_equal(t->thread, pthread_self()))
		pthread_cond_wait(&t->idle, &t->lock);
	pthread_mutex_unlock(&t->lock);
}

void irq_timer_destroy(struct irq_timer *t)
{
	irq_timer_cancel(t);
	pthread_mutex_lock(&t->lock);
	t->quit = true;
	timer_set_fd(t, 1);		/* long past: wakes the thread now */
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	close(t->fd);
}

/* The vcpu pointer the launcher's LAPICs are created with. */
void irq_host_kick_vcpu(void *vcpu)
{
	irq_user_kick_vcpu(vcpu);
}

static inline u64 host_rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

u64 irq_host_guest_tsc(void *vcpu)
{
	return irq_user_guest_tsc(vcpu, host_rdtsc());
}

u32 irq_host_tsc_khz(void *vcpu)
{
	return irq_user_tsc_khz(vcpu);
}
