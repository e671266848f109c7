"""How mystlite starts mystmd: its command (the patched copy through the code-cache loader, or stock mystmd), its
environment, and a mystmd started early that waits to be told what to build (WaitingMyst).

Light on purpose: the CLI starts mystmd from here before it imports the rest of the build.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from .. import proc
from ..cache import cache_dir
from ..errors import MystliteError
from ..files import WORK_DIR
from ..log import Reporter
from ..node import find_node

# mystmd asks the npm registry for its latest version on every run (for an upgrade notice), whatever
# NO_UPDATE_NOTIFIER says. It finds the registry through npm's configuration, so pointing that at a closed local
# port keeps an offline build from reaching for the network; mystmd needs the registry for nothing else.
NO_REGISTRY = "http://127.0.0.1:9/"


def myst_env(base_url: str | None) -> dict[str, str]:
    """mystmd's environment: no upgrade check over the network (NO_REGISTRY), Python-flavoured messages, and
    BASE_URL only when a subpath is asked for."""
    env = {**os.environ, "MYST_LANG": "PYTHON", "NO_UPDATE_NOTIFIER": "1", "npm_config_registry": NO_REGISTRY}
    env.pop("BASE_URL", None)
    if base_url:
        env["BASE_URL"] = base_url.rstrip("/")
    return env


def myst_script(reporter: Reporter | None = None) -> Path:
    """mystmd's bundle to run: with the fixes mystlite carries (mystpatch.py) when it is the pinned one."""
    from .mystpatch import myst_script as chosen

    try:
        cache = cache_dir()
    except (MystliteError, OSError):  # an unusable cache folder is said by the build itself
        cache = None
    return chosen(cache, reporter)


LOADER = Path(__file__).parent / "mystload.cjs"


def myst_command(reporter: Reporter | None = None) -> list[str]:
    """How to run mystmd: the patched copy goes through mystload.cjs, which keeps V8's compiled code for it in
    the copy's own cache folder (named by the bundle's digest and the patches'); stock mystmd runs as it is."""
    from .mystpatch import installed_bundle

    script = myst_script(reporter)
    if script == installed_bundle():
        return [find_node(), str(script)]
    return [find_node(), str(LOADER), str(script), str(script.parent)]


def carried_fixes_run(reporter: Reporter | None = None) -> bool:
    """True when the mystmd that runs is the patched copy (mystpatch.py), not the installed bundle."""
    from .mystpatch import installed_bundle

    return myst_script(reporter) != installed_bundle()


MIRROR = "pages-src"  # in the work folder: the copy of the project that mystmd builds (mystmd.MystRun)
START_ON_STDIN = "MYSTLITE_START_ON_STDIN"  # mystload.cjs: load the bundle, then wait for what to build


class WaitingMyst:
    """mystmd (the patched copy), started before the mirror it builds is ready: node loads and compiles its 13 MB
    bundle (about 0.4 s) on the other core while mystlite reads the project, then waits on stdin until `go` says
    where and what to build (mystload.cjs, wait-for-start.patch). Its output is the build's output."""

    def __init__(self, env: dict[str, str], cwd: Path, reporter: Reporter | None):
        self.env = env
        self.proc: subprocess.Popen | None = proc.popen(
            myst_command(reporter), cwd=cwd, env={**env, START_ON_STDIN: "1"}, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    @classmethod
    def start(cls, project_dir: Path, base_url: str | None, reporter: Reporter | None) -> WaitingMyst | None:
        """One for a build of project_dir, or None where mystmd cannot wait (stock mystmd) or would not start."""
        try:
            if not carried_fixes_run(reporter):
                return None
            mirror = project_dir / WORK_DIR / MIRROR  # where it builds, unless includes from above move it deeper
            return cls(myst_env(base_url), mirror if mirror.is_dir() else project_dir, reporter)
        except (MystliteError, OSError):  # the build itself says what is wrong, when it gets there
            return None

    def go(self, cwd: Path, args: list[str], env: dict[str, str]) -> subprocess.Popen | None:
        """The process, told to run `myst ARGS` in cwd; None when it cannot be (another environment, or it died)."""
        child, self.proc = self.proc, None
        if child is None:
            return None
        if env == self.env and child.poll() is None:
            try:
                child.stdin.write(json.dumps({"cwd": str(cwd), "args": args}) + "\n")
                child.stdin.close()
                return child
            except OSError:  # it died meanwhile
                pass
            finally:
                child.stdin = None  # closed: communicate() must not flush it
        _stop(child)
        return None

    def cancel(self) -> None:
        child, self.proc = self.proc, None
        if child is not None:
            _stop(child)


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.kill()
    child.communicate()  # reaped, and its pipes closed
