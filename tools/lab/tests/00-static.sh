#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks: kernel C against the kernel's checkpatch (--strict) and
# kernel-doc (-Wall), the
# QEMU device C against QEMU's, shell and Python syntax, vntb-setup's,
# dkms.conf's and the modules' versions against VERSION, an SPDX line on
# every file that can carry one, make help against the Makefile's
# targets, the lab command's options in its guide, and the
# documentation's Sphinx build with warnings as errors.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$LAB_TOP/tools/lab/build/common.sh"
cd "$LAB_TOP" || exit 1

tap_plan 10

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

# Every tracked file names its licence in its first lines, but for these,
# whose format has no room for a comment (COPYING says so too), and the
# kernel patches, which are the kernel's (GPL-2.0) in its own mail format
SPDX_EXEMPT=(COPYING 'LICENSES/*' VERSION 'Documentation/bench/*.png'
	Documentation/bench/bench.json 'Documentation/bench/sweeps/*.json'
	tools/lab/guest/etc/passwd tools/lab/guest/etc/group
	'patches/linux-6.12/*.patch')
spdx_lines() {
	local f x id rc=0
	for f in $(git ls-files); do
		for x in "${SPDX_EXEMPT[@]}"; do
			# shellcheck disable=SC2053
			[[ $f == $x ]] && continue 2
		done
		id=$(head -n 5 "$f" |
			sed -n 's/.*SPDX-License-Identifier: \([A-Za-z0-9.+-]*\).*/\1/p')
		case $id in
		GPL-2.0 | GPL-2.0-or-later) ;;
		'') echo "$f: no SPDX-License-Identifier in its first 5 lines"; rc=1 ;;
		*) echo "$f: SPDX identifier '$id' has no text in LICENSES/"; rc=1 ;;
		esac
	done
	return $rc
}
tap_check "every file that can carry an SPDX line has one" spdx_lines

# VERSION is the project's version; vntb-setup carries a copy, since it
# is installed on a board alone, and dkms.conf one, since dkms reads it
# without running anything of ours; each module reports it (the top
# Kbuild passes it as VNTB_VERSION, 08-distro-build checks modinfo)
version_agrees() {
	local want got f
	want=$(cat VERSION) || return 1
	got=$(sh tools/vntb-setup/vntb-setup --version)
	[ "$got" = "vntb-setup $want" ] ||
		{ echo "vntb-setup --version says '$got', VERSION '$want'"; return 1; }
	got=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
	[ "$got" = "$want" ] ||
		{ echo "dkms.conf's PACKAGE_VERSION is '$got', VERSION '$want'"; return 1; }
	for f in $(grep -rl '^MODULE_LICENSE(' drivers); do
		grep -q '^MODULE_VERSION(VNTB_VERSION);$' "$f" ||
			{ echo "$f: a module without MODULE_VERSION(VNTB_VERSION)"; return 1; }
	done
}
tap_check "vntb-setup's, dkms.conf's and the modules' versions are VERSION's" version_agrees

# "make help" names every target of the Makefile: each rule's targets
# and each .PHONY one
make_help_complete() {
	local help t rc=0
	help=$(make -s --no-print-directory help) || return 1
	for t in $(sed -n -e 's/^\.PHONY: *//p' \
		-e '/:=/d' -e 's/^\([a-z][a-z0-9_ -]*\):.*/\1/p' Makefile |
		tr ' ' '\n' | sort -u); do
		grep -qE "^make $t( |\$)" <<<"$help" ||
			{ echo "make help does not list '$t'"; rc=1; }
	done
	return $rc
}
tap_check "make help lists every Makefile target" make_help_complete

# Every option and choice that a "lab" sub-command's --help prints is in
# the lab guide: an option anywhere, a choice (a --function value, a
# machine) as a literal of its own
lab_options_documented() {
	local guide=Documentation/lab/guide.rst cmds cmd help w rc=0
	# the sub-commands, as "lab --help" lists them under COMMAND
	cmds=$(python3 tools/lab/lab --help |
		sed -n '/^  COMMAND$/,/^$/s/^    \([a-z][a-z-]*\) .*/\1/p')
	[ -n "$cmds" ] || { echo "lab --help lists no sub-command"; return 1; }
	for cmd in $cmds; do
		help=$(python3 tools/lab/lab "$cmd" --help) || return 1
		for w in $(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u); do
			[ "$w" != --help ] || continue
			grep -qE -- "$w([^a-z0-9-]|\$)" "$guide" ||
				{ echo "lab $cmd $w is not in $guide"; rc=1; }
		done
		for w in $(grep -oE '\{[^}]*\}' <<<"$help" | tr -d '{}' |
			tr , '\n' | sort -u); do
			grep -qF "\`\`$w\`\`" "$guide" ||
				{ echo "lab $cmd's choice $w is not in $guide"; rc=1; }
		done
	done
	return $rc
}
tap_check "the lab command's options and choices are in the lab guide" \
	lab_options_documented

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
