"""The mystmd fix mystlite carries (mystlite/pages/mystpatch.py): applied only to the pinned bundle, to a copy in
the cache; it changes nothing in the site data (stock and patched mystmd build the same project alike)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mystlite.pages.mystpatch import PatchDoesNotApply, apply_patch, installed_bundle, myst_script

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench" / "mystmd"))
sys.path.insert(0, str(REPO / "bench"))

PATCH = "--- a/x\n+++ b/x\n@@ -2,2 +2,3 @@\n two\n+two and a half\n three\n"


def test_a_hunk_applies_where_its_lines_are_and_nowhere_else():
    assert apply_patch("one\ntwo\nthree\nfour\n", PATCH) == "one\ntwo\ntwo and a half\nthree\nfour\n"
    with pytest.raises(PatchDoesNotApply):
        apply_patch("one\nTWO\nthree\n", PATCH)


def test_the_pinned_mystmd_is_patched_in_the_cache_and_the_installed_one_never(tmp_path):
    before = installed_bundle().read_bytes()
    script = myst_script(tmp_path)
    assert script != installed_bundle() and tmp_path in script.parents  # .ci/setup installs the pinned mystmd
    assert "the project's export list is not needed" in script.read_text()
    assert installed_bundle().read_bytes() == before
    assert myst_script(tmp_path) == script  # made once, then verified and reused
    script.write_text(script.read_text() + "// mystlite-test-damage\n")  # a damaged copy is made again
    assert "mystlite-test-damage" not in myst_script(tmp_path).read_text()
    assert myst_script(None) == installed_bundle()


@pytest.mark.build
def test_stock_and_patched_mystmd_build_the_same_site_data(tmp_path):
    from page_downloads import site_files

    from mystlite.pages.mystmd import TEMPLATE_DIR

    root = tmp_path / "book"
    root.mkdir()
    (root / "myst.yml").write_text(f"version: 1\nproject:\n  title: Book\n  exports:\n    - format: pdf\n"
                                   f"      id: book-pdf\nsite:\n  template: {TEMPLATE_DIR}\n")
    (root / "index.md").write_text("# Home\n\nSee [the second page](second.md).\n")
    (root / "second.md").write_text("---\ntitle: Second\ndownloads:\n  - id: book-pdf\n  - file: data.csv\n"
                                    "    title: Data\nexports:\n  - format: docx\n    id: second-docx\n---\n# Two\n")
    (root / "third.md").write_text("---\ntitle: Third\n---\n# Three\n\n(three)=\n## Part\n")
    (root / "data.csv").write_text("a,b\n1,2\n")
    sites = {}
    for name, script in (("stock", installed_bundle()), ("patched", myst_script(tmp_path / "cache"))):
        shutil.rmtree(root / "_build", ignore_errors=True)
        subprocess.run(["node", str(script), "build", "--site"], cwd=root, check=True, capture_output=True)
        sites[name] = site_files(root)
    assert sites["stock"] == sites["patched"]
    assert any("second" in name for name in sites["stock"])
