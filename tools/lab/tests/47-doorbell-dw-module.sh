#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The DesignWare doorbell module's life cycle, on the lab's DesignWare
# controller with our doorbell test function (pci-epf-db-test) holding
# the doorbell: the module registered it at load; it cannot be unloaded
# while the function holds it (its handler lowers the eDMA's emulated
# interrupt: without it a ring would leave the shared line asserted);
# once the function is unbound it unloads and leaves dw-edma alone on the
# line; a function bound without it finds no doorbell and fails its bind
# cleanly; loaded again, the function binds and, once the host enumerated
# it again (the bind rewrote its BAR registers), the host's rings arrive.
# No warning, and no "nobody cared" on the line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

MOD=pcie_designware_ep_doorbell
tap_plan 7

if ! out=$(lab_start --controller dw --function doorbell 2>&1); then
	tap_fail "lab boots with pci-epf-db-test on the DesignWare controller" \
		"$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with pci-epf-db-test on the DesignWare controller"

# The function in or out of the controller (configfs, as lab up bound it)
function_out() {
	ep 'set -e
	cd /sys/kernel/config/pci_ep
	epc=$(ls controllers)
	echo 0 > controllers/$epc/start
	rm controllers/$epc/func1'
}

function_in() {
	ep 'cd /sys/kernel/config/pci_ep
	epc=$(ls controllers)
	ln -s functions/pci_epf_db_test/func1 controllers/$epc/ &&
		echo 1 > controllers/$epc/start'
}

held() {
	local out
	ep "dmesg | grep -q '$MOD: embedded doorbell: eDMA v0 at'" ||
		{ echo "no registration line"; return 1; }
	if out=$(ep "rmmod $MOD" 2>&1); then
		echo "rmmod succeeded while the function holds the doorbell"
		return 1
	fi
	echo "$out"
	ep "test -d /sys/module/$MOD"
}
tap_check "registered at load; rmmod refused while the function holds it" \
	held

released() {
	function_out || return 1
	ep "rmmod $MOD" || return 1
	# dw-edma's handler alone on the eDMA's line
	ep "grep dw-edma-core: /proc/interrupts | grep -qv -e $MOD -e ', '" || {
		ep 'grep dw-edma-core: /proc/interrupts'
		return 1
	}
}
tap_check "the function unbound: the module unloads, dw-edma keeps its line" \
	released

no_doorbell() {
	local out
	if function_in; then
		echo "the function bound without a doorbell"
		return 1
	fi
	out=$(ep 'dmesg | tail -n 20')
	grep -q "no doorbell: -19" <<<"$out" || { echo "$out"; return 1; }
	# Unlink what the failed bind left in configfs
	ep 'cd /sys/kernel/config/pci_ep
	epc=$(ls controllers)
	rm -f controllers/$epc/func1'
}
tap_check "without the module the function's bind fails cleanly (no doorbell)" \
	no_doorbell

back() {
	local out
	ep "modprobe $MOD" || return 1
	function_in || return 1
	# The bind's set_bar() cleared the BAR addresses the host assigned
	host_reenumerate 0x1234 0xdb01 || return 1
	out=$(lab run host --timeout 300 -- 'db-test -n 1000' 2>&1)
	grep -qx PASS <<<"$out" || { echo "$out"; return 1; }
}
tap_check "loaded again, the function binds and 1000 + 1 rings arrive" back

line_kept() {
	local out
	out=$(ep 'dmesg | grep -E "nobody cared|Disabling IRQ"')
	[ -z "$out" ] || { echo "$out"; return 1; }
}
tap_check "no \"nobody cared\": the eDMA's line stays enabled" line_kept

tap_check "no warning, lockdep or KASAN report" logs_clean ep host
