// SPDX-License-Identifier: GPL-2.0
/*
 * COM1: the 16550A model at 0x3f8, IRQ 4, wired to the launcher's
 * stdout and stdin. A thread reads stdin and feeds the receive FIFO,
 * waiting while it is full; Ctrl-A x ends the run, Ctrl-A Ctrl-A sends
 * one Ctrl-A.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "devices/device.h"
#include "irqchip/irqchip.h"
#include "term.h"
#include "devices/uart_8250.h"
#include "vm.h"

#define CTRL_A	0x01

struct serial {
	pthread_mutex_t lock;
	struct uart_8250 uart;
	struct vm *vm;
	bool escape;
};

static void serial_transmit(void *opaque, uint8_t byte)
{
	ssize_t n;

	do {
		n = write(STDOUT_FILENO, &byte, 1);
	} while (n < 0 && errno == EINTR);
}

static void serial_set_irq(void *opaque, bool level)
{
	struct serial *s = opaque;

	irqchip_set_line(s->vm, SERIAL_IRQ, level);
}

static void serial_io(void *opaque, uint64_t offset, uint8_t *data,
		      unsigned int len, bool is_write)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	if (is_write)
		uart_write(&s->uart, offset, data[0]);
	else
		data[0] = uart_read(&s->uart, offset);
	pthread_mutex_unlock(&s->lock);
}

static void serial_feed(struct serial *s, uint8_t byte)
{
	pthread_mutex_lock(&s->lock);
	while (!uart_rx_room(&s->uart) && !vm_is_stopping(s->vm)) {
		pthread_mutex_unlock(&s->lock);
		usleep(1000);
		pthread_mutex_lock(&s->lock);
	}
	uart_receive(&s->uart, byte);
	pthread_mutex_unlock(&s->lock);
}

static void serial_key(struct serial *s, uint8_t byte)
{
	if (s->escape) {
		s->escape = false;
		if (byte == 'x' || byte == 'X') {
			vm_request_stop(s->vm, EXIT_GUEST_OFF, "quit (Ctrl-A x)");
			return;
		}
		if (byte != CTRL_A)
			serial_feed(s, CTRL_A);
	} else if (byte == CTRL_A) {
		s->escape = true;
		return;
	}
	serial_feed(s, byte);
}

static void *serial_input_thread(void *arg)
{
	struct serial *s = arg;
	uint8_t buf[64];
	ssize_t n, i;

	pthread_setname_np(pthread_self(), "serial-in");
	while (!vm_is_stopping(s->vm)) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* end of input: the guest just sees none */
		for (i = 0; i < n; i++)
			serial_key(s, buf[i]);
	}
	return NULL;
}

/* After the vCPUs exist: the terminal goes raw and feeds the guest. */
static void serial_start(struct vm *vm, void *dev)
{
	pthread_t thread;

	term_raw();
	if (!pthread_create(&thread, NULL, serial_input_thread, dev))
		pthread_detach(thread);
}

static void serial_exit(struct vm *vm, void *dev)
{
	term_restore();
}

static int serial_init(struct vm *vm, void *dev, struct errbuf *err)
{
	struct serial *s = dev;

	pthread_mutex_init(&s->lock, NULL);
	s->vm = vm;
	uart_init(&s->uart, serial_transmit, serial_set_irq, s);
	return io_bus_register(&vm->bus, IO_SPACE_PORT, SERIAL_PORT, 8,
			       serial_io, s, "serial", err);
}

DEVICE_REGISTER(serial, DEVICE_LEVEL_CONSOLE,
		.size = sizeof(struct serial),
		.init = serial_init, .start = serial_start,
		.exit = serial_exit);
