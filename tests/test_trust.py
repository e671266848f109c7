"""The build's promises: kills and concurrent builds never publish a half-built site, user data is never
deleted, publishing is crash-safe, and what was killed is cleaned up by the next build."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import copy_sample
from edits import clean_copy, differences, digests
from mystlite.errors import MystliteError
from mystlite.log import Reporter
from mystlite.publish import MARKER, previous_path, publish, staging_path
from mystlite.site import build_site

pytestmark = pytest.mark.build


def build(root: Path, cache: Path):
    return build_site(root, Reporter(quiet=True), cache_dir=cache)


def cli_build(root: Path, cache: Path, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mystlite", "build", str(root), "--cache-dir", str(cache)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def processes_under(folder: Path) -> list[str]:
    """Live processes whose command line or working folder is inside folder (node for mystmd, say)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
            state = next(l for l in (entry / "status").read_text().splitlines() if l.startswith("State:"))
        except (OSError, StopIteration):
            continue
        if "zombie" in state:
            continue
        if str(folder) in cmdline or cwd.startswith(str(folder)):
            found.append(f"{entry.name}: {cmdline.strip()[:120]}")
    return found


def test_kill_9_at_any_moment_leaves_the_old_output_and_no_orphans(tmp_path, download_cache):
    root = copy_sample(tmp_path / "site")
    old = digests(build(root, download_cache).output)
    index = root / "index.md"
    outcomes = []
    # kill moments spread over a build that runs mystmd and JupyterLite (both redo their work: a page and
    # the drive changed), from start-up to publishing
    for n, delay in enumerate([0.3, 0.7, 1.0, 1.4, 1.8, 2.2, 2.6]):
        index.write_text(index.read_text() + f"\nEdit {n}.\n")
        (root / "data" / f"added-{n}.txt").write_text(f"{n}\n")
        child = cli_build(root, download_cache)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.communicate()
        time.sleep(0.3)  # the kernel delivers the children's death signal
        assert processes_under(tmp_path) == [], f"orphans after kill at {delay}s"
        now = digests(root / "_build" / "html")
        # either the previous output, whole, or the new one, whole: never a mixture or nothing
        assert now == old or ("index.html" in now and now.get("lite/jupyter-lite.json")), f"kill at {delay}s"
        outcomes.append("old" if now == old else "new")
        old = now
    finished = build(root, download_cache).output
    clean = build(clean_copy(root, tmp_path / "clean"), download_cache).output
    assert differences(digests(finished), digests(clean)) == []
    assert not staging_path(finished).exists() and not previous_path(finished).exists()
    assert "old" in outcomes  # at least one kill landed mid-build


def test_a_pages_failure_after_the_lite_bundle_was_placed_leaves_the_old_output(tmp_path, download_cache):
    """The lite bundle is placed in the staging folder while mystmd still builds the pages: when the pages
    then fail, the staging folder goes, and the output is the previous one, byte for byte."""
    root = copy_sample(tmp_path / "site")
    old = digests(build(root, download_cache).output)
    (root / "data" / "added.txt").write_text("a new drive file: the lite bundle changes too\n")
    (root / "about.md").write_text((root / "about.md").read_text() + "\nSee [](#no-such-label).\n")
    with pytest.raises(MystliteError, match=r"about\.md:\d+: No target for internal reference"):
        build_site(root, Reporter(quiet=True), cache_dir=download_cache, strict=True)
    output = root / "_build" / "html"
    assert digests(output) == old
    assert not staging_path(output).exists() and not previous_path(output).exists()
    # without --strict the same project builds, with the new drive file published
    assert "lite/files/data/added.txt" in digests(build(root, download_cache).output)


def test_two_builds_at_once_wait_for_each_other(tmp_path, download_cache):
    root = copy_sample(tmp_path / "site")
    for trial in range(2):
        (root / "index.md").write_text((root / "index.md").read_text() + f"\nTrial {trial}.\n")
        first, second = cli_build(root, download_cache), cli_build(root, download_cache)
        results = [p.communicate() + (p.returncode,) for p in (first, second)]
        assert [code for _, _, code in results] == [0, 0], results
        assert any("waiting for another build of this project" in err for _, err, _ in results), results
        clean = build(clean_copy(root, tmp_path / f"clean-{trial}"), download_cache).output
        assert differences(digests(root / "_build" / "html"), digests(clean)) == []


def test_a_foreign_non_empty_output_folder_is_never_replaced(tmp_path, download_cache):
    root = copy_sample(tmp_path / "site")
    theirs = root.parent / "theirs"
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("years of work")
    (root / "myst.yml").write_text((root / "myst.yml").read_text() + "  output: ../theirs\n")
    with pytest.raises(MystliteError, match=r"myst.yml:\d+: mystlite.output: .*theirs is not empty and was not "
                                            r"written by mystlite"):
        build(root, download_cache)
    assert [p.name for p in theirs.iterdir()] == ["thesis.tex"]
    (theirs / "thesis.tex").unlink()  # an empty folder may be used, and then carries the marker
    site = build(root, download_cache)
    assert (site.output / MARKER).is_file() and (site.output / "index.html").is_file()


def test_publish_keeps_user_files_and_recovers_from_a_crash_between_renames(tmp_path):
    parts = tmp_path / "built"
    parts.mkdir()
    (parts / "index.html").write_text("new")
    output = tmp_path / "out"
    reporter = Reporter(quiet=True)
    assert publish({"": parts}, output, reporter)
    assert sorted(p.name for p in output.iterdir()) == [MARKER, "index.html"]
    assert not publish({"": parts}, output, reporter)  # unchanged: nothing to do

    # a crash between the two renames of the fallback swap: the output is gone, the old one moved aside
    output.replace(previous_path(output))
    (parts / "index.html").write_text("newer")
    assert publish({"": parts}, output, reporter)
    assert (output / "index.html").read_text() == "newer" and not previous_path(output).exists()

    # a killed build's staging folder is ours (it carries the marker) and is removed
    staging = staging_path(output)
    staging.mkdir()
    (staging / MARKER).write_text("")
    (staging / "half.html").write_text("half")
    (parts / "index.html").write_text("newest")
    assert publish({"": parts}, output, reporter)
    assert not staging.exists()

    # a folder of that name that is not ours is left alone, and the build says so
    staging.mkdir()
    (staging / "notes.txt").write_text("mine")
    (parts / "index.html").write_text("again")
    with pytest.raises(MystliteError, match="in the way and was not written by mystlite"):
        publish({"": parts}, output, reporter)
    assert (staging / "notes.txt").read_text() == "mine"
    assert (output / "index.html").read_text() == "newest"


def test_an_output_from_an_earlier_mystlite_without_marker_is_still_replaced(tmp_path, download_cache):
    root = copy_sample(tmp_path / "site")
    site = build(root, download_cache)
    (site.output / MARKER).unlink()
    (root / "_build" / ".mystlite" / "published.json").write_text(f'{{"built": {{"output": "{site.output}"}}}}')
    (root / "index.md").write_text((root / "index.md").read_text() + "\nMore.\n")
    assert build(root, download_cache).changed and (site.output / MARKER).is_file()
