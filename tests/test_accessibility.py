"""axe-core (self-hosted from npm, as the site's own libraries are) on every page of the sample and the test
projects: light and dark, 1300 px and 390 px wide, before and after Run all. No serious or critical violation."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.build]

AXE_VERSION = "4.14.1"
TIMEOUT = 120_000  # ms
VIEWS = [(theme, width) for theme in ("light", "dark") for width in (1300, 390)]


@pytest.fixture(scope="session")
def axe_source(download_cache) -> str:
    from mystlite.log import Reporter
    from mystlite.npm import fetch_package_files

    folder = fetch_package_files(
        "axe-core", AXE_VERSION, download_cache / "npm" / "axe-core" / AXE_VERSION, Reporter(quiet=True),
        lambda member: "axe.min.js" if member == "package/axe.min.js" else None, ["axe.min.js"],
        hint="the accessibility tests need axe-core from npm")
    return (folder / "axe.min.js").read_text()


def site_pages(output) -> list[str]:
    return sorted(str(p.parent.relative_to(output)).replace(".", "") for p in output.rglob("index.html")
                  if not p.relative_to(output).parts[0] in ("lite", "_static", "_mystlite"))


def serious_violations(page, axe_source: str) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [json.dumps(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {', '.join(targets)}")
    return found


def check_views(page, axe_source: str, label: str) -> list[str]:
    problems = []
    for theme, width in VIEWS:
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate(f"document.documentElement.setAttribute('data-theme', '{theme}')")
        page.wait_for_timeout(50)
        problems += [f"{label} [{theme} {width}px] {v}" for v in serious_violations(page, axe_source)]
    return problems


@pytest.mark.parametrize("which", ["sample", "course", "science", "reader"])
def test_no_serious_accessibility_violations(which, request, serve, offline_page, axe_source):
    site = {"sample": lambda: request.getfixturevalue("built_sample"),
            "course": lambda: request.getfixturevalue("course")[0],
            "science": lambda: request.getfixturevalue("science"),
            "reader": lambda: request.getfixturevalue("reader_site")}[which]()
    served = serve(site.output)
    browser = offline_page()
    page = browser.page
    problems = []
    pages = site_pages(site.output)
    assert pages
    for path in pages:
        page.goto(served.url(path + "/" if path else ""))
        page.wait_for_load_state("networkidle")
        problems += check_views(page, axe_source, f"/{path}")
        if page.locator(".run-all").count():
            page.locator(".run-all").click()
            page.wait_for_function(
                "!document.querySelector('.cell.running') && !document.querySelector('.cell-count')?.textContent"
                ".includes('[ ]') && /Ready|Error/.test(document.querySelector('.compute-status')?.textContent)",
                timeout=TIMEOUT)
            # and with the real editor loaded in the first cell (its highlighting has the page's contrast)
            page.locator('.cell[data-executable="true"] .cell-input pre code >> visible=true').first.click()
            page.locator(".cm-editor").first.wait_for(timeout=TIMEOUT)
            problems += check_views(page, axe_source, f"/{path} after Run all, editing")
    assert problems == [], "\n".join(problems)
    browser.assert_offline()


def test_menu_buttons_and_print(built_sample, serve, offline_page):
    served = serve(built_sample.output)
    browser = offline_page(viewport={"width": 390, "height": 800})
    page = browser.page
    page.goto(served.url("stats/"))
    labels = page.locator(".run-cell").evaluate_all("buttons => buttons.map(b => b.getAttribute('aria-label'))")
    assert labels == [f"Run cell {n}" for n in range(1, len(labels) + 1)]  # each says which cell it runs
    # the page list is a menu behind a button on a phone; Escape closes it and gives the focus back
    assert page.locator(".sidebar").is_hidden()
    page.locator(".nav-toggle").click()
    assert page.locator(".sidebar").is_visible()
    page.keyboard.press("Escape")
    assert page.locator(".sidebar").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('nav-toggle')")
    # printed: no controls, and long code lines wrap instead of being cut off
    page.emulate_media(media="print")
    assert page.locator(".compute-bar").is_hidden() and page.locator(".run-cell").first.is_hidden()
    assert page.locator(".cell-input pre").first.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"
    browser.assert_offline()


def test_without_javascript_the_menu_is_a_plain_list(built_sample, serve, offline_page):
    served = serve(built_sample.output)
    browser = offline_page(viewport={"width": 390, "height": 800}, java_script_enabled=False)
    page = browser.page
    page.goto(served.url("stats/"))
    links = page.locator(".sidebar a")
    assert links.count() >= 3 and links.first.is_visible()
    assert page.locator(".nav-toggle").is_hidden()  # no button that could not work
    box = page.locator(".sidebar").bounding_box()
    assert box["width"] > 300  # a list across the page, above the content, not a squeezed column
