# SPDX-License-Identifier: GPL-2.0
"""A minimal client of a machine's QMP monitor (RUN/<name>-qmp.sock).

QMP speaks JSON objects, one per line: a greeting, then "qmp_capabilities"
to leave negotiation, then commands, each answered by "return" or
"error". Events (objects with "event") may arrive between them and are
skipped here.
"""

import json
import socket
import time

from . import LabError

TIMEOUT = 30.0


class Qmp:
    def __init__(self, path, name, timeout=TIMEOUT):
        self.name = name
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(str(path))
        except OSError as e:
            self.sock.close()
            raise LabError(f"{name}: cannot connect to QMP at {path}: "
                           f"{e.strerror}") from None
        self.buf = b""
        try:
            greeting = self._read()
            if "QMP" not in greeting:
                raise LabError(f"{name}: QMP greeting expected, got "
                               f"{greeting}")
            self.command("qmp_capabilities")
        except BaseException:
            self.sock.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def _read(self):
        """The next object that is not an event."""
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\n" not in self.buf:
                if time.monotonic() >= deadline:
                    raise LabError(f"{self.name}: QMP did not answer "
                                   f"within {self.timeout:.0f}s")
                try:
                    data = self.sock.recv(4096)
                except OSError as e:
                    raise LabError(f"{self.name}: QMP connection: "
                                   f"{e}") from None
                if not data:
                    raise LabError(f"{self.name}: QMP closed the "
                                   "connection")
                self.buf += data
            line, self.buf = self.buf.split(b"\n", 1)
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                raise LabError(f"{self.name}: QMP sent garbage: "
                               f"{line[:80]!r}") from None
            if "event" not in obj:
                return obj

    def command(self, name, **arguments):
        """Run command NAME; its "return" value, or LabError."""
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        ans = self._read()
        if "error" in ans:
            err = ans["error"]
            raise LabError(f"{self.name}: QMP {name}: "
                           f"{err.get('desc', err)}")
        return ans.get("return")
