"""Shared fixtures. Expensive ones (downloads, a built site) are session-scoped and cached on disk."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from mystlite.cli import main

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_site"


@pytest.fixture
def make_project(tmp_path):
    """Write a project from {relative path: text} and return its folder."""

    def make(files: dict[str, str], name: str = "proj") -> Path:
        root = tmp_path / name
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return make


@pytest.fixture
def config_json(capsys, monkeypatch):
    """Run `mystlite config --json` in-process from inside PROJECT; return (exit code, parsed JSON)."""

    def run(project: Path) -> tuple[int, dict]:
        monkeypatch.chdir(project)
        code = main(["config", "--json"])
        out = capsys.readouterr().out
        return code, json.loads(out)

    return run


# ---- expensive shared fixtures: the download cache, a built sample site, a server, a browser ----

import os
import shutil
import threading

CHROMIUM = "/usr/bin/chromium"
# Every build here builds JupyterLite from scratch (or from its own last output): the bundles kept in the
# download cache for later cold builds (mystlite/lite/shared.py) would otherwise make a "clean" reference build
# one that started from an earlier test's output. tests/test_incremental.py turns them on where it tests them.
os.environ["MYSTLITE_LITE_CACHE"] = "0"


@pytest.fixture(scope="session")
def download_cache() -> Path:
    """One download cache for the whole run (and across runs): pyodide and wheels are fetched once."""
    path = Path(os.environ.get("MYSTLITE_CACHE_DIR") or REPO / ".cache" / "mystlite")
    path.mkdir(parents=True, exist_ok=True)
    return path


def copy_sample(dest: Path) -> Path:
    """sample_site and the wheels it refers to (../wheels), laid out as in the repository."""
    shutil.copytree(SAMPLE, dest / "sample_site", ignore=shutil.ignore_patterns("_build"))
    shutil.copytree(REPO / "wheels", dest / "wheels", ignore=shutil.ignore_patterns("src"))
    return dest / "sample_site"


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory, download_cache):
    """sample_site built once for the session; tests must not modify it."""
    from mystlite.log import Reporter
    from mystlite.site import build_site

    root = copy_sample(tmp_path_factory.mktemp("built"))
    return build_site(root, Reporter(quiet=True), cache_dir=download_cache)


class Served:
    def __init__(self, root: Path, base_url: str, isolate: bool = True, server_token: dict | None = None):
        from mystlite.log import Reporter
        from mystlite.serve import make_server, normalize_base_url

        self.server = make_server(root, "127.0.0.1", 0, base_url, Reporter(quiet=True), isolate,
                                  server_token=server_token)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}{normalize_base_url(base_url)}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(root: Path, base_url: str = "/", isolate: bool = True, server_token: dict | None = None) -> Served:
        served = Served(root, base_url, isolate, server_token)
        servers.append(served)
        return served

    yield start
    for served in servers:
        served.close()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, with every host but 127.0.0.1 unresolvable."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash .ci/setup` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        ])
        yield browser
        browser.close()


class OfflinePage:
    """A fresh browser context and page that records every request leaving 127.0.0.1 and every failure."""

    def __init__(self, browser, **context_options):
        self.context = browser.new_context(**context_options)
        self.page = self.context.new_page()
        self.off_host: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        self.console: list[str] = []  # every message, the workers' too: the story of a failure
        self.requests: list[str] = []
        self.context.on("request", self._on_request)
        self.context.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("console", self._on_console)

    def _on_console(self, message):
        self.console.append(f"{message.type}: {message.text[:500]}")
        if message.type == "error":
            self.console_errors.append(message.text)

    def diagnosis(self) -> str:
        """The last console messages and failed requests, for a failure's message."""
        return "console:\n  " + "\n  ".join(self.console[-30:]) + "\nfailed requests:\n  " + "\n  ".join(self.failed[-10:])

    def _on_request(self, request):
        self.requests.append(request.url)
        from urllib.parse import urlsplit

        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            self.off_host.append(request.url)

    def assert_offline(self):
        assert self.off_host == [], f"requests left 127.0.0.1: {self.off_host}"
        # ERR_ABORTED is a request cut short by a navigation (e.g. a download the page had started)
        failed = [f for f in self.failed if "favicon.ico" not in f and "net::ERR_ABORTED" not in f]
        assert failed == [], f"failed requests: {failed}"

    def close(self):
        self.context.close()


@pytest.fixture
def offline_page(chromium):
    pages = []

    def make(**context_options) -> OfflinePage:
        page = OfflinePage(chromium, **context_options)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()


PROJECTS = REPO / "tests" / "projects"
COURSE, SCIENCE, READER = PROJECTS / "course", PROJECTS / "science", PROJECTS / "reader"


def build_copy(tmp_path_factory, download_cache, source: Path, reporter=None):
    """A test project copied out of the repository and built (for session fixtures)."""
    from mystlite.log import Reporter
    from mystlite.site import build_site

    root = tmp_path_factory.mktemp(source.name) / source.name
    shutil.copytree(source, root)
    return build_site(root, reporter or Reporter(quiet=True), cache_dir=download_cache)


@pytest.fixture(scope="session")
def course(tmp_path_factory, download_cache):
    """tests/projects/course built once for the session: (Site, Reporter). Tests must not modify it."""
    from mystlite.log import Reporter

    reporter = Reporter(quiet=True)
    return build_copy(tmp_path_factory, download_cache, COURSE, reporter), reporter


@pytest.fixture(scope="session")
def science(tmp_path_factory, download_cache):
    """tests/projects/science (imports msgpack, pydantic and sympy, lists nothing) built once."""
    return build_copy(tmp_path_factory, download_cache, SCIENCE)


@pytest.fixture(scope="session")
def reader_site(tmp_path_factory, download_cache):
    """tests/projects/reader (folded cells, errors, progress lines, long output) built once."""
    return build_copy(tmp_path_factory, download_cache, READER)


@pytest.fixture(scope="session")
def charts_site(tmp_path_factory, download_cache):
    """tests/projects/charts (stored and live plotly and vega-lite outputs) built once."""
    return build_copy(tmp_path_factory, download_cache, PROJECTS / "charts")


@pytest.fixture(scope="session")
def widgets_site(tmp_path_factory, download_cache):
    """tests/projects/widgets (a slider with an Output, and interact) built once."""
    return build_copy(tmp_path_factory, download_cache, PROJECTS / "widgets")
