#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mklinuxtest.sh VMLINUZ MODULES OUTDIR: the Linux-guest test of the
# launcher. Writes OUTDIR/zz_linux (linux_test.sh, the test itself) and
# OUTDIR/data/linux/: the bzImage VMLINUZ and a busybox initramfs whose
# /init (linux_init.sh) reports the guest's kernel, CPUs and interrupts,
# pings the host over virtio-net when asked, and powers off. MODULES is
# the kernel's lib/modules/<release> tree: the virtio-net modules come
# from there, since Debian builds them as modules.
#
# OUTDIR is a lab selftests directory (lab.sh copies data/ along) or any
# directory on a machine with VMX (scripts/run.sh). zz_: it runs last.
set -eu
kernel=$1
modules=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
copy_module=$here/../../../tests/lab/copy-module.sh
guest_modules="virtio_ring virtio virtio_mmio failover net_failover virtio_net"

[ -r "$kernel" ] || { echo "mklinuxtest.sh: cannot read $kernel" >&2; exit 1; }
[ -d "$modules" ] || { echo "mklinuxtest.sh: no module tree $modules" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/lib/modules"
cp "$(command -v busybox)" "$root/bin/busybox"
cp "$here/linux_init.sh" "$root/init"
chmod 755 "$root/init"
loaded=
for name in $guest_modules; do
	rc=0
	sh "$copy_module" "$modules" "$name" "$root/lib/modules" || rc=$?
	case $rc in
	0)	loaded="$loaded $name" ;;
	1)	# Built into some kernels; Debian's has them all as modules.
		grep -qs "/$name.ko" "$modules/modules.builtin" ||
			echo "mklinuxtest.sh: warning: no $name module in $modules" >&2 ;;
	*)	exit 1 ;;
	esac
done
echo "$loaded" >"$root/lib/modules/order"

mkdir -p "$out/data/linux"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	gzip -9 >"$out/data/linux/initrd.gz"
cp "$kernel" "$out/data/linux/vmlinuz"
cp "$here/linux_test.sh" "$out/zz_linux"
chmod 755 "$out/zz_linux"
