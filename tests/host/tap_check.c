// SPDX-License-Identifier: GPL-2.0
/*
 * tap_check NAME: open the tap NAME as the launcher's --net tap=NAME
 * does (user/virtio/tap.c) and print "ok" or the launcher's error message. The
 * host test runs it as a user without CAP_NET_ADMIN, in a network
 * namespace of its own, to check what the launcher says about taps.
 */
#include <stdio.h>
#include <unistd.h>

#include "tap.h"

int main(int argc, char **argv)
{
	struct errbuf err = { "" };
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: tap_check NAME\n");
		return 2;
	}
	fd = tap_open(argv[1], 12, &err);
	if (fd < 0) {
		printf("vmxlab: %s\n", err.msg);
		return 1;
	}
	printf("ok\n");
	close(fd);
	return 0;
}
