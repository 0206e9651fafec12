#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the lab's test suite: every tools/lab/tests/[0-9]*.sh, or the ones
# named on the command line. Each test prints TAP; this counts the results
# and ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$top/out/tests"

if [ $# -gt 0 ]; then
	tests=("$@")
else
	tests=("$top"/tools/lab/tests/[0-9]*.sh)
fi

pass=0 fail=0 skip=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	log="$top/out/tests/$name.tap"
	echo "# ---- $name"
	start=$(date +%s)
	bash "$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -cE '^ok [0-9]+.*# SKIP' "$log" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	planned=$(sed -n 's/^1\.\.\([0-9]\+\).*/\1/p' "$log" | head -n 1)
	pass=$((pass + p - s)) skip=$((skip + s)) fail=$((fail + f))
	if [ -n "$planned" ] && [ $((p + f)) -ne "$planned" ]; then
		echo "# $name: planned $planned tests, ran $((p + f))"
		fail=$((fail + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "# $name: exited with status $rc"
		fail=$((fail + 1))
	fi
	echo "# ---- $name: $((p - s)) passed, $f failed, $s skipped in $(($(date +%s) - start))s"
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
