#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The doorbells of this side are seen as they come and not while the
# link idles: pci_epf_vntb's doorbell interrupt on the endpoint, or its
# poll passes that found a doorbell rung when it polls (doorbell_mode
# poll, or a controller without a doorbell); ntb_hw_epf's MSIs on the
# host. Counted by the driver's own debugfs counters when it has them
# (this project's drivers: "kicks" or "poll_dbs" on the endpoint,
# "db_irqs" on the host), else from the driver's lines of
# /proc/interrupts (ntb_hw_epf's, or upstream's ntb_epf on the host).
# Runs on either side: PEER=198.18.0.2 ./vntb_doorbell_counters.sh
#
#   PINGS         pings of the burst (10); each reply is a doorbell here
#   IDLE_SECONDS  length of an idle window (3)
#   IDLE_TRIES    idle windows to try (3): the peer may still resolve our
#                 address once after the burst; set a permanent neighbour
#                 entry for this side on the peer to rule that out
#
# The peer's entry is the only neighbour traffic left: this side's entry
# for the peer is made permanent for the test, and removed afterwards.
. "$(dirname "$0")/lib.sh"

PINGS=${PINGS:-10}
IDLE_SECONDS=${IDLE_SECONDS:-3}
IDLE_TRIES=${IDLE_TRIES:-3}

ktap_print_header
need_link
case "$(vntb_side)" in
ep)
	irq_name=pci_epf_vntb counter=kicks dir=/sys/kernel/debug/pci-epf-vntb
	# Polled doorbells raise no interrupt: count the passes that saw one
	if grep -qsx "doorbell_mode poll" "$dir"/*/state; then
		counter=poll_dbs
		vntb_diag "the endpoint polls its doorbells (doorbell_mode poll)"
	fi
	;;
host)
	# Ours names its vectors ntb_hw_epf:DEVICE:N, upstream's ntb_epf
	irq_name='ntb_hw_epf|ntb_epf' counter=db_irqs dir=/sys/kernel/debug/ntb_hw_epf
	;;
*) vntb_skip_all "neither pci_epf_vntb nor ntb_hw_epf loaded" ;;
esac

# The driver's counters files, one per device, when it has them
set -- "$dir"/*/counters
if [ -r "$1" ] && grep -q "^$counter " "$1"; then
	vntb_diag "counting $counter in $dir/DEVICE/counters"
	what=$counter
else
	counter='' what="$irq_name interrupts"
	if ! grep -Eq "$irq_name" /proc/interrupts; then
		[ "$(vntb_side)" != ep ] ||
			vntb_skip_all "no $irq_name interrupt and no counters: a polled endpoint without this project's debugfs counters (upstream's pci-epf-vntb polls)"
		vntb_skip_all "no $irq_name interrupt in /proc/interrupts"
	fi
fi
ktap_set_plan 3

# irq_count: the driver's counter summed over its devices, or the sum
# over CPUs of the interrupt lines of irq_name (an extended regex)
irq_count() {
	if [ -n "$counter" ]; then
		awk -v n="$counter" '$1 == n { s += $2 } END { print s + 0 }' \
			"$dir"/*/counters
		return
	fi
	grep -E "$irq_name" /proc/interrupts |
		awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
		     END { print n + 0 }'
}

permanent_neighbour() {
	reach_peer 30 || { echo "$PEER does not answer"; return 1; }
	mac=$(ip neigh show "$PEER" dev "$NTB_IF" |
		sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p')
	[ -n "$mac" ] || { echo "no neighbour entry for $PEER"; return 1; }
	ip neigh replace "$PEER" lladdr "$mac" dev "$NTB_IF" nud permanent
}
vntb_check "permanent neighbour entry for $PEER" permanent_neighbour

burst() {
	before=$(irq_count)
	ping -c "$PINGS" -i 0.2 -W 5 "$PEER" >/dev/null || {
		echo "pings to $PEER lost"
		return 1
	}
	after=$(irq_count)
	echo "$what: $before -> $after"
	[ $((after - before)) -ge "$PINGS" ]
}
vntb_check "$PINGS pings: $PINGS or more $what" burst

idle() {
	try=1
	while :; do
		before=$(irq_count)
		sleep "$IDLE_SECONDS"
		after=$(irq_count)
		[ "$after" -eq "$before" ] && return 0
		echo "window $try: $what $before -> $after in ${IDLE_SECONDS}s"
		[ "$try" -lt "$IDLE_TRIES" ] || return 1
		try=$((try + 1))
	done
}
vntb_check "$what still for ${IDLE_SECONDS}s of idle link" idle

ip neigh del "$PEER" dev "$NTB_IF" 2>/dev/null

ktap_finished
