#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# add-qemu.sh ROOT VMLINUZ - put Debian's QEMU into the lab's initramfs.
#
# tests/lab/lab.sh calls this only when the build tree holds the QEMU lab
# test (selftests/qemu_boot), so other runs stay small and fast. It copies,
# at the paths Debian installs them (QEMU's compiled-in firmware path is
# /usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu):
#   - qemu-system-x86_64 and strace, with every library ldd lists and the
#     dynamic loader;
#   - the firmware the tested machines load (qboot for microvm, SeaBIOS,
#     the option ROMs for -kernel and the kvmvapic ROM for pc);
#   - /qemu/vmlinuz (the lab's own Debian kernel, as the guest's kernel)
#     and /qemu/guest.cpio.gz (a busybox initramfs whose /init is
#     guest-init.sh: it prints a marker and powers off).
set -euo pipefail

root=$1
vmlinuz=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die()
{
	echo "add-qemu.sh: $*" >&2
	exit 1
}

QEMU=/usr/bin/qemu-system-x86_64
STRACE=/usr/bin/strace
[ -x "$QEMU" ] || die "no $QEMU: install qemu-system-x86 and seabios (scripts/deps.sh lab)"
[ -x "$STRACE" ] || die "no $STRACE: install strace"

FIRMWARE="
/usr/share/qemu/qboot.rom
/usr/share/qemu/bios-microvm.bin
/usr/share/qemu/linuxboot.bin
/usr/share/qemu/linuxboot_dma.bin
/usr/share/qemu/kvmvapic.bin
/usr/share/qemu/pvh.bin
/usr/share/qemu/multiboot.bin
/usr/share/qemu/multiboot_dma.bin
/usr/share/seabios/bios.bin
/usr/share/seabios/bios-256k.bin
/usr/share/seabios/vgabios-stdvga.bin
/usr/lib/ipxe/qemu/efi-virtio.rom
"

# Copy host file PATH to the same path under ROOT, keeping a symlink a
# symlink (and copying what it points to as well).
take()
{
	local path=$1 target

	[ -e "$root$path" ] && return 0
	mkdir -p "$root$(dirname "$path")"
	if [ -L "$path" ]; then
		target=$(readlink "$path")
		ln -s "$target" "$root$path"
		case "$target" in
		/*) take "$target" ;;
		*) take "$(dirname "$path")/$target" ;;
		esac
	else
		cp "$path" "$root$path"
	fi
}

take_program()
{
	local lib

	take "$1"
	for lib in $(ldd "$1" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
		take "$lib"
	done
}

take_program "$QEMU"
take_program "$STRACE"
for f in $FIRMWARE; do
	if [ -e "$f" ]; then
		take "$f"
	else
		echo "add-qemu.sh: warning: no $f" >&2
	fi
done

# The guest: the lab's kernel and a busybox initramfs of its own.
mkdir -p "$root/qemu"
cp "$vmlinuz" "$root/qemu/vmlinuz"
guest=$(mktemp -d)
trap 'rm -rf "$guest"' EXIT
mkdir -p "$guest"/{bin,dev,proc,sys}
cp "$(command -v busybox)" "$guest/bin/busybox"
for applet in sh echo poweroff cat mount grep; do
	ln -s busybox "$guest/bin/$applet"
done
mknod -m 600 "$guest/dev/console" c 5 1 2>/dev/null || true
cp "$here/guest-init.sh" "$guest/init"
chmod 755 "$guest/init"
(cd "$guest" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -6 >"$root/qemu/guest.cpio.gz"
