# The 8259A pair with ELCR, module/irq/pic.c.
UNIT_TESTS += pic
pic_SRCS := tests/unit/test_pic.c module/irq/pic.c tests/unit/fake_irq_host.c
