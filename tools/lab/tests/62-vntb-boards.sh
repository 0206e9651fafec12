#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our vNTB pair on each board personality of the lab's controller (lab up
# --board): the BARs and alignment of R-Car S4, RK3588, i.MX8MM, i.MX8MP
# and i.MX95 in their Linux 6.12 feature tables. For each:
#
# - the function lays its BARs out by itself (no pin), as
#   Documentation/ntb/vntb-boards.rst says it does for that board, and
#   publishes that layout; our host binds from the published map;
# - ping and a short iperf3 both ways;
# - the doorbells are interrupts where the board has a doorbell (pings
#   move the function's interrupt line), polled where it has none;
# - Linux 6.12's own ntb_hw_epf on the host: where the layout is not the
#   one it expects, the endpoint refuses it in exactly one line and it
#   does not bind; where it is (i.MX95), it binds.
#
# The published map's checks on the host side are in 56-vntb-hostile.sh.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ep_addr=198.18.0.1
host_addr=198.18.0.2

# board:expected bar_layout:has a doorbell
BOARDS=(
	"rcar-s4:control 0 doorbells 4 mw1 2 upstream no:yes"
	"rk3588:control 0 doorbells 4 mw1 5 upstream no:yes"
	"imx8mm:control 0 doorbells 4 mw1 2 upstream no:no"
	"imx8mp:control 0 doorbells 4 mw1 2 upstream no:no"
	"imx95:control 0 doorbells 2 mw1 4 upstream yes:yes"
)
CASES=5
REFUSAL='refusing a host driver that does not read the published BAR map'

tap_plan $((${#BOARDS[@]} * CASES))

# interrupts SIDE PATTERN: sum over CPUs of the /proc/interrupts lines
# whose name matches PATTERN
interrupts() {
	lab run "$1" -- "grep -E '$2' /proc/interrupts" |
		awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
		     END { print n + 0 }'
}

layout_as_documented() {
	local want=$1 got
	got=$(ep 'cat /sys/kernel/config/pci_ep/functions/pci_epf_vntb/*/pci_epf_vntb.*/bar_layout') ||
		return 1
	echo "bar_layout: $got"
	[ "$got" = "$want" ] || { echo "expected: $want"; return 1; }
	host 'dmesg | grep "BARs as the endpoint publishes them"' ||
		{ echo "the host did not take the published map"; return 1; }
}

traffic_both_ways() {
	if ! ep "ping -c 3 -W 5 $host_addr" >/dev/null ||
		! host "ping -c 3 -W 5 $ep_addr" >/dev/null; then
		echo "no ping across"
		return 1
	fi
	ep 'iperf3 -s -D' >/dev/null 2>&1
	host 'iperf3 -s -D' >/dev/null 2>&1
	host "iperf3 -c $ep_addr -t 3" | tail -n 3 || return 1
	ep "iperf3 -c $host_addr -t 3" | tail -n 3
}

doorbells() {
	local has=$1 before after
	if [ "$has" = no ]; then
		# The board's controller has no doorbell: the function polls
		ep 'dmesg | grep "pci_epf_vntb.*window(s), polled"'
		return
	fi
	ep 'dmesg | grep "pci_epf_vntb.*doorbell interrupt"' || return 1
	before=$(interrupts ep pci_epf_vntb) || return 1
	host "ping -c 10 -i 0.2 -W 5 $ep_addr" >/dev/null || return 1
	after=$(interrupts ep pci_epf_vntb)
	echo "endpoint doorbell interrupts $before -> $after"
	[ $((after - before)) -ge 10 ]
}

# Linux's ntb_hw_epf on the host instead of ours (its probe runs, and
# ends, within the load)
upstream_host() {
	host 'rmmod ntb_netdev ntb_transport ntb_hw_epf
	lab-modload --from upstream ntb_hw_epf' >/dev/null 2>&1
}

upstream_refused() {
	local n
	upstream_host
	n=$(ep "dmesg | grep -c '$REFUSAL'")
	ep "dmesg | grep '$REFUSAL'"
	[ "$n" = 1 ] || { echo "$n refusal lines on the endpoint, want 1"; return 1; }
	if host 'ls /sys/bus/pci/drivers/ntb_hw_epf | grep -q ^0000:'; then
		echo "Linux's ntb_hw_epf bound nevertheless"
		return 1
	fi
	host 'dmesg | grep ntb_hw_epf | tail -n 3'
}

upstream_binds() {
	upstream_host
	if ep "dmesg | grep '$REFUSAL'"; then
		echo "the endpoint refused Linux's ntb_hw_epf"
		return 1
	fi
	host 'ls /sys/bus/pci/drivers/ntb_hw_epf | grep -q ^0000:' ||
		{ echo "Linux's ntb_hw_epf did not bind"; return 1; }
}

for entry in "${BOARDS[@]}"; do
	IFS=: read -r board layout has_db <<<"$entry"
	if ! out=$(lab_start --board "$board" --ep-driver ours \
			--host-driver ours 2>&1); then
		tap_fail "$board: lab boots with our pair, layout automatic" "$out"
		for _ in $(seq 2 $CASES); do
			tap_fail "$board: remaining test" "the lab did not boot"
		done
		lab_teardown
		continue
	fi
	tap_ok "$board: lab boots with our pair, layout automatic"
	tap_check "$board: the layout is the documented one, the host takes it from the published map" \
		layout_as_documented "$layout"
	tap_check "$board: ping and iperf3 both ways" traffic_both_ways
	if [ "$has_db" = yes ]; then
		tap_check "$board: doorbells are interrupts" doorbells yes
	else
		tap_check "$board: no doorbell on this board: polled" doorbells no
	fi
	if [ "${layout##* }" = no ]; then
		tap_check "$board: Linux's ntb_hw_epf is refused in one line" \
			upstream_refused
	else
		tap_check "$board: Linux's ntb_hw_epf binds to this layout" \
			upstream_binds
	fi
	lab_teardown
done
