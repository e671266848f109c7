"""`mystlite serve --watch`: an edit rebuilds and reloads the open page where the reader was; a broken edit
keeps the last good site served and shows the error over the page and in the terminal."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest

pytestmark = [pytest.mark.build, pytest.mark.browser]

PAGE = textwrap.dedent("""\
    # Watched

    first version

    """) + "\n\n".join(f"Paragraph {i} to scroll past." for i in range(120)) + "\n"


@pytest.fixture
def watched(tmp_path, download_cache):
    root = tmp_path / "w"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Watched\n")
    (root / "index.md").write_text(PAGE)
    child = subprocess.Popen([sys.executable, "-m", "mystlite", "serve", str(root), "--watch", "--port", "0",
                              "--cache-dir", str(download_cache)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    found = re.search(r"at (http://\S+)", line)
    assert found, line + child.stderr.read()
    yield root, found.group(1), child
    if child.poll() is None:
        child.kill()


def test_edits_reload_the_page_and_broken_edits_keep_the_last_good_site(watched, offline_page):
    root, url, child = watched
    browser = offline_page()
    page = browser.page
    page.goto(url)
    assert "first version" in page.content()
    page.evaluate("scrollTo(0, 1500)")
    assert page.evaluate("scrollY") > 1000
    page.wait_for_timeout(300)  # the event stream is connected
    (root / "index.md").write_text(PAGE.replace("first version", "second version"))
    page.get_by_text("second version").wait_for(timeout=60_000)  # rebuilt and reloaded, with no click
    page.wait_for_function("scrollY > 1000", timeout=10_000)  # where the reader was
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: [Watched\n")
    overlay = page.locator("#mystlite-build-error")
    overlay.wait_for(timeout=60_000)
    assert "myst.yml:4" in overlay.inner_text() and "YAML" in overlay.inner_text()
    with urllib.request.urlopen(url) as response:  # the last good build is still what is served
        assert "second version" in response.read().decode()
    browser.assert_offline()
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 0
    assert "myst.yml:4" in err and "Traceback" not in err


def _events(url: str, found: "queue.Queue") -> None:
    """An open page's event stream, as (kind, time) tuples."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    conn.request("GET", parts.path + "__mystlite/events")
    response = conn.getresponse()
    while line := response.fp.readline():
        if line.startswith(b"event: "):
            found.put(line[7:].strip().decode())


def _tree(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_edits_through_the_kept_mystmd_give_the_bytes_of_a_clean_build(tmp_path, download_cache):
    """One-page edits go to the kept `myst start` process (no new mystmd starts); a new page and a myst.yml
    change start `myst build` again. Whatever path an edit took, the output equals a clean build's."""
    import queue
    import shutil
    import threading

    from mystlite.cli import main

    root = tmp_path / "k"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Kept\n  toc:\n    - file: index.md\n"
                                   "    - file: other.md\n")
    (root / "index.md").write_text("# Home\n\nSee [](other.md) and [the section](#sec).\n\n(sec)=\n## Section\n\nfirst\n")
    (root / "other.md").write_text("# Other page\n\nText.\n")
    log = (tmp_path / "serve.log").open("w")
    child = subprocess.Popen([sys.executable, "-m", "mystlite", "serve", str(root), "--watch", "--port", "0", "-v",
                              "--cache-dir", str(download_cache)], stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        url = re.search(r"at (http://\S+)", child.stdout.readline()).group(1)
        found: queue.Queue = queue.Queue()
        threading.Thread(target=_events, args=(url, found), daemon=True).start()
        time.sleep(0.5)

        def edit(path, text):
            (root / path).write_text(text)
            assert found.get(timeout=120) == "reload"
            time.sleep(0.3)  # the watcher's snapshot settles before the next edit

        edit("index.md", (root / "index.md").read_text().replace("first", "second"))
        edit("other.md", "# Renamed page\n\nText.\n")  # index.md's link text comes from this title
        edit("index.md", (root / "index.md").read_text().replace("second", "third $x^2$"))
        edit("new.md", "# A new page\n")
        edit("myst.yml", (root / "myst.yml").read_text() + "    - file: new.md\n")
        edit("other.md", "# Renamed again\n\nText.\n")
        with urllib.request.urlopen(url) as response:
            home = response.read().decode()
        assert "third" in home and "Renamed again" in home
    finally:
        child.send_signal(signal.SIGINT)
        child.communicate(timeout=30)
        log.close()
    text = (tmp_path / "serve.log").read_text()
    # -v prints every line of a `myst build`: the first build, the new page, myst.yml and the two title changes
    # (other pages show the title); the two body edits of index.md went to the kept process
    assert text.count("mystmd: building myst-cli session") == 5, text
    assert text.count("the page's title or labels changed") == 2, text
    assert "did not rebuild" not in text
    watched = _tree(root / "_build" / "html")
    shutil.rmtree(root / "_build")
    assert main(["build", str(root), "-q", "--cache-dir", str(download_cache)]) == 0
    clean = _tree(root / "_build" / "html")
    assert sorted(watched) == sorted(clean)
    assert [name for name in clean if watched[name] != clean[name]] == []


def test_big_books_rebuild_afresh_instead_of_through_a_kept_mystmd(tmp_path, monkeypatch):
    """Beyond KEPT_MAX_PAGES a stock kept `myst start` is slower than `myst build` (bench/scale.py): it is
    stopped and never used, and the build runs `myst build` as without --watch. (The patched mystmd that
    mystlite carries rewrites only the edited page, and keeps its server at any size.)"""
    from mystlite.log import Reporter
    from mystlite.pages import mystmd
    from mystlite.pages.mystserver import MystServer
    from mystlite.site import load_checked

    root = tmp_path / "book"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Book\n  toc:\n    - file: a.md\n    - file: b.md\n")
    (root / "a.md").write_text("# A\n")
    (root / "b.md").write_text("# B\n")
    stopped = []
    server = MystServer()
    monkeypatch.setattr(server, "stop", lambda: stopped.append(True))
    monkeypatch.setattr(mystmd, "KEPT_MAX_PAGES", 1)
    monkeypatch.setattr(mystmd, "carried_fixes_run", lambda reporter=None: False)  # stock mystmd
    run = mystmd.MystRun(load_checked(root, Reporter(quiet=True)), tmp_path / "work", Reporter(quiet=True), None,
                         server=server)
    try:
        assert run.server is None and stopped and run.kept_edit is None
        assert run.proc is not None  # a plain `myst build`
    finally:
        run.cancel()
