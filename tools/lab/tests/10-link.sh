#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The emulated link's semantics, as the two machines see them: the header
# and BARs that the endpoint programs are what the host enumerates; bad
# register values are logged and ignored; the link stops and starts.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

tap_plan 9

# find_dev VENDOR DEVICE: the sysfs directory of that PCI function
find_dev='find_dev() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/vendor)" = "$1" ] && [ "$(cat $d/device)" = "$2" ] &&
			echo $d && return 0
	done
	return 1
}'

if ! out=$(lab_start --function test 2>&1); then
	tap_fail "lab boots with pci-epf-test" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots with pci-epf-test"

cfs=$(ep 'ls -d /sys/kernel/config/pci_ep/functions/pci_epf_test/*/ | head -n 1')
cfs=${cfs%/}
attr() {
	ep "cat $cfs/$1"
}
vid=$(attr vendorid) did=$(attr deviceid)
hdev=$(host "$find_dev; find_dev $vid $did")
if [ -n "$hdev" ]; then
	tap_ok "host enumerates the function as $vid:$did"
else
	tap_fail "host enumerates the function as $vid:$did" \
		"$(host 'cat /sys/bus/pci/devices/*/uevent' 2>&1 | grep PCI_ID)"
	tap_fail_rest "the host does not see the function"
fi

hexn() { # normalise a hex number: 0x00ff -> 255
	printf '%d' "$1"
}
header_matches() {
	local want got
	want=$(printf '0x%02x%02x%02x' "$(attr baseclass_code)" \
		"$(attr subclass_code)" "$(attr progif_code)")
	got=$(host "cat $hdev/class")
	[ "$(hexn "$want")" = "$(hexn "$got")" ] ||
		{ echo "class: endpoint $want, host $got"; return 1; }
	want=$(attr revid) got=$(host "cat $hdev/revision")
	[ "$(hexn "$want")" = "$(hexn "$got")" ] ||
		{ echo "revision: endpoint $want, host $got"; return 1; }
	want=$(attr subsys_vendor_id) got=$(host "cat $hdev/subsystem_vendor")
	[ "$(hexn "$want")" = "$(hexn "$got")" ] ||
		{ echo "subsystem vendor: endpoint $want, host $got"; return 1; }
	want=$(attr subsys_id) got=$(host "cat $hdev/subsystem_device")
	[ "$(hexn "$want")" = "$(hexn "$got")" ] ||
		{ echo "subsystem: endpoint $want, host $got"; return 1; }
	want=$(attr interrupt_pin)
	got=$(host "od -An -tu1 -j61 -N1 $hdev/config")
	[ "$(hexn "$want")" = "$(hexn "$got")" ] ||
		{ echo "interrupt pin: endpoint $want, host $got"; return 1; }
}
tap_check "class, revision, subsystem and interrupt pin match configfs" \
	header_matches

# pci-epf-test's BAR sizes in 6.12 (drivers/pci/endpoint/functions): its
# register BAR0 is its register block rounded up to 128 bytes
bar_sizes() {
	local sizes="" start end flags
	while read -r start end flags; do
		if [ $((end)) -gt 0 ]; then
			sizes="$sizes$((end - start + 1)) "
		else
			sizes="${sizes}0 "
		fi
	done < <(host "head -n 6 $hdev/resource")
	[ "$sizes" = "128 512 1024 16384 131072 1048576 " ] ||
		{ echo "host BAR sizes: $sizes"; return 1; }
}
tap_check "BAR sizes are the ones pci-epf-test programmed" bar_sizes

# Bad values straight into lab-epc's registers, behind the driver's back.
epc_bar0=$(ep "$find_dev; d=\$(find_dev 0x1234 0xe9c1) &&
	head -n 1 \$d/resource | cut -d' ' -f1")
reg() { # reg OFFSET [VALUE]
	ep "devmem $(printf '0x%x' $((epc_bar0 + $1))) 32 ${2:-}"
}
bad_values_ignored() {
	local before after
	before=$(grep -c 'lab-epc' "$LAB_RUN/ep-qemu.log" 2>/dev/null)
	# outbound window 15 past the end of the aperture
	reg 0x4e0 0xfffff000 && reg 0x4e4 0x7 && reg 0x4f0 0x1000 &&
		reg 0x4f8 1 || return 1
	[ "$(($(reg 0x4f8)))" -eq 0 ] ||
		{ echo "window 15 enabled outside the aperture"; return 1; }
	# inbound BAR 5 with a size that is not a power of two
	reg 0x1a8 3 && reg 0x1b0 1 || return 1
	# an MSI vector the host never enabled
	reg 0x38 40 || return 1
	after=$(grep -c 'lab-epc' "$LAB_RUN/ep-qemu.log" 2>/dev/null)
	[ $((after - ${before:-0})) -ge 3 ] ||
		{ echo "expected 3 guest errors logged, got $((after - before))"; return 1; }
	lab status >/dev/null ||
		{ echo "a machine died"; return 1; }
	host 'pcitest -b 5 && pcitest -b 0' ||
		{ echo "BARs no longer work"; return 1; }
}
tap_check "bad register values are logged and ignored, BARs keep working" \
	bad_values_ignored

epc=$(ep 'ls /sys/class/pci_epc | head -n 1')
host_bar0=$(host "head -n 1 $hdev/resource | cut -d' ' -f1")
link_stop() {
	local v
	ep "echo 0 > /sys/kernel/config/pci_ep/controllers/$epc/start" ||
		return 1
	v=$(host "devmem $host_bar0 32")
	[ "$((v))" -eq $((0xffffffff)) ] ||
		{ echo "BAR0 read $v with the link down"; return 1; }
}
tap_check "with the link stopped, host BAR reads return all-ones" link_stop

link_start() {
	ep "echo 1 > /sys/kernel/config/pci_ep/controllers/$epc/start" &&
		host 'pcitest -b 0'
}
tap_check "the link starts again and BAR0 works" link_start

# Kill the endpoint's QEMU while the host moves data through it: the host
# machine stays up and answers, the function's BARs read all-ones.
ep_dies() {
	local pid v
	host "(while pcitest -w -s 1024000; do :; done) >/dev/null 2>&1 &" ||
		return 1
	pid=$(cat "$LAB_RUN/ep.pid") || { echo "no endpoint pid"; return 1; }
	kill -KILL "$pid"
	v=$(lab run host --timeout 30 -- "devmem $host_bar0 32") ||
		{ echo "the host did not answer after the endpoint died"; return 1; }
	[ "$((v))" -eq $((0xffffffff)) ] ||
		{ echo "BAR0 of the dead endpoint reads $v"; return 1; }
	host uptime
}
tap_check "the host stays responsive when the endpoint dies mid-transfer" \
	ep_dies

# What "lab up" started, from its state file: PIDs, RAM files, sockets.
started=$(python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
for m in st["machines"].values():
    print("pid", m["pid"])
    for key in ("shm", "agent", "console", "qmp"):
        print("path", m[key])
print("path", sys.argv[2])
' "$LAB_RUN/state.json" "$LAB_RUN/link.sock" 2>&1)
lab down >/dev/null 2>&1
leftovers() {
	local kind what left=""
	[ -n "$started" ] || { echo "no state file"; return 1; }
	while read -r kind what; do
		case "$kind" in
		pid) kill -0 "$what" 2>/dev/null && left="$left pid $what" ;;
		path) [ -e "$what" ] && left="$left $what" ;;
		*) echo "state: $kind $what"; return 1 ;;
		esac
	done <<<"$started"
	[ -z "$left" ] || { echo "left behind:$left"; return 1; }
}
tap_check "lab down leaves no process, socket or shared memory behind" leftovers
