# The 8254 PIT, module/irq/pit.c, on the fake clock.
UNIT_TESTS += pit
pit_SRCS := tests/unit/test_pit.c module/irq/pit.c tests/unit/fake_irq_host.c
