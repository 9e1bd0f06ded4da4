#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mklinuxtest.sh VMLINUZ OUT [DEVICE]: make OUT, a self-contained lab test
# that boots a Linux bzImage (the lab's own Debian kernel) under
# `vmxlab run --device DEVICE` (default /dev/kvm) with a busybox initramfs
# whose /init
# prints a marker, counts CPUs and powers off through ACPI. The kernel
# and initramfs travel inside OUT as base64 (lab.sh copies one file per
# test). Name OUT zz_* so that it runs last: it is the slow one.
set -eu
kernel=$1
out=$2
device=${3:-/dev/kvm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/root/bin" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/dev"
cp "$(command -v busybox)" "$tmp/root/bin/busybox"
cat >"$tmp/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox echo "vmxlab-guest: init running"
/bin/busybox echo "vmxlab-guest: cpus $(/bin/busybox grep -c ^processor /proc/cpuinfo)"
/bin/busybox echo "vmxlab-guest: $(/bin/busybox cat /proc/cmdline)"
/bin/busybox poweroff -f
INIT
chmod 755 "$tmp/root/init"
(cd "$tmp/root" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$tmp/initrd.gz"

{
	echo '#!/bin/sh'
	echo "base64 -d >/tmp/guest-vmlinuz <<'PAYLOAD'"
	base64 "$kernel"
	echo 'PAYLOAD'
	echo "base64 -d >/tmp/guest-initrd.gz <<'PAYLOAD'"
	base64 "$tmp/initrd.gz"
	echo 'PAYLOAD'
	echo "device=$device"
	cat <<'TEST'
# Linux on the launcher, in the lab.
pass=0 fail=0 n=0
echo "TAP version 13"
for run in ${LINUX_GUEST_RUNS:-split:1 user:1 kernel:2}; do
	chip=${run%:*}
	cpus=${run#*:}
	n=$((n + 1))
	# streamed as it comes, so that a slow boot shows how far it got
	{ vmxlab run --device $device --kernel /tmp/guest-vmlinuz \
		--initrd /tmp/guest-initrd.gz --mem 160 --cpus $cpus \
		--irqchip $chip \
		--cmdline "console=ttyS0 panic=-1 loglevel=7" \
		</dev/null 2>&1; echo $? >/tmp/linux-guest.rc; } |
		tee /tmp/linux-guest.out | sed 's/^/#   /'
	rc=$(cat /tmp/linux-guest.rc)
	if [ $rc -eq 0 ] && grep -q 'vmxlab-guest: init running' /tmp/linux-guest.out &&
	   grep -q "vmxlab-guest: cpus $cpus" /tmp/linux-guest.out; then
		pass=$((pass + 1))
		echo "ok $n Debian's kernel on $device, irqchip $chip, $cpus CPU(s): /init ran, powered off"
	else
		fail=$((fail + 1))
		echo "not ok $n Debian's kernel, irqchip $chip, $cpus CPU(s) (status $rc)"
	fi
done
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ $fail -eq 0 ]
TEST
} >"$out"
chmod 755 "$out"
