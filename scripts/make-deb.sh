#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make-deb.sh DIR: build the Debian packages (vmxlab-dkms, vmxlab) with
# dpkg-buildpackage from a copy of the tree's files (tracked and
# untracked, not build/) in DIR/vmxlab-VERSION, so that nothing is
# written into the tree or its parent; the .debs land in DIR. Then
# lintian, which must report no error. DIR/debs lists the .debs built.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mkdir -p "$1" && cd "$1" && pwd)
version=$(cat "$top/VERSION")
deb_version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
[ "${deb_version%%-*}" = "$version" ] ||
	{ echo "make-deb: debian/changelog is $deb_version but VERSION is $version" >&2; exit 1; }

src=$dir/vmxlab-$version
rm -rf "$src" "$dir"/*.deb "$dir"/*.changes "$dir"/*.buildinfo
mkdir -p "$src"
(cd "$top" && git ls-files -z -co --exclude-standard) |
	(cd "$top" && tar --null --ignore-failed-read -T - -cf -) | tar -C "$src" -xf -

start=$(date +%s)
(cd "$src" && dpkg-buildpackage -us -uc -b -j2) >"$dir/build.log" 2>&1 ||
	{ tail -30 "$dir/build.log"; echo "make-deb: dpkg-buildpackage failed (log: $dir/build.log)" >&2; exit 1; }
changes=$(ls "$dir"/vmxlab_"$deb_version"_*.changes)
ls "$dir"/*.deb >"$dir/debs"
echo "make-deb: built $(xargs -n1 basename <"$dir/debs" | tr '\n' ' ')in $(( $(date +%s) - start )) s"

lintian --tag-display-limit 0 "$changes" >"$dir/lintian.log" 2>&1 || true
cat "$dir/lintian.log"
errors=$(grep -c '^E: ' "$dir/lintian.log" || true)
warnings=$(grep -c '^W: ' "$dir/lintian.log" || true)
echo "make-deb: lintian: $errors error(s), $warnings warning(s)"
[ "$errors" -eq 0 ]
