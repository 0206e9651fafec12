#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host side: unload the host's NTB stack (ntb_netdev, ntb_transport,
# ntb_hw_epf) while iperf3 sends to the peer, load it again, and find
# NTB_IF back with its address and the peer reachable.
# PEER=198.18.0.1 ./vntb_reload.sh, with "iperf3 -s -D" on the peer for
# the traffic (without a server, or without iperf3, the stack is
# unloaded on an idle link and that test is skipped).
#
#   IPERF_PORT  the server's port (5201)
#   MODULES     the stack, top first (ntb_netdev ntb_transport ntb_hw_epf)
. "$(dirname "$0")/lib.sh"

IPERF_PORT=${IPERF_PORT:-5201}
MODULES=${MODULES:-"ntb_netdev ntb_transport ntb_hw_epf"}
LINK_TIMEOUT=${LINK_TIMEOUT:-60}

ktap_print_header
need_link
[ "$(vntb_side)" = host ] || vntb_skip_all "not the host side (ntb_hw_epf not loaded)"
for m in $MODULES; do
	[ -d "/sys/module/$m" ] || vntb_skip_all "$m not loaded"
	[ -f "/sys/module/$m/refcnt" ] || vntb_skip_all "$m built in"
done
ktap_set_plan 5

# What to give the new interface: the address, and IPv6 off if it was
addr=$(ip -o -4 addr show dev "$NTB_IF" | awk '{ print $4; exit }')
v6off=$(cat "/proc/sys/net/ipv6/conf/$NTB_IF/disable_ipv6" 2>/dev/null)
vntb_diag "$NTB_IF had ${addr:-no IPv4 address}"

iperf_pid=
cleanup() {
	[ -z "$iperf_pid" ] || kill "$iperf_pid" 2>/dev/null
}
trap cleanup EXIT

# traffic: iperf3 running to the peer, and NTB_IF's transmit counter
# moving (1 MB on); status 4 without iperf3 or without a server
traffic() {
	have iperf3 || return 4
	log=$(mktemp) || return 1
	tx=/sys/class/net/$NTB_IF/statistics/tx_bytes
	tx0=$(cat "$tx")
	iperf3 -c "$PEER" -p "$IPERF_PORT" -t 60 >"$log" 2>&1 &
	iperf_pid=$!
	wait_for 15 sh -c "kill -0 $iperf_pid && [ \$(cat $tx) -gt $((tx0 + 1000000)) ]"
	rc=$?
	grep -qi "connection refused" "$log" && rc=4
	rm -f "$log"
	return $rc
}
if traffic >/dev/null 2>&1; then
	ktap_test_pass "iperf3 to $PEER running"
elif [ $? -eq 4 ]; then
	vntb_skip "iperf3 to $PEER running" "no iperf3, or no server on $PEER:$IPERF_PORT"
else
	ktap_test_fail "iperf3 to $PEER running"
fi

unload() {
	for m in $MODULES; do
		rmmod "$m" || return 1
	done
	for m in $MODULES; do
		[ ! -d "/sys/module/$m" ] || { echo "$m still loaded"; return 1; }
	done
}
vntb_check "unload $MODULES" unload

# ntb_netdev's interface: the first whose device is bound to it
netdev() {
	for d in /sys/class/net/*; do
		grep -qsx DRIVER=ntb_netdev "$d/device/uevent" &&
			{ basename "$d"; return 0; }
	done
	return 1
}

reload() {
	for m in $(echo "$MODULES" | awk '{ for (i = NF; i > 0; i--) print $i }'); do
		modprobe "$m" || return 1
	done
	wait_for 60 netdev >/dev/null ||
		{ echo "no ntb_netdev interface after loading"; return 1; }
	dev=$(netdev)
	[ "$dev" = "$NTB_IF" ] || ip link set "$dev" name "$NTB_IF" || return 1
	[ "$v6off" != 1 ] ||
		echo 1 >"/proc/sys/net/ipv6/conf/$NTB_IF/disable_ipv6" || return 1
	[ -z "$addr" ] || ip addr add "$addr" dev "$NTB_IF" || return 1
	ip link set "$NTB_IF" up || return 1
	wait_for "$LINK_TIMEOUT" carrier_is 1 ||
		{ echo "no carrier ${LINK_TIMEOUT}s after loading"; return 1; }
}
vntb_check "reload: $NTB_IF back with carrier" reload
vntb_check "ping $PEER after the reload" reach_peer 30
vntb_check "3 pings to $PEER" ping_peer 3

ktap_finished
