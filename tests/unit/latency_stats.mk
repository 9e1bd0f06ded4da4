# vmxlab bench's statistics and result files, user/bench/latency_stats.c.
UNIT_TESTS += latency_stats
latency_stats_SRCS := tests/unit/test_latency_stats.c user/bench/latency_stats.c
