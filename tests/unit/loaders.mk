# The launcher's image loaders (bzImage, Multiboot, ELF, flat) on crafted
# and corrupted images.
UNIT_TESTS += loaders
loaders_SRCS := tests/unit/test_loaders.c user/load_linux.c user/load_multiboot.c user/load_elf.c user/load_flat.c user/boot_tables.c user/guest_mem.c
