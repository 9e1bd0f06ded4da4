// SPDX-License-Identifier: GPL-2.0
/*
 * Tap set-up: TUNSETIFF with IFF_VNET_HDR, TUNSETVNETHDRSZ, then the link
 * is set up and addressed over rtnetlink (libnl-route). An address that
 * is already there is fine: the tap may persist between runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "access.h"
#include "virtio/tap.h"

static int tap_configure(const char *name, struct errbuf *err)
{
	struct rtnl_link *link = NULL, *change = NULL;
	struct rtnl_addr *addr = NULL;
	struct nl_addr *local = NULL;
	struct nl_sock *sock;
	int rc = -1, e;

	sock = nl_socket_alloc();
	if (!sock)
		return errbuf_set(err, "tap %s: out of memory", name);
	e = nl_connect(sock, NETLINK_ROUTE);
	if (e < 0) {
		errbuf_set(err, "tap %s: netlink: %s", name, nl_geterror(e));
		goto out;
	}
	e = rtnl_link_get_kernel(sock, 0, name, &link);
	if (e < 0) {
		errbuf_set(err, "tap %s: cannot find the link: %s", name,
			   nl_geterror(e));
		goto out;
	}
	change = rtnl_link_alloc();
	addr = rtnl_addr_alloc();
	if (!change || !addr) {
		errbuf_set(err, "tap %s: out of memory", name);
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	e = rtnl_link_change(sock, link, change, 0);
	if (e < 0) {
		errbuf_set(err, "tap %s: cannot bring it up: %s", name,
			   nl_geterror(e));
		goto out;
	}
	e = nl_addr_parse(TAP_HOST_ADDR, AF_INET, &local);
	if (e < 0) {
		errbuf_set(err, "tap %s: %s: %s", name, TAP_HOST_ADDR,
			   nl_geterror(e));
		goto out;
	}
	rtnl_addr_set_ifindex(addr, rtnl_link_get_ifindex(link));
	rtnl_addr_set_local(addr, local);
	e = rtnl_addr_add(sock, addr, 0);
	if (e < 0 && e != -NLE_EXIST) {
		errbuf_set(err, "tap %s: cannot add %s: %s", name, TAP_HOST_ADDR,
			   nl_geterror(e));
		goto out;
	}
	rc = 0;
out:
	if (local)
		nl_addr_put(local);
	if (addr)
		rtnl_addr_put(addr);
	if (change)
		rtnl_link_put(change);
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sock);
	return rc;
}

int tap_open(const char *name, unsigned int vnet_hdr_size, struct errbuf *err)
{
	struct ifreq ifr;
	int fd, hdr = vnet_hdr_size;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return access_tun_error(errno, err);
	if (fd < 0)
		return errbuf_set(err, "cannot open /dev/net/tun: %s (modprobe tun?)",
				  strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		if (errno == EPERM || errno == EACCES)
			access_tap_error(name, errno, err);
		else
			errbuf_set(err, "tap %s: TUNSETIFF: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		errbuf_set(err, "tap %s: TUNSETVNETHDRSZ: %s", name,
			   strerror(errno));
		close(fd);
		return -1;
	}
	/* A tap made for this user is up and addressed already. */
	if (tap_configure(name, err) && !access_tap_ready(name, TAP_HOST_ADDR)) {
		access_tap_config_error(name, err);
		close(fd);
		return -1;
	}
	return fd;
}
