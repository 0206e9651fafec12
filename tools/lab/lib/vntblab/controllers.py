# SPDX-License-Identifier: GPL-2.0
"""The endpoint controllers "lab up --controller NAME" gives the endpoint
machines: one per link, each with the QEMU device that models it, the
device tree it needs and the driver that runs it.

  lab  lab-epc, the lab's own controller: a PCI device of the endpoint
       machine, run by our pcie-lab-epc driver; behind the SMMUv3 with
       --iommu (Documentation/lab/emulated-link.rst).
  dw   dw-pcie-ep, a DesignWare PCIe controller in endpoint mode with its
       eDMA v0 block: a platform device at fixed addresses, described by
       a "snps,dw-pcie-ep" device tree node, run by Linux 6.12's own
       pcie-designware-plat and dw-edma, unmodified. Our
       pcie-designware-ep-doorbell module gives it the embedded doorbell
       (the eDMA's interrupt emulation). Behind the SMMUv3 with --iommu:
       QEMU 7.2's SMMUv3 translates PCI streams only, so the model borrows
       a requester ID of the endpoint machine's PCIe bus as its stream ID
       (DW_STREAM_ID), and its node's "iommus" names it.

With --msi-parent ("lab up"), each dw controller's node gets an
msi-parent to the endpoint machine's GIC ITS with a device ID of its own,
and the model performs the host's writes with that requester ID, so that
a write to the ITS's translation register is that device's MSI: the
doorbell layer's MSI backend then serves the function. Without it the
function gets the embedded doorbell.

A function states what it needs of the controller's BARs (functions.py);
each controller turns that into its device's properties, or the
function's BAR pins, here.

"lab up --board NAME" gives lab-epc a board's personality (BOARDS): the
BARs and alignment of that board's controller in its Linux 6.12 feature
table, which pcie-lab-epc takes as its board parameter. The function's
needs then give way: it lays its BARs out by itself, as on the board.

QEMU's virt machine takes no new platform devices on its command line
(its device tree knows only the types virt.c knows), so the dw-pcie-ep
device maps itself at the addresses below, and the lab boots the machine
with a device tree of its own: virt's, dumped for the same command line,
plus one node per controller.
"""

import dataclasses
import subprocess
from dataclasses import dataclass

from . import LabError

# The DesignWare controllers' addresses in the endpoint machine: register
# blocks in virt's platform-bus hole, which nothing else of the lab uses,
# each 1 MiB apart; outbound address spaces above the RAM, 256 MiB each,
# none crossing a 4 GiB boundary; "dma" interrupts from SPI 112, the
# hole's first interrupt.
DW_REGS_BASE = 0x0c000000
DW_REGS_STRIDE = 0x100000
DW_DBI, DW_DBI2, DW_ATU, DW_DMA = 0x0000, 0x1000, 0x2000, 0x4000
DW_DBI_SIZE = DW_DBI2_SIZE = DW_ATU_SIZE = 0x1000
DW_DMA_SIZE = 0x2000
DW_ADDR_SPACE_BASE = 0x10_0000_0000
DW_ADDR_SPACE_SIZE = 0x1000_0000
DW_SPI_BASE = 112
# With --msi-parent: the ITS's device ID of controller k, DW_MSI_DEVID +
# k, beyond any PCI requester ID of the machine's own PCIe bus (bus 0);
# and the ITS that QEMU's virt machine describes (gic-version=3), by path.
DW_MSI_DEVID = 0xff00
VIRT_ITS_PATH = "/intc@8000000/its@8080000"
# With --iommu: the SMMUv3 stream ID of controller k, DW_STREAM_ID + k, a
# requester ID of bus 0 (devfn 1f.0 onwards) whose slot the model reserves
# so that no PCI device of the machine shares it; and the SMMUv3 that
# virt describes (iommu=smmuv3), by path.
DW_STREAM_ID = 0xf8
VIRT_SMMU_PATH = "/smmuv3@9050000"

# The doorbell provider for DesignWare controllers (drivers/pci/
# controller/dwc/), and its parameter that names a pre-exposed eDMA BAR.
DW_DOORBELL_MODULE = "pcie-designware-ep-doorbell"

# The BARs upstream's ntb_hw_epf expects for 0x1957:0x0809: control,
# doorbells, first window.
VNTB_0809_PINS = (("ctrl_bar", "0"), ("db_bar", "2"), ("mw1_bar", "4"))


@dataclass(frozen=True)
class Needs:
    """What a function needs of the controller. BAR_PAIRS: upstream's
    vNTB layout for 0x1957:0x0809 (control BAR0, doorbells BAR2, window
    BAR4). FIXED_DB_BAR: the controller exposes its doorbell in that BAR
    by itself (None: the function maps one)."""
    bar_pairs: bool = False
    fixed_db_bar: int = None


@dataclass(frozen=True)
class Board:
    """A board personality of lab-epc. FIXED_DB_BAR: the BAR in which the
    board's controller exposes its doorbell itself (None: none, or one the
    function maps)."""
    name: str
    summary: str
    fixed_db_bar: int = None


BOARDS = {
    b.name: b for b in (
        Board("rcar-s4", "Renesas R-Car S4: BAR1, BAR3, BAR5 reserved, "
                         "BAR4 fixed at 256 bytes, 4 KiB alignment; eDMA "
                         "doorbell"),
        Board("rk3588", "Rockchip RK3588: BAR0-3 and BAR5 fixed at 1 MiB, "
                        "BAR4 reserved, the controller's registers and its "
                        "doorbell behind it, 64 KiB alignment",
              fixed_db_bar=4),
        Board("imx8mm", "NXP i.MX8MM: as R-Car S4 with 64 KiB alignment; "
                        "no doorbell (polled)"),
        Board("imx8mp", "NXP i.MX8MP: the same table as i.MX8MM"),
        Board("imx95", "NXP i.MX95: BAR1 fixed at 64 KiB, 4 KiB "
                       "alignment; eDMA doorbell"),
    )
}


@dataclass(frozen=True)
class Controller:
    name: str
    summary: str
    iommu: bool         # can sit behind the endpoint's SMMUv3
    msi: bool = False   # can be given an msi-parent (--msi-parent)

    def epc_name(self, k, slot=None):
        """The endpoint controller name of the machine's K-th controller
        (/sys/class/pci_epc), for a machine whose first link device is at
        PCI slot SLOT (None: QEMU chooses; only with one controller)."""
        raise NotImplementedError

    def devices(self, sockets, mem, needs, slot=None, msi=False,
                iommu=False):
        """QEMU -device arguments for a controller per link socket; MSI:
        the host's writes carry the controller's ITS device ID; IOMMU:
        the machine has an SMMUv3, in front of the controllers."""
        raise NotImplementedError

    def dt_nodes(self, count, msi=False, iommu=False):
        """Device tree source of COUNT controllers ("" when the machine's
        own tree describes them); MSI: with an msi-parent to the ITS;
        IOMMU: with an iommus to the SMMUv3."""
        return ""

    def setup_lines(self, needs):
        """Endpoint shell lines that load the controllers' drivers."""
        raise NotImplementedError

    def function_attrs(self, needs):
        """(attribute, value) pins a vNTB function needs for NEEDS."""
        return ()


@dataclass(frozen=True)
class LabEpc(Controller):
    board: str = None   # a key of BOARDS, or None

    def epc_name(self, k, slot=None):
        return f"0000:00:{slot + k:02x}.0"

    def devices(self, sockets, mem, needs, slot=None, msi=False,
                iommu=False):
        # A PCI device: the SMMU finds it by itself.
        props = []
        if self.board:
            # The board's BARs, whatever the function would like
            needs = Needs(fixed_db_bar=BOARDS[self.board].fixed_db_bar)
        if needs.bar_pairs:
            props.append("bar-pairs=on")
        if needs.fixed_db_bar is not None:
            props.append(f"db-bar={needs.fixed_db_bar}")
        args = []
        for k, sock in enumerate(sockets):
            dev = f"lab-epc,socket={sock},memdev={mem}"
            if slot is not None:
                dev += f",addr={slot + k:#x}"
            args += ["-device", ",".join([dev] + props)]
        return args

    def setup_lines(self, needs):
        if self.board:
            return [f"modprobe pcie-lab-epc board={self.board}"]
        return ["modprobe pcie-lab-epc"]


class DwPcieEp(Controller):
    @staticmethod
    def regs(k):
        return DW_REGS_BASE + k * DW_REGS_STRIDE

    def epc_name(self, k, slot=None):
        return f"{self.regs(k):x}.pcie-ep"

    def devices(self, sockets, mem, needs, slot=None, msi=False,
                iommu=False):
        args = []
        for k, sock in enumerate(sockets):
            dev = (f"dw-pcie-ep,socket={sock},memdev={mem},"
                   f"regs={self.regs(k):#x},"
                   f"addr-space={DW_ADDR_SPACE_BASE + k * DW_ADDR_SPACE_SIZE:#x},"
                   f"addr-space-size={DW_ADDR_SPACE_SIZE:#x},"
                   f"irq={DW_SPI_BASE + k}")
            if needs.fixed_db_bar is not None:
                dev += f",edma-bar={needs.fixed_db_bar}"
            if msi:
                dev += f",requester-id={DW_MSI_DEVID + k:#x}"
            if iommu:
                dev += f",stream-id={DW_STREAM_ID + k:#x}"
            args += ["-device", dev]
        return args

    def dt_nodes(self, count, msi=False, iommu=False):
        def cells(v):
            return f"{v >> 32:#x} {v & 0xffffffff:#x}"

        nodes = []
        for k in range(count):
            b = self.regs(k)
            space = DW_ADDR_SPACE_BASE + k * DW_ADDR_SPACE_SIZE
            regs = ((b + DW_DBI, DW_DBI_SIZE), (b + DW_DBI2, DW_DBI2_SIZE),
                    (b + DW_ATU, DW_ATU_SIZE), (b + DW_DMA, DW_DMA_SIZE),
                    (space, DW_ADDR_SPACE_SIZE))
            reg = ", ".join(f"<{cells(a)} {cells(s)}>" for a, s in regs)
            # Linux 6.12 reads a platform device's ITS device ID from its
            # msi-parent only (not msi-map).
            parent = (f"\t\tmsi-parent = <&{{{VIRT_ITS_PATH}}} "
                      f"{DW_MSI_DEVID + k:#x}>;\n") if msi else ""
            iommus = (f"\t\tiommus = <&{{{VIRT_SMMU_PATH}}} "
                      f"{DW_STREAM_ID + k:#x}>;\n") if iommu else ""
            nodes.append(
                f"\tpcie-ep@{b:x} {{\n"
                "\t\tcompatible = \"snps,dw-pcie-ep\";\n"
                f"\t\treg = {reg};\n"
                "\t\treg-names = \"dbi\", \"dbi2\", \"atu\", \"dma\", "
                "\"addr_space\";\n"
                f"\t\tinterrupts = <0 {DW_SPI_BASE + k} 4>;\n"
                "\t\tinterrupt-names = \"dma\";\n"
                "\t\tnum-lanes = <1>;\n"
                "\t\tmax-functions = /bits/ 8 <1>;\n"
                f"{parent}"
                f"{iommus}"
                "\t};\n")
        return "/ {\n" + "".join(nodes) + "};\n"

    def setup_lines(self, needs):
        # The DesignWare glue is built in: the controllers are there at
        # boot. The doorbell provider is ours, a module.
        line = f"modprobe {DW_DOORBELL_MODULE}"
        if needs.fixed_db_bar is not None:
            line += f" edma_bar={needs.fixed_db_bar}"
        return [line]

    def function_attrs(self, needs):
        # Linux 6.12's generic DesignWare glue reserves no BAR, so the
        # function's own choice would put the doorbells in BAR1: pin
        # upstream's layout instead.
        return VNTB_0809_PINS if needs.bar_pairs else ()


CONTROLLERS = {
    c.name: c for c in (
        LabEpc("lab", "lab-epc, the lab's own controller (pcie-lab-epc)",
               iommu=True),
        DwPcieEp("dw", "a DesignWare controller and its eDMA, run by "
                       "Linux's pcie-designware-plat and dw-edma, with "
                       "our doorbell module", iommu=True, msi=True),
    )
}

DEFAULT = "lab"


def controller(name, board=None):
    """The controller NAME (a key of CONTROLLERS), with board personality
    BOARD (a key of BOARDS, lab-epc only) when given."""
    ctrl = CONTROLLERS[name]
    if board is None:
        return ctrl
    if not isinstance(ctrl, LabEpc):
        raise LabError(f"--board gives lab-epc a board's BARs: not for "
                       f"controller {name} (use --controller lab)")
    return dataclasses.replace(ctrl, board=board)


def make_dtb(qemu, machine_args, nodes, path):
    """Write to PATH the device tree of an endpoint machine with
    MACHINE_ARGS (-M, -cpu, -m, -smp and the memory backend) plus NODES
    (device tree source): QEMU dumps the machine's own tree, dtc appends
    the nodes."""
    dump = path.with_suffix(".base.dtb")
    subprocess.run([qemu, "-nodefaults", "-display", "none"] + machine_args
                   + ["-machine", f"dumpdtb={dump}"], check=True,
                   stdin=subprocess.DEVNULL, capture_output=True)
    src = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(dump)],
                         check=True, capture_output=True, text=True).stdout
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", str(path)],
                   input=src + nodes, check=True, capture_output=True,
                   text=True)
    dump.unlink()
