#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our vNTB pair's own tests (55-vntb-ours.sh) on the DesignWare controller
# (lab up --controller dw): Linux's pcie-designware-plat and dw-edma run
# the controller, our pcie-designware-ep-doorbell module turns its eDMA's
# interrupt emulation into the function's doorbell. Interrupt-driven both
# ways, the host's MSI-Xs raised directly from the table in the function's
# BAR (through the controller when the host masks a vector), no work on
# an idle link, the NTB test clients, reload and rebind under iperf3, no
# leak, clean logs.
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
export LAB_CONTROLLER=dw
export LAB_RUN=${LAB_RUN:-$(cd "$dir/../../.." && pwd)/out/run/59-vntb-dw}
exec bash "$dir/55-vntb-ours.sh"
