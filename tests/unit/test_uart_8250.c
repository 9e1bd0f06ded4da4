// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A: transmit, receive FIFO, LSR bits, IER/IIR priorities, the THR
 * empty interrupt and its clearing by an IIR read, DLAB, FIFO flags in
 * IIR, loopback with MSR (Linux's probe), overrun, the interrupt line.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "devices/uart_8250.h"

FIXTURE(uart) {
	struct uart_8250 u;
	char out[64];
	int nout;
	int irq_changes;
	bool irq;
};

static void record_tx(void *opaque, uint8_t byte)
{
	FIXTURE_DATA(uart) *self = opaque;

	if (self->nout < (int)sizeof(self->out) - 1)
		self->out[self->nout++] = byte;
}

static void record_irq(void *opaque, bool level)
{
	FIXTURE_DATA(uart) *self = opaque;

	self->irq_changes++;
	self->irq = level;
}

FIXTURE_SETUP(uart)
{
	memset(self, 0, sizeof(*self));
	uart_init(&self->u, record_tx, record_irq, self);
}

FIXTURE_TEARDOWN(uart)
{
}

TEST_F(uart, reset_state)
{
	EXPECT_EQ(UART_LSR_THRE | UART_LSR_TEMT, uart_read(&self->u, UART_LSR));
	EXPECT_EQ(UART_IIR_NO_INT, uart_read(&self->u, UART_IIR));
	EXPECT_EQ(0, uart_read(&self->u, UART_IER));
	EXPECT_FALSE(self->irq);
}

TEST_F(uart, transmit)
{
	const char *s = "hello\n";

	while (*s)
		uart_write(&self->u, UART_THR, *s++);
	EXPECT_STREQ("hello\n", self->out);
	EXPECT_EQ(UART_LSR_THRE | UART_LSR_TEMT,
		  uart_read(&self->u, UART_LSR) & 0x60);
	/* THRI not enabled: no interrupt */
	EXPECT_FALSE(self->irq);
}

TEST_F(uart, dlab_switches_registers)
{
	uart_write(&self->u, UART_LCR, UART_LCR_DLAB | 0x03);
	uart_write(&self->u, UART_DLL, 0x01);
	uart_write(&self->u, UART_DLM, 0x00);
	EXPECT_EQ(0x01, uart_read(&self->u, UART_DLL));
	EXPECT_EQ(0x00, uart_read(&self->u, UART_DLM));
	EXPECT_EQ(0, self->nout);		/* DLL write is not data */
	uart_write(&self->u, UART_LCR, 0x03);
	EXPECT_EQ(0x03, uart_read(&self->u, UART_LCR));
	EXPECT_EQ(0, uart_read(&self->u, UART_IER));
	uart_write(&self->u, UART_IER, 0xff);
	EXPECT_EQ(0x0f, uart_read(&self->u, UART_IER));	/* 4 bits */
	uart_write(&self->u, UART_LCR, UART_LCR_DLAB | 0x03);
	EXPECT_EQ(0x01, uart_read(&self->u, UART_DLL));
}

TEST_F(uart, thr_empty_interrupt)
{
	/* enabling THRI with THR empty raises it at once */
	uart_write(&self->u, UART_IER, UART_IER_THRI);
	EXPECT_TRUE(self->irq);
	/* reading IIR that reports it clears it */
	EXPECT_EQ(UART_IIR_THRI, uart_read(&self->u, UART_IIR));
	EXPECT_FALSE(self->irq);
	EXPECT_EQ(UART_IIR_NO_INT, uart_read(&self->u, UART_IIR));
	/* each byte written raises it again */
	uart_write(&self->u, UART_THR, 'x');
	EXPECT_TRUE(self->irq);
	EXPECT_EQ(UART_IIR_THRI, uart_read(&self->u, UART_IIR));
	EXPECT_FALSE(self->irq);
	/* re-writing IER with THRI already set does not re-raise */
	uart_write(&self->u, UART_IER, UART_IER_THRI);
	EXPECT_FALSE(self->irq);
	/* disabling and enabling again does */
	uart_write(&self->u, UART_IER, 0);
	uart_write(&self->u, UART_IER, UART_IER_THRI);
	EXPECT_TRUE(self->irq);
	uart_write(&self->u, UART_IER, 0);
	EXPECT_FALSE(self->irq);
}

TEST_F(uart, receive_and_priority)
{
	uart_write(&self->u, UART_IER, UART_IER_RDI | UART_IER_THRI);
	EXPECT_EQ(UART_IIR_THRI, uart_read(&self->u, UART_IIR));
	EXPECT_TRUE(uart_receive(&self->u, 'a'));
	EXPECT_TRUE(uart_receive(&self->u, 'b'));
	EXPECT_TRUE(self->irq);
	EXPECT_EQ(UART_LSR_DR, uart_read(&self->u, UART_LSR) & UART_LSR_DR);
	uart_write(&self->u, UART_THR, '!');
	/* received data outranks THR empty */
	EXPECT_EQ(UART_IIR_RDI, uart_read(&self->u, UART_IIR));
	EXPECT_EQ('a', uart_read(&self->u, UART_RBR));
	EXPECT_EQ('b', uart_read(&self->u, UART_RBR));
	EXPECT_EQ(0, uart_read(&self->u, UART_LSR) & UART_LSR_DR);
	/* then THR empty is still pending */
	EXPECT_EQ(UART_IIR_THRI, uart_read(&self->u, UART_IIR));
	EXPECT_FALSE(self->irq);
}

TEST_F(uart, fifo_flags_and_clear)
{
	uart_write(&self->u, UART_FCR, 0xc7);
	EXPECT_EQ(UART_IIR_FIFO | UART_IIR_NO_INT, uart_read(&self->u, UART_IIR));
	uart_receive(&self->u, 'z');
	uart_write(&self->u, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLR_RX);
	EXPECT_EQ(0, uart_read(&self->u, UART_LSR) & UART_LSR_DR);
	uart_write(&self->u, UART_FCR, 0);
	EXPECT_EQ(UART_IIR_NO_INT, uart_read(&self->u, UART_IIR));
}

TEST_F(uart, overrun)
{
	int i;

	for (i = 0; i < UART_RX_FIFO_SIZE; i++)
		EXPECT_TRUE(uart_receive(&self->u, i));
	EXPECT_EQ(0, uart_rx_room(&self->u));
	EXPECT_FALSE(uart_receive(&self->u, 0xee));
	uart_write(&self->u, UART_IER, UART_IER_RLSI);
	EXPECT_EQ(UART_IIR_RLSI, uart_read(&self->u, UART_IIR));
	EXPECT_EQ(UART_LSR_OE | UART_LSR_DR,
		  uart_read(&self->u, UART_LSR) & (UART_LSR_OE | UART_LSR_DR));
	EXPECT_EQ(0, uart_read(&self->u, UART_LSR) & UART_LSR_OE);
	EXPECT_EQ(0, uart_read(&self->u, UART_RBR));
	EXPECT_EQ(1, uart_rx_room(&self->u));
}

/* Linux's autoconfig: scratch, IER, then loopback with MSR == 0x90. */
TEST_F(uart, linux_probe_loopback)
{
	uart_write(&self->u, UART_SCR, 0xa5);
	EXPECT_EQ(0xa5, uart_read(&self->u, UART_SCR));
	uart_write(&self->u, UART_IER, 0);
	EXPECT_EQ(0, uart_read(&self->u, UART_IER) & 0x0f);
	uart_write(&self->u, UART_IER, 0x0f);
	EXPECT_EQ(0x0f, uart_read(&self->u, UART_IER) & 0x0f);
	uart_write(&self->u, UART_IER, 0);

	uart_write(&self->u, UART_MCR, UART_MCR_LOOP | 0x0a);
	EXPECT_EQ(0x90, uart_read(&self->u, UART_MSR) & 0xf0);
	/* in loopback, transmitted bytes come back and nothing goes out */
	uart_write(&self->u, UART_THR, 'L');
	EXPECT_EQ(0, self->nout);
	EXPECT_EQ('L', uart_read(&self->u, UART_RBR));
	/* outside input is not seen in loopback */
	uart_receive(&self->u, 'X');
	EXPECT_EQ(0, uart_read(&self->u, UART_LSR) & UART_LSR_DR);
	uart_write(&self->u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR |
		   UART_MCR_RTS);
	EXPECT_EQ(0xb0, uart_read(&self->u, UART_MSR) & 0xf0);
}

TEST_F(uart, modem_status_interrupt)
{
	uart_write(&self->u, UART_MCR, UART_MCR_LOOP);
	uart_read(&self->u, UART_MSR);		/* clear deltas */
	uart_write(&self->u, UART_IER, UART_IER_MSI);
	EXPECT_FALSE(self->irq);
	uart_write(&self->u, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	EXPECT_TRUE(self->irq);
	EXPECT_EQ(UART_IIR_MSI, uart_read(&self->u, UART_IIR));
	EXPECT_EQ(UART_MSR_CTS | UART_MSR_DCTS, uart_read(&self->u, UART_MSR));
	EXPECT_FALSE(self->irq);
}

TEST_HARNESS_MAIN
