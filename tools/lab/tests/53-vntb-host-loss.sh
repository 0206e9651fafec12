#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The endpoint loses its host: the host machine is reset (its reset
# button: PERST#, the link goes down and trains again) under iperf3 in
# each direction, then powered off and on. Our pair, on the lab-epc
# controller, whose driver reports the link going down. Each time the
# endpoint's ntb0 must lose its carrier and iperf3 on the endpoint must
# end with an error instead of waiting on a dead link; once the host is
# back with its drivers loaded ("lab reset host" and "lab power host on"
# load them, as "lab up" does), ntb0 carries traffic again by itself.
# Neither side may log an oops, a warning or a KASAN report, nor leak
# what the NTB drivers allocated.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ep_addr=198.18.0.1
host_addr=198.18.0.2
# How long iperf3 on the endpoint may take to fail once the host is gone:
# its TCP user timeout (--snd-timeout) or idle timeout (--rcv-timeout),
# 5 s, and retransmission timers on top
FAIL_WITHIN=40

tap_plan 9

if ! out=$(lab_start --controller lab --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "lab boots with our vNTB pair on lab-epc" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with our vNTB pair on lab-epc"

# The host reboots: only the endpoint's kmemleak spans the whole test
leak_base=$(kmemleak_forget ep 2>&1)
leak_base_rc=$?

# iperf_start OPTIONS...: iperf3 from the endpoint to the host's server
# in the background, once it moves data; /tmp/iperf.end then receives its
# exit status and the time it ended, and /tmp/iperf.out its output
iperf_start() {
	host 'iperf3 -s -D' || return 1
	# shellcheck disable=SC2016 # the endpoint's shell expands the rest
	ep "rm -f /tmp/iperf.end
	(iperf3 -c $host_addr -t 300 $* >/tmp/iperf.out 2>&1
	 echo \$? \$(date +%s) >/tmp/iperf.end) </dev/null >/dev/null 2>&1 &"'
	s=/sys/class/net/ntb0/statistics
	lab-wait -t 30 sh -c "[ \$((\$(cat $s/rx_bytes) + \$(cat $s/tx_bytes))) -gt 2000000 ]"' ||
		{ echo "iperf3 did not start moving data"; return 1; }
}

# iperf_failed T0: the endpoint's iperf3 ended with an error, within
# FAIL_WITHIN seconds of T0 (the endpoint's clock)
iperf_failed() {
	local end rc t
	end=$(ep "lab-wait -t $FAIL_WITHIN test -s /tmp/iperf.end && cat /tmp/iperf.end") ||
		{ echo "iperf3 on the endpoint still runs $FAIL_WITHIN s after the host went"
		  ep 'cat /tmp/iperf.out; pkill iperf3'
		  return 1; }
	read -r rc t <<<"$end"
	if [ "$rc" -eq 0 ]; then
		echo "iperf3 on the endpoint succeeded with its peer gone:"
		ep 'cat /tmp/iperf.out'
		return 1
	fi
	if [ $((t - $1)) -gt "$FAIL_WITHIN" ]; then
		echo "iperf3 failed $((t - $1)) s after the host went (bound $FAIL_WITHIN s)"
		return 1
	fi
}

carrier_drops() {
	ep 'cat /sys/class/net/ntb0/carrier_down_count'
}

ep_now() {
	ep 'date +%s'
}

# traffic_again: ping and a short iperf3 each way over ntb0
traffic_again() {
	ep "ping -c 3 -W 5 $host_addr" >/dev/null ||
		{ echo "ping endpoint -> host failed"; return 1; }
	ep 'iperf3 -s -D -p 5202' && host 'iperf3 -s -D -p 5203' || return 1
	lab run host --timeout 60 -- "iperf3 -c $ep_addr -p 5202 -t 2" >/dev/null ||
		{ echo "iperf3 host -> endpoint failed"; return 1; }
	lab run ep --timeout 60 -- "iperf3 -c $host_addr -p 5203 -t 2" >/dev/null ||
		{ echo "iperf3 endpoint -> host failed"; return 1; }
	ep 'pkill -x iperf3; true'
}

# host_reset_under_iperf DIRECTION OPTIONS...: reset the host while the
# endpoint's iperf3 runs with OPTIONS; the endpoint must have lost its
# carrier and its iperf3 failed, and ntb0 carry traffic once the host is
# set up again
host_reset_under_iperf() {
	local drops t0 now
	drops=$(carrier_drops) || return 1
	iperf_start "$@" || return 1
	t0=$(ep_now) || return 1
	lab reset host >/dev/null || { echo "lab reset host failed"; return 1; }
	now=$(carrier_drops) || return 1
	[ "$now" -gt "$drops" ] ||
		{ echo "ntb0 on the endpoint never lost its carrier (carrier_down_count $now)"; return 1; }
	iperf_failed "$t0" || return 1
	traffic_again
}

tap_check "host reset under iperf3 endpoint -> host: the endpoint loses its carrier, iperf3 fails, traffic comes back" \
	host_reset_under_iperf --snd-timeout 5000

tap_check "host reset under iperf3 host -> endpoint: the endpoint loses its carrier, iperf3 fails, traffic comes back" \
	host_reset_under_iperf -R --rcv-timeout 5000

# With the host off, the endpoint must see it at once: its carrier goes
# while the host is still off, and its iperf3 fails
host_off_under_iperf() {
	local t0
	iperf_start --snd-timeout 5000 || return 1
	t0=$(ep_now) || return 1
	lab power host off >/dev/null || { echo "lab power host off failed"; return 1; }
	ep 'lab-wait -t 20 grep -qx 0 /sys/class/net/ntb0/carrier' ||
		{ echo "ntb0 on the endpoint kept its carrier with the host off:"
		  ep 'ip link show ntb0'
		  return 1; }
	iperf_failed "$t0"
}
tap_check "host powered off under iperf3: the endpoint loses its carrier, iperf3 fails" \
	host_off_under_iperf

tap_check "the endpoint's log says the host is gone" \
	ep 'dmesg | grep "PCIe link down: the host is gone"'

host_on() {
	lab power host on >/dev/null || { echo "lab power host on failed"; return 1; }
	traffic_again
}
tap_check "host powered on: its drivers load, ntb0 carries traffic again both ways" \
	host_on

if [ "$leak_base_rc" -ne 0 ]; then
	tap_skip "no object leaked by the vNTB drivers across the host's loss" \
		"kmemleak unusable: ${leak_base//$'\n'/ }"
else
	no_leaks() {
		kmemleak_ours ep pci_epf_vntb pci_ep_doorbell pcie_lab_epc \
			ntb_transport ntb_netdev ntb &&
			kmemleak_ours host ntb_hw_epf ntb_transport ntb_netdev ntb
	}
	tap_check "no object leaked by the vNTB drivers across the host's loss" \
		no_leaks
fi

tap_check "no oops, warning, lockdep or KASAN report on the endpoint" \
	logs_clean ep

# The host's earlier boots end abruptly: their kernel messages are in its
# console logs, the current boot's in dmesg
host_boots_clean() {
	local f rc=0
	logs_clean host || rc=1
	for f in "$LAB_RUN"/host-console.log*; do
		if grep -Eq "$BAD_LOG" "$f"; then
			echo "$(basename "$f"):"
			grep -E -A 12 "$BAD_LOG" "$f" | head -n 40
			rc=1
		fi
	done
	return $rc
}
tap_check "no oops, warning, lockdep or KASAN report on the host, in any of its boots" \
	host_boots_clean
