UNIT_TESTS += apic_bus
apic_bus_SRCS := tests/unit/test_apic_bus.c module/irq/lapic.c module/irq/apic_bus.c tests/unit/fake_irq_host.c
