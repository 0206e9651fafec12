# SPDX-License-Identifier: GPL-2.0
# Shared by the lab tests: TAP output in the kselftest format, and a lab
# run directory of its own per test file that is always torn down.

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
LAB_RUN=${LAB_RUN:-$LAB_TOP/out/run/$(basename "$0" .sh)}
tap_n=0

tap_total=0

tap_plan() {
	tap_total=$1
	echo "TAP version 13"
	echo "1..$1"
}

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1"
}

# tap_fail DESC [DIAGNOSTIC...]
tap_fail() {
	local d=$1
	shift
	tap_n=$((tap_n + 1))
	echo "not ok $tap_n $d"
	[ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/# /'
}

# tap_skip DESC REASON
tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $1 # SKIP $2"
}

# tap_check DESC CMD...: ok when CMD succeeds; its output is the diagnostic
tap_check() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then
		tap_ok "$d"
	else
		tap_fail "$d" "$out"
	fi
}

# tap_skip_rest REASON: skip every test still planned, then stop
tap_skip_rest() {
	while [ "$tap_n" -lt "$tap_total" ]; do
		tap_skip "remaining test" "$1"
	done
	exit 0
}

# tap_fail_rest REASON: fail every test still planned, then stop
tap_fail_rest() {
	while [ "$tap_n" -lt "$tap_total" ]; do
		tap_fail "remaining test" "$1"
	done
	exit 1
}

lab() {
	"$LAB_TOP/tools/lab/lab" --run-dir "$LAB_RUN" "$@"
}

# ep CMD / host CMD: run a shell command in that machine
ep() {
	lab run ep -- "$@"
}

host() {
	lab run host -- "$@"
}

# Kernel messages that mean something went wrong, whatever a test did
BAD_LOG='WARNING:|BUG:|KASAN|Oops|circular locking|possible recursive locking|sleeping function called|Call Trace'

# logs_clean SIDE...: no BAD_LOG message in those sides' kernel logs
logs_clean() {
	local side out rc=0
	for side in "$@"; do
		out=$(lab run "$side" -- dmesg) || { echo "$side: no dmesg"; return 1; }
		if grep -Eq "$BAD_LOG" <<<"$out"; then
			echo "$side:"
			grep -E -A 12 "$BAD_LOG" <<<"$out" | head -n 40
			rc=1
		fi
	done
	return $rc
}

# kmemleak_forget SIDE: scan for leaks and set every object suspected so
# far aside, so that kmemleak_ours only reports what happens after.
kmemleak_forget() {
	lab run --timeout 300 "$1" -- 'k=/sys/kernel/debug/kmemleak
	[ -e $k ] || { echo "no $k: kernel without CONFIG_DEBUG_KMEMLEAK"; exit 1; }
	echo scan > $k && echo clear > $k'
}

# kmemleak_ours SIDE MODULE...: scan (twice: an object referenced only
# from a register at the first scan is not reported at the second) and
# fail, listing them, if any suspected leak was allocated by code in one
# of the MODULEs, or in a module unloaded since (its frames are bare
# addresses): the tests unload only the modules they name.
kmemleak_ours() {
	local side=$1 re out
	shift
	re=$(printf '[[]%s[]]|' "$@")
	out=$(lab run --timeout 300 "$side" -- 'k=/sys/kernel/debug/kmemleak
	echo scan > $k && echo scan > $k && cat $k') || return 1
	awk -v re="${re}^ *0x[0-9a-f]+\$" -v side="$side" '
		function flush() {
			if (hit) { printf "%s", rec; n++ }
			rec = ""; hit = 0
		}
		/^unreferenced object/ { flush() }
		{ rec = rec $0 "\n"; if ($0 ~ re) hit = 1 }
		END {
			flush()
			if (n) { print side ": " n " suspected leak(s)"; exit 1 }
		}' <<<"$out"
}

# quiet_neighbours EP-ADDR HOST-ADDR: permanent neighbour entries for
# ntb0 on both sides of a one-ep lab, so that an idle link carries no ARP
quiet_neighbours() {
	local ep_mac host_mac
	ep_mac=$(ep 'cat /sys/class/net/ntb0/address') || return 1
	host_mac=$(host 'cat /sys/class/net/ntb0/address') || return 1
	ep "ip neigh replace $2 lladdr $host_mac dev ntb0 nud permanent" &&
		host "ip neigh replace $1 lladdr $ep_mac dev ntb0 nud permanent"
}

lab_teardown() {
	lab down >/dev/null 2>&1 || true
}

# lab_start ARGS...: boot a lab for this test file, on the controller
# LAB_CONTROLLER names (lab up --controller; default: lab up's) unless
# ARGS name one. A lab that does not boot fails the test that needed it;
# the caller decides what else still makes sense. Whatever happens, the
# lab goes down with the test file.
lab_start() {
	lab up ${LAB_CONTROLLER:+--controller "$LAB_CONTROLLER"} "$@"
}

# The endpoint's controller-side module of the doorbell, per controller
epc_module() {
	case ${LAB_CONTROLLER:-lab} in
	dw) echo pcie_designware_ep_doorbell ;;
	*) echo pcie_lab_epc ;;
	esac
}

# netdev_up SIDE ADDR: the interface ntb_netdev made on SIDE up as ntb0 with
# ADDR/24, named and addressed as lab up does
netdev_up() {
	lab run "$1" -- "set -e
	lab-wait -t 60 sh -c 'grep -lsx DRIVER=ntb_netdev /sys/class/net/*/device/uevent | grep -q .'
	dev=\$(grep -lsx DRIVER=ntb_netdev /sys/class/net/*/device/uevent | head -n 1 | cut -d/ -f5)
	[ \"\$dev\" = ntb0 ] || ip link set \"\$dev\" name ntb0
	echo 1 > /proc/sys/net/ipv6/conf/ntb0/disable_ipv6
	ip addr add $2/24 dev ntb0
	ip link set ntb0 up"
}

# ntb_tool_up: ntb_tool instead of the network stack on both sides, its
# link enabled on both, and the host seeing the peer's link up
NTB_TOOL='$(echo /sys/kernel/debug/ntb_tool/*)'
ntb_tool_up() {
	local side
	for side in ep host; do
		lab run "$side" -- "for m in ntb_netdev ntb_transport ntb_tool; do
			[ -d /sys/module/\$m ] && rmmod \$m
		done
		modprobe ntb_tool &&
		lab-wait -t 30 sh -c 'ls /sys/kernel/debug/ntb_tool | grep -q .' &&
		echo Y > $NTB_TOOL/link" || return 1
	done
	lab run host -- "lab-wait -t 30 grep -q Y $NTB_TOOL/peer0/link"
}

# vntb_unbind / vntb_rebind: take the endpoint's vNTB function off its
# controller (stopped first, as configfs wants before the link goes), and
# put it back. ntb_netdev makes its interface when it loads, for the NTB
# devices present then (ntb_transport_register_client_dev()): the rebound
# function's new device gets one when it loads again.
vntb_unbind() {
	ep 'set -e
	cd /sys/kernel/config/pci_ep
	epc=$(ls controllers)
	echo 0 > controllers/$epc/start
	rm functions/pci_epf_vntb/func1/primary/$epc'
}

vntb_rebind() {
	ep 'set -e
	cd /sys/kernel/config/pci_ep
	epc=$(ls controllers)
	ln -s controllers/$epc functions/pci_epf_vntb/func1/primary/
	echo 1 > controllers/$epc/start
	rmmod ntb_netdev
	modprobe ntb_netdev'
}

# carrier SIDE 0|1: wait until SIDE's ntb0 has (no) carrier
carrier() {
	lab run "$1" -- "lab-wait -t 60 grep -qx $2 /sys/class/net/ntb0/carrier"
}

# True when the lab's controller, like a real DesignWare core, writes the
# BAR registers the host assigned whenever a function binds (set_bar()):
# the host must then enumerate the function again (host_reenumerate).
epc_clears_host_bars() {
	[ "${LAB_CONTROLLER:-lab}" = dw ]
}

# host_bar0 VENDOR DEVICE: the BAR0 register of the host's function with
# these IDs, as its configuration space holds it (not the kernel's copy)
host_bar0() {
	host "for d in /sys/bus/pci/devices/*; do
		[ \"\$(cat \$d/vendor):\$(cat \$d/device)\" = $1:$2 ] || continue
		od -A n -t x4 -j 16 -N 4 \$d/config | tr -d ' '
		exit 0
	done
	echo 'no $1:$2 function' >&2
	exit 1"
}

# host_reenumerate VENDOR DEVICE: remove the host's function with these
# IDs and rescan, as a host does once the endpoint cleared the BAR
# addresses it had assigned; fails unless the function comes back with an
# address in BAR0.
host_reenumerate() {
	host "set -e
	ids() { echo \"\$(cat \$1/vendor):\$(cat \$1/device)\"; }
	gone=
	for d in /sys/bus/pci/devices/*; do
		[ \"\$(ids \$d)\" = $1:$2 ] || continue
		echo 1 > \$d/remove
		gone=1
	done
	[ -n \"\$gone\" ] || { echo 'no $1:$2 function to remove'; exit 1; }
	echo 1 > /sys/bus/pci/rescan" || return 1
	case $(host_bar0 "$1" "$2") in
	''|0000000?) echo "$1:$2 has no BAR0 address after the rescan"
		return 1 ;;
	esac
}

trap lab_teardown EXIT
trap 'exit 130' INT TERM
