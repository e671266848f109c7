"""Benchmark: bytes on the wire for a first and a warm second visit to a compute page under `mystlite serve`,
against Python's own `python -m http.server` (no compression, Last-Modified revalidation) on the same site.

Builds: the default, `mystlite.precompress: true` (serve sends the build's .br copies, made at brotli's
highest level) and `mystlite.startup_snapshot: false`. A visit opens sample_site's stats page and runs its
first cell (so pyodide and the packages load), in one browser profile: the second visit is warm. The
default build's about page (`jupyter: false`) is visited too, in a fresh profile. Transfer is the encoded
body and header bytes Chromium received. Issue 25's targets: a compute page's first visit ≤ 8 MB (≤ 5 MB
without the snapshot), a page without compute ≤ 300 KB, a returning reader ≤ 50 KB.

    .venv/bin/python bench/serve_transfer.py
"""

from __future__ import annotations

import functools
import http.server
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
from variants import build_variant  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def plain_server(root: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                          ".mjs": "text/javascript", ".js": "text/javascript"}

        def log_message(self, *args):
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))


def visit(context, url: str, largest: dict[str, int] | None = None, run: bool = True) -> tuple[int, int]:
    """(requests, bytes received: encoded bodies and headers) for one visit that runs the first cell (with
    `run`); the worker's requests (pyodide, packages) count too. `largest` gets the bytes per file name."""
    received = {"bytes": 0, "requests": 0}

    def finished(request):
        sizes = request.sizes()
        size = max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
        received["bytes"] += size
        received["requests"] += 1
        if largest is not None:
            name = request.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            largest[name] = largest.get(name, 0) + size

    context.on("requestfinished", finished)
    page = context.new_page()
    page.goto(url)
    if run:
        page.locator(".cell[data-cell-index='0'] .run-cell").click()
        page.locator(".cell[data-cell-index='0'] .cell-outputs", has_text="Hello, reader").wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    page.close()
    context.remove_listener("requestfinished", finished)
    return received["requests"], received["bytes"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        sample = REPO / "sample_site"
        site = build_variant(sample, Path(tmp) / "default")
        packed = build_variant(sample, Path(tmp) / "packed", precompress=True)
        plain = build_variant(sample, Path(tmp) / "plain", startup_snapshot=False)
        servers = {
            "mystlite serve": make_server(site.output, "127.0.0.1", 0, "/", Reporter(quiet=True)),
            "  precompress: true": make_server(packed.output, "127.0.0.1", 0, "/", Reporter(quiet=True)),
            "  startup_snapshot: false": make_server(plain.output, "127.0.0.1", 0, "/", Reporter(quiet=True)),
            "python -m http.server": plain_server(site.output),
        }
        results, largest = {}, {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for name, server in servers.items():
                threading.Thread(target=server.serve_forever, daemon=True).start()
                url = f"http://127.0.0.1:{server.server_address[1]}/stats/"
                with tempfile.TemporaryDirectory() as profile:
                    context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM,
                                                                    headless=True, args=ARGS)
                    first = visit(context, url, largest.setdefault(name, {}))
                    second = visit(context, url)
                    context.close()
                results[name] = (first, second)
                if name == "mystlite serve":  # a page without compute (`jupyter: false`), in a profile of its own
                    with tempfile.TemporaryDirectory() as profile:
                        context = pw.chromium.launch_persistent_context(profile, executable_path=CHROMIUM,
                                                                        headless=True, args=ARGS)
                        plain_page = visit(context, url.replace("/stats/", "/about/"), run=False)
                        context.close()
                server.shutdown()
            browser.close()
    mb = 1024 * 1024
    # issue 25's targets for a first visit: 8 MB with the start-up snapshot, 5 MB without
    print(f"{'stats page + first cell':<28}{'first visit':>20}{'warm second visit':>24}{'target':>16}")
    for name, ((r1, b1), (r2, b2)) in results.items():
        target = 5 if "snapshot: false" in name else 8
        print(f"{name:<28}{b1 / mb:>8.2f} MB, {r1:>3} req{b2 / 1024:>12.1f} KB, {r2:>3} req"
              f"{'≤ %d MB: ' % target + ('ok' if b1 <= target * mb else 'MISSED'):>16}")
    print(f"{'about page (no compute)':<28}{plain_page[1] / 1024:>8.1f} KB, {plain_page[0]:>3} req"
          f"{'':>24}{'≤ 300 KB: ' + ('ok' if plain_page[1] <= 300 * 1024 else 'MISSED'):>16}")
    returning = results["mystlite serve"][1][1]
    print(f"a returning reader (warm second visit, mystlite serve): {returning / 1024:.1f} KB, target ≤ 50 KB: "
          f"{'ok' if returning <= 50 * 1024 else 'MISSED'}")
    for name, sizes in largest.items():
        top = sorted(sizes.items(), key=lambda item: -item[1])[:6]
        print(f"{name.strip():<28}" + ", ".join(f"{file} {size / mb:.2f}" for file, size in top))
    print("(python -m http.server sends no COOP/COEP: the site's service worker reloads the page once)")
    ours, theirs = results["mystlite serve"], results["python -m http.server"]
    print(f"ratio (mystlite / http.server): first {ours[0][1] / theirs[0][1]:.2f}, "
          f"warm {ours[1][1] / max(theirs[1][1], 1):.2f}")


if __name__ == "__main__":
    main()
