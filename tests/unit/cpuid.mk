# The launcher's CPUID policy, user/cpuid.c.
UNIT_TESTS += cpuid
cpuid_SRCS := tests/unit/test_cpuid.c user/cpuid.c
