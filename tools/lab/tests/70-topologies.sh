#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Labs of more than one link, our vNTB pair on each (lab up --topology):
#
# - two-ep: two endpoint machines, ep0 and ep1, each linked to the host,
#   which forwards between them. Every link up; ping host <-> ep0, host
#   <-> ep1, and ep0 <-> ep1 one hop through the host; iperf3 ep0 -> ep1
#   and ep1 -> ep0 through the host; our drivers on all three machines;
#   no warning, lockdep or KASAN report on any.
# - two-fn: one endpoint machine with two controllers, two instances of
#   pci-epf-vntb on them, two interfaces on each side. Both instances in
#   configfs and on the pci-epf bus, the host with two ntb_hw_epf
#   devices; ping and iperf3 over each link; clean logs. Then one
#   instance goes (vntb-setup down): its interface goes on the endpoint,
#   the host's loses its carrier once it sends over it, the other link
#   still carries ping and iperf3, the logs stay clean.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# The addresses "lab up" gives (tools/lab/lib/vntblab/topologies.py)
host_a=198.18.1.1
ep_a=198.18.1.2
host_b=198.18.2.1
ep_b=198.18.2.2
# Hops between ep0 and ep1: the host only
TTL_ONE_HOP=63

TWO_EP_CASES=8
TWO_FN_CASES=10
tap_plan $((TWO_EP_CASES + TWO_FN_CASES))

# fail_cases N REASON: the rest of a suite
fail_cases() {
	local i
	for ((i = 0; i < $1; i++)); do
		tap_fail "remaining test" "$2"
	done
}

# ours MACHINE MODULE: MODULE is loaded on MACHINE from the project's
# build (an out-of-tree module, taint O)
ours() {
	local taint
	taint=$(lab run "$1" -- "cat /sys/module/$2/taint") ||
		{ echo "$2 is not loaded on $1"; return 1; }
	[[ "$taint" == *O* ]] && return 0
	echo "$1: $2 has taint '$taint': not our build"
	return 1
}

# up MACHINE IFACE...: each interface is up with its carrier
up() {
	local m=$1 dev s
	shift
	for dev in "$@"; do
		s=$(lab run "$m" -- "cat /sys/class/net/$dev/operstate") ||
			{ echo "$m: no $dev"; return 1; }
		[ "$s" = up ] || { echo "$m: $dev is $s"; return 1; }
	done
}

# ping_ttl MACHINE ADDR TTL: ping answers, with TTL in the replies
ping_ttl() {
	local out
	out=$(lab run "$1" -- "ping -c 3 -W 5 $2") || { echo "$out"; return 1; }
	grep -q "ttl=$3 " <<<"$out" && return 0
	echo "$1: replies from $2 without ttl=$3:"
	echo "$out"
	return 1
}

# iperf3_to CLIENT ADDR [-R]: iperf3 from CLIENT to a server at ADDR
iperf3_to() {
	lab run "$1" --timeout 120 -- "iperf3 -c $2 -t 3 ${3:-}"
}

# boot_topology NAME CASES DESC: boot topology NAME with our pair; when
# it does not boot, fail DESC and the suite's other CASES - 1 cases
boot_topology() {
	local out
	if ! out=$(lab_start --topology "$1" --ep-driver ours \
		--host-driver ours 2>&1); then
		tap_fail "$1: $3" "$out"
		lab_teardown
		fail_cases $(($2 - 1)) "the lab did not boot"
		return 1
	fi
	tap_ok "$1: $3"
}

two_ep() {
	boot_topology two-ep "$TWO_EP_CASES" "lab boots, every link comes up" ||
		return

	drivers() {
		ours ep0 pci_epf_vntb && ours ep1 pci_epf_vntb &&
			ours host ntb_hw_epf
	}
	tap_check "two-ep: our drivers on ep0, ep1 and the host" drivers

	links() {
		up ep0 ntb0 && up ep1 ntb0 && up host ntb0 ntb1
	}
	tap_check "two-ep: ep0 ntb0, ep1 ntb0, host ntb0 and ntb1 up" links

	ping_ep0() {
		ping_ttl host $ep_a 64 && ping_ttl ep0 $host_a 64
	}
	tap_check "two-ep: ping host <-> ep0" ping_ep0

	ping_ep1() {
		ping_ttl host $ep_b 64 && ping_ttl ep1 $host_b 64
	}
	tap_check "two-ep: ping host <-> ep1" ping_ep1

	ping_across() {
		ping_ttl ep0 $ep_b $TTL_ONE_HOP &&
			ping_ttl ep1 $ep_a $TTL_ONE_HOP
	}
	tap_check "two-ep: ping ep0 <-> ep1 through the host" ping_across

	iperf3_across() {
		lab run ep0 -- 'iperf3 -s -D' || return 1
		lab run ep1 -- 'iperf3 -s -D' || return 1
		iperf3_to ep0 $ep_b || return 1
		iperf3_to ep1 $ep_a
	}
	tap_check "two-ep: iperf3 ep0 -> ep1 and ep1 -> ep0 through the host" \
		iperf3_across

	tap_check "two-ep: no warning, lockdep or KASAN report on any machine" \
		logs_clean ep0 ep1 host
	lab_teardown
}

two_fn() {
	local out
	boot_topology two-fn "$TWO_FN_CASES" "lab boots, both links come up" ||
		return

	# Two functions in configfs, each with a controller of its own as
	# its primary interface, two function devices on the pci-epf bus;
	# two ntb_hw_epf devices on the host.
	instances() {
		local n out
		# Each function's primary/ holds a link named after its
		# controller
		out=$(ep 'cd /sys/kernel/config/pci_ep/functions/pci_epf_vntb &&
			ls func1/primary func2/primary' | grep -v '^func\|^$') ||
			{ echo "no controller linked as a primary"; return 1; }
		n=$(sort -u <<<"$out" | wc -l)
		[ "$n" -eq 2 ] ||
			{ echo "func1, func2 primaries: $out"; return 1; }
		n=$(ep 'ls /sys/bus/pci-epf/devices' | grep -c '^pci_epf_vntb\.') ||
			{ echo "no pci_epf_vntb device on the pci-epf bus"; return 1; }
		[ "$n" -eq 2 ] ||
			{ echo "$n pci_epf_vntb devices, not 2"; return 1; }
		n=$(host 'ls /sys/bus/pci/drivers/ntb_hw_epf' | grep -c ':') ||
			{ echo "no ntb_hw_epf device on the host"; return 1; }
		[ "$n" -eq 2 ] || { echo "$n ntb_hw_epf devices, not 2"; return 1; }
	}
	tap_check "two-fn: two function instances on two controllers, two host devices" \
		instances

	drivers() {
		ours ep pci_epf_vntb && ours host ntb_hw_epf
	}
	tap_check "two-fn: our drivers on both sides" drivers

	links() {
		up ep ntb0 ntb1 && up host ntb0 ntb1
	}
	tap_check "two-fn: ntb0 and ntb1 up on both sides" links

	ping_each() {
		ping_ttl host $ep_a 64 && ping_ttl ep $host_a 64 &&
			ping_ttl host $ep_b 64 && ping_ttl ep $host_b 64
	}
	tap_check "two-fn: ping both ways over each link" ping_each

	iperf3_each() {
		ep 'iperf3 -s -D' || return 1
		iperf3_to host $ep_a || return 1
		iperf3_to host $ep_a -R || return 1
		iperf3_to host $ep_b || return 1
		iperf3_to host $ep_b -R
	}
	tap_check "two-fn: iperf3 both ways over each link" iperf3_each

	tap_check "two-fn: no warning, lockdep or KASAN report" \
		logs_clean ep host

	# The second instance goes: vntb-setup stops its controller first,
	# as configfs wants, so the link is down before the function could
	# tell the host. The host learns it when it rings the gone
	# endpoint's doorbell (it looks at the link a second later): its
	# packets over ntb1 find no one, and ntb1 loses its carrier.
	unbind() {
		local epc
		epc=$(ep 'ls /sys/kernel/config/pci_ep/functions/pci_epf_vntb/func2/primary') ||
			return 1
		ep "vntb-setup down --name func2 --controller $epc" || return 1
		ep 'test ! -e /sys/kernel/config/pci_ep/functions/pci_epf_vntb/func2 &&
			test ! -e /sys/class/net/ntb1 &&
			test -e /sys/class/net/ntb0' ||
			{ echo "ep: func2 or ntb1 still there, or ntb0 gone"; return 1; }
		if host "ping -c 2 -W 2 $ep_b"; then
			echo "host: the removed function's address still answers"
			return 1
		fi
		host 'lab-wait -t 60 grep -qx 0 /sys/class/net/ntb1/carrier'
	}
	tap_check "two-fn: one instance removed, the host's ntb1 then loses its carrier" \
		unbind

	other_link() {
		ping_ttl host $ep_a 64 || return 1
		iperf3_to host $ep_a || return 1
		iperf3_to host $ep_a -R
	}
	tap_check "two-fn: the other link still carries ping and iperf3" \
		other_link

	tap_check "two-fn: no warning, lockdep or KASAN report after the removal" \
		logs_clean ep host
	lab_teardown
}

two_ep
two_fn
