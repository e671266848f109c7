"""A preview server for a built site: right MIME types, an optional subpath, nothing outside the site."""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import posixpath
import urllib.parse
from pathlib import Path

from .errors import MystliteError, Where
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


def normalize_base_url(base_url: str | None) -> str:
    """'/sub/' form: leading and trailing slash; '/' for none."""
    base = (base_url or "").strip().strip("/")
    return f"/{base}/" if base else "/"


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

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
        full = (self.root / rel).resolve()
        if full != self.root and self.root not in full.parents:
            return ""
        result = str(full)
        if parsed.endswith("/") and full.is_dir():
            result += "/"
        return result

    def send_head(self):
        if self.translate_path(self.path) == "":
            self.send_error(404, "Not found")
            return None
        return super().send_head()

    def end_headers(self):
        # A preview should always show the latest build.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        self.reporter.detail("serve: " + format % args)


class SiteServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that drops a connection mid-transfer is normal (navigation, cancelled prefetch).
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def make_server(root: Path, host: str, port: int, base_url: str, reporter: Reporter) -> SiteServer:
    handler = functools.partial(SiteHandler, root=root.resolve(), base_url=normalize_base_url(base_url),
                                reporter=reporter)
    try:
        return SiteServer((host, port), handler)
    except OSError as err:
        raise MystliteError(f"cannot listen on {host}:{port}: {err.strerror}",
                            hint="choose another port with --port, or --port 0 for any free one") from None


def serve_command(args: argparse.Namespace, reporter: Reporter) -> int:
    from .site import build_site, site_folder

    base_url = args.base_url if args.base_url is not None else os.environ.get("BASE_URL")
    if args.build:
        site = build_site(args.path, reporter, base_url=base_url, cache_dir=args.cache_dir)
        root = site.output
    else:
        root = site_folder(args.path)
    if not root.is_dir():
        raise MystliteError("no built site here yet", Where(root), hint="run `mystlite build` first, or add --build")
    server = make_server(root, args.host, args.port, base_url, reporter)
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}{normalize_base_url(base_url)}"
    print(f"serving {root} at {url} (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        reporter.info("stopped")
    finally:
        server.server_close()
    return 0
