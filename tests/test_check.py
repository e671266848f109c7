"""`mystlite check` finds each seeded defect in a copy of the built sample, and passes on the clean sample."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import pytest

from mystlite.check import check_site
from mystlite.cli import main

pytestmark = [pytest.mark.build]


def test_the_clean_sample_passes(built_sample, capsys):
    report = check_site(built_sample.output, built_sample.project)
    assert report.problems == []
    assert set(report.parts) >= {"pages", "pyodide", "packages", "apps"}
    assert report.largest[0][0] == "lite/static/pyodide/pyodide.asm.wasm"
    assert 0 < report.gzip_total < report.total
    assert main(["check", str(built_sample.output)]) == 0
    assert "no problems" in capsys.readouterr().err


@pytest.fixture
def damaged(built_sample, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(built_sample.output, site, symlinks=True)
    index = site / "index.html"
    index.write_text(index.read_text().replace(
        "</body>", '<a href="nope/">gone</a><a href="stats/#no-such-heading">frag</a>'
                   '<img src="build/missing.png" alt="x"><script src="https://cdn.example.org/lib.js"></script>'
                   '<a href="https://example.org/">outbound</a></body>'))
    wheel = next((site / "lite" / "static" / "pyodide").glob("coursekit-*.whl"))
    wheel.write_bytes((built_sample.output / wheel.relative_to(site)).read_bytes() + b"tampered")
    with open(site / "lite" / "files" / "big.bin", "wb") as big:
        big.truncate(101 * 1024 * 1024)
    (site / "about" / "leak.txt").write_text("token=s3cr3t-t0ken-value\n")
    return site


def test_each_seeded_defect_is_found(damaged, make_project, capsys):
    from mystlite.project import load_project
    from mystlite.config import load_config

    project = load_project(load_config(make_project({
        "myst.yml": """
            version: 1
            project:
              title: Leaky
              jupyter:
                lite: true
                server:
                  token: s3cr3t-t0ken-value
            """,
        "page.md": """
            ---
            kernelspec: {name: python3, display_name: Python 3}
            ---
            ```{code-cell} python
            import json, coursekit, notapackage
            ```
            """})))
    report = check_site(damaged, project)
    found = {(p.kind, p.where.split(":")[0]): p.reason for p in report.problems}
    reasons = "\n".join(str(p) for p in report.problems)
    assert found[("link", "index.html")]
    assert "links to nope/, which is not in the site" in reasons
    assert "stats/#no-such-heading: no element with id 'no-such-heading'" in reasons
    assert "refers to build/missing.png, which is not in the site" in reasons
    assert "loads https://cdn.example.org/lib.js from another host" in reasons
    assert "coursekit-0.1.0-py3-none-any.whl does not match the lock's sha256" in reasons
    assert ("secret", "about/leak.txt") in found
    assert "page.md:5: imports notapackage, which nothing in the site provides" in reasons
    assert "coursekit" not in found.get(("import", "page.md"), "")  # the site's own wheel provides it
    assert "lite/files/big.bin: is 101 MB; GitHub Pages refuses files over 100 MB" in reasons
    assert any(link.endswith("https://example.org/") for link in report.outbound)  # listed, not an error

    assert main(["check", str(damaged), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {p["kind"] for p in data["problems"]} >= {"link", "asset", "offline", "lock", "size"}
    assert main(["check", str(damaged)]) == 1
    err = capsys.readouterr().err
    assert "error: offline: index.html:" in err and "Traceback" not in err


def test_check_of_a_folder_that_is_not_a_site(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 1
    assert "is not a built site" in capsys.readouterr().err
