# The launcher's 16550A register model, user/devices/uart_8250.c.
UNIT_TESTS += uart_8250
uart_8250_SRCS := tests/unit/test_uart_8250.c user/devices/uart_8250.c
