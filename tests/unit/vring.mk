# The net path's split-ring walker, module/net/vring.c, on hostile rings.
UNIT_TESTS += vring
vring_SRCS := tests/unit/test_vring.c module/net/vring.c
