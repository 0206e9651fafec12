#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the lab needs from Debian's archive: compilers, the kernel
# source, QEMU's build dependencies and its source package (deb-src), and
# the arm64 architecture so that the endpoint's root file system can be
# downloaded (not installed) from arm64 packages; matplotlib for the
# benchmark's plots (tools/lab/bench); Sphinx for the documentation
# (make docs, and its case in tests/00-static.sh, which skips without
# it); dkms, and dwarves' pahole for the BTF of modules built against
# Debian's own kernel headers (tests/08-distro-build.sh, which downloads
# those with build/distro-headers.sh). Idempotent and quiet when
# everything is already there.
set -euo pipefail
. "$(dirname "$0")/common.sh"

packages=(
	build-essential bc bison flex libssl-dev libelf-dev kmod cpio rsync
	xz-utils file patch gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	linux-source-6.12
	dpkg-dev meson ninja-build pkg-config python3-venv libglib2.0-dev
	libpixman-1-dev libfdt-dev zlib1g-dev device-tree-compiler
	qemu-system-data seabios
	python3 python3-matplotlib python3-sphinx
	dkms dwarves
)

srcs=/etc/apt/sources.list.d/vntb-lab-src.sources
need_update=

if [ ! -f "$srcs" ]; then
	cat >"$srcs" <<'SRC'
# Added by the vNTB lab (tools/lab/build/deps.sh): QEMU's source package.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	need_update=1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] && need_update=1

if [ -n "$need_update" ] || [ ! -d /var/lib/apt/lists ] ||
	! ls /var/lib/apt/lists/*_source_Sources* >/dev/null 2>&1; then
	lab_step "apt-get update" apt-get update
fi
if [ ${#missing[@]} -gt 0 ]; then
	lab_step "install ${#missing[@]} Debian packages" env \
		DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends "${missing[@]}"
fi
exit 0
