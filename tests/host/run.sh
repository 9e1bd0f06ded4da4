#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/run.sh DEBDIR RESULTS: the Debian packages on this machine.
# Installs the .debs of DEBDIR (make deb) with dpkg -i, checks that DKMS
# built and installed vmxlab.ko for the kernel whose headers Debian's
# linux-headers-amd64 installs (named explicitly: the running kernel may
# have no headers here), that modinfo's version is `vmxlab --version`'s,
# the man page and the udev rule; then runs the launcher as a user in
# group kvm and not in it against fake device nodes (the numbers of
# /dev/null, in a directory of its own: no hypervisor device is opened)
# and the tap code without CAP_NET_ADMIN in a network namespace of its
# own, checking that each error names the missing permission; then purges
# the packages and checks that nothing is left. Writes "pass fail skip"
# to RESULTS.
set -uo pipefail

debdir=$(cd "$1" && pwd)
results=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(cat "$top/VERSION")
user=vmxlab-hostcheck
work=$(mktemp -d /tmp/vmxlab-host.XXXXXX)
chmod 755 "$work"
pass=0 fail=0 skip=0 n=0

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
# expect WHAT PATTERN COMMAND...: COMMAND's output matches PATTERN.
expect()
{
	local what=$1 pattern=$2 out
	shift 2
	out=$("$@" 2>&1)
	if grep -qE -- "$pattern" <<<"$out"; then
		ok "$what"
	else
		not_ok "$what"
		echo "#   expected /$pattern/, got: $out"
	fi
}

purge()
{
	dpkg --purge vmxlab vmxlab-dkms >>"$work/dpkg.log" 2>&1
}

had_kvm_group=0
getent group kvm >/dev/null && had_kvm_group=1
kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 |
	grep -o 'linux-headers-[0-9][^ ,]*' | head -n1)
kver=${kver#linux-headers-}
# A headers-only kernel has no modules.dep until DKMS runs depmod: leave
# it as it was found.
had_depmod=0
[ -e /lib/modules/"$kver"/modules.dep ] && had_depmod=1
cleanup()
{
	purge
	[ "$had_depmod" -eq 1 ] || rm -f /lib/modules/"$kver"/modules.*
	userdel "$user" 2>/dev/null
	[ "$had_kvm_group" -eq 1 ] || groupdel kvm 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

echo "# host-check: vmxlab $version, DKMS for $kver (running kernel $(uname -r))"

# ---------------------------------------------------------------- install
purge
start=$(date +%s)
check "dpkg -i installs vmxlab and vmxlab-dkms" \
	dpkg -i "$debdir"/vmxlab_"$version"_*.deb "$debdir"/vmxlab-dkms_"$version"_all.deb \
	>>"$work/dpkg.log" 2>&1 || tail -20 "$work/dpkg.log"
# The postinst builds for the running kernel where it has headers; the
# kernel Debian's headers are for is named explicitly.
dkms install vmxlab/"$version" -k "$kver" >"$work/dkms.log" 2>&1 || tail -20 "$work/dkms.log"
status=$(dkms status vmxlab/"$version" -k "$kver" 2>&1)
echo "# dkms status: $status"
expect "dkms status: installed for $kver" "^vmxlab/$version, $kver, x86_64: installed" echo "$status"
ko=$(find /lib/modules/"$kver"/updates -name 'vmxlab.ko*' 2>/dev/null | head -n1)
check "DKMS put vmxlab.ko under /lib/modules/$kver/updates" test -n "$ko"
echo "# DKMS build and install: $(( $(date +%s) - start )) s ($ko)"
if [ -n "$ko" ]; then
	expect "modinfo: vermagic is $kver" "^$kver " /sbin/modinfo -F vermagic "$ko"
	modver=$(/sbin/modinfo -F version "$ko")
	expect "modinfo version ($modver) = vmxlab --version" "^vmxlab $modver\$" vmxlab --version
fi
expect "vmxlab --version is VERSION" "^vmxlab $version\$" vmxlab --version
check "modules.dep knows vmxlab" grep -q 'vmxlab.ko' /lib/modules/"$kver"/modules.dep

# ---------------------------------------------------------------- files
check "man page installed" test -s /usr/share/man/man1/vmxlab.1.gz
expect "man vmxlab(1) names the version" "vmxlab $version" \
	sh -c 'MANWIDTH=80 man -P cat vmxlab 2>/dev/null || zcat /usr/share/man/man1/vmxlab.1.gz'
expect "man vmxlab(1) documents the permissions" "CAP_NET_ADMIN" \
	sh -c 'MANWIDTH=80 man -P cat vmxlab 2>/dev/null'
expect "udev rule: /dev/vmxlab* group kvm mode 0660" \
	'KERNEL=="vmxlab\*", GROUP="kvm", MODE="0660"' cat /lib/udev/rules.d/60-vmxlab.rules
check "group kvm exists" sh -c "getent group kvm >/dev/null"

# ---------------------------------------------------------------- user
useradd --system --no-create-home --shell /usr/sbin/nologin "$user" 2>/dev/null
kvm_gid=$(getent group kvm | cut -d: -f3)
uid=$(id -u "$user")
as_user() { setpriv --reuid="$uid" --regid="$(id -g "$user")" --init-groups "$@"; }
as_user_no_groups() { setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups "$@"; }
node=$work/vmxlab
mknod "$node" c 1 3
# The kernel image is read before the device is opened: as a flat binary
# any regular file will do.
head -c 4096 /dev/zero >"$work/kernel"
chmod 644 "$work/kernel"

chown root:root "$node"; chmod 0600 "$node"
expect "no udev rule: the error names the rule" \
	"$node: permission denied: it is root:root mode 0600, not group kvm mode 0660; install the udev rule 60-vmxlab.rules" \
	as_user vmxlab run --flat 0x100000 --kernel "$work/kernel" --device "$node"

chown root:kvm "$node"; chmod 0660 "$node"
expect "user not in group kvm: the error says to join it" \
	"permission denied: it is for group kvm \(mode 0660\) and user $user is not in it; run: sudo adduser $user kvm" \
	as_user vmxlab run --flat 0x100000 --kernel "$work/kernel" --device "$node"

usermod -a -G kvm "$user"
expect "joined kvm after logging in: the error says to log in again" \
	"user $user is in group kvm but this session started before that; log in again" \
	as_user_no_groups vmxlab run --flat 0x100000 --kernel "$work/kernel" --device "$node"
# In group kvm the node opens; it is not a hypervisor, and the launcher
# says so.
expect "in group kvm: the device opens (the permission is there)" \
	"$node does not speak the KVM API" \
	as_user vmxlab run --flat 0x100000 --kernel "$work/kernel" --device "$node"

# ---------------------------------------------------------------- tap
# The launcher's tap code, as the user, in a network and mount namespace
# of its own (its taps and addresses are seen nowhere else).
cc -O2 -Wall -Werror -I"$top/user" -I"$top/user/virtio" $(pkg-config --cflags libnl-3.0 libnl-route-3.0) \
	-o "$work/tap_check" "$top/tests/host/tap_check.c" "$top/user/virtio/tap.c" \
	"$top/user/access.c" -lnl-route-3 -lnl-3 || not_ok "build tap_check"
chmod 755 "$work/tap_check"
if [ -x "$work/tap_check" ] && unshare --net --mount true 2>/dev/null; then
	export -f as_user
	export uid user work
	taps=$(unshare --net --mount --propagation private bash -c '
		set -u
		as_user() { setpriv --reuid="$uid" --regid="$(id -g "$user")" --init-groups "$@"; }
		chmod 0600 /dev/net/tun 2>/dev/null
		mknod "$work/tun600" c 10 200 && chmod 0600 "$work/tun600"
		mount --bind "$work/tun600" /dev/net/tun
		echo "tun600: $(as_user "$work/tap_check" vmxt0)"
		umount /dev/net/tun
		mknod "$work/tun" c 10 200 && chmod 0666 "$work/tun"
		mount --bind "$work/tun" /dev/net/tun
		echo "none: $(as_user "$work/tap_check" vmxt0)"
		ip tuntap add dev vmxt1 mode tap user root
		echo "other: $(as_user "$work/tap_check" vmxt1)"
		ip tuntap add dev vmxt2 mode tap user "$user"
		echo "down: $(as_user "$work/tap_check" vmxt2)"
		ip addr add 192.168.100.1/24 dev vmxt2
		ip link set vmxt2 up
		echo "ready: $(as_user "$work/tap_check" vmxt2)"
	' 2>&1)
	sed 's/^/#   /' <<<"$taps"
	expect "tap: /dev/net/tun not open to the user: said so" \
		"^tun600: vmxlab: cannot open /dev/net/tun: Permission denied: a tap needs /dev/net/tun" echo "$taps"
	expect "tap: no tap and no CAP_NET_ADMIN: names CAP_NET_ADMIN and a pre-made tap" \
		"^none: vmxlab: tap vmxt0: Operation not permitted: creating a tap needs CAP_NET_ADMIN.*ip tuntap add dev vmxt0 mode tap user $user, up with 192.168.100.1/24 \(see vmxlab\(1\)\)$" echo "$taps"
	expect "tap: another user's tap: names CAP_NET_ADMIN" \
		"^other: vmxlab: tap vmxt1: Operation not permitted: creating a tap needs CAP_NET_ADMIN" echo "$taps"
	expect "tap: the user's tap, not up: says it must be up with the address" \
		"^down: vmxlab: .*configuring a tap needs CAP_NET_ADMIN, or a tap made for you that is already up with 192.168.100.1/24" echo "$taps"
	expect "tap: the user's tap, up and addressed: used without CAP_NET_ADMIN" \
		"^ready: ok$" echo "$taps"
else
	skip=$((skip + 1)); echo "ok $((n += 1)) # SKIP tap checks: no network namespaces here"
fi

# ---------------------------------------------------------------- purge
purge
check "dpkg --purge removes both packages" \
	sh -c '! dpkg-query -W -f="\${Status}\n" vmxlab vmxlab-dkms 2>/dev/null | grep -q "installed"'
check "the module is gone from /lib/modules/$kver" \
	sh -c "! find /lib/modules/$kver -name 'vmxlab.ko*' | grep -q ."
check "DKMS no longer knows vmxlab" sh -c '! dkms status vmxlab 2>/dev/null | grep -q vmxlab'
check "/usr/src/vmxlab-$version is gone" test ! -e /usr/src/vmxlab-"$version"

mkdir -p "$(dirname "$results")"
echo "$pass $fail $skip" >"$results"
echo "host-check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
