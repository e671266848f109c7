"""What mystmd fetches while it builds (a remote favicon and logo, an intersphinx inventory of
project.references, a remote image) goes through mystlite's download cache: after one build with the network,
a fresh clone builds offline with all of it; what was never fetched is one warning each, and the build finishes
with the link going to the reference's own address. The "network" is a small file server on 127.0.0.1, stopped
to stand for being offline."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest

pytestmark = [pytest.mark.build]

# a 1x1 PNG
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a4d30000000049454e44ae426082")


def objects_inv() -> bytes:
    header = b"# Sphinx inventory version 2\n# Project: Pyish\n# Version: 3\n# The remainder of this file is " \
             b"compressed using zlib.\n"
    return header + zlib.compress(b"json.dumps py:function 1 library/json.html#$ -\n")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class Network:
    """A file server on 127.0.0.1 whose port stays the same when it is stopped and started again."""

    def __init__(self, root: Path):
        self.root = root
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def project(root: Path, base: str) -> Path:
    root.mkdir(parents=True)
    (root / "myst.yml").write_text(f"""version: 1
project:
  title: Assets
  references:
    pyish: {base}/docs/
site:
  options:
    favicon: {base}/favicon.png
    logo: {base}/logo.png
""")
    (root / "index.md").write_text(f"# Assets\n\nSee [](xref:pyish#json.dumps).\n\n![A dot]({base}/dot.png)\n")
    return root


def build(root: Path, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mystlite", "build", str(root), "--cache-dir", str(cache)],
                          capture_output=True, text=True, cwd=root)


def test_a_fresh_clone_builds_offline_with_what_one_build_fetched(tmp_path, download_cache):
    served = tmp_path / "served"
    (served / "docs").mkdir(parents=True)
    (served / "docs" / "objects.inv").write_bytes(objects_inv())
    for name in ("favicon.png", "logo.png", "dot.png"):
        (served / name).write_bytes(PNG)
    network = Network(served)
    base = f"http://127.0.0.1:{network.port}"
    first = project(tmp_path / "online", base)
    online = build(first, download_cache)
    assert online.returncode == 0, online.stderr
    assert f'href="{base}/docs/library/json.html#json.dumps"' in (first / "_build/html/index.html").read_text()

    network.stop()  # offline from here
    clone = tmp_path / "clone"
    shutil.copytree(first, clone, ignore=shutil.ignore_patterns("_build"))
    offline = build(clone, download_cache)
    assert offline.returncode == 0, offline.stderr
    assert "warning" not in offline.stderr, offline.stderr
    page = (clone / "_build/html/index.html").read_text()
    assert f'href="{base}/docs/library/json.html#json.dumps"' in page  # the inventory came from the cache
    assert base + "/dot.png" not in page  # the image is published with the site, not loaded from its address
    assert 'rel="icon"' in page and base not in page.split('rel="icon"')[1].split(">")[0]
    published = sorted(p.read_bytes() for p in (clone / "_build/html").rglob("*.png"))
    assert published.count(PNG) >= 3  # favicon, logo and the image

    # never fetched (another address): one warning each, the build finishes, the link goes to the docs' URL
    gone = "http://127.0.0.1:9"
    never = project(tmp_path / "never", gone)
    result = build(never, download_cache)
    assert result.returncode == 0, result.stderr
    assert sum(line.startswith("error") for line in result.stderr.splitlines()) == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert any(line.startswith("warning: myst.yml:8: could not fetch") and "favicon" in line for line in warnings)
    assert any(line.startswith("warning: myst.yml:5: could not load the cross-references of pyish") and
               f"links to it go to {gone}/docs/" in line for line in warnings), warnings
    assert f'href="{gone}/docs/"' in (never / "_build/html/index.html").read_text()
    assert "Traceback" not in result.stderr


def test_dois_that_could_not_be_looked_up_are_one_warning():
    """mystmd says 'Could not find DOI' for every place (offline: for every DOI): one warning says them all."""
    from mystlite.pages.mystmd import summarize

    problems = [(True, f'a.md:{line}: Could not find DOI "{doi}" from doi.org as doi:{doi.split("org/")[-1]}')
                for line, doi in ((3, "https://doi.org/10.1/x"), (9, "10.2/y"), (12, "https://doi.org/10.1/x"))]
    problems.append((False, "b.md:1: something else"))
    assert summarize(problems) == [
        (True, "a.md:3: could not look up 2 DOIs at doi.org (3 places; offline, or never fetched): their links go "
               "to doi.org without a citation: 10.1/x, 10.2/y"),
        (False, "b.md:1: something else")]
