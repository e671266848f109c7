"""The remote backends in headless Chromium: a page whose project.jupyter names a Jupyter server runs its cells
on a real jupyter_server with ipykernel (on 127.0.0.1), through the same Run buttons and the same renderer as
pyodide; a Binder project runs them on the server that a BinderHub stand-in hands out (see remote_parts.py for
what it stands in for); a project with both sends a page whose imports pyodide lacks to Binder.
No request leaves 127.0.0.1."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from remote_parts import BinderStandIn, JupyterServer
from test_runtime_browser import TIMEOUT, run_cell, set_code

pytestmark = [pytest.mark.browser, pytest.mark.build]

KERNEL = "kernelspec:\n  name: python3\n  display_name: Python 3\n"


def cells(*sources: str) -> str:
    return "\n".join(f"```{{code-cell}} python\n{textwrap.dedent(source).strip()}\n```\n" for source in sources)


SERVER_PAGE = f"---\ntitle: On a server\n{KERNEL}---\n\n" + cells(
    'import sys\nprint("hello from", sys.platform)',
    'from IPython.display import HTML, display\nh = display("first", display_id=True)\nh.update("second")\n'
    'HTML("<b class=\'rich\'>rich</b>")',
    "1 / 0",
    'name = input("Name? ")\nprint("hi", name)',
    "x = 41\nimport time\ntime.sleep(120)",
    "print(x + 1)",
    """
    import ipywidgets as widgets
    out = widgets.Output()
    slider = widgets.IntSlider(value=1, max=10, description="n")
    def changed(change):
        with out:
            print("value", change["new"])
    slider.observe(changed, "value")
    display(slider, out)
    """,
) + """
:::{exercise-start}
:label: ex-double
:::

Write `double(n)`.

```{code-cell} python
def double(n):
    return n
```

```{code-cell} python
:tags: [check]
assert double(3) == 6, "double(3) should be 6"
```

:::{exercise-end}
:::
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def jupyter():
    server = JupyterServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server_site(tmp_path_factory, jupyter):
    from mystlite.log import Reporter
    from mystlite.site import build_site

    root = write(tmp_path_factory.mktemp("server"), {
        "myst.yml": f"version: 1\nproject:\n  title: Remote\n  jupyter:\n    server:\n      url: {jupyter.url}\n"
                    f"      token: {jupyter.token}\n",
        "index.md": SERVER_PAGE})
    site = build_site(root, Reporter(quiet=True))
    return root, site


def wait_ready(page, text: str) -> None:
    page.locator(".compute-status").filter(has_text=text).wait_for(timeout=TIMEOUT)


def test_a_jupyter_server_runs_the_page_like_pyodide(server_site, jupyter, serve, offline_page):
    root, site = server_site
    published = b"".join(p.read_bytes() for p in site.output.rglob("*") if p.is_file())
    assert jupyter.token.encode() not in published  # the token is never written into the site
    data = json.loads(re.search(r'id="mystlite-page">(.*?)</script>', (site.output / "index.html").read_text()).group(1))
    assert data["backend"] == "server" and "token" not in data["jupyter"]["server"]
    assert not (site.output / "lite").exists()  # no pyodide: the site stays small

    served = serve(site.output, server_token={"url": jupyter.url, "token": jupyter.token})  # as `mystlite serve`
    browser = offline_page()
    page = browser.page
    page.goto(served.url())
    wait_ready(page, "Ready (a Jupyter server)")
    assert run_cell(page, 0) == "hello from linux"  # CPython on the server, not pyodide (emscripten)
    rich = run_cell(page, 1)
    assert rich.splitlines() == ["'second'", "rich"]  # update_display replaced 'first'; the result is HTML
    assert page.locator(".cell[data-cell-index='1'] .output-html b.rich").count() == 1
    error = run_cell(page, 2)
    assert "ZeroDivisionError" in error and "\x1b[" not in error and "1 / 0" in error

    # input(): a box in the cell, the answer goes to the kernel's stdin
    page.locator(".cell[data-cell-index='3'] .run-cell").click()
    field = page.locator(".cell[data-cell-index='3'] .output-input input")
    field.wait_for(timeout=TIMEOUT)
    field.fill("Ada")
    field.press("Enter")
    page.wait_for_function("document.querySelector(\".cell[data-cell-index='3'] .cell-count\").textContent === '[4]'",
                           timeout=TIMEOUT)
    assert page.locator(".cell[data-cell-index='3'] .cell-outputs").inner_text().strip().splitlines() == [
        "Name? Ada", "hi Ada"]

    # Stop interrupts through the server's API, and the kernel keeps its variables
    page.locator(".cell[data-cell-index='4'] .run-cell").click()
    page.wait_for_timeout(1500)
    page.locator(".compute-bar .stop").click()
    page.locator(".cell[data-cell-index='4'] .output-error").wait_for(timeout=TIMEOUT)
    assert "KeyboardInterrupt" in page.locator(".cell[data-cell-index='4'] .output-error").inner_text()
    assert run_cell(page, 5) == "42"

    # completion and help come from the kernel (complete_request, inspect_request)
    set_code(page, 5, "import sys\nsys.plat")
    page.keyboard.press("Tab")
    option = page.locator(".cm-tooltip-autocomplete li")
    option.first.wait_for(timeout=TIMEOUT)
    assert "platform" in option.all_inner_texts()
    page.keyboard.press("Escape")
    set_code(page, 5, "len(")
    page.keyboard.press("Shift+Tab")
    page.wait_for_function("(() => { const t = document.querySelector(\".cell[data-cell-index='5'] .cell-help\")"
                           "?.textContent; return t && t !== 'Looking it up…'; })()", timeout=TIMEOUT)
    assert "Return the number of items" in page.locator(".cell[data-cell-index='5'] .cell-help").inner_text()
    page.keyboard.press("Escape")

    # a slider whose callback prints into an Output widget
    run_cell(page, 6)
    handle = page.locator(".cell[data-cell-index='6'] .noUi-handle, .cell[data-cell-index='6'] [role='slider']").first
    handle.wait_for(timeout=TIMEOUT)
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.locator(".cell[data-cell-index='6'] .widget-output, .cell[data-cell-index='6'] .jupyter-widgets-output-area") \
        .filter(has_text="value 2").first.wait_for(timeout=TIMEOUT)

    # an exercise's check runs on the server too
    exercise = page.locator(".exercise .cell").first
    exercise.locator(".run-cell").click()
    page.locator(".exercise-feedback .exercise-fail").wait_for(timeout=TIMEOUT)
    assert page.locator(".exercise-feedback").inner_text().strip() == "✗ double(3) should be 6"
    set_code(page, int(exercise.get_attribute("data-cell-index")), "def double(n):\n    return 2 * n\n")
    exercise.locator(".run-cell").click()
    page.locator(".exercise-feedback .exercise-pass").wait_for(timeout=TIMEOUT)

    # Restart restarts the kernel through the API: the variables are gone
    page.locator(".compute-bar .restart").click()
    wait_ready(page, "Ready (a Jupyter server)")
    set_code(page, 5, "print(x + 1)")
    assert "NameError" in run_cell(page, 5)
    browser.assert_offline()


def test_a_published_page_asks_for_the_token_and_keeps_it_in_the_tab(server_site, jupyter, serve, offline_page):
    root, site = server_site
    served = serve(site.output)  # a static host: nothing hands out the token
    browser = offline_page()
    page = browser.page
    page.goto(served.url())
    dialog = page.locator("dialog.token-dialog")
    dialog.wait_for(timeout=TIMEOUT)
    assert jupyter.url in dialog.inner_text()
    dialog.locator("input").fill("wrong-token")
    dialog.get_by_role("button", name="Connect").click()
    page.locator("dialog.token-dialog").filter(has_text="was not accepted").wait_for(timeout=TIMEOUT)
    page.locator("dialog.token-dialog input").fill(jupyter.token)
    page.get_by_role("button", name="Connect").click()
    wait_ready(page, "Ready (a Jupyter server)")
    assert run_cell(page, 0) == "hello from linux"
    kept = page.evaluate("[JSON.stringify(sessionStorage), JSON.stringify(localStorage)]")
    assert jupyter.token in kept[0] and jupyter.token not in kept[1]
    page.reload()  # the same tab: no second question
    wait_ready(page, "Ready (a Jupyter server)")
    assert page.locator("dialog.token-dialog").count() == 0
    assert browser.off_host == []
    # the server refuses the wrong token without CORS headers: the browser counts that one request as failed
    assert [f for f in browser.failed if not f.startswith(f"{jupyter.url}api/kernels ")] == []


def test_the_jupyterhub_recipe_a_user_server_under_its_prefix(tmp_path, serve, offline_page):
    """A JupyterHub user's server is a Jupyter server under /user/<name>/, reached with an API token (the README's
    recipe). JupyterHub itself needs its proxy and a spawner; this runs the same kind of server, under the same
    prefix, with a token, which is all the page talks to."""
    from mystlite.log import Reporter
    from mystlite.site import build_site

    hub_user = JupyterServer(token="api-token-from-the-hub", base_url="/user/ada/")
    try:
        root = write(tmp_path / "hub", {
            "myst.yml": f"version: 1\nproject:\n  title: Hub\n  jupyter:\n    server:\n      url: {hub_user.url}\n"
                        f"      token: {hub_user.token}\n",
            "index.md": f"---\n{KERNEL}---\n\n" + cells('print("on the hub")')})
        site = build_site(root, Reporter(quiet=True))
        served = serve(site.output, server_token={"url": hub_user.url, "token": hub_user.token})
        browser = offline_page()
        page = browser.page
        page.goto(served.url())
        wait_ready(page, "Ready (a Jupyter server)")
        assert run_cell(page, 0) == "on the hub"
        assert len(hub_user.kernels()) == 1
        browser.assert_offline()
    finally:
        hub_user.stop()


# ---- Binder, through the stand-in of BinderHub's build API ----

@pytest.fixture(scope="module")
def binder(jupyter):
    hub = BinderStandIn(jupyter)
    yield hub
    hub.stop()


def binder_site(root: Path, hub: BinderStandIn, story: str, download_cache: Path, lite: bool = False,
                pages: dict[str, str] | None = None):
    from mystlite.log import Reporter
    from mystlite.site import build_site

    lite_line = "    lite: true\n" if lite else ""
    write(root, {"myst.yml": f"version: 1\nproject:\n  title: Binder\n  jupyter:\n{lite_line}    binder:\n"
                             f"      url: {hub.url}\n      repo: stand-in/{story}\n      ref: main\n",
                 **(pages or {"index.md": f"---\n{KERNEL}---\n\n" + cells('import sys\nprint("on", sys.platform)')})})
    return build_site(root, Reporter(quiet=True), cache_dir=download_cache)


def test_binder_shows_its_progress_and_reuses_the_session(tmp_path, binder, serve, offline_page, download_cache):
    site = binder_site(tmp_path / "slow", binder, "slow", download_cache)
    served = serve(site.output)
    browser = offline_page()
    page = browser.page
    seen = []
    page.expose_function("seen", lambda text: seen.append(text))
    page.add_init_script("new MutationObserver(() => { const s = document.querySelector('.compute-status');"
                         " if (s) window.seen(s.textContent); }).observe(document, {subtree: true, childList: true,"
                         " characterData: true});")
    page.goto(served.url())
    wait_ready(page, "Ready (Binder)")
    assert any(text.startswith("Binder: building (step 3 of 7)") for text in seen), seen
    log = page.locator("details.binder-log")
    assert "Step 2/3 : RUN pip install" in log.locator("pre").text_content()  # folded until asked for
    assert run_cell(page, 0) == "on linux"
    launch = page.locator("a.launch-binder")
    assert launch.get_attribute("href") == f"{binder.url}v2/gh/stand-in/slow/main?urlpath=lab%2Ftree%2Findex.md"
    builds = len(binder.builds)
    saved = json.loads(page.evaluate(f"localStorage.getItem('mystlite-binder:{binder.url}gh/stand-in/slow/main')"))
    assert saved["url"] == binder.jupyter.url

    page.reload()  # the saved session is checked and reused: no new build
    wait_ready(page, "Ready (Binder)")
    assert len(binder.builds) == builds
    assert run_cell(page, 0) == "on linux"
    browser.assert_offline()


@pytest.mark.parametrize("story, said", [
    ("fails", "Binder could not start the server: Error during build: repo2docker found no environment.yml or "
              "requirements.txt"),
    ("drops", "Lost the connection to Binder ({hub}) while building; try again"),
])
def test_binder_failures_are_one_clear_sentence(tmp_path, binder, serve, offline_page, download_cache, story, said):
    site = binder_site(tmp_path / story, binder, story, download_cache)
    served = serve(site.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url())
    status = page.locator(".compute-status[data-kind='error']")
    status.wait_for(timeout=TIMEOUT)
    assert status.inner_text() == said.format(hub=binder.url)
    page.locator(".cell[data-cell-index='0'] .run-cell").click()  # a Run says why, and never hangs
    page.locator(".cell[data-cell-index='0'] .output-error").wait_for(timeout=TIMEOUT)
    assert said.format(hub=binder.url) in page.locator(".cell[data-cell-index='0'] .output-error").inner_text()


def test_a_page_pyodide_cannot_run_goes_to_binder(tmp_path, binder, serve, offline_page, download_cache, config_json):
    """lite and binder together: the plain page runs in pyodide, the page that imports torch on Binder, and the
    reader can move the plain page to Binder."""
    pages = {"plain.md": f"---\n{KERNEL}---\n\n" + cells('import sys\nprint("on", sys.platform)'),
             "torch.md": f"---\n{KERNEL}---\n\n" + cells(
                 'import sys\ntry:\n    import torch\nexcept ImportError:\n    pass\nprint("on", sys.platform)')}
    site = binder_site(tmp_path / "routed", binder, "slow", download_cache, lite=True, pages=pages)
    backends = {page.path: (page.backend, page.route) for page in site.project.pages}
    assert backends == {"plain.md": ("lite", ""), "torch.md": ("binder", "torch: no pyodide build")}
    from mystlite.log import Reporter
    from mystlite.site import build_site

    (tmp_path / "routed" / "plain.md").write_text(pages["plain.md"] + "\nMore.\n")
    assert build_site(tmp_path / "routed", Reporter(quiet=True), cache_dir=download_cache, offline=True).offline
    # --offline: the torch page on Binder is not an error (it needs the network, and the summary says so)
    code, out = config_json(tmp_path / "routed")
    assert [(page["path"], page["backend"], page.get("route")) for page in out["pages"]] == [
        ("plain.md", "lite", None), ("torch.md", "binder", "torch: no pyodide build (at the last build)")]
    from mystlite.log import backend_lines

    lines = backend_lines(site.project)
    assert lines[:2] == ["1 page in the browser (pyodide): plain.md",
                         "1 page on Binder (torch: no pyodide build): torch.md"]
    served = serve(site.output)
    browser = offline_page()
    page = browser.page
    page.goto(served.url())  # the first page is the site's index
    try:
        wait_ready(page, "Ready")
    except Exception:
        raise AssertionError(page.locator(".compute-status").inner_text() + browser.diagnosis())
    assert run_cell(page, 0) == "on emscripten"
    page.goto(served.url("torch/"))
    wait_ready(page, "Ready (Binder)")
    assert run_cell(page, 0) == "on linux"
    page.goto(served.url())  # the first page is the site's index  # the reader moves this page to Binder
    page.locator(".backend-choice select").select_option("binder")
    wait_ready(page, "Ready (Binder)")
    assert run_cell(page, 0) == "on linux"
    browser.assert_offline()
