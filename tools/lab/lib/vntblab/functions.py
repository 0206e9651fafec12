# SPDX-License-Identifier: GPL-2.0
"""The endpoint functions that "lab up --function NAME" configures.

Each entry says which modules the endpoint loads, how the function is
created and bound through configfs, and what the host then loads and
waits for. Adding a function driver pair is adding an entry.

The configfs recipes follow the kernel's Documentation/PCI/endpoint/
pci-test-howto.rst and pci-vntb-howto.rst. The IDs are ones the host
drivers already match: pci_endpoint_test binds TI DRA74x (0x104c:0xb500)
with its default layout (registers in BAR0, 4 KiB alignment, MSI), and
ntb_hw_epf binds 0x1957:0x0809 with class "RAM memory", which
pci-epf-vntb's header has. Our doorbell test function presents
0x1234:0xdb01, which only our pci_ep_db_test matches (the round trip);
the host rings it from userspace with db-test (tools/lab/progs/db-test.c).
"""

import re
from dataclasses import dataclass

from . import LabError, controllers, topologies


@dataclass(frozen=True)
class Function:
    name: str
    summary: str
    # What the function needs of the controller's BARs: some function
    # drivers only pair with their host driver in a particular layout.
    needs: controllers.Needs = controllers.Needs()
    # Endpoint function driver: its module and its directory under
    # /sys/kernel/config/pci_ep/functions/. None: no function at all.
    epf_module: str = None
    epf_driver: str = None
    # (file, value) written in functions/<driver>/func1/, in order.
    attrs: tuple = ()
    # (file, value) written in the driver's own sub-directory of func1
    # (named after the function device, e.g. pci_epf_vntb.0), in order.
    driver_attrs: tuple = ()
    # How func1 meets the controller: "controller" links the function
    # into controllers/<epc>/ (most functions); "primary" links the
    # controller as func1/primary (functions with several interfaces,
    # such as NTB ones).
    bind: str = "controller"
    # Modules the endpoint loads once its link is up.
    ep_modules: tuple = ()
    # The host driver that pairs with the function, loaded first; like the
    # function's own module, one the lab can take from the project's
    # build or from the kernel's ("lab up --ep-driver/--host-driver").
    host_driver: str = None
    # Further modules the host loads, then a shell condition it waits for.
    host_modules: tuple = ()
    host_ready: str = None
    # Host shell lines run right after its driver loads (a driver_override, say).
    host_lines: tuple = ()
    # Both sides end up with an ntb_netdev interface per link to address.
    netdev: bool = False


# The doorbell BAR of the vNTB layout on a controller with 64-bit BARs
# only (control BAR0, doorbells BAR2, memory window BAR4): where the
# "vntb-db-bar" variant has the controller pre-expose its doorbell.
VNTB_DB_BAR = 2


def _vntb_function(name, summary, needs, extra_attrs=(), device_id="0x0809",
                   host_lines=()):
    return Function(
        name=name,
        summary=summary,
        needs=needs,
        epf_module="pci-epf-vntb",
        epf_driver="pci_epf_vntb",
        attrs=(
            ("vendorid", "0x1957"),
            ("deviceid", device_id),
        ),
        driver_attrs=(
            ("db_count", "4"),
            ("spad_count", "128"),
            ("num_mws", "1"),
            ("mw1", "0x100000"),
            # The NTB device on the endpoint's virtual PCI bus.
            ("vntb_vid", "0x1957"),
            ("vntb_pid", "0x080a"),
            ("vbus_number", "0x10"),
        ) + extra_attrs,
        bind="primary",
        ep_modules=("ntb_transport", "ntb_netdev"),
        host_driver="ntb_hw_epf",
        host_modules=("ntb_transport", "ntb_netdev"),
        host_ready="sh -c 'grep -qsx DRIVER=ntb_netdev "
                   "/sys/class/net/*/device/uevent'",
        host_lines=host_lines,
        netdev=True,
    )


# The BAR that the "doorbell-bar" variant has the controller fix onto its
# doorbell register.
DOORBELL_FIXED_BAR = 4


def _doorbell_function(name, summary, needs=controllers.Needs()):
    return Function(
        name=name,
        summary=summary,
        needs=needs,
        epf_module="pci-epf-db-test",
        epf_driver="pci_epf_db_test",
        attrs=(
            ("vendorid", "0x1234"),
            ("deviceid", "0xdb01"),
            # One vector: the echo of the round-trip measurement.
            ("msi_interrupts", "1"),
        ),
        # pci_ep_db_test takes the echo MSI for the round trip; db-test
        # rings from userspace through the same BARs.
        host_driver="pci_ep_db_test",
        host_ready="sh -c 'ls /sys/bus/pci/drivers/pci_ep_db_test | "
                   "grep -q :'",
    )


FUNCTIONS = {
    f.name: f for f in (
        Function(
            name="none",
            summary="the controller driver only: no function, the link "
                    "stays down, the host has no lab-epf device",
        ),
        Function(
            name="test",
            summary="upstream pci-epf-test, pci_endpoint_test on the host",
            epf_module="pci-epf-test",
            epf_driver="pci_epf_test",
            attrs=(
                ("vendorid", "0x104c"),
                ("deviceid", "0xb500"),
                ("msi_interrupts", "32"),
                # Required where the controller has MSI-X (DesignWare):
                # pci-epf-test refuses to bind without a table size.
                ("msix_interrupts", "8"),
            ),
            host_driver="pci_endpoint_test",
            host_ready="test -c /dev/pci-endpoint-test.0",
        ),
        _vntb_function(
            "vntb",
            "pci-epf-vntb (ours where built, else upstream's), "
            "ntb_hw_epf on the host, ntb_netdev on both; the doorbells "
            "reached through a BAR the function maps",
            # ntb_hw_epf expects its control, doorbell and window BARs at
            # 0, 2 and 4: what pci-epf-vntb lays out on a controller with
            # 64-bit BARs only (i.MX8, R-Car S4).
            controllers.Needs(bar_pairs=True)),
        _vntb_function(
            "vntb-db-bar",
            "as vntb, with the controller's doorbell pre-exposed in "
            "BAR2, the doorbell BAR of that layout",
            controllers.Needs(bar_pairs=True, fixed_db_bar=VNTB_DB_BAR)),
        _vntb_function(
            "vntb-poll",
            "as vntb, our pci-epf-vntb only, with doorbell_mode poll: "
            "upstream's polled doorbell layout, the fallback of a "
            "controller without a doorbell",
            controllers.Needs(bar_pairs=True),
            extra_attrs=(("doorbell_mode", "poll"),)),
        _vntb_function(
            "vntb-new-id",
            "as vntb, our pci-epf-vntb only, with device ID 0x0a00, "
            "which no host driver knows: the host binds our ntb_hw_epf "
            "to it through driver_override, from the published BAR map",
            controllers.Needs(bar_pairs=True),
            device_id="0x0a00",
            host_lines=(
                "d=$(grep -lx 0x0a00 /sys/bus/pci/devices/*/device)",
                "d=${d%/device}",
                "echo ntb_hw_epf > $d/driver_override",
                "echo ${d##*/} > /sys/bus/pci/drivers_probe")),
        # The doorbell test function in the two ways the host can reach
        # the controller's embedded doorbell: through a BAR the function
        # maps onto the doorbell's DMA address, or through the BAR the
        # controller fixes onto it. The function keeps its registers in
        # BAR0 and, in the first variant, maps the doorbell with BAR1, so
        # the fixed BAR is BAR4, away from both.
        _doorbell_function(
            "doorbell",
            "pci-epf-db-test, the doorbell reached through a BAR the "
            "function maps onto it; db-test on the host"),
        _doorbell_function(
            "doorbell-bar",
            "pci-epf-db-test, the doorbell pre-exposed in the "
            "controller's fixed BAR4; db-test on the host",
            controllers.Needs(fixed_db_bar=DOORBELL_FIXED_BAR)),
    )
}


# Where "lab up" takes a driver from: whatever modprobe finds first (the
# project's build when there is one), or explicitly ours or upstream's.
DRIVER_SOURCES = ("any", "ours", "upstream")


# A module parameter as "lab up --host-driver-param" takes it: NAME=VALUE,
# with nothing in VALUE that a shell or lab-modload would split or expand.
MODULE_PARAM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.,:+-]*")


def check_module_params(params):
    """Raise LabError for a parameter not of the MODULE_PARAM form."""
    for p in params:
        if not MODULE_PARAM.fullmatch(p):
            raise LabError(f"module parameter '{p}': want NAME=VALUE, the "
                           "value of letters, digits and _ . , : + -")


def load_line(module, source, params=()):
    words = " ".join((module,) + tuple(params))
    if source == "any":
        return f"modprobe {words}"
    return f"lab-modload --from {source} {words}"


# The vNTB functions are set up with the project's board tool,
# tools/vntb-setup (installed in the endpoint guest): the lab runs it on
# every "lab up" of them. Its flags for the function's attributes:
# "--" and the attribute's name with dashes, but for these; num_mws is
# implied by the windows given.
VNTB_SETUP_FLAGS = {"vendorid": "--vendor-id", "deviceid": "--device-id",
                    "doorbell_mode": "--doorbell", "num_mws": None}


# A vNTB memory window's size as "lab up --mw1" takes it: what vntb-setup
# takes (decimal or 0x-hex, or a K, M or G multiple), a power of two from
# 4 KiB to 64 GiB, the BAR sizes a window can have.
MW_SIZE = re.compile(r"(0[xX][0-9a-fA-F]+|[0-9]+)([kKmMgG]?)")
MW_MIN = 4 << 10
MW_MAX = 64 << 30


def mw_size(text):
    """The size in bytes of a memory window given as TEXT; LabError
    unless it is one vntb-setup takes."""
    m = MW_SIZE.fullmatch(text)
    if not m:
        raise LabError(f"memory window size '{text}': want a number of "
                       "bytes, or of K, M or G")
    shift = {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2).lower()]
    size = int(m.group(1), 0) << shift
    if not MW_MIN <= size <= MW_MAX or size & (size - 1):
        raise LabError(f"memory window size '{text}': a BAR's size is a "
                       "power of two, and a window's from 4K to 64G")
    return size


def vntb_setup_line(fn, func, sq, overrides=()):
    """vntb-setup's command line for function FUNC; OVERRIDES: (attribute,
    value) pairs that replace or add to the function's."""
    attrs = dict(fn.attrs + fn.driver_attrs)
    attrs.update(overrides)
    words = ["vntb-setup", "up", "--controller", "\"$epc\"",
             "--name", func.rsplit("/", 1)[1]]
    for name, value in attrs.items():
        flag = VNTB_SETUP_FLAGS.get(name, "--" + name.replace("_", "-"))
        if flag:
            words += [flag, sq(value)]
    return " ".join(words)


def ep_setup_script(fn, sq, source="any", epcs=None, ctrl=None,
                    pins=True, mw1=None):
    """Shell script run on an endpoint: load the controller driver,
    create and bind the function, start the link. SQ quotes a word;
    SOURCE says where the function's driver comes from. EPCS: the
    names of the controllers to give a vNTB function each, on virtual
    buses topologies.VBUS_BASE onwards; None: the only controller. CTRL:
    the controllers.Controller they are (default: lab-epc); PINS: give a
    vNTB function the BAR pins that controller needs for the function's
    layout (upstream's pci-epf-vntb has no pins). MW1: a vNTB function's
    memory window size in bytes instead of the function's (lab up
    --mw1)."""
    ctrl = ctrl or controllers.CONTROLLERS[controllers.DEFAULT]
    lines = ["set -e"] + ctrl.setup_lines(fn.needs)
    if epcs is None:
        lines += [
            "lab-wait -t 30 sh -c 'ls /sys/class/pci_epc | grep -q .'",
            "epc=$(ls /sys/class/pci_epc | head -n 1)",
            "echo \"controller: $epc\"",
        ]
    else:
        lines += [f"lab-wait -t 30 test -e /sys/class/pci_epc/{epc}"
                  for epc in epcs]
    if fn.epf_driver is None:
        return "\n".join(lines) + "\n"
    func = f"functions/{fn.epf_driver}/func1"
    lines += [
        "cd /sys/kernel/config/pci_ep",
        load_line(fn.epf_module, source),
    ]
    if fn.epf_driver == "pci_epf_vntb":
        extra = tuple(ctrl.function_attrs(fn.needs)) if pins else ()
        if mw1 is not None:
            extra += (("mw1", hex(mw1)),)
        if epcs is None:
            lines.append(vntb_setup_line(fn, func, sq, extra))
        for k, epc in enumerate(epcs or ()):
            lines.append(f"epc={sq(epc)}")
            lines.append(vntb_setup_line(
                fn, f"functions/{fn.epf_driver}/func{k + 1}", sq,
                (("vbus_number", hex(topologies.VBUS_BASE + k)),) + extra))
        lines += [f"modprobe {mod}" for mod in fn.ep_modules]
        return "\n".join(lines) + "\n"
    lines.append(f"mkdir {func}")
    for name, value in fn.attrs:
        lines.append(f"echo {sq(value)} > {func}/{name}")
    if fn.driver_attrs:
        lines.append(f"sub=$(echo {func}/{fn.epf_driver}.*)")
        for name, value in fn.driver_attrs:
            lines.append(f"echo {sq(value)} > \"$sub\"/{name}")
    if fn.bind == "primary":
        lines.append(f"ln -s \"controllers/$epc\" {func}/primary")
    else:
        lines.append(f"ln -s {func} \"controllers/$epc/\"")
    lines.append("echo 1 > \"controllers/$epc/start\"")
    for mod in fn.ep_modules:
        lines.append(f"modprobe {mod}")
    return "\n".join(lines) + "\n"


def host_setup_script(fn, source="any", params=()):
    """The host's set-up for function FN: its driver from SOURCE, with
    the module parameters PARAMS (NAME=VALUE each), then the rest."""
    lines = ["set -e"]
    if fn.host_driver:
        lines.append(load_line(fn.host_driver, source, params))
    lines += list(fn.host_lines)
    lines += [f"modprobe {mod}" for mod in fn.host_modules]
    if fn.host_ready:
        lines.append(f"lab-wait -t 60 {fn.host_ready}")
    return "\n".join(lines) + "\n"


# ntb_netdev's interfaces (the driver calls them eth%d)
NETDEVS = "grep -lsx DRIVER=ntb_netdev /sys/class/net/*/device/uevent"


def netdev_script(ifaces):
    """Name ntb_netdev's interfaces, address them and bring them up (all
    sides). IFACES: (path, name, address) for each: the interface whose
    device path contains PATH (any, when there is one interface) becomes
    NAME with ADDRESS/topologies.PREFIX. IPv4 only: with IPv6 an interface
    would send router solicitations and MLD reports of its own, traffic
    on a link that the idle measurements want idle."""
    lines = [
        "set -e",
        f"lab-wait -t 60 sh -c '[ $({NETDEVS} | wc -l) -ge {len(ifaces)} ]'",
    ]
    for path, name, addr in ifaces:
        lines += [
            f"dev=$(for f in $({NETDEVS}); do d=${{f%/device/uevent}}; "
            f"readlink -f \"$d/device\" | grep -qF -- '{path}' && "
            "echo \"${d##*/}\"; done | head -n 1)",
            f"[ -n \"$dev\" ] || {{ echo 'no ntb_netdev interface under "
            f"{path}'; exit 1; }}",
            f"[ \"$dev\" = {name} ] || ip link set \"$dev\" name {name}",
            f"echo 1 > /proc/sys/net/ipv6/conf/{name}/disable_ipv6",
            f"ip addr add {addr}/{topologies.PREFIX} dev {name}",
            f"ip link set {name} up",
        ]
    return "\n".join(lines) + "\n"


# All sides have set their interface up: the NTB transport link comes up
# when the two ntb_transport instances have found each other.
CARRIER_WAIT = "lab-wait -t {t} grep -qx 1 /sys/class/net/{dev}/carrier\n"
