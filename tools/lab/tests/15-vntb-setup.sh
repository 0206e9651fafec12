#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/vntb-setup on the endpoint alone ("lab up --function none": the
# controller driver, no function, no host link), with upstream's
# pci-epf-vntb loaded as the lab loads it. Every refusal is one line on
# stderr, exit status 2, nothing on stdout and configfs unchanged;
# --dry-run changes nothing; a step the kernel refuses is undone; up,
# status and down leave configfs as it was; the tool's own variables set
# in the environment change nothing. The guest's /bin/sh is dash,
# which runs the refusals; the set-up itself runs under busybox ash. The
# lab's vNTB functions (functions.py) run the tool under dash on every
# "lab up" with a host, which the interop tests cover.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

tool=$LAB_TOP/tools/vntb-setup/vntb-setup
ash="busybox ash /usr/local/bin/vntb-setup"
fn=/sys/kernel/config/pci_ep/functions/pci_epf_vntb

tap_plan 21

if command -v shellcheck >/dev/null; then
	tap_check "vntb-setup is shellcheck-clean as POSIX sh" \
		shellcheck -s sh "$tool"
else
	tap_skip "vntb-setup is shellcheck-clean as POSIX sh" \
		"shellcheck is not installed"
fi

if ! out=$(lab_start --function none 2>&1); then
	tap_fail "lab boots the endpoint alone" "$out"
	tap_fail_rest "the lab did not boot"
fi
tap_ok "lab boots the endpoint alone"

# /tmp/t15 CMD...: run CMD; print "rc=N err=LINES out=LINES", then
# "unchanged" or "changed" (configfs: its tree and the controllers'
# start), then CMD's stderr. /tmp/t15.initial: configfs as the test
# found it, with the driver loaded.
guest_setup() {
	ep "cat >/tmp/t15 <<'EOF'
#!/bin/sh
snap() {
	find /sys/kernel/config/pci_ep | sort
	cat /sys/kernel/config/pci_ep/controllers/*/start
}
snap >/tmp/t15.before
\"\$@\" >/tmp/t15.out 2>/tmp/t15.err
rc=\$?
snap >/tmp/t15.after
echo \"rc=\$rc err=\$(wc -l </tmp/t15.err) out=\$(wc -l </tmp/t15.out)\"
if cmp -s /tmp/t15.before /tmp/t15.after; then
	echo unchanged
else
	echo changed
	diff /tmp/t15.before /tmp/t15.after
fi
cat /tmp/t15.err
EOF
chmod +x /tmp/t15 &&
lab-modload --from upstream pci-epf-vntb &&
printf 'db-count = 8\ncolour = blue\n' >/tmp/unknown.conf &&
printf '# the test board\nname = t15\ndb_count = 8  # overridden\nmw1 = 1M\nmw2=64K\ndoorbell = auto\n' >/tmp/t15.conf &&
/tmp/t15 true >/dev/null && cp /tmp/t15.before /tmp/t15.initial &&
sh -n /usr/local/bin/vntb-setup && busybox ash -n /usr/local/bin/vntb-setup &&
vntb-setup --help | grep -q '^SYNOPSIS'"
}
tap_check "vntb-setup is installed, parses under dash and busybox ash, has --help" \
	guest_setup

# refused DESC GUEST-CMD: the command is refused in one line, exit
# status 2, nothing on stdout, configfs unchanged
refused() {
	local desc=$1 out
	out=$(ep "/tmp/t15 $2" 2>&1)
	if [ "$(head -n 2 <<<"$out")" = $'rc=2 err=1 out=0\nunchanged' ]; then
		tap_ok "refuses $desc: $(sed -n 3p <<<"$out")"
	else
		tap_fail "refuses $desc" "$out"
	fi
}

refused "a doorbell count beyond 32" "vntb-setup up --db-count 40"
refused "a malformed hex number" "vntb-setup up --vendor-id 0x19g7"
refused "an unknown key in the file" "vntb-setup up -f /tmp/unknown.conf"
refused "an unknown controller" "vntb-setup up --controller nosuch"
refused "a window size that is not a power of two" "vntb-setup up --mw1 5000"
refused "a doorbell mode upstream's driver does not have" \
	"vntb-setup up --doorbell poll"
refused "a BAR pinned twice" "vntb-setup up --ctrl-bar 2 --db-bar 2"
refused "a BAR pin upstream's driver does not have" \
	"vntb-setup up --name t15 --mw1-bar 4"
refused "a function name in use" "sh -c 'mkdir $fn/taken &&
	vntb-setup up --name taken; rc=\$?; rmdir $fn/taken; exit \$rc'"

dry_run() {
	local sh out
	for sh in vntb-setup "$ash"; do
		out=$(ep "/tmp/t15 $sh up --dry-run --mw1 2M --mw2 64K; cat /tmp/t15.out")
		if [ "$(head -n 2 <<<"$out")" != $'rc=0 err=0 out=14\nunchanged' ] ||
			! grep -qx 'vntb-setup: would write mw2 = 0x10000' <<<"$out" ||
			! grep -q '^vntb-setup: would start controller' <<<"$out"; then
			echo "$sh:"
			echo "$out"
			return 1
		fi
	done
}
tap_check "--dry-run says what it would do and changes nothing (dash, ash)" \
	dry_run

# lab-epc takes inbound BARs up to 1 GiB: a 64 GiB window passes the
# tool's checks and fails when the function binds, after nine writes
undone() {
	local out
	out=$(ep "/tmp/t15 vntb-setup up --name t15 --mw1 64G; cat /tmp/t15.out")
	if [ "$(head -n 2 <<<"$out")" != $'rc=1 err=1 out=12\nunchanged' ] ||
		! grep -qx 'vntb-setup: undo: removed functions/pci_epf_vntb/t15' \
			<<<"$out"; then
		echo "$out"
		return 1
	fi
}
tap_check "a step the kernel refuses is undone, configfs as before" undone

epc=$(ep 'ls /sys/class/pci_epc')
# The file's values, its db-count overridden by a flag
up_as_asked() {
	local out got want
	out=$(ep "$ash up -f /tmp/t15.conf --db-count 4 --spad-count 64" 2>&1) ||
		{ echo "$out"; return 1; }
	got=$(ep "f=$fn/t15; s=\$(echo \$f/pci_epf_vntb.*); echo \$(cat \$f/vendorid \
		\$f/deviceid \$s/db_count \$s/spad_count \$s/num_mws \$s/mw1 \$s/mw2 \
		\$s/vbus_number \$s/vntb_vid \$s/vntb_pid) \$(ls \$f/primary) \
		\$(cat /sys/kernel/config/pci_ep/controllers/$epc/start)")
	want="0x1957 0x0809 4 64 2 1048576 65536 16 6487 2058 $epc 1"
	[ "$got" = "$want" ] ||
		{ echo "configfs $got"; echo "wanted   $want"; echo "$out"; return 1; }
}
tap_check "up (file, flags over it) configures and starts as asked" \
	up_as_asked

status_shows() {
	local out want
	out=$(ep vntb-setup status) || { echo "$out"; return 1; }
	for want in "# controller $epc: started" "name = t15" "controller = $epc" \
		"db-count = 4" "spad-count = 64" "mw1 = 0x100000" "mw2 = 0x10000" \
		"vntb-pid = 0x080a"; do
		grep -qxF "$want" <<<"$out" || { echo "no '$want' in:"; echo "$out"; return 1; }
	done
}
tap_check "status shows the function in the file format" status_shows

down_restores() {
	local out
	out=$(ep "$ash down && /tmp/t15 true && diff /tmp/t15.initial /tmp/t15.before" 2>&1) ||
		{ echo "$out"; return 1; }
}
tap_check "down stops, unlinks and removes: configfs as before up" \
	down_restores

down_again() {
	local out
	out=$(ep "/tmp/t15 vntb-setup down")
	[ "$(head -n 2 <<<"$out")" = $'rc=0 err=0 out=1\nunchanged' ] ||
		{ echo "$out"; return 1; }
}
tap_check "down with nothing to tear down says so and succeeds" down_again

version_is() {
	local want got
	want="vntb-setup $(cat "$LAB_TOP/VERSION")"
	got=$(ep "vntb-setup --version" 2>&1)
	[ "$got" = "$want" ] || { echo "got '$got', wanted '$want'"; return 1; }
}
tap_check "--version prints the project's VERSION" version_is

# Each of the tool's own variables that changed its behaviour when it came
# from the environment (a flag, a file's line, -f, --dry-run, the undo
# state, a name, a controller), and IFS.
hostile="c_db_count=99 f_mw1=5000 f_spad_count=7 file=/etc/passwd dry=1"
hostile="$hostile name=evil c_name=evil f_name=evil c_controller=nosuch"
hostile="$hostile epc=nosuch made=1 linked=1 started=1 pins=ctrl_bar=7 IFS=x"
# hostile_env: the dry run reads the same with and without them (dash,
# ash); a real up under them configures the defaults, and down under them
# removes the function: configfs as the test found it.
hostile_env() {
	local sh clean dirty out got want
	for sh in vntb-setup "$ash"; do
		clean=$(ep "/tmp/t15 $sh up --dry-run --mw1 2M; cat /tmp/t15.out")
		dirty=$(ep "/tmp/t15 env $hostile $sh up --dry-run --mw1 2M; cat /tmp/t15.out")
		[ "$clean" = "$dirty" ] ||
			{ printf '%s\n' "$sh, clean:" "$clean" "hostile:" "$dirty"; return 1; }
	done
	out=$(ep "env $hostile vntb-setup up --name t15" 2>&1) ||
		{ echo "$out"; return 1; }
	got=$(ep "s=\$(echo $fn/t15/pci_epf_vntb.*); echo \$(cat \$s/db_count \
		\$s/spad_count \$s/num_mws \$s/mw1 \
		/sys/kernel/config/pci_ep/controllers/$epc/start)")
	want="4 128 1 4194304 1"	# the default window, 4 MiB
	[ "$got" = "$want" ] ||
		{ echo "configfs $got"; echo "wanted   $want"; echo "$out"; return 1; }
	out=$(ep "env $hostile vntb-setup down && /tmp/t15 true &&
		diff /tmp/t15.initial /tmp/t15.before" 2>&1) ||
		{ echo "$out"; return 1; }
}
tap_check "a hostile environment changes nothing (dry run, up, down)" \
	hostile_env

# Our pci-epf-vntb has the BAR pins: up writes them, status shows them
# (BAR0, 2 and 4: the map ntb_hw_epf has, which 64-bit BARs also fit),
# down removes the function.
pins_work() {
	local out
	out=$(ep "rmmod pci_epf_vntb && lab-modload --from ours pci-epf-vntb &&
		vntb-setup up --name t15 --ctrl-bar 0 --db-bar 2 --mw1-bar 4 &&
		vntb-setup status && vntb-setup down" 2>&1) || { echo "$out"; return 1; }
	for want in "vntb-setup: wrote ctrl_bar = 0" "ctrl-bar = 0" "db-bar = 2" \
		"mw1-bar = 4" "vntb-setup: removed functions/pci_epf_vntb/t15"; do
		grep -qxF "$want" <<<"$out" || { echo "no '$want' in:"; echo "$out"; return 1; }
	done
}
tap_check "BAR pins: up writes them, status shows them (our driver)" pins_work
