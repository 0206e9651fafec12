#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The vNTB network link: NTB_IF has carrier and reaches PEER; taken down
# and up again, its carrier comes back and it reaches PEER again.
# Runs on either side: PEER=198.18.0.2 ./vntb_link.sh
. "$(dirname "$0")/lib.sh"

LINK_TIMEOUT=${LINK_TIMEOUT:-60}

ktap_print_header
need_link
ktap_set_plan 5

vntb_check "$NTB_IF has carrier" wait_for "$LINK_TIMEOUT" carrier_is 1
vntb_check "ping $PEER" ping_peer 3

link_down() {
	ip link set "$NTB_IF" down || return 1
	# A device that is down has no carrier to read
	wait_for 10 sh -c "! grep -qx 1 /sys/class/net/$NTB_IF/carrier 2>/dev/null"
}
vntb_check "$NTB_IF taken down loses its carrier" link_down

link_up() {
	ip link set "$NTB_IF" up || return 1
	wait_for "$LINK_TIMEOUT" carrier_is 1 ||
		{ echo "no carrier ${LINK_TIMEOUT}s after link up"; return 1; }
}
vntb_check "$NTB_IF up again: the carrier returns" link_up
vntb_check "ping $PEER after link down and up" reach_peer 30

ktap_finished
