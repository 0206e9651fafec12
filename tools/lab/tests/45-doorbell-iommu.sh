#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The seed thread's claim, reproduced under the endpoint's SMMUv3 in strict
# mode: the embedded doorbell mapped DMA_FROM_DEVICE (the layer's choice)
# lets the host's inbound write through; mapped DMA_TO_DEVICE, the IOMMU
# refuses it with a permission fault and the endpoint never hears the
# kick. DMA_TO_DEVICE comes from the layer's test-only debugfs knob, which
# exists only in modules built with VNTB_FAULT_INJECTION=1 (the lab's test
# flavour). Bound again with DMA_FROM_DEVICE, the
# function counts, from zero, only the interrupts the host caused.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

knob=/sys/kernel/debug/pci-ep-doorbell/dma_to_device
tap_plan 4

if ! out=$(lab_start --function doorbell --iommu 2>&1); then
	tap_fail "lab boots with pci-epf-db-test and SMMUv3" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with pci-epf-db-test and SMMUv3"

# rebind Y|N: bind the function again with the knob set to Y or N, so that
# its doorbell is mapped again in that direction
rebind() {
	ep "set -e
	cd /sys/kernel/config/pci_ep
	epc=\$(ls controllers)
	echo 0 > controllers/\$epc/start
	rm controllers/\$epc/func1
	echo $1 > $knob
	ln -s functions/pci_epf_db_test/func1 controllers/\$epc/
	echo 1 > controllers/\$epc/start"
}

tap_check "DMA_FROM_DEVICE: the host's ring reaches the endpoint" \
	host 'db-test -n 1'

# doorbell interrupts the endpoint took so far (the kernel's count for the
# IRQ line, which survives the function's rebinding)
ep_irqs() {
	ep "grep pci_epf_db_test /proc/interrupts" | awk '{ print $2 + $3 }'
}

to_device_faults() {
	local out faults before after
	[ "$(ep "test -e $knob && echo yes")" = yes ] ||
		{ echo "no $knob: the layer was built without VNTB_FAULT_INJECTION=1"; return 1; }
	faults=$(ep 'dmesg | grep -c "event 0x13 received"')
	rebind Y || return 1
	before=$(ep_irqs)
	if out=$(lab run host --timeout 60 -- 'db-test -n 1 -t 2000'); then
		echo "the ring got through a DMA_TO_DEVICE mapping:"
		echo "$out"
		return 1
	fi
	after=$(ep_irqs)
	[ -n "$before" ] && [ "$after" = "$before" ] ||
		{ echo "endpoint doorbell interrupts: $before -> $after"; return 1; }
	[ "$(ep 'dmesg | grep -c "event 0x13 received"')" -gt "$faults" ] ||
		{ echo "no SMMU permission fault (event 0x13) logged"; return 1; }
}
tap_check "DMA_TO_DEVICE: the SMMU refuses the host's write (event 0x13)" \
	to_device_faults

from_device_again() {
	rebind N || return 1
	lab run host --timeout 60 -- 'db-test -n 1'
}
tap_check "DMA_FROM_DEVICE again: the ring gets through, counted once" \
	from_device_again
