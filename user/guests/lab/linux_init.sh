#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the Linux guest that the launcher boots (make run and the lab's
# zz_linux test). Lines starting "vmxlab-guest:" are what the test checks.
# With vmxlab_net=1 on the command line it loads Debian's virtio-net
# modules, addresses eth0 as 192.168.100.2 and pings the host's end of the
# tap (192.168.100.1, see user/virtio/tap.h); with vmxlab_host_ping=1 it
# then waits (5 s at most) until the host has pinged it three times; with
# vmxlab_net_reprobe=1 it then removes and reloads virtio_net and pings
# again.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

say()
{
	echo "vmxlab-guest: $*"
}

# ICMP echo requests this guest has received (/proc/net/snmp's InEchos).
echos_in()
{
	awk '$1 == "Icmp:" && !names { for (i = 2; i <= NF; i++) col[$i] = i; names = 1; next }
	     $1 == "Icmp:" { print $(col["InEchos"]); exit }' /proc/net/snmp
}

say "init running"
say "kernel $(uname -r)"
say "cpus $(grep -c ^processor /proc/cpuinfo)"
say "cmdline $(cat /proc/cmdline)"
cs=/sys/devices/system/clocksource/clocksource0
say "clocksources $(cat $cs/available_clocksource), using $(cat $cs/current_clocksource)"
echo "--- /proc/interrupts"
cat /proc/interrupts

if grep -qw vmxlab_net=1 /proc/cmdline; then
	for m in $(cat /lib/modules/order); do
		insmod /lib/modules/$m.ko || say "insmod $m failed"
	done
	if ip link set eth0 up && ip addr add 192.168.100.2/24 dev eth0 &&
	   ping -c 3 -A -W 10 192.168.100.1; then
		say "ping ok"
	else
		say "ping FAILED"
		ip addr
		cat /proc/interrupts
	fi
	if grep -qw vmxlab_host_ping=1 /proc/cmdline; then
		i=0
		while [ "$(echos_in)" -lt 3 ] && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		say "host pinged $(echos_in) times"
	fi
	# The driver goes and comes back: the device is reset (the launcher
	# takes the rings back from a kernel backend) and set up again.
	if grep -qw vmxlab_net_reprobe=1 /proc/cmdline; then
		if rmmod virtio_net && insmod /lib/modules/virtio_net.ko &&
		   ip link set eth0 up && ip addr add 192.168.100.2/24 dev eth0 &&
		   ping -c 2 -A -W 10 192.168.100.1; then
			say "reprobe ping ok"
		else
			say "reprobe ping FAILED"
		fi
	fi
fi

say "powering off"
poweroff -f
