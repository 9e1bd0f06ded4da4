#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mklabtest.sh MBTEST_ELF SCRIPT OUT: make OUT, a self-contained busybox
# script for a lab selftests directory: the Multiboot test kernel travels
# inside it as base64 (it is small), and SCRIPT follows, with $MBTEST
# naming the kernel's path.
set -eu
elf=$1
script=$2
out=$3
{
	echo '#!/bin/sh'
	echo 'MBTEST=/tmp/mbtest.elf'
	echo "base64 -d >\$MBTEST <<'PAYLOAD'"
	base64 "$elf"
	echo 'PAYLOAD'
	cat "$script"
} >"$out"
chmod 755 "$out"
