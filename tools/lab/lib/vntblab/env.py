# SPDX-License-Identifier: GPL-2.0
"""Where the lab's pieces are.

The build (tools/lab/build/all.sh) writes out/lab-env at the top of the
repository: shell-style KEY=VALUE lines naming the kernels, initrds and
QEMU binaries it built. Environment variables of the same names take
precedence, so that a single piece can be swapped for a test.
"""

import getpass
import os
import shlex
from pathlib import Path

from . import LabError

TOP = Path(__file__).resolve().parents[4]

KEYS = (
    "LAB_QEMU_DIR",
    "LAB_EP_KERNEL",
    "LAB_HOST_KERNEL",
    "LAB_EP_INITRD",
    "LAB_HOST_INITRD",
    "LAB_KERNEL_VERSION",
    "LAB_QEMU_VERSION",
)


def env_file():
    return Path(os.environ.get("LAB_ENV", TOP / "out" / "lab-env"))


def load():
    """Return the lab environment as a dict of the KEYS."""
    values = {}
    path = env_file()
    try:
        text = path.read_text()
    except FileNotFoundError:
        text = None
    if text is not None:
        for lineno, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise LabError(f"{path}:{lineno}: not KEY=VALUE")
            words = shlex.split(value)
            values[key] = words[0] if words else ""
    for key in KEYS:
        if key in os.environ:
            values[key] = os.environ[key]
    missing = [k for k in KEYS[:5] if not values.get(k)]
    if missing:
        if text is None:
            raise LabError(f"{path} missing: build the lab first "
                           "(make lab, or tools/lab/build/all.sh)")
        raise LabError(f"{path} lacks {', '.join(missing)}: rebuild the lab")
    return values


def default_run_dir():
    """One run directory per user unless told otherwise."""
    if os.environ.get("LAB_RUN_DIR"):
        return Path(os.environ["LAB_RUN_DIR"])
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return Path("/tmp") / f"vntb-lab-{user}"
