/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tap device for virtio-net: created (or attached to) through
 * /dev/net/tun with the virtio-net header on every frame, then brought
 * up and given the host's address with libnl.
 */
#ifndef VMXLAB_USER_TAP_H
#define VMXLAB_USER_TAP_H

#include "errbuf.h"

#define TAP_HOST_ADDR	"192.168.100.1/24"	/* the guest takes .2 */

/* Returns the tap file descriptor, or -1 and a message. */
int tap_open(const char *name, unsigned int vnet_hdr_size, struct errbuf *err);

#endif
