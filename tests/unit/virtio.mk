# The launcher's split virtqueue and virtio-mmio transport,
# user/virtio/virtqueue.c and user/virtio/virtio_mmio.c.
UNIT_TESTS += virtio
virtio_SRCS := tests/unit/test_virtio.c user/virtio/virtqueue.c module/net/vring.c user/virtio/virtio_mmio.c user/guest_mem.c
