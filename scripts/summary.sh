#!/bin/bash
# Sum the "pass fail skip" result files of the unit and lab runs into the
# closing line of `make check`. A missing file means that stage never ran
# to completion, which counts as a failure.
set -uo pipefail

pass=0 fail=0 skip=0
for f in "$@"; do
	if [ ! -s "$f" ]; then
		echo "summary: no results in $f (stage failed or did not run)"
		fail=$((fail + 1))
		continue
	fi
	read -r p fl s <"$f"
	pass=$((pass + p)) fail=$((fail + fl)) skip=$((skip + s))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
