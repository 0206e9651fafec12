# SPDX-License-Identifier: GPL-2.0
"""A lab in a run directory: boot it, configure it, tear it down.

The run directory holds everything of one lab that is not in /dev/shm:
state.json (what runs: the topology, PIDs, RAM files, the function),
<name>.pid, the UNIX sockets of the consoles, agents, monitors and links
(<link>.sock), and the logs (<name>-console.log, <name>-qemu.log), which outlive "lab down".

Each QEMU is started in its own session and process group, with no
terminal and no inherited descriptors besides its log, so that neither a
closing terminal nor a caller waiting for "lab up"'s output holds it.
"""

import contextlib
import hashlib
import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

from . import LabError, controllers, functions, machines, topologies
from .agent import Agent
from .qmp import Qmp

STATE = "state.json"
# UNIX socket paths longer than this do not fit in sockaddr_un.
SUN_PATH_MAX = 107


def proc_gone(pid, start):
    """Process PID with start time START has been reaped (its PID is free
    or taken by another process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return int(stat[stat.rindex(")") + 2:].split()[19]) != start


def proc_start_time(pid):
    """The start time of process PID (clock ticks since boot), or None if
    there is no such process or it is a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name may contain spaces and parentheses: split after it.
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


class Lab:
    def __init__(self, run_dir, env=None):
        self.run = Path(run_dir).absolute()
        self.env = env
        self.state = None
        self.procs = {}
        self.log = print
        # This object booted the lab in the run directory (so it is the
        # one to clean up when booting fails).
        self.owned = False

    # ----------------------------------------------------------- state

    def load_state(self):
        try:
            self.state = json.loads((self.run / STATE).read_text())
        except FileNotFoundError:
            self.state = None
        except ValueError as e:
            raise LabError(f"{self.run / STATE}: {e}") from None
        return self.state

    def save_state(self):
        tmp = self.run / (STATE + ".tmp")
        tmp.write_text(json.dumps(self.state, indent=1) + "\n")
        tmp.replace(self.run / STATE)

    def machine_state(self, name):
        if not self.load_state():
            raise LabError(f"no lab in {self.run} (lab up first)")
        m = self.state["machines"].get(name)
        if m is None:
            raise LabError(f"the lab in {self.run} has no {name} machine")
        return m

    def alive(self, name):
        m = (self.state or {}).get("machines", {}).get(name)
        if not m or m.get("start") is None:
            return False
        return proc_start_time(m["pid"]) == m["start"]

    def shm_path(self, name):
        """RAM file of machine NAME: named after the user and the run
        directory, so that labs of different runs never share one."""
        digest = hashlib.sha256(str(self.run).encode()).hexdigest()[:10]
        return Path("/dev/shm") / f"vntb-lab-{os.getuid()}-{digest}-{name}"

    def agent(self, name):
        """The agent client of machine NAME."""
        m = self.machine_state(name)
        if not self.alive(name):
            raise LabError(f"{name}: machine is not running "
                           f"(see lab log {name})")
        return Agent(m["agent"], name, alive=lambda: self.alive(name))

    # ------------------------------------------------------------- up

    def _qemu_binary(self, name):
        d = Path(self.env["LAB_QEMU_DIR"])
        for cand in (d / name, d / "bin" / name):
            if os.access(cand, os.X_OK):
                return str(cand)
        raise LabError(f"{name} not found in {d} (LAB_QEMU_DIR)")

    def _why_dead(self, m):
        """One line on why machine M's QEMU stopped."""
        p = self.procs.get(m.name)
        rc = p.poll() if p else None
        for log in (m.qemu_log, m.console_log):
            try:
                lines = [ln for ln in log.read_text(errors="replace")
                         .splitlines() if ln.strip()]
            except FileNotFoundError:
                continue
            if lines:
                # A guest panic says why in its first line, not its last.
                panic = [ln for ln in lines if "Kernel panic" in ln]
                return f"QEMU exited ({rc}): {(panic or lines)[-1].strip()}"
        return f"QEMU exited ({rc})"

    def _start(self, m, args):
        for path in m.sockets():
            if len(str(path)) > SUN_PATH_MAX:
                raise LabError(f"run directory path too long for a UNIX "
                               f"socket: {path}")
        for f in (m.console_log, m.qemu_log, *m.sockets()):
            f.unlink(missing_ok=True)
        m.shm.unlink(missing_ok=True)
        cmd = [self._qemu_binary(m.qemu)] + args
        (self.run / f"{m.name}.cmdline").write_text(shlex.join(cmd) + "\n")
        with open(m.qemu_log, "wb") as log:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, cwd=self.run,
                                 start_new_session=True)
        self.procs[m.name] = p
        start = None
        while start is None and p.poll() is None:
            start = proc_start_time(p.pid)
        self.state["machines"][m.name] = {
            "pid": p.pid,
            "start": start,
            "arch": m.arch,
            "shm": str(m.shm),
            "agent": str(m.agent_sock),
            "console": str(m.console_sock),
            "console_log": str(m.console_log),
            "qemu_log": str(m.qemu_log),
            "qmp": str(m.qmp_sock),
        }
        self.save_state()
        m.pid_file.write_text(f"{p.pid}\n")

    def _boot(self, m, args, timeout):
        """Start machine M and wait until its agent answers."""
        self._start(m, args)
        alive = lambda: self.procs[m.name].poll() is None  # noqa: E731
        a = Agent(m.agent_sock, m.name, alive=alive)
        try:
            if not a.ping(timeout=timeout):
                raise LabError(f"{m.name}: no answer from the agent after "
                               f"{timeout:.0f}s (see lab log {m.name})")
        except LabError:
            if not alive():
                raise LabError(f"{m.name}: {self._why_dead(m)}") from None
            raise
        return a

    def _step(self, what, fn, *args):
        self.log(f"  {what:<44} ... ", end="", flush=True)
        t0 = time.monotonic()
        try:
            res = fn(*args)
        except BaseException:
            self.log(f"FAILED after {time.monotonic() - t0:.1f}s")
            raise
        self.log(f"done in {time.monotonic() - t0:.1f}s")
        return res

    def up(self, function="vntb", iommu=False, link=True, timeout=180,
           ep_driver="any", host_driver="any",
           topology=topologies.DEFAULT, controller=controllers.DEFAULT,
           host_params=(), msi=False, board=None,
           host_strict_iomem=False, mw1=None):
        """Boot the lab in shape TOPOLOGY (a key of topologies.TOPOLOGIES)
        with endpoint controllers of kind CONTROLLER (a key of
        controllers.CONTROLLERS) and endpoint function FUNCTION (a key of
        functions.FUNCTIONS) on every link, its driver and the host's
        taken from EP_DRIVER and HOST_DRIVER (functions.DRIVER_SOURCES),
        the host's loaded with the module parameters HOST_PARAMS; BOARD
        (a key of controllers.BOARDS) gives lab-epc a board's BARs.
        MSI: the controllers reach the endpoint's GIC ITS (an msi-parent
        in their device tree nodes), which gives MSI doorbells.
        HOST_STRICT_IOMEM boots the host without iomem=relaxed (see
        machines.host). MW1: a vNTB function's memory window size, as
        vntb-setup --mw1 takes it (functions.mw_size()), instead of the
        function's.
        On any failure, and on KeyboardInterrupt, everything started so
        far is torn down before the exception propagates. LINK=False
        leaves the link devices out."""
        try:
            self._up(function, iommu, link, timeout, ep_driver,
                     host_driver, topologies.TOPOLOGIES[topology],
                     controllers.controller(controller, board),
                     tuple(host_params), msi, host_strict_iomem, mw1)
        except BaseException:
            if self.owned:
                self.down()
            raise

    def _dtb(self, ctrl, name, iommu, count, msi):
        """The device tree endpoint machine NAME boots with, or None when
        QEMU's own describes its COUNT controllers (MSI: with an
        msi-parent each; IOMMU: behind the SMMUv3)."""
        nodes = ctrl.dt_nodes(count, msi, iommu)
        if not nodes:
            return None
        path = self.run / f"{name}.dtb"
        try:
            controllers.make_dtb(self._qemu_binary("qemu-system-aarch64"),
                                 machines.endpoint_dump_args(name, iommu),
                                 nodes, path)
        except subprocess.CalledProcessError as e:
            err = (e.stderr or b"")
            if isinstance(err, bytes):
                err = err.decode(errors="replace")
            raise LabError(f"{name}: cannot make its device tree: "
                           f"{' '.join(map(str, e.cmd[:2]))}: "
                           f"{err.strip() or e.returncode}") from None
        except FileNotFoundError as e:
            raise LabError(f"{name}: cannot make its device tree: "
                           f"{e.filename} missing (dtc: Debian's "
                           "device-tree-compiler; tools/lab/build/deps.sh "
                           "installs it)") from None
        return path

    def _epcs(self, ctrl, topo, name):
        """The controller names of endpoint NAME's links, or None when it
        has one controller (then found as the only one)."""
        if not topo.multi:
            return None
        return [ctrl.epc_name(k, topologies.LINK_SLOT)
                for k in range(len(topo.links_of(name)))]

    def _up(self, function, iommu, link, timeout, ep_driver, host_driver,
            topo, ctrl, host_params, msi, host_strict_iomem, mw1):
        fn = functions.FUNCTIONS[function]
        functions.check_module_params(host_params)
        if mw1 is not None:
            if fn.epf_driver != "pci_epf_vntb":
                raise LabError(f"function {fn.name} has no memory window "
                               "to size")
            mw1 = functions.mw_size(mw1)
        if host_params and not fn.host_driver:
            raise LabError(f"function {fn.name} has no host driver to take "
                           "module parameters")
        if topo.multi and link and fn.epf_driver != "pci_epf_vntb":
            raise LabError(f"topology {topo.name} takes a vNTB function, "
                           f"not {fn.name}")
        if iommu and not ctrl.iommu:
            raise LabError(f"controller {ctrl.name} cannot sit behind the "
                           "endpoint's SMMUv3")
        if msi and not ctrl.msi:
            raise LabError(f"controller {ctrl.name} takes no msi-parent (a "
                           "PCI device's MSIs are its PCI MSIs): use "
                           "--controller dw")
        # Without a function the endpoint never starts its link, and the
        # host's lab-epf refuses to start without one: leave it out.
        host_link = link and fn.epf_driver is not None
        self.run.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.load_state():
            if any(self.alive(n) for n in self.state["machines"]):
                raise LabError(f"a lab is already running in {self.run} "
                               "(lab down first)")
            self.down()
        self.state = {"topology": topo.name, "function": fn.name,
                      "controller": ctrl.name, "iommu": iommu, "link": link,
                      "msi": msi,
                      "board": getattr(ctrl, "board", None),
                      "ep_driver": ep_driver, "host_driver": host_driver,
                      "host_params": list(host_params),
                      "host_strict_iomem": host_strict_iomem,
                      "mw1": mw1,
                      "status": "booting", "machines": {}}
        self.save_state()
        self.owned = True
        self._remove_link_sockets()

        env = self.env
        slot = topologies.LINK_SLOT if topo.multi else None
        with contextlib.ExitStack() as stack:
            ep_agents = {}
            for name in topo.endpoints:
                links = topo.links_of(name) if link else ()
                dtb = self._dtb(ctrl, name, iommu, len(links), msi) \
                    if links else None
                ep, ep_args = machines.endpoint(
                    self.run, name, self.shm_path(name),
                    env["LAB_EP_KERNEL"], env["LAB_EP_INITRD"], ctrl,
                    fn.needs, iommu=iommu,
                    sockets=[self.link_socket(ln) for ln in links],
                    slot=slot, dtb=dtb, msi=msi)
                what = ", ".join(["arm64"] + (["SMMUv3"] if iommu else []) +
                                 ([f"{ctrl.name} controller"]
                                  if links else []) +
                                 (["msi-parent"] if msi and links else []))
                a = stack.enter_context(self._step(
                    f"boot {name} ({what})", self._boot, ep, ep_args,
                    timeout))
                ep_agents[name] = a
                if link:
                    self._step(f"set up {name} ({fn.name})", a.check,
                               self._ep_setup(fn, ctrl, topo, name,
                                              ep_driver, mw1),
                               120, f"{name} set-up")
            host, host_args = machines.host(
                self.run, self.shm_path("host"), env["LAB_HOST_KERNEL"],
                env["LAB_HOST_INITRD"],
                sockets=[self.link_socket(ln) for ln in topo.links]
                if host_link else (), slot=slot,
                strict_iomem=host_strict_iomem)
            host_agent = stack.enter_context(self._step(
                "boot host (x86_64)", self._boot, host, host_args,
                timeout))
            if host_link and (fn.host_driver or fn.host_modules):
                self._step("load the host drivers", host_agent.check,
                           functions.host_setup_script(fn, host_driver,
                                                       host_params),
                           120, "host set-up")
            if host_link and fn.netdev:
                names = ", ".join(sorted({ln.host_if for ln in topo.links}))
                self._step(f"bring up {names} on all sides",
                           self._netdev, topo, ep_agents, host_agent)
        self.state["status"] = "up"
        self.save_state()

    def _ep_setup(self, fn, ctrl, topo, name, ep_driver, mw1=None):
        return functions.ep_setup_script(
            fn, shlex.quote, ep_driver, self._epcs(ctrl, topo, name), ctrl,
            pins=ep_driver != "upstream", mw1=mw1)

    def link_socket(self, link):
        return self.run / f"{link.name}.sock"

    def _remove_link_sockets(self):
        for t in topologies.TOPOLOGIES.values():
            for ln in t.links:
                self.link_socket(ln).unlink(missing_ok=True)

    @staticmethod
    def _ep_netdev_script(topo, name):
        """Endpoint NAME's interfaces, one per link, and its routes to the
        other endpoints through the host."""
        links = topo.links_of(name)
        ifs = []
        for ln in links:
            path = (f":{topologies.VBUS_BASE + ln.ep_index:02x}:00.0/"
                    if len(links) > 1 else "")
            ifs.append((path, ln.ep_if, ln.ep_addr))
        script = functions.netdev_script(ifs)
        return script + "".join(f"ip route add {net} via {gw}\n"
                                for net, gw in topo.routes(name))

    @staticmethod
    def _await_links(links, ep_agents, host_agent):
        """Every carrier of LINKS on both sides, then a ping of the host
        over each."""
        for ln in links:
            a = ep_agents[ln.ep]
            for who, agent, dev in ((ln.ep, a, ln.ep_if),
                                    ("host", host_agent, ln.host_if)):
                agent.check(functions.CARRIER_WAIT.format(t=60, dev=dev), 90,
                            f"{who}: waiting for the {dev} link")
        for ln in links:
            ep_agents[ln.ep].check(f"ping -c 1 -W 10 {ln.host_addr}", 30,
                                   f"{ln.ep}: ping across {ln.ep_if}")

    @staticmethod
    def _host_netdev_script(topo):
        """The host's interfaces, one per link, and its forwarding."""
        host_if = []
        for ln in topo.links:
            path = (f"/0000:00:{topologies.LINK_SLOT + ln.host_index:02x}.0/"
                    if topo.multi else "")
            host_if.append((path, ln.host_if, ln.host_addr))
        script = functions.netdev_script(host_if)
        if topo.forwarding:
            script += "echo 1 > /proc/sys/net/ipv4/ip_forward\n"
        return script

    def _netdev(self, topo, ep_agents, host_agent):
        """Each link's interface on both sides, the host's forwarding and
        the endpoints' routes through it; then wait for every carrier and
        ping the host over each link."""
        for name, a in ep_agents.items():
            a.check(self._ep_netdev_script(topo, name), 90,
                    f"{name}: interface set-up")
        host_agent.check(self._host_netdev_script(topo), 90,
                         "host: interface set-up")
        self._await_links(topo.links, ep_agents, host_agent)

    # ---------------------------------------------------------- reset

    BOOT_ID = "cat /proc/sys/kernel/random/boot_id"
    # The old boot may answer until QEMU has processed the reset: how often
    # to ask again
    BOOT_ID_INTERVAL = 0.2

    def reset_ep(self, name="ep", timeout=180, setup=True):
        """Reset endpoint machine NAME as a board's reset button would:
        no shutdown, its links drop at once. Then wait for the new boot's
        agent and, with SETUP, configure its functions and interfaces
        again as "lab up" did; the host keeps running and is not
        touched."""
        m = self.machine_state(name)
        st = self.state
        topo = topologies.TOPOLOGIES[st.get("topology", "one-ep")]
        if name not in topo.endpoints:
            raise LabError(f"{name} is not an endpoint machine of this lab "
                           f"({', '.join(topo.endpoints)}): only those "
                           "can be reset")
        ep = self._system_reset(name, m, timeout)
        fn = functions.FUNCTIONS[st["function"]]
        if not setup or not st["link"] or fn.epf_driver is None:
            return
        ctrl = controllers.controller(st.get("controller",
                                             controllers.DEFAULT),
                                      st.get("board"))
        self._step(f"set up {name} ({fn.name})", ep.check,
                   self._ep_setup(fn, ctrl, topo, name,
                                  st.get("ep_driver", "any"),
                                  st.get("mw1")),
                   120, f"{name} set-up")
        if fn.netdev:
            self._step("bring its interfaces up again", self._netdev_again,
                       topo, name, ep)

    def _system_reset(self, name, m, timeout):
        """Press machine NAME's reset button; return the new boot's
        agent once it answers."""
        agent = self.agent(name)
        before = agent.check(self.BOOT_ID, 30, "reading the boot id").strip()
        with Qmp(m["qmp"], name) as q:
            # The machines run with -no-reboot, so that a panic stops
            # them; allow resets until the new boot is up, then restore
            # that: the host's firmware resets the machine once more when
            # it finds it has run before.
            q.command("set-action", reboot="reset")
            try:
                q.command("system_reset")
                self._step(f"reboot {name}", self._await_new_boot, agent,
                           before, timeout)
            finally:
                # (a machine that died meanwhile has no action to restore)
                if self.alive(name):
                    q.command("set-action", reboot="shutdown")
        return agent

    def reset_host(self, timeout=180, setup=True):
        """Reset the host machine as its reset button would: no shutdown;
        its reset takes every link down (PERST#) until the new boot's
        firmware finds the functions again. Then wait for the new boot's
        agent and, with SETUP, load the host drivers and bring the
        interfaces up again as "lab up" did; the endpoints keep running
        and are not touched."""
        m = self.machine_state("host")
        agent = self._system_reset("host", m, timeout)
        if setup:
            self._host_setup(agent)

    def power_host(self, on, timeout=180, setup=True):
        """Power the host machine off (its QEMU stops at once, as on a
        power loss: the endpoints see their links go) or on again (the
        same command line; with SETUP, its drivers and interfaces are set
        up again as "lab up" did)."""
        m = self.machine_state("host")
        if not on:
            if not self.alive("host"):
                raise LabError("host: already off (or dead: see lab log "
                               "host)")
            self._kill(m["pid"], "host")
            m["start"] = None
            m["off"] = True
            self.save_state()
            Path(m["shm"]).unlink(missing_ok=True)
            return
        if self.alive("host"):
            raise LabError("host: already running")
        cmdline = self.run / "host.cmdline"
        try:
            cmd = shlex.split(cmdline.read_text())
        except FileNotFoundError:
            raise LabError(f"no {cmdline}: the host was never started "
                           "here") from None
        host = machines.host_machine(self.run, Path(m["shm"]))
        # The previous boot's logs stay, one generation
        for log in (host.console_log, host.qemu_log):
            if log.exists():
                log.replace(log.with_name(log.name + ".1"))
        agent = self._step("boot host (x86_64)", self._boot, host, cmd[1:],
                           timeout)
        if setup:
            self._host_setup(agent)

    def _host_setup(self, agent):
        """A new boot of the host: its drivers and interfaces, as "lab
        up" set them up; then every link's carrier and a ping over it."""
        st = self.state
        fn = functions.FUNCTIONS[st["function"]]
        if not st["link"] or fn.epf_driver is None:
            return
        if fn.host_driver or fn.host_modules:
            self._step("load the host drivers", agent.check,
                       functions.host_setup_script(
                           fn, st.get("host_driver", "any")),
                       120, "host set-up")
        if not fn.netdev:
            return
        topo = topologies.TOPOLOGIES[st.get("topology", topologies.DEFAULT)]
        self._step("bring the interfaces up again", self._host_netdev_again,
                   topo, agent)

    def _host_netdev_again(self, topo, agent):
        """The host's interfaces are new; the endpoints' are the ones they
        had, and come back by themselves once the host's are up."""
        agent.check(self._host_netdev_script(topo), 90,
                    "host: interface set-up")
        self._await_links(topo.links,
                          {name: self.agent(name) for name in topo.endpoints},
                          agent)

    def _await_new_boot(self, agent, old_id, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not agent.ping(timeout=left):
                raise LabError(f"{agent.name}: no new boot within "
                               f"{timeout:.0f}s of the reset (see lab "
                               f"log {agent.name})")
            res = agent.run(self.BOOT_ID, timeout=30)
            if res.status == 0 and res.output.strip().decode() != old_id:
                return
            time.sleep(self.BOOT_ID_INTERVAL)

    def _netdev_again(self, topo, name, agent):
        """Endpoint NAME's interfaces are new; the host's are the ones it
        had."""
        agent.check(self._ep_netdev_script(topo, name), 90,
                    f"{name}: interface set-up")
        self._await_links(topo.links_of(name), {name: agent},
                          self.agent("host"))

    # ----------------------------------------------------------- down

    def down(self):
        """Stop exactly the QEMUs this run directory started and remove
        their sockets and RAM files. Logs stay. Safe to repeat."""
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return self._down()
        finally:
            signal.signal(signal.SIGINT, old)

    def _down(self):
        if self.state is None and not self.load_state():
            return []
        stopped = []
        # The host first: it is the one that would notice the link going.
        for name in sorted(self.state["machines"], reverse=True):
            m = self.state["machines"][name]
            if self.alive(name):
                self._kill(m["pid"], name)
                stopped.append(name)
            Path(m["shm"]).unlink(missing_ok=True)
            for key in ("agent", "console", "qmp"):
                Path(m[key]).unlink(missing_ok=True)
            (self.run / f"{name}.pid").unlink(missing_ok=True)
        self._remove_link_sockets()
        (self.run / STATE).unlink(missing_ok=True)
        self.state = None
        return stopped

    def _kill(self, pid, name):
        """SIGTERM (QEMU shuts down cleanly), SIGKILL if that is not
        enough. Waits for the process to be gone either way."""
        start = proc_start_time(pid)
        if start is None:
            return
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            p = self.procs.get(name)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                if p is not None:
                    try:
                        p.wait(timeout=max(0.0, deadline - time.monotonic()))
                    except subprocess.TimeoutExpired:
                        pass
                if proc_start_time(pid) != start:
                    self._await_reaping(pid, start)
                    return
                time.sleep(0.02)
        raise LabError(f"{name}: QEMU (pid {pid}) survived SIGKILL")

    @staticmethod
    def _await_reaping(pid, start, grace=5.0):
        """A QEMU whose "lab up" has exited is init's child: once dead it
        stays a zombie (holding nothing, but visible) until init reaps
        it. Give init a moment, so that "lab down" leaves no trace."""
        deadline = time.monotonic() + grace
        while not proc_gone(pid, start) and time.monotonic() < deadline:
            time.sleep(0.02)
