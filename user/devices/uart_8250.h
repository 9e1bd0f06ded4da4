/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The register model of a 16550A UART, as Linux's 8250 driver and test
 * kernels use it: RBR/THR, IER, IIR/FCR, LCR with DLAB, MCR with
 * loopback, LSR, MSR, SCR, a receive FIFO, and the interrupt line.
 * Transmission is instantaneous, so THR is always empty again at once and
 * the "THR empty" interrupt is raised as soon as it is enabled or a byte
 * is written. Portable and single-threaded: the caller locks.
 */
#ifndef VMXLAB_USER_UART_8250_H
#define VMXLAB_USER_UART_8250_H

#include <stdbool.h>
#include <stdint.h>

#define UART_RBR	0	/* read, DLAB=0 */
#define UART_THR	0	/* write, DLAB=0 */
#define UART_DLL	0	/* DLAB=1 */
#define UART_IER	1	/* DLAB=0 */
#define UART_DLM	1	/* DLAB=1 */
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IER_RLSI	0x04
#define UART_IER_MSI	0x08

#define UART_IIR_NO_INT	0x01
#define UART_IIR_MSI	0x00
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_RLSI	0x06
#define UART_IIR_FIFO	0xc0

#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLR_RX	0x02

#define UART_LCR_DLAB	0x80

#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10

#define UART_LSR_DR	0x01
#define UART_LSR_OE	0x02
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40

#define UART_MSR_DCTS	0x01
#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80

#define UART_RX_FIFO_SIZE	64

struct uart_8250 {
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr, dll, dlm;
	bool thr_interrupt;		/* THR empty, not yet seen in IIR */
	uint8_t rx[UART_RX_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	bool irq_level;

	void (*transmit)(void *opaque, uint8_t byte);
	void (*set_irq)(void *opaque, bool level);
	void *opaque;
};

void uart_init(struct uart_8250 *u, void (*transmit)(void *, uint8_t),
	       void (*set_irq)(void *, bool), void *opaque);
uint8_t uart_read(struct uart_8250 *u, unsigned int reg);
void uart_write(struct uart_8250 *u, unsigned int reg, uint8_t val);

/* Input from the outside world; false (byte dropped) if the FIFO is full. */
bool uart_receive(struct uart_8250 *u, uint8_t byte);
unsigned int uart_rx_room(const struct uart_8250 *u);

#endif
