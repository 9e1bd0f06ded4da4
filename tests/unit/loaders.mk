# The launcher's image loaders (bzImage, Multiboot, ELF, flat) on crafted
# and corrupted images.
UNIT_TESTS += loaders
loaders_SRCS := tests/unit/test_loaders.c user/boot/load_linux.c user/boot/load_multiboot.c user/boot/load_elf.c user/boot/load_flat.c user/boot/boot_tables.c user/guest_mem.c
