#!/bin/bash
# make run, the main job: boot Debian's Linux kernel with a small busybox
# initramfs under vmxlab (the launcher on /dev/vmxlab, irqchip in the
# kernel, virtio-net's rings served in the kernel by /dev/vmxlab-net
# where it is there: the launcher prints which backend it uses). The
# guest prints its kernel, CPUs and command line, pings the host over
# the tap, then powers off. On a machine with VMX where vmxlab.ko loads, it runs directly;
# anywhere else it runs inside the emulated lab, whose serial console
# streams here as it happens.
# Usage: scripts/run.sh BUILD_DIR
set -euo pipefail

build=$1
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${VMXLAB_RUNS:-vmxlab,kernel,1,net}

can_run_here()
{
	grep -qw vmx /proc/cpuinfo || return 1
	[ -c /dev/vmxlab ] && return 0
	[ "$(id -u)" -eq 0 ] && insmod "$build/vmxlab.ko" 2>/dev/null
}

if can_run_here; then
	kernel=/boot/vmlinuz-$(uname -r)
	[ -r "$kernel" ] || { echo "run.sh: no readable $kernel" >&2; exit 1; }
	test=$(mktemp -d)
	trap 'rm -rf "$test"' EXIT
	sh "$top/user/guests/lab/mklinuxtest.sh" "$kernel" \
		"/lib/modules/$(uname -r)" "$test"
	echo "run.sh: booting $kernel under vmxlab on this machine"
	PATH=$build:$PATH LINUX_GUEST_RUNS=$runs sh "$test/zz_linux"
	exit
fi

echo "run.sh: no VMX or no module loading here: running inside the lab"
lab=$build/run-lab
rm -rf "$lab/selftests"
mkdir -p "$lab/selftests" "$lab/lab" "$build/lab/cache"
ln -sfn "$build/lab/cache" "$lab/lab/cache"
cp "$build/vmxlab.ko" "$build/vmxlab" "$lab/"
"$top/scripts/linux-guest.sh" "$build" "$lab/selftests"
echo "export LINUX_GUEST_RUNS='$runs'" >"$lab/extra.sh"
exec "$top/tests/lab/lab.sh" --cpus 1 --build "$lab" --init-extra "$lab/extra.sh"
