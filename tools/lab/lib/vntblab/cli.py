# SPDX-License-Identifier: GPL-2.0
"""The "lab" command: boot, use and tear down the lab's machines."""

import argparse
import os
import select
import signal
import socket
import sys
import termios
import time
import tty
from pathlib import Path

from . import LabError, controllers, env, functions, topologies
from .lab import Lab

MACHINES = topologies.MACHINES
# Ctrl-] leaves "lab shell", as in telnet.
ESCAPE = b"\x1d"
# Exit status of "lab run" when the command timed out, as timeout(1).
TIMEOUT_STATUS = 124


def raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_up(lab, args):
    lab.env = env.load()
    print(f"lab: booting in {lab.run} (kernel "
          f"{lab.env.get('LAB_KERNEL_VERSION', '?')}, QEMU "
          f"{lab.env.get('LAB_QEMU_VERSION', '?')})")
    t0 = time.monotonic()
    lab.up(function=args.function, iommu=args.iommu, link=not args.no_link,
           timeout=args.boot_timeout, ep_driver=args.ep_driver,
           host_driver=args.host_driver, topology=args.topology,
           controller=args.controller, host_params=args.host_driver_param,
           msi=args.msi_parent, board=args.board,
           host_strict_iomem=args.host_strict_iomem, mw1=args.mw1)
    what = args.function if not args.no_link else "no link"
    board = f" ({args.board})" if args.board else ""
    print(f"lab: up in {time.monotonic() - t0:.1f}s, topology "
          f"{args.topology}, controller {args.controller}{board}, "
          f"function {what}")
    if functions.FUNCTIONS[args.function].netdev and not args.no_link:
        topo = topologies.TOPOLOGIES[args.topology]
        for ln in topo.links:
            print(f"  {ln.name}: {ln.ep} {ln.ep_if} {ln.ep_addr} <-> "
                  f"host {ln.host_if} {ln.host_addr}")
        if topo.forwarding:
            print("  the host forwards between the links")
    return 0


def cmd_down(lab, args):
    stopped = lab.down()
    if stopped:
        print(f"lab: stopped {', '.join(stopped)}")
    return 0


def cmd_reset(lab, args):
    lab.env = env.load()
    print(f"lab: resetting {args.machine} in {lab.run}")
    t0 = time.monotonic()
    if args.machine == "host":
        lab.reset_host(timeout=args.boot_timeout, setup=not args.no_setup)
    else:
        lab.reset_ep(args.machine, timeout=args.boot_timeout,
                     setup=not args.no_setup)
    print(f"lab: {args.machine} back in {time.monotonic() - t0:.1f}s"
          + ("" if args.no_setup else ", set up again"))
    return 0


def cmd_power(lab, args):
    lab.env = env.load()
    on = args.state == "on"
    print(f"lab: powering {args.machine} {args.state} in {lab.run}")
    t0 = time.monotonic()
    lab.power_host(on, timeout=args.boot_timeout, setup=not args.no_setup)
    if on:
        print(f"lab: {args.machine} up in {time.monotonic() - t0:.1f}s"
              + ("" if args.no_setup else ", set up again"))
    else:
        print(f"lab: {args.machine} off")
    return 0


def cmd_status(lab, args):
    if not lab.load_state():
        print(f"lab: nothing running in {lab.run}")
        return 1
    st = lab.state
    topo = topologies.TOPOLOGIES[st.get("topology", topologies.DEFAULT)]
    print(f"run dir   {lab.run}")
    print(f"state     {st['status']}")
    print(f"topology  {topo.name}")
    board = f" ({st['board']})" if st.get("board") else ""
    print(f"controller {st.get('controller', controllers.DEFAULT)}{board}")
    print(f"function  {st['function'] if st['link'] else 'none (no link)'}"
          f"{', SMMUv3' if st['iommu'] else ''}")
    params = " ".join(st.get("host_params", ()))
    print(f"drivers   ep {st.get('ep_driver', 'any')}, "
          f"host {st.get('host_driver', 'any')}"
          + (f" ({params})" if params else ""))
    healthy = st["status"] == "up"
    for name in topo.machines:
        m = st["machines"].get(name)
        if m is None:
            print(f"{name:<9} not started")
            healthy = False
            continue
        if m.get("off"):
            print(f"{name:<9} powered off (lab power {name} on)")
            healthy = False
            continue
        if not lab.alive(name):
            print(f"{name:<9} DEAD (was pid {m['pid']}; see lab log {name})")
            healthy = False
            continue
        try:
            with lab.agent(name) as a:
                agent = "agent ok" if a.ping(timeout=5) else "agent busy"
        except LabError as e:
            agent = f"agent unreachable: {e}"
        print(f"{name:<9} running, pid {m['pid']}, {agent}")
    return 0 if healthy else 1


def cmd_run(lab, args):
    cmd = args.command
    # Options after the machine name land in the command words too.
    while cmd and cmd[0].startswith("--timeout"):
        opt = cmd.pop(0)
        value = opt.partition("=")[2] if "=" in opt else \
            (cmd.pop(0) if cmd else "")
        try:
            args.timeout = float(value)
        except ValueError:
            raise LabError(f"lab run: bad --timeout value '{value}'") \
                from None
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise LabError("lab run: no command given")
    # As ssh does: the words are joined into one command for sh -c.
    command = " ".join(cmd)
    with lab.agent(args.machine) as a:
        res = a.run(command, timeout=args.timeout or None)
    sys.stdout.buffer.write(res.output)
    sys.stdout.buffer.flush()
    if res.timed_out:
        print(f"lab: {args.machine}: command timed out after "
              f"{args.timeout:g}s and was killed", file=sys.stderr)
        return TIMEOUT_STATUS
    return res.status


def cmd_shell(lab, args):
    m = lab.machine_state(args.machine)
    if not lab.alive(args.machine):
        raise LabError(f"{args.machine}: machine is not running")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(m["console"])
    except OSError as e:
        raise LabError(f"{args.machine}: cannot connect to the console: "
                       f"{e.strerror}") from None
    fd_in, fd_out = sys.stdin.fileno(), sys.stdout.fileno()
    is_tty = os.isatty(fd_in)
    saved = termios.tcgetattr(fd_in) if is_tty else None
    if is_tty:
        sys.stderr.write(f"lab: {args.machine} console, Ctrl-] to leave "
                         "(press Enter for a prompt)\r\n")
        tty.setraw(fd_in)
    try:
        return bridge(sock, fd_in, fd_out, is_tty)
    finally:
        if is_tty:
            termios.tcsetattr(fd_in, termios.TCSADRAIN, saved)
            sys.stderr.write("\r\n")
        sock.close()


def bridge(sock, fd_in, fd_out, is_tty):
    """Copy bytes both ways until Ctrl-] (terminal) or end of input; when
    the input is not a terminal, linger until the console has been quiet
    for a second so that the answers to the input are shown."""
    quiet = 1.0
    eof = False
    while True:
        rlist = [sock] if eof else [sock, fd_in]
        ready, _, _ = select.select(rlist, [], [], quiet if eof else None)
        if not ready:
            return 0
        if fd_in in ready:
            data = os.read(fd_in, 4096)
            if not data:
                eof = True
            elif is_tty and ESCAPE in data:
                sock.sendall(data[:data.index(ESCAPE)])
                return 0
            else:
                # Serial consoles expect CR for Enter, as terminals send.
                sock.sendall(data if is_tty else data.replace(b"\n", b"\r"))
        if sock in ready:
            data = sock.recv(4096)
            if not data:
                raise LabError("the console closed (machine stopped?)")
            os.write(fd_out, data)


def cmd_log(lab, args):
    m = lab.machine_state(args.machine) if lab.load_state() else None
    path = Path(m["console_log"]) if m else \
        lab.run / f"{args.machine}-console.log"
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise LabError(f"no console log {path}") from None
    with f:
        out = sys.stdout.buffer
        out.write(f.read())
        out.flush()
        while args.follow:
            data = f.read()
            if data:
                out.write(data)
                out.flush()
            else:
                time.sleep(0.2)
    return 0


def add_boot_timeout(s):
    s.add_argument("--boot-timeout", type=float, default=180, metavar="S",
                   help="seconds each machine may take to boot "
                        "(default %(default)g)")


def parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--run-dir", type=Path, default=argparse.SUPPRESS,
        help="where the lab's sockets, PIDs and logs live "
             "(default: $LAB_RUN_DIR or /tmp/vntb-lab-$USER)")

    p = argparse.ArgumentParser(
        prog="lab", parents=[common],
        description="QEMU machines, arm64 PCI endpoints and an x86_64 "
                    "host, joined by emulated PCIe links.")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND", required=True)

    s = sub.add_parser("up", parents=[common], help="boot the lab")
    s.add_argument("--function", choices=sorted(functions.FUNCTIONS),
                   default="vntb",
                   help="endpoint function to configure; " + "; ".join(
                       f"{f.name}: {f.summary}"
                       for f in functions.FUNCTIONS.values()))
    s.add_argument("--topology", choices=sorted(topologies.TOPOLOGIES),
                   default=topologies.DEFAULT,
                   help="machines and links (default %(default)s); " +
                        "; ".join(f"{t.name}: {t.summary}"
                                  for t in topologies.TOPOLOGIES.values()))
    s.add_argument("--controller", choices=sorted(controllers.CONTROLLERS),
                   default=controllers.DEFAULT,
                   help="the endpoint controller (default %(default)s); " +
                        "; ".join(f"{c.name}: {c.summary}"
                                  for c in controllers.CONTROLLERS.values()))
    s.add_argument("--board", choices=sorted(controllers.BOARDS),
                   help="give the lab controller the BARs of a board's "
                        "Linux 6.12 feature table; the vNTB function then "
                        "lays its BARs out by itself; " + "; ".join(
                            f"{b.name}: {b.summary}"
                            for b in controllers.BOARDS.values()))
    s.add_argument("--iommu", action="store_true",
                   help="give the endpoint machines an SMMUv3 (strict) "
                        "in front of their controllers")
    for side in ("ep", "host"):
        s.add_argument(f"--{side}-driver", choices=functions.DRIVER_SOURCES,
                       default="any",
                       help=f"where the {side}'s driver of the pair comes "
                            "from: the project's build when there is one "
                            "(any, the default), or explicitly ours or "
                            "upstream's")
    s.add_argument("--host-driver-param", action="append", default=[],
                   metavar="NAME=VALUE",
                   help="load the host's driver of the pair with this "
                        "module parameter (repeatable), for example "
                        "bar_map=0,1,2 for our ntb_hw_epf facing an "
                        "endpoint that lays its BARs out otherwise than "
                        "its PCI ID's map (upstream's pci-epf-vntb on the "
                        "dw controller)")
    s.add_argument("--mw1", metavar="SIZE",
                   help="a vNTB function's memory window size, as "
                        "vntb-setup --mw1 takes it (a power of two from "
                        "4K to 64G; K, M, G suffixes); default "
                        "vntb-setup's, 1M")
    s.add_argument("--msi-parent", action="store_true",
                   help="give the dw controllers an msi-parent to the "
                        "endpoint's GIC ITS (and their writes its device "
                        "ID): MSI doorbells, one interrupt each; without "
                        "it, the embedded doorbell (dw controller only)")
    s.add_argument("--host-strict-iomem", action="store_true",
                   help="boot the host without iomem=relaxed: as on a "
                        "distribution's kernel (IO_STRICT_DEVMEM), a BAR "
                        "a driver holds cannot be mapped from user space")
    s.add_argument("--no-link", action="store_true",
                   help="boot the machines without the link devices")
    add_boot_timeout(s)
    s.set_defaults(func=cmd_up)

    s = sub.add_parser("down", parents=[common],
                       help="stop the lab, remove its sockets and RAM files")
    s.set_defaults(func=cmd_down)

    s = sub.add_parser("reset", parents=[common],
                       help="reset a machine (its reset button: its links "
                            "drop; a host's reset is PERST# to every "
                            "endpoint), then set it up again as \"lab up\" "
                            "did (an endpoint's functions and interfaces, "
                            "the host's drivers and interfaces)")
    s.add_argument("--no-setup", action="store_true",
                   help="only wait for the new boot's agent")
    add_boot_timeout(s)
    s.add_argument("machine", choices=MACHINES,
                   help="a machine of the lab's topology")
    s.set_defaults(func=cmd_reset)

    s = sub.add_parser("power", parents=[common],
                       help="power the host machine off (its QEMU stops at "
                            "once: the endpoints lose their links) or on "
                            "(the same command line; then its drivers and "
                            "interfaces are set up again as \"lab up\" "
                            "did)")
    s.add_argument("--no-setup", action="store_true",
                   help="on: only wait for the new boot's agent")
    add_boot_timeout(s)
    s.add_argument("machine", choices=["host"],
                   help="the host machine (endpoints keep their power)")
    s.add_argument("state", choices=["on", "off"], help="on or off")
    s.set_defaults(func=cmd_power)

    s = sub.add_parser("status", parents=[common], help="what is running")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("run", parents=[common],
                       help="run a command in a machine",
                       usage="lab run [--timeout S] MACHINE -- CMD...")
    s.add_argument("--timeout", type=float, default=300, metavar="S",
                   help="kill the command after S seconds "
                        "(default %(default)g, 0: never)")
    s.add_argument("machine", choices=MACHINES)
    s.add_argument("command", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("shell", parents=[common],
                       help="interactive shell on a machine's serial "
                            "console (Ctrl-] leaves)")
    s.add_argument("machine", choices=MACHINES)
    s.set_defaults(func=cmd_shell)

    s = sub.add_parser("log", parents=[common],
                       help="a machine's console log")
    s.add_argument("-f", "--follow", action="store_true",
                   help="keep printing what is appended")
    s.add_argument("machine", choices=MACHINES)
    s.set_defaults(func=cmd_log)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    run_dir = getattr(args, "run_dir", None) or env.default_run_dir()
    lab = Lab(run_dir)
    # "lab up" must clean up on SIGTERM and SIGHUP as on Ctrl-C.
    signal.signal(signal.SIGTERM, raise_interrupt)
    signal.signal(signal.SIGHUP, raise_interrupt)
    try:
        return args.func(lab, args)
    except LabError as e:
        print(f"lab: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        msg = "interrupted"
        if args.cmd == "up":
            msg += f"; the lab in {lab.run} is torn down"
        print(f"\nlab: {msg}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # "lab log ep | head": the reader left; not an error.
        sys.stderr.close()
        return 0
