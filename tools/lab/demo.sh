#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lab: boot the lab with our vNTB pair, bring ntb0 up on both
# machines, ping and iperf3 across, print a summary. The lab stays up for
# you to use; 'make lab-down' stops it.
#
# The endpoint's controller is the DesignWare one, run by the driver code
# real boards run; LAB_CONTROLLER=lab picks the lab's own lab-epc.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lab() {
	"$top/tools/lab/lab" "$@"
}
ep_addr=198.18.0.1
controller=${LAB_CONTROLLER:-dw}
case $controller in
dw) controller_name="DesignWare (pcie-designware-plat, dw-edma)" ;;
lab) controller_name="lab-epc (the lab's own)" ;;
*) echo "make lab: LAB_CONTROLLER must be dw or lab, not '$controller'" >&2
	exit 1 ;;
esac

lab down >/dev/null 2>&1 || true
start=$(date +%s)
echo "lab: booting the endpoint and host machines with our vNTB pair"
lab up --controller "$controller" --function vntb --ep-driver ours \
	--host-driver ours
boot_s=$(($(date +%s) - start))

echo "lab: ping host -> endpoint over ntb0"
ping_out=$(lab run host --timeout 60 -- "ping -c 20 -i 0.2 $ep_addr")
rtt=$(echo "$ping_out" | sed -n 's|.*min/avg/max = \([^ ]*\) ms.*|\1|p')
loss=$(echo "$ping_out" | sed -n 's|.* \([0-9.]*%\) packet loss.*|\1|p')

iperf() { # $1: extra iperf3 flag; prints "N Mbits/sec"
	lab run host --timeout 90 -- "iperf3 -c $ep_addr -t 5 $1" |
		awk '/receiver/ { print $(NF - 2), $(NF - 1) }'
}
echo "lab: iperf3 over ntb0, 5 s each way"
lab run ep -- 'iperf3 -s -D' >/dev/null
h2e=$(iperf "")
e2h=$(iperf -R)

cat <<SUMMARY

  vNTB lab summary ($(lab run ep -- 'uname -r'), QEMU TCG)
  ---------------------------------------------------------------
  pair on the link        our pci-epf-vntb + ntb_hw_epf (interrupt-driven)
  endpoint controller     $controller_name
  endpoint doorbells      $(lab run ep -- 'dmesg | grep -o "window(s), .*" | tail -n 1 | cut -d" " -f2-' || true)
  endpoint commands       $(lab run ep -- 'dmesg | grep -o "command polling stopped" | tail -n 1' || true)
  boot to ntb0 up         ${boot_s} s
  ping host -> endpoint   rtt min/avg/max ${rtt:-?} ms, ${loss:-?} loss
  iperf3 host -> ep       ${h2e:-failed}
  iperf3 ep -> host       ${e2h:-failed}

  The lab is up. Try: tools/lab/lab shell host   (or ep; Ctrl-] leaves)
                      tools/lab/lab run ep -- ip -s link show ntb0
  Stop it with: make lab-down
SUMMARY
