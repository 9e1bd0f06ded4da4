// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A register model. The interrupt identification is recomputed
 * after every access from the enabled sources, highest priority first:
 * line status, received data, THR empty, modem status.
 */
#include <string.h>

#include "devices/uart_8250.h"

static uint8_t uart_pending_iir(const struct uart_8250 *u)
{
	if ((u->ier & UART_IER_RLSI) && (u->lsr & UART_LSR_OE))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count)
		return UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thr_interrupt)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & 0x0f))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void uart_update_irq(struct uart_8250 *u)
{
	bool level = uart_pending_iir(u) != UART_IIR_NO_INT;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->opaque, level);
	}
}

/* In loopback the modem inputs follow the modem outputs. */
static void uart_update_msr(struct uart_8250 *u)
{
	uint8_t old = u->msr, in;

	if (u->mcr & UART_MCR_LOOP) {
		in = 0;
		if (u->mcr & UART_MCR_RTS)
			in |= UART_MSR_CTS;
		if (u->mcr & UART_MCR_DTR)
			in |= UART_MSR_DSR;
		if (u->mcr & UART_MCR_OUT1)
			in |= UART_MSR_RI;
		if (u->mcr & UART_MCR_OUT2)
			in |= UART_MSR_DCD;
	} else {
		/* a terminal is always there */
		in = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	}
	u->msr = in | (u->msr & 0x0f) | (((old ^ in) >> 4) & 0x0b);
}

void uart_init(struct uart_8250 *u, void (*transmit)(void *, uint8_t),
	       void (*set_irq)(void *, bool), void *opaque)
{
	memset(u, 0, sizeof(*u));
	u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	u->msr = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	u->dll = 12;			/* 9600 baud */
	u->transmit = transmit;
	u->set_irq = set_irq;
	u->opaque = opaque;
}

unsigned int uart_rx_room(const struct uart_8250 *u)
{
	return UART_RX_FIFO_SIZE - u->rx_count;
}

static bool uart_rx_push(struct uart_8250 *u, uint8_t byte)
{
	if (!uart_rx_room(u)) {
		u->lsr |= UART_LSR_OE;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count++) % UART_RX_FIFO_SIZE] = byte;
	u->lsr |= UART_LSR_DR;
	return true;
}

bool uart_receive(struct uart_8250 *u, uint8_t byte)
{
	bool ok;

	if (u->mcr & UART_MCR_LOOP)	/* the line is disconnected */
		return true;
	ok = uart_rx_push(u, byte);
	uart_update_irq(u);
	return ok;
}

static uint8_t uart_rx_pop(struct uart_8250 *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_RX_FIFO_SIZE;
	if (!--u->rx_count)
		u->lsr &= ~UART_LSR_DR;
	return byte;
}

uint8_t uart_read(struct uart_8250 *u, unsigned int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t val = 0;

	switch (reg & 7) {
	case UART_RBR:
		val = dlab ? u->dll : uart_rx_pop(u);
		break;
	case UART_IER:
		val = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR:
		val = uart_pending_iir(u);
		if (val == UART_IIR_THRI)
			u->thr_interrupt = false;
		if (u->fcr & UART_FCR_ENABLE)
			val |= UART_IIR_FIFO;
		break;
	case UART_LCR:
		val = u->lcr;
		break;
	case UART_MCR:
		val = u->mcr;
		break;
	case UART_LSR:
		val = u->lsr;
		u->lsr &= ~UART_LSR_OE;
		break;
	case UART_MSR:
		val = u->msr;
		u->msr &= 0xf0;
		break;
	case UART_SCR:
		val = u->scr;
		break;
	}
	uart_update_irq(u);
	return val;
}

void uart_write(struct uart_8250 *u, unsigned int reg, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg & 7) {
	case UART_THR:
		if (dlab) {
			u->dll = val;
			break;
		}
		if (u->mcr & UART_MCR_LOOP)
			uart_rx_push(u, val);
		else if (u->transmit)
			u->transmit(u->opaque, val);
		u->thr_interrupt = true;	/* sent: THR is empty again */
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		/* enabling THRI while THR is empty raises it at once */
		if (!(u->ier & UART_IER_THRI) && (val & UART_IER_THRI))
			u->thr_interrupt = true;
		u->ier = val & 0x0f;
		break;
	case UART_FCR:
		if (val & UART_FCR_CLR_RX) {
			u->rx_count = 0;
			u->lsr &= ~UART_LSR_DR;
		}
		u->fcr = val & (UART_FCR_ENABLE | 0xc0);
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		uart_update_msr(u);
		break;
	case UART_LSR:
	case UART_MSR:
		break;			/* read-only */
	case UART_SCR:
		u->scr = val;
		break;
	}
	uart_update_irq(u);
}
