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
set -uo pipefail
. "$(dirname "$0")/lib.sh"

FIELDS="db_offset db_entry_size spad_offset spad_count mw_count mw1_offset
	link_status ext_size cmd_db_offset map_outside map_overlap map_mw_size"
knob='$(echo /sys/kernel/debug/pci-epf-vntb/*/corrupt)'
tool='$(echo /sys/kernel/debug/ntb_tool/*)'
BAD_LOG='KASAN|BUG:|Oops|WARNING:|general protection|Call Trace'

tap_plan $((2 + $(wc -w <<<"$FIELDS") + 1))

if ! out=$(lab_start --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "lab boots with our vNTB pair" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with our vNTB pair"

# ntb_tool instead of the network stack, its link enabled; then wait for
# the host to see the peer
tool_up() {
	local side
	for side in ep host; do
		lab run "$side" -- "for m in ntb_netdev ntb_transport ntb_tool; do
			[ -d /sys/module/\$m ] && rmmod \$m
		done
		modprobe ntb_tool &&
		lab-wait -t 30 sh -c 'ls /sys/kernel/debug/ntb_tool | grep -q .' &&
		echo Y > $tool/link" || return 1
	done
	lab run host -- "t=$tool; lab-wait -t 30 grep -q Y \$t/peer0/link"
}

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
	tool_up
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
