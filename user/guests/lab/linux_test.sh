#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Linux on the launcher: boot a bzImage with the busybox initramfs of
# mklinuxtest.sh under `vmxlab run`, once per entry of LINUX_GUEST_RUNS,
# streaming the guest's console as it comes. Each entry is
# DEVICE,IRQCHIP,CPUS[,net[=BACKEND]] with DEVICE vmxlab or kvm; ",net"
# adds virtio-net on a tap, which the guest pings, with the launcher's
# default backend or BACKEND (user, vmxlab or vhost-net: who serves the
# rings), and ",reprobe" after it has the guest reload virtio_net (a
# device reset and a new set-up) and ping again. A run passes when the
# launcher exits 0 after the guest's /init ran on CPUS CPUs (and, with
# net, pinged the host over the backend asked for and answered the host's
# three pings).
#
# The boot time is reported two ways: from starting the launcher to the
# guest's /init, in the seconds of the machine running this (in the lab,
# emulated seconds, which do not depend on how busy the real host is), and
# the guest kernel's own timestamp of "Run /init". LINUX_GUEST_TIMEOUT
# bounds each run in those seconds too (in the lab one emulated second is
# about 45 real ones).
#
# Prints kselftest TAP and a "# Totals:" line.
data=${LINUX_GUEST_DATA:-$(dirname "$0")/data/linux}
timeout=${LINUX_GUEST_TIMEOUT:-12}
tap=vmxtap0
out=/tmp/linux-guest.out
host_ping=/tmp/linux-guest.host-ping
stamp=/tmp/linux-guest.stamp

# The default splits the boots between the two labs of make check, which
# has room for five: a Linux boot costs two to five minutes of real time in
# the lab. In the 1-CPU lab, vmxlab boots with the irqchip in the kernel,
# split and in userspace, with each of the three net backends (user,
# vmxlab, vhost-net) once; the 2-CPU lab boots 2 vCPUs on vmxlab and on
# KVM, the reference (KVM's 1-CPU boot, with a vhost-net reprobe, is
# make lab-linux's). KVM boots 2 vCPUs only in the 2-CPU lab: in the
# 1-CPU lab Debian's KVM hangs the guest at "Booting SMP configuration",
# after its second CPU started (seen in two runs; vmxlab brings it up
# there). LINUX_GUEST_RUNS=full runs every row make lab-linux runs: KVM
# with each irqchip mode and backend too, and vmxlab's 2-vCPU boots with
# the irqchip split and in userspace.
full_1cpu="vmxlab,kernel,1,net=vmxlab,reprobe vmxlab,split,1,net=user
	   vmxlab,user,1,net=vhost-net kvm,kernel,1,net=vhost-net,reprobe
	   kvm,split,1,net=vmxlab kvm,user,1,net=user vmxlab,kernel,2,net=vhost-net"
full_2cpu="vmxlab,kernel,2,net=vmxlab kvm,kernel,2,net=vhost-net
	   vmxlab,split,2,net=vmxlab vmxlab,user,2,net=user"
full_runs=0
if [ "${LINUX_GUEST_RUNS:-}" = full ]; then
	full_runs=1
	if [ "${VMXLAB_CPUS:-1}" -ge 2 ]; then
		LINUX_GUEST_RUNS=$full_2cpu
	else
		LINUX_GUEST_RUNS=$full_1cpu
	fi
elif [ -z "${LINUX_GUEST_RUNS:-}" ]; then
	if [ "${VMXLAB_CPUS:-1}" -ge 2 ]; then
		LINUX_GUEST_RUNS="vmxlab,kernel,2,net=vmxlab kvm,kernel,2,net=vhost-net"
	else
		LINUX_GUEST_RUNS="vmxlab,kernel,1,net=vmxlab,reprobe vmxlab,split,1,net=user"
		LINUX_GUEST_RUNS="$LINUX_GUEST_RUNS vmxlab,user,1,net=vhost-net"
	fi
fi

uptime_s()
{
	cut -d' ' -f1 /proc/uptime
}

pass=0 fail=0 n=0 table=
echo "TAP version 13"

# refused NAME PATTERN -- vmxlab run arguments: must fail setup (status 3)
# with a message matching PATTERN, before any vCPU runs.
refused()
{
	name=$1 pattern=$2
	shift 3
	n=$((n + 1))
	vmxlab run --device /dev/vmxlab "$@" </dev/null >$out 2>&1
	rc=$?
	if [ $rc -eq 3 ] && grep -q -- "$pattern" $out; then
		pass=$((pass + 1))
		echo "ok $n $name"
	else
		fail=$((fail + 1))
		echo "not ok $n $name (status $rc, want 3 and '$pattern')"
		sed 's/^/#   /' $out
	fi
}

head -c 1048576 $data/vmlinuz >/tmp/linux-truncated
refused "a truncated bzImage is refused" "bzImage: truncated" -- \
	--kernel /tmp/linux-truncated
refused "a kernel that cannot decompress in --mem 24 is refused" "more --mem" -- \
	--kernel $data/vmlinuz --initrd $data/initrd.gz --mem 24
rm -f /tmp/linux-truncated
for run in $LINUX_GUEST_RUNS; do
	IFS=, read -r dev chip cpus net <<EOF
$run
EOF
	n=$((n + 1))
	backend= reprobe=
	case $net in
	*,reprobe) reprobe=1; net=${net%,reprobe} ;;
	esac
	case $net in
	net=*)	backend=${net#net=}; net=net ;;
	esac
	name="Linux on /dev/$dev, irqchip $chip, $cpus CPU(s)${net:+, virtio-net}${backend:+ ($backend)}${reprobe:+, driver reloaded}"
	args="--device /dev/$dev --kernel $data/vmlinuz --initrd $data/initrd.gz"
	args="$args --mem 192 --cpus $cpus --irqchip $chip"
	cmdline="console=ttyS0 panic=-1"
	if [ "$net" = net ]; then
		args="$args --net tap=$tap${backend:+,backend=$backend}"
		cmdline="$cmdline vmxlab_net=1 vmxlab_host_ping=1${reprobe:+ vmxlab_net_reprobe=1}"
	fi
	echo "# $name"
	rm -f $stamp $host_ping
	start=$(uptime_s)
	# The awk stamps the moment /init speaks, and once the guest has
	# pinged the host, the host pings the guest (which waits for it);
	# the console streams through.
	{ timeout -s TERM $timeout vmxlab run $args --cmdline "$cmdline" \
		</dev/null 2>&1; echo $? >/tmp/linux-guest.rc; } |
		awk -v stamp=$stamp -v out=$out -v host_ping=$host_ping '
			{ sub(/\r$/, ""); print "#   " $0; fflush(); print > out }
			/vmxlab-guest: init running/ && !done {
				getline up < "/proc/uptime"; split(up, f, " ")
				print f[1] > stamp; close(stamp); done = 1 }
			/vmxlab-guest: ping ok/ && !pinged {
				pinged = 1
				system("ping -c 3 -A -W 5 192.168.100.2 >" host_ping " 2>&1 && echo host-ping-ok >>" host_ping) }'
	if [ -s $host_ping ]; then
		sed 's/^/#   host: /' $host_ping
	fi
	rc=$(cat /tmp/linux-guest.rc)
	ok=1
	[ "$rc" -eq 0 ] || ok=0
	grep -q "vmxlab-guest: cpus $cpus\$" $out || ok=0
	grep -q "vmxlab-guest: powering off" $out || ok=0
	# kvmclock, as the KVM leaves offer it on either device.
	grep -q "vmxlab-guest: clocksources .*kvm-clock" $out || ok=0
	if [ "$net" = net ] && ! grep -q "vmxlab-guest: ping ok" $out; then
		ok=0
	fi
	# The host reached the guest too, and the guest saw its three pings.
	if [ "$net" = net ] && { ! grep -q host-ping-ok $host_ping 2>/dev/null ||
	   ! grep -Eq "vmxlab-guest: host pinged ([3-9]|[1-9][0-9]+) times" $out; }; then
		ok=0
	fi
	if [ -n "$reprobe" ] && ! grep -q "vmxlab-guest: reprobe ping ok" $out; then
		ok=0
	fi
	if [ -n "$backend" ] && ! grep -q "virtio-net on tap $tap: backend $backend " $out; then
		ok=0
	fi
	to_init=-
	if [ -s $stamp ]; then
		to_init=$(awk -v a=$start -v b=$(cat $stamp) 'BEGIN { printf "%.2f", b - a }')
	fi
	guest_init=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p' $out | head -n1)
	table="$table
#   $dev $chip $cpus ${net:-nonet}${backend:+=$backend} ${to_init} ${guest_init:--}"
	if [ $ok -eq 1 ]; then
		pass=$((pass + 1))
		echo "ok $n $name"
	else
		fail=$((fail + 1))
		echo "not ok $n $name (launcher status $rc)"
	fi
done
# SIGKILL of the launcher in the middle of a boot: the process dies, and
# vmxlab is left holding nothing (its allocation counters in debugfs are
# all back at zero). By default the 1-CPU lab kills a boot with the
# irqchip split (the 2-CPU lab's races kill vCPU threads on both CPUs);
# LINUX_GUEST_RUNS=full kills one in every irqchip mode with 1 vCPU, and
# one with 2 vCPUs and the irqchip in the kernel in the 2-CPU lab (235 s
# there). LINUX_GUEST_KILLS lists IRQCHIP,CPUS pairs ("none": no such
# run).
if [ "${LINUX_GUEST_KILLS:-}" = none ]; then
	LINUX_GUEST_KILLS=
elif [ -z "${LINUX_GUEST_KILLS:-}" ]; then
	if [ "$full_runs" = 1 ] && [ "${VMXLAB_CPUS:-1}" -ge 2 ]; then
		LINUX_GUEST_KILLS="kernel,2"
	elif [ "$full_runs" = 1 ]; then
		LINUX_GUEST_KILLS="kernel,1 split,1 user,1"
	elif [ "${VMXLAB_CPUS:-1}" -lt 2 ]; then
		LINUX_GUEST_KILLS="split,1"
	fi
fi
alloc=/sys/kernel/debug/vmxlab/alloc
for kill_run in $LINUX_GUEST_KILLS; do
	chip=${kill_run%,*} cpus=${kill_run#*,}
	n=$((n + 1))
	name="SIGKILL mid-boot, irqchip $chip, $cpus CPU(s): nothing left behind"
	vmxlab run --device /dev/vmxlab --kernel $data/vmlinuz \
		--initrd $data/initrd.gz --mem 192 --irqchip $chip --cpus $cpus \
		--net tap=$tap --cmdline "console=ttyS0 vmxlab_net=1" \
		</dev/null >$out 2>&1 &
	pid=$!
	sleep ${LINUX_GUEST_KILL_AFTER:-1.5}
	kill -KILL $pid
	wait $pid
	rc=$?
	held=$(awk '$2 != 0' $alloc 2>&1)
	if [ $rc -eq 137 ] && [ -r $alloc ] && [ -z "$held" ] &&
	   grep -q "Linux version" $out; then
		pass=$((pass + 1))
		echo "ok $n $name"
	else
		fail=$((fail + 1))
		echo "not ok $n $name (status $rc; still held: ${held:-nothing})"
		tail -n 5 $out | sed 's/^/#   /'
	fi
done
echo "# Linux boot times (device irqchip cpus net, seconds to /init from launch, guest kernel's own 'Run /init' time):$table"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]
