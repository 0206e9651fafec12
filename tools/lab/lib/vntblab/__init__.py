# SPDX-License-Identifier: GPL-2.0
"""The vNTB lab: QEMU machines joined by emulated PCIe endpoint links.

Modules:
  env        where things are: the repository, out/lab-env, run directories
  agent      client of the in-guest agent (tools/lab/guest/agent)
  functions  the endpoint functions "lab up --function" can configure
  topologies the machines and links "lab up --topology" boots
  machines   QEMU command lines of the endpoint and host machines
  lab        a running lab: boot, configure, tear down
  cli        the "lab" command (tools/lab/lab)
  report     the benchmark's report and plots (tools/lab/bench)
"""


class LabError(Exception):
    """An error worth one line to the user, without a traceback."""
