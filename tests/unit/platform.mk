# The launcher's trapped-range table, fw_cfg and RTC/CMOS models.
UNIT_TESTS += platform
platform_SRCS := tests/unit/test_platform.c user/io_bus.c user/firmware/fw_cfg.c user/firmware/cmos.c
