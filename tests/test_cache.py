"""The download cache is verified whenever it is used: an altered file is never shipped to readers."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest

from conftest import copy_sample
from mystlite.errors import MystliteError
from mystlite.log import Reporter
from mystlite.site import build_site

pytestmark = pytest.mark.build
PYODIDE = "lite/static/pyodide"


def build(root: Path, cache: Path, reporter: Reporter | None = None):
    return build_site(root, reporter or Reporter(quiet=True), cache_dir=cache)


@pytest.fixture
def cache_copy(tmp_path, download_cache, built_sample):
    """A private copy of the filled download cache, safe to tamper with (built_sample fills the real one)."""
    copy = tmp_path / "cache"
    shutil.copytree(download_cache, copy, ignore=shutil.ignore_patterns("*.partial", "tmp*", "lite-bundles"))
    return copy


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def warnings_of(reporter: Reporter) -> str:
    return "\n".join(reporter.warnings)


def test_an_altered_extracted_core_is_extracted_again(tmp_path, cache_copy, built_sample):
    core = next(cache_copy.glob("pyodide/*/files"))
    (core / "pyodide.asm.mjs").write_text("/* altered */")
    reporter = Reporter(quiet=True)
    site = build(copy_sample(tmp_path / "site"), cache_copy, reporter)
    assert "not match what was extracted" in warnings_of(reporter)
    assert sha(site.output / PYODIDE / "pyodide.asm.mjs") == sha(built_sample.output / PYODIDE / "pyodide.asm.mjs")


def test_an_altered_bytecode_zip_is_compiled_again(tmp_path, cache_copy, built_sample):
    from mystlite.pyodide.bytecode import compiled_stdlib

    # the zip this build uses (the cache may hold others, made from older inputs)
    stdlib = compiled_stdlib(next(cache_copy.glob("pyodide/*/files")), cache_copy, Reporter(quiet=True)).zip
    with zipfile.ZipFile(stdlib, "a") as archive:
        archive.writestr("evil.py", "print('altered')")
    reporter = Reporter(quiet=True)
    site = build(copy_sample(tmp_path / "site"), cache_copy, reporter)
    assert "compiling it again" in warnings_of(reporter)
    shipped = site.output / PYODIDE / "python_stdlib.zip"
    assert sha(shipped) == sha(built_sample.output / PYODIDE / "python_stdlib.zip")


def test_a_wheel_altered_with_its_record_is_downloaded_again(tmp_path, cache_copy, built_sample):
    wheel = next(cache_copy.glob("wheels/micropip-*.whl"))
    original = sha(wheel)
    files = {}
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            files[info.filename] = archive.read(info)
    name = next(n for n in files if n.endswith("micropip/__init__.py"))
    files[name] += b"\nimport os; os.system('steal')\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for n, data in files.items():
            archive.writestr(n, data)
    wheel.with_name(wheel.name + ".sha256").write_text(sha(wheel))  # the record altered to match
    site = build(copy_sample(tmp_path / "site"), cache_copy)
    assert sha(site.output / PYODIDE / wheel.name) == original == sha(built_sample.output / PYODIDE / wheel.name)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def http_folder():
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_downloaded_distribution_is_pinned_by_sha256(tmp_path, cache_copy, http_folder):
    core = next(cache_copy.glob("pyodide/*/files"))
    served = tmp_path / "served"
    (served / "pyodide").mkdir(parents=True)
    for path in core.iterdir():
        if path.name != "manifest.json":
            shutil.copy(path, served / "pyodide" / path.name)
    subprocess.run(["tar", "cjf", str(served / "dist.tar.bz2"), "-C", str(served), "pyodide"], check=True)
    digest = sha(served / "dist.tar.bz2")
    url = f"{http_folder(served)}/dist.tar.bz2"
    root = copy_sample(tmp_path / "site")
    config = (root / "myst.yml").read_text()

    (root / "myst.yml").write_text(config.replace("mystlite:\n", f"mystlite:\n  pyodide: {url}#sha256={'0' * 64}\n"))
    with pytest.raises(MystliteError, match=f"the download of {url} has sha256 {digest}, not the 0000"):
        build(root, cache_copy)

    (root / "myst.yml").write_text(config.replace("mystlite:\n", f"mystlite:\n  pyodide: {url}#sha256={digest}\n"))
    assert build(root, cache_copy).offline
    # the cached download is altered: it is fetched again rather than used
    cached = next(cache_copy.glob("distributions/*/dist.tar.bz2"))
    cached.write_bytes(b"altered")
    (root / "index.md").write_text((root / "index.md").read_text() + "\nMore.\n")
    reporter = Reporter(quiet=True)
    build(root, cache_copy, reporter)
    assert "does not match its sha256; downloading it again" in warnings_of(reporter)
    assert sha(cached) == digest

    # a wheel of the distribution altered after unpacking is refused by its sha256 in the lock
    unpacked = cache_copy / "distributions" / f"unpacked-{digest[:16]}"
    lock_file = next(unpacked.rglob("pyodide-lock.json"))
    lock = json.loads(lock_file.read_text())
    entry = lock["packages"]["micropip"]
    wheel = next(cache_copy.glob("wheels/micropip-*.whl"))
    shutil.copy(wheel, lock_file.parent / entry["file_name"])
    with pytest.raises(MystliteError, match="does not match its sha256 in pyodide-lock.json"):
        build(root, cache_copy)


def test_a_remembered_digest_is_forgotten_when_the_file_is_written_even_with_its_size_and_time_kept(tmp_path):
    """file_digest remembers a still file's digest for the process (serve --watch would hash the same
    unchanged files on every rebuild); a write that keeps size and mtime still changes the ctime, and with it
    the digest given."""
    import os
    import time

    from mystlite.files import STILL_NS, file_digest

    path = tmp_path / "data.csv"
    path.write_text("a,1\n")
    fresh = file_digest(path)
    path.write_text("a,2\n")  # just written: never remembered, whatever the clock's resolution
    assert file_digest(path) != fresh
    time.sleep(STILL_NS / 1e9 + 0.2)
    still = file_digest(path)
    stat = path.stat()
    path.write_text("a,3\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert file_digest(path) != still


def test_digests_carry_to_the_next_build_only_for_files_unchanged_since(tmp_path, monkeypatch):
    """files.keep writes what a build hashed; files.recall gives it to the next process (here: the memory of
    this one emptied), which reads again only files written since. Hard links share one entry."""
    import os
    import time

    from mystlite import files

    monkeypatch.setattr(files, "_remembered", {})
    monkeypatch.setattr(files, "_touched", set())
    monkeypatch.setattr(files, "_recalled", set())
    reads = []
    real = files._file_digest
    monkeypatch.setattr(files, "_file_digest", lambda path, algorithm: reads.append(path.name) or real(path, algorithm))
    kept, edited, linked, fresh = (tmp_path / name for name in ("kept.whl", "edited.whl", "linked.whl", "fresh.whl"))
    kept.write_bytes(b"kept")
    edited.write_bytes(b"old!")
    time.sleep(files.STILL_NS / 1e9 + 0.2)
    os.link(kept, linked)  # (a link sets the ctime of both names)
    time.sleep(files.STILL_NS / 1e9 + 0.2)
    fresh.write_bytes(b"new")  # just written: not remembered, as within a process
    first = {path.name: files.file_digest(path) for path in (kept, edited, fresh)}
    assert files.file_digest(linked) == first["kept.whl"]
    assert reads == ["kept.whl", "edited.whl", "fresh.whl"]
    record = tmp_path / "remembered.json"
    files.keep(record)

    monkeypatch.setattr(files, "_remembered", {})  # the next build: a new process
    monkeypatch.setattr(files, "_touched", set())
    monkeypatch.setattr(files, "_recalled", set())
    stat = edited.stat()
    edited.write_bytes(b"new!")
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and mtime: only the ctime tells
    files.recall(record)
    reads.clear()
    assert {path.name: files.file_digest(path) for path in (kept, edited, fresh)} == {
        **first, "edited.whl": real(edited, "sha256")}
    assert files.file_digest(linked) == first["kept.whl"]
    assert reads == ["edited.whl", "fresh.whl"]
    record.write_text("{not json")  # a damaged record is no record
    monkeypatch.setattr(files, "_remembered", {})
    monkeypatch.setattr(files, "_recalled", set())
    files.recall(record)
    reads.clear()
    files.file_digest(kept)
    assert reads == ["kept.whl"]
