# The launcher's device registry, user/devices/device.c, with test devices
# of its own (the real ones stay out: they need a VM).
UNIT_TESTS += devices
devices_SRCS := tests/unit/test_devices.c user/devices/device.c
