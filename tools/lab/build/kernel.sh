#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build one lab kernel from Debian's linux-source-6.12 and the fragments in
# configs/. Usage: kernel.sh x86_64|arm64 [test|bench]
# The test flavour (the default) carries the debugging the tests rely on
# (lockdep, KASAN on the host, KUnit; kmemleak from configs/lab-test.config);
# the bench flavour drops it, with configs/lab-bench.config merged last.
# Prints the cache directory that holds Image/bzImage, the build tree (for
# out-of-tree modules: KDIR) and the installed modules.
set -euo pipefail
. "$(dirname "$0")/common.sh"

arch=${1:?usage: kernel.sh x86_64|arm64 [test|bench]}
flavour=${2:-test}
case "$arch" in
x86_64) karch=x86_64 cross= image=arch/x86/boot/bzImage ;;
arm64) karch=arm64 cross=aarch64-linux-gnu- image=arch/arm64/boot/Image ;;
*) lab_die "unknown kernel architecture '$arch'" ;;
esac

tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || lab_die "$tarball missing: run tools/lab/build/deps.sh"
pkgver=$(lab_pkg_version linux-source-6.12)
frags=("$LAB_TOP/configs/lab-common.config" "$LAB_TOP/configs/lab-$arch.config")
case "$flavour" in
test) frags+=("$LAB_TOP/configs/lab-test.config") ;;
bench) frags+=("$LAB_TOP/configs/lab-bench.config") ;;
*) lab_die "unknown kernel flavour '$flavour'" ;;
esac
mapfile -t patches < <(lab_kernel_patches)
# Keyed by what decides the result: source version, architecture,
# fragments and patches (not this script, so that mending it does not cost
# a rebuild).
LAB_KEY_EXTRA="$pkgver $arch" key=$(lab_key "${frags[@]}" "${patches[@]}")
pristine=$(lab_kernel_src)
# The patched tree, shared by every entry built with the same patches
src=$pristine
if [ ${#patches[@]} -gt 0 ]; then
	src="$pristine+$(LAB_KEY_EXTRA=$pkgver lab_key "${patches[@]}")"
fi
out="$LAB_CACHE/kernel/$arch-$key"

if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

# One build of an entry at a time; a second caller waits, then finds it.
mkdir -p "$LAB_CACHE/kernel"
exec 9>"$LAB_CACHE/kernel/.lock-$arch-$key"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

if [ ! -f "$pristine/.done" ]; then
	rm -rf "$pristine" "$pristine.tmp"
	mkdir -p "$pristine.tmp"
	lab_step "unpack linux-source $pkgver" \
		tar -C "$pristine.tmp" --strip-components=1 -xJf "$tarball" >&2
	touch "$pristine.tmp/.done"
	mv "$pristine.tmp" "$pristine"
fi

apply_patches() {
	local p
	cp -a "$pristine" "$src.tmp" || return
	for p in "${patches[@]}"; do
		echo "applying $(basename "$p")"
		patch -d "$src.tmp" -p1 -N --no-backup-if-mismatch <"$p" || return
	done
}

# Another entry's build may be patching the same tree: one at a time.
exec 8>"$LAB_CACHE/src/.lock-patch"
flock 8
if [ ! -f "$src/.done" ]; then
	rm -rf "$src" "$src.tmp"
	lab_step "apply ${#patches[@]} patch(es) to linux $pkgver" \
		apply_patches >&2
	mv "$src.tmp" "$src"
fi
flock -u 8

# Refuse a fragment line that Kconfig silently dropped (a typo, a missing
# dependency): the lab would otherwise boot without what the tests need.
# A later fragment's line for a symbol replaces an earlier one's.
check_config() {
	local line sym want bad=0
	local -A wants=()
	for f in "${frags[@]}"; do
		while IFS= read -r line; do
			case "$line" in CONFIG_*=*) ;; *) continue ;; esac
			wants[${line%%=*}]=${line#*=}
		done <"$f"
	done
	for sym in "${!wants[@]}"; do
		want=${wants[$sym]}
		if [ "$want" = n ]; then
			grep -q "^$sym=" "$out/build/.config" || continue
		else
			grep -qx "$sym=$want" "$out/build/.config" && continue
		fi
		echo "config: $sym=$want requested, got:" \
			"$(grep "^$sym=\|^# $sym is" "$out/build/.config" || echo unset)"
		bad=1
	done
	return $bad
}

configure() {
	make -C "$src" O="$out/build" ARCH=$karch CROSS_COMPILE=$cross \
		allnoconfig || return
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out/build" \
		"$out/build/.config" "${frags[@]}" || return
	make -C "$src" O="$out/build" ARCH=$karch CROSS_COMPILE=$cross \
		olddefconfig || return
	check_config
}

build() {
	make -C "$src" O="$out/build" ARCH=$karch CROSS_COMPILE=$cross \
		-j"$LAB_JOBS" "$(basename $image)" modules || return
	rm -rf "$out/mods"
	make -C "$src" O="$out/build" ARCH=$karch CROSS_COMPILE=$cross \
		INSTALL_MOD_PATH="$out/mods" INSTALL_MOD_STRIP=1 \
		modules_install || return
	cp "$out/build/$image" "$out/$(basename $image)"
}

# An interrupted build resumes where it stopped: the entry's name already
# pins the configuration, so only a missing stamp means "configure".
mkdir -p "$out/build"
if [ ! -f "$out/.configured" ]; then
	lab_step "configure $arch kernel" configure >&2
	touch "$out/.configured"
fi
lab_step "build $arch kernel $pkgver" build >&2
touch "$out/.done"
echo "$out"
