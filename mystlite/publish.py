"""The built parts → the output folder, crash-safe and never deleting what mystlite did not write.

The new output is assembled in a staging folder beside the old one and exchanged with it in one atomic
step (renameat2 RENAME_EXCHANGE on Linux), so at every instant the output path holds a complete site,
the old or the new. A marker file says a folder is mystlite's: a non-empty folder without it is never
replaced, and leftovers of a killed build are removed only when they carry it.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .errors import MystliteError
from .files import file_digest, folders_of, in_parallel, make_folders, tree_digest
from .log import Reporter

MARKER = ".mystlite-output"
MARKER_TEXT = b"This folder is written by `mystlite build`, which replaces all of it on every build.\n"
# Legacy font formats in JupyterLite's build: every browser that runs pyodide takes the woff2 beside them.
NOT_PUBLISHED = re.compile(r"^lite/build/fa-[a-z]+-\d+\.(eot|ttf|svg)$")


def staging_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.staging")


def previous_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.previous")


def is_ours(folder: Path) -> bool:
    return (folder / MARKER).is_file()


def output_problem(output: Path, legacy_record: Path | None = None) -> str | None:
    """Why output cannot be written, or None. `legacy_record` is the record of an earlier mystlite that
    wrote no marker: the folder it names is ours too."""
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        return f"{output} exists and is not a folder"
    if output.is_dir() and os.path.ismount(output):  # a mount point cannot be renamed: EBUSY at the exchange
        return (f"{output} is a mount point; every build replaces the output folder whole, which a mount point "
                f"cannot be (use a folder inside it)")
    if output.is_dir() and not is_ours(output) and any(output.iterdir()):
        if legacy_record is not None and legacy_record.is_file() and str(output) in legacy_record.read_text():
            return None
        return (f"{output} is not empty and was not written by mystlite; it is never replaced "
                f"(empty it, or choose another folder)")
    return None


# Files built in memory or gathered from elsewhere, not a folder: relative path -> (bytes or a file, sha256)
Files = dict[str, tuple["Path | bytes", str]]


def files_of(sources: dict[str, Path | bytes]) -> Files:
    """Files with their sha256 (a file's is remembered while it is unchanged)."""
    return {rel: (source, _digest_bytes(source) if isinstance(source, bytes) else file_digest(source))
            for rel, source in sources.items()}


def _sources(parts: dict[str, Path | Files]) -> Files:
    """Every file to publish: its path in the output -> (the built file or bytes, its sha256)."""
    files = {}
    for prefix, part in sorted(parts.items()):  # (prefixes are distinct: the parts themselves are never compared)
        found = ({rel: (part / rel, digest) for rel, digest in tree_digest(part).items()}
                 if isinstance(part, Path) else part)
        for rel, item in found.items():
            out_rel = f"{prefix}/{rel}".lstrip("/")
            if not NOT_PUBLISHED.match(out_rel) and out_rel != MARKER:
                files[out_rel] = item
    return files


def recover(output: Path) -> None:
    """Clean what a killed build left: a staging folder, and an old output moved aside (put back when the
    output itself is missing, which only the fallback without an atomic exchange can leave)."""
    previous, staging = previous_path(output), staging_path(output)
    if not output.exists() and previous.is_dir() and is_ours(previous):
        previous.replace(output)
    for leftover in (staging, previous):
        if leftover.is_dir() and (is_ours(leftover) or not any(leftover.iterdir())):
            shutil.rmtree(leftover)


class Publication:
    """An output being assembled in its staging folder: parts are placed as they become ready (the lite
    bundle while mystmd still builds the pages), then the whole is swapped in by finish(). A file's first
    placement wins. With `precompressed_cache`, text and wasm files get .gz and .br copies beside them (see
    precompress.py). `legacy_record` is the record of an earlier mystlite that wrote no marker."""

    def __init__(self, output: Path, reporter: Reporter, legacy_record: Path | None = None,
                 precompressed_cache: Path | None = None):
        self.output, self.reporter = output, reporter
        self.legacy_record, self.precompressed_cache = legacy_record, precompressed_cache
        self.staging = staging_path(output)
        self.old: dict[str, str] | None = None  # the current output's digests, once staging has begun
        self.wanted: dict[str, str] = {MARKER: _digest_bytes(MARKER_TEXT)}
        self._early: Future | None = None
        self._expected: set[str] = set()  # folders made before their files were known (add_early)

    def add(self, parts: dict[str, Path | Files], replaced_whole: bool = False) -> None:
        """Place the files of these parts (output sub-folder -> a built folder, or Files) in the staging
        folder. `replaced_whole`: the parts' folders are only ever replaced, never written in place, so the
        output may share their files (a hard link costs 1% of a copy)."""
        sources = {rel: item for rel, item in _sources(parts).items() if rel not in self.wanted}
        if self.precompressed_cache is not None:
            from .precompress import sidecars

            sources.update(sidecars(sources, self.precompressed_cache, self.reporter))
        self._begin()
        make_folders(self.staging, sources)
        places = []
        for rel, (source, digest) in sources.items():
            self.wanted[rel] = digest
            unchanged = self.output / rel if self.old.get(rel) == digest else None
            shared = source if replaced_whole and isinstance(source, Path) else None
            places.append((source, self.staging / rel, unchanged or shared))
        in_parallel(lambda place: _place(*place), places)

    def add_early(self, parts: dict[str, Path], replaced_whole: bool = False, expected: list[str] = ()) -> None:
        """add() in a thread of its own, while the build goes on; finish() waits for it. The parts' folders
        must not change any more. `expected`: files likely added later (the last build's pages), whose
        folders are made meanwhile too (making a folder costs as much as writing a file); finish() removes
        those left empty."""
        self._expected = folders_of(expected)

        def early() -> None:
            self.add(parts, replaced_whole)
            make_folders(self.staging, expected)

        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish")
        self._early = pool.submit(early)
        pool.shutdown(wait=False)

    def finish(self, parts: dict[str, Path | Files]) -> bool:
        """Add the last parts (see add) and make the output hold exactly what was added (plus the marker).
        Returns False when it already did."""
        try:
            self._wait_early()
            with self.reporter.step(f"writing {self.output}"):
                self.add(parts)
                for folder in sorted(self._expected - folders_of(self.wanted), key=len, reverse=True):
                    (self.staging / folder).rmdir()  # expected, and left empty: a page that is gone
                if self.old == self.wanted:
                    shutil.rmtree(self.staging)
                    changed = False
                else:
                    _swap(self.staging, self.output)
                    changed = True
        except BaseException:
            self.abandon()
            raise
        if not changed:
            self.reporter.info(f"up to date: {self.output}")
        return changed

    def abandon(self) -> None:
        """A failed build leaves nothing of its own beside the output."""
        try:
            self._wait_early()
        except BaseException:
            pass
        if self.old is not None and self.staging.is_dir():
            shutil.rmtree(self.staging, ignore_errors=True)

    def _wait_early(self) -> None:
        early, self._early = self._early, None
        if early is not None:
            early.result()

    def _begin(self) -> None:
        if self.old is not None:
            return
        recover(self.output)
        problem = output_problem(self.output, self.legacy_record)
        if problem:
            raise MystliteError(problem)
        if self.staging.exists():
            raise MystliteError(f"{self.staging} is in the way and was not written by mystlite; remove it")
        old = tree_digest(self.output)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir()
        self.old = old
        (self.staging / MARKER).write_bytes(MARKER_TEXT)  # first: a leftover staging folder is known to be ours


def publish(parts: dict[str, Path], output: Path, reporter: Reporter, legacy_record: Path | None = None,
            precompressed_cache: Path | None = None) -> bool:
    """Make output hold exactly the built parts (plus the marker), in one go. Returns False when it already
    did."""
    return Publication(output, reporter, legacy_record, precompressed_cache).finish(parts)


def _digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _place(source: Path | bytes, dest: Path, link_from: Path | None) -> None:
    """Hard-link `link_from`: an unchanged file of the old output (which we never write in place) or a built
    file that is only ever replaced. Else write or copy, so that the output shares no inode with a folder
    whose files may be rewritten in place. dest's folder exists."""
    if link_from is not None:
        try:
            os.link(link_from, dest)
            return
        except OSError:  # another file system, or links not supported
            pass
    if isinstance(source, bytes):
        dest.write_bytes(source)
    else:
        shutil.copyfile(source, dest)


def _swap(staging: Path, output: Path) -> None:
    """Put staging at output. With an atomic exchange the old output is never missing."""
    if not output.exists():
        staging.replace(output)
        return
    if _exchange(staging, output):
        shutil.rmtree(staging)  # now the old output
        return
    previous = previous_path(output)
    output.replace(previous)  # a crash here leaves `previous`, which recover() puts back
    staging.replace(output)
    shutil.rmtree(previous)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2). False where the OS or file system has no such call."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
