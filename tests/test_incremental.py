"""Incremental ≡ clean: after random sequences of author edits, a rebuild gives the bytes of a clean build."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from conftest import copy_sample
from edits import EDITS, clean_copy, differences, digests
from mystlite.log import Reporter
from mystlite.site import build_site

pytestmark = pytest.mark.build
SEQUENCE = 3  # edits between two comparisons


def build(root: Path, cache: Path):
    return build_site(root, Reporter(quiet=True), cache_dir=cache)


def test_incremental_build_equals_clean_build_after_random_edits(tmp_path, download_cache):
    # every kind of edit once, in a random order, compared with a clean build after every SEQUENCE edits;
    # MYSTLITE_EDIT_SEED replays a failure (bench/incremental_equals_clean.py runs longer sequences)
    seed = int(os.environ.get("MYSTLITE_EDIT_SEED") or random.randrange(10**9))
    rng = random.Random(seed)
    root = copy_sample(tmp_path / "edited")
    build(root, download_cache)
    edits = list(EDITS)
    rng.shuffle(edits)
    applied: list[str] = []
    for start in range(0, len(edits), SEQUENCE):
        applied += [edit(root, rng) for edit in edits[start:start + SEQUENCE]]
        incremental = build(root, download_cache).output
        clean = build(clean_copy(root, tmp_path / f"clean-{start}"), download_cache).output
        diff = differences(digests(incremental), digests(clean))
        assert diff == [], f"MYSTLITE_EDIT_SEED={seed}, after {applied}: these files differ: {diff[:8]}"
    assert len(applied) == len(EDITS)


def test_a_change_of_the_drive_alone_redoes_only_the_contents(tmp_path, download_cache):
    """A notebook edited, a data file added, then deleted: JupyterLite's contents are redone on the last output
    (no full JupyterLite build), and each time the site's bytes equal a clean build's. A wheel rebuilt is more
    than contents: everything is redone."""
    import random as _random

    from edits import add_file, delete_file, edit_data_same_size, edit_notebook, rebuild_wheel

    rng = _random.Random(7)
    root = copy_sample(tmp_path / "edited")
    assert build(root, download_cache).lite_redone == "everything"
    assert build(root, download_cache).lite_redone == "nothing"
    for step, edit in enumerate([edit_notebook, add_file, edit_data_same_size, delete_file]):
        what = edit(root, rng)
        site = build(root, download_cache)
        assert site.lite_redone == "contents", what
        clean = build(clean_copy(root, tmp_path / f"clean-{step}"), download_cache).output
        diff = differences(digests(site.output), digests(clean))
        assert diff == [], f"after {what}: these files differ: {diff[:8]}"
    rebuild_wheel(root, rng)
    assert build(root, download_cache).lite_redone == "everything"


def test_a_cold_build_starts_from_the_bundle_an_earlier_build_kept(tmp_path, download_cache, monkeypatch):
    """A build with no output of its own (a fresh clone, CI with its cache restored) takes the JupyterLite
    bundle an earlier build of the same inputs kept in the download cache, and redoes only the contents on it:
    the site's bytes equal a build from scratch. A kept bundle whose files were changed is never used."""
    import random as _random
    import shutil

    from edits import edit_notebook
    from mystlite.lite.shared import FOLDER

    shutil.rmtree(download_cache / FOLDER, ignore_errors=True)  # (one left by an earlier run of this test)
    monkeypatch.setenv("MYSTLITE_LITE_CACHE", "1")
    first = build(copy_sample(tmp_path / "first"), download_cache)
    assert first.lite_redone == "everything"
    assert len(list((download_cache / FOLDER).iterdir())) == 1

    same = build(clean_copy(first.output.parent.parent, tmp_path / "same"), download_cache)
    assert same.lite_redone == "nothing"  # the kept bundle as it is
    assert differences(digests(same.output), digests(first.output)) == []

    edited = clean_copy(first.output.parent.parent, tmp_path / "edited")
    edit_notebook(edited, _random.Random(3))
    reference = clean_copy(edited, tmp_path / "reference")
    site = build(edited, download_cache)
    assert site.lite_redone == "contents"
    monkeypatch.setenv("MYSTLITE_LITE_CACHE", "0")
    scratch = build(reference, download_cache)
    assert scratch.lite_redone == "everything"
    assert differences(digests(site.output), digests(scratch.output)) == []

    monkeypatch.setenv("MYSTLITE_LITE_CACHE", "1")
    entry = next((download_cache / FOLDER).iterdir())
    config = entry / "lite" / "jupyter-lite.json"
    text = config.read_text()
    config.unlink()  # (a hard link to the first build's file: replaced, not written through)
    config.write_text(text.replace("{", "{ ", 1))
    again = build(clean_copy(first.output.parent.parent, tmp_path / "again"), download_cache)
    assert again.lite_redone == "everything"  # the changed bundle was dropped, and JupyterLite built anew
    assert differences(digests(again.output), digests(first.output)) == []


def test_an_output_file_written_in_place_is_put_right_by_the_next_build(tmp_path, download_cache, monkeypatch):
    """The output shares its files with the work folder and the bundles kept in the download cache (hard
    links: mystlite only ever replaces those files). A tool that writes an output file in place writes them
    all; the next build sees it, and its site and a fresh project's both give the bytes of a clean build."""
    monkeypatch.setenv("MYSTLITE_LITE_CACHE", "1")
    root = copy_sample(tmp_path / "one")
    first = build(root, download_cache)
    good = digests(first.output)
    written = ["index.html", "lite/jupyter-lite.json", "lite/static/pyodide/pyodide-lock.json"]
    for rel in written:
        with open(first.output / rel, "r+b") as handle:  # in place: the same inode
            handle.write(b"<!-- changed -->")
    assert all(digests(first.output)[rel] != good[rel] for rel in written)
    again = build(root, download_cache)
    assert again.changed
    assert differences(digests(again.output), good) == []
    fresh = build(clean_copy(root, tmp_path / "fresh"), download_cache)
    assert differences(digests(fresh.output), good) == []
