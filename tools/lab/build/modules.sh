#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the project's out-of-tree kernel modules (everything the Kbuild
# files under the repository root list) against one lab kernel.
# Usage: modules.sh x86_64|arm64 [test|bench] (the kernel's flavour)
# Both flavours have the test-only modules (VNTB_TEST_MODULES=1, see
# Kbuild: the lab's controller, the doorbell test pair, KUnit); the test
# flavour's modules also have the fault injection knobs that the tests
# use (VNTB_FAULT_INJECTION=1), the bench flavour's do not.
# Progress goes to stderr; the last line of stdout is the directory that
# holds the .ko files.
#
# "make M=" writes its objects next to the sources, so each build works on
# its own copy of them: the two architectures never share objects, and the
# clone stays clean. Builds are cached, keyed by the sources, the kernel
# and the cross compiler.
set -euo pipefail
. "$(dirname "$0")/common.sh"

arch=${1:?usage: modules.sh x86_64|arm64 [test|bench]}
flavour=${2:-test}
case "$arch" in
x86_64) karch=x86_64 cross= ;;
arm64) karch=arm64 cross=aarch64-linux-gnu- ;;
*) lab_die "unknown kernel architecture '$arch'" ;;
esac
case "$flavour" in
test) fault=1 ;;
bench) fault=0 ;;
*) lab_die "unknown kernel flavour '$flavour'" ;;
esac

self=$(readlink -f "$0")
kernel=$("$LAB_TOP/tools/lab/build/kernel.sh" "$arch" "$flavour" | tail -n 1)
kdir=$kernel/build
[ -f "$kdir/Module.symvers" ] || lab_die "$kdir is not a built kernel tree"
command -v "${cross}gcc" >/dev/null || lab_die "${cross}gcc missing: run tools/lab/build/deps.sh"

# What kbuild reads, relative to the repository root. Objects left behind
# by an in-place "make -C \$KDIR M=\$PWD" are not sources: not copied.
mapfile -t files < <(cd "$LAB_TOP" && {
	echo Kbuild
	echo VERSION
	find drivers include -type f \( -name Kbuild -o -name Makefile \
		-o -name '*.[ch]' \)
} | LC_ALL=C sort)

LAB_KEY_EXTRA="$arch $flavour $kernel $("${cross}gcc" --version | head -n 1) ${files[*]}"
key=$(cd "$LAB_TOP" && lab_key "${files[@]}" "$self")
out="$LAB_CACHE/modules/$arch-$key"

if [ -f "$out/.done" ]; then
	echo "$out/ko"
	exit 0
fi

# Build in a private directory, published by one rename: a concurrent run
# or an interrupted one never leaves a half-built entry behind.
work="$out.tmp.$$"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/ko"
(cd "$LAB_TOP" && cp --parents "${files[@]}" "$work/src/")

build() {
	# Under lab_step "set -e" does not apply: stop at a failed make.
	make -C "$kdir" M="$work/src" ARCH="$karch" CROSS_COMPILE="$cross" \
		KCFLAGS=-Werror VNTB_TEST_MODULES=1 \
		VNTB_FAULT_INJECTION="$fault" -j"$LAB_JOBS" \
		modules || return
	find "$work/src" -name '*.ko' -exec cp -t "$work/ko" {} +
	ls -l "$work/ko"
}

lab_step "build $arch modules" build >&2
touch "$work/.done"
if ! mv -T "$work" "$out" 2>/dev/null; then
	# Another run published the same entry first: it is as good as ours.
	[ -f "$out/.done" ] || lab_die "cannot publish $out"
fi
echo "$out/ko"
