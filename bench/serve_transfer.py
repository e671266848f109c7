"""Benchmark: bytes on the wire for a first and a warm second visit to a compute page under `mystlite serve`,
against Python's own `python -m http.server` (no compression, Last-Modified revalidation) on the same site.

A visit opens sample_site's stats page and runs its first cell (so pyodide and the packages load), in one
browser profile: the second visit is warm. Transfer is the encoded body bytes Chromium received.

    .venv/bin/python bench/serve_transfer.py
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM  # noqa: E402

from mystlite.log import Reporter  # noqa: E402
from mystlite.serve import make_server  # noqa: E402
from mystlite.site import build_site  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def plain_server(root: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                          ".mjs": "text/javascript", ".js": "text/javascript"}

        def log_message(self, *args):
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))


def visit(context, url: str) -> tuple[int, int]:
    """(requests, bytes received: encoded bodies and headers) for one visit that runs the first cell; the
    worker's requests (pyodide, packages) count too."""
    received = {"bytes": 0, "requests": 0}

    def finished(request):
        sizes = request.sizes()
        received["bytes"] += max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
        received["requests"] += 1

    context.on("requestfinished", finished)
    page = context.new_page()
    page.goto(url)
    page.locator(".cell[data-cell-index='0'] .run-cell").click()
    page.locator(".cell[data-cell-index='0'] .cell-outputs", has_text="Hello, reader").wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    page.close()
    context.remove_listener("requestfinished", finished)
    return received["requests"], received["bytes"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "sample_site"
        shutil.copytree(REPO / "sample_site", project, ignore=shutil.ignore_patterns("_build"))
        shutil.copytree(REPO / "wheels", Path(tmp) / "wheels", ignore=shutil.ignore_patterns("src"))
        site = build_site(project, Reporter(quiet=True))
        servers = {"mystlite serve": make_server(site.output, "127.0.0.1", 0, "/", Reporter(quiet=True)),
                   "python -m http.server": plain_server(site.output)}
        results = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for name, server in servers.items():
                threading.Thread(target=server.serve_forever, daemon=True).start()
                url = f"http://127.0.0.1:{server.server_address[1]}/stats/"
                with tempfile.TemporaryDirectory() as profile:
                    context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM,
                                                                    headless=True, args=ARGS)
                    first = visit(context, url)
                    second = visit(context, url)
                    context.close()
                results[name] = (first, second)
                server.shutdown()
            browser.close()
    mb = 1024 * 1024
    print(f"{'stats page + first cell':<26}{'first visit':>22}{'warm second visit':>24}")
    for name, ((r1, b1), (r2, b2)) in results.items():
        print(f"{name:<26}{b1 / mb:>10.2f} MB, {r1:>3} req{b2 / 1024:>12.1f} KB, {r2:>3} req")
    print("(python -m http.server sends no COOP/COEP: the site's service worker reloads the page once)")
    ours, theirs = results["mystlite serve"], results["python -m http.server"]
    print(f"ratio (mystlite / http.server): first {ours[0][1] / theirs[0][1]:.2f}, "
          f"warm {ours[1][1] / max(theirs[1][1], 1):.2f}")


if __name__ == "__main__":
    main()
