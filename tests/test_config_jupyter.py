"""project.jupyter normalisation, shown through `mystlite config --json` (MyST's rules, see the seed and notes)."""

from __future__ import annotations

import pytest

BINDER_DEFAULT = {"url": "https://mybinder.org/", "provider": "github",
                  "repo": "executablebooks/thebe-binder-base", "ref": "HEAD"}
GITHUB_URL = "https://github.com/username/my-myst-article"
BINDER_GITHUB = {**BINDER_DEFAULT, "repo": GITHUB_URL}


def project_yml(jupyter_block: str, extra: str = "") -> str:
    return f"version: 1\nproject:\n  title: T\n{extra}{jupyter_block}\n"


def run(make_project, config_json, jupyter_block, extra=""):
    root = make_project({"myst.yml": project_yml(jupyter_block, extra), "index.md": "# Hi\n"})
    return config_json(root)


# Each group lists spellings that the seed page says are equivalent.
EQUIVALENT_GROUPS = {
    "binder default": (["  jupyter: true", "  jupyter: 'binder'", "  jupyter:\n    binder: true",
                        "  jupyter:\n    binder:\n      repo: executablebooks/thebe-binder-base",
                        "  thebe: true"], None, {"binder": BINDER_DEFAULT}),
    "binder with github": (["  jupyter: 'binder'", "  jupyter: true", "  jupyter:\n    binder: true"],
                           f"  github: {GITHUB_URL}\n", {"binder": BINDER_GITHUB}),
    "lite": (["  jupyter:\n    lite: true", "  jupyter: lite", "  jupyter:\n    lite: 'true'", "  thebe: lite"],
             None, {"lite": True}),
}


@pytest.mark.parametrize("group", sorted(EQUIVALENT_GROUPS))
def test_equivalent_syntax_groups(make_project, config_json, group):
    spellings, extra, expected = EQUIVALENT_GROUPS[group]
    for spelling in spellings:
        code, out = run(make_project, config_json, spelling, extra or "")
        assert code == 0, (spelling, out["errors"])
        assert out["jupyter"] == expected, spelling
        assert out["errors"] == []


def test_full_url_repo_is_kept(make_project, config_json):
    code, out = run(make_project, config_json,
                    "  jupyter:\n    binder:\n      repo: https://github.com/executablebooks/thebe-binder-base")
    assert code == 0
    assert out["jupyter"]["binder"]["repo"] == "https://github.com/executablebooks/thebe-binder-base"


def test_github_owner_name_becomes_url(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter: true", "  github: someone/thing\n")
    assert out["jupyter"]["binder"]["repo"] == "https://github.com/someone/thing"


def test_explicit_binder_repo_wins_over_github(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter:\n    binder:\n      repo: me/other\n      ref: main",
                    f"  github: {GITHUB_URL}\n")
    assert out["jupyter"]["binder"] == {**BINDER_DEFAULT, "repo": "me/other", "ref": "main"}


def test_complete_binder_config(make_project, config_json):
    block = ("  jupyter:\n    binder:\n      url: https://binder.myorganisation.com/services/binder/\n"
             "      repo: executablebooks/thebe-binder-base\n      ref: main\n      provider: gitlab")
    code, out = run(make_project, config_json, block)
    assert code == 0
    assert out["jupyter"] == {"binder": {"url": "https://binder.myorganisation.com/services/binder/",
                                         "provider": "gitlab", "repo": "executablebooks/thebe-binder-base",
                                         "ref": "main"}}


def test_custom_provider_takes_any_repo_and_empty_ref(make_project, config_json):
    block = "  jupyter:\n    binder:\n      provider: zenodo\n      repo: 10.5281/zenodo.1234"
    code, out = run(make_project, config_json, block)
    assert code == 0
    assert out["jupyter"]["binder"] == {"url": "https://mybinder.org/", "provider": "zenodo",
                                        "repo": "10.5281/zenodo.1234", "ref": ""}


def test_custom_provider_requires_repo(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter:\n    binder:\n      provider: zenodo")
    assert code == 1
    assert any("project.jupyter.binder.repo" in e and "required" in e for e in out["errors"])


def test_bad_repo_for_git_provider_is_an_error(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter:\n    binder:\n      repo: not a repo")
    assert code == 1
    assert any("myst.yml:6: project.jupyter.binder.repo: must be a URL" in e for e in out["errors"]), out


def test_false_and_missing_mean_off(make_project, config_json):
    for block in ["  jupyter: false", "  jupyter:\n    lite: false", "  jupyter: {}", ""]:
        code, out = run(make_project, config_json, block)
        assert code == 0, block
        assert out["jupyter"] is None, block
        assert all(not p["compute"] for p in out["pages"])


def test_other_string_is_an_error(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter: pyodide")
    assert code == 1
    assert out["jupyter"] is None
    assert out["errors"] == ['myst.yml:4: project.jupyter: must be a boolean, an object, "lite" or "binder", '
                             'not a string: pyodide']


def test_alias_both_given_warns_and_uses_thebe(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter: true\n  thebe: lite")
    assert code == 0
    assert out["jupyter"] == {"lite": True}
    assert any("project.jupyter" in w and "ignored" in w for w in out["warnings"])


def test_server_needs_url_and_token(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter:\n    lite: true\n    server:\n      url: http://localhost:8888/")
    assert code == 1
    assert out["jupyter"] == {"lite": True}
    assert any("project.jupyter.server" in e and "token" in e for e in out["errors"])


def test_server_complete(make_project, config_json):
    block = "  jupyter:\n    server:\n      url: http://localhost:8888/\n      token: s3cret"
    code, out = run(make_project, config_json, block)
    assert code == 0
    assert out["jupyter"] == {"server": {"url": "http://localhost:8888/", "token": "s3cret"}}


def test_server_not_an_object_drops_everything(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter:\n    lite: true\n    server: nope")
    assert code == 1
    assert out["jupyter"] is None


def test_server_url_must_be_url(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter:\n    server:\n      url: nope\n      token: t")
    assert code == 1
    assert any("project.jupyter.server.url: must be a URL" in e for e in out["errors"])


def test_other_options(make_project, config_json):
    block = ("  jupyter:\n    lite: true\n    kernelName: python\n    sessionName: s1\n"
             "    disableSessionSaving: 'true'\n    mathjaxUrl: https://example.org/mj.js\n"
             "    mathjaxConfig: TeX-AMS_CHTML-full,Safe\n    local: {}")
    code, out = run(make_project, config_json, block)
    assert code == 0
    assert out["jupyter"] == {"lite": True, "kernelName": "python", "sessionName": "s1",
                              "disableSessionSaving": True, "mathjaxUrl": "https://example.org/mj.js",
                              "mathjaxConfig": "TeX-AMS_CHTML-full,Safe"}
    assert out["warnings"] == []


def test_extra_keys_are_stripped_with_warning(make_project, config_json):
    code, out = run(make_project, config_json, "  jupyter:\n    lite: true\n    wheels: [a.whl]\n    binder:\n      repo: a/b\n      colour: red")
    assert code == 0
    assert out["jupyter"] == {"lite": True, "binder": {**BINDER_DEFAULT, "repo": "a/b"}}
    assert any(w.startswith("myst.yml:6: project.jupyter.wheels: extra key ignored") for w in out["warnings"])
    assert any("project.jupyter.binder.colour: extra key ignored" in w for w in out["warnings"])


@pytest.mark.parametrize("block,key", [
    ("  jupyter:\n    lite: 3", "project.jupyter.lite"),
    ("  jupyter:\n    lite: yes please", "project.jupyter.lite"),
    ("  jupyter:\n    disableSessionSaving: [1]", "project.jupyter.disableSessionSaving"),
    ("  jupyter:\n    kernelName: [python]", "project.jupyter.kernelName"),
    ("  jupyter:\n    binder: 12", "project.jupyter.binder"),
    ("  jupyter: [lite]", "project.jupyter"),
    ("  jupyter:\n    mathjaxUrl: not-a-url", "project.jupyter.mathjaxUrl"),
])
def test_wrong_types_are_errors_with_line_and_key(make_project, config_json, block, key):
    code, out = run(make_project, config_json, block)
    assert code == 1
    assert len(out["errors"]) == 1
    error = out["errors"][0]
    assert error.startswith("myst.yml:") and f": {key}: " in error, error
    line = int(error.split(":")[1])
    text = project_yml(block).splitlines()
    assert key.split(".")[-1] in text[line - 1], (line, text)


def test_page_opt_out(make_project, config_json):
    root = make_project({
        "myst.yml": "version: 1\nproject:\n  jupyter: lite\n",
        "index.md": "# Home\n",
        "a.ipynb": '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
        "b.md": "---\nkernelspec:\n  name: python3\n---\n# B\n",
        "c.md": "---\njupyter: false\nkernelspec:\n  name: python3\n---\n# C\n",
        "d.md": "---\nthebe: false\nkernelspec:\n  name: python3\n---\n# D\n",
    })
    code, out = config_json(root)
    assert code == 0
    assert out["pages"] == [
        {"path": "index.md", "kind": "markdown", "compute": False, "backend": None},
        {"path": "a.ipynb", "kind": "notebook", "compute": True, "backend": "lite"},
        {"path": "b.md", "kind": "md-notebook", "compute": True, "backend": "lite"},
        {"path": "c.md", "kind": "md-notebook", "compute": False, "backend": None},
        {"path": "d.md", "kind": "md-notebook", "compute": False, "backend": None},
    ]


def test_a_page_chooses_its_backend(make_project, config_json):
    """`jupyter: binder` or `jupyter: lite` in a page's frontmatter picks the backend when the project has it;
    a backend the project lacks is a warning, and the page keeps the project's default."""
    kernel = "kernelspec:\n  name: python3\n"
    root = make_project({
        "myst.yml": "version: 1\nproject:\n  jupyter:\n    lite: true\n    binder:\n      repo: me/course\n",
        "a.md": f"---\n{kernel}---\n# A\n",
        "b.md": f"---\njupyter: binder\n{kernel}---\n# B\n",
        "c.md": f"---\njupyter: lite\n{kernel}---\n# C\n",
    })
    code, out = config_json(root)
    assert code == 0
    assert [(p["path"], p["backend"], p.get("route")) for p in out["pages"]] == [
        ("a.md", "lite", None), ("b.md", "binder", "jupyter: binder in its frontmatter"), ("c.md", "lite", None)]

    only_binder = make_project({"myst.yml": "version: 1\nproject:\n  jupyter: binder\n",
                                "c.md": f"---\njupyter: lite\n{kernel}---\n# C\n"}, name="binder-only")
    code, out = config_json(only_binder)
    assert code == 0
    assert out["pages"][0]["backend"] == "binder"
    assert out["warnings"] == ["c.md:2: jupyter: asks for lite, which project.jupyter does not configure; the page "
                               "runs on binder"]
    server = make_project({"myst.yml": "version: 1\nproject:\n  jupyter:\n    server:\n      url: http://127.0.0.1:1/\n"
                                       "      token: t\n", "a.md": f"---\n{kernel}---\n# A\n"}, name="server")
    code, out = config_json(server)
    assert out["pages"][0]["backend"] == "server"


def test_the_summary_names_each_routing_reason_once():
    """Ten pages on Binder for the same two packages: the summary says each reason once, not once per page."""
    from types import SimpleNamespace

    from mystlite.log import backend_lines

    pages = [SimpleNamespace(path=f"p{i}.md", backend="binder",
                             route="act: no pyodide build; pyart: no pyodide build" if i % 2 else
                             "pyart: no pyodide build") for i in range(10)]
    pages.append(SimpleNamespace(path="plain.md", backend="lite", route=""))
    config = SimpleNamespace(jupyter={"binder": {"url": "https://hub.example/", "repo": "a/b"}})
    lines = backend_lines(SimpleNamespace(compute_pages=pages, config=config))
    assert lines[0] == "1 page in the browser (pyodide): plain.md"
    assert lines[1] == ("10 pages on Binder (act: no pyodide build; pyart: no pyodide build): p0.md, p1.md, p2.md, "
                        "p3.md, p4.md and 5 more")
