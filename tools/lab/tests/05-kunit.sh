#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The KUnit tests of our endpoint modules, run in the endpoint machine's
# kernel: boots the endpoint alone (--function none), loads each test
# module, which runs its suites as it loads, and turns every KUnit case
# of the results in debugfs into a TAP line of its own.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# module:suite, one per KUnit test module
suites=(
	pci-ep-doorbell-test:pci_ep_doorbell
)

# Work first, print after: the plan depends on how many cases there are.
kinds=() descs=() diags=()
add() { # add ok|fail|skip DESC [DIAGNOSTIC]
	kinds+=("$1") descs+=("$2") diags+=("${3:-}")
}

report() {
	local i
	tap_plan ${#kinds[@]}
	for i in "${!kinds[@]}"; do
		case "${kinds[$i]}" in
		ok) tap_ok "${descs[$i]}" ;;
		skip) tap_skip "${descs[$i]}" "${diags[$i]}" ;;
		*) tap_fail "${descs[$i]}" "${diags[$i]}" ;;
		esac
	done
}

# add_results SUITE < RESULTS: a KUnit results file (KTAP) has the
# suite's cases as "ok"/"not ok" lines indented one level (4 spaces),
# each after its log (the other indented lines, past the suite's header);
# the unindented result line is the suite's own. One add per case; a
# failure carries the case's log.
add_results() {
	local suite=$1 line res rest name log="" n=0
	while IFS= read -r line; do
		if [[ $line =~ ^\ {4}(ok|not\ ok)\ [0-9]+\ (.*)$ ]]; then
			res=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
			name=${rest%% # *}
			if [ "$res" = "not ok" ]; then
				add fail "$suite: $name" "${log%$'\n'}"
			elif [[ $rest == *" # SKIP"* ]]; then
				add skip "$suite: $name" "${rest#* # SKIP }"
			else
				add ok "$suite: $name"
			fi
			log="" n=$((n + 1))
		elif [[ $line =~ ^\ {4}(KTAP\ version|#\ Subtest:|1\.\.|#\ module:) ]]; then
			continue
		elif [[ $line =~ ^\ {4} ]]; then
			log+="${line#    }"$'\n'
		fi
	done
	[ "$n" -gt 0 ]
}

if ! out=$(lab_start --function none 2>&1); then
	add fail "the endpoint boots" "$out"
	report
	exit 1
fi
add ok "the endpoint boots"

for s in "${suites[@]}"; do
	mod=${s%%:*} suite=${s#*:}
	if ! out=$(ep "modprobe $mod" 2>&1); then
		add fail "$mod loads" "$out"
		continue
	fi
	add ok "$mod loads"
	results=$(ep "cat /sys/kernel/debug/kunit/$suite/results" 2>&1)
	add_results "$suite" <<<"$results" ||
		add fail "$suite reports its cases" "$results"
done

# The tests run with lockdep (CONFIG_PROVE_LOCKING): any splat, warning
# or oops on the way fails the run even when every case passed.
splats=$(ep "dmesg | grep -E 'WARNING:|BUG:|Oops|possible .*locking|circular locking'")
if [ -z "$splats" ]; then
	add ok "no kernel warning while the tests ran"
else
	add fail "no kernel warning while the tests ran" "$splats"
fi

report
