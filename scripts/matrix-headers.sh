#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# matrix-headers.sh DIR: fetch the kernel headers of the kernel matrix
# that the machine does not have installed (bookworm-backports' 6.12 and
# 6.12-rt) and unpack them under DIR/root, without installing anything:
# a private apt configuration in DIR/apt knows bookworm-backports, the
# .debs are fetched with `apt-get download` and unpacked with dpkg-deb -x.
# Prints one line per flavour, "NAME KDIR", to DIR/kdirs.
#
# The mirror is the one the machine already uses for bookworm, so this
# works wherever apt does. A second run reuses what the first fetched.
set -euo pipefail

dir=$(mkdir -p "$1" && cd "$1" && pwd)
apt=$dir/apt root=$dir/root debs=$dir/debs
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources" \
	"$root" "$debs"

mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
	awk '$2 == "bookworm" { print $1; exit }')
[ -n "$mirror" ] || mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
	awk '$2 ~ /^bookworm/ && $1 !~ /security/ { print $1; exit }')
[ -n "$mirror" ] || { echo "matrix-headers: no bookworm source in apt's configuration" >&2; exit 1; }

cat >"$apt/sources/backports.sources" <<SRC
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

aptopts=(-o Dir::Etc::SourceList=/dev/null
	 -o Dir::Etc::SourceParts="$apt/sources"
	 -o Dir::State::Lists="$apt/lists"
	 -o Dir::Cache="$apt/cache"
	 -o Dir::State::Status=/dev/null
	 -o APT::Architecture=amd64 -o Debug::NoLocking=1
	 -o APT::Sandbox::User=root)

# The index is refreshed once a day at most.
if [ -z "$(find "$apt/lists" -name '*bookworm-backports*Packages*' -mtime -1 2>/dev/null)" ]; then
	apt-get "${aptopts[@]}" update -qq
fi

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
