# The launcher's split virtqueue and virtio-mmio transport,
# user/virtqueue.c and user/virtio_mmio.c.
UNIT_TESTS += virtio
virtio_SRCS := tests/unit/test_virtio.c user/virtqueue.c user/virtio_mmio.c user/guest_mem.c
