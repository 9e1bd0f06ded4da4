#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh-machine.sh DIR COMMAND...: run COMMANDs in this tree as a newcomer
# would, on a bare Debian 12 where none of the packages the project
# installs for itself are present. The machine is made with
# `debootstrap --variant=minbase bookworm` (about a minute) once and kept
# as DIR/root.tar; each run starts from a pristine copy of it in
# DIR/root, so a package that a command forgets to install is missing
# every time. The tree (tracked and untracked files, not build/) is
# copied to /src/vmxlab inside, and the machine gets what a fresh
# development machine has: gcc and make (installed when the tarball is
# made, so each run starts with them). Downloaded .debs are kept in
# CACHE/archives between runs (copied in and out, not mounted), so only
# the first run fetches them (hard-linked in, copied out). CACHE is
# $FRESH_CACHE, else DIR; make
# fresh-machine keeps it outside the tree, so that CI's fresh clones
# share it. root.tar is made again when it is a week old.
#
# Mounts: /proc, /dev and /dev/pts are bound into DIR/root while the
# commands run and always unmounted on the way out (trap); a run that
# finds mounts left under DIR by a killed run unmounts them first, and
# removes nothing while any remain (make clean checks the same).
#
# Used by .ci/run (make fresh-machine) to run the README's build commands
# exactly as written, so that a defect like "make fails on its first run"
# is caught.
set -euo pipefail

dir=$(mkdir -p "$1" && cd "$1" && pwd)
shift
top=$(cd "$(dirname "$0")/.." && pwd)
root=$dir/root
cache=$(mkdir -p "${FRESH_CACHE:-$dir}" && cd "${FRESH_CACHE:-$dir}" && pwd)

command -v debootstrap >/dev/null || "$top/scripts/deps.sh" fresh

# Every mount point under $1, deepest first.
mounts_under()
{
	awk -v d="$1/" '{ m = $5; gsub(/\\040/, " ", m); if (index(m "/", d) == 1) print m }' \
		/proc/self/mountinfo | sort -r
}
unmount_all()
{
	local m
	for m in $(mounts_under "$root"); do
		umount "$m" 2>/dev/null || umount -l "$m" || true
	done
}
cleanup()
{
	unmount_all
	if [ -n "$(mounts_under "$root")" ]; then
		echo "fresh-machine: mounts remain under $root: not removing it" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

unmount_all
[ -z "$(mounts_under "$root")" ] ||
	{ echo "fresh-machine: cannot unmount what is mounted under $root" >&2; exit 1; }

mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
	awk '$2 == "bookworm" { print $1; exit }')

in_chroot()
{
	chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin CI="${CI:-}" \
		LAB_TIMEOUT="${LAB_TIMEOUT:-}" /bin/bash -c "$1"
}
mount_all()
{
	local m
	for m in proc dev dev/pts; do
		mount --bind "/$m" "$root/$m"
	done
}

# The machine, made once a week: a minbase bookworm plus what a fresh
# development machine has, gcc and make; kept as CACHE/root.tar.
find "$cache" -maxdepth 1 -name root.tar -mtime +7 -delete
if [ ! -s "$cache/root.tar" ]; then
	echo "fresh-machine: debootstrap bookworm, then gcc and make (once a week)"
	rm -rf --one-file-system "$root"
	start=$(date +%s)
	debootstrap --variant=minbase bookworm "$root" ${mirror:+"$mirror"} \
		>"$cache/debootstrap.log" 2>&1 ||
		{ tail -20 "$cache/debootstrap.log"; exit 1; }
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mount_all
	in_chroot 'export DEBIAN_FRONTEND=noninteractive;
		apt-get update -qq && apt-get install -y -qq gcc make >/dev/null' \
		>>"$cache/debootstrap.log" 2>&1 ||
		{ tail -20 "$cache/debootstrap.log"; exit 1; }
	unmount_all
	[ -z "$(mounts_under "$root")" ] || exit 1
	tar -C "$root" -cf "$cache/root.tar.tmp" .
	mv "$cache/root.tar.tmp" "$cache/root.tar"
	echo "fresh-machine: the machine took $(( $(date +%s) - start )) s"
fi

rm -rf --one-file-system "$root"
mkdir -p "$root" "$cache/archives"
tar -C "$root" -xf "$cache/root.tar"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Hard links where the cache is on the same file system, copies elsewhere.
for deb in "$cache"/archives/*.deb; do
	[ -e "$deb" ] || continue
	ln "$deb" "$root/var/cache/apt/archives/" 2>/dev/null ||
		cp "$deb" "$root/var/cache/apt/archives/"
done

mkdir -p "$root/src/vmxlab"
(cd "$top" && git ls-files -z -co --exclude-standard) |
	(cd "$top" && tar --null --ignore-failed-read -T - -cf -) | tar -C "$root/src/vmxlab" -xf -

mount_all

rc=0
: >"$dir/log.all"
for cmd in "$@"; do
	echo "fresh-machine: $ $cmd"
	start=$(date +%s)
	if in_chroot "cd /src/vmxlab && $cmd" >"$dir/log" 2>&1; then
		echo "fresh-machine: '$cmd' passed in $(( $(date +%s) - start )) s"
	else
		tail -30 "$dir/log"
		echo "fresh-machine: '$cmd' FAILED on a fresh machine (log: $dir/log)"
		rc=1
		break
	fi
	cat "$dir/log" >>"$dir/log.all"
done
unmount_all
# Keep the packages for next time and the results for reading.
find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' \
	-exec cp -nt "$cache/archives/" {} + 2>/dev/null || true
rm -rf --one-file-system "$dir/build"
cp -a "$root/src/vmxlab/build" "$dir/build" 2>/dev/null || true
exit $rc
