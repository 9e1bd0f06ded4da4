#!/bin/bash
# Run kselftest-harness programs, show their TAP output, and write the
# summed counts ("pass fail skip") to RESULTS. A program that dies before
# printing its totals counts as one failure.
# Usage: scripts/run-tests.sh LABEL RESULTS PROGRAM...
set -uo pipefail

label=$1 results=$2
shift 2
pass=0 fail=0 skip=0
for prog in "$@"; do
	out=$(mktemp)
	"$prog" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	totals=$(grep -E '^# Totals: pass:[0-9]+ fail:[0-9]+' "$out" | tail -n1)
	if [ -z "$totals" ]; then
		echo "not ok - $(basename "$prog") exited $rc without totals"
		fail=$((fail + 1))
	else
		p=$(sed -E 's/^# Totals: pass:([0-9]+).*/\1/' <<<"$totals")
		f=$(sed -E 's/.* fail:([0-9]+).*/\1/' <<<"$totals")
		s=$(sed -E 's/.*skip:([0-9]+).*/\1/' <<<"$totals")
		e=$(sed -E 's/.*error:([0-9]+).*/\1/' <<<"$totals")
		pass=$((pass + p)) fail=$((fail + f + e)) skip=$((skip + s))
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && [ "$e" -eq 0 ]; then
			echo "not ok - $(basename "$prog") exited $rc"
			fail=$((fail + 1))
		fi
	fi
	rm -f "$out"
done
mkdir -p "$(dirname "$results")"
echo "$pass $fail $skip" >"$results"
echo "$label: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
