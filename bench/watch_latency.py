"""Benchmark: edit-to-reload latency of `mystlite serve --watch` on sample_site.

Starts the watcher on a copy of sample_site, listens to its event stream as an open page does, and makes N
one-paragraph edits to a page, timing each from the write to the "reload" event. Target: under 1 s. It runs
twice: with the kept mystmd process (the default) and with `--restart-mystmd` (a new mystmd per rebuild).

    .venv/bin/python bench/watch_latency.py [--edits 10] [--page about.md]
"""

from __future__ import annotations

import argparse
import http.client
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def events(host: str, port: int, found: queue.Queue) -> None:
    conn = http.client.HTTPConnection(host, port)
    conn.request("GET", "/__mystlite/events")
    response = conn.getresponse()
    while True:
        line = response.fp.readline()
        if not line:
            return
        if line.startswith(b"event: "):
            found.put((line[7:].strip().decode(), time.perf_counter()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--page", default="about.md")
    args = parser.parse_args()
    kept = measure(args, [])
    restarted = measure(args, ["--restart-mystmd"])
    for name, took in (("kept mystmd", kept), ("new mystmd per rebuild", restarted)):
        median = statistics.median(took)
        print(f"{name}: edit → reload event, {args.page}, {len(took)} edits: median {median:.2f} s, "
              f"min {min(took):.2f} s, max {max(took):.2f} s; target < 1 s: {'ok' if median < 1 else 'MISSED'}")
    print(f"kept / new per rebuild: {statistics.median(kept) / statistics.median(restarted):.2f}×")


def measure(args, flags: list[str]) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "sample_site"
        shutil.copytree(REPO / "sample_site", project, ignore=shutil.ignore_patterns("_build"))
        shutil.copytree(REPO / "wheels", Path(tmp) / "wheels", ignore=shutil.ignore_patterns("src"))
        child = subprocess.Popen([sys.executable, "-m", "mystlite", "serve", str(project), "--watch", "--port", "0",
                                  "-q", *flags], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = re.search(r"http://([\d.]+):(\d+)", child.stdout.readline())
            found: queue.Queue = queue.Queue()
            threading.Thread(target=events, args=(url.group(1), int(url.group(2)), found), daemon=True).start()
            time.sleep(3.0)  # the author opens the page first; the kept mystmd has started
            page = project / args.page
            original = page.read_text()
            took = []
            for i in range(args.edits):
                page.write_text(original + f"\nAn edited paragraph, number {i}.\n")
                start = time.perf_counter()
                kind, when = found.get(timeout=120)
                took.append(when - start)
                time.sleep(1.0)  # an author saves at most about once a second
        finally:
            child.terminate()
            child.wait()
    return took


if __name__ == "__main__":
    main()
