#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The doorbell layer's backends as our vNTB function meets them on the
# DesignWare controller:
#
# - MSI (lab up --msi-parent: the controller's device tree node has an
#   msi-parent to the GIC ITS): the bind line says "msi", every doorbell
#   and the command doorbell have an interrupt of their own, and the host
#   ringing doorbell bit n raises vector n's interrupt and delivers
#   vector n only, every other vector's counters unchanged (debugfs
#   counters and /proc/interrupts); ping works across. Unbound, the
#   function leaves no ITS interrupt behind; bound again, it gets its MSI
#   doorbells again.
# - MSI behind the SMMUv3 in strict mode (lab up --msi-parent --iommu: the
#   node also has iommus, the model's accesses go through the SMMU as its
#   stream): the controller's device is in an IOMMU group with a DMA
#   domain, so the message address is an IOVA that only the SMMU turns
#   into the ITS's register; then the same bind line, interrupts, ping and
#   bit n raising vector n only, and no SMMU fault logged.
# - embedded (no msi-parent): the bind line says "embedded", and a ring
#   of bit 0 delivers every vector, the embedded doorbell's one kick.
# - polling (neither: the doorbell module unloaded and the function bound
#   again): the bind line says "polling".
#
# The host rings single bits with ntb_tool, in place of ntb_netdev.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

export LAB_CONTROLLER=dw
ep_addr=198.18.0.1
host_addr=198.18.0.2
# ntb_tool's directory, in a guest's shell
tool='$(echo /sys/kernel/debug/ntb_tool/*)'
# the function's, in the endpoint's shell
fn='$(echo /sys/kernel/debug/pci-epf-vntb/*)'

tap_plan 17

# bind_line BACKEND: the function's bind line names the doorbell backend
bind_line() {
	ep "dmesg | grep 'pci_epf_vntb.*doorbell backend $1\$'"
}

# Swap ntb_netdev for ntb_tool on both sides and bring the NTB link up.
# ntb_transport masked its doorbell bits as it went: unmask them all on
# the endpoint (a bit it held back is delivered at once, from a work
# item, long before the next command reaches the machine) and clear
# what is pending.
tool_up() {
	ntb_tool_up || return 1
	ep "t=$tool
	echo \"c \$(cat \$t/db_valid_mask)\" > \$t/db_mask &&
	echo \"c \$(cat \$t/db_valid_mask)\" > \$t/db &&
	grep -qx 0x0 \$t/db_mask"
}

# counts: per vector, "v EVENTS IRQS": its debugfs event counter and the
# interrupts of its own MSI doorbell (summed over CPUs; IRQS "-" with the
# embedded doorbell), then "cmd - IRQS" for the command doorbell's
counts() {
	ep "d=$fn
	n=\$(sed -n 's/^doorbells //p' \$d/state)
	irqs=\$(grep 'ITS-pMSI-.*pci_epf_vntb' /proc/interrupts |
		awk '{ s = 0
		       for (i = 2; i <= NF && \$i ~ /^[0-9]+\$/; i++) s += \$i
		       print \$(i + 1), s }')
	v=0
	while [ \$v -lt \$n ]; do
		e=\$(sed -n \"s/^db_event_\$v //p\" \$d/counters)
		i=\$(echo \"\$irqs\" | awk -v v=\$v '\$1 == v { print \$2 }')
		echo \"\$v \$e \${i:--}\"
		v=\$((v + 1))
	done
	i=\$(echo \"\$irqs\" | awk -v v=\$n '\$1 == v { print \$2 }')
	echo \"cmd - \${i:--}\""
}

# ring BIT: the host rings doorbell bit BIT; wait until the endpoint has
# it pending, then clear it there
ring() {
	host "echo 's $((1 << $1))' > $tool/peer_db" || return 1
	ep "t=$tool
	lab-wait -t 10 sh -c \"[ \\\$((\\\$(cat \$t/db) & $((1 << $1)))) != 0 ]\" &&
	echo \"c \$(cat \$t/db)\" > \$t/db"
}

# rings_only BIT: ringing BIT raised vector BIT's interrupt and event and
# no other vector's
rings_only() {
	local bit=$1 before after v e0 i0 e1 i1 rc=0
	before=$(counts) || return 1
	ring "$bit" || { echo "bit $bit never arrived"; return 1; }
	after=$(counts) || return 1
	while read -r v e1 i1; do
		read -r _ e0 i0 < <(grep "^$v " <<<"$before")
		[ "$v" = cmd ] && continue
		if [ "$v" = "$bit" ]; then
			if [ "$e1" -le "$e0" ] || [ "$i1" -le "$i0" ]; then
				echo "vector $v: events $e0 -> $e1, interrupts $i0 -> $i1"
				rc=1
			fi
		elif [ "$e1" != "$e0" ] || [ "$i1" != "$i0" ]; then
			echo "vector $v moved too: events $e0 -> $e1, interrupts $i0 -> $i1"
			rc=1
		fi
	done <<<"$after"
	return $rc
}

ping_both() {
	host "ping -c 5 -W 5 $ep_addr" && ep "ping -c 5 -W 5 $host_addr"
}

# one_irq_each: an MSI doorbell interrupt per doorbell and the command's
one_irq_each() {
	local n irqs
	n=$(ep "sed -n 's/^doorbells //p' $fn/state") || return 1
	irqs=$(ep "grep -c 'ITS-pMSI-.*pci_epf_vntb' /proc/interrupts")
	echo "$n doorbells, $irqs ITS interrupts"
	[ "$irqs" = $((n + 1)) ] && ep "grep -x 'doorbell_source msi' $fn/state"
}

every_bit_alone() {
	local n bit
	n=$(ep "sed -n 's/^doorbells //p' $fn/state") || return 1
	[ "$n" -ge 2 ] || { echo "$n doorbell(s): nothing to tell apart"; return 1; }
	for ((bit = 0; bit < n; bit++)); do
		rings_only "$bit" || return 1
	done
}

# in_dma_domain: the controller's device is in an IOMMU group whose domain
# translates, strictly (type DMA: not DMA-FQ, not identity)
in_dma_domain() {
	ep 'd=$(readlink -f /sys/class/pci_epc/*/device)
	[ -e $d/iommu_group ] || { echo "${d##*/}: in no IOMMU group"; exit 1; }
	g=$(readlink -f $d/iommu_group)
	echo "${d##*/}: group ${g##*/}, domain $(cat $g/type)"
	grep -qx DMA $g/type'
}

# no_smmu_fault: the SMMU logged no event (a translation or permission
# fault of the controller's stream)
no_smmu_fault() {
	local out
	out=$(ep "dmesg | { grep 'arm-smmu-v3.*event 0x[0-9a-f]* received' || true; }") ||
		return 1
	[ -z "$out" ] || { echo "$out" | head -n 10; return 1; }
}

# Unbound: no ITS interrupt of the function left (the doorbell layer
# freed them and the device's MSI domain); bound again: MSI doorbells
# again, one interrupt each
msi_rebind() {
	local left binds
	vntb_unbind || return 1
	left=$(ep "grep -c 'ITS-pMSI-.*pci_epf_vntb' /proc/interrupts")
	[ "$left" = 0 ] ||
		{ echo "$left ITS interrupts left after the unbind"; return 1; }
	ep 'cd /sys/kernel/config/pci_ep
	epc=$(ls controllers)
	ln -s controllers/$epc functions/pci_epf_vntb/func1/primary/ &&
	echo 1 > controllers/$epc/start' || return 1
	binds=$(ep "dmesg | grep -c 'pci_epf_vntb.*doorbell backend msi\$'")
	[ "$binds" = 2 ] || { echo "$binds MSI bind lines, not 2"; return 1; }
	one_irq_each
}

# Bit 0 rung on the embedded doorbell: every vector got the kick
kicks_all() {
	local before after v e0 e1
	before=$(counts) || return 1
	ring 0 || { echo "bit 0 never arrived"; return 1; }
	after=$(counts) || return 1
	while read -r v e1 _; do
		[ "$v" = cmd ] && continue
		read -r _ e0 _ < <(grep "^$v " <<<"$before")
		[ "$e1" -gt "$e0" ] ||
			{ echo "vector $v: events $e0 -> $e1"; return 1; }
	done <<<"$after"
}

# MSI doorbells
if ! out=$(lab_start --msi-parent --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "lab boots, dw controller with an msi-parent" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots, dw controller with an msi-parent"
tap_check "msi-parent: the bind line says doorbell backend msi" bind_line msi
tap_check "msi-parent: one ITS interrupt per doorbell and one for commands" \
	one_irq_each
tap_check "msi-parent: ping both ways over MSI doorbells" ping_both
if tool_up; then
	tap_check "msi-parent: ringing bit n raises vector n only, for every bit" \
		every_bit_alone
else
	tap_fail "msi-parent: ringing bit n raises vector n only, for every bit" \
		"ntb_tool did not come up"
fi
tap_check "msi-parent: unbound, no ITS interrupt left; bound again, MSI doorbells again" \
	msi_rebind
tap_check "msi-parent: no warning, lockdep or KASAN report" logs_clean ep host
lab_teardown

# MSI doorbells behind the SMMUv3, strict
msi_bound() {
	bind_line msi && one_irq_each
}
smmu_ok() {
	no_smmu_fault && logs_clean ep host
}
if ! out=$(lab_start --msi-parent --iommu --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "SMMUv3: lab boots, dw controller with an msi-parent behind the SMMUv3" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "SMMUv3: lab boots, dw controller with an msi-parent behind the SMMUv3"
tap_check "SMMUv3: the controller's device is in an IOMMU group with a strict DMA domain" \
	in_dma_domain
tap_check "SMMUv3: doorbell backend msi, one ITS interrupt per doorbell and one for commands" \
	msi_bound
tap_check "SMMUv3: ping both ways over MSI doorbells" ping_both
if tool_up; then
	tap_check "SMMUv3: ringing bit n raises vector n only, for every bit" \
		every_bit_alone
else
	tap_fail "SMMUv3: ringing bit n raises vector n only, for every bit" \
		"ntb_tool did not come up"
fi
tap_check "SMMUv3: no SMMU fault, warning, lockdep or KASAN report" smmu_ok
lab_teardown

# The embedded doorbell, then none
if ! out=$(lab_start --ep-driver ours --host-driver ours 2>&1); then
	tap_fail "no msi-parent: lab boots" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "no msi-parent: lab boots"
tap_check "no msi-parent: the bind line says doorbell backend embedded" \
	bind_line embedded
if tool_up; then
	tap_check "no msi-parent: ringing bit 0 kicks every vector" kicks_all
else
	tap_fail "no msi-parent: ringing bit 0 kicks every vector" \
		"ntb_tool did not come up"
fi

no_doorbell() {
	lab run ep -- 'rmmod ntb_tool' || return 1
	vntb_unbind || return 1
	ep "rmmod $(epc_module)" || return 1
	ep 'cd /sys/kernel/config/pci_ep
	epc=$(ls controllers)
	ln -s controllers/$epc functions/pci_epf_vntb/func1/primary/ &&
	echo 1 > controllers/$epc/start' || return 1
	bind_line polling
}
tap_check "neither: without the doorbell module, the bind line says doorbell backend polling" \
	no_doorbell
