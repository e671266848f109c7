"""Python's start-up snapshot: made at build time, cached by its inputs, restored by every compute page, and
never a reason for a page to fail (a broken or missing snapshot falls back to starting Python normally)."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from test_runtime_browser import run_cell, set_code

pytestmark = [pytest.mark.build]

SECRET = "mystlite-test-secret-4f1c9a"


def page_json(output, page: str) -> dict:
    html = (output / page / "index.html").read_text()
    return json.loads(re.search(r'<script type="application/json" id="mystlite-page">(.*?)</script>', html,
                                re.S).group(1).replace("<\\/", "</"))


def test_compute_pages_name_the_shipped_snapshot(built_sample):
    data = page_json(built_sample.output, "stats")
    snapshot = built_sample.output / data["snapshot"]
    assert re.fullmatch(r"_mystlite/python-[0-9a-f]{16}\.snapshot\.gz", data["snapshot"])
    assert snapshot.is_file() and snapshot.read_bytes()[:2] == b"\x1f\x8b"
    assert "snapshot" not in page_json(built_sample.output, "about")  # a page without compute starts nothing
    assert [p.name for p in (built_sample.output / "_mystlite").glob("*.snapshot.gz")] == [snapshot.name]


def test_the_snapshot_is_cached_by_its_inputs_and_holds_no_build_secret(tmp_path, download_cache, monkeypatch):
    from mystlite.log import Reporter
    from mystlite.pyodide.bytecode import compiled_stdlib
    from mystlite.pyodide.npm import fetch_core
    from mystlite.runtime.snapshot import startup_snapshot

    reporter = Reporter(quiet=True)
    core = fetch_core("314.0.6", download_cache, reporter)
    stdlib = compiled_stdlib(core, download_cache, reporter).zip
    monkeypatch.setenv("MYSTLITE_SECRET_TOKEN", SECRET)  # as a CI secret would be, while the build runs
    made = startup_snapshot(core, stdlib, tmp_path, reporter)
    heap = gzip.decompress(made.read_bytes())
    assert SECRET.encode() not in heap and str(tmp_path).encode() not in heap
    assert str(core).encode() not in heap  # the build machine's paths stay out of the published file
    stamp = made.stat().st_mtime_ns
    assert startup_snapshot(core, stdlib, tmp_path, reporter) == made and made.stat().st_mtime_ns == stamp
    made.write_bytes(b"damaged")  # a damaged cache entry is made again, never published
    again = startup_snapshot(core, stdlib, tmp_path, reporter)
    assert again == made and again.read_bytes()[:2] == b"\x1f\x8b"


@pytest.mark.browser
def test_pages_start_python_from_the_snapshot_with_fresh_randomness(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/course/")
    numbers = []
    for _ in range(2):
        browser = offline_page()
        page = browser.page
        page.goto(served.url("stats/"))
        set_code(page, 0, "import random, sys\nprint(random.random(), '_mystlite_kernel' in sys.modules)")
        numbers.append(run_cell(page, 0))
        browser.assert_offline()
        assert any(u.endswith(".snapshot.gz") for u in browser.requests)
        assert not any(u.endswith("/kernel.py") for u in browser.requests)  # the runtime came in the snapshot
        # and so did the few stdlib files a start from it needs: python_stdlib.zip is not fetched
        assert not any(u.endswith("/python_stdlib.zip") for u in browser.requests)
    assert all(text.endswith(" True") for text in numbers)
    assert numbers[0] != numbers[1]  # random is reseeded on every page load


@pytest.mark.browser
def test_can_run_sync_never_promises_what_the_snapshot_cannot_do(built_sample, serve, offline_page):
    """The snapshot keeps the run_sync Python started with under node (a stub: no stack switching there).
    Whatever can_run_sync() says must hold, or urllib3 and requests fail instead of taking their other way."""
    served = serve(built_sample.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url("stats/"))
    set_code(page, 0, "import js\nfrom pyodide.ffi import can_run_sync, run_sync\n"
                      "print('truthful', run_sync(js.Promise.resolve(5)) == 5 if can_run_sync() else True)")
    assert run_cell(page, 0) == "truthful True"
    assert any(u.endswith(".snapshot.gz") for u in browser.requests)


@pytest.mark.browser
def test_an_idle_page_warms_python_up_once_without_touching_the_readers_namespace(built_sample, serve,
                                                                                  offline_page):
    """After a start from the snapshot the worker runs the kernel's warm-up while idle (so that V8 keeps the
    compiled wasm for the reader's next visit): it must happen, leave the reader's globals alone, let the
    reader's cells run in between its steps, and not happen again on the next page load."""
    served = serve(built_sample.output, "/course/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url("stats/"))
    set_code(page, 0, "import sys\nbefore = set(globals()) | {'before'}\nprint(len(before) > 0)")
    assert run_cell(page, 0) == "True"
    set_code(page, 1, "steps = sys.modules['_mystlite_kernel'].warm_steps\n"
                      "print(steps > 5, sorted(set(globals()) - before - {'steps'}))")
    seen = []
    for _ in range(60):  # each run goes between two warm-up steps
        seen.append(run_cell(page, 1))
        if seen[-1].startswith("True"):
            break
        page.wait_for_timeout(500)
    assert seen[-1] == "True []", seen  # warm-up steps ran; no name was left behind
    # done once per browser and snapshot: the page remembers it, and the next page load runs none
    page.wait_for_function("Object.keys(localStorage).some((key) => key.startsWith('mystlite-warmed '))",
                           timeout=60_000)
    # it asked for no stdlib source, and for no stdlib archive the page had not needed
    assert not any("python_stdlib_" in u for u in browser.requests)
    page.reload()
    set_code(page, 1, "import sys\nprint(sys.modules['_mystlite_kernel'].warm_steps)")
    assert run_cell(page, 1) == "0"
    page.wait_for_timeout(4000)  # idle for longer than a warm-up waits before it starts
    assert run_cell(page, 1) == "0"
    browser.assert_offline()


@pytest.mark.browser
@pytest.mark.parametrize("answer", ["garbage", "missing", "another build"])
def test_a_broken_snapshot_falls_back_to_a_normal_start(built_sample, serve, offline_page, answer):
    served = serve(built_sample.output, "/course/")
    browser = offline_page()
    page = browser.page
    if answer == "garbage":
        page.route("**/*.snapshot.gz", lambda route: route.fulfill(body=b"\x1f\x8b\x08\x00" + b"\x00" * 64))
    elif answer == "missing":
        page.route("**/*.snapshot.gz", lambda route: route.fulfill(status=404, body=b"not here"))
    else:
        # the static data is stored as a difference to the wasm's own: a snapshot made against other data
        # segments (here: another checksum of them) must be refused, never restored scrambled
        heap = bytearray(gzip.decompress(next((built_sample.output / "_mystlite").glob("*.snapshot.gz")).read_bytes()))
        assert heap[:8] == b"MLHEAP03"
        heap[24:28] = bytes(b ^ 0xFF for b in heap[24:28])
        page.route("**/*.snapshot.gz", lambda route: route.fulfill(body=gzip.compress(bytes(heap))))
    page.goto(served.url("stats/"))
    assert run_cell(page, 0) == "Hello, reader, from coursekit 0.1.0!"
    assert run_cell(page, 1) == "4.5"
    assert any(u.endswith("/kernel.py") for u in browser.requests)


KEPT = """async () => {
  const cache = await caches.open("mystlite-snapshots");
  const kept = {};
  for (const request of await cache.keys()) {
    const bytes = await (await cache.match(request)).arrayBuffer();
    kept[request.url] = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  return kept;
}"""


@pytest.mark.browser
def test_a_return_visit_takes_the_snapshot_from_cache_storage(built_sample, serve, offline_page):
    """The first visit keeps the un-gzipped snapshot in Cache Storage once Python has started from it; the next
    page load starts from that copy without asking for the file. A damaged copy is dropped and fetched again,
    and keeping a snapshot drops the site's older ones, not another site's."""
    import hashlib
    from urllib.parse import urljoin

    served = serve(built_sample.output, "/course/")
    shipped = next((built_sample.output / "_mystlite").glob("*.snapshot.gz"))
    url = served.url(f"_mystlite/{shipped.name}")
    digest = hashlib.sha256(gzip.decompress(shipped.read_bytes())).hexdigest()
    browser = offline_page()

    def visit() -> object:
        page = browser.context.new_page()
        page.goto(served.url("stats/"))
        assert run_cell(page, 0) == "Hello, reader, from coursekit 0.1.0!"
        return page

    def kept_after_idle(page) -> dict:
        for _ in range(40):
            kept = page.evaluate(KEPT)
            if kept.get(url) == digest:
                return kept
            page.wait_for_timeout(250)
        raise AssertionError(f"not kept: {kept}")

    def fetched() -> int:
        return sum(u.endswith(".snapshot.gz") for u in browser.requests)

    first = visit()
    assert kept_after_idle(first) == {url: digest}
    visit()  # the return visit
    assert fetched() == 1 and not any(u.endswith("/kernel.py") for u in browser.requests)  # no fallback start
    # a damaged copy, a build's older snapshot, and another site's on the same origin
    older = served.url("_mystlite/python-0000.snapshot.gz")
    elsewhere = urljoin(served.url(""), "../other/_mystlite/python-0000.snapshot.gz")
    first.evaluate("""async (urls) => {
      const cache = await caches.open("mystlite-snapshots");
      for (const url of urls) await cache.put(url, new Response(new Uint8Array([1, 2, 3])));
    }""", [url, older, elsewhere])
    again = visit()
    assert fetched() == 2 and not any(u.endswith("/kernel.py") for u in browser.requests)
    assert sorted(kept_after_idle(again)) == sorted([url, elsewhere])
    browser.assert_offline()


HEAP_ROUND_TRIP = """
const { packHeap, unpackHeap } = await import(process.argv[2]);
const memoryAt = 128, baselineLength = 4096 * 50;
const snapshot = new Uint8Array(memoryAt + 4096 * 300);
new Uint32Array(snapshot.buffer, 0, 2).set([0x12345678, memoryAt]);  // pyodide's magic, then where memory starts
const initial = new Uint8Array(4096 * 60);  // the memory as the wasm's data segments leave it
for (let i = 0; i < initial.length; i++) initial[i] = (i * 7919) & 0xff;
snapshot.set(initial.subarray(0, baselineLength), memoryAt);
for (const at of [5, 4096 * 3 + 11, 4096 * 49 + 4000]) snapshot[memoryAt + at] ^= 0x5a;  // the static data changed
for (let i = 4096 * 100; i < 4096 * 102; i++) snapshot[memoryAt + i] = i & 0xff;  // the heap
const packed = packHeap(snapshot, { initial, baselineLength, stdlib: new Uint8Array([1, 2, 3]) });
const unpacked = unpackHeap(packed);
const refusedBefore = new Uint32Array(unpacked.snapshot.buffer, 0, 1)[0] === 0;
unpacked.applyBaseline(initial);
const other = initial.slice();
other[64 * 100] ^= 1;  // another build's data segments (a word the checksum reads)
let refused = false;
try { unpackHeap(packed).applyBaseline(other); } catch { refused = true; }
console.log(JSON.stringify({ same: Buffer.from(unpacked.snapshot).equals(Buffer.from(snapshot)), refusedBefore, refused,
                             small: packed.length < 8 * 4096, stdlib: [...unpacked.stdlib] }));
"""


def test_the_heap_format_gives_back_the_snapshot_and_refuses_other_data_segments(tmp_path):
    """heap.js: the static data stored as its difference to the data segments (copied where equal, XORed
    where not) comes back byte for byte; made against other data segments, it is refused."""
    import subprocess

    from mystlite.node import find_node
    from mystlite.runtime import STATIC

    script = tmp_path / "round_trip.mjs"
    script.write_text(HEAP_ROUND_TRIP)
    done = subprocess.run([find_node(), str(script), (STATIC / "heap.js").as_uri()], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"same": True, "refusedBefore": True, "refused": True, "small": True,
                                       "stdlib": [1, 2, 3]}


def test_startup_snapshot_false_ships_none_and_pages_start_normally(tmp_path, download_cache):
    from mystlite.log import Reporter
    from mystlite.site import build_site

    project = tmp_path / "proj"
    project.mkdir()
    (project / "myst.yml").write_text("version: 1\nproject:\n  jupyter: lite\nmystlite:\n  startup_snapshot: false\n")
    (project / "index.md").write_text("# Hi\n\n```{code-cell} python\nprint(1)\n```\n")
    site = build_site(project, Reporter(quiet=True), cache_dir=download_cache)
    assert "snapshot" not in page_json(site.output, ".")
    assert list(site.output.rglob("*.snapshot.gz")) == []


@pytest.mark.browser
def test_stdlib_tracebacks_keep_their_lines_from_sources_fetched_on_demand(built_sample, serve, offline_page):
    """Modules with build-time bytecode ship without their .py; a traceback still shows their lines."""
    import zipfile

    pyodide_dir = built_sample.output / "lite/static/pyodide"
    with zipfile.ZipFile(pyodide_dir / "python_stdlib.zip") as shipped:
        names = set(shipped.namelist())
    assert "json/decoder.pyc" in names and "json/decoder.py" not in names  # each module once
    assert "json/decoder.py" in zipfile.ZipFile(pyodide_dir / "python_stdlib_sources.zip").namelist()

    served = serve(built_sample.output, "/course/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url("stats/"))
    run_cell(page, 0)
    assert run_cell(page, 1) == "4.5"
    assert not any("python_stdlib_sources.zip" in u for u in browser.requests)  # not fetched until needed
    set_code(page, 1, "import json\njson.loads('not json')")
    text = run_cell(page, 1)
    assert "JSONDecodeError" in text
    assert "return _default_decoder.decode(s)" in text  # a line of json/__init__.py, from the sources zip
    assert any("python_stdlib_sources.zip" in u for u in browser.requests)
    browser.assert_offline()


@pytest.mark.browser
def test_the_stdlib_a_page_does_not_import_is_never_fetched(built_sample, serve, offline_page):
    """python_stdlib.zip holds what a page needs to start; the rest of the stdlib comes in two archives, each
    fetched the first time code imports one of its modules: a common one (bytecode) and the rest (source,
    whose lines show in tracebacks). A reader's own module of a stdlib name still wins, as in any Python."""
    import zipfile

    pyodide_dir = built_sample.output / "lite/static/pyodide"
    core = set(zipfile.ZipFile(pyodide_dir / "python_stdlib.zip").namelist())
    assert "json/decoder.pyc" in core and "sqlite3/__init__.pyc" not in core and "colorsys.py" not in core
    assert "sqlite3/__init__.pyc" in zipfile.ZipFile(pyodide_dir / "python_stdlib_common.zip").namelist()
    assert "colorsys.py" in zipfile.ZipFile(pyodide_dir / "python_stdlib_more.zip").namelist()

    served = serve(built_sample.output, "/course/")
    browser = offline_page()
    page = browser.page
    page.goto(served.url("stats/"))
    assert run_cell(page, 0).startswith("Hello, reader")
    assert run_cell(page, 1) == "4.5"
    later = lambda: sorted({u.rsplit("/", 1)[1] for u in browser.requests if "python_stdlib" in u})  # noqa: E731
    assert later() == []  # python_stdlib.zip too: what a start from the snapshot needs came with it
    # a module the snapshot holds is not in the stdlib it carries: imported afresh, it comes from
    # python_stdlib.zip, fetched then
    set_code(page, 1, "import sys\ndel sys.modules['json']\nimport json\nprint(json.dumps([1]), json.__file__)")
    assert run_cell(page, 1) == "[1] /lib/python_stdlib.zip/json/__init__.pyc"
    assert later() == ["python_stdlib.zip"]
    set_code(page, 1, "import sqlite3\nprint(sqlite3.connect(':memory:').execute('select 6*7').fetchone()[0])")
    assert run_cell(page, 1) == "42"
    assert later() == ["python_stdlib.zip", "python_stdlib_common.zip"]
    set_code(page, 1, "import colorsys\ncolorsys.rgb_to_hsv('red', 0, 0)")
    text = run_cell(page, 1)
    assert "TypeError" in text and "maxc = max(r, g, b)" in text  # a line of colorsys.py, from its archive
    assert later() == ["python_stdlib.zip", "python_stdlib_common.zip", "python_stdlib_more.zip"]
    set_code(page, 1, "import encodings.cp1252, email.mime.text\nprint(b'\\x80'.decode('cp1252'), "
                      "email.mime.text.MIMEText('hi')['Content-Type'])")
    assert run_cell(page, 1) == '€ text/plain; charset="us-ascii"'  # submodules of packages the start imported
    set_code(page, 1, "with open('wave.py', 'w') as f:\n    f.write('MINE = 1')\nimport wave\nprint(wave.MINE)")
    assert run_cell(page, 1) == "1"
    browser.assert_offline()
