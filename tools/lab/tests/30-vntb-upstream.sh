#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Upstream 6.12's vNTB pair across the lab link, unmodified: pci-epf-vntb on
# the endpoint, ntb_hw_epf on the host, ntb_transport and ntb_netdev on
# both. ntb0 comes up on both sides, ping and iperf3 work across.
#
# The endpoint dying is tested with pci-epf-test (10-link.sh), not here:
# upstream's ntb_hw_epf then rings doorbells at the all-ones offsets it
# reads back from the dead endpoint's BAR and oopses the host, the very
# trust in the peer that this project's own pair removes.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ep_addr=198.18.0.1
host_addr=198.18.0.2
tap_plan 6

if ! out=$(lab_start --function vntb --ep-driver upstream \
	--host-driver upstream 2>&1); then
	tap_fail "lab boots with upstream's vNTB pair" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with upstream's vNTB pair"

link_up() { # $1: side
	local s
	s=$(lab run "$1" -- 'cat /sys/class/net/ntb0/operstate') ||
		{ echo "no ntb0"; return 1; }
	[ "$s" = up ] || { echo "ntb0 is $s"; return 1; }
}
tap_check "ntb0 is up on the endpoint" link_up ep
tap_check "ntb0 is up on the host" link_up host
tap_check "ping host -> endpoint" host "ping -c 5 -W 5 $ep_addr"
tap_check "ping endpoint -> host" ep "ping -c 5 -W 5 $host_addr"

iperf3_both() {
	ep 'iperf3 -s -D' || return 1
	lab run host --timeout 120 -- "iperf3 -c $ep_addr -t 3" || return 1
	lab run host --timeout 120 -- "iperf3 -c $ep_addr -t 3 -R"
}
tap_check "iperf3 host -> endpoint and endpoint -> host" iperf3_both
