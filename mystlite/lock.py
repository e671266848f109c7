"""One build of a project at a time: an exclusive lock on a file in the work folder.

The second build waits (and says so) instead of racing the first over the same work and output folders.
The kernel drops the lock when its holder dies, even by SIGKILL, so a stale lock cannot block anyone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator

from .files import WORK_DIR
from .log import Reporter

LOCK_FILE = "build.lock"


@contextlib.contextmanager
def project_lock(root: Path, reporter: Reporter) -> Iterator[None]:
    work = root / WORK_DIR
    work.mkdir(parents=True, exist_ok=True)
    with open(work / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            reporter.info(f"waiting for another build of this project to finish (process {holder})…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
