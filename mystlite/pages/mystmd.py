"""Project → MyST page JSON, by the real mystmd, run on a mirror of the project in the work folder.

A mirror, because every `myst build --html` deletes its _build/html first: the user's published output
must survive a failed page build. The mirror's myst.yml is the merged config with our site template.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import proc
from ..cache import RemoteUnavailable, cache_dir, fetch_remote
from ..errors import MystliteError, Where
from ..files import Link, project_files, sync_folder, write_text
from ..log import Reporter
from ..project import Project
from .mystcache import keep as keep_downloads, restore as restore_downloads
from .mystcommand import MIRROR, WaitingMyst, carried_fixes_run, myst_command, myst_env
from .mystserver import MystServer, page_face

TEMPLATE_DIR = Path(__file__).parent / "template"
# mystmd's own line prefixes for problems: ⛔️ error, ⚠️ warning
ERROR_MARK, WARNING_MARK = "⛔️", "⚠️"
KEPT_TIMEOUT = 600.0  # a kept mystmd's rebuild of one page (minutes only for huge books)
# Stock `myst start` rewrites every page after an edit, which grows faster than a fresh `myst build`: bench/scale.py
# measured 1.4 s against 3.7 s at 100 pages, but 101 s against 78 s at 1,000. With stock mystmd, bigger books
# rebuild afresh; the mystmd mystlite carries (mystmd_patches/fast-edit.patch) rewrites only the edited page.
KEPT_MAX_PAGES = 500
IGNORED_WARNINGS = ("extra key ignored: jupyter", "extra key ignored: thebe", "extra key ignored: mystlite")
# mystmd says this for a remote image it could not download, once per pass over each page that shows it (up to
# 8 times an image on a real project built offline); the page then shows the image from its own address
IMAGE_NOT_SAVED = re.compile(r'^(?:\S+ )?Error saving image "(?P<url>[^"]+)":.*?(?:reason: (?P<reason>.+))?$')
# mystmd looks up each DOI at doi.org, and says so for each place when it cannot (offline: every one)
DOI_NOT_FOUND = re.compile(r'^(?P<where>\S+): Could not find DOI "[^"]*" from doi\.org as doi:(?P<doi>\S+)')
# ...and then, for each place that shows such an image, that it has no extension (it has; the file is missing)
IMAGE_WITHOUT_FILE = 'Unsupported image extension "<no extension>"'


@dataclass
class MystOutput:
    site_dir: Path  # mystmd's _build/site: config.json, content/*.json, public/
    html_dir: Path  # what a user template rendered (used when site.template is not ours)
    ours: bool  # True when our template was used, so mystlite renders the HTML


BOM = b"\xef\xbb\xbf"


# `{include}` and `{literalinclude}` arguments: mystmd reads them relative to the page, even outside the project
INCLUDE = re.compile(rb"^[ \t]*(?:`{3,}|:{3,})[ \t]*\{(?:include|literalinclude)\}[ \t]+(\S+)", re.MULTILINE)
SCRIPT_PLUGIN = (".mjs", ".js", ".cjs")


def _source_files(root: Path, output: Path, plugins: set[Path]) -> dict[str, Path | bytes | Link]:
    files: dict[str, Path | bytes | Link] = {}
    for path in project_files(root, output):
        if path.name in ("myst.yml", "myst.yaml"):
            continue
        rel = path.relative_to(root).as_posix()
        files[rel] = path
        if path.resolve() in plugins:  # imported by node from where it really lives, with its node_modules
            files[rel] = Link(path.resolve())
        elif path.suffix == ".md":
            with path.open("rb") as handle:
                if handle.read(3) == BOM:  # mystmd would show the frontmatter as text
                    files[rel] = path.read_bytes()[3:]
    return files


def _outside_includes(root: Path, files: dict[str, Path | bytes | Link]) -> tuple[int, dict[Path, Path]]:
    """Files outside the project that pages include (`../../RELEASE.md`): how many folders above the
    project they reach, and each one's absolute path -> the real file."""
    depth, found = 0, {}
    for rel, source in files.items():
        if not rel.endswith((".md", ".ipynb")) or not isinstance(source, Path):
            continue
        for match in INCLUDE.finditer(source.read_bytes()):
            target = (source.parent / match.group(1).decode(errors="replace")).resolve()
            if target.is_file() and root not in target.parents:
                up = Path(os.path.relpath(target, root)).parts
                reach = len(list(part for part in up if part == ".."))
                if reach < len(root.parts) - 1:
                    depth = max(depth, reach)
                    found[target] = target
    return depth, found


def included_outside(project: Project) -> list[Path]:
    """Files outside the project folder that its pages include: inputs of the build too."""
    files = _source_files(project.root, project.config.options.output, set())
    return sorted(_outside_includes(project.root, files)[1])


def _script_plugins(project: Project) -> set[Path]:
    plugins = set()
    for entry in project.config.project.get("plugins") or []:
        path = entry.get("path") if isinstance(entry, dict) else entry
        if isinstance(path, str) and "://" not in path and path.endswith(SCRIPT_PLUGIN):
            plugins.add((project.root / path).resolve())
    return plugins


REMOTE_PLUGINS = "_mystlite_plugins"  # the mirror's folder for remote plugins' copies
REMOTE_PLUGIN_LIMIT = 64 << 20  # bytes; a bundled plugin is mostly well under 1 MB

# The official themes that `myst init` writes into most projects; mystmd downloads them at build time.
OFFICIAL_THEMES = ("book-theme", "article-theme")


def mirror_config(project: Project, reporter: Reporter) -> tuple[bytes, bool, dict[str, Path]]:
    """The myst.yml for the mirror, whether it uses our template (the only one with run buttons), and the
    files it adds to the mirror (remote plugins)."""
    config = project.config
    data = {key: value for key, value in config.doc.data.items() if key in ("version", "project", "site")}
    plugins, plugin_files = remote_plugins(project, reporter)
    if plugins is not None:
        data["project"] = {**data["project"], "plugins": plugins}
    site = dict(data.get("site") or {})
    options, asset_files = remote_site_assets(project, reporter)
    if options is not None:
        site["options"] = options
        plugin_files = {**plugin_files, **asset_files}
    template = site.get("template")
    local = template is not None and (config.root / str(template)).exists()
    ours = template is None or not (local or config.options.keep_template)
    where = config.where(("site", "template"))
    if ours:
        site["template"] = str(TEMPLATE_DIR)
        name = str(template or "").split("@")[0]
        if name in OFFICIAL_THEMES:
            reporter.info(f"{where}: site.template: {template} is rendered with mystlite's own template, which "
                          f"carries the run buttons (mystlite.keep_template: true keeps {template})")
        elif template is not None:
            reporter.warn(f"{where}: site.template: {template} is replaced by mystlite's own template: only it "
                          f"carries the run buttons (mystlite.keep_template: true keeps {template})")
    elif local:  # mystmd resolves it against the current folder
        site["template"] = str((config.root / str(template)).resolve())
    data["site"] = site
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode(), ours, plugin_files


def remote_plugins(project: Project, reporter: Reporter) -> tuple[list | None, dict[str, Path]]:
    """project.plugins with each remote JavaScript plugin replaced by a copy in the mirror, fetched or, offline,
    from the download cache (mystmd keeps its own copy only in _build, which a fresh clone lacks), and those
    copies. A plugin that cannot be had is left out with a warning (for mystmd too it is not fatal)."""
    entries = project.config.project.get("plugins")
    if not isinstance(entries, list):
        return None, {}
    kept: list = []
    files: dict[str, Path] = {}
    for index, entry in enumerate(entries):
        url = entry.get("path") if isinstance(entry, dict) else entry
        executable = isinstance(entry, dict) and entry.get("type") == "executable"  # never remote, for mystmd
        if not isinstance(url, str) or "://" not in url or executable:
            kept.append(entry)
            continue
        try:
            cached = fetch_remote(url, "plugins", ".mjs", limit=REMOTE_PLUGIN_LIMIT)
        except RemoteUnavailable as err:
            reporter.warn(f"{project.config.where(('project', 'plugins', index))}: could not fetch the plugin {url} "
                          f"({err}), and it was never fetched before: its directives and roles show as source")
            continue
        name = f"{REMOTE_PLUGINS}/{cached.name}"
        files[name] = cached
        kept.append({**entry, "path": name} if isinstance(entry, dict) else name)
    return kept, files


REMOTE_ASSETS = "_mystlite_assets"  # the mirror's folder for remote favicons' and logos' copies
SITE_ASSET_OPTIONS = ("favicon", "logo", "logo_dark")


def remote_site_assets(project: Project, reporter: Reporter) -> tuple[dict | None, dict[str, Path]]:
    """site.options with a remote favicon or logo replaced by a copy in the mirror, fetched or, offline, from the
    download cache (mystmd keeps its copy in _build, and crashes on a fresh clone offline: ENOENT). One never
    fetched is left out with a warning."""
    options = (project.config.doc.data.get("site") or {}).get("options")
    if not isinstance(options, dict):
        return None, {}
    kept, files = dict(options), {}
    for key in SITE_ASSET_OPTIONS:
        url = options.get(key)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            continue
        suffix = Path(url.split("?")[0].split("#")[0]).suffix[:8] or ".img"
        try:
            cached = fetch_remote(url, "site-assets", suffix, limit=REMOTE_PLUGIN_LIMIT)
        except RemoteUnavailable as err:
            reporter.warn(f"{project.config.where(('site', 'options', key))}: could not fetch {url} ({err}), and it "
                          f"was never fetched before: the site has no {key.replace('_', ' ')}")
            del kept[key]
            continue
        name = f"{REMOTE_ASSETS}/{cached.name}"
        files[name] = cached
        kept[key] = name
    return kept, files


class MystRun:
    """One mystmd run on the mirror, started in the background so the lite bundle builds meanwhile. With a
    kept `server` (serve --watch), a one-page edit is left to that process instead of a new `myst build`. With
    `waiting`, a mystmd started before the mirror was ready (WaitingMyst) does the build, when one is needed."""

    def __init__(self, project: Project, work: Path, reporter: Reporter, base_url: str | None, strict: bool = False,
                 server: MystServer | None = None, waiting: WaitingMyst | None = None):
        self.project, self.reporter, self.strict = project, reporter, strict
        self.waiting = waiting
        if server is not None and len(project.pages) > KEPT_MAX_PAGES and not carried_fixes_run(reporter):
            reporter.detail(f"{len(project.pages)} pages: every edit gets a fresh `myst build` (a kept mystmd is "
                            f"slower beyond {KEPT_MAX_PAGES})")
            server.stop()
            server = None
        self.base_url, self.server = base_url, server
        root = project.root
        files = _source_files(root, project.config.options.output, _script_plugins(project))
        config_bytes, self.ours, plugin_files = mirror_config(project, reporter)
        files["myst.yml"] = config_bytes
        files.update(plugin_files)
        # the mirror sits as deep in pages-src as pages reach above the project, so that an include of
        # ../../RELEASE.md finds its copy at the same relative place
        depth, outside = _outside_includes(root, files)
        prefix = "/".join(root.parts[len(root.parts) - depth:]) if depth else ""
        top = work / MIRROR
        self.mirror = mirror = top / prefix if prefix else top
        everything: dict[str, Path | bytes | Link] = {f"{prefix}/{rel}".lstrip("/"): src for rel, src in files.items()}
        anchor = root.parents[depth - 1] if depth else root
        everything.update({os.path.relpath(target, anchor): target for target in outside})
        self.stamp, self.want = work / f"{MIRROR}.ok", f"{base_url or ''} strict={strict}"
        self.env = myst_env(base_url)
        self.server_key = "\n".join([str(mirror), self.want, hashlib.sha256(config_bytes).hexdigest()])
        kept = server is not None and server.key == self.server_key and server.wait_ready()
        if server is not None and not kept:
            server.stop()  # before the mirror changes: it must not rebuild alongside `myst build`
        mark = server.mark() if kept else None
        # the stamp goes before the mirror changes: a build killed in between must not leave it vouching
        stamp_ok = self.stamp.is_file() and self.stamp.read_text() == self.want
        self.stamp.unlink(missing_ok=True)
        changes: list[tuple[str, str]] = []
        changed = sync_folder(top, everything, keep=(f"{prefix}/_build".lstrip("/"),), changes=changes)
        self.site_dir, self.html_dir = mirror / "_build" / "site", mirror / "_build" / "html"
        self.proc: subprocess.Popen | None = None
        self.kept_edit: tuple[tuple[int, int], Path, str] | None = None  # (log mark, edited file, its location)
        self.started = time.perf_counter()
        if not changed and stamp_ok and (self.site_dir / "config.json").is_file():
            write_text(self.stamp, self.want)
            self._no_waiting()
            return
        if kept and stamp_ok and len(changes) == 1 and changes[0][0] == "changed":
            path = (top / changes[0][1]).resolve()
            location = "/" + path.relative_to(mirror.resolve()).as_posix() if mirror.resolve() in path.parents else ""
            if location not in server.faces:  # read now: mystmd waits 0.1 s for a write to settle
                server.faces[location] = page_face(self.site_dir, location)
            self.kept_edit = (mark, path, location)
            self._no_waiting()
            return
        if server is not None:
            server.stop()
        self._start_build()

    def _start_build(self) -> None:
        restore_downloads(self.mirror, cache_dir())
        # with our template mystlite renders the pages from the site JSON, which `--site` writes; `--html`
        # would also start a content server and run the template's (empty) render, for nothing
        args = ["build", "--site" if self.ours else "--html"]
        told = self.waiting.go(self.mirror, args, self.env) if self.waiting is not None else None
        self.proc = told or proc.popen([*myst_command(self.reporter), *args], cwd=self.mirror, env=self.env,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def _no_waiting(self) -> None:
        if self.waiting is not None:
            self.waiting.cancel()

    def cancel(self) -> None:
        self._no_waiting()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def working(self) -> bool:
        """Whether mystmd is building (this process would wait for it) rather than done or not needed."""
        return self.kept_edit is not None or (self.proc is not None and self.proc.poll() is None)

    def wait(self) -> MystOutput:
        if self.kept_edit is not None:
            mark, path, location = self.kept_edit
            done, lines = self.server.wait_rebuilt(mark, path, timeout=KEPT_TIMEOUT)
            face = page_face(self.site_dir, location) if done else None
            if done and face is not None and face == self.server.faces.get(location):
                return self._finish("\n".join(lines), 0)
            if done:
                self.reporter.detail("  the page's title or labels changed: other pages need `myst build`")
            else:
                self.reporter.detail("  the kept mystmd did not rebuild; running `myst build`")
                for line in lines[-20:]:
                    self.reporter.detail(f"  kept mystmd: {line}")
            self.server.stop()
            self._start_build()
        if self.proc is None:
            return MystOutput(self.site_dir, self.html_dir, self.ours)
        text, _ = self.proc.communicate()
        for line in text.splitlines():
            self.reporter.detail(f"  mystmd: {line}")
        return self._finish(text, self.proc.returncode)

    def keep_alive(self) -> None:
        """After the pages were rendered (its first build rewrites the JSON): the next edit goes to a kept
        mystmd process."""
        if self.server is not None and self.ours:
            self.server.start(self.mirror, self.env, self.server_key)

    def _explain(self, message: str) -> str:
        return _unloaded_reference(message, self.project)

    def _finish(self, text: str, returncode: int) -> MystOutput:
        reporter, root = self.reporter, self.project.root
        # messages name the mirror; the user knows the project folder
        text = text.replace(str(self.mirror.resolve()), str(root)).replace(str(self.mirror), str(root))
        problems = summarize([(ERROR_MARK in line, clean(line, root)) for line in text.splitlines()
                              if ERROR_MARK in line
                              or (WARNING_MARK in line and not any(w in line for w in IGNORED_WARNINGS))])
        problems = [(is_error, self._explain(message)) for is_error, message in problems]
        if returncode != 0:  # only where `myst build` itself fails does the build fail
            # one error: what stopped mystmd (a ⛔️ line, a plain line after them such as an ENOENT or a plugin's
            # own message); the other problems are said before it as warnings
            stopped = last_meaningful_line(text)
            cause = next((message for is_error, message in problems
                          if is_error and stopped.endswith(message.split(": ", 1)[-1])), None)
            for is_error, message in problems:
                if message != cause:
                    reporter.warn(f"{message} (mystmd error)" if is_error else message)
            if cause is None:
                raise MystliteError(f"mystmd stopped: {stopped}", hint="the previous output was left as it was")
            what = "myst.yml" if re.match(r"^\S*myst\.ya?ml\b", cause) else "the page"
            raise MystliteError(cause, hint=f"fix {what}; the previous output was left as it was")
        if self.strict and problems:
            for _, extra in problems[1:]:
                reporter.error(extra)
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise MystliteError(f"{problems[0][1]}{more}",
                                hint="--strict makes every mystmd error and warning fatal; the previous output was "
                                     "left as it was")
        for is_error, message in problems:  # in mystmd's order, first problem first
            reporter.warn(f"{message} (mystmd error, not fatal)" if is_error else message)
        keep_downloads(self.mirror, self.site_dir, cache_dir())
        write_text(self.stamp, self.want)
        reporter.done("MyST pages (mystmd)", time.perf_counter() - self.started)
        return MystOutput(self.site_dir, self.html_dir, self.ours)


UNLOADED_REFERENCE = re.compile(r'^\S*myst\.ya?ml: Unable to load reference "(?P<key>[^"]+)"')


def _unloaded_reference(message: str, project: Project) -> str:
    """mystmd's 'Unable to load reference' for an inventory never fetched, with myst.yml's line and what the
    reader then gets."""
    match = UNLOADED_REFERENCE.match(message)
    references = project.config.project.get("references")
    if not match or not isinstance(references, dict) or match["key"] not in references:
        return message
    value = references[match["key"]]
    url = value.get("url") if isinstance(value, dict) else value
    return (f"{project.config.where(('project', 'references', match['key']))}: could not load the cross-references "
            f"of {match['key']} ({url}), and they were never fetched before: links to it go to {url}")


def render_demos(sources: list[str], work: Path, reporter: Reporter) -> dict[str, dict]:
    """{source: mdast} for `{myst}` demo blocks. mystmd gives only their source; it parses them here as the
    pages of a small project of their own (rerun only when a demo changed)."""
    import hashlib
    import json

    folder = work / "demos-src"
    names = {source: f"demo-{hashlib.sha256(source.encode()).hexdigest()[:16]}" for source in sources}
    config = {"version": 1, "project": {"title": "demos"}, "site": {"template": str(TEMPLATE_DIR)}}
    files: dict[str, Path | bytes] = {"myst.yml": yaml.safe_dump(config).encode(), "index.md": b"# demos\n"}
    files.update({f"{name}.md": source.encode() + b"\n" for source, name in names.items()})
    stamp = folder / ".rendered"
    stamp_ok = stamp.is_file()
    stamp.unlink(missing_ok=True)
    changed = sync_folder(folder, files, keep=("_build", ".rendered"))
    content = folder / "_build" / "site" / "content"
    if changed or not stamp_ok:
        result = proc.run([*myst_command(reporter), "build", "--html"], cwd=folder, env=myst_env(None),
                          capture_output=True, text=True)
        if result.returncode != 0:
            reporter.warn(f"the {{myst}} demos could not be rendered: {last_meaningful_line(result.stdout)}")
            return {}
        write_text(stamp, "ok")
    demos = {}
    for source, name in names.items():
        page = content / f"{name}.json"
        if page.is_file():
            demos[source] = json.loads(page.read_text()).get("mdast") or {}
    return demos


# mystmd's banner and progress lines: never the cause of a failure
BANNER = re.compile(r"^(building myst-cli session|🍡|🌎|📖|📚|🔌|Building the base site|To set a baseurl|\s*👉)")


def last_meaningful_line(text: str) -> str:
    """The line that says why mystmd failed (a failed fetch names its URL), not its banner."""
    lines = [l.strip() for l in text.splitlines() if l.strip() and not BANNER.match(l.strip())]
    for line in reversed(lines):
        if (ERROR_MARK in line or "Error" in line or "error" in line or "fetch" in line.lower()
                or re.match(r"^E[A-Z]{2,}: ", line)):  # node's ENOENT: no such file, EACCES, ...
            return line.replace(ERROR_MARK, "").strip()
    return lines[-1] if lines else "no output"


MYST_PLACE = re.compile(r"^(?P<file>[^\s:]+\.(?:md|ipynb|ya?ml))(?::(?P<line>\d+))?\s+(?P<message>.*)$")


def summarize(problems: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """mystmd's problems as (is_error, message), each said once, in mystmd's order, with the remote images it
    could not download folded into one message where the first was."""
    images = [match for _, message in problems if (match := IMAGE_NOT_SAVED.match(message)) is not None]
    if images:
        urls = list(dict.fromkeys(image.group("url") for image in images))
        shown = ", ".join(urls[:3]) + (f" and {len(urls) - 3} more" if len(urls) > 3 else "")
        why = f" (first: {images[0].group('reason')})" if images[0].group("reason") else ""
        places = sum(IMAGE_WITHOUT_FILE in message for _, message in problems)
        echoes = (f", which mystmd then calls images with no extension in {places} place{'s' if places > 1 else ''}"
                  if places else "")
        what = "remote image" if len(urls) == 1 else "remote images"
        images_problem = (True, f"could not download {len(urls)} {what}{why}{echoes}; the pages show them from "
                                f"their own address, which needs the network: {shown}")
    dois = [match for _, message in problems if (match := DOI_NOT_FOUND.match(message)) is not None]
    if dois:
        names = list(dict.fromkeys(match.group("doi") for match in dois))
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        first = dois[0].group("where")
        dois_problem = (True, f"{first}: could not look up {len(names)} DOI{'s' if len(names) > 1 else ''} at "
                              f"doi.org ({len(dois)} place{'s' if len(dois) > 1 else ''}; offline, or never "
                              f"fetched): their links go to doi.org without a citation: {shown}")
    said: list[tuple[bool, str]] = []
    for problem in problems:
        if IMAGE_NOT_SAVED.match(problem[1]):
            problem = images_problem
        elif DOI_NOT_FOUND.match(problem[1]):
            problem = dois_problem
        elif images and IMAGE_WITHOUT_FILE in problem[1]:
            continue
        if problem not in said:
            said.append(problem)
    return said


def clean(line: str, root: Path) -> str:
    """mystmd's message in our form: `path/to/page.md:LINE: message`, the path as the user knows it."""
    line = line.replace(ERROR_MARK, "").replace(WARNING_MARK, "").strip()
    match = MYST_PLACE.match(line)
    if not match:
        return line
    where = Where(root / match.group("file"), int(match.group("line")) if match.group("line") else None)
    return f"{where}: {match.group('message')}"
