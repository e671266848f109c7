"""The core promise, in a real headless Chromium with every host but 127.0.0.1 unresolvable:
the built sample site runs Python offline, imports the custom wheel, and reads the contents."""

from __future__ import annotations

import warnings

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = [pytest.mark.browser, pytest.mark.build]

KERNEL_TIMEOUT = 120_000  # ms; a cold pyodide start on a slow CI core
RETRY_AFTER = 45_000  # ms


def wait_for_notebook_kernel(page, timeout: int = KERNEL_TIMEOUT) -> None:
    """The notebook's execution indicator says 'idle' before any kernel exists ("No Kernel" in the toolbar);
    a run then races the kernel's own start and can end in a "Select Kernel" dialog. Wait for a started,
    idle kernel."""
    page.wait_for_function(
        """() => document.querySelector('.jp-KernelStatus-success') !== null
            && document.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') === 'idle'""",
        timeout=timeout,
    )


def wait_for_console_kernel(page, timeout: int = KERNEL_TIMEOUT) -> None:
    """A console's input takes keys before its kernel exists; its banner shows the kernel's own text once the
    kernel has answered (until then it is '...')."""
    page.wait_for_function(
        """() => { const banner = document.querySelector('.jp-CodeConsole-banner');
                   return banner !== null && banner.textContent.includes('Pyodide'); }""",
        timeout=timeout,
    )


def console_kernel_or_reload(browser) -> None:
    """wait_for_console_kernel, as a reader would: once, on a loaded CI machine, JupyterLite's console came up
    without ever starting its kernel (its banner stayed '...' for two minutes). After RETRY_AFTER the page is
    reloaded once, and the reload is said; a console whose kernel never starts still fails, with the browser's
    story."""
    page = browser.page
    try:
        wait_for_console_kernel(page, timeout=RETRY_AFTER)
        return
    except PlaywrightTimeout:
        pass
    told = browser.diagnosis()
    warnings.warn(f"JupyterLite's console had no kernel after {RETRY_AFTER // 1000} s; reloading the page\n{told}")
    page.reload()
    page.wait_for_selector(".jp-CodeConsole-input .cm-content", timeout=KERNEL_TIMEOUT)
    try:
        wait_for_console_kernel(page)
    except PlaywrightTimeout:
        pytest.fail(f"JupyterLite's console never started its kernel, before or after a reload\n"
                    f"before the reload: {told}\nafter it: {browser.diagnosis()}")


def open_dialog(page) -> str:
    dialog = page.locator(".jp-Dialog")
    return dialog.first.inner_text() if dialog.count() else ""


def wait_or_run_again(browser, output, run) -> None:
    """Now and then, on a loaded CI machine, JupyterLite's first run gives no output: once, after a while, run it
    again, as a reader would, closing any dialog JupyterLite opened (and saying which). A kernel that never runs
    anything still fails, with the browser's story."""
    page = browser.page
    try:
        output.first.wait_for(timeout=RETRY_AFTER)
        return
    except PlaywrightTimeout:
        pass
    dialog = open_dialog(page)
    if dialog:
        page.locator(".jp-Dialog .jp-mod-accept").first.click()
    warnings.warn(f"JupyterLite gave no output in {RETRY_AFTER // 1000} s; running again"
                  + (f" after closing a dialog: {dialog!r}" if dialog else ""))
    run()
    try:
        output.first.wait_for(timeout=KERNEL_TIMEOUT)
    except PlaywrightTimeout:
        pytest.fail(f"JupyterLite never ran the code (dialog before the retry: {dialog!r}, now: "
                    f"{open_dialog(page)!r})\n{browser.diagnosis()}")


def repl_run(browser, code: str, expect: str) -> str:
    page = browser.page
    page.click(".jp-CodeConsole-input .cm-content")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    cell = page.locator(f".jp-CodeConsole-content .jp-OutputArea-output:has-text({expect!r})")

    def again():  # the code again, whether or not the console took the first input
        page.click(".jp-CodeConsole-input .cm-content")
        page.keyboard.press("Control+A")
        page.keyboard.type(code)
        page.keyboard.press("Shift+Enter")

    wait_or_run_again(browser, cell, again)
    return cell.first.inner_text()


@pytest.mark.parametrize("base_url", ["/", "/course/"])
def test_repl_and_notebook_run_offline(built_sample, serve, offline_page, base_url):
    served = serve(built_sample.output, base_url)
    browser = offline_page()
    page = browser.page

    page.goto(served.url("lite/repl/index.html?kernel=python&toolbar=1"))
    page.wait_for_selector(".jp-CodeConsole-input .cm-content", timeout=60_000)
    console_kernel_or_reload(browser)
    out = repl_run(browser, "import coursekit; print(6 * 7, coursekit.greet('repl'))", "42")
    assert out.strip() == "42 Hello, repl, from coursekit 0.1.0!"
    out = repl_run(browser, "%pip install coursekit\nprint('pip', 'done')", "pip done")
    assert "pip done" in out
    errors = page.locator(".jp-CodeConsole-content .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert "Error" not in " ".join(errors.all_inner_texts())

    page.goto(served.url("lite/notebooks/index.html?path=notebooks/stats.ipynb"))
    wait_for_notebook_kernel(page)
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click("text=Run All Cells")
    page.wait_for_selector(".jp-OutputArea-output:has-text('empty sequence')", timeout=KERNEL_TIMEOUT)
    outputs = [o.strip() for o in page.locator(".jp-Notebook .jp-OutputArea-output").all_inner_texts()]
    assert outputs[:3] == ["Hello, reader, from coursekit 0.1.0!", "4.5", "{'count': 8, 'mean': 15.312, 'std': 8.252}"]
    assert outputs[3].endswith("ValueError: mean() of an empty sequence")  # the sample's deliberate error cell

    browser.assert_offline()
    assert any("/lite/static/pyodide/pyodide.asm.wasm" in url for url in browser.requests)


def test_lite_entry_points_open_something_useful_with_no_404(built_sample, serve, offline_page):
    served = serve(built_sample.output, "/course/")
    browser = offline_page()
    page = browser.page
    missing = []
    page.on("response", lambda r: r.status >= 400 and missing.append(f"{r.status} {r.url}"))
    links: set[str] = set()

    def collect() -> None:  # every link in the app's chrome and listings, followed after the visits
        links.update(page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"))

    page.goto(served.url("lite/"))  # JupyterLite's root opens the file list (tree), which ships
    page.wait_for_url("**/lite/tree/**", timeout=KERNEL_TIMEOUT)
    page.get_by_text("notebooks", exact=True).first.wait_for(timeout=KERNEL_TIMEOUT)
    page.wait_for_load_state("networkidle")
    collect()
    page.get_by_text("notebooks", exact=True).first.dblclick()  # into a folder: its files' links too
    page.get_by_text("stats.ipynb").first.wait_for(timeout=KERNEL_TIMEOUT)
    collect()
    page.goto(served.url("lite/notebooks/"))  # no ?path=: the list, not a blank page
    page.wait_for_url("**/lite/tree/**", timeout=KERNEL_TIMEOUT)
    page.wait_for_load_state("networkidle")
    page.goto(served.url("lite/notebooks/index.html?path=notebooks/stats.ipynb"))
    wait_for_notebook_kernel(page)
    page.locator(".jp-CodeCell .cm-content").first.click()
    page.keyboard.press("Shift+Enter")  # the kernel goes busy and idle: the app's tab icon must not 404

    def again():
        page.locator(".jp-CodeCell .cm-content").first.click()
        page.keyboard.press("Shift+Enter")

    wait_or_run_again(browser, page.locator(".jp-OutputArea-output", has_text="Hello, reader"), again)
    page.wait_for_load_state("networkidle")
    collect()
    page.goto(served.url("lite/repl/index.html?kernel=python"))
    page.wait_for_selector(".jp-CodeConsole-input .cm-content", timeout=KERNEL_TIMEOUT)
    page.wait_for_load_state("networkidle")
    collect()
    assert missing == []  # favicons included
    own = sorted(link for link in links if link.startswith(served.url("lite/")))
    assert any("/lite/tree" in link for link in own) and any("stats.ipynb" in link for link in own), links
    broken = [f"{page.request.get(link).status} {link}" for link in own if page.request.get(link).status >= 400]
    assert broken == []
    # JupyterLite keeps loading chunks after the network goes quiet, and each goto cuts some short (reported as
    # failed by its service worker): here the checks are no 4xx/5xx and nothing off 127.0.0.1
    assert browser.off_host == []
