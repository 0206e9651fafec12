#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The vNTB selftests (selftests/drivers/ntb/vntb/, in the guests'
# /usr/share/vntb-selftests/) on our vNTB pair, each on the side(s) it
# applies to, with the other side prepared as the README asks: an iperf3
# server on each machine, and for the idle doorbell check a permanent
# neighbour entry on the peer. Each run of a selftest is one TAP line
# here: ok, not ok, or ok # SKIP with the selftest's own reason.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ep_addr=198.18.0.1
host_addr=198.18.0.2
DIR=/usr/share/vntb-selftests

tap_plan 11

if ! out=$(lab_start --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "lab boots with our vNTB pair" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with our vNTB pair"

peer_of() {
	case "$1" in
	ep) echo "$host_addr" ;;
	host) echo "$ep_addr" ;;
	esac
}

# selftest SIDE PROG [TIMEOUT]: run PROG on SIDE with PEER set, and make
# its KTAP result one line here. Status 4 is kselftest's skip: the reason
# is that of its empty plan, or those of its skipped tests.
selftest() {
	local side=$1 prog=$2 desc="$1: $2" out rc reason
	out=$(lab run "$side" --timeout "${3:-300}" -- \
		"cd $DIR && PEER=$(peer_of "$side") ./$prog" 2>&1)
	rc=$?
	case $rc in
	0)
		if grep -q '^not ok' <<<"$out"; then
			tap_fail "$desc" "exit status 0 with failed tests:" "$out"
		else
			tap_ok "$desc"
			sed 's/^/#   /' <<<"$out"
		fi
		;;
	4)
		reason=$(sed -n 's/^\(1\.\.0\|ok [0-9]\+ .*\) # SKIP //p' <<<"$out" |
			sort -u | paste -sd ';' -)
		tap_skip "$desc" "${reason:-no reason given}"
		;;
	*)
		tap_fail "$desc" "exit status $rc" "$out"
		;;
	esac
}

# iperf3 servers, for the traffic and reload tests of either side
ep 'iperf3 -s -D' >/dev/null 2>&1
host 'iperf3 -s -D' >/dev/null 2>&1

selftest ep vntb_link.sh
selftest host vntb_link.sh
selftest host vntb_ctrl_layout
selftest ep vntb_configfs.sh

# mac SIDE: ntb0's address there
mac() {
	lab run "$1" -- 'cat /sys/class/net/ntb0/address'
}

# The peer's permanent entry for SIDE, as the README asks for the strict
# idle check; the test sets its own side's entry itself.
doorbell_counters() {
	local side=$1 peer=$2 m
	m=$(mac "$side")
	lab run "$peer" -- "ip neigh replace $(peer_of "$peer") lladdr $m dev ntb0 nud permanent" \
		>/dev/null 2>&1
	selftest "$side" vntb_doorbell_counters.sh
	lab run "$peer" -- "ip neigh del $(peer_of "$peer") dev ntb0" >/dev/null 2>&1
}
doorbell_counters ep host
doorbell_counters host ep

selftest ep vntb_traffic.sh
selftest host vntb_traffic.sh
# Last: it takes the host's network device away and back
selftest host vntb_reload.sh

tap_check "no warning, lockdep or KASAN report on either side" logs_clean ep host
