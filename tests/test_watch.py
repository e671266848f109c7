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
