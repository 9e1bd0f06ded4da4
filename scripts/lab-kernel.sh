#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# lab-kernel.sh [--linux-runs RUNS] KERNEL BUILD [TEST...]: a lab tree,
# BUILD/kernel-KERNEL,
# that boots another of the kernels vmxlab supports in the lab, for
# `make lab-check KERNEL=6.12` (and the bounded 6.12 run of make check).
# KERNEL is a name of the kernel matrix: 6.12 or 6.12-rt (bookworm-
# backports, whose headers matrix-headers.sh fetches). The tree gets:
#   vmxlab.ko     built against KERNEL's headers, from a copy of module/
#                 (the tree's own objects stay those of the 6.1 build);
#   selftests/    the test programs of BUILD/selftests (all of them, or
#                 only the TESTs named), and the Linux-guest test made
#                 for KERNEL: the guest is the lab's kernel, as on 6.1;
#   vmxlab        the launcher;
#   lab/cache     BUILD/lab/cache, shared (lab.sh fetches KERNEL's image
#                 from bookworm-backports into it);
#   lab-extra.sh  with --linux-runs, an /init fragment (lab.sh
#                 --init-extra) that limits the Linux-guest test to RUNS
#                 (its LINUX_GUEST_RUNS, see user/guests/lab/linux_test.sh).
set -euo pipefail

linux_runs=
if [ "${1:-}" = --linux-runs ]; then
	linux_runs=$2
	shift 2
fi
kernel=$1
build=$(cd "$2" && pwd)
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)
out=$build/kernel-$kernel

case $kernel in
*-rt)	want="-rt-amd64" ;;
*)	want="-amd64" ;;
esac
"$top/scripts/matrix-headers.sh" "$build/matrix/headers" >/dev/null
kdir=$(awk -v k="${kernel%-rt}." -v w="$want" \
	'index($1, k) == 1 && substr($1, length($1) - length(w) + 1) == w &&
	 (w == "-rt-amd64" || $1 !~ /-rt-amd64$/) { print $2; exit }' \
	"$build/matrix/headers/kdirs")
[ -n "$kdir" ] || {
	echo "lab-kernel.sh: no headers for kernel $kernel (known:" \
	     "$(cut -d' ' -f1 "$build/matrix/headers/kdirs" | tr '\n' ' '))" >&2
	exit 1
}

src=$out/src
rm -rf "$src" "$out/selftests" "$out/lab-extra.sh"
mkdir -p "$src" "$out/selftests" "$out/lab" "$build/lab/cache"
cp -r "$top/Kbuild" "$top/VERSION" "$top/module" "$src/"
find "$src" \( -name '*.o' -o -name '*.cmd' -o -name '*.ko' -o -name '*.mod*' \) -delete
echo "lab-kernel.sh: building vmxlab.ko against $kdir"
make -C "$kdir" M="$src" -j"${MATRIX_JOBS:-2}" modules >"$out/build.log" 2>&1 || {
	tail -20 "$out/build.log" >&2
	echo "lab-kernel.sh: the module did not build for $kernel" >&2
	exit 1
}
cp "$src/vmxlab.ko" "$out/vmxlab.ko"
ln -sfn "$build/lab/cache" "$out/lab/cache"
[ ! -f "$build/vmxlab" ] || cp "$build/vmxlab" "$out/vmxlab"

if [ $# -eq 0 ]; then
	set -- $(cd "$build/selftests" && for f in *; do
		[ -f "$f" ] && [ -x "$f" ] && [ "$f" != zz_linux ] && echo "$f"
	done)
	linux=1
else
	linux=
	for name in "$@"; do [ "$name" != zz_linux ] || linux=1; done
fi
for name in "$@"; do
	[ "$name" = zz_linux ] && continue
	cp "$build/selftests/$name" "$out/selftests/" || {
		echo "lab-kernel.sh: no test program $name in $build/selftests" >&2
		exit 1
	}
done
if [ -n "$linux" ] && [ -f "$out/vmxlab" ]; then
	"$top/scripts/linux-guest.sh" "$out" "$out/selftests"
fi
if [ -n "$linux_runs" ]; then
	echo "export LINUX_GUEST_RUNS=\"$linux_runs\"" >"$out/lab-extra.sh"
fi
echo "lab-kernel.sh: $out boots $(modinfo -F vermagic "$out/vmxlab.ko" | cut -d' ' -f1)" \
     "with $(ls "$out/selftests" | grep -vc '^data$') test program(s)"
