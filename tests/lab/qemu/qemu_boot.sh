#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# qemu_boot: Debian's QEMU, unmodified, boots Debian's kernel on KVM and on
# vmxlab inside the lab, with identical command lines, and the two are
# compared. A lab selftest (busybox sh), printing kselftest TAP and a
# "# Totals:" line; tests/lab/qemu/add-qemu.sh put QEMU, strace, the
# guest's kernel (/qemu/vmlinuz) and initramfs (/qemu/guest.cpio.gz) into
# the lab.
#
# How QEMU reaches vmxlab: QEMU 7.2 opens /dev/kvm by path. KVM's modules
# stay loaded in the lab (they are the reference), so for a vmxlab row
# /dev/vmxlab is bind-mounted over /dev/kvm for the length of the run. The
# two hypervisors never hold VMX at once: kvm_intel turns VMX on only while
# one of its VMs exists. (Without kvm.ko, vmxlab.ko kvm_alias=1 makes
# /dev/kvm itself; the alias is tested by zz_kvm_alias.)
#
# Rows: vmxlab_qemu_rows= on the lab kernel's command line.
#   quick (default, make check): microvm, kernel-irqchip=on, 1 vCPU
#   all   (make lab-qemu): microvm and pc, irqchip on and split, 1 and
#         2 vCPUs
#   MACHINE:IRQCHIP:SMP,...  those rows (e.g. pc:split:2)
#   none  no row (make check's 2-CPU lab, to stay inside its time)
# Each row runs on KVM first and then on vmxlab, under strace -f -e
# trace=ioctl; a row passes on a device when the guest's /init printed its
# marker with the right CPU count and QEMU exited 0. The ioctl traces of
# both devices are compared (ioctl name and return value, in order of
# first appearance), and every difference is printed.
#
# Lab time runs slow (one lab second is about 45 real seconds): the
# timeouts below are lab seconds.

W=/tmp/qemu-test
QEMU=/usr/bin/qemu-system-x86_64
ROW_TIMEOUT=${QEMU_ROW_TIMEOUT:-15}
mkdir -p $W
pass=0
fail=0
skip=0
n=0
table=$W/table

result()	# result ok|fail NAME [DETAIL]
{
	n=$((n + 1))
	case $1 in
	ok)	pass=$((pass + 1)); echo "ok $n $2" ;;
	*)	fail=$((fail + 1)); echo "not ok $n $2 ${3:-}" ;;
	esac
}

cmdline_arg()
{
	for word in $(cat /proc/cmdline); do
		case "$word" in
		"$1"=*) echo "${word#*=}"; return ;;
		esac
	done
}

uptime_ms()
{
	read -r up _ </proc/uptime
	echo "$up" | awk '{ printf "%d", $1 * 1000 }'
}

# Point /dev/kvm at DEVICE (kvm or vmxlab) for the next run.
use_device()
{
	umount /dev/kvm 2>/dev/null
	[ "$1" = kvm ] && return 0
	mount --bind /dev/vmxlab /dev/kvm
}

# The QEMU command line of a row, identical on both devices, as the
# positional parameters of the caller.
GUEST_CMDLINE="console=ttyS0 quiet panic=-1"
qemu_args()	# MACHINE IRQCHIP SMP
{
	case $1 in
	microvm) echo "-M microvm" ;;
	pc) echo "-M pc -vga none" ;;
	esac
	echo "-accel kvm,kernel-irqchip=$2 -smp $3 -m 128 -nodefaults"
	echo "-nographic -serial stdio -no-reboot"
	echo "-kernel /qemu/vmlinuz -initrd /qemu/guest.cpio.gz"
}

# Run one row on DEVICE; leave the output, trace and figures in $W/DEVICE.*
run_one()	# DEVICE MACHINE IRQCHIP SMP
{
	dev=$1
	out=$W/$dev.out
	use_device "$dev" || { echo "# cannot point /dev/kvm at $dev" >$out; return 1; }
	rm -f $W/$dev.strace $W/$dev.t $W/$dev.rc
	t0=$(uptime_ms)
	# shellcheck disable=SC2046 # the arguments are words on purpose
	{
		timeout "$ROW_TIMEOUT" strace -f --seccomp-bpf -e trace=ioctl -o $W/$dev.strace \
			$QEMU $(qemu_args "$2" "$3" "$4") \
			-append "$GUEST_CMDLINE" </dev/null
		echo $? >$W/$dev.rc
	} 2>&1 |
	while IFS= read -r line; do
		case "$line" in
		*QEMU-GUEST:*) echo $(($(uptime_ms) - t0)) >$W/$dev.t ;;
		esac
		echo "$line"
	done >$out
	rc=$(cat $W/$dev.rc 2>/dev/null)
	t1=$(uptime_ms)
	echo $((t1 - t0)) >$W/$dev.total
	use_device kvm
	[ "$rc" = 0 ] || echo "# QEMU exited with status $rc" >>$out
	[ "$rc" = 0 ] && grep -q "QEMU-GUEST: init reached cpus=$4" $out
}

# The two ioctls that make up nearly all of a trace (tens of thousands of
# lines), which busybox in the lab would take minutes to parse: fixed
# strings only, and the rest of the trace without them.
HOT_IOCTLS="KVM_RUN KVM_IRQ_LINE_STATUS"

cold_lines()
{
	grep -F -v -e 'KVM_RUN, ' -e 'KVM_IRQ_LINE_STATUS, ' "$1"
}

# The distinct results of hot ioctl NAME, as summary lines.
hot_results()	# NAME TRACE
{
	grep -F "$1, " "$2" | grep -E -o '= -?[0-9]+( E[A-Z]+)?' | sort -u |
		sed "s/^/$1 /"
}

# The ioctls of a trace as "NAME = RESULT", one line per distinct pair,
# sorted. A capability check keeps its capability and value, MSR ioctls
# their count; other positive results (file descriptors, sizes) become N.
ioctl_summary()
{
	{
		cold_lines "$1" | sed -nE \
		    -e 's/.*ioctl\([0-9]+, (KVM_CHECK_EXTENSION), ([A-Z0-9_]+|0x[0-9a-f]+)\) += (-?[0-9]+( E[A-Z]+)?).*/\1 \2 = \3/p' \
		    -e 't' \
		    -e 's/.*ioctl\([0-9]+, ([A-Z0-9_]+|_IOC\([^)]*\)|0x[0-9a-f]+)[,)].* = (-?[0-9]+( E[A-Z]+)?).*/\1 = \2/p'
		for name in $HOT_IOCTLS; do
			hot_results $name "$1"
		done
	} | sed -E '/^(KVM_CHECK_EXTENSION|KVM_[GS]ET_MSRS)/!s/= [1-9][0-9]*$/= N/' |
		LC_ALL=C sort -u
}

count_runs()
{
	[ -f "$1" ] || { echo -; return; }
	grep -c -F 'KVM_RUN, ' "$1"
}

# How often each ioctl was called, on one line.
ioctl_counts()
{
	{
		for name in $HOT_IOCTLS; do
			echo "$(grep -c -F "$name, " "$1") $name"
		done
		cold_lines "$1" | sed -nE 's/.*ioctl\([0-9]+, ([A-Z0-9_]+).*/\1/p' |
			sort | uniq -c
	} | sort -rn | awk '$1 > 0 { printf "%s %s=%s", (n++ ? "," : ""), $2, $1 }'
}

compare_traces()	# ROW
{
	for dev in kvm vmxlab; do
		[ -f $W/$dev.strace ] &&
			echo "# $1: ioctl calls on $dev:$(ioctl_counts $W/$dev.strace)"
	done
	ioctl_summary $W/kvm.strace >$W/kvm.ioctls
	ioctl_summary $W/vmxlab.strace >$W/vmxlab.ioctls
	if [ ! -s $W/kvm.ioctls ] || [ ! -s $W/vmxlab.ioctls ]; then
		echo "# $1: no ioctl trace to compare"
	elif diff $W/kvm.ioctls $W/vmxlab.ioctls >$W/diff; then
		echo "# $1: every ioctl returned the same on both"
	else
		echo "# $1: ioctls that differ (- KVM, + vmxlab):"
		grep '^[-+][^-+]' $W/diff | sed 's/^/#   /'
	fi
}

run_row()	# MACHINE IRQCHIP SMP
{
	row="$1 kernel-irqchip=$2 smp=$3"
	for dev in kvm vmxlab; do
		if run_one $dev "$@"; then
			result ok "QEMU $row on $dev"
		else
			result fail "QEMU $row on $dev"
			sed 's/^/#   /' $W/$dev.out | tail -n 30
			tail -n 15 $W/$dev.strace 2>/dev/null | sed 's/^/#   strace: /'
		fi
		printf '%-8s %-6s %4s %-7s %10s %10s %9s\n' "$1" "$2" "$3" "$dev" \
			"$(cat $W/$dev.t 2>/dev/null || echo -)" \
			"$(cat $W/$dev.total)" "$(count_runs $W/$dev.strace)" >>$table
	done
	compare_traces "$row"
}

# make check's 2-CPU lab asks for none: the 1-CPU lab boots QEMU already,
# and lab.sh then leaves QEMU out of the initramfs (see lab-check.sh).
if [ "$(cmdline_arg vmxlab_qemu_rows)" = none ]; then
	echo "# no QEMU rows asked for (vmxlab_qemu_rows=none)"
	echo "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:0"
	exit 0
fi
if [ ! -x $QEMU ] || [ ! -c /dev/vmxlab ] || [ ! -c /dev/kvm ]; then
	echo "# qemu_boot needs $QEMU, /dev/vmxlab and /dev/kvm"
	result fail "set-up"
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	exit 1
fi

echo "TAP version 13"
printf '%-8s %-6s %4s %-7s %10s %10s %9s\n' machine irqchip smp device \
	init-ms total-ms KVM_RUN >$table
case "$(cmdline_arg vmxlab_qemu_rows)" in
all)
	for machine in microvm pc; do
		for chip in on split; do
			for smp in 1 2; do
				run_row $machine $chip $smp
			done
		done
	done
	;;
""|quick)
	run_row microvm on 1
	;;
*)
	# A list of rows: MACHINE:IRQCHIP:SMP,...
	for row in $(cmdline_arg vmxlab_qemu_rows | tr ',' ' '); do
		# shellcheck disable=SC2046 # the three words on purpose
		run_row $(echo "$row" | tr ':' ' ')
	done
	;;
esac

echo "# QEMU boot to the guest's /init (lab milliseconds, under strace)"
sed 's/^/# /' $table
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ $fail -eq 0 ]
