# GSI routing, module/irq/irq_route.c, with the real PIC and IOAPIC models.
UNIT_TESTS += irq_route
irq_route_SRCS := tests/unit/test_irq_route.c module/irq/irq_route.c module/irq/ioapic.c module/irq/pic.c tests/unit/fake_irq_host.c
