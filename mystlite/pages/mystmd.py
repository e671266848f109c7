"""Project → MyST page JSON, by the real mystmd, run on a mirror of the project in the work folder.

A mirror, because every `myst build --html` deletes its _build/html first: the user's published output
must survive a failed page build. The mirror's myst.yml is the merged config with our site template.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import proc
from ..errors import MystliteError, Where
from ..files import project_files, sync_folder, write_text
from ..log import Reporter
from ..node import find_node
from ..project import Project

TEMPLATE_DIR = Path(__file__).parent / "template"
# mystmd's own line prefixes for problems: ⛔️ error, ⚠️ warning
ERROR_MARK, WARNING_MARK = "⛔️", "⚠️"
IGNORED_WARNINGS = ("extra key ignored: jupyter", "extra key ignored: thebe", "extra key ignored: mystlite")


@dataclass
class MystOutput:
    site_dir: Path  # mystmd's _build/site: config.json, content/*.json, public/
    html_dir: Path  # what a user template rendered (used when site.template is not ours)
    ours: bool  # True when our template was used, so mystlite renders the HTML


def myst_script() -> Path:
    import mystmd_py

    return Path(mystmd_py.__file__).parent / "myst.cjs"


BOM = b"\xef\xbb\xbf"


def _source_files(root: Path, output: Path) -> dict[str, Path | bytes]:
    files: dict[str, Path | bytes] = {}
    for path in project_files(root, output):
        if path.name in ("myst.yml", "myst.yaml"):
            continue
        rel = path.relative_to(root).as_posix()
        files[rel] = path
        if path.suffix == ".md":
            with path.open("rb") as handle:
                if handle.read(3) == BOM:  # mystmd would show the frontmatter as text
                    files[rel] = path.read_bytes()[3:]
    return files


def mirror_config(project: Project) -> tuple[bytes, bool]:
    """The myst.yml for the mirror, and whether it uses our template."""
    config = project.config
    data = {key: value for key, value in config.doc.data.items() if key in ("version", "project", "site")}
    site = dict(data.get("site") or {})
    template = site.get("template")
    ours = template is None
    if ours:
        site["template"] = str(TEMPLATE_DIR)
    elif (config.root / str(template)).exists():  # mystmd resolves it against the current folder
        site["template"] = str((config.root / str(template)).resolve())
    data["site"] = site
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode(), ours


class MystRun:
    """One mystmd run on the mirror, started in the background so the lite bundle builds meanwhile."""

    def __init__(self, project: Project, work: Path, reporter: Reporter, base_url: str | None):
        self.project, self.reporter = project, reporter
        self.mirror = mirror = work / "pages-src"
        files: dict[str, Path | bytes] = dict(_source_files(project.root, project.config.options.output))
        config_bytes, self.ours = mirror_config(project)
        files["myst.yml"] = config_bytes
        self.stamp, self.want = work / "pages-src.ok", f"{base_url or ''}"
        # the stamp goes before the mirror changes: a build killed in between must not leave it vouching
        stamp_ok = self.stamp.is_file() and self.stamp.read_text() == self.want
        self.stamp.unlink(missing_ok=True)
        changed = sync_folder(mirror, files, keep=("_build",))
        self.site_dir, self.html_dir = mirror / "_build" / "site", mirror / "_build" / "html"
        self.proc: subprocess.Popen | None = None
        if not changed and stamp_ok and (self.site_dir / "config.json").is_file():
            write_text(self.stamp, self.want)
            return
        node = find_node()
        # NO_UPDATE_NOTIFIER: mystmd would otherwise ask the npm registry for a newer version on every build
        env = {**os.environ, "MYST_LANG": "PYTHON", "NO_UPDATE_NOTIFIER": "1"}
        env.pop("BASE_URL", None)
        if base_url:
            env["BASE_URL"] = base_url.rstrip("/")
        self.started = time.perf_counter()
        self.proc = proc.popen([node, str(myst_script()), "build", "--html"], cwd=mirror, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def cancel(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def wait(self) -> MystOutput:
        if self.proc is None:
            return MystOutput(self.site_dir, self.html_dir, self.ours)
        text, _ = self.proc.communicate()
        reporter, root = self.reporter, self.project.root
        for line in text.splitlines():
            reporter.detail(f"  mystmd: {line}")
        # messages name the mirror; the user knows the project folder
        text = text.replace(str(self.mirror.resolve()), str(root)).replace(str(self.mirror), str(root))
        errors = [clean(line, root) for line in text.splitlines() if ERROR_MARK in line]
        for line in text.splitlines():
            if WARNING_MARK in line and not any(w in line for w in IGNORED_WARNINGS):
                reporter.warn(clean(line, root))
        if self.proc.returncode != 0 or errors:
            for extra in errors[1:]:
                reporter.error(extra)
            if errors:
                more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
                raise MystliteError(f"{errors[0]}{more}", hint="fix the page; the previous output was left as it was")
            raise MystliteError(f"mystmd failed: {(text.strip().splitlines() or ['no output'])[-1]}")
        write_text(self.stamp, self.want)
        reporter.done("MyST pages (mystmd)", time.perf_counter() - self.started)
        return MystOutput(self.site_dir, self.html_dir, self.ours)


MYST_PLACE = re.compile(r"^(?P<file>[^\s:]+\.(?:md|ipynb|ya?ml))(?::(?P<line>\d+))?\s+(?P<message>.*)$")


def clean(line: str, root: Path) -> str:
    """mystmd's message in our form: `path/to/page.md:LINE: message`, the path as the user knows it."""
    line = line.replace(ERROR_MARK, "").replace(WARNING_MARK, "").strip()
    match = MYST_PLACE.match(line)
    if not match:
        return line
    where = Where(root / match.group("file"), int(match.group("line")) if match.group("line") else None)
    return f"{where}: {match.group('message')}"
