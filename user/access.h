/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Permission errors in words a user can act on. The launcher runs as a
 * normal user: /dev/vmxlab belongs to group kvm with mode 0660 (the
 * package's udev rule, 60-vmxlab.rules, as Debian does for /dev/kvm), and
 * a tap needs CAP_NET_ADMIN unless an administrator made one for the user
 * beforehand (ip tuntap add dev NAME mode tap user USER, then brought it
 * up with the host address). These helpers say which of those is missing.
 */
#ifndef VMXLAB_USER_ACCESS_H
#define VMXLAB_USER_ACCESS_H

#include "errbuf.h"

/* The tree's version (VERSION), as modinfo shows the module's. */
#ifndef VMXLAB_VERSION
#define VMXLAB_VERSION "unknown"
#endif

/*
 * open(path) of a device failed with e (EACCES or EPERM): explain which
 * permission is missing (group membership, the udev rule, a session that
 * predates joining the group). Always returns -1.
 */
int access_device_error(const char *path, int e, struct errbuf *err);

/* The tap name could not be created or attached (TUNSETIFF: EPERM). */
int access_tap_error(const char *name, int e, struct errbuf *err);

/* /dev/net/tun could not be opened with e (EACCES or EPERM). */
int access_tun_error(int e, struct errbuf *err);

/*
 * Configuring a tap over rtnetlink was refused (no CAP_NET_ADMIN): true
 * when the tap is already up and has the host address, as an
 * administrator leaves a pre-made tap, so there is nothing left to do.
 */
int access_tap_ready(const char *name, const char *addr_cidr);

/* Configuring the tap failed and it is not ready: add what to do. */
int access_tap_config_error(const char *name, struct errbuf *err);

#endif
