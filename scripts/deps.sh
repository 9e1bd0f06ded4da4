#!/bin/bash
# Install the Debian packages a build step needs, only when missing.
# Usage: scripts/deps.sh GROUP...   (groups: build unit lab run matrix deb fresh)
set -euo pipefail

pkgs_build="build-essential linux-headers-amd64 linux-source-6.1 xz-utils pkg-config libnl-3-dev libnl-route-3-dev"
pkgs_unit="build-essential linux-source-6.1 xz-utils"
# qemu-system-x86, seabios, ipxe-qemu, strace: QEMU as a KVM client in the lab;
# gnuplot-nox: the latency plots.
pkgs_lab="bochs bochsbios vgabios busybox-static isolinux syslinux-common xorriso cpio gzip xz-utils kmod procps dwarves qemu-system-x86 seabios ipxe-qemu strace gnuplot-nox"
pkgs_run="$pkgs_lab"
# The kernel matrix (6.12's Kbuild makes BTF with pahole), the Debian
# packages and their host test, the fresh-machine check.
pkgs_matrix="build-essential linux-headers-amd64 dwarves kmod"
pkgs_deb="build-essential dpkg-dev debhelper dh-dkms dkms lintian fakeroot linux-headers-amd64 pkg-config libnl-3-dev libnl-route-3-dev man-db kmod"
pkgs_fresh="debootstrap"

# make -j runs several deps-* goals at once; apt allows one installer at a
# time, so they queue here instead of failing on apt's lock.
exec 9>"${TMPDIR:-/tmp}/vmxlab-deps.lock"
flock 9

want=()
for group in "$@"; do
	var="pkgs_$group"
	[ -n "${!var:-}" ] || { echo "deps.sh: unknown group '$group'" >&2; exit 2; }
	for p in ${!var}; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
			want+=("$p")
	done
done
[ ${#want[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${want[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages and not root; run: sudo apt-get install ${want[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt_wait="-o DPkg::Lock::Timeout=600"
# apt's output is kept, and shown when it fails, not thrown away.
log=$(mktemp "${TMPDIR:-/tmp}/vmxlab-deps.XXXXXX")
if ! { apt-get $apt_wait update -qq &&
       apt-get $apt_wait install -y -qq --no-install-recommends "${want[@]}"; } >"$log" 2>&1; then
	tail -40 "$log" >&2
	echo "deps.sh: apt-get failed (log: $log)" >&2
	exit 1
fi
rm -f "$log"
