"""`mystlite check`: what would break for readers, found before publishing, in a built site.

Each finding names a file (page, asset or lock) and says why in one line: broken internal links and fragments,
missing assets, anything the site loads from another host (it breaks offline), lock entries whose wheel is
missing or altered, imports on compute pages that nothing in the site provides, secrets from myst.yml in the
output, and files or a total too big for GitHub Pages. Outbound <a href> links are listed, not errors.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .baseurl import normalize_base_url

FILE_LIMIT = 100 * 1024 * 1024  # GitHub Pages refuses a larger file
SITE_LIMIT = 1024 * 1024 * 1024  # and recommends no more than this in all
LOADING = {("script", "src"), ("link", "href"), ("img", "src"), ("source", "src"), ("video", "src"),
           ("audio", "src"), ("iframe", "src"), ("embed", "src"), ("object", "data"), ("track", "src")}
SECRET_KEY = re.compile(r"token|password|secret|api[_-]?key", re.I)


@dataclass
class Finding:
    kind: str  # link | asset | offline | lock | import | secret | size | execute | exercise
    where: str  # a site-relative file, or project file:line
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class CheckReport:
    site: str
    problems: list[Finding] = field(default_factory=list)
    outbound: list[str] = field(default_factory=list)  # links to other sites, for the author to review
    parts: dict[str, int] = field(default_factory=dict)  # bytes by part of the site
    largest: list[tuple[str, int]] = field(default_factory=list)
    total: int = 0
    gzip_total: int = 0

    def to_json(self) -> dict:
        data = asdict(self)
        data["problems"] = [asdict(p) for p in self.problems]
        return data


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.loads: list[tuple[str, int]] = []  # URLs the page loads, with their line
        self.links: list[tuple[str, int]] = []  # <a href>

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            if not value:
                continue
            if tag == "a" and name == "href":
                self.links.append((value, line))
            elif (tag, name) in LOADING:
                self.loads.append((value, line))


def _is_remote(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") or url.startswith("//")


def _target(site: Path, page: Path, url: str, base_url: str) -> tuple[Path, str] | None:
    """The file a URL of `page` names, and its fragment; None for other schemes. An absolute path counts from
    the site's base URL (the 404 page's links are absolute: it is served at any depth)."""
    parts = urlsplit(url)
    if parts.scheme or url.startswith("//"):
        return None
    if not parts.path:
        return page, parts.fragment
    path_part = unquote(parts.path)
    if path_part.startswith("/"):
        if not path_part.startswith(base_url):
            return site.parent / "outside-the-base-url", parts.fragment
        path = (site / path_part[len(base_url):]).resolve()
    else:
        path = (page.parent / path_part).resolve()
    if path.is_dir():
        path = path / "index.html"
    return path, parts.fragment


def check_site(site: Path, project=None, execute_problems: list[str] | None = None,
               exercise_problems: list[tuple[str, str]] | None = None,
               base_url: str | None = None) -> CheckReport:
    """Everything that would break for readers of the site in `site`, served under `base_url`; `project` (when
    known) adds the import and secret checks, `execute_problems` the cells that failed in a --execute build."""
    site = site.resolve()
    base_url = normalize_base_url(base_url)
    report = CheckReport(str(site))
    pages = sorted(p for p in site.rglob("*.html") if not p.relative_to(site).parts[0] in ("lite",))
    parsed: dict[Path, _Page] = {}
    for page in pages:
        parser = _Page()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        parsed[page] = parser
    for page, parser in parsed.items():
        rel = page.relative_to(site).as_posix()
        for url, line in parser.loads:
            if _is_remote(url):
                report.problems.append(Finding("offline", f"{rel}:{line}", f"loads {url} from another host "
                                               "(readers without a network get nothing)"))
            else:
                _check_target(site, page, url, line, rel, parsed, report, "asset", base_url)
        for url, line in parser.links:
            if _is_remote(url):
                report.outbound.append(f"{rel}:{line}: {url}")
            elif not url.startswith(("mailto:", "tel:", "javascript:", "data:")):
                _check_target(site, page, url, line, rel, parsed, report, "link", base_url)
    _check_lite(site, report)
    if project is not None:
        _check_imports(site, project, report)
        _check_secrets(site, project, report)
    for problem in execute_problems or []:
        where, _, reason = problem.partition(" raised ")
        report.problems.append(Finding("execute", where, f"raised {reason}" if reason else problem))
    for where, what in exercise_problems or []:
        report.problems.append(Finding("exercise", where, what))
    _sizes(site, report)
    return report


def _check_target(site: Path, page: Path, url: str, line: int, rel: str, parsed: dict, report: CheckReport,
                  kind: str, base_url: str) -> None:
    found = _target(site, page, url, base_url)
    if found is None:
        return
    path, fragment = found
    try:
        path.relative_to(site)
    except ValueError:
        report.problems.append(Finding(kind, f"{rel}:{line}", f"{url} leaves the site"))
        return
    if not path.is_file():
        what = "links to" if kind == "link" else "refers to"
        report.problems.append(Finding(kind, f"{rel}:{line}", f"{what} {url}, which is not in the site"))
        return
    if fragment and path.suffix == ".html" and path in parsed and unquote(fragment) not in parsed[path].ids:
        report.problems.append(Finding("link", f"{rel}:{line}", f"{url}: no element with id {fragment!r}"))


def _check_lite(site: Path, report: CheckReport) -> None:
    """JupyterLite's settings and the pyodide lock: nothing from another host, every wheel there and intact."""
    settings = site / "lite" / "jupyter-lite.json"
    if settings.is_file():
        text = settings.read_text(encoding="utf-8", errors="replace")
        for url in sorted(set(re.findall(r'"(https?://[^"]+)"', text))):
            report.problems.append(Finding("offline", "lite/jupyter-lite.json", f"JupyterLite loads {url}"))
    lock_file = site / "lite" / "static" / "pyodide" / "pyodide-lock.json"
    if not lock_file.is_file():
        return
    rel = lock_file.relative_to(site).as_posix()
    try:
        lock = json.loads(lock_file.read_text())
    except ValueError as err:
        report.problems.append(Finding("lock", rel, f"is not valid JSON ({err})"))
        return
    for name, entry in sorted((lock.get("packages") or {}).items()):
        file_name = str(entry.get("file_name", ""))
        if _is_remote(file_name):
            report.problems.append(Finding("offline", rel, f"package {name} loads from {file_name}"))
            continue
        wheel = (lock_file.parent / file_name).resolve()
        if not wheel.is_file():
            report.problems.append(Finding("lock", rel, f"package {name}: {file_name} is not in the site"))
            continue
        expected = entry.get("sha256")
        if expected and hashlib.sha256(wheel.read_bytes()).hexdigest() != expected:
            report.problems.append(Finding("lock", rel, f"package {name}: {file_name} does not match the "
                                           "lock's sha256 (altered after the build?)"))
            continue
        if wheel.suffix == ".whl":
            try:
                with zipfile.ZipFile(wheel) as archive:
                    if archive.testzip() is not None:
                        raise zipfile.BadZipFile("a member is corrupt")
            except zipfile.BadZipFile as err:
                report.problems.append(Finding("lock", rel, f"package {name}: {file_name} does not open ({err})"))


def _check_imports(site: Path, project, report: CheckReport) -> None:
    from .pyodide.imports import is_provided, scan_site

    lock_file = site / "lite" / "static" / "pyodide" / "pyodide-lock.json"
    if not project.compute_pages or not lock_file.is_file():
        return
    provided = {module for entry in (json.loads(lock_file.read_text()).get("packages") or {}).values()
                for module in entry.get("imports") or []}
    for use in scan_site(project, []).uses:
        if not is_provided(use.module) and use.module not in provided:
            report.problems.append(Finding("import", use.where, f"imports {use.module}, which nothing in the "
                                           "site provides (readers get ModuleNotFoundError)"))


def _secret_values(data, path=()) -> list[tuple[str, str]]:
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            key_path = (*path, str(key))
            if isinstance(value, str) and SECRET_KEY.search(str(key)) and len(value) >= 6:
                found.append((".".join(key_path), value))
            else:
                found += _secret_values(value, key_path)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _secret_values(value, (*path, str(index)))
    return found


def _check_secrets(site: Path, project, report: CheckReport) -> None:
    """The value of any token/password/secret key of myst.yml, wherever it appears in the output."""
    import yaml

    try:
        data = yaml.safe_load(project.config.file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return
    secrets = _secret_values(data)
    if not secrets:
        return
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix in (".whl", ".wasm", ".zip", ".png", ".jpg", ".woff2", ".tar"):
            continue
        data = path.read_bytes()
        for key, value in secrets:
            if value.encode() in data:
                report.problems.append(Finding("secret", path.relative_to(site).as_posix(),
                                               f"contains the value of {key} from myst.yml"))


def _part(rel: str) -> str:
    if not rel.startswith("lite/"):
        return "pages"
    if rel.startswith("lite/files/"):
        return "contents"
    if rel.endswith(".whl") or rel.startswith("lite/pypi/"):
        return "packages"
    if rel.startswith("lite/static/pyodide/"):
        return "pyodide"
    return "apps"


def _sizes(site: Path, report: CheckReport) -> None:
    sizes = []
    for path in site.rglob("*"):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(site).as_posix()
            size = path.stat().st_size
            sizes.append((rel, size))
            report.parts[_part(rel)] = report.parts.get(_part(rel), 0) + size
            report.total += size
            data = path.read_bytes()
            # already compressed formats gain nothing; the rest as a host's gzip would send them
            report.gzip_total += size if path.suffix in (".whl", ".zip", ".png", ".jpg", ".woff2", ".gz") \
                else len(zlib.compress(data, 6))
            if size > FILE_LIMIT:
                report.problems.append(Finding("size", rel, f"is {size / 2**20:.0f} MB; GitHub Pages refuses "
                                               "files over 100 MB"))
    report.largest = sorted(sizes, key=lambda item: -item[1])[:10]
    if report.total > SITE_LIMIT:
        report.problems.append(Finding("size", ".", f"the site is {report.total / 2**30:.2f} GB; GitHub Pages "
                                       "allows 1 GB"))
