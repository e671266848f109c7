"""Precompressed copies (`x.js.gz`, `x.js.br`) beside the site's text and wasm files, for hosts that send
such a file instead of compressing on the fly (nginx gzip_static/brotli_static, Caddy's precompressed,
Apache rewrites) and for `mystlite serve`. Off unless `mystlite.precompress: true`: hosts that compress
themselves (GitHub Pages, Netlify, Cloudflare Pages) would only carry the extra files.

Both are made at their formats' highest levels once per file content (cached by its sha256), so a rebuild
costs nothing and an incremental build publishes the bytes of a clean one.
"""

from __future__ import annotations

import gzip
from contextlib import nullcontext
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import MystliteError
from .files import file_digest, write_if_changed
from .log import Reporter

SUFFIXES = (".html", ".js", ".mjs", ".css", ".json", ".wasm", ".svg", ".txt", ".xml", ".map", ".py", ".ipynb",
            ".md", ".csv", ".ico")
MIN_SIZE = 1024  # below this a compressed copy saves less than its request headers
ENCODINGS = {"gz": "gzip", "br": "br"}  # sidecar suffix -> Content-Encoding


def wants_sidecars(rel: str, size: int) -> bool:
    return rel.endswith(SUFFIXES) and size >= MIN_SIZE


def _cached_copy(cache: Path, digest: str, suffix: str) -> Path:
    return cache / digest[:2] / f"{digest}.{suffix}"


def _compress(source: Path | bytes, digest: str, cache: Path) -> dict[str, Path]:
    import brotli

    made = {}
    for suffix in ENCODINGS:
        target = _cached_copy(cache, digest, suffix)
        if not target.is_file():
            data = source if isinstance(source, bytes) else source.read_bytes()
            body = (gzip.compress(data, compresslevel=9, mtime=0) if suffix == "gz"
                    else brotli.compress(data, quality=11))
            write_if_changed(target, body)  # atomic: a killed build leaves no half copy in the cache
        made[suffix] = target
    return made


def sidecars(sources: dict[str, tuple[Path | bytes, str]], cache: Path, reporter: Reporter) -> dict[str, tuple[Path, str]]:
    """For each published file that gets them: `rel.gz` and `rel.br` -> (the cached copy, its sha256)."""
    try:
        import brotli  # noqa: F401
    except ImportError:
        raise MystliteError("mystlite.precompress needs the brotli package",
                            hint="pip install 'mystlite[serve]'") from None
    chosen = {rel: item for rel, item in sources.items()
              if wants_sidecars(rel, len(item[0]) if isinstance(item[0], bytes) else item[0].stat().st_size)}
    cache = cache / "precompressed"
    todo = [item for item in chosen.values()
            if not all(_cached_copy(cache, item[1], suffix).is_file() for suffix in ENCODINGS)]
    with reporter.step(f"compressing {len(todo)} file(s) for precompressed copies") if todo else nullcontext():
        with ThreadPoolExecutor() as pool:  # brotli and zlib release the GIL while they work
            made = dict(zip(chosen, pool.map(lambda item: _compress(item[0], item[1], cache), chosen.values())))
    return {f"{rel}.{suffix}": (path, file_digest(path)) for rel, copies in made.items()
            for suffix, path in copies.items()}

