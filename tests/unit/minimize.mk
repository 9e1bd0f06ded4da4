# The fuzzers' sequence shrinker, tests/selftests/lib/minimize.c.
UNIT_TESTS += minimize
minimize_SRCS := tests/unit/test_minimize.c tests/selftests/lib/minimize.c
