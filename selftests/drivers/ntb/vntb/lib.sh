# SPDX-License-Identifier: GPL-2.0
# Shared by the vNTB selftests: what every test needs to know about the
# vNTB it runs on. POSIX sh: the tests run under dash and busybox ash.
#
# Environment:
#   NTB_IF     the NTB network interface (default ntb0)
#   PEER       the peer's address on it (required by the tests that talk)
#   VNTB_SIDE  "ep" or "host" to override the detection

# kselftest's KTAP helpers (ktap_print_header, ktap_set_plan,
# ktap_test_pass/fail/skip, ktap_finished, the KSFT_* statuses), found
# three levels up both in the kernel tree (tools/testing/selftests/) and
# in an installed one (make -C tools/testing/selftests install).
. "$(dirname "$0")/../../../kselftest/ktap_helpers.sh"

NTB_IF=${NTB_IF:-ntb0}
PEER=${PEER:-}

# vntb_skip_all REASON: nothing of this program applies here; the empty
# plan with its reason, and kselftest's skip status
vntb_skip_all() {
	ktap_skip_all "$1"
	exit "$KSFT_SKIP"
}

# vntb_skip DESC REASON: one test skipped, its reason the line before
vntb_skip() {
	vntb_diag "$1: $2"
	ktap_test_skip "$1"
}

# vntb_diag TEXT: TEXT as diagnostic lines, one "# " line per line
vntb_diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# vntb_check DESC CMD...: pass when CMD succeeds, else fail with its
# output as the diagnostic
vntb_check() {
	_desc=$1
	shift
	if _out=$("$@" 2>&1); then
		ktap_test_pass "$_desc"
	else
		[ -z "$_out" ] || vntb_diag "$_out"
		ktap_test_fail "$_desc"
	fi
}

# nap: a short pause between two looks at a condition
nap() {
	sleep 0.2 2>/dev/null || sleep 1
}

# wait_for SECONDS CMD...: until CMD succeeds, for at most SECONDS
wait_for() {
	_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		nap
	done
}

# vntb_side: "ep" on the endpoint (pci-epf-vntb loaded), "host" on the
# host (ntb_hw_epf loaded), nothing otherwise
vntb_side() {
	if [ -n "${VNTB_SIDE:-}" ]; then
		echo "$VNTB_SIDE"
	elif [ -d /sys/module/pci_epf_vntb ]; then
		echo ep
	elif [ -d /sys/module/ntb_hw_epf ]; then
		echo host
	fi
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

have() {
	command -v "$1" >/dev/null 2>&1
}

carrier_is() {
	[ "$(cat "/sys/class/net/$NTB_IF/carrier" 2>/dev/null)" = "$1" ]
}

# ping_peer COUNT: COUNT pings to the peer, all answered
ping_peer() {
	ping -c "$1" -W 5 "$PEER"
}

# reach_peer SECONDS: until one ping is answered
reach_peer() {
	wait_for "$1" ping -c 1 -W 1 "$PEER"
}

# need_link: skip everything unless NTB_IF exists, PEER is set and root
need_link() {
	is_root || vntb_skip_all "needs root"
	[ -n "$PEER" ] || vntb_skip_all "PEER (the peer's address on $NTB_IF) not set"
	[ -d "/sys/class/net/$NTB_IF" ] ||
		vntb_skip_all "no $NTB_IF: no vNTB network device (ntb_netdev)"
}
