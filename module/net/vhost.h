/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/vmxlab-net, the vhost-net device of vmxlab.ko (vhost.c). */
#ifndef VMXLAB_NET_VHOST_H
#define VMXLAB_NET_VHOST_H

int vnet_register(void);
void vnet_unregister(void);

#endif
