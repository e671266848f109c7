"""The mystmd fix mystlite carries (mystlite/pages/mystpatch.py): applied only to the pinned bundle, to a copy in
the cache; it changes nothing in the site data (stock and patched mystmd build the same project alike)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mystlite.pages.mystcommand import LOADER, WaitingMyst
from mystlite.pages.mystpatch import FOR_VERSION, PatchDoesNotApply, apply_patch, installed_bundle, myst_script

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
    (root / "myst.yml").write_text(f"version: 1\nproject:\n  title: Book\n  plugins:\n    - shout.mjs\n"
                                   f"  exports:\n    - format: pdf\n"
                                   f"      id: book-pdf\nsite:\n  template: {TEMPLATE_DIR}\n")
    # a plugin: mystmd imports it, which code run from V8's code cache can do only through plugin-import.patch
    (root / "shout.mjs").write_text("export default { name: 'shout', roles: [{ name: 'shout', body: { type: String },\n"
                                    "  run(data) { return [{ type: 'text', value: data.body.toUpperCase() + '!' }]; } }] };\n")
    (root / "index.md").write_text("# Home\n\nSee [the second page](second.md). {shout}`loud`\n")
    (root / "second.md").write_text("---\ntitle: Second\ndownloads:\n  - id: book-pdf\n  - file: data.csv\n"
                                    "    title: Data\nexports:\n  - format: docx\n    id: second-docx\n---\n# Two\n")
    (root / "third.md").write_text("---\ntitle: Third\n---\n# Three\n\n(three)=\n## Part\n")
    (root / "data.csv").write_text("a,b\n1,2\n")
    # npm as check-node-version finds it on PATH: it notes each call (mystmd asks for its version)
    tools, calls = tmp_path / "tools", tmp_path / "npm-calls"
    tools.mkdir()
    (tools / "npm").write_text(f"#!/bin/sh\necho \"$*\" >> {calls}\necho 10.9.0\n")
    (tools / "npm").chmod(0o755)
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "NO_UPDATE_NOTIFIER": "1"}
    patched = myst_script(tmp_path / "cache")
    sites, npm_calls, texts = {}, {}, {}
    # the patched copy runs as mystlite runs it: through the loader with V8's code cache (made by the first run)
    for name, command in (("stock", ["node", str(installed_bundle())]),
                          ("patched", ["node", str(LOADER), str(patched), str(patched.parent)]),
                          ("patched, from the code cache", ["node", str(LOADER), str(patched), str(patched.parent)]),
                          ("patched, started elsewhere and told later", None)):
        shutil.rmtree(root / "_build", ignore_errors=True)
        calls.unlink(missing_ok=True)
        if command is None:  # as `mystlite build` runs it: loaded before the mirror is ready (WaitingMyst)
            waiting = WaitingMyst(env, tmp_path, None)
            time.sleep(1.0)  # loaded and waiting, in another folder
            assert not (root / "_build").exists()
            child = waiting.go(root, ["build", "--site"], env)
            assert child is not None and child.communicate()[0] is not None and child.returncode == 0
        else:
            subprocess.run([*command, "build", "--site"], cwd=root, env=env, check=True, capture_output=True)
        sites[name], npm_calls[name] = site_files(root), calls.read_text().splitlines()
        texts[name] = site_texts(root)
    assert sites["stock"] == sites["patched"] == sites["patched, from the code cache"]
    # byte for byte, not only as JSON: without-json-polyfill.patch leaves JSON.stringify to node itself
    assert texts["stock"] == texts["patched"] == texts["patched, started elsewhere and told later"]
    assert sites["patched, started elsewhere and told later"] == sites["patched"]
    assert any("second" in name for name in sites["stock"])
    assert "LOUD!" in json.dumps(sites["patched, from the code cache"], default=repr)
    # version-check-once.patch: stock mystmd checks node's and npm's versions twice, the patched copy once
    assert npm_calls == {"stock": ["--version"] * 2, "patched": ["--version"],
                         "patched, from the code cache": ["--version"],
                         "patched, started elsewhere and told later": ["--version"]}


def test_a_waiting_mystmd_builds_only_when_told_and_goes_away_when_not(tmp_path):
    root = tmp_path / "book"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Book\n")
    (root / "index.md").write_text("# Home\n")
    env = {**os.environ, "NO_UPDATE_NOTIFIER": "1"}
    waiting = WaitingMyst(env, root, None)
    child = waiting.proc
    time.sleep(1.0)
    assert child.poll() is None  # loaded, and waiting
    waiting.cancel()
    assert child.returncode is not None and not (root / "_build").exists()
    # stdin closed without a line (mystlite died): it ends by itself, having built nothing
    waiting = WaitingMyst(env, root, None)
    waiting.proc.stdin.close()
    waiting.proc.stdin = None
    assert waiting.proc.wait(timeout=60) == 0 and not (root / "_build").exists()
    # told in another environment than it was started in (another BASE_URL): it is stopped, not used
    waiting = WaitingMyst(env, root, None)
    child = waiting.proc
    assert waiting.go(root, ["build", "--site"], {**env, "BASE_URL": "/sub"}) is None
    assert child.returncode is not None and waiting.go(root, ["build", "--site"], env) is None


@pytest.mark.build
def test_mystlite_build_runs_the_mystmd_it_started_before_reading_the_project(tmp_path, monkeypatch):
    from mystlite import cli, proc
    from mystlite.pages.mystcommand import START_ON_STDIN

    root = tmp_path / "book"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Book\n")
    (root / "index.md").write_text("# Home\n\nHello.\n")
    started = []
    real = proc.popen
    monkeypatch.setattr(proc, "popen", lambda command, **kw: started.append((command, kw.get("env") or {}))
                        or real(command, **kw))
    assert cli.main(["build", str(root), "-q"]) == 0
    mystmd = [env for command, env in started if str(LOADER) in command]
    assert len(mystmd) == 1 and mystmd[0].get(START_ON_STDIN) == "1"  # one mystmd: the one that waited
    assert "Hello." in (root / "_build" / "html" / "index.html").read_text()
    started.clear()
    (root / "index.md").write_text("# Home\n\nHello again.\n")
    assert cli.main(["build", str(root), "-q"]) == 0
    assert "Hello again." in (root / "_build" / "html" / "index.html").read_text()
    assert len([command for command, _ in started if str(LOADER) in command]) == 1



def site_texts(root: Path) -> dict[str, bytes]:
    """mystmd's site files as bytes, with what it draws at random on every build blanked: node keys, output ids."""
    site = root / "_build" / "site"
    blank = (re.compile(rb'"key":"[A-Za-z0-9_-]{10}"'), re.compile(rb'"id":"[A-Za-z0-9_-]{21}"'))
    texts = {}
    for path in site.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            for pattern in blank:
                text = pattern.sub(b'"-":""', text)
            texts[path.relative_to(site).as_posix()] = text
    return texts


def test_the_patched_copy_reads_npms_version_from_npms_own_package_instead_of_running_it(tmp_path):
    # npm as npm installs itself: PATH's npm is a link to bin/npm-cli.js, beside npm's package.json; this one
    # notes each time it is run
    package, calls = tmp_path / "lib" / "npm", tmp_path / "npm-calls"
    (package / "bin").mkdir(parents=True)
    (package / "bin" / "npm-cli.js").write_text(f"#!/bin/sh\necho \"$*\" >> {calls}\necho 10.9.0\n")
    (package / "bin" / "npm-cli.js").chmod(0o755)
    (package / "package.json").write_text('{"name": "npm", "version": "10.9.0"}')
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "npm").symlink_to(package / "bin" / "npm-cli.js")
    root = tmp_path / "book"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Book\n")
    (root / "index.md").write_text("# Home\n")
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "NO_UPDATE_NOTIFIER": "1"}
    node_version = subprocess.run(["node", "--version"], check=True, capture_output=True, text=True).stdout.strip()
    patched = myst_script(tmp_path / "cache")

    def versions(command: list[str]) -> tuple[set[tuple[str, str]], list[str]]:
        calls.unlink(missing_ok=True)
        done = subprocess.run([*command, "clean", "--debug", "--yes"], cwd=root, env=env, check=True,
                              capture_output=True, text=True)
        said = set(re.findall(r"- (node|npm) +(\S+) +Required", done.stdout + done.stderr))
        return said, calls.read_text().splitlines() if calls.exists() else []

    expected = {("node", node_version.lstrip("v")), ("npm", "10.9.0")}
    assert versions(["node", str(installed_bundle())]) == (expected, ["--version"] * 2)
    # the same versions, and npm never started (the node on PATH is the one running mystmd: not started either)
    assert versions(["node", str(LOADER), str(patched), str(patched.parent)]) == (expected, [])
    # anything but npm's own layout is run as before: here a copy of npm-cli.js, no longer beside package.json
    (tools / "npm").unlink()
    shutil.copy(package / "bin" / "npm-cli.js", tools / "npm")
    assert versions(["node", str(LOADER), str(patched), str(patched.parent)]) == (expected, ["--version"])

def test_the_code_cache_is_made_once_and_made_again_when_v8_refuses_it(tmp_path):
    script = myst_script(tmp_path)
    command = ["node", str(LOADER), str(script), str(script.parent)]

    def version() -> str:
        return subprocess.run([*command, "--version"], check=True, capture_output=True, text=True).stdout.strip()

    assert version() == f"v{FOR_VERSION}"  # mystmd sees its own arguments, not the loader's
    (cache,) = script.parent.glob("code-*.v8")
    made = cache.stat()
    assert made.st_size > 1_000_000
    assert version() == f"v{FOR_VERSION}"
    assert cache.stat().st_mtime_ns == made.st_mtime_ns and cache.stat().st_ino == made.st_ino  # V8 took it
    cache.write_bytes(b"not V8's code cache")
    assert version() == f"v{FOR_VERSION}"  # refused by V8, compiled from source, and written again
    assert cache.stat().st_size > 1_000_000
    assert not list(script.parent.glob("*.tmp"))
