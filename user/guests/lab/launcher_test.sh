# SPDX-License-Identifier: GPL-2.0
#
# The launcher in the lab: boots user/guests/mbtest under `vmxlab run`
# on /dev/kvm (the reference) and, where the module can already do it,
# on /dev/vmxlab, and checks exit statuses and messages. Prints kselftest
# TAP and a "# Totals:" line. mklabtest.sh prepends the payload lines
# that define $MBTEST (the Multiboot test kernel's path) and $MBTEST_LOW
# (the same kernel linked at 0x8000).
#
# Lab time runs slow: keep sleeps short.

VMXLAB=${VMXLAB:-vmxlab}
W=/tmp/launcher-test
mkdir -p $W
pass=0
fail=0
skip=0
n=0

result()	# result ok|fail|skip NAME [DETAIL]
{
	n=$((n + 1))
	case $1 in
	ok)	pass=$((pass + 1)); echo "ok $n $2" ;;
	skip)	skip=$((skip + 1)); echo "ok $n # SKIP $2 ${3:-}" ;;
	*)	fail=$((fail + 1)); echo "not ok $n $2 ${3:-}" ;;
	esac
}

show()		# the tail of a run's output, for the log
{
	sed 's/^/#   /' "$1" | tail -n "${2:-40}"
}

# expect_run NAME WANT_STATUS GREP_PATTERN -- vmxlab run arguments...
expect_run()
{
	name=$1 want=$2 pattern=$3
	shift 4
	$VMXLAB run "$@" </dev/null >$W/out 2>&1
	rc=$?
	if [ $rc -eq "$want" ] && grep -q -- "$pattern" $W/out; then
		result ok "$name"
	else
		result fail "$name" "(status $rc, want $want; want output '$pattern')"
		show $W/out
	fi
}

# The Multiboot test kernel on DEVICE in every irqchip mode, 1 and 2 vCPUs.
mbtest_every_mode()
{
	for chip in kernel split user; do
		# The TSC-deadline timer is the in-kernel LAPIC's (issue 11).
		td=yes
		[ $chip = user ] && td=no
		for cpus in 1 2; do
			expect_run "mbtest on $1, irqchip $chip, $cpus CPU(s)" 1 '^PASS' -- \
				--kernel $MBTEST --device $1 --cpus $cpus \
				--irqchip $chip --mem 64 --initrd $W/mod.bin \
				--cmdline "argv0=mbtest.elf tscdeadline=$td module=vmxlab-module-payload modname=mod.bin"
			grep -E '^(not )?ok|checks passed' $W/out | sed 's/^/#   /'
		done
	done
	# A Multiboot kernel at 0x8000, in the launcher's usual low area
	# (issue 15): it boots, and its command line starts with its name.
	expect_run "mbtest at 0x8000 on $1" 1 '^PASS' -- \
		--kernel $MBTEST_LOW --device $1 --cpus 2 --mem 64 \
		--initrd $W/mod.bin \
		--cmdline "argv0=mbtest-low.elf module=vmxlab-module-payload modname=mod.bin"
	grep -E '^(not )?ok|command line' $W/out | sed 's/^/#   /'
}

printf 'vmxlab-module-payload\n' >$W/mod.bin
printf '\372\364' >$W/hang.bin				# cli; hlt
printf '\017\013' >$W/ud2.bin				# ud2, no IDT
printf '\270\052\000\000\000\347\364' >$W/exit42.bin	# out 0x2a, 0xf4

# vmxlab bench latency, short runs: the guest side, the host's trigger
# thread and the result files (make bench-latency runs it long). A median
# of 0 or past 10^7 ticks means guest and host TSC were not related; a
# lost interrupt is a failure here.
# bench_short SOURCE IRQCHIP DEVICE [RESULTS OPTION...]: RESULTS globs the
# four result files' names without their extension.
bench_short()
{
	src=$1 chip=$2 dev=$3 results=${4:-*-$1-$2-*}
	shift 3
	[ $# -gt 0 ] && shift
	name="bench latency --source $src --irqchip $chip${*:+ $*} on $dev"
	rm -rf $W/bench
	# In lab seconds: a run takes a fifth of one.
	timeout -s INT -k 2 5 $VMXLAB bench latency --source $src --irqchip $chip \
		--device $dev "$@" --samples 50 --warmup 10 --kernel $MBTEST \
		--out $W/bench </dev/null >$W/out 2>&1
	rc=$?
	medians=$(sed -n 's/^bench latency: .* samples 50 median \([0-9]*\) .*/\1/p' $W/out)
	files=$(ls $W/bench/$results.csv $W/bench/$results.json 2>/dev/null | wc -l)
	rows=$(cat $W/bench/$results.csv 2>/dev/null | wc -l)
	if [ $rc -eq 0 ] && [ $(echo $medians | wc -w) -eq 2 ] &&
	   [ $files -eq 4 ] && [ "$rows" -eq 102 ] &&
	   ! echo "$medians" | grep -qv '^[1-9][0-9]\{0,6\}$' &&
	   ! grep -q 'interrupts lost' $W/out; then
		result ok "$name"
		grep '^bench latency: [a-z]* \|^bench timer: ' $W/out | sed 's/^/#   /'
	else
		result fail "$name" "(status $rc, medians '$medians', $files files, $rows rows)"
		show $W/out
	fi
}

echo "TAP version 13"

# Installed a second time as bench_smp, for the 2-CPU lab: the sources
# whose two ends want two host CPUs (the IPI's vCPUs; KVM's device source,
# see below). The 1-CPU lab skips it: that is its subject.
if [ "${0##*/}" = bench_smp ]; then
	if [ "$(grep -c '^processor' /proc/cpuinfo)" -lt 2 ]; then
		result skip "bench latency, 2-CPU sources" "(needs 2 CPUs)"
	else
		bench_short ipi kernel /dev/vmxlab
		bench_short ipi user /dev/vmxlab
		bench_short ipi kernel /dev/kvm
		bench_short device kernel /dev/kvm
		bench_short device user /dev/kvm
	fi
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	[ $fail -eq 0 ]
	exit
fi

# ---- the command line and its errors (no device needed)
$VMXLAB --help >$W/out 2>&1 && grep -q 'run' $W/out &&
	result ok "vmxlab --help" || result fail "vmxlab --help"
expect_run "bad option refused with status 2" 2 "unknown option --bogus" -- \
	--bogus 1 --kernel $MBTEST
expect_run "missing kernel file" 3 "cannot open kernel" -- \
	--kernel /nonexistent --device /dev/kvm
expect_run "absent device says insmod" 3 "insmod vmxlab.ko" -- \
	--kernel $MBTEST --device /dev/vmxlab-absent
expect_run "not a kernel" 3 "is neither a bzImage" -- \
	--kernel $W/mod.bin --device /dev/kvm

# ---- Multiboot test kernel on KVM, every irqchip mode
mbtest_every_mode /dev/kvm

# ---- how runs end
expect_run "debug exit port: status (0x2a << 1) | 1" 85 "debug exit port" -- \
	--kernel $W/exit42.bin --flat 0x100000 --device /dev/kvm
expect_run "triple fault: status 4 and a register dump" 4 "rip 0000000000100000" -- \
	--kernel $W/ud2.bin --flat 0x100000 --device /dev/kvm
expect_run "--stats prints exit counts" 85 "exits to the launcher: io" -- \
	--kernel $W/exit42.bin --flat 0x100000 --device /dev/kvm --stats

$VMXLAB run --kernel $W/hang.bin --flat 0x100000 --device /dev/kvm \
	</dev/null >$W/out 2>&1 &
pid=$!
sleep 0.3
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 130 ] && grep -q interrupted $W/out; then
	result ok "SIGTERM ends a halted guest with status 130"
else
	result fail "SIGTERM ends a halted guest with status 130" "(status $rc)"
	show $W/out
fi

# While a KVM guest holds VMX, vmxlab must say so, not fail obscurely.
$VMXLAB run --kernel $W/hang.bin --flat 0x100000 --device /dev/kvm \
	</dev/null >$W/kvm.out 2>&1 &
pid=$!
sleep 0.3
expect_run "VMX held by a KVM guest: status 3 and why" 3 \
	"another hypervisor holds VMX" -- \
	--kernel $W/hang.bin --flat 0x100000 --device /dev/vmxlab
kill -TERM $pid
wait $pid

# ---- the same on /dev/vmxlab
mbtest_every_mode /dev/vmxlab
expect_run "debug exit port on /dev/vmxlab" 85 "debug exit port" -- \
	--kernel $W/exit42.bin --flat 0x100000 --device /dev/vmxlab \
	--irqchip user

# The benchmark's short runs. KVM runs the timer source only here: its
# device source, the trigger thread and the vCPU on the 1-CPU lab's one
# CPU, stopped the lab's kernel dead (no output, no timeout firing; seen
# twice); bench_smp runs it in the 2-CPU lab.
bench_short timer kernel /dev/vmxlab
bench_short timer user /dev/vmxlab
bench_short device kernel /dev/vmxlab
bench_short device user /dev/vmxlab
bench_short timer kernel /dev/kvm
bench_short timer user /dev/kvm
bench_short timer kernel /dev/vmxlab '*-oneshot-kernel-*' --timer oneshot
bench_short timer user /dev/vmxlab '*-oneshot-user-*' --timer oneshot
bench_short timer kernel /dev/kvm '*-oneshot-kernel-*' --timer oneshot
bench_short device kernel /dev/vmxlab '*-device-kernel-*-hog1' --hog 1
bench_short net kernel /dev/vmxlab '*-net_vmxlab-kernel-*' --backend vmxlab
bench_short net user /dev/vmxlab '*-net_user-user-*' --backend user

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ $fail -eq 0 ]
