#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Endpoint doorbells across the link: our pci-epf-db-test allocates a
# doorbell from the doorbell layer and publishes where the host rings it;
# the host's db-test rings it N times (N = 1, 1000, 100000), then writes a
# final sequence number and rings once more, and passes when the
# endpoint's interrupt handler has seen that number (no lost final kick)
# and counted at least one and at most as many interrupts as rings (kicks
# coalesce). Then the round trip: the host's pci_ep_db_test rings, the
# endpoint answers with an MSI, ECHO_SAMPLES times. Both ways of reaching
# the controller's embedded doorbell (a BAR the function maps onto it;
# the controller's own fixed BAR), each on lab-epc without and with the
# endpoint's SMMUv3 in strict mode, and on the DesignWare controller,
# where the doorbell is its eDMA's interrupt emulation and our
# pcie-designware-ep-doorbell module provides it.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

RINGS="1 1000 100000"
ECHO_SAMPLES=100
# A ring is a message on the link: 100000 of them take a while under TCG
RING_TIMEOUT=600
# pci_ep_db_test's round trip, in the host's kernel
RTT_CMD="d=\$(echo /sys/kernel/debug/pci_ep_db_test/*) &&
	echo $ECHO_SAMPLES > \$d/rtt && cat \$d/rtt"

# Where the doorbell must be in each variant (functions.py)
declare -A PLACEMENT=([doorbell]="mapped by the function"
	[doorbell-bar]="pre-exposed")
declare -A DB_BAR=([doorbell]=1 [doorbell-bar]=4)

tap_plan $((3 * 2 * (2 + $(wc -w <<<"$RINGS"))))

# suite FUNCTION LABEL [LAB UP ARGS...]
suite() {
	local fn=$1 label=$2 out n line
	shift 2
	if ! out=$(lab_start --function "$fn" "$@" 2>&1); then
		tap_fail "$label: lab boots with pci-epf-db-test" "$out"
		lab_teardown
		for n in $RINGS echo; do
			tap_fail "$label: $n" "the lab did not boot"
		done
		return
	fi

	# db-test prints where the endpoint says the doorbell is
	out=$(lab run host --timeout 60 -- "db-test -n 0" 2>&1)
	line=$(grep '^device ' <<<"$out")
	if [[ "$line" == *"doorbell BAR${DB_BAR[$fn]} "*"${PLACEMENT[$fn]}"* ]]; then
		tap_ok "$label: doorbell in BAR${DB_BAR[$fn]}, ${PLACEMENT[$fn]}"
	else
		tap_fail "$label: doorbell in BAR${DB_BAR[$fn]}, ${PLACEMENT[$fn]}" \
			"$out" "endpoint: $(ep 'dmesg | tail -n 20' 2>&1)"
	fi

	for n in $RINGS; do
		out=$(lab run host --timeout "$RING_TIMEOUT" -- \
			"db-test -n $n" 2>&1)
		line=$(grep '^rings ' <<<"$out")
		if grep -qx PASS <<<"$out"; then
			tap_ok "$label: $n + 1 rings, ${line#rings * }"
		else
			tap_fail "$label: $n + 1 rings, no lost final kick" "$out"
		fi
	done

	out=$(lab run host --timeout "$RING_TIMEOUT" -- "$RTT_CMD" 2>&1)
	if grep -q "^samples $ECHO_SAMPLES p50_us " <<<"$out"; then
		tap_ok "$label: ring -> MSI answer round trip, $out"
	else
		tap_fail "$label: ring -> MSI answer round trip" "$out" \
			"host: $(host 'dmesg | tail -n 5' 2>&1)"
	fi
	lab_teardown
}

suite doorbell "mapped, no IOMMU"
suite doorbell "mapped, SMMUv3 strict" --iommu
suite doorbell-bar "pre-exposed, no IOMMU"
suite doorbell-bar "pre-exposed, SMMUv3 strict" --iommu
suite doorbell "DesignWare, mapped" --controller dw
suite doorbell-bar "DesignWare, pre-exposed" --controller dw
