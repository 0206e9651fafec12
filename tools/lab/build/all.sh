#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build everything the lab needs, or find it in the cache, and describe it
# in out/lab-env for tools/lab/lab. The entry point of "make lab" and
# "make check"; with nothing changed it takes seconds.
#
#   all.sh [--flavour test|bench]
#
# The bench flavour builds kernels without the tests' debugging (see
# kernel.sh) and describes them in out/lab-env-bench instead, for the
# benchmark (LAB_ENV=out/lab-env-bench tools/lab/lab ...).
#
#   deps.sh                Debian packages, the arm64 architecture
#   kernel.sh x86_64|arm64 the two kernels and their modules
#   qemu.sh                QEMU with the emulated link devices
#   modules.sh ARCH        the project's own modules (if there yet)
#   progs.sh               test programs no package has (pcitest)
#   rootfs.sh ARCH ...     base root file systems, then the initrds
#
# Each script shows what it builds and how long that took; this one adds
# how long each piece took in all, cached or not.
set -euo pipefail
shopt -s inherit_errexit
. "$(dirname "$0")/common.sh"

build=$LAB_TOP/tools/lab/build
out=$LAB_TOP/out
t_all=$(date +%s)

flavour=test envfile=lab-env
case "${1:-}" in
"") ;;
--flavour)
	flavour=${2:?usage: all.sh [--flavour test|bench]}
	[ "$flavour" = test ] || envfile=lab-env-$flavour
	;;
*) lab_die "usage: all.sh [--flavour test|bench]" ;;
esac

# piece NAME CMD...: run a build script, check that the last line of its
# stdout is an existing directory, print that line.
piece() {
	local name=$1 t0 dir
	shift
	t0=$(date +%s)
	dir=$("$@" | tail -n 1)
	[ -d "$dir" ] || lab_die "$name: $1 printed no directory ('$dir')"
	printf '  %-44s ... ready, %ss\n' "$name" $(($(date +%s) - t0)) >&2
	echo "$dir"
}

echo "lab: building (cache: $LAB_CACHE)" >&2
"$build/deps.sh"
kernel_x86=$(piece "kernel x86_64 ($flavour)" "$build/kernel.sh" x86_64 "$flavour")
kernel_arm=$(piece "kernel arm64 ($flavour)" "$build/kernel.sh" arm64 "$flavour")
qemu=$(piece "qemu" "$build/qemu.sh")

mods_x86= mods_arm=
if [ -x "$build/modules.sh" ]; then
	mods_x86=$(piece "project modules x86_64" "$build/modules.sh" x86_64 \
		"$flavour")
	mods_arm=$(piece "project modules arm64" "$build/modules.sh" arm64 \
		"$flavour")
else
	echo "  project modules: no tools/lab/build/modules.sh yet, skipped" >&2
fi

progs=$(piece "test programs" "$build/progs.sh")
initrd_x86=$(piece "host initrd (x86_64)" "$build/rootfs.sh" x86_64 \
	"$kernel_x86" ${mods_x86:+--modules "$mods_x86"} --progs "$progs")
initrd_arm=$(piece "endpoint initrd (arm64)" "$build/rootfs.sh" arm64 \
	"$kernel_arm" ${mods_arm:+--modules "$mods_arm"} --progs "$progs")

kver=$(cat "$kernel_x86/build/include/config/kernel.release")
qver=$("$qemu/qemu-system-x86_64" --version | head -n 1)
qver=${qver#QEMU emulator version }

mkdir -p "$out"
{
	echo "# Written by tools/lab/build/all.sh; read by tools/lab/lab."
	printf 'LAB_QEMU_DIR=%q\n' "$qemu"
	printf 'LAB_EP_KERNEL=%q\n' "$kernel_arm/Image"
	printf 'LAB_HOST_KERNEL=%q\n' "$kernel_x86/bzImage"
	printf 'LAB_EP_INITRD=%q\n' "$initrd_arm/initrd.gz"
	printf 'LAB_HOST_INITRD=%q\n' "$initrd_x86/initrd.gz"
	printf 'LAB_KERNEL_VERSION=%q\n' "$kver"
	printf 'LAB_QEMU_VERSION=%q\n' "$qver"
} >"$out/$envfile.tmp"
mv "$out/$envfile.tmp" "$out/$envfile"
echo "lab: built in $(($(date +%s) - t_all))s; see out/$envfile" >&2
