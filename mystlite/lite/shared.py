"""JupyterLite bundles kept in the download cache, for the next cold build of the same site.

A build from scratch (a fresh clone, `rm -rf _build`, CI with its cache restored) whose staged inputs, the
contents aside, equal an earlier build's starts from that build's output: build_lite then redoes only the
contents on it (refresh_contents), as it does after a notebook edit, instead of building JupyterLite anew
(about 3 s, on a core that mystmd wants meanwhile). The result is the bytes of a build from scratch:
tests/test_lite_build.py compares them.

Each kept bundle is the output tree (hard links where the cache shares the project's file system, copies
elsewhere) and the stamp that describes it, the output's digest included: a bundle whose files no longer
match it is dropped, never used. The newest KEEP are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from ..files import read_json, tree_digest, write_text

ENV_VAR = "MYSTLITE_LITE_CACHE"  # "0": neither use nor keep shared bundles (every build from scratch)
KEEP = 3
FOLDER = "lite-bundles"


def enabled() -> bool:
    return os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "no", "false", "off")


def beyond_contents(stamp: dict) -> dict:
    """The part of a build stamp that the contents do not change."""
    return {**{k: v for k, v in stamp.items() if k not in ("inputs", "storage", "output")},
            "inputs": {path: digest for path, digest in stamp.get("inputs", {}).items()
                       if not path.startswith("contents/")}}


def bundle_key(stamp: dict) -> str:
    return hashlib.sha256(json.dumps(beyond_contents(stamp), sort_keys=True).encode()).hexdigest()[:16]


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed there
        shutil.copy2(source, target)


def take(cache: Path | None, stamp: dict, out: Path) -> dict | None:
    """Puts the kept bundle for stamp's inputs at `out` (which must not exist) and returns its stamp; None when
    there is none, or it no longer matches its digest (then it is dropped)."""
    if cache is None or not enabled():
        return None
    entry = cache / FOLDER / bundle_key(stamp)
    kept = read_json(entry / "stamp.json")
    if not kept or not (entry / "lite").is_dir():
        return None
    try:
        shutil.copytree(entry / "lite", out, copy_function=_link_or_copy)
    except OSError:
        shutil.rmtree(out, ignore_errors=True)
        return None
    if tree_digest(out) != kept.get("output"):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(entry, ignore_errors=True)
        return None
    os.utime(entry / "stamp.json")  # recently used: kept longest
    return kept


def keep(cache: Path | None, stamp: dict, out: Path) -> None:
    """Keeps `out`, just built from scratch and described by stamp (with its "output"), for later builds."""
    if cache is None or not enabled():
        return
    root, key = cache / FOLDER, bundle_key(stamp)
    entry, partial = root / key, root / f"{key}.partial"
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        shutil.copytree(out, partial / "lite", copy_function=_link_or_copy)
        write_text(partial / "stamp.json", json.dumps(stamp))
        shutil.rmtree(entry, ignore_errors=True)
        partial.replace(entry)
    except OSError:  # e.g. a full or read-only cache: only the next cold build is slower
        shutil.rmtree(partial, ignore_errors=True)
        return
    entries = sorted((p for p in root.iterdir() if (p / "stamp.json").is_file()),
                     key=lambda p: (p / "stamp.json").stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
