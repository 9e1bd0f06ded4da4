# kvmclock's scale, module/pvclock_scale.c.
UNIT_TESTS += pvclock
pvclock_SRCS := tests/unit/test_pvclock.c module/pvclock_scale.c
