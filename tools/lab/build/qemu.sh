#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build QEMU for the lab: Debian's qemu source package with the emulated
# endpoint link (tools/qemu/hw/misc: lab-epc, lab-epf, and the DesignWare
# endpoint controller dw-pcie-ep with its eDMA) added to its tree,
# for the x86_64 and aarch64 system targets only.
#
# The build tree is kept per qemu package version and configured once; each
# run copies in the device sources that changed and lets ninja rebuild what
# depends on them. The two binaries are installed into
# $LAB_CACHE/qemu/<key>/, keyed by the qemu version, the device sources and
# this script; that directory is the last line printed on stdout. Run the
# binaries with "-L /usr/share/qemu -L /usr/share/seabios" (firmware from
# Debian's qemu-system-data and seabios packages).
set -euo pipefail
. "$(dirname "$0")/common.sh"

devdir="$LAB_TOP/tools/qemu/hw/misc"
devfiles=(lab-link.h lab-link.c lab-ep.h lab-ep.c lab-epc.c lab-epf.c
	dw-pcie-atu.h dw-pcie-atu.c dw-edma-v0.h dw-edma-v0.c dw-pcie-ep.c
	Kconfig meson.build)
targets=(qemu-system-x86_64 qemu-system-aarch64)

# The firmware comes from qemu-system-data, so build the same version.
ver=$(lab_pkg_version qemu-system-data || true)
[ -n "$ver" ] || ver=$(apt-cache showsrc qemu 2>/dev/null |
	awk '/^Version:/ { print $2; exit }')
[ -n "$ver" ] || lab_die "no qemu version: run tools/lab/build/deps.sh"
uver=${ver#*:}

inputs=()
for f in "${devfiles[@]}"; do
	[ -f "$devdir/$f" ] || lab_die "$devdir/$f missing"
	inputs+=("$devdir/$f")
done
LAB_KEY_EXTRA="qemu $ver" key=$(lab_key "${inputs[@]}" "$0")
out="$LAB_CACHE/qemu/$key"

if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

# One build at a time: the trees below are shared by every run.
mkdir -p "$LAB_CACHE/qemu-build"
exec 9>"$LAB_CACHE/qemu-build/.lock"
flock 9

# The pristine source tree: Debian's package with its patches applied.
dl="$LAB_CACHE/src/qemu-dl"
src="$LAB_CACHE/src/qemu-$uver"

# The step functions run under lab_step, where "set -e" does not apply:
# each stops at its first failure by itself.
fetch() (
	mkdir -p "$dl" && cd "$dl" || return
	if [ ! -f "qemu_$uver.dsc" ]; then
		apt-get source --download-only "qemu=$ver" || return
	fi
	rm -rf "$src.tmp"
	dpkg-source -x "qemu_$uver.dsc" "$src.tmp" &&
		touch "$src.tmp/.done" &&
		mv "$src.tmp" "$src"
)

if [ ! -f "$src/.done" ]; then
	rm -rf "$src"
	lab_step "fetch qemu source $ver" fetch >&2
fi

# The build tree: a copy of the pristine one, configured once.
tree="$LAB_CACHE/qemu-build/$uver"
bld="$tree/build"

configure() (
	rm -rf "$tree"
	mkdir -p "$tree" && cp -a "$src" "$tree/src" || return
	rm -f "$tree/src/.done"
	# The device sources go in before meson first runs (sync_sources).
	sync_sources || return
	mkdir -p "$bld" && cd "$bld" || return
	"$tree/src/configure" \
		--target-list=x86_64-softmmu,aarch64-softmmu \
		--without-default-features \
		--enable-fdt=system \
		--enable-tcg \
		--disable-docs \
		--disable-tools \
		--disable-guest-agent \
		--disable-slirp \
		--disable-install-blobs \
		--disable-werror \
		--with-git-submodules=ignore \
		--with-pkgversion="Debian $ver + vntb-lab" &&
		touch "$tree/.configured"
)

# install_if_changed SRC DST: copy only a changed file, so that ninja (and
# meson, for Kconfig and meson.build) redo only what depends on it.
install_if_changed() {
	cmp -s "$1" "$2" || cp "$1" "$2"
}

# Copy the device sources into the tree; our Kconfig and meson.build are
# appended to hw/misc's own (the pristine files plus ours).
sync_sources() {
	local misc="$tree/src/hw/misc" f tmp

	tmp=$(mktemp)
	for f in "${devfiles[@]}"; do
		case "$f" in
		Kconfig | meson.build)
			cat "$src/hw/misc/$f" "$devdir/$f" >"$tmp"
			install_if_changed "$tmp" "$misc/$f"
			;;
		*)
			install_if_changed "$devdir/$f" "$misc/$f"
			;;
		esac
	done
	rm -f "$tmp"
}

build() {
	sync_sources || return
	ninja -C "$bld" -j"$LAB_JOBS" "${targets[@]}" || return
	rm -rf "$out.tmp"
	mkdir -p "$out.tmp" || return
	for t in "${targets[@]}"; do
		cp "$bld/$t" "$out.tmp/$t" || return
	done
	touch "$out.tmp/.done"
	rm -rf "$out"
	mv "$out.tmp" "$out"
}

if [ ! -f "$tree/.configured" ]; then
	lab_step "configure qemu $ver" configure >&2
fi
lab_step "build qemu $uver" build >&2
echo "$out"
