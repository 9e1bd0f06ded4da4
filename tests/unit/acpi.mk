# The launcher's ACPI tables and AML encoder, user/acpi.c and user/aml.c.
UNIT_TESTS += acpi
acpi_SRCS := tests/unit/test_acpi.c user/acpi.c user/aml.c user/guest_mem.c
