# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the lab's build scripts: where the cache lives, how
# its entries are keyed, and progress output. Sourced, never run.

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
LAB_CACHE=${VNTB_LAB_CACHE:-/var/cache/vntb-lab}
LAB_JOBS=${LAB_JOBS:-$(nproc)}

# lab_key FILE...: a short digest of the named files' contents, plus any
# extra words given in LAB_KEY_EXTRA. Cache entries are named after it, so
# changing an input builds a new entry instead of reusing a stale one. A
# file's first line when it is a "# SPDX-License-Identifier:" comment is
# left out: a licence line changes nothing in what is built (the kernel
# configuration fragments and QEMU's Kconfig and meson.build got theirs
# without costing a rebuild).
lab_key() {
	local f
	{
		printf '%s\n' "${LAB_KEY_EXTRA:-}"
		for f in "$@"; do
			sed '1{/^# SPDX-License-Identifier: /d}' "$f"
		done
	} | sha256sum | cut -c1-16
}

lab_pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null
}

# lab_step NAME CMD...: run CMD with its output in a log file, telling the
# user what is being built and how long it took. On failure the tail of
# the log is shown and CMD's status returned. CMD runs where "set -e" does
# not apply, so a shell function given as CMD must stop at its first
# failure by itself (&& chains or "|| return").
lab_step() {
	local name=$1 log start rc=0
	shift
	log="$LAB_CACHE/logs/$(echo "$name" | tr ' /' '__').log"
	mkdir -p "$LAB_CACHE/logs"
	start=$(date +%s)
	printf '  %-44s ... ' "$name"
	"$@" >"$log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		printf 'done in %ss\n' $(($(date +%s) - start))
		return 0
	fi
	printf 'FAILED after %ss (log: %s)\n' $(($(date +%s) - start)) "$log"
	tail -n 30 "$log" | sed 's/^/    | /'
	return $rc
}

lab_die() {
	echo "lab: $*" >&2
	exit 1
}

# The unpacked kernel source as Debian ships it (kernel.sh builds from a
# copy with patches/linux-6.12 applied; the static checks use its
# scripts/checkpatch.pl).
lab_kernel_src() {
	echo "$LAB_CACHE/src/linux-$(lab_pkg_version linux-source-6.12)"
}

# lab_kernel_patches: the fixes to Linux 6.12 the lab's kernels carry,
# paths in the order patches/linux-6.12/series gives
lab_kernel_patches() {
	local dir=$LAB_TOP/patches/linux-6.12 line
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; esac
		[ -f "$dir/$line" ] || lab_die "$dir/series names a missing $line"
		echo "$dir/$line"
	done <"$dir/series"
}
