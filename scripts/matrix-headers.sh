#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# matrix-headers.sh DIR: fetch the kernel headers of the kernel matrix
# that the machine does not have installed (bookworm-backports' 6.12 and
# 6.12-rt) and unpack them under DIR/root, without installing anything:
# a private apt configuration in DIR/apt knows bookworm-backports, the
# .debs are fetched with `apt-get download` and unpacked with dpkg-deb -x
# (see backports-apt.sh).
# Prints one line per flavour, "NAME KDIR", to DIR/kdirs.
#
# The mirror is the one the machine already uses for bookworm, so this
# works wherever apt does. A second run reuses what the first fetched.
set -euo pipefail

dir=$(mkdir -p "$1" && cd "$1" && pwd)
root=$dir/root debs=$dir/debs
mkdir -p "$root" "$debs"

. "$(dirname "$0")/backports-apt.sh"
backports_apt "$dir"
aptopts=("${backports_aptopts[@]}")

# Depends of a package, limited to the linux-* ones (headers, kbuild).
linux_deps()
{
	apt-cache "${aptopts[@]}" depends --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances "$1" |
		awk '/^ *(Pre)?Depends: linux-(headers|kbuild)-/ { print $2 }' | sort -u
}

: >"$dir/kdirs.tmp"
for meta in linux-headers-amd64 linux-headers-rt-amd64; do
	flavour_pkg=$(linux_deps "$meta" | head -n1)
	[ -n "$flavour_pkg" ] || { echo "matrix-headers: $meta: no headers package" >&2; exit 1; }
	want=("$flavour_pkg")
	# Two levels of dependencies: -common(-rt) and linux-kbuild.
	for p in $(linux_deps "$flavour_pkg"); do
		want+=("$p")
		for q in $(linux_deps "$p"); do want+=("$q"); done
	done
	for p in $(printf '%s\n' "${want[@]}" | sort -u); do
		if ! ls "$debs/${p}_"*.deb >/dev/null 2>&1; then
			(cd "$debs" && apt-get "${aptopts[@]}" download -qq "$p/bookworm-backports")
		fi
		stamp=$root/.unpacked-$p
		if [ ! -e "$stamp" ]; then
			dpkg-deb -x "$debs/${p}_"*.deb "$root"
			touch "$stamp"
		fi
	done
	kdir=$root/usr/src/$flavour_pkg
	# The flavour's Makefile includes the -common tree by absolute path.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$kdir/Makefile"
	name=${flavour_pkg#linux-headers-}
	echo "$name $kdir" >>"$dir/kdirs.tmp"
done
mv "$dir/kdirs.tmp" "$dir/kdirs"
cat "$dir/kdirs"
