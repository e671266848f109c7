"""One mystmd process kept alive between rebuilds, for `serve --watch`.

`myst start --headless` builds the mirror once, then watches it: an edited page is processed again in tens of
milliseconds instead of the ~0.7 s a new mystmd process costs to start. mystmd says a rebuild is finished by
sending {"type": "RELOAD"} to the websockets of its content server; with --debug it also logs each file event
("File modified: …") and a full rebuild ("Triggered full …"), which tell us it saw our change at all.

Only a one-file content change goes through the kept process. Anything else (myst.yml, files added or
removed, several files at once, an error during its reload) stops it; that rebuild runs `myst build` as usual
and the kept process starts again afterwards.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

from .. import proc

READY = "Content server started on port"
SAW_EVENT = "File modified: "
FULL_REBUILD = "Triggered full"
RELOAD_FAILED = "Error during reload"
FAST_BUILT = "📖 Built "
NOTICE_TIMEOUT = 1.5  # mystmd's watcher reports a file event ~0.15 s after the write
# its file watcher starts after the content server, and scans the project before it sees changes: a quiet moment
# after the server is up, and one more write of a missed file, make a missed edit rare (then `myst build` runs)
SETTLE = 1.0
START_TIMEOUT = 600.0  # its first build of a large project


class MystServer:
    """The kept mystmd process. `start` is cheap to call again: it does nothing while the same one runs."""

    def __init__(self):
        self.proc: subprocess.Popen | None = None
        self.key = ""  # what the running process was started for (mirror, environment, config)
        self.lines: list[str] = []
        self.reloads = 0
        self.ready = False
        self.ready_at = 0.0
        self.changed = threading.Condition()
        self.faces: dict[str, str] = {}  # page location -> what other pages see of it, after the last rebuild

    # life

    def start(self, mirror: Path, env: dict[str, str], key: str) -> None:
        if self.alive() and self.key == key:
            return
        self.stop()
        port = free_port()
        env = {k: v for k, v in env.items() if k != "HOST"}  # mystmd would warn and override another HOST
        self.lines, self.reloads, self.ready, self.key, self.faces = [], 0, False, key, {}
        from .mystcommand import myst_command

        self.proc = proc.popen([*myst_command(), "start", "--headless", "--debug",
                                "--server-port", str(port)], cwd=mirror, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace")
        threading.Thread(target=self._read_log, args=(self.proc, port), daemon=True).start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        self.proc, self.key, self.ready = None, "", False
        with self.changed:
            self.changed.notify_all()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        with self.changed:
            self.changed.wait_for(lambda: self.ready or not self.alive(), timeout=timeout)
            if not (self.ready and self.alive()):
                return False
            settle = self.ready_at + SETTLE - time.monotonic()
        if settle > 0:
            time.sleep(settle)
        return self.alive()

    # one rebuild

    def mark(self) -> tuple[int, int]:
        with self.changed:
            return len(self.lines), self.reloads

    def wait_rebuilt(self, mark: tuple[int, int], path: Path, timeout: float) -> tuple[bool, list[str]]:
        """After `path` was written: wait until mystmd has rebuilt for it. (done, its log lines since mark)."""
        lines_at, reloads_at = mark
        noticed = f'{SAW_EVENT}"{path}"'
        def seen() -> bool:
            return not self.alive() or any(line.startswith(noticed) for line in self.lines[lines_at:])

        with self.changed:
            if not self.changed.wait_for(seen, timeout=NOTICE_TIMEOUT):
                path.write_bytes(path.read_bytes())  # the same bytes again: a second file event
                if not self.changed.wait_for(seen, timeout=NOTICE_TIMEOUT):
                    return False, self.lines[lines_at:]
            deadline = time.monotonic() + timeout
            while True:
                since = self.lines[lines_at:]
                if any(RELOAD_FAILED in line for line in since) or not self.alive():
                    return False, since
                if self.reloads - reloads_at >= max(1, _reloads_due(since)):
                    # a follow-up rebuild (mystmd coalesces events that came while it worked) is logged in the
                    # same instant as the reload it follows: look once more
                    self.changed.wait(0.05)
                    if _reloads_due(self.lines[lines_at:]) <= self.reloads - reloads_at:
                        return True, self.lines[lines_at:]
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    return False, since
                self.changed.wait(left)

    # the process's two channels: its log, and the reload messages of its websocket

    def _read_log(self, child: subprocess.Popen, port: int) -> None:
        for line in child.stdout:
            line = line.rstrip("\n")
            with self.changed:
                self.lines.append(line)
                if READY in line and not self.ready:
                    threading.Thread(target=self._listen, args=(child, port), daemon=True).start()
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def _listen(self, child: subprocess.Popen, port: int) -> None:
        try:
            for message in websocket_messages("localhost", port, "/socket", on_open=self._opened):
                if json.loads(message).get("type") == "RELOAD":
                    with self.changed:
                        if self.proc is child:
                            self.reloads += 1
                        self.changed.notify_all()
        except (OSError, ValueError):
            pass
        with self.changed:
            if self.proc is child:
                self.ready = False
            self.changed.notify_all()

    def _opened(self) -> None:
        with self.changed:
            self.ready, self.ready_at = True, time.monotonic()
            self.changed.notify_all()


def page_face(site_dir: Path, location: str) -> str | None:
    """What other pages take from a page: its frontmatter (title…) and each labelled or numbered node with its
    text. mystmd's kept process rebuilds only the edited page and does not update the link text that other
    pages took from it, so an edit that changes this face needs a full `myst build`."""
    import json

    quoted = json.dumps(location, ensure_ascii=False).encode()  # JSON without this string is not the page
    for content in (site_dir / "content").glob("*.json"):
        try:
            raw = content.read_bytes()
            data = json.loads(raw) if quoted in raw else None
        except (OSError, ValueError):
            return None
        if data is None or data.get("location") != location:
            continue
        targets = []

        def visit(node: dict) -> None:
            if node.get("identifier") or node.get("label") or node.get("enumerator"):
                targets.append([node.get("type"), node.get("identifier"), node.get("label"), node.get("enumerator"),
                                _text(node)])
            for child in node.get("children") or []:
                visit(child)

        visit(data.get("mdast") or {})
        frontmatter = {k: v for k, v in (data.get("frontmatter") or {}).items() if k != "exports"}
        return json.dumps([frontmatter, targets], sort_keys=True)
    return None


def _text(node: dict) -> str:
    return node.get("value") or "".join(_text(child) for child in node.get("children") or [])


def _reloads_due(lines: list[str]) -> int:
    """How many reloads mystmd owes for the log so far: one per full rebuild, plus one when the first
    rebuild was a fast one-page rebuild (its "Built" line comes before any full rebuild's)."""
    fulls = sum(FULL_REBUILD in line for line in lines)
    for line in lines:
        if FULL_REBUILD in line:
            return fulls
        if line.startswith(FAST_BUILT):
            return fulls + 1
    return max(fulls, 1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def websocket_messages(host: str, port: int, path: str, on_open=lambda: None):
    """The text messages a websocket server sends (RFC 6455, receive only; the server's frames are unmasked)."""
    conn = socket.create_connection((host, port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    stream = conn.makefile("rb")
    status = stream.readline()
    if b" 101 " not in status:
        raise OSError(f"no websocket: {status!r}")
    while stream.readline() not in (b"\r\n", b""):
        pass
    conn.settimeout(None)
    on_open()
    while True:
        head = stream.read(2)
        if len(head) < 2:
            return
        opcode, size = head[0] & 0x0F, head[1] & 0x7F
        if size == 126:
            size = int.from_bytes(stream.read(2), "big")
        elif size == 127:
            size = int.from_bytes(stream.read(8), "big")
        payload = stream.read(size)
        if opcode == 8:  # close
            return
        if opcode == 1:
            yield payload.decode("utf-8", "replace")
