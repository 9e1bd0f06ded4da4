# The guest page-table walker, module/mmu/walk.c.
UNIT_TESTS += walk
walk_SRCS := tests/unit/test_walk.c module/mmu/walk.c
