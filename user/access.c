// SPDX-License-Identifier: GPL-2.0
/*
 * Which permission is missing, told from what the system says: the
 * device node's owner, group and mode, the groups of this process and of
 * the user in /etc/group, and the capabilities a tap needs.
 */
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "access.h"

#define DEVICE_GROUP	"kvm"

static const char *user_name(void)
{
	struct passwd *pw = getpwuid(geteuid());

	return pw ? pw->pw_name : "you";
}

/* Is gid among this process's groups? */
static bool in_process_groups(gid_t gid)
{
	gid_t groups[256];
	int i, n;

	if (getegid() == gid)
		return true;
	n = getgroups(256, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* Does /etc/group (or NSS) list the user as a member of gr? */
static bool in_group_db(const struct group *gr, const char *user)
{
	char **m;

	for (m = gr->gr_mem; m && *m; m++)
		if (!strcmp(*m, user))
			return true;
	return false;
}

int access_device_error(const char *path, int e, struct errbuf *err)
{
	struct group *gr;
	struct passwd *owner;
	struct stat st;
	char user[64], gname[64], oname[64];

	/* getpwuid() and getgrgid() reuse one buffer: copy what they say. */
	snprintf(user, sizeof(user), "%s", user_name());
	if (stat(path, &st))
		return errbuf_set(err, "cannot open %s: %s", path, strerror(e));
	owner = getpwuid(st.st_uid);
	snprintf(oname, sizeof(oname), "%s", owner ? owner->pw_name : "?");
	gr = getgrgid(st.st_gid);
	snprintf(gname, sizeof(gname), "%s", gr ? gr->gr_name : "?");

	if ((st.st_mode & 0060) != 0060 || st.st_gid == 0)
		return errbuf_set(err, "%s: permission denied: it is %s:%s mode %04o, not group " DEVICE_GROUP " mode 0660; install the udev rule 60-vmxlab.rules (package vmxlab, or make install) and reload the module, or run as root",
				  path, oname, gname, (unsigned int)(st.st_mode & 07777));
	if (!in_process_groups(st.st_gid)) {
		if (gr && in_group_db(gr, user))
			return errbuf_set(err, "%s: permission denied: user %s is in group %s but this session started before that; log in again (or run newgrp %s)",
					  path, user, gname, gname);
		return errbuf_set(err, "%s: permission denied: it is for group %s (mode %04o) and user %s is not in it; run: sudo adduser %s %s, then log in again",
				  path, gname, (unsigned int)(st.st_mode & 07777),
				  user, user, gname);
	}
	return errbuf_set(err, "%s: %s although user %s is in group %s (mode %04o): a security module or a read-only mount refuses it",
			  path, strerror(e), user, gname,
			  (unsigned int)(st.st_mode & 07777));
}

int access_tun_error(int e, struct errbuf *err)
{
	return errbuf_set(err, "cannot open /dev/net/tun: %s: a tap needs /dev/net/tun readable and writable by user %s (Debian makes it mode 0666); --net needs it, a run without --net does not",
			  strerror(e), user_name());
}

int access_tap_error(const char *name, int e, struct errbuf *err)
{
	const char *user = user_name();

	return errbuf_set(err, "tap %s: %s: creating a tap needs CAP_NET_ADMIN (run as root), or a tap made beforehand for user %s: sudo ip tuntap add dev %s mode tap user %s, up with 192.168.100.1/24 (see vmxlab(1))",
			  name, strerror(e), user, name, user);
}

int access_tap_ready(const char *name, const char *addr_cidr)
{
	struct nl_sock *sock = nl_socket_alloc();
	struct rtnl_link *link = NULL;
	struct nl_cache *addrs = NULL;
	struct nl_addr *want = NULL;
	struct nl_object *obj;
	int ready = 0, ifindex;

	if (!sock)
		return 0;
	if (nl_connect(sock, NETLINK_ROUTE) < 0 ||
	    rtnl_link_get_kernel(sock, 0, name, &link) < 0 ||
	    !(rtnl_link_get_flags(link) & IFF_UP) ||
	    nl_addr_parse(addr_cidr, AF_INET, &want) < 0 ||
	    rtnl_addr_alloc_cache(sock, &addrs) < 0)
		goto out;
	ifindex = rtnl_link_get_ifindex(link);
	for (obj = nl_cache_get_first(addrs); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;
		struct nl_addr *local = rtnl_addr_get_local(a);

		if (rtnl_addr_get_ifindex(a) == ifindex && local &&
		    !nl_addr_cmp(local, want)) {
			ready = 1;
			break;
		}
	}
out:
	if (addrs)
		nl_cache_free(addrs);
	if (want)
		nl_addr_put(want);
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sock);
	return ready;
}

int access_tap_config_error(const char *name, struct errbuf *err)
{
	char why[sizeof(err->msg)];

	memcpy(why, err->msg, sizeof(why));
	return errbuf_set(err, "%.120s; configuring a tap needs CAP_NET_ADMIN, or a tap made for you that is already up with %s (sudo ip addr add %s dev %s && sudo ip link set %s up)",
			  why, "192.168.100.1/24", "192.168.100.1/24", name, name);
}
