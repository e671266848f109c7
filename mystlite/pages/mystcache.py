"""What mystmd downloads while it builds, kept in mystlite's download cache, so that a fresh clone or a clean
build works offline after one build that had the network.

mystmd keeps these in the project's `_build`, which a fresh clone lacks, and names each after a hash of its
URL, so a copy restored under the same name is what mystmd would have fetched:
- `_build/cache/xrefs-*` (intersphinx and MyST cross-reference inventories of `project.references`, believed for a
  day), `doi-*` (DOI records), `myst-*` (MyST data of links to other MyST sites);
- `_build/site/public/<md5 of the URL>.<ext>`: remote images, which mystmd looks for by that name before fetching.

A copy is restored where mystmd has none, or has one it would think too old (a copy it may not fetch again
offline). Delete the cache's `mystmd/` folder to have them fetched again.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from pathlib import Path

from ..files import file_digest

KEPT = re.compile(r"^(?:xrefs-(?:intersphinx|myst)-|doi-|myst-)[0-9a-f]{32}")
IMAGE_STEM = re.compile(r"^[0-9a-f]{32}$")
STALE_AFTER = 23 * 3600  # seconds; mystmd fetches a cross-reference inventory again after a day


def _store(cache: Path) -> tuple[Path, Path]:
    return cache / "mystmd" / "cache", cache / "mystmd" / "images"


def restore(mirror: Path, cache: Path) -> int:
    """Copy what an earlier build kept into the mirror's _build where mystmd has no usable copy; how many."""
    kept, images = _store(cache)
    restored = 0
    for source, dest_dir in ((kept, mirror / "_build" / "cache"), (images, mirror / "_build" / "site" / "public")):
        if not source.is_dir():
            continue
        for path in sorted(source.iterdir()):
            dest = dest_dir / path.name
            if dest.is_file() and time.time() - dest.stat().st_ctime < STALE_AFTER:
                continue
            dest_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)  # a new file: mystmd sees a fresh copy
            restored += 1
    return restored


def keep(mirror: Path, site_dir: Path, cache: Path) -> None:
    """After a mystmd run: what it fetched goes into the download cache (inventories, DOI records, and remote
    images that the pages show)."""
    kept, images = _store(cache)
    folder = mirror / "_build" / "cache"
    if folder.is_dir():
        for path in folder.iterdir():
            if KEPT.match(path.name) and path.is_file():
                _copy_if_changed(path, kept / path.name)
    public = site_dir / "public"
    if not public.is_dir():
        return
    stems = {hashlib.md5(url.encode()).hexdigest() for url in _remote_image_urls(site_dir / "content")}
    for path in public.iterdir():
        if path.stem in stems and IMAGE_STEM.match(path.stem) and path.is_file():
            _copy_if_changed(path, images / path.name)


def _copy_if_changed(source: Path, dest: Path) -> None:
    if dest.is_file() and file_digest(dest) == file_digest(source):
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(source, tmp)
    tmp.replace(dest)


# mystmd's image nodes keep the address the author wrote; a regular expression over the page JSON finds them
# without parsing every page a second time (the renderer parses them anyway)
URL_SOURCE = re.compile(rb'"urlSource":\s*"(https?://[^"\\]+)"')


def _remote_image_urls(content: Path) -> set[str]:
    """Remote addresses the pages name (images' among them: a public file's md5 stem tells which is one)."""
    urls: set[str] = set()
    for page in content.glob("*.json") if content.is_dir() else []:
        try:
            urls.update(match.decode() for match in URL_SOURCE.findall(page.read_bytes()))
        except OSError:
            continue
    return urls
