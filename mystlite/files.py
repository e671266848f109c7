"""Mirror a {relative path: file or bytes} mapping into a folder, touching only what changed.

Unchanged files keep their bytes and times, so the doit tasks downstream stay up to date.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator, NamedTuple

# mystlite's work folder inside a project: staged inputs, intermediate builds, records and the build lock.
WORK_DIR = "_build/.mystlite"
LEGACY_RECORD = "published.json"  # in WORK_DIR, written by mystlite 0.1 before outputs had a marker
REMEMBERED = "remembered.json"  # in WORK_DIR: file digests for the next build (recall, keep)
# Never part of a project's content: build output, dependencies and caches (hidden names are skipped too).
SKIPPED_DIRS = frozenset({"_build", "node_modules", "__pycache__", "site-packages"})


def is_skipped(rel: Path) -> bool:
    """True for a relative path under a hidden name or one of SKIPPED_DIRS."""
    return any(part.startswith(".") or part in SKIPPED_DIRS for part in rel.parts)


def project_files(root: Path, exclude: Path | None = None, links: list[Path] | None = None) -> Iterator[Path]:
    """Every file of a project folder in a stable order, without hidden names and SKIPPED_DIRS.
    `exclude` is one more folder to leave out (a resolved path, such as a custom output folder).
    Symlinked folders are not entered; when `links` is given, they are appended to it."""
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not is_skipped(Path(d))
                         and (exclude is None or (here / d).resolve() != exclude))
        if links is not None:
            links.extend(here / d for d in dirs if (here / d).is_symlink())
        for name in sorted(names):
            # a broken or looping symlink is no content (contents name it as an error themselves)
            if not name.startswith(".") and (here / name).exists():
                yield here / name
            elif links is not None and (here / name).is_symlink():
                links.append(here / name)


class Link(NamedTuple):
    """A symbolic link to `target`, for sync_folder (a JavaScript plugin must resolve its imports from where
    it really lives)."""

    target: Path


def _same(dest: Path, source: Path | bytes | Link) -> bool:
    if isinstance(source, Link):
        return dest.is_symlink() and os.readlink(dest) == str(source.target)
    if dest.is_symlink() or not dest.is_file():
        return False
    if isinstance(source, bytes):
        return dest.stat().st_size == len(source) and dest.read_bytes() == source
    if dest.stat().st_size != source.stat().st_size or _executable(dest) != _executable(source):
        return False
    if os.path.samefile(dest, source):
        return True
    with dest.open("rb") as a, source.open("rb") as b:
        while True:
            block = a.read(1 << 20)
            if block != b.read(1 << 20):
                return False
            if not block:
                return True


def write_if_changed(dest: Path, source: Path | bytes) -> bool:
    """Replace dest with source (a file or bytes) unless it already holds the same bytes."""
    if _same(dest, source):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".mystlite-tmp")
    tmp.unlink(missing_ok=True)
    if isinstance(source, Link):
        tmp.symlink_to(source.target)
    elif isinstance(source, bytes):
        tmp.write_bytes(source)
    else:
        shutil.copyfile(source, tmp)
        if _executable(source):  # executable plugins must stay executable in the mystmd mirror
            tmp.chmod(tmp.stat().st_mode | 0o111)
    tmp.replace(dest)
    return True


# Creating a file or a folder is mostly waiting on the file system, with the GIL released: on a virtual disk
# each takes about 0.8 ms alone and a quarter of that four at a time. Linking an existing file takes 0.01 ms.
WRITERS = 4
_IN_PARALLEL_FROM = 8  # fewer items than this are not worth the threads


def in_parallel(work, items) -> list:
    """[work(item) for item in items], WRITERS at a time (for file system work); the first error is raised."""
    items = list(items)
    if len(items) < _IN_PARALLEL_FROM:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="write") as pool:
        return list(pool.map(work, items))


def folders_of(rels) -> set[str]:
    """The folders (relative, "a" and "a/b" for "a/b/c") that the relative file paths `rels` lie in."""
    folders = set()
    for rel in rels:
        parts = Path(rel).parts[:-1]
        folders.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return folders


def make_folders(root: Path, rels) -> None:
    """Create the folders below root that the relative file paths `rels` lie in, those of a depth at once."""
    by_depth: dict[int, list[str]] = {}
    for folder in sorted(folders_of(rels)):
        by_depth.setdefault(folder.count("/"), []).append(folder)
    for depth in sorted(by_depth):
        missing = [root / rel for rel in by_depth[depth] if not (root / rel).is_dir()]
        in_parallel(lambda path: path.mkdir(exist_ok=True), missing)


def _executable(path: Path) -> bool:
    return bool(path.stat().st_mode & 0o100)


def sync_folder(folder: Path, wanted: dict[str, Path | bytes | Link], keep: tuple[str, ...] = (),
                changes: list[tuple[str, str]] | None = None) -> int:
    """Make folder hold exactly `wanted` (relative paths in `keep`, and what is below them, are left alone);
    returns the change count. `changes` collects ("added" | "changed" | "removed", relative path)."""
    folder.mkdir(parents=True, exist_ok=True)
    make_folders(folder, wanted)

    def write(item: tuple[str, Path | bytes | Link]) -> tuple[bool, bool]:  # (existed, written)
        existed = changes is not None and (folder / item[0]).exists()
        return existed, write_if_changed(folder / item[0], item[1])

    changed = 0
    for rel, (existed, written) in zip(wanted, in_parallel(write, wanted.items())):
        if written:
            changed += 1
            if changes is not None:
                changes.append(("changed" if existed else "added", rel))
    wanted_rels = {os.path.normpath(rel) for rel in wanted}
    # children before their folders, so that a folder emptied here is removed too
    for rel, entry in sorted(_walk(str(folder), keep), key=lambda item: item[0].split("/"), reverse=True):
        if entry.is_dir(follow_symlinks=False):
            try:
                os.rmdir(entry.path)  # only when empty
            except OSError:
                pass
        elif (entry.is_symlink() or entry.is_file()) and rel not in wanted_rels:
            os.unlink(entry.path)
            changed += 1
            if changes is not None:
                changes.append(("removed", rel))
    return changed


def _walk(top: str, keep: tuple[str, ...] = ()) -> list[tuple[str, os.DirEntry]]:
    """(relative posix path, entry) of everything below top, folders included; symlinked folders are listed,
    not entered. Paths in `keep` and below them are left out (not even read)."""
    found, pending = [], [""]
    while pending:
        base = pending.pop()
        try:
            scanner = os.scandir(os.path.join(top, base) if base else top)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with scanner:
            for entry in scanner:
                rel = f"{base}/{entry.name}" if base else entry.name
                if rel in keep or any(rel.startswith(k + "/") for k in keep):
                    continue
                found.append((rel, entry))
                if entry.is_dir(follow_symlinks=False):
                    pending.append(rel)
    return found


STILL_NS = 2_000_000_000  # a file unchanged this long before it was read was not being written meanwhile
# (kind, device, inode) -> (stat key, value): by inode, so that hard links (a kept JupyterLite bundle and its
# copy in the work folder) share one entry
_remembered: dict[tuple[str, int, int], tuple[tuple, object]] = {}
_touched: set[tuple[str, int, int]] = set()  # the entries this process used or made: what `keep` writes
_remembered_here: dict[tuple[str, int, int], tuple[tuple, object]] = {}  # the same, never written out
_recalled: set[Path] = set()  # the records `recall` took in
MEMO_VERSION = 1


def stat_key(stat) -> tuple:
    """What changes whenever a file is written (its ctime: no tool can set that back)."""
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev


def remembered(path: Path | str, kind: str, compute, across_builds: bool = True):
    """compute(path), remembered while the file's stat is unchanged: any write changes its ctime, which no
    tool can set back. Only a file that had been still for STILL_NS when it was read is remembered, so that
    a write in the same clock tick as the read cannot leave the same stat (git's "racily clean" entries).
    Within a process always (serve --watch rebuilds, files a build reads twice); across builds of a project
    through `recall` and `keep`, where `compute` must give a JSON value that depends on the file's bytes
    alone. `across_builds=False`: this process only, for values that are not JSON."""
    store = _remembered if across_builds else _remembered_here
    try:
        before = os.stat(path)
    except OSError:
        return compute(path)
    key = _entry_key(kind, before)
    if key is None:
        return compute(path)
    known = store.get(key)
    if known is not None and known[0] == stat_key(before):
        if across_builds:
            _touched.add(key)
        return known[1]
    started = time.time_ns()
    value = compute(path)
    try:
        still = before.st_ctime_ns < started - STILL_NS and stat_key(os.stat(path)) == stat_key(before)
    except OSError:
        still = False
    if still:
        store[key] = (stat_key(before), value)
        if across_builds:
            _touched.add(key)
    return value


def _entry_key(kind: str, stat) -> tuple[str, int, int] | None:
    """An entry's key, or None on a file system without inode numbers (every file would share one key)."""
    return (kind, stat.st_dev, stat.st_ino) if stat.st_ino else None


def vouch(path: Path, stat, digest: str) -> None:
    """The sha256 of a file, known without reading it: from a record that proves it (fingerprint.py)."""
    key = _entry_key("sha256", stat)
    if key is not None:
        _remembered[key] = (stat_key(stat), digest)
        _touched.add(key)


def recall(record: Path) -> None:
    """Take in what an earlier build remembered (`keep`): its entries are checked by stat when used, like
    this process's own. An unreadable record is no record. Once per record and process: what this process
    wrote to it, it knows already."""
    if record in _recalled:
        return
    _recalled.add(record)
    data = read_json(record)
    if not isinstance(data, dict) or data.get("version") != MEMO_VERSION:
        return
    for entry in data.get("entries") or []:
        try:
            kind, device, inode, key, value = entry
            _remembered.setdefault((kind, device, inode), (tuple(key), value))
        except (TypeError, ValueError):
            continue


def keep(record: Path) -> None:
    """Write the entries this process used or made, for the next build (files it no longer reads drop out)."""
    entries = sorted([*key, list(_remembered[key][0]), _remembered[key][1]] for key in _touched
                     if key in _remembered)
    try:
        write_text(record, json.dumps({"version": MEMO_VERSION, "entries": entries}, separators=(",", ":")))
    except OSError:  # a full disk: the next build reads those files again, and that is all
        pass


def file_digest(path: Path | str, algorithm: str = "sha256") -> str:
    return remembered(path, algorithm, lambda p: _file_digest(p, algorithm))


def _file_digest(path: Path | str, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digest_record(path: Path) -> Path:
    """Where the sha256 of a made or downloaded cache file is recorded, beside it."""
    return path.with_name(path.name + ".sha256")


def _digests(paths: tuple[Path, ...]) -> str:
    return " ".join(file_digest(path) for path in paths)


def matches_record(path: Path, *made_with: Path) -> bool:
    """A cache file (and the files made with it, recorded together) that is there and still has the digests
    recorded when it was made."""
    record = digest_record(path)
    files = (path, *made_with)
    return all(f.is_file() for f in files) and record.is_file() and record.read_text().strip() == _digests(files)


def record_digest(path: Path, *made_with: Path) -> None:
    write_text(digest_record(path), _digests((path, *made_with)))


def read_json(path: Path):
    """A record or stamp written by us, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_text(path: Path, text: str) -> None:
    """Write a whole file atomically (a kill never leaves half a record)."""
    write_if_changed(path, text.encode())


def tree_files(folder: Path) -> list[tuple[str, str]]:
    """(relative posix path, path) of every file below folder (symlinks to files too, not symlinked folders),
    in path order; none when it is not a folder."""
    if not folder.is_dir():
        return []
    files = [(rel, entry.path) for rel, entry in _walk(str(folder)) if entry.is_file()]
    return sorted(files, key=lambda item: item[0].split("/"))


def tree_digest(folder: Path) -> dict[str, str]:
    """{relative path: sha256} of every file of tree_files. Content, not size and mtime: jupyterlite clamps
    file times, so an edit that keeps a file's size would otherwise look unchanged."""
    return {rel: file_digest(path) for rel, path in tree_files(folder)}
