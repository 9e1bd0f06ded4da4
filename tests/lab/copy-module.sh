#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# copy-module.sh TREE NAME DEST: copy kernel module NAME from the module
# tree TREE (a lib/modules directory, or one below it) to DEST/NAME.ko,
# decompressed, since busybox insmod may not read compressed modules.
# Exit status 1, with nothing written, when TREE has no such module.
# Shared by the lab (lab.sh) and the Linux guest's initramfs
# (user/guests/lab/mklinuxtest.sh).
set -eu
tree=$1
name=$2
dest=$3

src=$(find "$tree" -name "$name.ko" -o -name "$name.ko.*" | head -n1)
[ -n "$src" ] || exit 1
case "$src" in
*.ko)		cp "$src" "$dest/$name.ko" ;;
*.ko.xz)	xz -dc "$src" >"$dest/$name.ko" ;;
*.ko.zst)	zstd -qdc "$src" >"$dest/$name.ko" ;;
*.ko.gz)	gzip -dc "$src" >"$dest/$name.ko" ;;
*)		echo "copy-module.sh: don't know how to unpack $src" >&2; exit 2 ;;
esac
