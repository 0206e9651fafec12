#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The modules against a distribution's kernel, not only the lab's: Debian
# 12's own 6.12 headers packages (tools/lab/build/distro-headers.sh), and
# the DKMS package (dkms.conf, make dkms-install) as a host would install
# it. No lab: builds only, in a scratch directory; dkms works on private
# trees, never on the build machine's /usr/src or /lib/modules.
#
# Debian 12's 6.12 kernels have no NTB core (CONFIG_NTB is not set), so
# nothing that needs it can load there: for those modules the build is
# checked with CONFIG_NTB=m given on the command line and modpost's
# complaints about the missing core's symbols as warnings, which still
# compiles every line against Debian's configuration.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/tools/lab/build/common.sh"

tap_plan 8

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VERSION=$(cat "$LAB_TOP/VERSION")

# sources DIR: a copy of what kbuild reads, as a user's checkout has it
sources() {
	mkdir -p "$1" && (cd "$LAB_TOP" && cp -R Kbuild VERSION drivers include "$1/")
}

# kos DIR: the module files built below DIR, by name, one line
kos() {
	find "$1" -name '*.ko' -printf '%f\n' | LC_ALL=C sort | paste -sd ' ' -
}

headers_x86=$("$LAB_TOP/tools/lab/build/distro-headers.sh" amd64 2>&1 | tail -n 1)
headers_arm=$("$LAB_TOP/tools/lab/build/distro-headers.sh" arm64 2>&1 | tail -n 1)
if [ -f "$headers_x86/.config" ] && [ -f "$headers_arm/.config" ]; then
	tap_ok "Debian's 6.12 headers, amd64 and arm64: $(cat "$headers_x86/.kernelrelease"), $(cat "$headers_arm/.kernelrelease")"
else
	tap_fail "Debian's 6.12 headers, amd64 and arm64" "$headers_x86" "$headers_arm"
	tap_fail_rest "no Debian headers"
fi

# versioned DIR: every module built below DIR reports VERSION (modinfo)
versioned() {
	local ko v rc=0
	while IFS= read -r ko; do
		v=$(modinfo -F version "$ko")
		[ "$v" = "$VERSION" ] ||
			{ echo "$(basename "$ko"): version '$v', VERSION says $VERSION"; rc=1; }
	done < <(find "$1" -name '*.ko' -o -name '*.ko.[gx]z' -o -name '*.ko.zst')
	return $rc
}

# build NAME HEADERS ARGS...: make modules in a fresh copy, -Werror
build() {
	local dir=$tmp/$1 hdr=$2
	shift 2
	sources "$dir" || return
	make -C "$hdr" M="$dir" KCFLAGS=-Werror -j"$LAB_JOBS" "$@" modules \
		>"$dir.log" 2>&1 || { tail -n 30 "$dir.log"; return 1; }
}

# As a user would build for a Debian host: nothing, no NTB core
host_plain() {
	grep -q '^CONFIG_NTB=[ym]' "$headers_x86/.config" &&
		{ echo "Debian's amd64 kernel has CONFIG_NTB now: test this for real"; return 1; }
	build host-plain "$headers_x86" || return
	[ -z "$(kos "$tmp/host-plain")" ] ||
		{ echo "built: $(kos "$tmp/host-plain")"; return 1; }
}
tap_check "amd64, Debian's configuration: no module (the kernel has no NTB core)" host_plain

host_forced() {
	build host "$headers_x86" CONFIG_NTB=m KBUILD_MODPOST_WARN=1 || return
	[ "$(kos "$tmp/host")" = ntb_hw_epf.ko ] ||
		{ echo "built: $(kos "$tmp/host")"; return 1; }
}
tap_check "amd64, Debian's configuration with CONFIG_NTB=m: ntb_hw_epf compiles" host_forced

# The endpoint's modules; the test-only ones only when asked for
ep_default() {
	local want="pci-ep-doorbell.ko pci-epf-vntb.ko pcie-designware-ep-doorbell.ko"
	build ep "$headers_arm" CONFIG_NTB=m KBUILD_MODPOST_WARN=1 || return
	[ "$(kos "$tmp/ep")" = "ntb_hw_epf.ko $want" ] ||
		{ echo "built: $(kos "$tmp/ep"), want ntb_hw_epf.ko $want"; return 1; }
	versioned "$tmp/ep"
}
tap_check "arm64, Debian's configuration with CONFIG_NTB=m: the endpoint's modules compile, no test-only module, each with version $VERSION" ep_default

ep_tests() {
	build ep-tests "$headers_arm" CONFIG_NTB=m KBUILD_MODPOST_WARN=1 \
		VNTB_TEST_MODULES=1 || return
	for m in pci-epf-db-test.ko pci_ep_db_test.ko pcie-lab-epc.ko; do
		grep -qw "$m" <<<"$(kos "$tmp/ep-tests")" ||
			{ echo "no $m in: $(kos "$tmp/ep-tests")"; return 1; }
	done
	versioned "$tmp/ep-tests"
}
tap_check "arm64, VNTB_TEST_MODULES=1: the test-only modules compile too, each with version $VERSION" ep_tests

# dkms_make NAME KDIR TARGET: make TARGET (dkms-install or dkms-remove)
# of a checkout, for KDIR's kernel, on private dkms trees below tmp/NAME
dkms_make() {
	local d=$tmp/$1 kdir=$2 release
	release=$(cat "$kdir/include/config/kernel.release" 2>/dev/null ||
		cat "$kdir/.kernelrelease")
	mkdir -p "$d/src" "$d/dkms" "$d/modules/$release"
	make -s -C "$LAB_TOP" "$3" DKMS_SRC="$d/src" \
		DKMS_FLAGS="--dkmstree $d/dkms --sourcetree $d/src --installtree $d/modules --no-depmod" \
		DKMS_KERNEL="-k $release --kernelsourcedir $kdir"
}

# Debian's kernel: dkms says ntb_hw_epf is not for it, and installs nothing
dkms_debian() {
	local out rc
	command -v dkms >/dev/null || { echo "dkms missing: run tools/lab/build/deps.sh"; return 1; }
	out=$(dkms_make debian "$headers_x86" dkms-install 2>&1)
	rc=$?
	[ "$rc" -ne 0 ] || { echo "dkms-install succeeded:" "$out"; return 1; }
	grep -q 'BUILD_EXCLUSIVE' <<<"$out" || { echo "$out"; return 1; }
	[ -z "$(kos "$tmp/debian/modules")" ] ||
		{ echo "installed: $(kos "$tmp/debian/modules")"; return 1; }
}
tap_check "make dkms-install, Debian's kernel: refused (BUILD_EXCLUSIVE_CONFIG: no CONFIG_NTB)" dkms_debian

# A 6.12 kernel with the NTB core: the lab's host kernel
kernel=$("$LAB_TOP/tools/lab/build/kernel.sh" x86_64 test 2>/dev/null | tail -n 1)
lab_kdir=$kernel/build
dkms_lab() {
	local ko
	[ -f "$lab_kdir/Module.symvers" ] || { echo "no lab kernel: $kernel"; return 1; }
	dkms_make lab "$lab_kdir" dkms-install || return
	ko=$(find "$tmp/lab/modules" -name 'ntb_hw_epf.ko*')
	[ -n "$ko" ] || { echo "no ntb_hw_epf.ko installed below $tmp/lab/modules"; return 1; }
	modinfo -F vermagic "$ko" | grep -q "^$(cat "$lab_kdir/include/config/kernel.release") " ||
		{ echo "$ko: vermagic $(modinfo -F vermagic "$ko")"; return 1; }
	versioned "$tmp/lab/modules" || return
	echo "installed $ko"
}
tap_check "make dkms-install, a 6.12 kernel with NTB (the lab's): ntb_hw_epf for it in updates, version $VERSION" dkms_lab

dkms_lab_remove() {
	dkms_make lab "$lab_kdir" dkms-remove || return
	[ -z "$(kos "$tmp/lab/modules")" ] ||
		{ echo "left: $(kos "$tmp/lab/modules")"; return 1; }
	[ ! -e "$tmp/lab/src/vntb-$VERSION" ] || { echo "source copy left"; return 1; }
}
tap_check "make dkms-remove: the module and the source copy are gone" dkms_lab_remove
