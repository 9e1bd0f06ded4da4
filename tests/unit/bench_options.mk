# vmxlab bench's command line, user/bench/bench_options.c.
UNIT_TESTS += bench_options
bench_options_SRCS := tests/unit/test_bench_options.c user/bench/bench_options.c
