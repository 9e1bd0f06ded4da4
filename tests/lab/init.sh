#!/bin/sh
#
# init.sh - PID 1 of the vmxlab lab machine.
#
# tests/lab/lab.sh puts this file at /init of a busybox initramfs and boots
# it on Debian's kernel inside Bochs (an emulated x86 machine with VMX and
# EPT). It loads Debian's KVM (the reference implementation) and vmxlab.ko,
# runs the test programs in the order listed in /etc/lab-tests, and talks
# to the host over the serial console with these markers, one per line:
#
#   LAB: init start cpus=N online=M   /init runs; N CPUs asked for, M online
#   LAB: error MESSAGE                 something went wrong; carrying on
#   LAB: fatal MESSAGE                 vmxlab.ko did not load; no tests run
#   LAB: extra begin / LAB: extra end  the --init-extra fragment runs
#   LAB: begin NAME                    test program NAME starts
#   LAB: end NAME rc=N                 ... and exited with status N
#   KMSG: LINE                         kernel log since the previous dump
#   LAB: done                          the end; nothing after it matters
#
# Everything else is test output. All of it goes to the second serial port
# (ttyS1); the kernel console is on the first (ttyS0). lab.sh counts the
# results and looks for kernel splats in the KMSG lines.
#
# Time inside the lab runs far slower than wall time (the kernel believes
# the TSC runs at 3.5 GHz while it advances one tick per emulated
# instruction): "sleep 1" here lasts about half a minute of real time.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin

say()
{
	echo "LAB: $*"
}

# Print the kernel messages logged since the last call, and clear them.
kmsg()
{
	dmesg -c | sed 's/^/KMSG: /'
}

# Read NAME=VALUE from the kernel command line; print VALUE.
cmdline_arg()
{
	for word in $(cat /proc/cmdline); do
		case "$word" in
		"$1"=*)
			echo "${word#*=}"
			return
			;;
		esac
	done
}

# Output written just before power-off can be lost in the emulated UART:
# let it drain (a fraction of a lab second is plenty), then power off.
finish()
{
	say "done"
	sync
	sleep 0.2
	poweroff -f
	# PID 1 must never exit.
	while :; do
		sleep 1000
	done
}

mount -t proc proc /proc || echo "init: mount /proc failed"
mount -t sysfs sysfs /sys || echo "init: mount /sys failed"
mount -t devtmpfs devtmpfs /dev || echo "init: mount /dev failed"
mount -t debugfs debugfs /sys/kernel/debug || echo "init: mount debugfs failed"
mount -t tmpfs tmpfs /tmp || echo "init: mount /tmp failed"

# The kernel console is ttyS0. The kernel writes to the UART directly while
# user output waits in the tty buffer, so on a shared port kernel messages
# overtake and splice into test output. /init and the tests therefore talk
# on ttyS1, and the kernel's messages reach it only as KMSG dumps.
if stty -F /dev/ttyS1 115200 2>/dev/null; then
	exec </dev/null >/dev/ttyS1 2>&1
else
	echo "init: no /dev/ttyS1, the host will not hear from /init"
fi

cpus=$(cmdline_arg vmxlab_cpus)
online=$(grep -c '^processor' /proc/cpuinfo)
say "init start cpus=${cpus:-?} online=$online"

# Drop the boot messages (among them the known WARNING from fpu/xstate.c
# that every boot on the emulated CPU prints); from here on every kernel
# message counts. Let warnings reach the kernel console as they happen too,
# so that a test that hangs after one still shows it.
dmesg -c >/dev/null
echo 5 >/proc/sys/kernel/printk

# Since 6.12 KVM turns VMX on when it loads unless told otherwise, and
# vmxlab could not have it; KVM still turns it on for its own VMs.
for mod in irqbypass kvm kvm-intel tun msr vhost_iotlb vhost tap vhost_net; do
	args=
	if [ $mod = kvm ] && grep -q enable_virt_at_load /lib/modules/kvm.ko; then
		args=enable_virt_at_load=0
	fi
	insmod /lib/modules/$mod.ko $args || say "error insmod $mod.ko failed"
done

export VMXLAB_LAB=1
export VMXLAB_KO=/lib/modules/vmxlab.ko
export VMXLAB_CPUS="${cpus:-$online}"

# dyndbg=+p turns on the module's pr_debug lines (VMXON/VMXOFF per CPU).
insmod "$VMXLAB_KO" dyndbg=+p
rc=$?
if [ $rc -ne 0 ]; then
	say "fatal insmod vmxlab.ko failed rc=$rc"
	kmsg
	finish
fi
kmsg

cd /tmp || say "error cd /tmp failed"

if [ -f /etc/lab-extra.sh ]; then
	say "extra begin"
	. /etc/lab-extra.sh
	say "extra end"
	kmsg
fi

while read -r name; do
	[ -n "$name" ] || continue
	say "begin $name"
	"/tests/$name" </dev/null 2>&1
	rc=$?
	say "end $name rc=$rc"
	kmsg
done </etc/lab-tests

finish
