#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Debian's own 6.12 kernel headers, for building the project's modules
# against a distribution's configuration rather than the lab's.
# Usage: distro-headers.sh amd64|arm64
#
# The newest linux-headers-6.12.*+deb12-ARCH that Debian 12's archive has
# (the one linux-headers-6.12-ARCH depends on), with its -common part and
# the build machine's linux-kbuild (the host programs the build runs),
# downloaded with "apt-get download" and unpacked with "dpkg-deb -x",
# never installed: installing the headers would pull in a kernel image.
# The packages' Makefile includes the -common tree by absolute path; the
# copy here points into the unpacked tree instead. The last line on
# stdout is the build tree (as /lib/modules/RELEASE/build would be), its
# kernel release in its .kernelrelease file.
set -euo pipefail
. "$(dirname "$0")/common.sh"

arch=${1:?usage: distro-headers.sh amd64|arm64}
case "$arch" in amd64 | arm64) ;; *) lab_die "unknown Debian architecture '$arch'" ;; esac

meta=linux-headers-6.12-$arch
headers=$(apt-cache depends "$meta:$arch" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-headers-6\.12\.[^:]*\).*/\1/p' | head -n 1)
[ -n "$headers" ] || lab_die "$meta:$arch not in the package index: run tools/lab/build/deps.sh"
abi=${headers#linux-headers-}
abi=${abi%-"$arch"}
release=$abi-$arch
version=$(apt-cache show "$headers:$arch" | sed -n 's/^Version: //p' | head -n 1)
out=$LAB_CACHE/distro-headers/$release-$version

if [ ! -f "$out/.done" ]; then
	unpack() {
		local f
		(cd "$work" && apt-get download "$headers:$arch=$version" \
			"linux-headers-$abi-common=$version" \
			"linux-kbuild-$abi=$version") || return
		for f in "$work"/*.deb; do
			dpkg-deb -x "$f" "$work/root" || return
		done
		rm -f "$work"/*.deb
		sed -i "s|/usr/src/|$out/root/usr/src/|" \
			"$work/root/usr/src/linux-headers-$release/Makefile" &&
			echo "$release" >"$work/root/usr/src/linux-headers-$release/.kernelrelease"
	}
	work=$out.tmp.$$
	trap 'rm -rf "$work"' EXIT
	rm -rf "$work"
	mkdir -p "$work/root"
	lab_step "Debian's $release headers ($version)" unpack >&2
	touch "$work/.done"
	rm -rf "$out"
	mv -T "$work" "$out"
fi
echo "$out/root/usr/src/linux-headers-$release"
