# The IOAPIC model, module/irq/ioapic.c, against a recording APIC bus stub.
UNIT_TESTS += ioapic
ioapic_SRCS := tests/unit/test_ioapic.c module/irq/ioapic.c tests/unit/fake_irq_host.c
