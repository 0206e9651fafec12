#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# iperf3 over the vNTB link, TCP and UDP, each in both directions, against
# an iperf3 server on the peer ("iperf3 -s -D" there first).
# Runs on either side: PEER=198.18.0.1 ./vntb_traffic.sh
#
#   IPERF_PORT   the server's port (5201)
#   IPERF_TIME   seconds per run (3)
#   UDP_RATE     UDP send rate (10M)
#   UDP_MAX_LOSS most datagrams lost, in percent, for a pass (10)
. "$(dirname "$0")/lib.sh"

IPERF_PORT=${IPERF_PORT:-5201}
IPERF_TIME=${IPERF_TIME:-3}
UDP_RATE=${UDP_RATE:-10M}
UDP_MAX_LOSS=${UDP_MAX_LOSS:-10}

ktap_print_header
have iperf3 || vntb_skip_all "iperf3 not installed"
need_link
# A refused connection is a missing server, not a broken link
if iperf3 -c "$PEER" -p "$IPERF_PORT" -t 1 2>&1 | grep -qi "connection refused"; then
	vntb_skip_all "no iperf3 server on $PEER:$IPERF_PORT (run 'iperf3 -s -D' there)"
fi
ktap_set_plan 4

# iperf DESC ARGS...: a run; its receiver line must show traffic, and a
# UDP run may lose at most UDP_MAX_LOSS percent
iperf() {
	out=$(iperf3 -c "$PEER" -p "$IPERF_PORT" -t "$IPERF_TIME" "$@" 2>&1)
	rc=$?
	echo "$out" | grep -E 'sender|receiver'
	[ "$rc" -eq 0 ] || { echo "$out" | tail -n 3; return 1; }
	echo "$out" | awk -v max="$UDP_MAX_LOSS" '
		/receiver/ {
			seen = 1
			for (i = 1; i < NF; i++)
				if ($(i + 1) ~ /bits\/sec/ && $i + 0 == 0)
					bad = "nothing received"
			if (match($0, /\([0-9.]+%\)/)) {
				loss = substr($0, RSTART + 1, RLENGTH - 3) + 0
				if (loss > max)
					bad = loss "% lost"
			}
		}
		END {
			if (!seen)
				bad = "no receiver summary"
			if (bad != "") {
				print bad
				exit 1
			}
		}'
}

vntb_check "TCP to $PEER" iperf
vntb_check "TCP from $PEER" iperf -R
vntb_check "UDP to $PEER" iperf -u -b "$UDP_RATE"
vntb_check "UDP from $PEER" iperf -u -b "$UDP_RATE" -R

ktap_finished
