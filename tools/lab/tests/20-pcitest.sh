#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Proof by code nobody here wrote: upstream's pci-epf-test on the endpoint,
# pci_endpoint_test on the host, and the kernel's own pcitest tool driving
# the cases of its pcitest.sh across the lab link: every BAR, INTx, MSI 1-32,
# READ, WRITE and COPY. pcitest.sh's 2048 MSI-X cases each wait a second
# for an interrupt that a function without MSI-X never raises, so on
# lab-epc, which has no MSI-X, MSI-X gets one probe instead; on the
# DesignWare controller, which has, the function offers 8 vectors and each
# is raised. Run on lab-epc twice: plain, and with the
# endpoint's SMMUv3 in strict mode, so that every inbound access is
# translated and permission-checked. Then on the DesignWare controller
# (Linux's own pcie-designware-plat and dw-edma): the same cases, READ and
# WRITE again through dw-edma (pcitest -d), and once more while the
# endpoint rings the eDMA's embedded doorbell on the interrupt line
# dw-edma shares with our doorbell module: both must keep working, and
# the line must not be disabled ("nobody cared").
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# report LABEL FILE NVEC MSIX-WHY [INTX-WHY]: one TAP line per pcitest.sh
# case; MSIX-WHY says why the host has no MSI-X (empty: the MSI-X cases
# count like the others), INTX-WHY (when given) why the endpoint cannot
# raise INTx
report() {
	local label=$1 file=$2 nvec=$3 msix_why=$4 intx_why=${5:-} name res n \
		msix_ok=0 msix_bad=0
	while IFS= read -r line; do
		case "$line" in
		*:*OKAY | *:*"TEST FAILED") ;;
		*) continue ;;
		esac
		name=$(echo "${line%%:*}" | tr -s ' \t' ' ')
		res=$(echo "${line#*:}" | tr -d '\t' | sed 's/^ *//')
		case "$name" in
		MSI-X* | *"TO MSI-X")
			if [ -n "$msix_why" ]; then
				if [ "$res" = OKAY ]; then
					msix_ok=$((msix_ok + 1))
				else
					msix_bad=$((msix_bad + 1))
				fi
				continue
			fi
			;;
		"LEGACY IRQ")
			if [ -n "$intx_why" ] && [ "$res" != OKAY ]; then
				tap_skip "$label: $name" "$intx_why"
				continue
			fi
			;;
		MSI[0-9]*)
			n=${name#MSI}
			if [ "$n" -gt "$nvec" ] && [ "$res" != OKAY ]; then
				tap_skip "$label: $name" \
					"the host enabled $nvec MSI vectors"
				continue
			fi
			;;
		esac
		if [ "$res" = OKAY ]; then
			tap_ok "$label: $name"
		else
			tap_fail "$label: $name" "$line"
		fi
	done <"$file"
	if [ $((msix_ok + msix_bad)) -eq 0 ]; then
		return
	elif [ "$msix_ok" -eq 0 ]; then
		tap_skip "$label: MSI-X ($msix_bad cases)" "$msix_why"
	else
		tap_fail "$label: MSI-X" \
			"$msix_ok MSI-X cases passed on a host without MSI-X"
	fi
}

pcitest_cases='
for b in 0 1 2 3 4 5; do pcitest -b $b; done
pcitest -i 0; pcitest -l
pcitest -i 1
m=1; while [ $m -le 32 ]; do pcitest -m $m; m=$((m + 1)); done
pcitest -i 2; pcitest -x 1
pcitest -i 1
for op in -r -w -c; do
	for s in 1 1024 1025 1024000 1024001; do pcitest $op -s $s; done
done
true'

# MSI-X, where the controller has it: every vector the function offers
msix_cases='
pcitest -i 2
m=1; while [ $m -le 8 ]; do pcitest -x $m; m=$((m + 1)); done
pcitest -i 1
true'

# The same transfers through the controller's DMA engine (dw-edma)
dma_cases='
for op in -r -w; do
	for s in 1 1024 1025 1024000 1024001; do pcitest $op -d -s $s; done
done
true'

# The DesignWare controller's embedded doorbell: rd_int_status of its eDMA
# (tools/lab/lib/vntblab/controllers.py has the addresses)
DW_DOORBELL=0x0c0040a0
DW_RINGS=500

# The endpoint's "dma" interrupt count: the line dw-edma requested
dma_irqs() {
	ep "awk '/dw-edma-core:/ { n = 0; for (i = 2; i <= 3; i++) n += \$i; print n }' /proc/interrupts"
}

# dma_under_rings LABEL: the DMA cases while the endpoint rings its
# doorbell DW_RINGS times; the line takes every ring and dw-edma's own
# interrupts, nothing disables it
dma_under_rings() {
	local label=$1 tmp before after out
	tmp=$(mktemp)
	if ! ep "lsmod | grep -q '^pcie_designware_ep_doorbell '"; then
		tap_fail "$label: DMA under doorbell rings" \
			"the doorbell module is not loaded"
		rm -f "$tmp"
		return
	fi
	before=$(dma_irqs)
	lab run ep --timeout 600 -- "i=0; while [ \$i -lt $DW_RINGS ]; do
		devmem $DW_DOORBELL 32 0; i=\$((i + 1)); done" >"$tmp.rings" 2>&1 &
	local rings=$!
	lab run host --timeout 600 -- "$dma_cases" >"$tmp" 2>&1
	wait "$rings"
	after=$(dma_irqs)
	if grep -q "TEST FAILED" "$tmp" || ! grep -q OKAY "$tmp"; then
		tap_fail "$label: DMA under doorbell rings" "$(cat "$tmp")"
	else
		tap_ok "$label: DMA under doorbell rings"
	fi
	out=$(ep 'dmesg | grep -E "nobody cared|Disabling IRQ"')
	if [ -z "$out" ] && [ -n "$before" ] && [ -n "$after" ] &&
		[ "$after" -gt "$before" ]; then
		tap_ok "$label: the dma line took the rings and transfers" \
			"($before -> $after interrupts)"
	else
		tap_fail "$label: the dma line took the rings and transfers" \
			"interrupts $before -> $after" "$out" "$(cat "$tmp.rings")"
	fi
	rm -f "$tmp" "$tmp.rings"
}

suite() {
	local label=$1 out tmp nvec msix_why=$2 dw= intx_why=
	shift 2
	[[ " $* " != *" --controller dw "* ]] || dw=1
	if ! out=$(lab_start --function test "$@" 2>&1); then
		tap_fail "$label: lab boots with pci-epf-test" "$out"
		lab_teardown
		return
	fi
	tap_ok "$label: lab boots with pci-epf-test"

	tmp=$(mktemp)
	if ! host 'command -v pcitest' >"$tmp" 2>&1; then
		tap_fail "$label: pcitest on the host" "$(cat "$tmp")"
		rm -f "$tmp"
		lab_teardown
		return
	fi
	lab run host --timeout 600 -- "$pcitest_cases" >"$tmp" 2>&1
	nvec=$(host 'grep -c pci-endpoint-test /proc/interrupts' 2>/dev/null)
	# The DesignWare core raises no INTx, and says so
	if [ -n "$dw" ] &&
		ep 'dmesg | grep -q "EP cannot raise INTX IRQs"' 2>/dev/null; then
		intx_why="Linux 6.12's DesignWare endpoint core raises no INTx"
	fi
	report "$label" "$tmp" "${nvec:-0}" "$msix_why" "$intx_why"
	if [ -n "$dw" ]; then
		lab run host --timeout 600 -- "$msix_cases" >"$tmp" 2>&1
		report "$label, MSI-X" "$tmp" "${nvec:-0}" ""
		lab run host --timeout 600 -- "$dma_cases" >"$tmp" 2>&1
		report "$label, dw-edma" "$tmp" "${nvec:-0}" "$msix_why"
		dma_under_rings "$label"
	fi
	rm -f "$tmp"
	tap_check "$label: no warning, lockdep or KASAN report" \
		logs_clean ep host
	lab_teardown
}

LAB_EPC_MSIX="lab-epc models MSI and INTx, not MSI-X"
# On the DesignWare controller, pcitest's one probe of MSI-X counts too
DW_MSIX=""

echo "TAP version 13"
suite "no IOMMU" "$LAB_EPC_MSIX"
suite "SMMUv3 strict" "$LAB_EPC_MSIX" --iommu
suite "DesignWare" "$DW_MSIX" --controller dw
echo "1..$tap_n"
