#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# linux-guest.sh BUILD OUTDIR: make the Linux-guest test (zz_linux and
# its data/) in OUTDIR for the lab. The guest is the lab's own kernel,
# Debian's build of the release vmxlab.ko was built for, which lab.sh
# fetches into BUILD/lab/cache. Used by make lab-check and make run.
set -euo pipefail
build=$1
out=$2
top=$(cd "$(dirname "$0")/.." && pwd)

release=$(modinfo -F vermagic "$build/vmxlab.ko" | cut -d' ' -f1)
"$top/tests/lab/lab.sh" --cpus 1 --build "$build" --fetch-only
cache=$build/lab/cache/$release
echo "linux-guest.sh: Debian's $release as the guest"
sh "$top/user/guests/lab/mklinuxtest.sh" "$cache/vmlinuz" \
	"$cache/root/lib/modules/$release" "$out"
