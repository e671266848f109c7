"""Pages rendered from real mystmd JSON: content, nodes, navigation, links, subpaths, and bad input."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import SAMPLE, copy_sample
from linkcheck import crawl
from mystlite.log import Reporter
from mystlite.site import build_site

pytestmark = pytest.mark.build


def cli_build(root: Path, cache: Path, *extra: str) -> subprocess.CompletedProcess:
    """`mystlite build ROOT` as a user runs it, from the folder above the project."""
    return subprocess.run([sys.executable, "-m", "mystlite", "build", str(root), "--cache-dir", str(cache), *extra],
                          capture_output=True, text=True, cwd=root.parent)

EVERYTHING = textwrap.dedent(r"""
    ---
    title: Everything
    subtitle: All the nodes
    authors: [Ada Lovelace]
    date: 2024-05-01
    ---
    (sec-intro)=
    ## Intro

    Some *emphasis*, **strong**, `code`, a [link](https://example.org) and a footnote[^fn].

    [^fn]: The footnote text.

    > A block quote.

    - item
    - item 2

    1. one
    2. two

    ```python
    def hello():
        return "hi"
    ```

    :::{note}
    A note.
    :::

    :::{warning} Careful
    :class: dropdown
    Hidden body.
    :::

    ```{figure} pic.png
    :name: fig-pic
    A caption.
    ```

    See [](#fig-pic), [](#sec-intro), [](#eq-one) and [the other page](other.md).

    ```{math}
    :label: eq-one
    e^{i\pi} + 1 = 0
    ```

    | a | b |
    |---|---|
    | 1 | 2 |

    ```{list-table}
    :header-rows: 1
    * - h1
      - h2
    * - c1
      - c2
    ```

    Term
    : Definition

    ::::{tab-set}
    :::{tab-item} One
    First tab
    :::
    :::{tab-item} Two
    Second tab
    :::
    ::::

    :::{card} Card title
    Card body
    :::

    ::::{grid} 2
    :::{grid-item-card} A
    a
    :::
    :::{grid-item-card} B
    b
    :::
    ::::
    """).lstrip()


@pytest.fixture(scope="module")
def everything(tmp_path_factory, download_cache):
    root = tmp_path_factory.mktemp("everything")
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: All nodes\n  toc:\n    - file: index.md\n"
                                   "    - title: More\n      children:\n        - file: other.md\n"
                                   "site:\n  title: All nodes\n")
    (root / "index.md").write_text(EVERYTHING)
    (root / "other.md").write_text("---\ntitle: Other\n---\n\nBack to [the start](index.md#sec-intro).\n")
    shutil.copy(SAMPLE / "data" / "temperatures.png", root / "pic.png")
    return build_site(root, Reporter(quiet=True), cache_dir=download_cache)


def test_common_nodes_render(everything):
    html = (everything.output / "index.html").read_text()
    expected = [
        '<h1>Everything</h1>', '<p class="subtitle">All the nodes</p>', "Ada Lovelace", "2024-05-01",
        '<h2 id="sec-intro">', "<em>emphasis</em>", "<strong>strong</strong>", "<code>code</code>",
        'href="https://example.org"', 'class="footnote-ref"', "The footnote text.", "<blockquote>", "<ul>", "<ol>",
        '<span class="k">def</span>', "admonition-note", '<details class="admonition admonition-warning dropdown">',
        "<figure", "<figcaption>", "<th><p>h1</p></th>", "<dl>", "<dt>Term</dt>",
        'class="tab-set"', "First tab", 'class="card"', 'class="grid"', 'href="#fig-pic"', 'href="#eq-one"',
        'href="other/"',
    ]
    missing = [snippet for snippet in expected if snippet not in html]
    assert missing == []
    assert re.search(r'<math[^>]* display="block"', html)
    image = re.search(r'<img[^>]+src="(build/[^"]+\.png)"', html)
    assert image and (everything.output / image.group(1)).is_file()
    assert not (everything.output / "lite").exists()  # no jupyter config: no lite bundle


def test_navigation_and_pager(everything):
    other = (everything.output / "other" / "index.html").read_text()
    assert '<a href="../" >' not in other
    assert re.search(r'<li class="level-1"><a href="\.\./">Everything</a></li>', other)
    assert 'aria-current="page" class="active">Other</a>' in other
    assert '<li class="nav-group level-1">More</li><li class="level-2">' in other  # a toc group heading
    assert '<a class="pager-prev" rel="prev" href="../">' in other
    assert 'href="../#sec-intro"' in other


@pytest.mark.parametrize("base_url", ["/", "/course/"])
def test_every_internal_link_resolves(tmp_path, download_cache, serve, base_url):
    root = copy_sample(tmp_path)
    site = build_site(root, Reporter(quiet=True), cache_dir=download_cache, base_url=base_url)
    served = serve(site.output, base_url)
    pages, broken = crawl(served.url())
    assert broken == []
    assert len(pages) == 5


def test_sample_pages(built_sample):
    out = built_sample.output
    explore = (out / "explore" / "index.html").read_text()
    stats = (out / "stats" / "index.html").read_text()
    about = (out / "about" / "index.html").read_text()
    index = (out / "index.html").read_text()
    assert 'href="../lite/notebooks/index.html?path=notebooks/explore.ipynb"' in explore
    assert 'href="../lite/notebooks/index.html?path=notebooks/stats.ipynb"' in stats
    assert "Open in JupyterLite" not in about and "Open in JupyterLite" not in index
    assert (out / "lite/files/notebooks/explore.ipynb").is_file()
    assert "8 rows, columns" in explore and "<table>" in explore
    assert re.search(r'<img class="output-image" src="\.\./build/[0-9a-f]+\.png"', explore)
    assert 'data-compute="true"' in explore and 'data-compute="false"' in about
    assert "<math" in index
    for page in (explore, stats, about, index):
        assert "http://" not in page.replace('xmlns="http://www.w3.org/1998/Math/MathML"', "")
        assert "https://cdn" not in page


def test_mystmd_errors_fail_only_where_myst_build_fails_or_with_strict(tmp_path, download_cache):
    root = copy_sample(tmp_path)
    site = build_site(root, Reporter(quiet=True), cache_dir=download_cache)
    page = root / "about.md"
    page.write_text(page.read_text() + "\n```{nonsense}\nbody of the unknown directive\n```\n")
    line = page.read_text().splitlines().index("```{nonsense}") + 1

    strict = cli_build(root, download_cache, "--strict")  # every mystmd problem is fatal; the output stays
    before = {p.relative_to(site.output): p.read_bytes() for p in site.output.rglob("*") if p.is_file()}
    assert strict.returncode == 1 and "Traceback" not in strict.stderr
    assert f"error: sample_site/about.md:{line}: unknown directive: nonsense" in strict.stderr
    assert {p.relative_to(site.output): p.read_bytes() for p in site.output.rglob("*") if p.is_file()} == before

    relaxed = cli_build(root, download_cache)  # `myst build` succeeds here, and so does mystlite, saying why
    assert relaxed.returncode == 0, relaxed.stderr
    assert (f"warning: sample_site/about.md:{line}: unknown directive: nonsense (mystmd error, not fatal)"
            in relaxed.stderr)
    assert "body of the unknown directive" in (site.output / "about" / "index.html").read_text()


def test_invalid_notebook_json_is_one_line(tmp_path, download_cache):
    root = copy_sample(tmp_path)
    (root / "notebooks" / "explore.ipynb").write_text("{ not json")
    result = cli_build(root, download_cache)
    assert result.returncode == 1
    errors = [l for l in result.stderr.splitlines() if l.startswith("error")]
    assert errors == ["error: sample_site/notebooks/explore.ipynb:1: invalid notebook JSON: Expecting property name "
                      "enclosed in double quotes (column 3)"]


def test_missing_node_is_a_clear_error(tmp_path, download_cache):
    root = tmp_path / "p"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: x\n")
    (root / "index.md").write_text("# hi\n")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # python, but no node
    result = subprocess.run([sys.executable, "-m", "mystlite", "build", str(root)], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Node.js is needed to build the MyST pages" in result.stderr


def test_unchanged_pages_do_not_run_mystmd(tmp_path, download_cache, monkeypatch):
    root = copy_sample(tmp_path)
    build_site(root, Reporter(quiet=True), cache_dir=download_cache)
    import mystlite.pages.mystcommand as mystcommand

    monkeypatch.setattr(mystcommand, "find_node", lambda: pytest.fail("mystmd ran although nothing changed"))
    site = build_site(root, Reporter(quiet=True), cache_dir=download_cache)
    assert site.changed is False


def secret_project(tmp_path: Path, expose: bool) -> Path:
    root = tmp_path / ("exposed" if expose else "kept")
    root.mkdir()
    (root / "myst.yml").write_text(
        "version: 1\nproject:\n  title: S\n  jupyter:\n    server:\n      url: http://localhost:8888/\n"
        f"      token: s3cret-token-value\nmystlite:\n  expose_server_token: {'true' if expose else 'false'}\n")
    (root / "index.md").write_text("---\nkernelspec:\n  name: python3\n---\n# Hi\n\n```{code-cell} python\n1\n```\n")
    return root


@pytest.mark.parametrize("expose", [False, True])
def test_server_token_is_published_only_on_request(tmp_path, download_cache, expose):
    site = build_site(secret_project(tmp_path, expose), Reporter(quiet=True), cache_dir=download_cache)
    published = [p for p in site.output.rglob("*") if p.is_file() and b"s3cret-token-value" in p.read_bytes()]
    html = (site.output / "index.html").read_text()
    assert '"server": {' in html and '"url": "http://localhost:8888/"' in html  # the runtime connects to it
    assert bool(published) is expose
    assert "_static/runtime/runtime.js" in html and '"backend": "server"' in html  # its cells run on the server
    assert not (site.output / "lite").exists()  # no pyodide for a page that runs remotely


def test_a_user_site_template_is_respected(tmp_path, download_cache):
    template = tmp_path / "my-template"
    template.mkdir()
    (template / "template.yml").write_text(
        "myst: v1\nkind: site\ntitle: mine\nbuild:\n  install: 'true'\n"
        "  render: \"echo '<h1>made by my template</h1>' > $BUILD_DIRECTORY/index.html\"\n")
    root = copy_sample(tmp_path / "site")
    text = (root / "myst.yml").read_text().replace("site:\n", f"site:\n  template: {template}\n")
    (root / "myst.yml").write_text(text)
    site = build_site(root, Reporter(quiet=True), cache_dir=download_cache)
    assert (site.output / "index.html").read_text().strip() == "<h1>made by my template</h1>"
    assert (site.output / "lite" / "static" / "pyodide" / "pyodide.mjs").is_file()


def test_includes_outside_the_project_and_plugins_with_node_modules(tmp_path, download_cache):
    """As in mystmd: `{include}` of ../RELEASE.md works, and a JavaScript plugin imports from node_modules."""
    (tmp_path / "RELEASE.md").write_text("Release notes from above the project.\n")
    docs = tmp_path / "docs"
    package = docs / "node_modules" / "fakepkg"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "fakepkg", "type": "module", "main": "index.mjs"}')
    (package / "index.mjs").write_text("export function shout(text) { return text.trim().toUpperCase() + '!'; }\n")
    (docs / "shout.mjs").write_text(
        'import { shout } from "fakepkg";\n'
        "export default { name: 'shout', directives: [{ name: 'shout', body: { type: String },\n"
        "  run(data) { return [{ type: 'paragraph', children: [{ type: 'text', value: shout(data.body) }] }]; } }] };\n")
    (docs / "myst.yml").write_text("version: 1\nproject:\n  title: Docs\n  plugins:\n    - shout.mjs\n")
    (docs / "index.md").write_text("# Docs\n\n```{include} ../RELEASE.md\n```\n\n```{shout}\nhello\n```\n")
    reporter = Reporter(quiet=True)
    site = build_site(docs, reporter, cache_dir=download_cache)
    html = (site.output / "index.html").read_text()
    assert "Release notes from above the project." in html
    assert "HELLO!" in html
    assert not [w for w in reporter.warnings if "plugin" in w.lower() or "include" in w.lower()], reporter.warnings
    (tmp_path / "RELEASE.md").write_text("Newer notes.\n")  # an input of the build, though outside the project
    from mystlite.fingerprint import up_to_date

    assert up_to_date(docs, None, download_cache) is None
    assert "Newer notes." in (build_site(docs, reporter, cache_dir=download_cache).output / "index.html").read_text()


@pytest.mark.parametrize("template, keep, ours, said", [
    ("book-theme", False, True, "info"),
    ("article-theme@1.0", False, True, "info"),
    ("https://example.org/theme.zip", False, True, "warning"),
    ("some-other-theme", False, True, "warning"),
    ("https://example.org/theme.zip", True, False, None),
])
def test_official_and_foreign_templates(make_project, template, keep, ours, said):
    import yaml

    from mystlite.config import load_config
    from mystlite.pages.mystmd import TEMPLATE_DIR, mirror_config
    from mystlite.project import load_project

    keep_line = "mystlite:\n  keep_template: true\n" if keep else ""
    root = make_project({"myst.yml": f"version: 1\nproject:\n  title: T\nsite:\n  template: {template}\n{keep_line}",
                         "index.md": "# x\n"})
    messages = []

    class Recorder(Reporter):
        def info(self, message):
            messages.append(("info", message))

        def warn(self, message):
            messages.append(("warning", message))

    data, is_ours, _ = mirror_config(load_project(load_config(root)), Recorder())
    assert is_ours == ours
    assert yaml.safe_load(data)["site"]["template"] == (str(TEMPLATE_DIR) if ours else template)
    if said:
        assert [kind for kind, _ in messages] == [said]
        assert f"site.template: {template} " in messages[0][1] and "mystlite.keep_template: true" in messages[0][1]
    else:
        assert messages == []


def test_an_executable_plugin_keeps_its_bit_and_runs(tmp_path, download_cache):
    import stat
    import sys as system

    root = tmp_path / "proj"
    root.mkdir()
    plugin = root / "stamp.py"
    plugin.write_text(f"#!{system.executable}\n" + textwrap.dedent('''
        import json, sys
        spec = {"name": "stamp", "directives": [{"name": "stamp", "arg": {"type": "string"}}]}
        if "--directive" in sys.argv:
            data = json.load(sys.stdin)
            json.dump([{"type": "paragraph", "children": [{"type": "text", "value": "stamped: " + data["arg"]}]}],
                      sys.stdout)
        else:
            json.dump(spec, sys.stdout)
        '''))
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: T\n  plugins:\n    - type: executable\n"
                                   "      path: stamp.py\n")
    (root / "index.md").write_text("# T\n\n```{stamp} hello\n```\n")
    reporter = Reporter(quiet=True)
    site = build_site(root, reporter, cache_dir=download_cache)
    assert "stamped: hello" in (site.output / "index.html").read_text()
    assert reporter.warnings == []


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082")


def test_copied_files_are_named_by_their_content_not_by_where_the_project_sits(tmp_path, download_cache):
    """mystmd names an image or download it copies by a hash of its absolute path and mtime; the published
    name comes from the content, so two folders (two clones, two machines) publish the same bytes."""
    outputs = []
    for place, mtime in (("one", 1_600_000_000), ("two/deeper", 1_700_000_000)):
        root = tmp_path / place / "proj"
        root.mkdir(parents=True)
        (root / "myst.yml").write_text("version: 1\nproject:\n  title: Copies\n")
        (root / "index.md").write_text("# Copies\n\n![a dot](dot.png)\n\n[the data](data.csv)\n")
        (root / "dot.png").write_bytes(PNG)
        (root / "data.csv").write_text("a,b\n1,2\n")
        for name in ("dot.png", "data.csv"):
            os.utime(root / name, (mtime, mtime))
        outputs.append(build_site(root, Reporter(quiet=True), cache_dir=download_cache).output)
    files = [{p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
             for out in outputs]
    assert files[0] == files[1]
    copies = sorted(name for name in files[0] if name.startswith("build/"))
    assert [re.sub(r"-[0-9a-f]{32}", "-<digest>", name) for name in copies] == \
        ["build/data-<digest>.csv", "build/dot-<digest>.png"]
    html = files[0]["index.html"].decode()
    assert all(name in html for name in copies)  # the page refers to the published names


def test_remote_images_that_cannot_be_downloaded_are_said_once(tmp_path, download_cache):
    """mystmd repeats "Error saving image" per pass and page, then calls the image extensionless; offline (a
    `.invalid` host never resolves) that is one warning naming the image, and the page keeps its address."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Remote\n")
    logo = "https://logo.invalid/brand.svg"
    for name in ("index.md", "other.md"):
        (root / name).write_text(f"# {name}\n\n![the logo]({logo})\n")
    result = cli_build(root, download_cache)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    about_images = [line for line in warnings if "image" in line]
    assert len(about_images) == 1, warnings
    assert about_images[0].startswith("warning: could not download 1 remote image (first: ")
    assert about_images[0].endswith(f"needs the network: {logo} (mystmd error, not fatal)")
    assert f'src="{logo}"' in (root / "_build" / "html" / "other" / "index.html").read_text()


SHOUT_PLUGIN = """\
const plugin = {
  name: "Shout",
  roles: [{
    name: "shout",
    body: { type: String },
    run(data) { return [{ type: "text", value: data.body.toUpperCase() + "!" }]; },
  }],
};
export default plugin;
"""


def test_a_remote_plugin_is_fetched_once_and_works_offline_after(tmp_path, download_cache):
    """A plugin named by URL in myst.yml (as jupyter-book's own docs do): used when fetched, still used from the
    download cache when the network is gone and _build was removed (a fresh clone), and when it was never
    fetched, one warning and the rest of the site builds."""
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    (served / "shout.mjs").write_text(SHOUT_PLUGIN)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/shout.mjs"
    root = tmp_path / "proj"
    root.mkdir()
    (root / "myst.yml").write_text(f"version: 1\nproject:\n  title: Plugins\n  plugins:\n    - {url}\n")
    (root / "index.md").write_text("# Plugins\n\nThey say {shout}`hello from afar`.\n")

    def build() -> subprocess.CompletedProcess:
        return cli_build(root, download_cache)

    page = root / "_build" / "html" / "index.html"
    first = build()
    assert first.returncode == 0, first.stderr
    assert "HELLO FROM AFAR!" in page.read_text()
    server.shutdown()
    server.server_close()
    shutil.rmtree(root / "_build")
    offline = build()
    assert offline.returncode == 0, offline.stderr
    assert "HELLO FROM AFAR!" in page.read_text() and "warning" not in offline.stderr
    for copy in (download_cache / "plugins").glob("*.mjs"):  # as if never fetched
        if copy.read_text() == SHOUT_PLUGIN:
            copy.unlink()
    (root / "index.md").write_text("# Plugins\n\nThey say {shout}`hello again`.\n")
    never = build()
    assert never.returncode == 0, never.stderr
    warnings = [line for line in never.stderr.splitlines() if line.startswith("warning:")]
    assert warnings[0].startswith(f"warning: proj/myst.yml:5: could not fetch the plugin {url} (")
    assert warnings[0].endswith("and it was never fetched before: its directives and roles show as source")
    assert "Unknown plugin" not in never.stderr
    assert "hello again" in page.read_text()


def test_a_plugin_that_stops_mystmd_is_named_as_the_error(tmp_path, download_cache):
    """mystmd's docs have a transform that needs the network; offline it stops mystmd after some ⛔️ lines
    that did not. The error is what stopped it, and the earlier output stays."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Stops\n  plugins:\n    - stops.mjs\n")
    (root / "index.md").write_text("# Stops\n\nFine.\n")
    (root / "stops.mjs").write_text(
        "export default { name: 'Stops', transforms: [{ name: 'stops', stage: 'document',\n"
        "  plugin: () => (tree) => { if (JSON.stringify(tree).includes('STOP')) {\n"
        "    throw new Error('Error loading things from a server'); } } }] };\n")

    def build() -> subprocess.CompletedProcess:
        return cli_build(root, download_cache)

    assert build().returncode == 0
    before = (root / "_build" / "html" / "index.html").read_bytes()
    (root / "index.md").write_text("# Stops\n\nSTOP here.\n\n```{nonsense}\nbody\n```\n")
    failed = build()
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: mystmd stopped: Error loading things from a server"], failed.stderr  # one error
    assert any(line.startswith("warning: ") and "unknown directive: nonsense" in line
               for line in failed.stderr.splitlines())
    assert (root / "_build" / "html" / "index.html").read_bytes() == before


def test_mystmds_random_labels_do_not_change_the_site_between_builds(tmp_path, download_cache):
    """mystmd labels an unlabeled exercise and an index entry with a random id each run, and names a video's
    copy by its folder; two clean builds (or an incremental and a clean one) must still give the same bytes,
    with the anchors and the references to them agreeing. An author's own label stays as written."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "myst.yml").write_text("version: 1\nproject:\n  title: Labels\n  toc:\n    - file: index.md\n"
                                   "    - file: more.md\n")
    (root / "index.md").write_text(
        "# Labels\n\n:::{exercise}\nAdd two numbers.\n:::\n\n:::{exercise}\n:label: exercise-question12\n"
        "Subtract them.\n:::\n\n:::{index} apples\n:::\nApples are fruit.\n\n![](clip.mp4)\n\n"
        "```{myst}\n:::{exercise}\nA demo exercise.\n:::\n```\n")
    (root / "more.md").write_text("# More\n\nSee [](#exercise-question12).\n\n:::{show-index}\n:::\n")
    (root / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")

    def build() -> dict[str, bytes]:
        shutil.rmtree(root / "_build", ignore_errors=True)
        out = build_site(root, Reporter(quiet=True), cache_dir=download_cache).output
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    first, second = build(), build()
    assert first == second
    home, more = first["index.html"].decode(), first["more/index.html"].decode()
    ids = re.findall(r'id="((?:exercise|index)-[^"]+)"', home)
    assert "exercise-question12" in ids and len(ids) >= 3, ids
    assert 'href="./#exercise-question12"' in more or "#exercise-question12" in more
    index_links = re.findall(r'href="[^"]*#(index-[^"]+)"', more)
    assert index_links and all(link in ids for link in index_links), (index_links, ids)
    assert ">clip.mp4</a>" in home
