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
# - on one board, the function with PCI IDs our host does not know: it
#   binds through driver_override, from the published map;
# - Linux 6.12's own ntb_hw_epf on the host: where the layout is not the
#   one it expects, it does not bind and one line says why (the
#   endpoint's refusal, or on RK3588, where BAR2 is unused, Linux's own
#   "Failed to init PCI"); where it is (i.MX95), it binds.
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
# The board on which the function also takes PCI IDs our host does not
# know (lab up --function vntb-new-id), bound through driver_override
NEW_ID_BOARD=rcar-s4
NEW_ID_DEVICE=0a00

tap_plan $((${#BOARDS[@]} * CASES + 1))

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
		ep 'dmesg | grep "pci_epf_vntb.*window(s), doorbell backend polling$"'
		return
	fi
	ep 'dmesg | grep "pci_epf_vntb.*doorbell backend \(embedded\|msi\)$"' || return 1
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

# One line says why: the endpoint's refusal at Linux's first command, or,
# where the layout leaves BAR2 unused (RK3588), Linux's own probe failing
# to map its doorbell BAR before any command
upstream_refused() {
	local n
	upstream_host
	if host 'ls /sys/bus/pci/drivers/ntb_hw_epf | grep -q ^0000:'; then
		echo "Linux's ntb_hw_epf bound nevertheless"
		return 1
	fi
	n=$(ep "dmesg | grep -c '$REFUSAL'")
	case $n in
	1)	ep "dmesg | grep '$REFUSAL'" ;;
	0)	host 'dmesg | grep "ntb_hw_epf.*Failed to init PCI"' ||
			{ echo "no line on either side says why"; return 1; } ;;
	*)	echo "$n refusal lines on the endpoint, want 1"
		return 1 ;;
	esac
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

# A function with a device ID no host driver knows (lab up --function
# vntb-new-id): our ntb_hw_epf, given it through driver_override, has no
# map of its own, binds from the published one (Documentation/ntb/
# vntb.rst, "The BAR map") and carries traffic.
override_binds() {
	host "d=\$(grep -lx 0x$NEW_ID_DEVICE /sys/bus/pci/devices/*/device)
	[ -n \"\$d\" ] || { echo 'no 1957:$NEW_ID_DEVICE device'; exit 1; }
	d=\${d%/device}
	[ \"\$(basename \$(readlink \$d/driver))\" = ntb_hw_epf ] ||
		{ echo 'not bound to ntb_hw_epf'; exit 1; }
	dmesg | grep 'BARs as the endpoint publishes them'" || return 1
	host "ping -c 3 -W 5 $ep_addr" | tail -n 2
}
if out=$(lab_start --board "$NEW_ID_BOARD" --function vntb-new-id \
		--ep-driver ours --host-driver ours 2>&1); then
	tap_check "$NEW_ID_BOARD: other PCI IDs, our host bound through driver_override from the published map" \
		override_binds
else
	tap_fail "$NEW_ID_BOARD: other PCI IDs, our host bound through driver_override from the published map" \
		"$out"
fi
