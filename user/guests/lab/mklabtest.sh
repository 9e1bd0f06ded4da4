#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mklabtest.sh MBTEST_ELF OUT: make OUT, a self-contained busybox script
# for the lab's selftests directory (lab.sh copies only executables, one
# file each): the Multiboot test kernel travels inside it as base64.
set -eu
elf=$1
out=$2
here=$(dirname "$0")
{
	echo '#!/bin/sh'
	echo 'MBTEST=/tmp/mbtest.elf'
	echo "base64 -d >\$MBTEST <<'PAYLOAD'"
	base64 "$elf"
	echo 'PAYLOAD'
	cat "$here/launcher_test.sh"
} >"$out"
chmod 755 "$out"
