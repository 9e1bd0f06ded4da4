# The MMIO instruction decoder, module/emul/insn.c.
UNIT_TESTS += insn
insn_SRCS := tests/unit/test_insn.c module/emul/insn.c
