#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Test programs for the lab guests that no Debian package provides.
# Usage: progs.sh
#
# - pcitest and pcitest.sh, the kernel's own endpoint test tool and script
#   (tools/pci/ of the lab's kernel source), for the x86_64 host machine,
#   where they drive pci_endpoint_test. Linked statically: the guest has
#   only the libraries its Debian packages need.
# - db-test (tools/lab/progs/db-test.c), the host side of the endpoint
#   doorbell test, for the x86_64 host machine, statically likewise.
# - The vNTB selftests (selftests/drivers/ntb/vntb/) as a kernel tree
#   builds and installs them: copied into tools/testing/selftests/
#   drivers/ntb/vntb/ of the lab's kernel source (a copy of its selftests
#   framework), then "make -C tools/testing/selftests install", statically
#   linked, for each guest's architecture; the installed tree, with its
#   run_kselftest.sh, is /usr/share/vntb-selftests/ of both machines.
#
# The output directory holds one tree per guest architecture (x86_64/,
# arm64/), each laid out as in the guest's root; rootfs.sh copies the tree
# into that guest's initrd. The directory is the last line on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

pkgver=$(lab_pkg_version linux-source-6.12)
[ -n "$pkgver" ] || lab_die "linux-source-6.12 missing: run tools/lab/build/deps.sh"
tarball=/usr/src/linux-source-6.12.tar.xz
# kernel.sh unpacks the source here; use it when it is there.
src=$LAB_CACHE/src/linux-$pkgver
cc_version=$(gcc --version | head -n 1)

progs_src=$LAB_TOP/tools/lab/progs
selftests=$LAB_TOP/selftests/drivers/ntb/vntb
LAB_KEY_EXTRA="$pkgver $cc_version" key=$(lab_key "$0" "$progs_src"/*.c \
	"$selftests"/{Makefile,config,settings,*.sh,*.c})
out=$LAB_CACHE/progs/$key

if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

# fetch_sources DIR: the few files of the kernel source that are needed.
fetch_sources() {
	local dir=$1 f
	local files=(tools/pci/pcitest.c tools/pci/pcitest.sh
		include/uapi/linux/pcitest.h scripts/subarch.include
		tools/testing/selftests/{Makefile,lib.mk,run_kselftest.sh}
		tools/testing/selftests/{kselftest.h,kselftest_harness.h}
		tools/testing/selftests/kselftest)

	if [ -f "$src/.done" ]; then
		for f in "${files[@]}"; do
			mkdir -p "$dir/${f%/*}" && cp -a "$src/$f" "$dir/$f" ||
				return
		done
	else
		[ -f "$tarball" ] || lab_die "$tarball missing: run tools/lab/build/deps.sh"
		tar -C "$dir" --strip-components=1 -xJf "$tarball" \
			"${files[@]/#/linux-source-6.12/}"
	fi
}

build_pcitest() {
	local s=$work/src bin=$work/x86_64/usr/local/bin

	# Under lab_step "set -e" does not apply: stop at the first failure.
	fetch_sources "$s" || return
	mkdir -p "$bin" "$s/include/linux" || return
	# The tool includes <linux/pcitest.h>: take it from the same kernel
	# rather than from the build machine's (older) kernel headers.
	cp "$s/include/uapi/linux/pcitest.h" "$s/include/linux/" || return
	gcc -static -O2 -Wall -D_GNU_SOURCE -I"$s/include" \
		-o "$bin/pcitest" "$s/tools/pci/pcitest.c" || return
	strip "$bin/pcitest" &&
		install -m 755 "$s/tools/pci/pcitest.sh" "$bin/pcitest.sh" &&
		file "$bin/pcitest"
}

build_db_test() {
	local bin=$work/x86_64/usr/local/bin

	mkdir -p "$bin" || return
	gcc -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-o "$bin/db-test" "$progs_src/db-test.c" &&
		strip "$bin/db-test" &&
		file "$bin/db-test"
}

# The selftests built and installed the kernel's way, in both guests
install_selftests() {
	local tree=$work/src/tools/testing/selftests arch cross

	mkdir -p "$tree/drivers/ntb" &&
		cp -a "$selftests" "$tree/drivers/ntb/" || return
	for arch in x86_64 arm64; do
		cross=
		[ "$arch" = x86_64 ] || cross=aarch64-linux-gnu-
		make -C "$tree" ARCH="$arch" CROSS_COMPILE=$cross \
			TARGETS=drivers/ntb/vntb USERLDFLAGS=-static \
			KSFT_INSTALL_PATH="$work/$arch/usr/share/vntb-selftests" \
			install || return
		make -C "$tree" TARGETS=drivers/ntb/vntb clean || return
		file "$work/$arch/usr/share/vntb-selftests/drivers/ntb/vntb/vntb_ctrl_layout" ||
			return
	done
}

work=$out.tmp.$$
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
lab_step "build pcitest (linux $pkgver)" build_pcitest >&2
lab_step "build db-test" build_db_test >&2
lab_step "install the vNTB selftests" install_selftests >&2
rm -rf "$work/src"
touch "$work/.done"
rm -rf "$out"
mv -T "$work" "$out"
echo "$out"
