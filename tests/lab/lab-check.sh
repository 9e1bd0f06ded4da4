#!/bin/bash
#
# lab-check.sh - run the lab with 1 CPU and with 2 CPUs at the same time.
#
# Usage: lab-check.sh [DIR]      (DIR: the build tree, default build/)
#
# Starts tests/lab/lab.sh --cpus 1 and --cpus 2 on DIR side by side (one
# Bochs per host core), streams both consoles to stdout (lines prefixed
# "[lab1] " and "[lab2] "), and fails if either lab failed. Results land in
# DIR/lab/results-cpus1 and DIR/lab/results-cpus2. LAB_TIMEOUT (seconds,
# default 3000) is each lab's real-time bound.
#
# The two labs share the ioctl fuzzer's 100,000 calls: 70,000 in the 1-CPU
# lab and 30,000 in the 2-CPU lab, whose Bochs runs two CPUs on one host
# core and so at about half the speed; the guest fuzzer runs its 200
# programs in the 1-CPU lab and 60 in the 2-CPU lab. So both stay inside
# the bound with their Linux boots. QEMU (tests/lab/qemu) boots only in the
# 1-CPU lab; make lab-qemu runs all its rows. (The first value of a key on the
# kernel command line counts: LAB_KERNEL_ARGS still wins.)

set -euo pipefail

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:-$LAB_SRC/../../build}
args=(--build "$build")
# Linux guests boot in both labs: allow more than lab.sh's default.
args+=(--timeout "${LAB_TIMEOUT:-3000}")

pids=()
cleanup()
{
	for pid in ${pids[@]+"${pids[@]}"}; do
		kill "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$SECONDS
LAB_KERNEL_ARGS="${LAB_KERNEL_ARGS:-} vmxlab_fuzz_calls=70000" \
	"$LAB_SRC/lab.sh" --cpus 1 "${args[@]}" &
pids+=($!)
LAB_KERNEL_ARGS="${LAB_KERNEL_ARGS:-} vmxlab_fuzz_calls=30000 vmxlab_fuzz_programs=60 vmxlab_qemu_rows=none" \
	"$LAB_SRC/lab.sh" --cpus 2 "${args[@]}" &
pids+=($!)

rc=0
for cpus in 1 2; do
	if ! wait "${pids[cpus - 1]}"; then
		echo "lab-check: the ${cpus}-CPU lab FAILED"
		rc=1
	fi
done
pids=()
echo "lab-check: both labs finished in $((SECONDS - start)) s"
exit $rc
