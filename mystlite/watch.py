"""`mystlite serve --watch`: rebuild when the project changes and reload the open pages.

The watcher polls file times and sizes (cheap; the build itself decides by content what is out of date). A
good rebuild publishes a "reload" event and the pages reload where the reader was scrolled to. A failed
rebuild leaves the last good site served, prints the error, and shows it over the page.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Callable

from .errors import MystliteError
from .files import project_files
from .log import Reporter

EVENTS = "__mystlite/events"  # under the base URL: server-sent events for the open pages
SCRIPT = "__mystlite/live.js"

LIVE_JS = """\
// mystlite serve --watch: reload when the site is rebuilt, where the reader was; show a failed build's error.
(() => {
  const key = "mystlite-scroll:" + location.pathname;
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    addEventListener("load", () => scrollTo(0, Number(saved)));
  }
  const source = new EventSource(new URL("EVENTS", document.currentScript.src));
  let overlay = null;
  source.addEventListener("reload", () => {
    sessionStorage.setItem(key, String(scrollY));
    location.reload();
  });
  source.addEventListener("failed", (event) => {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "mystlite-build-error";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:99;padding:1rem;" +
        "background:#fff1f0;color:#82071e;border:2px solid #cf222e;border-radius:8px;font:14px/1.4 monospace;" +
        "white-space:pre-wrap;max-height:40vh;overflow:auto";
      document.body.append(overlay);
    }
    overlay.textContent = "The last edit did not build (this page is the last good build):\\n\\n" +
      JSON.parse(event.data).message;
  });
})();
""".replace("EVENTS", "events")


class LiveReload:
    """The latest build event, for every open page's event stream."""

    def __init__(self):
        self.version = 0
        self.event: tuple[str, str] = ("", "")
        self.changed = threading.Condition()

    def publish(self, kind: str, message: str = "") -> None:
        with self.changed:
            self.version += 1
            self.event = (kind, message)
            self.changed.notify_all()

    def next(self, seen: int, timeout: float) -> tuple[int, tuple[str, str] | None]:
        """Wait for an event newer than `seen`; (version, event), or (seen, None) after `timeout`."""
        with self.changed:
            self.changed.wait_for(lambda: self.version > seen, timeout=timeout)
            return (self.version, self.event) if self.version > seen else (seen, None)

    @staticmethod
    def format(kind: str, message: str) -> bytes:
        return f"event: {kind}\ndata: {json.dumps({'message': message})}\n\n".encode()


def snapshot(root: Path, output: Path, extra: list[Path]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every input file: a change to any of them starts a rebuild."""
    found = {}
    for folder in [root, *extra]:
        paths = [folder] if folder.is_file() else project_files(folder, output)
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


EXTRA_EVERY = 1.0  # seconds between two readings of myst.yml for the files outside the project


def watch(root: Path, output: Path, extra: Callable[[], list[Path]], rebuild: Callable[[], None],
          live: LiveReload, reporter: Reporter, stop: threading.Event, interval: float = 0.05) -> None:
    """Poll until `stop`; rebuild after each change (once the editor has finished writing). A save waits half
    an interval on average to be seen. A big project's poll waits longer between looks, a few times what one
    look costs, so that the watcher keeps to a small share of a core (polling 1,000 pages every 0.1 s took two
    thirds of one, beside the kept mystmd; 100 pages every 0.05 s take a few percent)."""
    listed, listed_at = extra(), time.monotonic()

    def inputs_outside() -> list[Path]:
        # the list of files outside the project comes from myst.yml, whose reading costs several times a look:
        # made again once a second (each listed file's own changes are seen at every look)
        nonlocal listed, listed_at
        if time.monotonic() - listed_at >= EXTRA_EVERY:
            listed, listed_at = extra(), time.monotonic()
        return listed

    last = snapshot(root, output, inputs_outside())
    pause = interval
    while not stop.wait(pause):
        looked = time.perf_counter()
        now = snapshot(root, output, inputs_outside())
        pause = max(interval, 4 * (time.perf_counter() - looked))
        if now == last:
            continue
        time.sleep(0.02)  # an editor's save can be several writes, a few milliseconds apart at most
        last = snapshot(root, output, inputs_outside())
        started = time.perf_counter()
        try:
            rebuild()
        except MystliteError as err:
            reporter.error(str(err))
            live.publish("failed", str(err))
            continue
        except Exception as err:  # a bug must not end the preview: say it and keep serving the last site
            reporter.error(f"internal error: {type(err).__name__}: {err}")
            live.publish("failed", f"internal error: {type(err).__name__}: {err}")
            continue
        reporter.info(f"rebuilt in {time.perf_counter() - started:.2f} s; reloading the open pages")
        live.publish("reload")
        listed_at = 0.0  # the rebuild may have changed myst.yml's list
        last = snapshot(root, output, inputs_outside())


def watched_inputs(project_dir: Path) -> list[Path]:
    """The files outside the project folder that myst.yml names (wheels, contents…), read again each time."""
    from .config import load_config
    from .site import external_inputs

    try:
        return [Path(p) for p in external_inputs(load_config(project_dir))]
    except MystliteError:
        return []


def inject_script(body: bytes, base_url: str) -> bytes:
    tag = f'<script src="{base_url}{SCRIPT}"></script>'.encode()
    at = body.rfind(b"</body>")
    return body[:at] + tag + body[at:] if at >= 0 else body + tag

