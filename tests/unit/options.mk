# The launcher's command-line parser, user/options.c.
UNIT_TESTS += options
options_SRCS := tests/unit/test_options.c user/options.c
