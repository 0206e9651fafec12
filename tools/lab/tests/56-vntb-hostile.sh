#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hostile endpoint: our pci-epf-vntb's test-only knob (debugfs
# pci-epf-vntb/<function>/corrupt, built only with VNTB_FAULT_INJECTION=1,
# as the lab's test flavour is) writes an out-of-range value into one
# field of the control region at a time. Our ntb_hw_epf must refuse each:
# it logs an error and fails the operation, it never reads or writes
# outside its BARs (KASAN, on in the host's kernel, stays silent), and it
# works again once the endpoint does. The published BAR map's fields
# (map_*: a window outside its BAR, two roles overlapping, a window larger
# than its BAR) are read at probe: the host refuses the map in one line
# and does not bind.
#
# The host drives its operations with ntb_tool (rings, scratchpads, link
# commands), and loads ntb_hw_epf again after each corruption, since some
# fields are read at probe only. ntb_tool runs on the endpoint too, so
# that its NTB device has a client.
#
# The second knob (cmd_fault) disturbs the command channel once: an
# answer that comes after the host gave up must not be taken for the next
# command's (the sequence numbers), and a command whose doorbell came
# before it must still be handled (the endpoint's re-check), in time.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

FIELDS="db_offset db_entry_size spad_offset spad_count mw_count mw1_offset
	link_status ext_size cmd_db_offset map_outside map_overlap map_mw_size"
knob='$(echo /sys/kernel/debug/pci-epf-vntb/*/corrupt)'
fault='$(echo /sys/kernel/debug/pci-epf-vntb/*/cmd_fault)'
ep_counters='$(echo /sys/kernel/debug/pci-epf-vntb/*/counters)'
host_dir='$(echo /sys/kernel/debug/ntb_hw_epf/*)'
tool='$(echo /sys/kernel/debug/ntb_tool/*)'
BAD_LOG='KASAN|BUG:|Oops|WARNING:|general protection|Call Trace'

tap_plan $((2 + $(wc -w <<<"$FIELDS") + 3))

if ! out=$(lab_start --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "lab boots with our vNTB pair" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with our vNTB pair"

# The host's driver loaded again; its probe may refuse the endpoint
host_reload() {
	host "rmmod ntb_tool ntb_hw_epf; modprobe ntb_hw_epf; modprobe ntb_tool
	t=$tool; [ -d \"\$t\" ] && echo Y > \$t/link; true"
}

# The operations of ntb_tool that read the fields under test: rings,
# scratchpads, memory windows (read only: Linux 6.12's ntb_tool, on
# removal, first removes its debugfs tree and then, for a window set up
# through its mw_trans file, that window's file again, an oops in rmmod
# whatever the NTB driver), link commands. Failures
# are expected: only the kernel log is judged.
exercise() {
	host "t=$tool
	[ -d \"\$t\" ] || exit 0
	echo 's 0x1' > \$t/peer_db
	cat \$t/spad0 \$t/peer0/spad0
	echo 0x77 > \$t/peer0/spad0
	cat \$t/peer0/mw_trans0 \$t/peer0/peer_mw_trans0
	echo N > \$t/link
	echo Y > \$t/link
	cat \$t/peer0/link" >/dev/null 2>&1
	return 0
}

prepare() {
	[ "$(ep "test -e $knob && echo yes")" = yes ] ||
		{ echo "no corrupt knob: pci-epf-vntb built without VNTB_FAULT_INJECTION=1"; return 1; }
	ntb_tool_up
}
if ! out=$(prepare 2>&1); then
	tap_fail "ntb_tool on both sides, the link up" "$out"
	tap_fail_rest "no working NTB link to corrupt"
fi
tap_ok "ntb_tool on both sides, the link up"

# hostile FIELD: corrupt, exercise, reload, exercise; the host's errors
# must grow and nothing bad be logged; then the endpoint behaves again
# and the host works as before.
hostile() {
	local field=$1 before after log
	before=$(host 'dmesg -r | grep -c "^<[34]>.*ntb_hw_epf"')
	ep "echo $field > $knob" || return 1
	exercise
	host_reload >/dev/null 2>&1
	exercise
	log=$(host dmesg) || { echo "the host does not answer"; return 1; }
	after=$(host 'dmesg -r | grep -c "^<[34]>.*ntb_hw_epf"')
	ep "echo none > $knob" || return 1
	if grep -Eq "$BAD_LOG" <<<"$log"; then
		grep -E -B 2 -A 15 "$BAD_LOG" <<<"$log" | head -n 40
		return 1
	fi
	[ "$after" -gt "$before" ] ||
		{ echo "the host logged no refusal of $field"; return 1; }
	echo "$((after - before)) refusals, e.g.:"
	host 'dmesg -r | grep "^<[34]>.*ntb_hw_epf" | tail -n 1'
	host_reload >/dev/null 2>&1
	lab run host -- "t=$tool; lab-wait -t 30 grep -q Y \$t/peer0/link" ||
		{ echo "the link did not come back with good values"; return 1; }
}

for f in $FIELDS; do
	tap_check "hostile $f: the host refuses it, KASAN silent, recovers" \
		hostile "$f"
done

scratchpad_works() {
	host "t=$tool; echo 0x600d > \$t/peer0/spad5" || return 1
	[ "$(ep "t=$tool; cat \$t/spad5")" = 0x600d ] ||
		{ echo "the scratchpad did not cross"; return 1; }
}
tap_check "afterwards, a scratchpad write crosses as before" scratchpad_works

# value NAME: the value of a "name value" line on stdin; fails when absent
value() {
	awk -v n="$1" '$1 == n { print $2; found = 1 } END { exit !found }'
}

# host_counter NAME / ep_counter NAME
host_counter() {
	host "cat $host_dir/counters" | value "$1"
}

ep_counter() {
	ep "cat $ep_counters" | value "$1"
}

# The faults need commands announced by the command doorbell, which our
# pair negotiates unless the doorbells are polled
kicked() {
	host "grep -qx 'command_completion announced' $host_dir/state" ||
		{ echo "SKIP the host does not use the command doorbell"; return 1; }
	ep "test -e $fault" ||
		{ echo "SKIP no cmd_fault knob: pci-epf-vntb built without VNTB_FAULT_INJECTION=1"; return 1; }
}

# An answer that comes 1.3 s late, after the host's 1 s wait: LINK_DOWN
# times out, the late answer arrives while the host waits for LINK_UP's
# (the endpoint takes 0.3 s more before it looks at LINK_UP, which keeps
# the late answer in view), is told apart and ignored; LINK_UP gets its
# own answer, and the next commands theirs, without a timeout.
late_answer() {
	local timeouts late out
	timeouts=$(host_counter cmd_timeouts) || return 1
	late=$(host_counter cmd_late_answers) ||
		{ echo "the host counts no cmd_late_answers"; return 1; }
	ep "echo late_answer > $fault" || return 1
	# One shell: LINK_UP must be in flight when the late answer comes
	host "t=$tool
	if echo N > \$t/link 2>/dev/null; then
		echo 'LINK_DOWN did not time out: no fault injected?'; exit 1
	fi
	echo Y > \$t/link || { echo 'LINK_UP after the late answer failed'; exit 1; }" ||
		return 1
	host "t=$tool; echo N > \$t/link && echo Y > \$t/link" ||
		{ echo "the next commands failed"; return 1; }
	[ "$(host_counter cmd_timeouts)" = $((timeouts + 1)) ] ||
		{ echo "timeouts: $timeouts before, $(host_counter cmd_timeouts) after (1 more expected)"; return 1; }
	[ "$(host_counter cmd_late_answers)" = $((late + 1)) ] ||
		{ echo "the host did not see the late answer as one"; return 1; }
	out=$(host 'dmesg | grep "ignored a late answer"') ||
		{ echo "the host's log does not say it ignored the late answer"; return 1; }
	echo "$out" | tail -n 1
	ep 'dmesg | grep "answering command .* late" | tail -n 1'
	lab run host -- "t=$tool; lab-wait -t 30 grep -q Y \$t/peer0/link" ||
		{ echo "the link did not come back up"; return 1; }
}

# A kick that comes before its command (the fault makes the endpoint
# take it so): the command is found by the re-check, well within the
# host's wait, and the log says so.
early_kick() {
	local timeouts found out
	timeouts=$(host_counter cmd_timeouts) || return 1
	found=$(ep_counter cmd_recheck_found) ||
		{ echo "the endpoint counts no cmd_recheck_found"; return 1; }
	ep "echo early_kick > $fault" || return 1
	host "echo N > $tool/link" ||
		{ echo "LINK_DOWN failed: the command whose kick came early was lost"; return 1; }
	[ "$(ep_counter cmd_recheck_found)" = $((found + 1)) ] ||
		{ echo "the endpoint's re-check did not find the command"; return 1; }
	[ "$(host_counter cmd_timeouts)" = "$timeouts" ] ||
		{ echo "a command timed out"; return 1; }
	out=$(ep 'dmesg | grep "found by the re-check"') ||
		{ echo "the endpoint's log does not say what happened"; return 1; }
	echo "$out" | tail -n 1
	host "echo Y > $tool/link" || { echo "LINK_UP failed"; return 1; }
	lab run host -- "t=$tool; lab-wait -t 30 grep -q Y \$t/peer0/link" ||
		{ echo "the link did not come back up"; return 1; }
}

# cmd_check DESC FUNC: a check that SKIPs when the pair polls commands
cmd_check() {
	local out
	if ! out=$(kicked 2>&1); then
		tap_skip "$1" "${out#SKIP }"
		return
	fi
	tap_check "$1" "$2"
}
cmd_check "a command answered late: the host ignores the late answer, the next commands get theirs" late_answer
cmd_check "a command kick before its command: the endpoint's re-check handles it in time" early_kick
