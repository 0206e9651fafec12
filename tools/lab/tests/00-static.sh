#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks: kernel C against the kernel's checkpatch (--strict), the
# QEMU device C against QEMU's, shell and Python syntax, and the
# documentation's Sphinx build with warnings as errors.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/tools/lab/build/common.sh"
cd "$LAB_TOP" || exit 1

tap_plan 6

kcp="$(lab_kernel_src)/scripts/checkpatch.pl"
kfiles=$(git ls-files -- 'drivers/*.[ch]' 'include/*.h' 'selftests/*.[ch]')
if [ ! -f "$kcp" ]; then
	tap_skip "kernel checkpatch --strict" "no kernel source at $kcp"
elif [ -z "$kfiles" ]; then
	tap_skip "kernel checkpatch --strict" "no kernel C files yet"
else
	# shellcheck disable=SC2086
	tap_check "kernel checkpatch --strict" \
		perl "$kcp" --strict --no-tree --terse --show-types -q -f $kfiles
fi

# kernel-doc prints a warning for each comment it cannot match with what
# it documents, and exits 0 even then: the warnings are the verdict.
kdoc="$(lab_kernel_src)/scripts/kernel-doc"
kernel_doc() {
	local warnings
	# shellcheck disable=SC2086
	warnings=$(perl "$kdoc" -none -Wall $kfiles 2>&1) &&
		[ -z "$warnings" ] && return 0
	echo "$warnings"
	return 1
}
if [ ! -f "$kdoc" ]; then
	tap_skip "kernel-doc -Wall" "no kernel source at $kdoc"
elif [ -z "$kfiles" ]; then
	tap_skip "kernel-doc -Wall" "no kernel C files yet"
else
	tap_check "kernel-doc -Wall" kernel_doc
fi

qcp=$(ls "$LAB_CACHE"/src/qemu-*/scripts/checkpatch.pl 2>/dev/null | head -n 1)
qfiles=$(git ls-files -- 'tools/qemu/*.[ch]')
if [ -z "$qcp" ]; then
	tap_skip "QEMU checkpatch" "no QEMU source in $LAB_CACHE/src"
elif [ -z "$qfiles" ]; then
	tap_skip "QEMU checkpatch" "no QEMU device sources yet"
else
	# QEMU's checkpatch takes one file at a time with -f
	qemu_checkpatch() {
		local f rc=0
		for f in $qfiles; do
			perl "$qcp" --no-tree -q -f "$f" || rc=1
		done
		return $rc
	}
	tap_check "QEMU checkpatch" qemu_checkpatch
fi

shell_syntax() {
	local f rc=0
	for f in $(git ls-files -- '*.sh' .ci/run tools/lab/guest); do
		case "$(head -n 1 "$f")" in
		*python*) continue ;;
		esac
		bash -n "$f" || rc=1
	done
	return $rc
}
tap_check "shell scripts parse" shell_syntax

python_syntax() {
	local f
	for f in $(git ls-files -- '*.py') tools/lab/lab tools/lab/bench; do
		[ -f "$f" ] || continue
		python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' \
			"$f" || return 1
	done
}
tap_check "Python parses" python_syntax

# The documentation as "make docs" builds it, into a directory of its own
sphinx_docs() {
	local out rc

	out=$(mktemp -d) || return 1
	sphinx-build -W --keep-going -q -b html Documentation "$out"
	rc=$?
	rm -rf "$out"
	return $rc
}
if ! command -v sphinx-build >/dev/null; then
	tap_skip "Sphinx documentation build (-W)" \
		"no sphinx-build (Debian package python3-sphinx)"
else
	tap_check "Sphinx documentation build (-W)" sphinx_docs
fi
