/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The launcher's types behind module/irq/irq_host.h: locks are pthread
 * mutexes; each timer is a timerfd on CLOCK_MONOTONIC with a thread that
 * waits on it and runs the callback.
 */
#ifndef VMXLAB_USER_IRQ_HOST_IMPL_H
#define VMXLAB_USER_IRQ_HOST_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct irq_lock {
	pthread_mutex_t mutex;
};

struct irq_timer {
	void (*fn)(struct irq_timer *timer);
	int fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	bool armed;
	bool running;		/* fn is being called */
	bool quit;
	uint64_t expires_ns;
};

#endif
