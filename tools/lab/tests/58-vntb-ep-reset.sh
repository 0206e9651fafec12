#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The endpoint machine is reset while iperf3 runs, our pair on both
# sides: the board's reset button, not an unbind. The link drops at
# once; the host must report the link down, set the new endpoint up when
# it comes back, and carry traffic again, with nothing leaked and no
# warning, lockdep or KASAN report.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ep_addr=198.18.0.1
host_addr=198.18.0.2

tap_plan 7

if ! out=$(lab_start --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "lab boots with our vNTB pair" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with our vNTB pair"

leak_base=$(kmemleak_forget host 2>&1)
leak_base_rc=$?

# The host's kernel log from MARK on
MARK="lab: endpoint reset $$"
host_log_since_mark() {
	host "dmesg | sed -n '/$MARK/,\$p'"
}

reset_under_traffic() {
	ep 'iperf3 -s -D' || return 1
	host "echo '$MARK' > /dev/kmsg
	timeout 120 iperf3 -c $ep_addr -t 60 >/dev/null 2>&1 &
	lab-wait -t 30 sh -c '[ \$(cat /sys/class/net/ntb0/statistics/tx_bytes) -gt 1000000 ]'" ||
		{ echo "iperf3 did not start"; return 1; }
	lab reset ep
}
if ! out=$(reset_under_traffic 2>&1); then
	tap_fail "endpoint reset under iperf3: it boots and is set up again" "$out"
	tap_fail_rest "the endpoint did not come back"
fi
tap_ok "endpoint reset under iperf3: it boots and is set up again"

# ntb_transport's "Link Cleanup" is the link down reaching the client;
# our driver's "setting it up again" is the new endpoint being found.
host_saw_it() {
	local log
	log=$(host_log_since_mark) || return 1
	awk '/qp 0: Link Cleanup/ && !down { down = NR }
	     /endpoint rebound: setting it up again/ && down && !again { again = NR }
	     /qp 0: Link Up/ && again { up = NR }
	     END { exit !(down && again && up) }' <<<"$log" && return 0
	echo "expected link cleanup, re-setup and link up, in order; the host logged:"
	grep -E 'ntb|epf' <<<"$log" | tail -n 20
	return 1
}
tap_check "the host reports the link down, sets the new endpoint up, link up" \
	host_saw_it

traffic_again() {
	host "ping -c 3 -W 5 $ep_addr" || return 1
	ep 'iperf3 -s -D -p 5202' && host 'iperf3 -s -D -p 5203' || return 1
	lab run host --timeout 60 -- "iperf3 -c $ep_addr -p 5202 -t 2" >/dev/null ||
		{ echo "iperf3 host -> endpoint failed"; return 1; }
	lab run ep --timeout 60 -- "iperf3 -c $host_addr -p 5203 -t 2" >/dev/null ||
		{ echo "iperf3 endpoint -> host failed"; return 1; }
}
tap_check "ping and iperf3 both ways work again" traffic_again

# The new boot's function found our host and stopped polling commands
tap_check "the new endpoint takes the host's commands by doorbell" \
	ep 'dmesg | grep "command polling stopped"'

if [ "$leak_base_rc" -ne 0 ]; then
	tap_skip "no object leaked by the host's vNTB drivers across the reset" \
		"kmemleak unusable: ${leak_base//$'\n'/ }"
else
	tap_check "no object leaked by the host's vNTB drivers across the reset" \
		kmemleak_ours host ntb_hw_epf ntb_transport ntb_netdev ntb
fi
tap_check "no warning, lockdep or KASAN report on either side" logs_clean ep host
