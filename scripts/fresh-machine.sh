#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh-machine.sh DIR COMMAND...: run COMMANDs in this tree as a newcomer
# would, on a bare Debian 12 where none of the packages the project
# installs for itself are present. DIR/root is made with
# `debootstrap --variant=minbase bookworm` (about a minute) and kept; each
# run starts from a pristine copy of it (DIR/root.tar), so a package that
# a command forgets to install is missing every time. The tree (tracked
# and untracked files, not build/) is copied to /src/vmxlab inside, and
# the machine gets what a fresh development machine has: gcc and make.
#
# Used by .ci/run to run the README's two commands exactly as written.
set -euo pipefail

dir=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
root=$dir/fresh

command -v debootstrap >/dev/null || {
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

mkdir -p "$dir"
if [ ! -s "$dir/root.tar" ]; then
	echo "fresh-machine: debootstrap bookworm into $dir (once)"
	rm -rf "$dir/pristine"
	debootstrap --variant=minbase bookworm "$dir/pristine" \
		>"$dir/debootstrap.log" 2>&1 ||
		{ tail -20 "$dir/debootstrap.log"; exit 1; }
	tar -C "$dir/pristine" -cf "$dir/root.tar.tmp" .
	mv "$dir/root.tar.tmp" "$dir/root.tar"
	rm -rf "$dir/pristine"
fi

mounts=()
cleanup()
{
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "${mounts[i]}" 2>/dev/null || true
	done
}
trap cleanup EXIT

rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xf "$dir/root.tar"
for m in proc sys dev dev/pts; do
	mount --bind "/$m" "$root/$m"
	mounts+=("$root/$m")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"

mkdir -p "$root/src/vmxlab"
(cd "$top" && git ls-files -z -co --exclude-standard) |
	(cd "$top" && tar --null --ignore-failed-read -T - -cf -) | tar -C "$root/src/vmxlab" -xf -

in_chroot()
{
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin CI="${CI:-}" \
		LAB_TIMEOUT="${LAB_TIMEOUT:-}" /bin/bash -c "$1"
}

echo "fresh-machine: installing gcc and make (what a new machine has)"
in_chroot 'export DEBIAN_FRONTEND=noninteractive;
	apt-get update -qq && apt-get install -y -qq gcc make >/dev/null'

rc=0
for cmd in "$@"; do
	echo "fresh-machine: $ $cmd"
	if ! in_chroot "cd /src/vmxlab && $cmd"; then
		echo "fresh-machine: '$cmd' FAILED on a fresh machine"
		rc=1
	fi
done
# Results stay readable after the run (make check writes them in build/).
rm -rf "$dir/build"
cp -a "$root/src/vmxlab/build" "$dir/build" 2>/dev/null || true
exit $rc
