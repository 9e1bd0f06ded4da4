#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-matrix.sh DIR: build vmxlab.ko against every kernel of the
# matrix, Debian 12's 6.1 (the headers linux-headers-amd64 installs) and
# bookworm-backports' 6.12 and 6.12-rt (fetched and unpacked under DIR by
# matrix-headers.sh, never installed). Each build has its own copy of
# the module's source under DIR/<kernel>/, so they do not share objects
# with the tree's own build. Warnings are errors: the compiler's
# (KCFLAGS=-Werror) and any other that Kbuild, objtool or modpost prints.
# Prints one line per kernel and exits non-zero if any build failed or
# warned.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mkdir -p "$1" && cd "$1" && pwd)
jobs=${MATRIX_JOBS:-2}

kdirs=()
dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	grep -o 'linux-headers-[0-9][^ ,]*' | head -n1) || true
[ -n "$dep" ] && [ -d "/usr/src/$dep" ] ||
	{ echo "kernel-matrix: Debian's 6.1 headers (linux-headers-amd64) are not installed" >&2; exit 1; }
kdirs+=("${dep#linux-headers-} /usr/src/$dep")
"$top/scripts/matrix-headers.sh" "$dir/headers" >/dev/null
while read -r name kdir; do kdirs+=("$name $kdir"); done <"$dir/headers/kdirs"

rc=0
for entry in "${kdirs[@]}"; do
	read -r name kdir <<<"$entry"
	src=$dir/$name log=$dir/$name.log
	rm -rf "$src"
	mkdir -p "$src"
	cp -r "$top/Kbuild" "$top/VERSION" "$top/module" "$src/"
	find "$src" \( -name '*.o' -o -name '*.cmd' -o -name '*.ko' -o -name '*.mod*' \) -delete
	start=$(date +%s)
	if make -C "$kdir" M="$src" KCFLAGS=-Werror -j"$jobs" modules >"$log" 2>&1; then
		status=ok
	else
		status=FAILED rc=1
	fi
	warnings=$(grep -ci 'warning' "$log" || true)
	[ "$warnings" -eq 0 ] || rc=1
	[ "$status" = ok ] && [ -s "$src/vmxlab.ko" ] || { status=FAILED rc=1; }
	ver=$( [ -s "$src/vmxlab.ko" ] && /sbin/modinfo -F vermagic "$src/vmxlab.ko" | cut -d' ' -f1 || echo -)
	printf 'kernel-matrix: %-24s %-6s %s warning(s)  vermagic %s  %ss\n' \
		"$name" "$status" "$warnings" "$ver" "$(( $(date +%s) - start ))"
	if [ "$status" != ok ] || [ "$warnings" -ne 0 ]; then
		grep -iE 'warning|error' "$log" | head -20 | sed 's/^/    /'
	fi
done
exit $rc
