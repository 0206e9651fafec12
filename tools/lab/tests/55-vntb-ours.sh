#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our vNTB pair beyond what upstream's does: both sides ours.
#
# - Interrupt-driven both ways: the host announces its commands with the
#   command doorbell, so the endpoint stops polling; an idle link runs no
#   NTB work item or timer on the endpoint; pings move the endpoint's
#   doorbell interrupt and the host's MSIs, which the endpoint raises with
#   a write of its own (the host published its MSI message; on the
#   DesignWare controller the host takes MSI-X, and the endpoint reads
#   each vector's message from the table in its own BAR).
# - DesignWare: a doorbell vector the host masks, or whose entry has a
#   reserved bit set, goes through the work item and the controller
#   instead; unmasked, it is raised directly again.
# - The NTB test clients: ntb_tool (doorbells both ways, the endpoint's
#   bit numbers reaching the host unchanged; scratchpads), ntb_pingpong,
#   ntb_perf.
# - Unloading and reloading the host's drivers while iperf3 runs, and
#   unbinding and rebinding the endpoint function while iperf3 runs: the
#   host reports the link down, the link comes back, traffic resumes; the
#   host sets the rebound endpoint up as soon as ntb_transport has let its
#   windows go, not after waiting for them. On the DesignWare controller
#   the bind clears the host's BAR addresses, as a real core's does, and
#   the host enumerates the function again first. The endpoint's virtual
#   PCI bus has a PCI domain no other bus uses, freed at the unbind and
#   taken again at the rebind.
# - kmemleak finds nothing our drivers (or the NTB stack) allocated and
#   lost across that reload and rebind.
# - The host's bar_map parameter refuses bad values and keeps its own.
# - No warning, lockdep or KASAN report on either side.
#
# The hostile endpoint is 56-vntb-hostile.sh. 59-vntb-dw.sh runs this file
# again on the DesignWare controller (LAB_CONTROLLER=dw).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ep_addr=198.18.0.1
host_addr=198.18.0.2
NTB_MODULES="pci_epf_vntb ntb_transport ntb_netdev pci_ep_doorbell ntb"
IDLE_SECONDS=3

tap_plan 16

if ! out=$(lab_start --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "lab boots with our vNTB pair" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with our vNTB pair"

# Leaks are judged from here on
leak_base=$(kmemleak_forget ep 2>&1 && kmemleak_forget host 2>&1)
leak_base_rc=$?

tap_check "the endpoint takes the host's commands by doorbell" \
	ep 'dmesg | grep "command polling stopped"'

# Work items and timers of the NTB modules that ran on the endpoint in
# IDLE_SECONDS of an idle link, from the workqueue and timer tracepoints
idle_wakeups() {
	ep "t=/sys/kernel/tracing
	syms=\$(awk '\$4 ~ /^\\[($(tr ' ' '|' <<<"$NTB_MODULES"))\\]\$/ { print \$3 }' /proc/kallsyms)
	echo > \$t/trace
	for e in workqueue/workqueue_execute_start timer/timer_expire_entry \\
		timer/hrtimer_expire_entry; do
		echo 1 > \$t/events/\$e/enable
	done
	echo 1 > \$t/tracing_on
	sleep $IDLE_SECONDS
	echo 0 > \$t/tracing_on
	echo 0 > \$t/events/enable
	n=0
	for f in \$(grep -o 'function[= ][A-Za-z0-9_.]*' \$t/trace | cut -c10-); do
		for s in \$syms; do
			[ \"\$f\" = \"\$s\" ] && { n=\$((n + 1)); echo \"\$f\"; }
		done
	done
	echo \"wakeups \$n\""
}

no_idle_wakeups() {
	local out
	quiet_neighbours "$ep_addr" "$host_addr" || return 1
	out=$(idle_wakeups)
	# Back to learnt entries: a reloaded ntb_netdev has a new address
	ep "ip neigh del $host_addr dev ntb0" &&
		host "ip neigh del $ep_addr dev ntb0" || return 1
	[ -n "$out" ] || return 1
	grep -qx "wakeups 0" <<<"$out" && return 0
	echo "NTB work items or timers on an idle link in ${IDLE_SECONDS}s:"
	sort <<<"$out" | uniq -c
	return 1
}
tap_check "no NTB work item or timer on the endpoint while the link idles" \
	no_idle_wakeups

# interrupts SIDE PATTERN: sum over CPUs of the /proc/interrupts lines
# whose name matches PATTERN
interrupts() {
	lab run "$1" -- "grep -E '$2' /proc/interrupts" |
		awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
		     END { print n + 0 }'
}

pings_interrupt() {
	local ep0 host0 ep1 host1
	ep0=$(interrupts ep pci_epf_vntb) || return 1
	host0=$(interrupts host ntb_hw_epf) || return 1
	host "ping -c 10 -i 0.2 -W 5 $ep_addr" >/dev/null || return 1
	ep1=$(interrupts ep pci_epf_vntb)
	host1=$(interrupts host ntb_hw_epf)
	echo "endpoint doorbell interrupts $ep0 -> $ep1, host MSIs $host0 -> $host1"
	[ $((ep1 - ep0)) -ge 10 ] && [ $((host1 - host0)) -ge 10 ]
}
tap_check "10 pings: 10+ doorbell interrupts on the endpoint, 10+ MSIs on the host" \
	pings_interrupt

# ep_counter NAME: the endpoint function's debugfs counter
ep_counter() {
	ep "awk '\$1 == \"$1\" { print \$2 }' /sys/kernel/debug/pci-epf-vntb/*/counters"
}

# Our host on MSI hands the endpoint its MSI message, and the endpoint
# raises the doorbells' MSIs with one write of its own: no work item. On
# the DesignWare controller the host takes MSI-X, and the endpoint writes
# each vector's message from the table in its control BAR the same way.
msi_path() {
	local direct="peer_db_direct" item="peer_db_msi" d0 d1 w0 w1
	local said="raising the host.s MSIs directly"
	if [ "${LAB_CONTROLLER:-lab}" = dw ]; then
		item="peer_db_msix" said="raising the host.s MSI-Xs directly"
	fi
	ep "dmesg | grep '$said'" || return 1
	d0=$(ep_counter $direct) && w0=$(ep_counter $item) || return 1
	host "ping -c 10 -i 0.2 -W 5 $ep_addr" >/dev/null || return 1
	d1=$(ep_counter $direct) && w1=$(ep_counter $item) || return 1
	echo "endpoint $direct $d0 -> $d1, $item $w0 -> $w1"
	[ $((d1 - d0)) -ge 10 ] && [ "$w1" = "$w0" ]
}
if [ "${LAB_CONTROLLER:-lab}" = dw ]; then
	tap_check "10 pings: the endpoint raises the host's MSI-Xs directly, none through its work item" \
		msi_path
else
	tap_check "10 pings: the endpoint raises the host's MSIs directly, none through its work item" \
		msi_path
fi

host_reload_under_traffic() {
	ep 'iperf3 -s -D' >/dev/null 2>&1
	host "iperf3 -c $ep_addr -t 30 >/dev/null 2>&1 &
	lab-wait -t 30 sh -c 'grep -q ntb0 /proc/net/dev'
	usleep 500000
	rmmod ntb_netdev ntb_transport ntb_hw_epf" || return 1
	host 'modprobe ntb_hw_epf && modprobe ntb_transport && modprobe ntb_netdev' ||
		return 1
	netdev_up host "$host_addr" || return 1
	carrier host 1 || return 1
	host "ping -c 3 -W 5 $ep_addr"
}
tap_check "host drivers unloaded under iperf3 and reloaded: ping works again" \
	host_reload_under_traffic

# A DesignWare core's set_bar() wrote the function's BAR registers at the
# bind: the host finds its BAR addresses gone and must enumerate the
# function again (Documentation/ntb/vntb-boards.rst), then give the new
# NTB device its interface as on the endpoint.
host_lost_bars() {
	local bar0
	bar0=$(host_bar0 0x1957 0x0809) || return 1
	case $bar0 in
	0000000?) ;;
	*) echo "the host's BAR0 still holds $bar0 after the endpoint's bind"
		return 1 ;;
	esac
	host_reenumerate 0x1957 0x0809 || return 1
	host 'lab-wait -t 30 sh -c "ls /sys/bus/pci/drivers/ntb_hw_epf | grep -q ^0000:"
	rmmod ntb_netdev
	modprobe ntb_netdev' || return 1
	netdev_up host "$host_addr"
}

# The PCI domain of the endpoint's virtual bus: that of the device the
# function marks with its driver_override
vbus_domain() {
	ep 'for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/driver_override 2>/dev/null)" = pci-epf-vntb ] &&
			basename $d | cut -d: -f1
	done; true'
}

# own_domain DOMAIN: the virtual bus and its device are all there is in it
own_domain() {
	ep "b=\$(ls /sys/class/pci_bus | grep -c '^$1:')
	d=\$(ls /sys/bus/pci/devices | grep -c '^$1:')
	[ \$b = 1 ] && [ \$d = 1 ] && exit 0
	echo \"domain $1: \$b buses, \$d devices; buses:\" \$(ls /sys/class/pci_bus)
	exit 1"
}

# Unbind the function while iperf3 runs (the controller stops, as
# configfs wants before the link goes), then bind it again. The virtual
# bus's PCI domain is its own, free once it is gone, and the rebound
# function's bus gets it again.
ep_rebind_under_traffic() {
	local dom
	dom=$(vbus_domain)
	[ -n "$dom" ] || { echo "no device on the endpoint's virtual bus"; return 1; }
	own_domain "$dom" || return 1
	host "iperf3 -c $ep_addr -t 30 >/dev/null 2>&1 &
	usleep 500000" || return 1
	vntb_unbind || return 1
	ep "! ls /sys/class/pci_bus | grep '^$dom:'" ||
		{ echo "domain $dom still has a bus after the unbind"; return 1; }
	carrier host 0 || { echo "the host did not report the link down"; return 1; }
	vntb_rebind || return 1
	[ "$(vbus_domain)" = "$dom" ] ||
		{ echo "the rebound function's bus is in domain '$(vbus_domain)', not the freed $dom"; return 1; }
	own_domain "$dom" || return 1
	netdev_up ep "$ep_addr" || return 1
	if epc_clears_host_bars; then
		host_lost_bars || return 1
	fi
	carrier host 1 || { echo "the link did not come back"; return 1; }
	carrier ep 1 || return 1
	# The first server still holds the interrupted test: a second one
	ep 'iperf3 -s -D -p 5202' || return 1
	host "ping -c 3 -W 5 $ep_addr" || return 1
	lab run host --timeout 60 -- "iperf3 -c $ep_addr -p 5202 -t 2"
}
tap_check "endpoint function unbound under iperf3: host sees link down, link and traffic come back; its bus's own PCI domain is freed and reused" \
	ep_rebind_under_traffic

# ntb_transport lets its windows go (mw_clear_trans) in its link clean-up:
# the host's set-up of the rebound endpoint, which waits for that, must
# not have waited for its timeout and said the client kept them.
windows_released() {
	local n
	n=$(lab run host -- 'dmesg | grep -c "the client keeps its windows"')
	[ "$n" = 0 ] && return 0
	echo "host: the client keeps its windows, logged ${n:-?} time(s)"
	return 1
}
tap_check "the rebound endpoint is set up once ntb_transport has let its windows go" \
	windows_released

# Before the NTB clients below unload modules: a suspected leak's
# backtrace names its module only while that is loaded.
if [ "$leak_base_rc" -ne 0 ]; then
	tap_skip "no object leaked by the vNTB drivers across reload and rebind" \
		"kmemleak unusable: ${leak_base//$'\n'/ }"
else
	no_leaks() {
		kmemleak_ours ep pci_epf_vntb pci_ep_doorbell "$(epc_module)" \
			ntb_transport ntb_netdev ntb &&
			kmemleak_ours host ntb_hw_epf ntb_transport ntb_netdev ntb
	}
	tap_check "no object leaked by the vNTB drivers across reload and rebind" \
		no_leaks
fi

# Swap the network stack, or another client, for an NTB test client on
# both sides, and wait for its debugfs directory
client() { # MODULE
	local side
	for side in ep host; do
		lab run "$side" -- "for m in ntb_netdev ntb_transport ntb_tool ntb_perf ntb_pingpong; do
			[ -d /sys/module/\$m ] && rmmod \$m
		done
		modprobe $1 &&
		lab-wait -t 30 sh -c 'ls /sys/kernel/debug/$1 | grep -q .'" || return 1
	done
}

ntb_tool_works() {
	local t='$(echo /sys/kernel/debug/ntb_tool/*)' db
	client ntb_tool || return 1
	ep "echo Y > $t/link" && host "echo Y > $t/link" || return 1
	lab run host -- "t=$t; lab-wait -t 30 grep -q Y \$t/peer0/link" || return 1
	host "echo 's 0x1' > $t/peer_db" || return 1
	# The embedded doorbell is one kick for every bit: the endpoint
	# signals all its doorbell vectors, bit 0 among them.
	db=$(ep "lab-wait -t 10 sh -c 'cat $t/db | grep -qv ^0x0\$'; cat $t/db")
	[ $((db & 1)) = 1 ] || { echo "host rang bit 0, endpoint sees db $db"; return 1; }
	ep "echo 'c $db' > $t/db" || return 1
	# A doorbell the endpoint's ntb_transport rang as it unloaded may
	# still be pending on the host: start from none.
	host "echo \"c \$(cat $t/db_valid_mask)\" > $t/db" || return 1
	ep "echo 's 0x2' > $t/peer_db" || return 1
	db=$(host "lab-wait -t 10 sh -c 'cat $t/db | grep -qv ^0x0\$'; cat $t/db")
	[ "$db" = 0x2 ] || { echo "endpoint rang bit 1, host sees db $db"; return 1; }
	host "echo 0x5eed > $t/peer0/spad3" || return 1
	[ "$(ep "cat $t/spad3")" = 0x5eed ] || { echo "scratchpad lost"; return 1; }
	ep "echo 0xcafe > $t/peer0/spad4" || return 1
	[ "$(host "cat $t/spad4")" = 0xcafe ] || { echo "scratchpad lost"; return 1; }
}
tap_check "ntb_tool: doorbell bits and scratchpads both ways" ntb_tool_works

# host_msix_ctrl SLOT [VALUE]: read (or write) the Vector Control word of
# the host's MSI-X entry SLOT through the host's BAR, found from the
# function's MSI-X capability. The table is the endpoint's memory.
host_msix_ctrl() {
	host "for d in /sys/bus/pci/devices/*; do
		[ \"\$(cat \$d/vendor):\$(cat \$d/device)\" = 0x1957:0x0809 ] || continue
		cfg() { od -A n -t u\$2 -j \$1 -N \$2 \$d/config | tr -d ' '; }
		p=\$(cfg 52 1)
		while [ \"\$p\" -ne 0 ] && [ \"\$(cfg \$p 1)\" -ne 17 ]; do
			p=\$(cfg \$((p + 1)) 1)
		done
		[ \"\$p\" -ne 0 ] || { echo 'no MSI-X capability'; exit 1; }
		t=\$(cfg \$((p + 4)) 4)
		base=\$(sed -n \"\$((t % 8 + 1))p\" \$d/resource | cut -d' ' -f1)
		devmem \$(printf 0x%x \$((base + t / 8 * 8 + $1 * 16 + 12))) 32 ${2:-}
		exit 0
	done
	echo 'no 0x1957:0x0809 function'
	exit 1"
}

# ep_counter_grows NAME FROM: wait until the endpoint's counter NAME is
# above FROM (the work item raises after peer_db_set() returns)
ep_counter_grows() {
	ep "lab-wait -t 10 sh -c 'awk -v n=$1 -v from=$2 \"\\\$1 == n && \\\$2 > from { ok = 1 } END { exit !ok }\" /sys/kernel/debug/pci-epf-vntb/*/counters'"
}

# The endpoint rings doorbell bit 1 (vector 3) with ntb_tool, the host's
# entry of that vector set to CTRL: masked (1), the ring goes to the work
# item, whose controller refuses a masked vector as DesignWare's does (no
# pending bit); a reserved bit set (2), the endpoint refuses the entry and
# the controller raises it; 0, the endpoint raises it directly again.
msix_ring() { # CTRL
	local t='$(echo /sys/kernel/debug/ntb_tool/*)'
	host "echo \"c \$(cat $t/db_valid_mask)\" > $t/db" &&
		host_msix_ctrl 3 "$1" >/dev/null &&
		ep "echo 's 0x2' > $t/peer_db"
}

# host_db_bit1: the host's ntb_tool sees doorbell bit 1
host_db_bit1() {
	local t='$(echo /sys/kernel/debug/ntb_tool/*)' db
	db=$(host "lab-wait -t 10 sh -c 'cat $t/db | grep -qv ^0x0\$'; cat $t/db")
	[ $((db & 2)) = 2 ] || { echo "endpoint rang bit 1, host sees db $db"; return 1; }
}

msix_fallback_steps() {
	local d f m r b
	d=$(ep_counter peer_db_direct) && f=$(ep_counter peer_db_failed) &&
		m=$(ep_counter peer_db_msix) &&
		r=$(ep_counter msix_direct_refused) &&
		b=$(ep_counter msix_direct_fallback) || return 1

	msix_ring 1 && ep_counter_grows peer_db_failed "$f" || return 1
	[ "$(ep_counter peer_db_direct)" = "$d" ] ||
		{ echo "masked: raised directly"; return 1; }
	ep_counter_grows msix_direct_fallback "$b" || return 1

	msix_ring 2 && host_db_bit1 && ep_counter_grows peer_db_msix "$m" ||
		return 1
	ep_counter_grows msix_direct_refused "$r" || return 1
	[ "$(ep_counter peer_db_direct)" = "$d" ] ||
		{ echo "reserved bit set: raised directly"; return 1; }

	msix_ring 0 && host_db_bit1 && ep_counter_grows peer_db_direct "$d"
}

msix_fallback() {
	local ctrl rc
	ctrl=$(host_msix_ctrl 3) || { echo "$ctrl"; return 1; }
	msix_fallback_steps
	rc=$?
	host_msix_ctrl 3 "$ctrl" >/dev/null || return 1
	return $rc
}
if [ "${LAB_CONTROLLER:-lab}" = dw ]; then
	tap_check "a masked or refused MSI-X vector goes through the controller, unmasked it is direct again" \
		msix_fallback
else
	tap_skip "a masked or refused MSI-X vector goes through the controller, unmasked it is direct again" \
		"the lab's controller offers no MSI-X"
fi

ntb_pingpong_works() {
	local p='$(echo /sys/kernel/debug/ntb_pingpong/*)' side n
	client ntb_pingpong || return 1
	for side in ep host; do
		lab run "$side" -- "lab-wait -t 30 sh -c '[ \$(cat $p/count) -gt 3 ]'" ||
			{ echo "$side: no ping-pong"; return 1; }
	done
	echo "counts: ep $(ep "cat $p/count"), host $(host "cat $p/count")"
}
tap_check "ntb_pingpong: doorbells bounce both ways" ntb_pingpong_works

ntb_perf_works() {
	local p='$(echo /sys/kernel/debug/ntb_perf/*)' out
	client ntb_perf || return 1
	lab run host -- "lab-wait -t 30 grep -q 'Link status: up' $p/info" || return 1
	out=$(lab run host --timeout 120 -- "echo 0 > $p/run && cat $p/run") ||
		return 1
	echo "$out"
	grep -q "copied [1-9]" <<<"$out"
}
tap_check "ntb_perf: the host copies through the memory window" ntb_perf_works

# bar_map, the host's BAR map for endpoints not laid out as their PCI
# ID's map (its use: 50-vntb-interop.sh): each bad value is refused with
# a line saying why and leaves the parameter as it was; a good one is
# taken and an empty one goes back to the per-ID maps.
bar_map_checked() {
	host 'p=/sys/module/ntb_hw_epf/parameters/bar_map
	echo 0,2,4 > $p && [ "$(cat $p)" = 0,2,4 ] ||
		{ echo "0,2,4 not taken: $(cat $p)"; exit 1; }
	for bad in 0,1 0,2,2 0,1,6 0,x,2 0,1,2,3,4,5,0 0,,2; do
		if echo "$bad" > $p 2>/dev/null; then
			echo "bar_map $bad was taken"; exit 1
		fi
		[ "$(cat $p)" = 0,2,4 ] ||
			{ echo "bar_map $bad changed it to $(cat $p)"; exit 1; }
		dmesg | grep -q "ntb_hw_epf: bar_map \"$bad\": " ||
			{ echo "no line for bar_map $bad"; exit 1; }
	done
	echo > $p && [ -z "$(cat $p)" ] || { echo "bar_map not emptied"; exit 1; }'
}
tap_check "bar_map refuses bad values, saying why, and keeps its own" \
	bar_map_checked

tap_check "no warning, lockdep or KASAN report on either side" logs_clean ep host

# A host command that comes before the host has set the rebound endpoint
# up (ntb_transport tearing down its window) finds the endpoint polling;
# the set-up that follows stops it again.
not_polling() {
	local last
	last=$(ep 'dmesg | grep -i "polling" | tail -n 1') || return 1
	[[ "$last" == *"command polling stopped"* ]] && return 0
	echo "the endpoint's last word on polling: $last"
	return 1
}
tap_check "the endpoint polls nothing in the end" not_polling
