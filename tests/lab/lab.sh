#!/bin/bash
#
# lab.sh - run vmxlab's test programs in the emulated lab machine.
#
# No development machine here has VMX, so the tests run in "the lab": Bochs
# (an x86 emulator with VMX and EPT) booting Debian's own kernel from an ISO,
# with a busybox initramfs that holds vmxlab.ko, Debian's KVM modules (the
# reference to compare against) and the test programs. tests/lab/init.sh is
# its /init. See shared/lab-notes.md for the facts this is built on.
#
# Usage: lab.sh --cpus N [--build DIR] [--timeout SECS] [--init-extra FILE]
#               [--tests "NAME..."]
#
#   --cpus N           number of emulated CPUs (the lab runs in DIR/lab/cpusN)
#   --build DIR        build tree (default: build/ at the top of the repo):
#                        DIR/vmxlab.ko      the module; its vermagic picks
#                                           the kernel the lab boots
#                        DIR/selftests/*    static test programs, run in
#                                           name order, zz_* last
#                        DIR/selftests/data/ files the tests read, copied
#                                           to /tests/data (guest images)
#                        DIR/vmxlab         the launcher, if present
#   --timeout SECS     real-time bound on the whole Bochs run (default 1500)
#   --init-extra FILE  busybox sh fragment that /init sources after the
#                      modules are loaded and before the test programs run
#   --tests "NAME..."  run only these programs of DIR/selftests (each must
#                      be there); the default is all of them
#   --fetch-only       only fetch Debian's kernel into the cache (make run
#                      boots the same kernel as its guest)
#
# The guest has two serial ports: ttyS0 is the kernel console (and the
# bootloader's), ttyS1 carries /init's markers, the test output and dumps of
# the kernel log (see init.sh). Both are streamed to stdout as they arrive,
# each line prefixed with "[labN] ", and kept in DIR/lab/cpusN/console.txt
# and serial.txt (timed.txt has both with the real time each line came).
# At the end lab.sh prints how long the boot and the tests took, writes
# DIR/lab/results-cpusN ("PASS FAIL SKIP", summed over the programs'
# kselftest "# Totals:" lines) and prints "labN: P passed, F failed,
# S skipped".
#
# Counting: a program's error count is added to its failures; a program
# without a Totals line, one that exits non-zero with no failure counted,
# and one that never finished each count as one failure. A run-level
# problem adds one failure too (vmxlab.ko did not load, which skips all
# programs; a kernel splat after /init started; Bochs timed out or died;
# the wrong number of CPUs came up), so the results file never looks clean
# when the run was not. The exit status is non-zero in all those cases.
#
# Debian's kernel image is downloaded once with apt-get into
# DIR/lab/cache/<release>/ and reused. Two labs (different --cpus) may run
# at the same time on one build tree.

set -euo pipefail

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_SRC/../.." && pwd)

ISOLINUX_BIN=/usr/lib/ISOLINUX/isolinux.bin
LDLINUX_C32=/usr/lib/syslinux/modules/bios/ldlinux.c32
BOCHS_BIOS=/usr/share/bochs/BIOS-bochs-latest
BOCHS_VGABIOS=/usr/share/bochs/VGABIOS-lgpl-latest
# Debian modules the lab loads: KVM (the reference), tun (for taps),
# msr (/dev/cpu/N/msr, with which tests look at host MSRs) and Linux's
# vhost-net (the reference for /dev/vmxlab-net).
LAB_MODULES="irqbypass kvm kvm-intel tun msr vhost_iotlb vhost tap vhost_net"

# Kernel messages that mean something went wrong in the kernel. They are
# looked for in the kernel log that /init dumps after each test program:
# the kernel console (ttyS0) shows them too, but only as a live view.
SPLAT_RE='BUG:|WARNING:|Oops|general protection|kernel BUG|Call Trace:'
SPLAT_RE+='|possible circular locking|possible recursive locking'
SPLAT_RE+='|inconsistent lock state|lock held when returning|INFO: lockdep'
SPLAT_RE+='|rcu_sched self-detected stall|rcu: INFO|suspicious RCU usage'
SPLAT_RE+='|soft lockup|hung_task|blocked for more than'
# The allocator's own checks (slub_debug, see the kernel command line).
SPLAT_RE+='|^KMSG: \[ *[0-9.]*\] BUG [^ ]+ \(|Poison overwritten|Redzone overwritten'
SPLAT_RE+='|Object already free|Freepointer corrupt|Padding overwritten'
SPLAT_RE+='|list_add corruption|list_del corruption|stack-protector|Kernel panic'
# vmxlab's own: a VMX instruction failed, which no guest or caller can cause
# unless vmxlab lost track of which VMCS is current where.
SPLAT_RE+='|vmxlab: vm[a-z]+ failed \(field'

# Freed objects poisoned and red-zoned, so that a use-after-free or an
# overflow splats where it happens instead of passing silently.
KERNEL_DEBUG="slub_debug=FZPU init_on_free=1 page_poison=1"
# LAB_KERNEL_ARGS: more kernel arguments, for a diagnosis (for example
# watchdog_thresh=1 to hear of a stuck CPU after two lab seconds).
KERNEL_DEBUG+=${LAB_KERNEL_ARGS:+ $LAB_KERNEL_ARGS}

cpus=
build=$REPO/build
timeout_secs=1500
init_extra=
only_tests=

usage()
{
	echo "usage: $0 --cpus N [--build DIR] [--timeout SECS] [--init-extra FILE] [--tests \"NAME...\"]" >&2
	exit 2
}

log()
{
	echo "lab${cpus}: $*"
}

die()
{
	echo "lab${cpus}: error: $*" >&2
	exit 1
}

# Microseconds since the epoch, without forking.
now_us()
{
	local t=$EPOCHREALTIME

	echo "${t/./}"
}

# Seconds with one decimal between two now_us values.
elapsed()
{
	local ds=$((($2 - $1) / 100000))

	echo "$((ds / 10)).$((ds % 10))"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--cpus)		cpus=${2:-}; shift 2 || usage ;;
	--build)	build=${2:-}; shift 2 || usage ;;
	--timeout)	timeout_secs=${2:-}; shift 2 || usage ;;
	--init-extra)	init_extra=${2:-}; shift 2 || usage ;;
	--tests)	only_tests=${2:-}; shift 2 || usage
			[ -n "$only_tests" ] || usage ;;
	--fetch-only)	fetch_only=1; shift ;;
	-h|--help)	usage ;;
	*)		usage ;;
	esac
done

[[ "$cpus" =~ ^[1-9][0-9]*$ ]] || usage
[[ "$timeout_secs" =~ ^[1-9][0-9]*$ ]] || usage
[ -d "$build" ] || die "no build tree at $build"
build=$(cd "$build" && pwd)
[ -z "$init_extra" ] || [ -f "$init_extra" ] || die "no such file: $init_extra"

labdir=$build/lab
rundir=$labdir/cpus$cpus
results=$labdir/results-cpus$cpus
serial=$rundir/serial.txt
console=$rundir/console.txt
timed=$rundir/timed.txt
ko=$build/vmxlab.ko

# A results file left by an earlier run must not be taken for this one's.
[ -n "${fetch_only:-}" ] || rm -f "$results"

[ -f "$ko" ] || die "no module at $ko (make module)"
for tool in bochs xorriso busybox cpio gzip modinfo apt-get dpkg flock timeout; do
	command -v "$tool" >/dev/null ||
		die "$tool not found; install the lab's packages: scripts/deps.sh lab"
done
for f in "$ISOLINUX_BIN" "$LDLINUX_C32" "$BOCHS_BIOS" "$BOCHS_VGABIOS"; do
	[ -f "$f" ] || die "$f not found; install the lab's packages: scripts/deps.sh lab"
done

# ---------------------------------------------------------------- kernel

# Take module NAME out of the unpacked image ROOT into DEST/NAME.ko.
take_module()
{
	"$LAB_SRC/copy-module.sh" "$1/lib/modules" "$2" "$3" ||
		die "module $2 not found in the kernel image, or not unpackable"
}

# apt-get download the first of the named packages that the archive has.
download_first()
{
	local pkg

	for pkg in "$@"; do
		if apt-get download -q "$pkg" >/dev/null 2>&1; then
			echo "$pkg"
			return 0
		fi
	done
	return 1
}

# The same, from bookworm-backports (the 6.12 kernel, see `make lab-check
# KERNEL=6.12`), through a private apt configuration in the cache.
download_first_backports()
{
	local pkg

	. "$REPO/scripts/backports-apt.sh"
	backports_apt "$labdir/cache/backports" || return 1
	for pkg in "$@"; do
		if apt-get "${backports_aptopts[@]}" download -q \
			   "$pkg/bookworm-backports" >/dev/null 2>&1; then
			echo "$pkg"
			return 0
		fi
	done
	return 1
}

# Fill DIR/lab/cache/RELEASE with Debian's image of kernel RELEASE: the .deb,
# its unpacked tree (root/) and vmlinuz.
# Serialized with a lock, since two labs may start at once.
fetch_kernel()
{
	local release=$1 cache=$2 tmp pkg name

	mkdir -p "$cache"
	exec 9>"$cache.lock"
	flock 9
	if [ -f "$cache/.complete" ]; then
		exec 9>&-
		return
	fi

	log "fetching Debian's linux-image-$release into $cache"
	rm -rf "${cache:?}"/*
	tmp=$cache/download
	mkdir -p "$tmp"
	pkg=$(cd "$tmp" && download_first "linux-image-$release" \
					   "linux-image-$release-unsigned") || {
		# The package lists may be stale: refresh them once and retry.
		if [ "$(id -u)" -eq 0 ]; then
			apt-get update -qq || true
		fi
		pkg=$(cd "$tmp" && download_first "linux-image-$release" \
						   "linux-image-$release-unsigned") ||
		pkg=$(cd "$tmp" && download_first_backports "linux-image-$release" \
						   "linux-image-$release-unsigned") ||
			die "cannot download linux-image-$release from the archive" \
			    "(bookworm or bookworm-backports)"
	}
	mv "$tmp"/*.deb "$cache/"
	rmdir "$tmp"
	dpkg -x "$cache"/*.deb "$cache/root"

	cp "$cache/root/boot/vmlinuz-$release" "$cache/vmlinuz" ||
		die "$pkg has no /boot/vmlinuz-$release"
	touch "$cache/.complete"
	exec 9>&-
}

release=$(modinfo -F vermagic "$ko" | awk '{ print $1 }')
[ -n "$release" ] || die "no vermagic in $ko"
cache=$labdir/cache/$release
fetch_kernel "$release" "$cache"
[ -z "${fetch_only:-}" ] || exit 0

# ---------------------------------------------------------------- initramfs

# The test programs, in name order with zz_* last.
tests=()
if [ -d "$build/selftests" ]; then
	while IFS= read -r name; do
		tests+=("$name")
	done < <(cd "$build/selftests" && for f in *; do
			[ -f "$f" ] && [ -x "$f" ] && echo "$f"
		 done | LC_ALL=C sort | awk '/^zz_/ { last[n++] = $0; next }
					     { print }
					     END { for (i = 0; i < n; i++) print last[i] }')
fi
if [ -n "$only_tests" ]; then
	for name in $only_tests; do
		[ -x "$build/selftests/$name" ] ||
			die "--tests: no program $name in $build/selftests"
	done
	chosen=()
	for name in ${tests[@]+"${tests[@]}"}; do
		[[ " $only_tests " != *" $name "* ]] || chosen+=("$name")
	done
	tests=(${chosen[@]+"${chosen[@]}"})
fi
[ ${#tests[@]} -gt 0 ] || log "warning: no test programs in $build/selftests"

rm -rf "$rundir"
mkdir -p "$rundir"
root=$rundir/initramfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,lib/modules,tests}

cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $(busybox --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
# The kernel opens /dev/console before /init runs.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

cp "$LAB_SRC/init.sh" "$root/init"
chmod 755 "$root/init"
# Programs and the module go into the initramfs without their debug
# sections (symbols stay, for backtraces): 4 MB less for the emulated
# BIOS to load and the lab's kernel to unpack. Other files go as they are.
copy_lean()
{
	if ! command -v strip >/dev/null ||
	   ! strip --strip-debug -o "$2" "$1" 2>/dev/null; then
		cp "$1" "$2"
	fi
}

copy_lean "$ko" "$root/lib/modules/vmxlab.ko"
for name in $LAB_MODULES; do
	take_module "$cache/root" "$name" "$root/lib/modules"
done
if [ -f "$build/vmxlab" ]; then
	cp "$build/vmxlab" "$root/bin/vmxlab"
fi
[ -z "$init_extra" ] || cp "$init_extra" "$root/etc/lab-extra.sh"

: >"$root/etc/lab-tests"
for name in ${tests[@]+"${tests[@]}"}; do
	copy_lean "$build/selftests/$name" "$root/tests/$name"
	chmod 755 "$root/tests/$name"
	echo "$name" >>"$root/etc/lab-tests"
	if command -v readelf >/dev/null &&
	   readelf -l "$build/selftests/$name" 2>/dev/null | grep -q INTERP; then
		log "warning: $name is not statically linked; it will not run in the lab"
	fi
done
if [ -d "$build/selftests/data" ]; then
	cp -r "$build/selftests/data" "$root/tests/data"
fi
# QEMU and its guest are big (about 50 MB): only for the QEMU lab test.
if [ -f "$root/tests/qemu_boot" ] &&
   [[ " ${LAB_KERNEL_ARGS:-} " != *" vmxlab_qemu_rows=none "* ]]; then
	"$LAB_SRC/qemu/add-qemu.sh" "$root" "$cache/vmlinuz" ||
		die "cannot put QEMU into the initramfs"
fi

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -6 >"$rundir/initrd.gz"

# ---------------------------------------------------------------- ISO

iso=$rundir/iso
mkdir -p "$iso/isolinux"
cp "$ISOLINUX_BIN" "$LDLINUX_C32" "$iso/isolinux/"
cp "$cache/vmlinuz" "$iso/vmlinuz"
mv "$rundir/initrd.gz" "$iso/initrd.gz"
cat >"$iso/isolinux/isolinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT lab
PROMPT 0
TIMEOUT 0
LABEL lab
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz console=ttyS0,115200 quiet vmxlab_lab=1 vmxlab_cpus=$cpus $KERNEL_DEBUG
EOF
xorriso -as mkisofs -quiet -o "$rundir/boot.iso" \
	-b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table "$iso" 2>/dev/null ||
	die "xorriso failed to make the ISO"

# ---------------------------------------------------------------- Bochs

# error: action=ignore matters: with "report" Bochs logs a line per VMX
# transition (an unknown MSR read) and fills the disk. 1 GiB of RAM: below
# 512 MiB Linux turns transparent huge pages off, and the tests of 2 MiB
# EPT mappings need them.
cat >"$rundir/bochsrc" <<EOF
megs: 1024
cpu: model=corei7_skylake_x, count=$cpus, ips=200000000, reset_on_triple_fault=0
romimage: file=$BOCHS_BIOS
vgaromimage: file=$BOCHS_VGABIOS
ata0-master: type=cdrom, path=boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=console.txt
com2: enabled=1, mode=file, dev=serial.txt
display_library: rfb, options="timeout=0"
log: bochs.log
clock: sync=none, time0=local
panic: action=fatal
error: action=ignore
info: action=ignore
debug: action=ignore
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
EOF
# Bochs starts in its debugger: continue, and leave when the guest is off.
printf 'c\nquit\n' >"$rundir/cmds"

# Bochs always has a display; the only one built without X is rfb, a VNC
# server that binds the first free TCP port from 5900 up, on all addresses,
# with SO_REUSEADDR. Two Bochs starting together can race for one port, and
# the loser gives up (it does not try the next port once bind worked but
# listen failed). So each lab gets its own network namespace, where the
# port is always free and nobody outside can reach the display. Without
# namespaces, starts are serialized instead, holding a lock while the
# newcomer binds.
netns=()
if unshare --net true 2>/dev/null; then
	netns=(unshare --net --)
elif unshare --user --map-root-user --net true 2>/dev/null; then
	netns=(unshare --user --map-root-user --net --)
fi

bpid=
tail_pid=
console_pid=
killer_pids=()
killed=
printed_tail=

# Print the end of both serial logs (what matters most when something broke).
show_tail()
{
	local f

	[ -z "$printed_tail" ] || return 0
	printed_tail=1
	for f in "$console" "$serial"; do
		[ -s "$f" ] || continue
		log "last 40 lines of $f:"
		tail -n 40 "$f" | tr -d '\r' | sed "s/^/[lab$cpus] /"
	done
}

cleanup()
{
	local rc=$?

	if [ -n "$bpid" ]; then
		kill "$bpid" 2>/dev/null || true
	fi
	for pid in ${killer_pids[@]+"${killer_pids[@]}"} $tail_pid $console_pid; do
		kill "$pid" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ]; then
		show_tail
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Stop Bochs in SECS seconds (0: now), noting WHY.
stop_bochs()
{
	local secs=$1 why=$2

	[ -z "$killed" ] || return 0
	killed=$why
	if [ "$secs" -eq 0 ]; then
		kill "$bpid" 2>/dev/null || true
	else
		(sleep "$secs"; kill "$bpid" 2>/dev/null) &
		killer_pids+=($!)
	fi
}

log "booting Debian $release with $cpus CPU(s), ${#tests[@]} test program(s)," \
    "timeout ${timeout_secs}s"

# bochs.pid gets the pid of timeout(1), which the launching subshell reaps
# at once: "tail --pid" must watch a process that does not linger as a
# zombie of this shell.
: >"$serial"
: >"$console"
: >"$timed"
t_start=$(now_us)
if [ ${#netns[@]} -eq 0 ]; then
	exec 8>"${TMPDIR:-/tmp}/vmxlab-lab-rfb.lock"
	flock 8
fi
(
	cd "$rundir"
	timeout -k 10 "$timeout_secs" ${netns[@]+"${netns[@]}"} \
		bochs -q -f bochsrc -rc cmds </dev/null >bochs.out 2>&1 &
	echo $! >bochs.pid
	rc=0
	wait $! || rc=$?
	echo $rc >bochs.rc
) &
launcher=$!
while [ ! -s "$rundir/bochs.pid" ]; do
	sleep 0.1
done
bpid=$(cat "$rundir/bochs.pid")
if [ ${#netns[@]} -eq 0 ]; then
	sleep 5
	exec 8>&-
fi

# ---------------------------------------------------------------- the run

t_init=
t_done=
init_started=
done_seen=
fatal=
panic=
cpu_mismatch=
splats=()
current=
totals=
pass=0
fail=0
skip=0
declare -A finished=()

# Account for test program NAME that exited with status RC.
count_program()
{
	local name=$1 rc=$2 p f s e

	finished[$name]=1
	if [[ "$totals" =~ pass:([0-9]+)\ fail:([0-9]+).*skip:([0-9]+)\ error:([0-9]+) ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
		s=${BASH_REMATCH[3]} e=${BASH_REMATCH[4]}
		pass=$((pass + p))
		fail=$((fail + f + e))
		skip=$((skip + s))
		if [ "$rc" != 0 ] && [ $((f + e)) -eq 0 ]; then
			log "not ok - $name exited with status $rc"
			fail=$((fail + 1))
		fi
	else
		log "not ok - $name exited with status $rc and no Totals line"
		fail=$((fail + 1))
	fi
}

# Look at one line of serial output.
scan_line()
{
	local line=$1

	case "$line" in
	"LAB: init start"*)
		init_started=1
		t_init=$(now_us)
		if [[ "$line" =~ online=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" != "$cpus" ]; then
			cpu_mismatch=${BASH_REMATCH[1]}
		fi
		return
		;;
	"LAB: begin "*)
		current=${line#LAB: begin }
		totals=
		return
		;;
	"LAB: end "*)
		if [[ "$line" =~ ^LAB:\ end\ (.*)\ rc=([0-9]+)$ ]]; then
			count_program "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
		fi
		current=
		return
		;;
	"LAB: fatal"*)
		fatal=$line
		return
		;;
	"LAB: done"*)
		done_seen=1
		t_done=$(now_us)
		# Everything needed is in; give the guest a moment to power
		# itself off, then stop Bochs.
		stop_bochs 20 "done"
		return
		;;
	"# Totals: "*)
		[ -z "$current" ] || totals=$line
		return
		;;
	KMSG:*)
		# The dumps start after /init dropped the boot messages (early
		# boot always prints one WARNING from fpu/xstate.c).
		if [[ "$line" =~ $SPLAT_RE ]]; then
			splats+=("$line")
		fi
		;;
	esac
}

# Append LINE to timed.txt with the real time it arrived and a tag.
timestamp()
{
	local ds=$(((${EPOCHREALTIME/./} - t_start) / 100000))

	printf '%5d.%d %s %s\n' $((ds / 10)) $((ds % 10)) "$1" "$2" >>"$timed"
}

# Follow FILE until Bochs is gone, one line at a time, without the \r.
follow()
{
	tail -n +1 -s 0.5 -F --pid="$bpid" "$1" 2>/dev/null
}

# Stream the kernel console; stop Bochs soon after a panic.
console_reader()
{
	local line

	while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		printf '[lab%s] %s\n' "$cpus" "$line"
		timestamp k "$line"
		case "$line" in
		*"Kernel panic - not syncing"*)
			echo "$line" >"$rundir/panic"
			# Let the rest of the report arrive, then stop.
			(sleep 10; kill "$bpid" 2>/dev/null) &
			;;
		esac
	done < <(follow "$console")
}

console_reader &
console_pid=$!
while IFS= read -r line || [ -n "$line" ]; do
	line=${line%$'\r'}
	printf '[lab%s] %s\n' "$cpus" "$line"
	timestamp s "$line"
	scan_line "$line"
done < <(follow "$serial")
tail_pid=$!

wait "$launcher" || true
wait "$console_pid" || true
console_pid=
[ ! -f "$rundir/panic" ] || panic=$(cat "$rundir/panic")
brc=$(cat "$rundir/bochs.rc" 2>/dev/null || echo "?")
bpid=
t_end=$(now_us)

# ---------------------------------------------------------------- verdict

ok=1
problem()
{
	log "FAIL: $*"
	fail=$((fail + 1))
	ok=
}

if [ -n "$t_init" ]; then
	log "boot took $(elapsed "$t_start" "$t_init") s (Bochs start to /init)"
	if [ -n "$t_done" ]; then
		log "tests took $(elapsed "$t_init" "$t_done") s (/init to done)"
	fi
fi

if [ -z "$done_seen" ]; then
	if [ -n "$panic" ]; then
		problem "kernel panic: $panic"
	elif [ -z "$killed" ] && { [ "$brc" = 124 ] || [ "$brc" = 137 ]; }; then
		problem "timed out after ${timeout_secs}s"
	else
		problem "Bochs exited (status $brc) before the guest said 'LAB: done'"
		tail -n 10 "$rundir/bochs.log" "$rundir/bochs.out" 2>/dev/null |
			sed "s/^/lab$cpus: | /" || true
	fi
fi
[ -n "$init_started" ] || log "/init never started"
[ -z "$fatal" ] || problem "${fatal#LAB: }"
[ -z "$cpu_mismatch" ] || problem "asked for $cpus CPUs, the guest has $cpu_mismatch online"
if [ ${#splats[@]} -gt 0 ]; then
	problem "the kernel printed ${#splats[@]} splat line(s) after /init started:"
	printf '%s\n' "${splats[@]}" | head -n 10 | sed "s/^/lab$cpus: | /"
fi
# Fatal skips all tests on purpose: that is one failure, counted above.
if [ -z "$fatal" ]; then
	for name in ${tests[@]+"${tests[@]}"}; do
		if [ -z "${finished[$name]:-}" ]; then
			log "not ok - $name did not finish"
			fail=$((fail + 1))
		fi
	done
fi

echo "$pass $fail $skip" >"$results"
log "the whole run took $(elapsed "$t_start" "$t_end") s"
log "$pass passed, $fail failed, $skip skipped"
[ -n "$ok" ] && [ "$fail" -eq 0 ] || exit 1
exit 0
