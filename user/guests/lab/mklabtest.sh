#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mklabtest.sh MBTEST_ELF SCRIPT OUT [MBTEST_LOW_ELF]: make OUT, a
# self-contained busybox script for a lab selftests directory: the
# Multiboot test kernel travels inside it as base64 (it is small), and
# SCRIPT follows, with $MBTEST naming the kernel's path ($MBTEST_LOW the
# one linked at 0x8000, if given).
set -eu
elf=$1
script=$2
out=$3
low=${4:-}
{
	echo '#!/bin/sh'
	echo 'MBTEST=/tmp/mbtest.elf'
	echo "base64 -d >\$MBTEST <<'PAYLOAD'"
	base64 "$elf"
	echo 'PAYLOAD'
	if [ -n "$low" ]; then
		echo 'MBTEST_LOW=/tmp/mbtest-low.elf'
		echo "base64 -d >\$MBTEST_LOW <<'PAYLOAD'"
		base64 "$low"
		echo 'PAYLOAD'
	fi
	cat "$script"
} >"$out"
chmod 755 "$out"
