#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The vNTB selftests (selftests/drivers/ntb/vntb/) as the kernel tree
# builds and installs them (tools/lab/build/progs.sh: copied into
# tools/testing/selftests/drivers/ntb/vntb/ of Linux 6.12, "make -C
# tools/testing/selftests TARGETS=drivers/ntb/vntb install"), run with the
# installed run_kselftest.sh in the guests' /usr/share/vntb-selftests/, on
# our vNTB pair and each on the side(s) it applies to, with the other side
# prepared as the README asks: an iperf3 server on each machine, and for
# the idle doorbell check a permanent neighbour entry on the peer. Then
# the doorbell counters on an endpoint that polls (--function vntb-poll),
# on a host booted without iomem=relaxed, as a distribution's kernel runs
# (IO_STRICT_DEVMEM): there vntb_ctrl_layout must skip and say why.
# Each run of a selftest is one TAP line here: ok, not ok, or ok # SKIP
# with the selftest's own reason.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ep_addr=198.18.0.1
host_addr=198.18.0.2
DIR=/usr/share/vntb-selftests
COLLECTION=drivers/ntb/vntb

tap_plan 16

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

# skip_reasons: from a program's KTAP output as run_kselftest.sh prefixes
# it, the reason of its empty plan, or those its skipped tests gave (the
# diagnostic line before each, or the directive's text)
skip_reasons() {
	awk '
		/^# 1\.\.0 # SKIP / { sub(/^# 1\.\.0 # SKIP /, ""); print; next }
		/^# ok [0-9]+ .*# SKIP/ {
			r = $0
			sub(/^.*# SKIP */, "", r)
			print (r != "" ? r : prev)
		}
		{ prev = $0; sub(/^# # /, "", prev) }
	' | sort -u | paste -sd ';' -
}

# selftest SIDE PROG: run PROG on SIDE through run_kselftest.sh with PEER
# set, and make its result line one line here. Through a pipe: the runner
# writes the program's output by opening /dev/stdout again, which on the
# agent's output file would be a second offset writing over the first. A program counts as
# skipped when it skipped everything it planned.
selftest_out() {
	lab run "$1" --timeout 330 -- \
		"cd $DIR && PEER=$(peer_of "$1") ./run_kselftest.sh -t $COLLECTION:$2 2>&1 | cat" 2>&1
}

selftest() {
	local side=$1 prog=$2 desc="$1: $2" out result
	out=$(selftest_out "$side" "$prog")
	result=$(grep -E "^(not )?ok 1 selftests: $COLLECTION: $prog( |\$)" <<<"$out")
	case $result in
	"ok 1 "*)
		if grep -q '^# not ok' <<<"$out"; then
			tap_fail "$desc" "result ok with failed tests:" "$out"
		elif ! grep -E '^# ok [0-9]+ ' <<<"$out" | grep -vq '# SKIP'; then
			tap_skip "$desc" "$(skip_reasons <<<"$out")"
		else
			tap_ok "$desc"
			sed 's/^/#   /' <<<"$out"
		fi
		;;
	*)
		tap_fail "$desc" "${result:-no result line for $prog}" "$out"
		;;
	esac
}

# selftest_skips SIDE PROG WHY: PROG on SIDE must skip as a whole, with a
# reason that matches WHY (an extended regular expression)
selftest_skips() {
	local side=$1 prog=$2 why=$3 out reasons
	local desc="$side: $prog skips, saying $why"
	out=$(selftest_out "$side" "$prog")
	reasons=$(skip_reasons <<<"$out")
	if grep -qE "^ok 1 selftests: $COLLECTION: $prog # SKIP" <<<"$out" &&
		grep -qE "$why" <<<"$reasons"; then
		tap_ok "$desc"
		echo "#   $reasons"
	else
		tap_fail "$desc" "$out"
	fi
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

# An endpoint that polls its doorbells: the test counts the poll passes
# that saw a doorbell instead of the doorbell interrupt. The host boots
# without iomem=relaxed: the control BAR that ntb_hw_epf holds cannot be
# mapped from user space there, and the layout test must say so.
lab_teardown
if ! out=$(lab_start --function vntb-poll --ep-driver ours --host-driver ours \
	--host-strict-iomem 2>&1); then
	tap_fail "lab boots with our pair, the endpoint polling, the host's iomem strict" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with our pair, the endpoint polling, the host's iomem strict"
doorbell_counters ep host
doorbell_counters host ep
selftest_skips host vntb_ctrl_layout 'IO_STRICT_DEVMEM'
tap_check "no warning, lockdep or KASAN report on either side (polled)" \
	logs_clean ep host
