# SPDX-License-Identifier: GPL-2.0
"""QEMU command lines of the lab machines: endpoints and the host.

All machines keep their RAM in a shared memory-backend-file in /dev/shm,
because the emulated link maps each machine's RAM into the other QEMU
(Documentation/lab/emulated-link.rst). Each has:

  - its serial console on a UNIX socket (RUN/<name>-console.sock), with
    everything the guest prints also logged to RUN/<name>-console.log;
  - a virtio console (/dev/hvc0 in the guest) on RUN/<name>-agent.sock,
    where the guest's agent takes commands;
  - a QMP monitor on RUN/<name>-qmp.sock (device hot-plug, rescans);
  - no network device: the emulated link is the only connection.
"""

from dataclasses import dataclass
from pathlib import Path

RAM = "1G"
CPUS = "2"


@dataclass
class Machine:
    name: str           # "ep", "ep0", "host"...: the guest's lab.name
    role: str           # "ep" or "host": the guest's lab.role
    arch: str           # guest architecture, as the build names it
    qemu: str           # binary name
    console: str        # the guest's serial console device
    run: Path           # run directory
    shm: Path           # RAM backing file

    def path(self, what):
        return self.run / f"{self.name}-{what}"

    @property
    def agent_sock(self):
        return self.path("agent.sock")

    @property
    def console_sock(self):
        return self.path("console.sock")

    @property
    def console_log(self):
        return self.path("console.log")

    @property
    def qemu_log(self):
        return self.path("qemu.log")

    @property
    def qmp_sock(self):
        return self.path("qmp.sock")

    @property
    def pid_file(self):
        return self.run / f"{self.name}.pid"

    def sockets(self):
        return [self.agent_sock, self.console_sock, self.qmp_sock]

    def common_args(self, kernel, initrd, append, mem_id):
        return [
            "-name", f"lab-{self.name},debug-threads=on",
            "-nodefaults", "-display", "none", "-no-reboot",
            # Bad values a guest programs into a device are logged (to
            # <name>-qemu.log) and ignored.
            "-d", "guest_errors",
            "-m", RAM, "-smp", CPUS,
            "-object", f"memory-backend-file,id={mem_id},size={RAM},"
                       f"mem-path={self.shm},share=on",
            "-chardev", f"socket,id=console,path={self.console_sock},"
                        f"server=on,wait=off,logfile={self.console_log}",
            "-serial", "chardev:console",
            "-chardev", f"socket,id=agent,path={self.agent_sock},"
                        "server=on,wait=off",
            "-qmp", f"unix:{self.qmp_sock},server=on,wait=off",
            "-kernel", str(kernel), "-initrd", str(initrd),
            "-append", " ".join([f"console={self.console}",
                                 f"lab.role={self.role}",
                                 f"lab.name={self.name}", "panic=-1"]
                                + append),
        ]


def _endpoint_machine(name, iommu):
    mach = f"virt,gic-version=3,memory-backend={name}-ram"
    if iommu:
        mach += ",iommu=smmuv3"
    return ["-M", mach, "-cpu", "cortex-a57"]


def endpoint_dump_args(name, iommu=False):
    """What QEMU needs to dump the device tree of endpoint machine NAME
    (controllers.make_dtb): the same machine, CPUs and RAM size, with a
    RAM backend of its own and nothing else."""
    return _endpoint_machine(name, iommu) + [
        "-m", RAM, "-smp", CPUS,
        "-object", f"memory-backend-ram,id={name}-ram,size={RAM}"]


def endpoint(run, name, shm, kernel, initrd, ctrl, needs, iommu=False,
             sockets=(), slot=None, dtb=None, msi=False):
    """The arm64 endpoint machine NAME with one controller of kind CTRL
    (a controllers.Controller) per link socket in SOCKETS, shaped for a
    function's NEEDS (controllers.Needs). SLOT: the PCI slot of the first
    controller, the next ones following (default: QEMU chooses). DTB: the
    device tree to boot with, when the controller needs one of the lab's
    (controllers.make_dtb). MSI: the controllers' writes carry their ITS
    device IDs (controllers.Controller.devices). IOMMU: an SMMUv3 in front
    of the controllers, strict."""
    m = Machine(name, "ep", "arm64", "qemu-system-aarch64", "ttyAMA0", run,
                shm)
    mem = f"{name}-ram"
    args = _endpoint_machine(name, iommu)
    args += m.common_args(kernel, initrd,
                          ["iommu.strict=1"] if iommu else [], mem)
    if dtb is not None:
        args += ["-dtb", str(dtb)]
    args += ["-device", "virtio-serial-device",
             "-device", "virtconsole,chardev=agent"]
    args += ctrl.devices(sockets, mem, needs, slot, msi, iommu)
    return m, args


def host_machine(run, shm):
    """The host machine's files, RAM file SHM."""
    return Machine("host", "host", "x86_64", "qemu-system-x86_64", "ttyS0",
                   run, shm)


def host(run, shm, kernel, initrd, sockets=(), slot=None,
         strict_iomem=False):
    """The x86_64 host machine with one lab-epf function per link socket
    in SOCKETS, each behind a hot-plug capable root port of its own. SLOT:
    the PCI slot of the first root port, the next ones following (default:
    QEMU chooses).

    Its kernel filters /dev/mem and BAR mappings as distributions' do
    (IO_STRICT_DEVMEM); the machine boots with iomem=relaxed, so that the
    tests may map the BARs a driver holds, unless STRICT_IOMEM.

    x86 grants a device more than one MSI vector only through interrupt
    remapping (ntb_hw_epf wants several), so the machine has an Intel
    IOMMU that remaps interrupts; its DMA translation stays off
    (intel_iommu=off), so the host's bus addresses are its physical
    addresses, as the link expects."""
    m = host_machine(run, shm)
    args = ["-M", "q35,memory-backend=host-ram",
            # Firmware: Debian's qemu-system-data and seabios.
            "-L", "/usr/share/qemu", "-L", "/usr/share/seabios",
            # Before any other PCI device, as QEMU requires.
            "-device", "intel-iommu,intremap=on"]
    append = ["intel_iommu=off"] + ([] if strict_iomem else ["iomem=relaxed"])
    args += m.common_args(kernel, initrd, append, "host-ram")
    args += ["-device", "virtio-serial-pci,id=vser",
             "-device", "virtconsole,chardev=agent"]
    for k, sock in enumerate(sockets):
        rp = f"pcie-root-port,id=rp{k},chassis={k + 1},slot=0"
        if slot is not None:
            rp += f",addr={slot + k:#x}"
        args += ["-device", rp,
                 "-device", f"lab-epf,bus=rp{k},socket={sock},"
                            "memdev=host-ram"]
    return m, args
