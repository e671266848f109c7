"""Bad input, as a table: each case is a project an author could write and the exact one-line error it gets.

Every case must exit 1 with exactly one `error:` line (a hint may follow), no traceback, and no exit 70.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from mystlite.cli import main

LITE = "version: 1\nproject:\n  title: T\n  jupyter:\n    lite: true\n"
PLAIN = "version: 1\nproject:\n  title: T\n"
INDEX = "---\ntitle: Home\n---\n# Home\n"


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes]
    error: str  # a regular expression for the whole error line, after "error: "
    command: str = "config"  # or "build"
    setup: Callable[[Path], None] | None = None
    options: list[str] = field(default_factory=list)


def wheel_with_entry(entry: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / "wheels").mkdir()
        with zipfile.ZipFile(root / "wheels" / "evil-1.0-py3-none-any.whl", "w") as archive:
            archive.writestr("evil/__init__.py", "")
            archive.writestr(entry, "print('escaped')")
            archive.writestr("evil-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
            archive.writestr("evil-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
            archive.writestr("evil-1.0.dist-info/RECORD", "")
    return make


def symlink(link: str, target: str, folders: tuple[str, ...] = ()) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        for folder in folders:
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / link).symlink_to(target)
    return make


def alias_bomb() -> str:
    lines = ["version: 1", "project:", "  title: T", "bomb0: &b0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"bomb{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 9)}]" for i in range(1, 8)]
    return "\n".join(lines) + "\n"


def output_file(root: Path) -> None:
    (root / "site.txt").write_text("not a folder")


def foreign_output(root: Path) -> None:
    (root / "theirs").mkdir()
    (root / "theirs" / "thesis.tex").write_text("years of work")


CONTENTS = LITE + "mystlite:\n  contents: [data]\n"
CASES = [
    Case("duplicate key in myst.yml", {"myst.yml": PLAIN + "  title: U\n", "index.md": INDEX},
         r"myst\.yml:4: project\.title: duplicate key 'title' \(first at line 3\)"),
    Case("duplicate key in frontmatter", {"myst.yml": PLAIN, "index.md": "---\ntitle: A\ntitle: B\n---\n# A\n"},
         r"index\.md:3: title: duplicate key 'title' \(first at line 2\)"),
    Case("non-UTF-8 page", {"myst.yml": PLAIN, "index.md": b"---\ntitle: A\n---\n# A\n\xff\xfe\n"},
         r"index\.md: not UTF-8 text: byte 0xff on line 5 \(save the file as UTF-8\)"),
    Case("non-UTF-8 notebook", {"myst.yml": LITE, "index.md": INDEX, "nb.ipynb": b'{"cells": ["\xe9"]}'},
         r"nb\.ipynb: not UTF-8 text: byte 0xe9 on line 1 \(save the file as UTF-8\)"),
    Case("non-UTF-8 myst.yml", {"myst.yml": b"version: 1\nproject:\n  title: caf\xe9\n", "index.md": INDEX},
         r"myst\.yml: not UTF-8 text: byte 0xe9 on line 3 \(save the file as UTF-8\)"),
    Case("page jupyter: maybe", {"myst.yml": LITE, "index.md": INDEX,
                                 "nb.md": "---\ntitle: N\njupyter: maybe\nkernelspec: {name: python3}\n---\n"},
         r"nb\.md:3: jupyter: must be true, false, 'lite', 'binder' or an object, not a string \('maybe'\)"),
    Case("toc cycle through an alias",
         {"myst.yml": PLAIN + "  toc: &toc\n    - file: index.md\n      children: *toc\n", "index.md": INDEX},
         r"myst\.yml:4: project\.toc\[0\]\.children: a YAML alias refers to a mapping or list that contains it "
         r"\(a cycle\)"),
    Case("alias bomb", {"myst.yml": alias_bomb(), "index.md": INDEX},
         r"myst\.yml:\d+: the YAML expands to more than 200000 values \(aliases\?\)"),
    Case("notebook cells that are not objects", {"myst.yml": LITE, "index.md": INDEX, "nb.ipynb": '{"cells": [1, "x"]}'},
         r"nb\.ipynb: invalid notebook: cell 1 is not an object with a cell_type"),
    Case("invalid requirement", {"myst.yml": LITE + "mystlite:\n  packages:\n    - attrs >= = 3\n", "index.md": INDEX},
         r"myst\.yml:8: mystlite\.packages\[0\]: not a valid requirement 'attrs >= = 3': .*"),
    Case("http pyodide URL", {"myst.yml": LITE + "mystlite:\n  pyodide: http://example.org/pyodide.tar.bz2\n",
                              "index.md": INDEX},
         r"myst\.yml:7: mystlite\.pyodide: must be https: a plain-http download can be altered on the way "
         r"\(http://example\.org/pyodide\.tar\.bz2\)"),
    Case("bad sha256 fragment", {"myst.yml": LITE + "mystlite:\n  pyodide: https://example.org/p.tar.bz2#sha256=xyz\n",
                                 "index.md": INDEX},
         r"myst\.yml:7: mystlite\.pyodide: the URL fragment must be #sha256=<64 hex digits>, not #sha256=xyz"),
    Case("output is the project folder", {"myst.yml": PLAIN + "mystlite:\n  output: .\n", "index.md": INDEX},
         r"myst\.yml:5: mystlite\.output: is the project folder itself; every build replaces the output folder whole"),
    Case("output is a parent", {"myst.yml": PLAIN + "mystlite:\n  output: ..\n", "index.md": INDEX},
         r"myst\.yml:5: mystlite\.output: .+ is a parent of the project folder; every build replaces the output "
         r"folder whole"),
    Case("output is contents", {"myst.yml": CONTENTS + "  output: data\n", "index.md": INDEX, "data/a.csv": "1\n"},
         r"myst\.yml:8: mystlite\.output: data is mystlite\.contents data; the output must be a folder of its own"),
    Case("output holds pages", {"myst.yml": PLAIN + "  toc:\n    - file: index.md\n    - file: docs/intro.md\n"
                                             "mystlite:\n  output: docs\n", "index.md": INDEX,
                                "docs/intro.md": "# Intro\n"},
         r"myst\.yml:8: mystlite\.output: docs holds the page docs/intro\.md; every build replaces the output "
         r"folder whole"),
    Case("output is a page", {"myst.yml": PLAIN + "mystlite:\n  output: index.md\n", "index.md": INDEX},
         r"myst\.yml:5: mystlite\.output: index\.md is the page index\.md; the output must be a folder of its own"),
    Case("output holds the work folder", {"myst.yml": PLAIN + "mystlite:\n  output: _build\n", "index.md": INDEX},
         r"myst\.yml:5: mystlite\.output: _build holds or is inside mystlite's work folder \(_build/\.mystlite\); "
         r"use a folder of its own"),
    Case("output is a file", {"myst.yml": PLAIN + "mystlite:\n  output: site.txt\n", "index.md": INDEX},
         r"myst\.yml:5: mystlite\.output: .*site\.txt exists and is not a folder", setup=output_file),
    Case("output is a foreign folder", {"myst.yml": PLAIN + "mystlite:\n  output: theirs\n", "index.md": INDEX},
         r"myst\.yml:5: mystlite\.output: .*theirs is not empty and was not written by mystlite; it is never "
         r"replaced \(empty it, or choose another folder\)", setup=foreign_output),
    Case("wheel with a .. entry", {"myst.yml": LITE, "index.md": INDEX},
         r"wheels/evil-1\.0-py3-none-any\.whl: evil-1\.0-py3-none-any\.whl has an unsafe entry '\.\./evil\.py' "
         r"\(absolute or with '\.\.'\)", command="build", setup=wheel_with_entry("../evil.py")),
    Case("wheel with an absolute entry", {"myst.yml": LITE, "index.md": INDEX},
         r"wheels/evil-1\.0-py3-none-any\.whl: evil-1\.0-py3-none-any\.whl has an unsafe entry '/etc/evil\.py' "
         r"\(absolute or with '\.\.'\)", command="build", setup=wheel_with_entry("/etc/evil.py")),
    Case("symlink loop in contents", {"myst.yml": CONTENTS, "index.md": INDEX, "data/sub/a.txt": "a"},
         r"myst\.yml:7: mystlite\.contents\[0\]: data/sub/again is a symlink loop \(it leads back to a folder "
         r"already included\)", command="build", setup=symlink("data/sub/again", "..")),
    Case("looping file symlink in contents", {"myst.yml": CONTENTS, "index.md": INDEX, "data/a.txt": "a"},
         r"myst\.yml:7: mystlite\.contents\[0\]: data/loop is a broken or looping symlink", command="build",
         setup=symlink("data/loop", "loop")),
    Case("symlink out of the project in contents", {"myst.yml": CONTENTS, "index.md": INDEX, "data/a.txt": "a"},
         r"myst\.yml:7: mystlite\.contents\[0\]: data/etc links outside the project folder", command="build",
         setup=symlink("data/etc", "/etc")),
    Case("package that does not exist",
         {"myst.yml": LITE + "mystlite:\n  packages:\n    - attrs\n    - mystlite-no-such-package-xyz\n",
          "index.md": INDEX},
         r"myst\.yml:9: mystlite\.packages\[1\]: no pure-Python wheel of mystlite-no-such-package-xyz for the "
         r"browser's Python 3\.14 was found", command="build"),
    Case("contents outside the project", {"myst.yml": LITE + "mystlite:\n  contents: [../outside.py]\n",
                                          "index.md": INDEX},
         r"myst\.yml:7: mystlite\.contents\[0\]: is outside the project folder: \.\./outside\.py", command="build",
         setup=lambda root: (root.parent / "outside.py").write_text("SECRET = 1\n")),
    Case("two wheels of one package", {"myst.yml": LITE + "mystlite:\n  wheels:\n    - a/tool-1.0-py3-none-any.whl\n"
                                                        "    - b/tool-2.0-py3-none-any.whl\n", "index.md": INDEX,
                                       "a/tool-1.0-py3-none-any.whl": "x", "b/tool-2.0-py3-none-any.whl": "x"},
         r"myst\.yml:9: mystlite\.wheels\[1\]: a second wheel of tool \(the first is named at myst\.yml:8\); "
         r"keep one", command="build"),
    Case("missing pyodide folder", {"myst.yml": LITE + "mystlite:\n  pyodide: dist/pyodide\n", "index.md": INDEX},
         r"myst\.yml:7: mystlite\.pyodide: not found: dist/pyodide \(a pyodide distribution's folder or \.tar\.bz2\)"),
    Case("garbage pyodide archive", {"myst.yml": LITE + "mystlite:\n  pyodide: p.tar.bz2\n", "index.md": INDEX,
                                     "p.tar.bz2": b"\x00not an archive" * 64},
         r"myst\.yml:7: mystlite\.pyodide: cannot unpack the pyodide distribution p\.tar\.bz2: not a \.tar\.bz2, "
         r"\.tar\.gz, \.tar\.xz or \.zip archive", command="build"),
    Case("empty toc", {"myst.yml": PLAIN + "  toc: []\n", "index.md": INDEX},
         r"myst\.yml:4: project\.toc: lists no pages", command="build"),
    Case("cache is a file", {"myst.yml": LITE, "index.md": INDEX},
         r"the download cache .*cache\.txt is not a folder", command="build",
         setup=lambda root: (root / "cache.txt").write_text("x"), options=["--cache-dir", "cache.txt"]),
]


def write_project(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def run(args: list[str], root: Path, capsys, monkeypatch) -> tuple[int, str]:
    monkeypatch.chdir(root)
    capsys.readouterr()
    code = main(args)
    return code, capsys.readouterr().err


def error_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    others = [l for l in stderr.splitlines() if l.strip() and not l.startswith(("error: ", "  hint: ", "warning: "))]
    assert not others, stderr
    return errors[0][len("error: "):]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_one_line(case: Case, tmp_path, capsys, monkeypatch, download_cache):
    root = tmp_path / "proj"
    write_project(root, case.files)
    if case.setup:
        case.setup(root)
    args = [case.command, "-q", *case.options]
    if case.command == "build" and "--cache-dir" not in case.options:
        args += ["--cache-dir", str(download_cache)]
    code, err = run(args, root, capsys, monkeypatch)
    assert code == 1, err
    line = error_line(err)
    import re

    assert re.fullmatch(case.error, line), line


def test_the_table_covers_the_issue():
    assert len(CASES) >= 25


def test_a_bom_before_frontmatter_is_accepted(tmp_path, capsys, monkeypatch, download_cache):
    root = tmp_path / "proj"
    write_project(root, {"myst.yml": "\ufeff" + PLAIN, "index.md": b"\xef\xbb\xbf---\ntitle: BOM title\n---\n# Heading\n"})
    code, err = run(["build", "-q", "--cache-dir", str(download_cache)], root, capsys, monkeypatch)
    assert code == 0, err
    html = (root / "_build/html/index.html").read_text()
    assert "BOM title" in html and "title: BOM title" not in html  # frontmatter, not text


def test_config_json_lists_an_output_error_with_the_pages(tmp_path, capsys, monkeypatch):
    root = tmp_path / "proj"
    write_project(root, {"myst.yml": PLAIN + "mystlite:\n  output: .\n", "index.md": INDEX})
    import json

    monkeypatch.chdir(root)
    code = main(["config", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [p["path"] for p in out["pages"]] == ["index.md"]
    assert out["errors"] == ["myst.yml:5: mystlite.output: is the project folder itself; every build replaces the "
                             "output folder whole"]


# ---- folders that cannot be written: a read-only and a full file system (tmpfs mounts need root) ----

@pytest.fixture
def mount(tmp_path):
    mounted = []

    def make(name: str, options: str) -> Path:
        point = tmp_path / name
        point.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {result.stderr.decode().strip()}")
        mounted.append(point)
        return point

    yield make
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_a_read_only_output_is_one_line(tmp_path, mount, capsys, monkeypatch, download_cache):
    readonly = mount("ro", "ro,size=1m")
    root = tmp_path / "proj"
    write_project(root, {"myst.yml": PLAIN + f"mystlite:\n  output: {readonly / 'site'}\n", "index.md": INDEX})
    code, err = run(["build", "-q", "--cache-dir", str(download_cache)], root, capsys, monkeypatch)
    assert code == 1
    assert error_line(err).endswith(": Read-only file system")
    assert "hint: the file system is read-only" in err


def test_a_read_only_output_mount_is_one_line_and_leaves_nothing(tmp_path, mount, capsys, monkeypatch,
                                                                  download_cache):
    """The output folder is itself a read-only mount: no exchange can replace a mount point, so it is said
    before anything is written, naming the folder, and no staging folder is left beside it."""
    readonly = mount("ro-out", "ro,size=1m")
    root = tmp_path / "proj"
    write_project(root, {"myst.yml": PLAIN + f"mystlite:\n  output: {readonly}\n", "index.md": INDEX})
    code, err = run(["build", "-q", "--cache-dir", str(download_cache)], root, capsys, monkeypatch)
    assert code == 1
    assert error_line(err) == (f"myst.yml:5: mystlite.output: {readonly} is a mount point; every build replaces the output folder whole, which "
                               f"a mount point cannot be (use a folder inside it)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj", "ro-out"]


@pytest.mark.parametrize("case", [c for c in CASES if c.command == "config" or "toc" in c.name
                                  or "outside the project" in c.name or "two wheels" in c.name],
                         ids=lambda c: c.name)
def test_config_json_lists_the_error(case: Case, tmp_path, capsys, monkeypatch):
    """What the build says is wrong with myst.yml, `mystlite config --json` lists too (before any download)."""
    import json
    import re

    root = tmp_path / "proj"
    write_project(root, case.files)
    if case.setup:
        case.setup(root)
    if case.name in ("alias bomb", "toc cycle through an alias", "non-UTF-8 myst.yml", "duplicate key in myst.yml"):
        pytest.skip("myst.yml cannot be read at all: config --json has nothing to list beside it")
    monkeypatch.chdir(root)
    capsys.readouterr()
    code = main(["config", "--json"])
    out = capsys.readouterr().out
    assert code == 1
    errors = json.loads(out)["errors"] if out.strip() else []
    assert any(re.fullmatch(case.error, error) for error in errors), (errors, case.error)


def test_a_full_output_is_one_line_and_keeps_the_old_site(tmp_path, mount, capsys, monkeypatch, download_cache):
    small = mount("full", "size=2m")
    root = tmp_path / "proj"
    write_project(root, {"myst.yml": PLAIN + f"mystlite:\n  output: {small / 'site'}\n",
                         "index.md": INDEX + "\n![figure](big.png)\n"})
    (root / "big.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 1000)
    code, err = run(["build", "-q", "--cache-dir", str(download_cache)], root, capsys, monkeypatch)
    assert code == 0, err
    before = {p: p.read_bytes() for p in (small / "site").rglob("*") if p.is_file()}
    (root / "big.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(3 << 20))  # larger than the disk
    code, err = run(["build", "-q", "--cache-dir", str(download_cache)], root, capsys, monkeypatch)
    assert code == 1
    assert error_line(err).endswith(": No space left on device")
    assert {p: p.read_bytes() for p in (small / "site").rglob("*") if p.is_file()} == before


def test_a_read_only_cache_works_when_filled_and_is_one_line_when_empty(tmp_path, mount, capsys, monkeypatch,
                                                                         download_cache, built_sample):
    root = tmp_path / "proj"
    write_project(root, {"myst.yml": LITE, "index.md": INDEX})
    filled = mount("filled", "size=400m")
    for part in ("pyodide", "wheels", "bytecode", "snapshot"):  # what a plain compute page needs
        shutil.copytree(download_cache / part, filled / part, ignore=shutil.ignore_patterns("*.partial", "tmp*",
                                                                                           "packages", "*.tgz"))
    subprocess.run(["mount", "-o", "remount,ro", str(filled)], check=True)
    code, err = run(["build", "-q", "--cache-dir", str(filled)], root, capsys, monkeypatch)
    assert code == 0, err
    empty = mount("empty", "ro,size=1m")
    shutil.rmtree(root / "_build")
    code, err = run(["build", "-q", "--cache-dir", str(empty)], root, capsys, monkeypatch)
    assert code == 1
    assert error_line(err).endswith(": Read-only file system")
