"""Child processes (node for mystmd and bytecode, npm, pip) that never outlive the build.

A build killed with SIGKILL cannot clean up after itself, so each child asks the kernel to kill it when
its parent dies (Linux PR_SET_PDEATHSIG); elsewhere the child is only killed on a normal exit.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def child_options() -> dict:
    """Keyword arguments for subprocess.run/Popen that tie the child's life to this process."""
    if not sys.platform.startswith("linux"):
        return {}
    parent = os.getpid()
    return {"preexec_fn": lambda: _die_with_parent(parent)}


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, **child_options(), **kwargs)


def popen(args: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(args, **child_options(), **kwargs)
