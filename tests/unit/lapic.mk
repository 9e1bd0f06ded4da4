UNIT_TESTS += lapic
lapic_SRCS := tests/unit/test_lapic.c module/irq/lapic.c module/irq/apic_bus.c tests/unit/fake_irq_host.c
