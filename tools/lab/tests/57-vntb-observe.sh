#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What our vNTB pair shows of itself: the debugfs counters and state of
# both drivers, and their tracepoints (Documentation/ntb/vntb.rst,
# "Observability").
#
# - With our pair up, each side has its counters and state files, and the
#   state says what the pair negotiated: interrupt-driven doorbells, the
#   host's commands by doorbell (KICKED), their completions announced.
# - A ping burst moves the endpoint's kick, doorbell event and direct MSI
#   counters and the host's ring and doorbell interrupt counters by at
#   least the number of pings; the MSIs do not go through the work item
#   (our host publishes its MSI message).
# - An idle link leaves every counter of both sides as it was, and the
#   endpoint, KICKED, makes no poll pass.
# - The tracepoints record the doorbell path on both sides, and the
#   commands of a reloaded ntb_transport as they go round.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ep_addr=198.18.0.1
host_addr=198.18.0.2
PINGS=10
IDLE_SECONDS=3
T=/sys/kernel/tracing

# The one bound function, the one host device: their directories, as
# the guests' shells expand them
# shellcheck disable=SC2016
EP_DIR='$(echo /sys/kernel/debug/pci-epf-vntb/*/)'
# shellcheck disable=SC2016
HOST_DIR='$(echo /sys/kernel/debug/ntb_hw_epf/*/)'

tap_plan 9

if ! out=$(lab_start --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "lab boots with our vNTB pair" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with our vNTB pair"

# counters SIDE / state SIDE: that side's file
counters() {
	case "$1" in
	ep) ep "cat $EP_DIR/counters" ;;
	host) host "cat $HOST_DIR/counters" ;;
	esac
}

state() {
	case "$1" in
	ep) ep "cat $EP_DIR/state" ;;
	host) host "cat $HOST_DIR/state" ;;
	esac
}

# value NAME < FILE: the value of a "name value" line; fails when absent
value() {
	awk -v n="$1" '$1 == n { print $2; found = 1 } END { exit !found }'
}

# has SIDE FILE NAME...: the file of that side has lines for these names
has() {
	local side=$1 file=$2 out name rc=0
	shift 2
	out=$("$file" "$side") || { echo "$side: no $file file"; return 1; }
	for name in "$@"; do
		value "$name" <<<"$out" >/dev/null ||
			{ echo "$side $file: no $name"; rc=1; }
	done
	[ $rc = 0 ] || echo "$out"
	return $rc
}

files_exist() {
	has ep counters kicks kicks_spurious db_events db_event_0 \
		peer_db_set peer_db_msi peer_db_direct msi_direct_refused \
		msix_direct_refused msix_direct_fallback \
		peer_db_dropped peer_db_failed \
		link_msi poll_passes poll_cmds poll_dbs cmds \
		cmd_configure_doorbell cmd_link_up cmd_unknown cmd_errors &&
		has ep state doorbell_mode reach command_mode host_caps \
			host_db_vectors msix_direct link &&
		has host counters peer_db_set db_rings db_irqs db_irq_0 \
			link_irqs link_events cmds cmds_announced cmds_polled \
			cmd_timeouts refused_doorbell refused_extension \
			endpoint_gone &&
		has host state command_completion extension link
}
tap_check "counters and state files in debugfs on both sides" files_exist

# expect SIDE NAME VALUE: the state file of SIDE says NAME VALUE
expect() {
	local got
	got=$(state "$1" | value "$2")
	[ "$got" = "$3" ] && return 0
	echo "$1 state: $2 is '$got', not '$3'"
	return 1
}

negotiated() {
	# The host sets HOST_CAPS at probe; the endpoint switches on a kick
	ep "lab-wait -t 30 grep -qx 'command_mode KICKED' $EP_DIR/state" ||
		{ state ep; return 1; }
	expect ep doorbell_mode interrupt &&
		expect ep link up &&
		expect host command_completion announced &&
		expect host extension yes &&
		expect host link up
}
tap_check "state: interrupt doorbells, commands KICKED, completions announced" \
	negotiated

# delta NAME BEFORE AFTER: how much a counter moved between two files
delta() {
	local a b
	a=$(value "$1" <<<"$2") && b=$(value "$1" <<<"$3") || return 1
	echo $((b - a))
}

# at_least SIDE NAME MIN BEFORE AFTER: the counter moved by MIN or more
at_least() {
	local d
	d=$(delta "$2" "$4" "$5") || { echo "$1: no counter $2"; return 1; }
	echo "$1 $2 +$d"
	[ "$d" -ge "$3" ]
}

burst_moves_counters() {
	local ep0 host0 ep1 host1 rc=0 c
	ep0=$(counters ep) && host0=$(counters host) || return 1
	host "ping -c $PINGS -i 0.2 -W 5 $ep_addr" >/dev/null ||
		{ echo "pings lost"; return 1; }
	ep1=$(counters ep) && host1=$(counters host) || return 1
	# host -> endpoint: the host rings, the endpoint is kicked
	for c in peer_db_set db_rings; do
		at_least host $c $PINGS "$host0" "$host1" || rc=1
	done
	for c in kicks db_events; do
		at_least ep $c $PINGS "$ep0" "$ep1" || rc=1
	done
	# endpoint -> host: the endpoint raises MSIs, the host takes them;
	# our host on MSI has them raised directly, no work item (the
	# DesignWare controller's MSI-X would keep it)
	for c in peer_db_set peer_db_direct; do
		at_least ep $c $PINGS "$ep0" "$ep1" || rc=1
	done
	c=$(delta peer_db_msi "$ep0" "$ep1") || c='?'
	if [ "$c" != 0 ]; then
		echo "ep peer_db_msi +$c: the work item raised MSIs"
		rc=1
	fi
	at_least host db_irqs $PINGS "$host0" "$host1" || rc=1
	return $rc
}
tap_check "$PINGS pings move the kick, doorbell and direct MSI counters by $PINGS+ on both sides" \
	burst_moves_counters

# Counters of both sides before and after IDLE_SECONDS of an idle link:
# an interval to measure, not a condition to await. Sets the idle_*
# variables (so not run in a subshell), or idle_err on failure.
idle_ep0='' idle_ep1='' idle_host0='' idle_host1='' idle_err=''
measure_idle() {
	idle_err=$(quiet_neighbours "$ep_addr" "$host_addr" 2>&1) ||
		{ idle_err="no permanent neighbour entries: $idle_err"; return 1; }
	idle_ep0=$(counters ep) || { idle_err="ep: no counters"; return 1; }
	idle_host0=$(counters host) || { idle_err="host: no counters"; return 1; }
	sleep "$IDLE_SECONDS"
	idle_ep1=$(counters ep) || { idle_err="ep: no counters"; return 1; }
	idle_host1=$(counters host) || { idle_err="host: no counters"; return 1; }
	idle_err=$(expect ep command_mode KICKED)
}

idle_still() {
	local rc=0
	if [ -z "$idle_ep1" ] || [ -z "$idle_host1" ]; then
		echo "no idle measurement"
		return 1
	fi
	if [ "$idle_ep0" != "$idle_ep1" ]; then
		echo "endpoint counters moved in ${IDLE_SECONDS}s:"
		diff <(echo "$idle_ep0") <(echo "$idle_ep1")
		rc=1
	fi
	if [ "$idle_host0" != "$idle_host1" ]; then
		echo "host counters moved in ${IDLE_SECONDS}s:"
		diff <(echo "$idle_host0") <(echo "$idle_host1")
		rc=1
	fi
	return $rc
}

no_poll_pass() {
	local d
	[ -n "$idle_ep1" ] || { echo "no idle measurement"; return 1; }
	d=$(delta poll_passes "$idle_ep0" "$idle_ep1") ||
		{ echo "no poll_passes counter"; return 1; }
	echo "poll passes in ${IDLE_SECONDS}s: $d"
	[ "$d" = 0 ]
}

if measure_idle; then
	tap_check "${IDLE_SECONDS}s of idle link: no counter moves on either side" \
		idle_still
	tap_check "the endpoint, KICKED, makes no poll pass on the idle link" \
		no_poll_pass
else
	tap_fail "${IDLE_SECONDS}s of idle link: no counter moves on either side" \
		"$idle_err"
	tap_fail "the endpoint, KICKED, makes no poll pass on the idle link" \
		"no idle measurement"
fi
ep "ip neigh del $host_addr dev ntb0" >/dev/null 2>&1
host "ip neigh del $ep_addr dev ntb0" >/dev/null 2>&1

# trace_on SIDE SYSTEM / trace_off SIDE SYSTEM: that side's events of the
# trace system, recording into an empty buffer
trace_on() {
	lab run "$1" -- "[ -d $T/events/$2 ] || { echo 'no $2 events in tracefs'; exit 1; }
	echo 0 > $T/tracing_on
	echo > $T/trace
	echo 1 > $T/events/$2/enable
	echo 1 > $T/tracing_on"
}

trace_off() {
	lab run "$1" -- "echo 0 > $T/tracing_on; echo 0 > $T/events/$2/enable"
}

# recorded SIDE EVENT...: the trace of SIDE holds each event
recorded() {
	local side=$1 out e rc=0
	shift
	out=$(lab run "$side" -- "cat $T/trace") || return 1
	for e in "$@"; do
		grep -q " $e: " <<<"$out" || { echo "$side: no $e event"; rc=1; }
	done
	[ $rc = 0 ] || grep -v '^#' <<<"$out" | tail -n 20
	return $rc
}

pings_traced() {
	trace_on ep vntb_epf && trace_on host ntb_hw_epf || return 1
	host "ping -c 3 -i 0.2 -W 5 $ep_addr" >/dev/null ||
		{ echo "pings lost"; return 1; }
	trace_off ep vntb_epf && trace_off host ntb_hw_epf || return 1
	recorded ep vntb_epf_kick vntb_epf_db_event vntb_epf_peer_db_set \
		vntb_epf_msi &&
		recorded host ntb_hw_epf_peer_db_set ntb_hw_epf_ring \
			ntb_hw_epf_db_irq
}
tap_check "tracepoints record the doorbell path of pings on both sides" \
	pings_traced

# reaches SIDE NAME MIN: wait until the counter NAME of SIDE is MIN or more
reaches() {
	local dir=$EP_DIR
	[ "$1" = host ] && dir=$HOST_DIR
	lab run "$1" -- "lab-wait -t 60 awk -v min=$3 \
		'\$1 == \"$2\" && \$2 >= min { ok = 1 } END { exit !ok }' \
		$dir/counters"
}

# The host's ntb_transport goes and comes back: the link goes down and
# up again and the windows are torn down and set up, all by commands.
commands_traced_and_counted() {
	local ep0 host0 ep1 host1 want rc=0
	ep0=$(counters ep) && host0=$(counters host) || return 1
	trace_on ep vntb_epf && trace_on host ntb_hw_epf || return 1
	host 'rmmod ntb_netdev ntb_transport && modprobe ntb_transport' ||
		return 1
	# Once the link is up again, ntb_transport sets its window up
	want=$(($(value cmd_configure_mw <<<"$ep0") + 1))
	reaches ep cmd_configure_mw "$want" ||
		{ echo "the endpoint got no CONFIGURE_MW"; rc=1; }
	trace_off ep vntb_epf && trace_off host ntb_hw_epf || return 1
	ep1=$(counters ep) && host1=$(counters host) || return 1
	at_least ep cmd_link_down 1 "$ep0" "$ep1" || rc=1
	at_least ep cmd_link_up 1 "$ep0" "$ep1" || rc=1
	at_least host cmds_announced 3 "$host0" "$host1" || rc=1
	[ "$(delta cmds_polled "$host0" "$host1")" = 0 ] ||
		{ echo "host: commands polled"; rc=1; }
	[ "$(delta cmd_timeouts "$host0" "$host1")" = 0 ] ||
		{ echo "host: commands timed out"; rc=1; }
	recorded ep vntb_epf_cmd || rc=1
	recorded host ntb_hw_epf_cmd_issue ntb_hw_epf_cmd_complete || rc=1
	return $rc
}
tap_check "ntb_transport reloaded on the host: commands counted and traced on both sides, none polled" \
	commands_traced_and_counted

tap_check "no warning, lockdep or KASAN report on either side" logs_clean ep host
