# SPDX-License-Identifier: GPL-2.0
"""Client of the in-guest agent (tools/lab/guest/agent).

The agent listens on the guest's virtio console, which QEMU connects to a
UNIX socket in the run directory. QEMU serves one client per socket at a
time; others wait in the socket's backlog. So a client holds the
connection only for short exchanges (start a command, ask whether it is
done, fetch its output) and lets go in between: any number of "lab run"
can have commands running in the same guest at once.
"""

import base64
import binascii
import math
import secrets
import socket
import time
from dataclasses import dataclass

from . import LabError

# Must match CHUNK in tools/lab/guest/agent.
CHUNK = 65536
# How long one exchange may take, waiting for other clients included.
REPLY_TIMEOUT = 60.0
# How long a killed command may take to be reported done.
KILL_TIMEOUT = 10.0
# Polling for the end of a command starts fast (short commands) and
# slows down to this (long ones).
POLL_MAX = 0.2


class AgentTimeout(LabError):
    pass


class AgentConnectionLost(LabError):
    pass


@dataclass
class Result:
    status: int
    output: bytes
    timed_out: bool = False


class Session:
    """One connection to the agent: a few requests and their answers."""

    def __init__(self, agent, timeout):
        self.name = agent.name
        self.buf = b""
        deadline = time.monotonic() + timeout
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(agent.path)
                break
            except (FileNotFoundError, ConnectionRefusedError) as e:
                sock.close()
                err = e
            if agent.alive is not None and not agent.alive():
                raise LabError(f"{self.name}: machine is gone")
            if time.monotonic() >= deadline:
                raise LabError(f"{self.name}: cannot connect to the agent "
                               f"socket {agent.path}: {err.strerror}")
            time.sleep(0.05)
        self.sock = sock
        # End whatever line a previous client may have left unfinished;
        # the agent ignores empty lines.
        self.send("")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def send(self, line):
        try:
            self.sock.sendall(line.encode() + b"\n")
        except OSError as e:
            raise AgentConnectionLost(f"{self.name}: agent connection "
                                      f"lost: {e.strerror}") from None

    def readline(self, deadline):
        """The next line, or None once the deadline has passed."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(1 << 16)
            except socket.timeout:
                return None
            except OSError as e:
                raise AgentConnectionLost(f"{self.name}: agent connection "
                                          f"lost: {e.strerror}") from None
            if not data:
                raise AgentConnectionLost(f"{self.name}: the machine closed "
                                          "the agent connection")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r").decode("ascii", "replace")

    def expect(self, cid, words, deadline):
        """Read until a message about CID whose type is one of WORDS;
        (type, remaining fields), or None at the deadline. Anything else
        (stale answers, echoes) is skipped."""
        while True:
            line = self.readline(deadline)
            if line is None:
                return None
            fields = line.split()
            if len(fields) >= 2 and fields[0] in words and fields[1] == cid:
                return fields[0], fields[2:]

    def ask(self, request, cid, words, timeout=REPLY_TIMEOUT):
        self.send(request)
        ans = self.expect(cid, words, time.monotonic() + timeout)
        if ans is None:
            raise AgentTimeout(f"{self.name}: no answer from the agent to "
                               f"{request.split()[0]} within {timeout:.0f}s")
        return ans


class Agent:
    """The agent of one guest. ALIVE, if given, tells whether the guest's
    QEMU still runs, so that waits end early when it does not."""

    def __init__(self, path, name, alive=None):
        self.path = str(path)
        self.name = name
        self.alive = alive

    # The lab code keeps agents in "with" blocks; there is nothing to
    # release between exchanges.
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def session(self, timeout=REPLY_TIMEOUT):
        return Session(self, timeout)

    def ping(self, timeout=REPLY_TIMEOUT, interval=0.5):
        """Wait until the agent answers; True if it did in time.

        The ping is repeated: one sent before the guest's agent has set
        its console up may be lost."""
        deadline = time.monotonic() + timeout
        token = secrets.token_hex(4)
        while time.monotonic() < deadline:
            try:
                with self.session(deadline - time.monotonic()) as s:
                    while time.monotonic() < deadline:
                        s.send(f"@@PING {token}")
                        wait = min(deadline, time.monotonic() + interval)
                        if s.expect(token, ("@@PONG",), wait) is not None:
                            return True
                        if self.alive is not None and not self.alive():
                            raise LabError(f"{self.name}: machine is gone")
            except AgentConnectionLost:
                # QEMU may drop the connection while the guest's side of
                # the console is still being set up: connect again.
                if self.alive is not None and not self.alive():
                    raise LabError(f"{self.name}: machine is gone") from None
                time.sleep(interval)
        return False

    def _poll(self, cid):
        with self.session() as s:
            kind, rest = s.ask(f"@@POLL {cid}", cid,
                               ("@@DONE", "@@RUNNING", "@@UNKNOWN"))
        if kind == "@@UNKNOWN":
            raise LabError(f"{self.name}: the agent lost command {cid} "
                           "(did the guest's agent restart?)")
        if kind == "@@DONE":
            return int(rest[0]), int(rest[1])
        return None

    def _wait(self, cid, end):
        """Poll until command CID is done or END passes; (status, size)
        or None."""
        interval = 0.01
        while True:
            done = self._poll(cid)
            if done is not None:
                return done
            now = time.monotonic()
            if now >= end:
                return None
            if self.alive is not None and not self.alive():
                raise LabError(f"{self.name}: machine is gone")
            time.sleep(min(interval, end - now))
            interval = min(interval * 2, POLL_MAX)

    def _fetch(self, cid, size):
        out = bytearray()
        with self.session() as s:
            for n in range(math.ceil(size / CHUNK)):
                _, head = s.ask(f"@@GET {cid} {n}", cid, ("@@DATA",))
                deadline = time.monotonic() + REPLY_TIMEOUT
                lines = []
                while True:
                    line = s.readline(deadline)
                    if line is None:
                        raise AgentTimeout(f"{self.name}: output chunk {n} "
                                           f"of command {cid} cut short")
                    if line.startswith("@@END"):
                        break
                    lines.append(line.strip())
                try:
                    data = base64.b64decode("".join(lines), validate=True)
                except binascii.Error:
                    raise LabError(f"{self.name}: garbled output chunk {n} "
                                   f"of command {cid}") from None
                if head[0] != str(n) or len(data) != int(head[1]):
                    raise LabError(f"{self.name}: output chunk {n} of "
                                   f"command {cid} is not what the agent "
                                   "announced")
                out += data
        # A daemon started by the command may have written more since.
        return bytes(out[:size])

    def _kill_and_free(self, cid):
        """Best effort, for interrupted runs."""
        try:
            with self.session(timeout=5) as s:
                s.ask(f"@@KILL {cid}", cid, ("@@KILLED",), timeout=5)
                s.ask(f"@@FREE {cid}", cid, ("@@FREED",), timeout=5)
        except (LabError, OSError):
            pass

    def run(self, command, timeout=None):
        """Run COMMAND (a string for sh -c) in the guest.

        Returns a Result with the exit status and the combined stdout and
        stderr. When TIMEOUT seconds pass first, the command's process
        group is killed and the Result has timed_out set, with whatever
        output the command had produced."""
        cid = secrets.token_hex(6)
        encoded = base64.b64encode(command.encode()).decode()
        with self.session() as s:
            s.ask(f"@@RUN {cid} {encoded}", cid, ("@@STARTED",))
        try:
            end = time.monotonic() + timeout if timeout else math.inf
            timed_out = False
            done = self._wait(cid, end)
            if done is None:
                timed_out = True
                with self.session() as s:
                    s.ask(f"@@KILL {cid}", cid, ("@@KILLED",))
                done = self._wait(cid, time.monotonic() + KILL_TIMEOUT)
                if done is None:
                    raise AgentTimeout(
                        f"{self.name}: command did not end within "
                        f"{KILL_TIMEOUT:.0f}s of being killed")
            output = self._fetch(cid, done[1])
        except BaseException:
            # Interrupted or failed: leave nothing running in the guest.
            self._kill_and_free(cid)
            raise
        with self.session() as s:
            s.ask(f"@@FREE {cid}", cid, ("@@FREED",))
        return Result(done[0], output, timed_out)

    def check(self, command, timeout=None, what=None):
        """Run COMMAND; its output as text, or LabError on failure."""
        res = self.run(command, timeout)
        text = res.output.decode(errors="replace")
        if res.timed_out or res.status != 0:
            tail = " | ".join(text.strip().splitlines()[-3:])
            why = (f"timed out after {timeout}s" if res.timed_out
                   else f"failed (status {res.status})")
            raise LabError(f"{self.name}: {what or command} {why}"
                           + (f": {tail}" if tail else ""))
        return text
