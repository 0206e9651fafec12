#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Root file systems of the lab guests, as initramfs images.
#
#   rootfs.sh ARCH
#	The base image: Debian's busybox-static, dash, coreutils, iproute2
#	and iperf3 of that architecture with the shared libraries they
#	need, the guest files of tools/lab/guest/ and
#	tools/vntb-setup/vntb-setup (in /usr/local/bin). The packages are
#	downloaded with "apt-get download" and unpacked with "dpkg-deb -x",
#	never installed.
#	Prints the cache directory holding base.cpio.gz.
#
#   rootfs.sh ARCH KERNEL_DIR [--modules DIR] [--progs DIR]
#	The initrd of one lab kernel: the base image followed by a small
#	overlay with the kernel's modules (KERNEL_DIR as printed by
#	kernel.sh), the project's modules (every *.ko below DIR, as built by
#	modules.sh) and the test programs (DIR/ARCH/ of progs.sh, copied as
#	a tree). Linux unpacks concatenated compressed cpio archives in
#	order, so the initrd is the two files one after the other. Prints
#	the cache directory holding initrd.gz.
#
# ARCH is x86_64 or arm64. Progress goes to stderr, the directory is the
# last line on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage="usage: rootfs.sh x86_64|arm64 [KERNEL_DIR [--modules DIR] [--progs DIR]]"
arch=${1:?$usage}
shift
case "$arch" in
x86_64) debarch=amd64 triplet=x86_64-linux-gnu ;;
arm64) debarch=arm64 triplet=aarch64-linux-gnu ;;
*) lab_die "unknown guest architecture '$arch'" ;;
esac

# What the guests run; their library packages are found by following
# Depends, the libraries themselves are then checked with readelf. dash
# is /bin/sh, as on Debian: busybox's shell runs its own applets before
# anything in PATH (its "ip" instead of iproute2's). coreutils: the
# kselftest runner wants its timeout (--foreground, which busybox's lacks).
roots=(busybox-static dash coreutils iproute2 iperf3)

guest=$LAB_TOP/tools/lab/guest
# The project's own board tool, which the endpoint's set-up uses
setup_tool=$LAB_TOP/tools/vntb-setup/vntb-setup
guest_files=("$guest/init" "$guest/agent" "$guest/lab-wait" "$guest/lab-modload"
	"$setup_tool" "$guest"/etc/*)
pool=$LAB_CACHE/debs

# resolve_packages: one "name version filename" line per package to
# unpack: the roots, and the closure of their Depends and Pre-Depends
# over library packages (Multi-Arch: same). Maintainer-script helpers
# such as debconf are not libraries and are left out; the first of
# several alternatives is taken.
resolve_packages() {
	local -A seen=()
	local queue=("${roots[@]}") next name ver file ma deps dep p

	for p in "${roots[@]}"; do seen[$p]=root; done
	while [ ${#queue[@]} -gt 0 ]; do
		next=()
		while IFS='|' read -r name ver file ma deps; do
			if [ "${seen[$name]:-}" != root ] && [ "$ma" != same ]; then
				continue
			fi
			echo "$name $ver ${file##*/}"
			for dep in ${deps//,/ }; do
				[ -n "${seen[$dep]:-}" ] && continue
				seen[$dep]=dep
				next+=("$dep")
			done
		done < <(apt-cache show --no-all-versions \
				"${queue[@]/%/:$debarch}" 2>/dev/null |
			awk -v RS= -F '\n' '
			function field(name,   i) {
				for (i = 1; i <= NF; i++)
					if (index($i, name ": ") == 1)
						return substr($i, length(name) + 3)
				return ""
			}
			{
				d = field("Pre-Depends") ", " field("Depends")
				n = split(d, alt, ",")
				deps = ""
				for (i = 1; i <= n; i++) {
					sub(/\|.*/, "", alt[i])
					sub(/\(.*/, "", alt[i])
					sub(/:any/, "", alt[i])
					gsub(/[ \t]/, "", alt[i])
					if (alt[i] != "")
						deps = deps "," alt[i]
				}
				print field("Package") "|" field("Version") "|" \
					field("Filename") "|" field("Multi-Arch") "|" deps
			}')
		queue=("${next[@]}")
	done
}

# download: fetch into the pool, in one go, every listed package it does
# not hold yet. apt-get names files with an escaped epoch; the pool uses
# the archive's own file names, so that the names say what is inside.
download() {
	local tmp name ver file want=() f

	while read -r name ver file; do
		[ -f "$pool/$file" ] || want+=("$name:$debarch=$ver")
	done <<<"$pkgs"
	[ ${#want[@]} -gt 0 ] || return 0
	tmp=$(mktemp -d "$pool/.dl.XXXXXX") || return
	(cd "$tmp" && apt-get download "${want[@]}") || { rm -rf "$tmp"; return 1; }
	while read -r name ver file; do
		[ -f "$pool/$file" ] && continue
		for f in "$tmp/${name}_"*"_$debarch.deb"; do
			mv "$f" "$pool/$file" || { rm -rf "$tmp"; return 1; }
		done
	done <<<"$pkgs"
	rm -rf "$tmp"
}

# tree_file ROOT PATH: PATH, resolved inside ROOT (symbolic links
# included), is a regular file.
tree_file() {
	local root=$1 path=$2 hops=0 target

	while [ -L "$root$path" ]; do
		target=$(readlink "$root$path")
		case "$target" in
		/*) path=$target ;;
		*) path=$(dirname "$path")/$target ;;
		esac
		hops=$((hops + 1))
		[ $hops -lt 32 ] || return 1
	done
	[ -f "$root$path" ]
}

# check_libraries ROOT: every ELF file's program interpreter and DT_NEEDED
# libraries are present in ROOT. Lists everything missing, then fails.
check_libraries() {
	local root=$1 f rel lib dir interp found missing=()
	local dirs=("/lib/$triplet" "/usr/lib/$triplet" /lib /usr/lib /lib64)

	while IFS= read -r -d '' f; do
		[ "$(head -c 4 "$f")" = $'\x7fELF' ] || continue
		rel=${f#"$root"}
		interp=$(readelf -lW "$f" |
			sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
		if [ -n "$interp" ] && ! tree_file "$root" "$interp"; then
			missing+=("$interp (interpreter of $rel)")
		fi
		for lib in $(readelf -dW "$f" |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			found=
			for dir in "${dirs[@]}"; do
				if tree_file "$root" "$dir/$lib"; then
					found=1
					break
				fi
			done
			[ -n "$found" ] || missing+=("$lib (needed by $rel)")
		done
	done < <(find "$root" -type f -print0)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "rootfs: shared libraries missing from the $arch image:"
		printf '  %s\n' "${missing[@]}"
		echo "rootfs: add the packages providing them to 'roots' in $0"
		return 1
	fi
}

# pack DIR OUT: DIR as a gzip'd newc cpio owned by root, in a stable order
# and with fixed times, so that equal inputs give an equal image.
pack() {
	(
		cd "$1" || exit
		find . -mindepth 1 -exec touch -h -d @0 {} + || exit
		find . -mindepth 1 | LC_ALL=C sort |
			cpio --quiet -o -H newc -R 0:0 --reproducible
	) | gzip -6n >"$2.tmp" && mv "$2.tmp" "$2"
}

build_base() {
	local root=$1 name ver file

	# Under lab_step "set -e" does not apply: stop at the first failure.
	while read -r name ver file; do
		dpkg-deb -x "$pool/$file" "$root" || return
	done <<<"$pkgs"

	# Only what runs: no documentation, locales, charset converters, tc's
	# qdisc plugins (q_atm.so would need libatm) or service files of other
	# init systems.
	rm -rf "$root"/usr/share/{doc,man,info,locale,lintian,bug} \
		"$root"/usr/share/{bash-completion,zsh,initramfs-tools} \
		"$root/usr/lib/$triplet/gconv" "$root"/etc/init.d \
		"$root/usr/lib/$triplet/tc" \
		"$root"/lib/systemd "$root"/usr/lib/systemd

	mkdir -p "$root"/{proc,sys,dev,tmp,run,root,lab,etc} \
		"$root"/usr/local/{bin,sbin}
	chmod 1777 "$root/tmp"
	chmod 700 "$root/root"
	# The kernel opens /dev/console for init before anything is mounted.
	mknod -m 600 "$root/dev/console" c 5 1
	mknod -m 666 "$root/dev/null" c 1 3
	install -m 755 "$guest/init" "$root/init"
	install -m 755 "$guest/agent" "$root/lab/agent"
	install -m 755 "$guest/lab-wait" "$root/usr/local/bin/lab-wait"
	install -m 755 "$guest/lab-modload" "$root/usr/local/bin/lab-modload"
	install -m 755 "$setup_tool" "$root/usr/local/bin/vntb-setup"
	install -m 644 "$guest"/etc/* "$root/etc/"
	ln -sf dash "$root/bin/sh"

	check_libraries "$root" || return
	pack "$root" "$base.tmp/base.cpio.gz"
}

# tree_digest DIR...: a digest of the names and contents of the files
# below each DIR that exists.
tree_digest() {
	local d
	for d in "$@"; do
		[ -d "$d" ] || continue
		(cd "$d" && find . -type f -print0 | LC_ALL=C sort -z |
			xargs -0r sha256sum)
	done | sha256sum | cut -c1-16
}

build_overlay() {
	local root=$1 mods conf

	mods=$root/lib/modules/$kver
	mkdir -p "$mods"
	cp -a "$kdir/mods/lib/modules/$kver/." "$mods/" || return
	rm -f "$mods/build" "$mods/source"
	if [ -n "$moddir" ]; then
		# updates/ comes first in depmod's search: the project's
		# modules override in-tree ones of the same name.
		mkdir -p "$mods/updates/lab"
		find "$moddir" -name '*.ko' -exec cp {} "$mods/updates/lab/" \;
	fi
	if [ -n "$progdir" ] && [ -d "$progdir/$arch" ]; then
		cp -a "$progdir/$arch/." "$root/"
	fi
	conf=$(mktemp -d)
	echo "search updates built-in" >"$conf/lab.conf"
	depmod -b "$root" -C "$conf" "$kver" || { rm -rf "$conf"; return 1; }
	rm -rf "$conf"
	pack "$root" "$initrd.tmp/overlay.cpio.gz" || return
	cat "$base/base.cpio.gz" "$initrd.tmp/overlay.cpio.gz" \
		>"$initrd.tmp/initrd.gz"
}

# Resolving reads the whole package index (seconds per query): remember
# the answer for as long as the index files stay the same.
mkdir -p "$pool" "$LAB_CACHE/rootfs"
LAB_KEY_EXTRA="$arch ${roots[*]} $(stat -c '%n %s %Y' \
	/var/lib/apt/lists/*_Packages* 2>/dev/null)" key=$(lab_key "$0")
pkglist=$LAB_CACHE/rootfs/packages-$arch-$key
if [ ! -f "$pkglist" ]; then
	resolve_packages >"$pkglist.tmp"
	mv "$pkglist.tmp" "$pkglist"
fi
pkgs=$(cat "$pkglist")
for p in "${roots[@]}"; do
	grep -q "^$p " <<<"$pkgs" || {
		rm -f "$pkglist"
		lab_die "$p:$debarch not found by apt-cache: run tools/lab/build/deps.sh"
	}
done

LAB_KEY_EXTRA="$arch $(awk '{ print $3 }' <<<"$pkgs" | sort | tr '\n' ' ')" \
	key=$(lab_key "${guest_files[@]}" "$0")
base=$LAB_CACHE/rootfs/$arch-$key

if [ ! -f "$base/.done" ]; then
	lab_step "download $arch guest packages" download >&2
	rm -rf "$base" "$base.tmp"
	mkdir -p "$base.tmp/root"
	lab_step "build $arch base rootfs ($(wc -l <<<"$pkgs") packages)" \
		build_base "$base.tmp/root" >&2
	rm -rf "$base.tmp/root"
	touch "$base.tmp/.done"
	mv "$base.tmp" "$base"
fi

if [ $# -eq 0 ]; then
	echo "$base"
	exit 0
fi

kdir=$1
shift
moddir= progdir=
while [ $# -gt 0 ]; do
	case "$1" in
	--modules) moddir=${2:?$usage} ;;
	--progs) progdir=${2:?$usage} ;;
	*) lab_die "$usage" ;;
	esac
	shift 2
done
[ -f "$kdir/.done" ] || lab_die "$kdir is not a finished kernel build"
kver=$(cat "$kdir/build/include/config/kernel.release")
[ -z "$moddir" ] || [ -d "$moddir" ] || lab_die "no module directory $moddir"

LAB_KEY_EXTRA="$arch ${base##*/} ${kdir##*/} $kver
	$(tree_digest "$kdir/mods" ${moddir:+"$moddir"} \
		${progdir:+"$progdir/$arch"})" \
	key=$(lab_key "$0")
initrd=$LAB_CACHE/initrd/$arch-$key

if [ ! -f "$initrd/.done" ]; then
	rm -rf "$initrd" "$initrd.tmp"
	mkdir -p "$initrd.tmp/root"
	lab_step "assemble $arch initrd" build_overlay "$initrd.tmp/root" >&2
	rm -rf "$initrd.tmp/root"
	touch "$initrd.tmp/.done"
	mv "$initrd.tmp" "$initrd"
fi
echo "$initrd"
