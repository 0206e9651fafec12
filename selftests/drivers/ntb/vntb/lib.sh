# SPDX-License-Identifier: GPL-2.0
# Shared by the vNTB selftests: KTAP output as kselftest prints it, and
# what every test needs to know about the vNTB it runs on. POSIX sh: the
# tests run under dash and busybox ash.
#
# Environment:
#   NTB_IF     the NTB network interface (default ntb0)
#   PEER       the peer's address on it (required by the tests that talk)
#   VNTB_SIDE  "ep" or "host" to override the detection

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

NTB_IF=${NTB_IF:-ntb0}
PEER=${PEER:-}

ktap_n=0
ktap_pass=0
ktap_fail=0
ktap_skip=0

ktap_print_header() {
	echo "TAP version 13"
}

ktap_set_plan() {
	echo "1..$1"
}

# ktap_skip_all REASON: nothing of this file can run here
ktap_skip_all() {
	echo "1..0 # SKIP $1"
	exit $KSFT_SKIP
}

ktap_test_pass() {
	ktap_n=$((ktap_n + 1))
	ktap_pass=$((ktap_pass + 1))
	echo "ok $ktap_n $1"
}

ktap_test_fail() {
	ktap_n=$((ktap_n + 1))
	ktap_fail=$((ktap_fail + 1))
	echo "not ok $ktap_n $1"
}

# ktap_test_skip DESC REASON
ktap_test_skip() {
	ktap_n=$((ktap_n + 1))
	ktap_skip=$((ktap_skip + 1))
	echo "ok $ktap_n $1 # SKIP $2"
}

ktap_print_msg() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# ktap_check DESC CMD...: pass when CMD succeeds, else fail with its
# output as the diagnostic
ktap_check() {
	_desc=$1
	shift
	if _out=$("$@" 2>&1); then
		ktap_test_pass "$_desc"
	else
		ktap_test_fail "$_desc"
		[ -z "$_out" ] || ktap_print_msg "$_out"
	fi
}

# ktap_skip_rest PLANNED REASON: skip every planned test not run yet
ktap_skip_rest() {
	while [ "$ktap_n" -lt "$1" ]; do
		ktap_test_skip "not run" "$2"
	done
}

# ktap_finished: the summary line, and kselftest's exit status: fail if
# anything failed, skip if nothing passed but something was skipped
ktap_finished() {
	echo "# Totals: pass:$ktap_pass fail:$ktap_fail skip:$ktap_skip"
	[ "$ktap_fail" -eq 0 ] || exit $KSFT_FAIL
	[ "$ktap_pass" -gt 0 ] || [ "$ktap_skip" -eq 0 ] || exit $KSFT_SKIP
	exit $KSFT_PASS
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
	is_root || ktap_skip_all "needs root"
	[ -n "$PEER" ] || ktap_skip_all "PEER (the peer's address on $NTB_IF) not set"
	[ -d "/sys/class/net/$NTB_IF" ] ||
		ktap_skip_all "no $NTB_IF: no vNTB network device (ntb_netdev)"
}
