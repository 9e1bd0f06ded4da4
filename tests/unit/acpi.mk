# The launcher's ACPI tables and AML encoder, user/firmware/acpi.c and
# user/firmware/aml.c.
UNIT_TESTS += acpi
acpi_SRCS := tests/unit/test_acpi.c user/firmware/acpi.c user/firmware/aml.c user/guest_mem.c
