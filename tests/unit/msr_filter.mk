# KVM_X86_SET_MSR_FILTER's checks and lookup, module/msr_filter.c.
UNIT_TESTS += msr_filter
msr_filter_SRCS := tests/unit/test_msr_filter.c module/msr_filter.c
