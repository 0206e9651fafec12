#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Endpoint side: pci-epf-vntb's configfs attributes refuse bad values and
# keep the value they had. Works on a scratch function of its own, never
# bound, removed at the end; needs pci-epf-vntb loaded.
#   ./vntb_configfs.sh
# The ranges are those of drivers/pci/endpoint/functions/
# pci-epf-vntb-configfs.c; doorbell_mode is tested where it exists.
. "$(dirname "$0")/lib.sh"

CONFIGFS=${CONFIGFS:-/sys/kernel/config}
drv=$CONFIGFS/pci_ep/functions/pci_epf_vntb

# attribute, then its bad values: one test each
BAD="db_count 0 2 33 99 banana
spad_count 0 1025 -1
num_mws 0 5
mw1 0 2048 12345 0x100001 banana
vbus_number 256 -1
vntb_vid 0 0xffff 0x10000 zz
vntb_pid 0x10000
ctrl_bar 6 -2 x
db_bar 7
doorbell_mode banana 1"

ktap_print_header
is_root || vntb_skip_all "needs root"
[ -d "$drv" ] ||
	vntb_skip_all "no $drv: pci-epf-vntb not loaded, or configfs not mounted"

fn=$drv/selftest$$
mkdir "$fn" || vntb_skip_all "cannot create $fn"
trap 'rmdir "$fn" 2>/dev/null' EXIT
# The driver's attributes live in a sub-directory named after the device
dir=
for d in "$fn"/*/; do
	[ -f "$d/db_count" ] && dir=${d%/}
done
[ -n "$dir" ] || {
	# Not a skip: the driver is there, its attributes are not
	ktap_set_plan 1
	ktap_test_fail "$fn has the driver's attribute directory"
	ktap_finished
}

# The plan: the good values, each bad value of an attribute present,
# the removal
plan=2
while read -r attr vals; do
	[ -f "$dir/$attr" ] || continue
	for v in $vals; do
		plan=$((plan + 1))
	done
done <<EOF_BAD
$BAD
EOF_BAD
ktap_set_plan $plan

# A write that succeeds: the refusals below are not for every write
good() {
	printf '5\n' >"$dir/db_count" &&
		printf '0x2000\n' >"$dir/mw1" &&
		[ "$(cat "$dir/db_count")" = 5 ] &&
		[ "$(cat "$dir/mw1")" = 8192 ]
}
vntb_check "valid db_count and mw1 are taken" good

# refused ATTR VALUE: the write fails, the attribute reads the same
refused() {
	before=$(cat "$dir/$1") || return 1
	if (printf '%s\n' "$2" >"$dir/$1") 2>/dev/null; then
		echo "'$2' accepted, $1 now reads $(cat "$dir/$1")"
		return 1
	fi
	after=$(cat "$dir/$1")
	[ "$after" = "$before" ] ||
		{ echo "$1 changed from $before to $after"; return 1; }
}
while read -r attr vals; do
	[ -f "$dir/$attr" ] || continue
	for v in $vals; do
		vntb_check "$attr '$v' refused, $attr unchanged" refused "$attr" "$v"
	done
done <<EOF_BAD
$BAD
EOF_BAD

vntb_check "the scratch function is removed" rmdir "$fn"
trap - EXIT

ktap_finished
