#!/bin/bash
#
# lab-check.sh - run the lab with 1 CPU and with 2 CPUs at the same time.
#
# Usage: lab-check.sh [DIR [KDIR]]   (DIR: the build tree, default build/)
#
# Starts tests/lab/lab.sh --cpus 1 and --cpus 2 on DIR side by side (one
# Bochs per host core), streams both consoles to stdout (lines prefixed
# "[lab1] " and "[lab2] "), and fails if either lab failed. Results land in
# DIR/lab/results-cpus1 and DIR/lab/results-cpus2. LAB_TIMEOUT (seconds,
# default 3000) is each lab's real-time bound.
#
# KDIR, if given, is a lab tree for another kernel (scripts/lab-kernel.sh:
# make check's bounded run on 6.12): it boots with 1 CPU on the core the
# first lab to end leaves free, with KDIR/lab-extra.sh as its
# --init-extra if there is one. Its result is KDIR/lab/results-cpus1.
#
# Every program runs in the 1-CPU lab. The 2-CPU lab, whose Bochs runs
# two CPUs on one host core and so runs a test two to four times slower,
# runs the programs whose subject is more than one host CPU (LAB2_TESTS:
# races, CPU hotplug and migration, IPIs, threads in the module at once,
# per-CPU host state, 2-vCPU Linux boots with virtio-net, the latency
# benchmark's sources with two ends, bench_smp); LAB2_TESTS=all
# runs every program there too (vhost_net and vm_lifecycle took 595 s and
# 316 s there, a quarter of the lab, to repeat what the 1-CPU lab and
# races check). The ioctl fuzzer makes 20,000 calls in the 1-CPU lab
# and 5,000 in the 2-CPU lab (make fuzz runs it long; 80,000 calls cost
# 560 s of real time in the 1-CPU lab); the guest fuzzer runs its 200
# programs in the 1-CPU lab (60 in the 2-CPU lab with LAB2_TESTS=all),
# and the vhost_net test's random ioctls and rings make 4,000 calls
# there (1,000 in the 2-CPU lab). The conformance suite runs whole in
# the 1-CPU lab; the 2-CPU
# lab runs its areas whose state must follow a vCPU from CPU to CPU (debug
# registers, the SYSCALL MSRs). QEMU (tests/lab/qemu) boots in neither:
# its rows take longer than make check can give them, and make lab-qemu
# runs them. (The first value of a key on the kernel command line counts:
# LAB_KERNEL_ARGS still wins.)

set -euo pipefail

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$LAB_SRC/../../build}
kdir=${2:-}
args=(--build "$build")
# Linux guests boot in both labs: allow more than lab.sh's default.
args+=(--timeout "${LAB_TIMEOUT:-3000}")

pids=()
cleanup()
{
	# The second pid is a subshell: its labs go too.
	for pid in ${pids[@]+"${pids[@]}"}; do
		kill $(pgrep -P "$pid") "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LAB2_TESTS=${LAB2_TESTS:-bench_smp conformance cpu_hotplug fpu_isolation host_state
	hostile_guest ioctl_fuzz irqchip races vcpu_migration vcpu_smoke
	vmx_busy zz_linux zz_load_unload}
lab2_args=()
if [ "$LAB2_TESTS" != all ]; then
	# Those the build tree has (a kernel's bounded set may lack some).
	have=
	for name in $LAB2_TESTS; do
		[ ! -x "$build/selftests/$name" ] || have+=" $name"
	done
	lab2_args=(--tests "${have# }")
fi

lab1()
{
	LAB_KERNEL_ARGS="${LAB_KERNEL_ARGS:-} vmxlab_fuzz_calls=20000 vmxlab_qemu_rows=none" \
		"$LAB_SRC/lab.sh" --cpus 1 "${args[@]}"
}

lab2()
{
	LAB_KERNEL_ARGS="${LAB_KERNEL_ARGS:-} vmxlab_fuzz_calls=5000 vmxlab_fuzz_programs=60 vmxlab_vhost_fuzz_calls=1000 vmxlab_conformance_areas=debug,syscall-sysenter vmxlab_qemu_rows=none" \
		"$LAB_SRC/lab.sh" --cpus 2 "${args[@]}" \
		${lab2_args[@]+"${lab2_args[@]}"}
}

# Its lines say which kernel: "[lab1-6.12] ".
lab_kernel()
{
	local extra=() tag=lab1-${kdir##*/kernel-}

	[ ! -f "$kdir/lab-extra.sh" ] || extra=(--init-extra "$kdir/lab-extra.sh")
	"$LAB_SRC/lab.sh" --cpus 1 --build "$kdir" \
		--timeout "${LAB_TIMEOUT:-3000}" ${extra[@]+"${extra[@]}"} 2>&1 |
		sed -u "s|^\[lab1\]|[$tag]|; s|^lab1:|$tag:|"
}

declare -A what
start=$SECONDS
lab1 &
pids+=($!)
what[$!]="the 1-CPU lab"
lab2 &
pids+=($!)
what[$!]="the 2-CPU lab"

rc=0
running=("${pids[@]}")
while [ ${#running[@]} -gt 0 ]; do
	status=0
	wait -n -p ended "${running[@]}" || status=$?
	if [ $status -ne 0 ]; then
		echo "lab-check: ${what[$ended]} FAILED"
		rc=1
	fi
	left=()
	for pid in "${running[@]}"; do
		[ "$pid" = "$ended" ] || left+=("$pid")
	done
	running=(${left[@]+"${left[@]}"})
	# The other kernel's lab takes the core the first lab to end frees.
	if [ -n "$kdir" ] && [ -z "${what[kernel]:-}" ]; then
		lab_kernel &
		pids+=($!)
		running+=($!)
		what[$!]="the 1-CPU lab on $(basename "$kdir")"
		what[kernel]=started
	fi
done
pids=()
echo "lab-check: the labs finished in $((SECONDS - start)) s"
exit $rc
