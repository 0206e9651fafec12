#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The link going down under traffic, again and again, with our pair on
# lab-epc: the endpoint function unbound and bound again while iperf3
# runs, alternately in each direction, then the host's drivers unloaded
# and loaded again under iperf3. Each time the link and traffic come
# back; in the end neither kernel logged a warning, a KASAN or lockdep
# report or an oops, and kmemleak finds nothing the NTB stack lost.
#
# These are the paths where Linux 6.12's ntb_transport reads and writes
# window buffers it freed at link down, and leaks ntb_netdev's receive
# buffers at removal (patches/linux-6.12 fixes them; the lab's kernels
# carry the fixes): an unpatched kernel fails here within a few rounds.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ep_addr=198.18.0.1
host_addr=198.18.0.2
REBINDS=${CHURN_REBINDS:-6}
RELOADS=${CHURN_RELOADS:-4}

tap_plan 5

if ! out=$(lab_start --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "lab boots with our vNTB pair" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with our vNTB pair"

leak_base=$(kmemleak_forget ep 2>&1 && kmemleak_forget host 2>&1)
leak_base_rc=$?

# A server on each side for the whole test; iperf3 -s serves one test at
# a time, so each round uses a port of its own.
port=5300

# iperf3 for 30 s from SIDE to the other side's ADDR, in the background,
# once a megabyte went out: the link goes down under it
traffic() {
	local side=$1 addr=$2 peer
	peer=ep
	[ "$side" = ep ] && peer=host
	port=$((port + 1))
	lab run "$peer" -- "iperf3 -s -D -1 -p $port" >/dev/null || return 1
	lab run "$side" -- "s=/sys/class/net/ntb0/statistics/tx_bytes
	b=\$(cat \$s)
	iperf3 -c $addr -p $port -t 30 >/dev/null 2>&1 &
	lab-wait -t 30 sh -c '[ \$(cat '\$s') -gt '\$((b + 1000000))' ]'"
}

# The link is back: carrier on both sides and a ping each way
link_back() {
	carrier host 1 || { echo "the host's ntb0 has no carrier"; return 1; }
	carrier ep 1 || { echo "the endpoint's ntb0 has no carrier"; return 1; }
	if ! host "ping -c 2 -W 5 $ep_addr" >/dev/null ||
		! ep "ping -c 2 -W 5 $host_addr" >/dev/null; then
		echo "no ping across"
		return 1
	fi
}

# One unbind and bind of the endpoint function under traffic from SIDE
rebind_round() {
	local side=$1 addr=$2
	traffic "$side" "$addr" || { echo "no traffic from the $side"; return 1; }
	vntb_unbind || return 1
	carrier host 0 || { echo "the host did not report the link down"; return 1; }
	vntb_rebind || return 1
	netdev_up ep "$ep_addr" || return 1
	link_back
}

rebinds() {
	local i
	for ((i = 1; i <= REBINDS; i++)); do
		if ((i % 2)); then
			rebind_round host "$ep_addr"
		else
			rebind_round ep "$host_addr"
		fi || { echo "round $i failed"; return 1; }
	done
}
tap_check "$REBINDS unbinds of the endpoint function under iperf3: the link and traffic come back each time" \
	rebinds

# One unload and load of the host's drivers under traffic from SIDE
reload_round() {
	local side=$1 addr=$2
	traffic "$side" "$addr" || { echo "no traffic from the $side"; return 1; }
	host 'rmmod ntb_netdev ntb_transport ntb_hw_epf' || return 1
	carrier ep 0 || { echo "the endpoint did not see the link down"; return 1; }
	host 'modprobe ntb_hw_epf && modprobe ntb_transport &&
		modprobe ntb_netdev' || return 1
	netdev_up host "$host_addr" || return 1
	link_back
}

reloads() {
	local i
	for ((i = 1; i <= RELOADS; i++)); do
		if ((i % 2)); then
			reload_round ep "$host_addr"
		else
			reload_round host "$ep_addr"
		fi || { echo "round $i failed"; return 1; }
	done
}
tap_check "$RELOADS unloads of the host's drivers under iperf3: the link and traffic come back each time" \
	reloads

tap_check "no warning, oops, lockdep or KASAN report on either side" \
	logs_clean ep host

if [ "$leak_base_rc" -ne 0 ]; then
	tap_skip "no object leaked by the NTB stack" \
		"kmemleak unusable: ${leak_base//$'\n'/ }"
else
	no_leaks() {
		kmemleak_ours ep pci_epf_vntb pci_ep_doorbell pcie_lab_epc \
			ntb_transport ntb_netdev ntb &&
			kmemleak_ours host ntb_hw_epf ntb_transport ntb_netdev ntb
	}
	tap_check "no object leaked by the NTB stack" no_leaks
fi
