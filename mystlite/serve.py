"""A preview server for a built site: right MIME types, an optional subpath, nothing outside the site."""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import gzip
import io
import posixpath
import re
import threading
import urllib.parse
from pathlib import Path

from .baseurl import normalize_base_url
from .errors import MystliteError, Where
from .files import file_digest
from .log import Reporter

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".ipynb": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".css": "text/css",
}


LOOPBACK = ("127.0.0.1", "localhost", "::1")
# sent compressed to a browser that accepts it (wasm and the stdlib zip's neighbours compress well too)
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/wasm", "image/svg+xml",
                "application/manifest+json")
MIN_GZIP = 1024
try:  # brotli is optional (pip install 'mystlite[serve]'): without it, gzip
    import brotli
except ImportError:
    brotli = None


def accepted_encodings(accept: str) -> set[str]:
    return {token.split(";")[0].strip().lower() for token in accept.split(",")}


def choose_encoding(accept: str) -> str | None:
    """br when the browser takes it and the brotli package is here, else gzip when the browser takes it."""
    offered = accepted_encodings(accept)
    if brotli is not None and "br" in offered:
        return "br"
    return "gzip" if "gzip" in offered else None


def precompressed(path: str, accept: str) -> tuple[str, str] | None:
    """The build's own compressed copy of path (mystlite.precompress) that the browser takes, br first:
    (encoding, its path)."""
    offered = accepted_encodings(accept)
    for suffix, encoding in (("br", "br"), ("gz", "gzip")):
        if encoding in offered and os.path.isfile(f"{path}.{suffix}"):
            return encoding, f"{path}.{suffix}"
    return None


# content-hashed names (JupyterLite's "jlab_core.a86436d.js", mystmd's "counter-1b7185bc99edfc4b….mjs"):
# a new build gives a new name, so these may be cached for good; everything else is revalidated
HASHED = re.compile(r"(?:[.-][0-9a-f]{7,64})\.(?:js|mjs|css|png|jpg|jpeg|gif|svg|webp|woff2?|ttf|json|wasm"
                    r"|snapshot\.gz)$")  # the start-up snapshot: named by the digest of its inputs
IMMUTABLE = "public, max-age=31536000, immutable"


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    protocol_version = "HTTP/1.1"  # keep-alive: a page's dozens of files come over a few connections
    cache_control = "no-cache"

    def __init__(self, *args, root: Path, base_url: str, reporter: Reporter, **kwargs):
        self.root, self.base_url, self.reporter = root, base_url, reporter
        super().__init__(*args, directory=str(root), **kwargs)

    def translate_path(self, path: str) -> str:
        """Strip the subpath; refuse anything that would leave the site folder (.., symlinks)."""
        parsed = urllib.parse.urlsplit(path).path
        parsed = urllib.parse.unquote(parsed)
        if not parsed.startswith(self.base_url):
            if parsed + "/" == self.base_url:
                parsed = self.base_url
            else:
                return ""
        rel = posixpath.normpath(parsed[len(self.base_url):] or ".")
        if rel.startswith("..") or os.path.isabs(rel) or "\\" in rel or "\x00" in rel:
            return ""
        try:
            full = (self.root / rel).resolve()
        except (OSError, ValueError, RuntimeError):  # a name too long, a loop: nothing to serve
            return ""
        if full != self.root and self.root not in full.parents:
            return ""
        result = str(full)
        if parsed.endswith("/") and os.path.isdir(full):
            result += "/"
        return result

    def do_GET(self):
        if self.server.server_token and urllib.parse.urlsplit(self.path).path == self.base_url + SERVER_TOKEN:
            import json

            return self.send_bytes(json.dumps(self.server.server_token).encode(), "application/json")
        live = self.server.live
        if live is not None:
            from .watch import EVENTS, LIVE_JS, SCRIPT

            route = urllib.parse.urlsplit(self.path).path
            if route == self.base_url + EVENTS:
                return self.stream_events(live)
            if route == self.base_url + SCRIPT:
                return self.send_bytes(LIVE_JS.encode(), "text/javascript")
        return super().do_GET()

    def send_bytes(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def stream_events(self, live) -> None:
        """Server-sent events for one open page, until it goes away."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen = live.version
        try:
            self.wfile.write(b": connected\n\n")
            self.wfile.flush()
            while not self.server.stopping.is_set():
                seen, event = live.next(seen, timeout=15)
                self.wfile.write(live.format(*event) if event else b": keep-alive\n\n")
                self.wfile.flush()
        except OSError:
            return  # the page was closed or reloaded

    def send_head(self):
        """A file with an ETag from its content; a folder only through its index.html (no listings).
        No Last-Modified: JupyterLite's files carry fixed times, so dates cannot tell builds apart."""
        path = self.translate_path(self.path)
        if path and os.path.isdir(path):
            if not urllib.parse.urlsplit(self.path).path.endswith("/"):
                parts = urllib.parse.urlsplit(self.path)
                self.send_response(301)
                self.send_header("Location", urllib.parse.urlunsplit(parts._replace(path=parts.path + "/")))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            path = os.path.join(path, "index.html")
        try:
            handle = open(path, "rb") if path and os.path.isfile(path) else None
        except OSError:
            handle = None
        if handle is None:
            return self.not_found()
        stat = os.fstat(handle.fileno())
        etag = self.server.etag(path, stat)
        kind = self.guess_type(path)
        accept = self.headers.get("Accept-Encoding", "")
        ready = (precompressed(path, accept)
                 if kind.startswith(COMPRESSIBLE) and not (self.server.live is not None and path.endswith(".html"))
                 else None)
        if ready:  # sent as it is: no work here, and smaller than compressing on the fly
            encoding, copy = ready
            handle.close()
            handle = open(copy, "rb")
            stat = os.fstat(handle.fileno())
            etag = f'{self.server.etag(copy, stat)[:-1]}-{encoding}"'
        else:
            encoding = choose_encoding(accept) if stat.st_size >= MIN_GZIP and kind.startswith(COMPRESSIBLE) else None
            if encoding:
                etag = f'{etag[:-1]}-{encoding}"'  # another representation, another strong ETag
        self.cache_control = IMMUTABLE if HASHED.search(path) else "no-cache"
        wanted = self.headers.get("If-None-Match", "")
        if etag in [tag.strip() for tag in wanted.split(",")]:
            handle.close()
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Vary", "Accept-Encoding")
            self.end_headers()
            return None
        body = None
        if self.server.live is not None and path.endswith(".html"):  # --watch: the page listens for rebuilds
            from .watch import inject_script

            with handle:
                body = inject_script(handle.read(), self.base_url)
            encoding = None
            handle = io.BytesIO(body)
        elif encoding and not ready:
            with handle:
                body = self.server.compressed(etag, encoding, handle)
            handle = io.BytesIO(body)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if body is not None else stat.st_size))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("ETag", etag)
        self.end_headers()
        return handle

    def not_found(self):
        """The site's own 404 page with status 404, as GitHub Pages and Netlify answer a missing path."""
        try:
            body = (self.root / "404.html").read_bytes()
        except OSError:
            self.send_error(404, "Not found")
            return None
        self.cache_control = "no-cache"
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def end_headers(self):
        # A preview shows the latest build: revalidate every time (cheap with ETags), except content-hashed files
        self.send_header("Cache-Control", self.cache_control)
        if self.server.isolate:
            # cross-origin isolation: Stop can interrupt a running cell and keep the page's Python state.
            # `credentialless` still lets pages show images and frames from other sites.
            self.send_header("Cross-Origin-Opener-Policy", "same-origin")
            self.send_header("Cross-Origin-Embedder-Policy", "credentialless")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        self.reporter.detail("serve: " + format % args)


class SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args, reporter: Reporter, isolate: bool = True, live=None, server_token=None, **kwargs):
        self.reporter, self.isolate = reporter, isolate
        self.live = live  # a watch.LiveReload with --watch
        # project.jupyter.server's url and token, handed to the pages served here (never written into the site)
        self.server_token: dict | None = server_token
        self.stopping = threading.Event()
        self._etags: dict[tuple, str] = {}
        self._etag_lock = threading.Lock()
        self._gzipped: dict[str, bytes] = {}  # ETag -> compressed body: each file version is compressed once
        super().__init__(*args, **kwargs)

    def etag(self, path: str, stat: os.stat_result) -> str:
        """A strong ETag from the file's sha256, computed once per file version (a rebuild makes new files)."""
        key = (path, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
        with self._etag_lock:
            if key in self._etags:
                return self._etags[key]
        tag = f'"{file_digest(Path(path))[:32]}"'
        with self._etag_lock:
            if len(self._etags) > 20_000:
                self._etags.clear()
            self._etags[key] = tag
        return tag

    def compressed(self, etag: str, encoding: str, handle) -> bytes:
        with self._etag_lock:
            if etag in self._gzipped:
                return self._gzipped[etag]
        data = handle.read()
        # brotli's quality 5 is about as fast as gzip's 6 and ~15% smaller; 11 would take seconds on the wasm
        body = brotli.compress(data, quality=5) if encoding == "br" else gzip.compress(data, compresslevel=6, mtime=0)
        with self._etag_lock:
            if sum(len(b) for b in self._gzipped.values()) > 256 * 1024 * 1024:
                self._gzipped.clear()
            self._gzipped[etag] = body
        return body

    def handle_error(self, request, client_address):
        # A browser that drops a connection mid-transfer is normal (navigation, cancelled prefetch); anything
        # else is one line in verbose mode, never a traceback on the terminal.
        import sys

        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionResetError, BrokenPipeError)):
            self.reporter.detail(f"serve: {client_address[0]}: {type(error).__name__}: {error}")


SERVER_TOKEN = "_mystlite/server-token"  # what the runtime asks mystlite serve for (remote.js)


def served_server_token(project_dir: Path) -> dict | None:
    """project.jupyter.server of a project, for `mystlite serve` to hand to its pages at serve time."""
    from .config import load_config, project_config_file

    if project_config_file(project_dir) is None:
        return None
    server = (load_config(project_dir).jupyter or {}).get("server")
    return {"url": server["url"], "token": server["token"]} if server and server.get("token") else None


def make_server(root: Path, host: str, port: int, base_url: str, reporter: Reporter,
                isolate: bool = True, live=None, server_token: dict | None = None) -> SiteServer:
    handler = functools.partial(SiteHandler, root=root.resolve(), base_url=normalize_base_url(base_url),
                                reporter=reporter)
    if not 0 <= port <= 65535:
        raise MystliteError(f"--port must be between 0 and 65535, not {port}")
    if host not in LOOPBACK:
        reporter.warn(f"serving on {host}, not only on this machine: anyone who can reach it can read the site")
    try:
        return SiteServer((host, port), handler, reporter=reporter, isolate=isolate, live=live,
                          server_token=server_token if host in LOOPBACK else None)
    except (OSError, OverflowError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise MystliteError(f"cannot listen on {host}:{port}: {reason}",
                            hint="choose another port with --port, or --port 0 for any free one") from None


def serve_command(args: argparse.Namespace, reporter: Reporter) -> int:
    from .site import build_site, site_folder

    from .baseurl import env_base_url

    base_url = args.base_url if args.base_url is not None else env_base_url()
    watching = getattr(args, "watch", False)
    from .config import project_config_file

    if watching and project_config_file(args.path) is None:
        raise MystliteError("--watch needs a project folder (with myst.yml), not a built site", Where(args.path))

    myst_server = None
    if watching and not getattr(args, "restart_mystmd", False):  # an edit costs no mystmd start-up
        from .pages.mystserver import MystServer

        myst_server = MystServer()

    def build():
        return build_site(args.path, reporter, base_url=base_url, cache_dir=args.cache_dir, strict=args.strict,
                          offline=args.offline, execute=args.execute, myst_server=myst_server)

    if args.build or watching:
        root = build().output
    else:
        root = site_folder(args.path)
    if not root.is_dir():
        raise MystliteError("no built site here yet", Where(root), hint="run `mystlite build` first, or add --build")
    live = None
    if watching:
        from .watch import LiveReload

        live = LiveReload()
    token = served_server_token(args.path)
    server = make_server(root, args.host, args.port, base_url, reporter, live=live, server_token=token)
    if token:
        print(f"pages served here connect to the Jupyter server at {token['url']} with myst.yml's token "
              f"(only on this machine; the built site never holds it)", flush=True)
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}{normalize_base_url(base_url)}"
    print(f"serving {root} at {url} (Ctrl+C to stop)", flush=True)
    stop = threading.Event()
    if watching:
        from .watch import watch, watched_inputs

        project = args.path.resolve()
        threading.Thread(target=watch, daemon=True, args=(
            project, root, lambda: watched_inputs(project), build, live, reporter, stop)).start()
        print("watching for changes: pages rebuild and reload on save", flush=True)
    if getattr(args, "open", False):
        import webbrowser

        threading.Timer(0.3, webbrowser.open, [url]).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        reporter.info("stopped")
    finally:
        stop.set()
        server.stopping.set()
        server.server_close()
        if myst_server is not None:
            myst_server.stop()
    return 0
