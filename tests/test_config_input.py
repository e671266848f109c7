"""myst.yml reading: bad input gets one line naming file, line and key; extends; mystlite options; pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mystlite.cli import main


def run_cli(args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mystlite", *args], cwd=cwd, capture_output=True, text=True)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_missing_myst_yml_says_where_it_looked(tmp_path):
    result = run_cli(["config", str(tmp_path)], tmp_path.parent)
    assert result.returncode == 1
    error, hint = [line for line in result.stderr.splitlines() if line.strip()]  # one error, and what to do
    assert error.startswith("error: no myst.yml found in") and str(tmp_path) in error
    assert hint == f"  hint: `mystlite init {tmp_path}` writes one (for the pages there, or a new project)"
    assert "Traceback" not in result.stderr


def test_missing_project_folder(tmp_path):
    result = run_cli(["build", "nope"], tmp_path)
    assert result.returncode == 1
    assert "nope: project folder not found" in one_error_line(result.stderr)


def test_yaml_syntax_error_has_line_and_column(make_project):
    root = make_project({"myst.yml": "version: 1\nproject:\n  title: [unclosed\n  jupyter: lite\n"})
    result = run_cli(["config"], root)
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert line.startswith("error: myst.yml:4: YAML syntax error, column") or line.startswith(
        "error: myst.yml:3: YAML syntax error, column"), line


def test_yaml_syntax_error_json_mode(make_project, config_json):
    root = make_project({"myst.yml": "version: 1\nproject: {\n"})
    code, out = config_json(root)
    assert code == 1
    assert out["jupyter"] is None and out["errors"][0].startswith("myst.yml:")


def test_project_not_a_mapping(make_project):
    root = make_project({"myst.yml": "version: 1\nproject: hello\n"})
    result = run_cli(["config"], root)
    assert result.returncode == 1
    assert one_error_line(result.stderr) == "error: myst.yml:2: project: must be a mapping, not a string ('hello')"


def test_extends_missing_file(make_project):
    root = make_project({"myst.yml": "version: 1\nextends:\n  - common.yml\n  - gone.yml\nproject: {}\n",
                         "common.yml": "project:\n  title: C\n"})
    result = run_cli(["config"], root)
    assert result.returncode == 1
    assert one_error_line(result.stderr) == "error: myst.yml:4: extends[1]: extended file not found: gone.yml"


def test_extends_merges_and_keeps_lines_of_each_file(make_project, config_json):
    root = make_project({
        "myst.yml": "version: 1\nextends: shared/base.yml\nproject:\n  title: Mine\n",
        "shared/base.yml": "project:\n  title: Base\n  github: a/b\n  jupyter:\n    lite: maybe\n",
        "index.md": "# x\n",
    })
    code, out = config_json(root)
    assert code == 1
    assert out["errors"] == ["shared/base.yml:5: project.jupyter.lite: must be a boolean, not a string ('maybe')"]


def test_extends_result_is_used(make_project, config_json):
    root = make_project({
        "myst.yml": "version: 1\nextends: [base.yml]\nproject:\n  title: Mine\n",
        "base.yml": "project:\n  title: Base\n  jupyter: lite\nmystlite:\n  packages: [attrs]\n",
        "index.md": "# x\n",
    })
    code, out = config_json(root)
    assert code == 0, out
    assert out["jupyter"] == {"lite": True}
    assert out["mystlite"]["packages"] == ["attrs"]


def test_toc_entry_missing_file(make_project):
    root = make_project({"myst.yml": "version: 1\nproject:\n  toc:\n    - file: index.md\n    - file: missing.md\n",
                         "index.md": "# x\n"})
    result = run_cli(["config"], root)
    assert result.returncode == 1
    assert "myst.yml:5: project.toc[1].file: file not found: missing.md" in result.stderr
    assert "Traceback" not in result.stderr


def test_toc_outside_project_is_refused(make_project, config_json):
    root = make_project({"myst.yml": "version: 1\nproject:\n  toc:\n    - file: ../outside.md\n"})
    (root.parent / "outside.md").write_text("# out\n")
    code, out = config_json(root)
    assert code == 1
    assert out["errors"] == ["myst.yml:4: project.toc[0].file: is outside the project folder: ../outside.md"]


@pytest.mark.parametrize("block,key,message", [
    ("mystlite:\n  wheels: 3\n", "mystlite.wheels", "must be a string or a list of strings"),
    ("mystlite:\n  packages: [attrs, 7]\n", "mystlite.packages[1]", "must be a non-empty string"),
    ("mystlite:\n  packages: ['not a req !!']\n", "mystlite.packages[0]", "not a valid requirement"),
    ("mystlite:\n  pyodide: [x]\n", "mystlite.pyodide", "must be 'bundle', 'cdn'"),
    ("mystlite:\n  output: 5\n", "mystlite.output", "must be a folder path"),
    ("mystlite:\n  contents: [missing-data]\n", None, None),
    ("mystlite: [1]\n", "mystlite", "must be a mapping"),
])
def test_mystlite_option_types(make_project, config_json, block, key, message):
    root = make_project({"myst.yml": "version: 1\nproject:\n  jupyter: lite\n" + block, "index.md": "# x\n"})
    code, out = config_json(root)
    if key is None:  # a missing contents path is reported at build time, where it is used
        assert code == 0
        return
    assert code == 1
    assert len(out["errors"]) == 1
    assert out["errors"][0].startswith("myst.yml:") and f": {key}: {message}" in out["errors"][0], out["errors"]


def test_unknown_keys_warn(make_project, config_json):
    root = make_project({"myst.yml": "version: 1\nproject:\n  titel: x\nmystlite:\n  wheel: a\nsites: {}\n",
                         "index.md": "# x\n"})
    code, out = config_json(root)
    assert code == 0
    assert out["warnings"] == [
        "myst.yml:6: sites: unknown top-level key ignored (known: version, project, site, extends, mystlite)",
        "myst.yml:3: project.titel: unknown project key",
        "myst.yml:5: mystlite.wheel: unknown option ignored (known: wheels, packages, contents, pyodide, output, "
        "expose_server_token, keep_template, execute, execute_timeout, headers, exercises, widgets, startup_snapshot, precompress)",
    ]


def test_option_defaults(make_project, config_json):
    root = make_project({"myst.yml": "version: 1\nproject:\n  jupyter: lite\n", "index.md": "# x\n",
                         "wheels/README.txt": "x"})
    code, out = config_json(root)
    assert out["mystlite"] == {"wheels": [str(root.resolve() / "wheels")], "packages": [], "contents": [],
                               "pyodide": "bundle", "output": str(root.resolve() / "_build/html"),
                               "expose_server_token": False, "keep_template": False,
                               "execute": False, "execute_timeout": 60.0, "headers": None,
                               "exercises": {"solution_after": 0}, "widgets": None, "startup_snapshot": True,
                               "precompress": False}


def test_pyodide_option_forms(make_project, config_json):
    for value, expected in [("cdn", "cdn"), ("bundle", "bundle"), ("dist/pyodide.tar.bz2", None),
                            ("https://example.org/pyodide-314.0.6.tar.bz2", "https://example.org/pyodide-314.0.6.tar.bz2")]:
        root = make_project({"myst.yml": f"version: 1\nmystlite:\n  pyodide: {value}\n", "index.md": "# x\n",
                             "dist/pyodide.tar.bz2": ""}, name=f"p{abs(hash(value))}")  # a path must exist
        code, out = config_json(root)
        assert code == 0
        assert out["mystlite"]["pyodide"] == (expected or str(root.resolve() / value))


def test_implicit_page_order_and_ignores(make_project, config_json):
    root = make_project({
        "myst.yml": "version: 1\n",
        "zeta.md": "# z\n", "README.md": "# readme\n", "alpha.ipynb": '{"cells": []}',
        "sub/b.md": "# b\n", "sub/a.md": "# a\n",
        "_build/html/x.md": "# no\n", ".hidden/h.md": "# no\n", "node_modules/p/q.md": "# no\n",
    })
    code, out = config_json(root)
    assert [p["path"] for p in out["pages"]] == ["README.md", "alpha.ipynb", "zeta.md", "sub/a.md", "sub/b.md"]


def test_invalid_notebook_json_is_one_line(make_project):
    root = make_project({"myst.yml": "version: 1\n", "index.md": "# x\n", "broken.ipynb": '{"cells": [\n  {,\n'})
    result = run_cli(["config"], root)
    assert result.returncode == 1
    line = one_error_line(result.stderr.split("\n", 0)[0] if False else "\n".join(
        l for l in result.stderr.splitlines() if l.startswith("error")))
    assert line.startswith("error: broken.ipynb:2: invalid notebook JSON")


def test_sample_site_config(capsys):
    sample = Path(__file__).resolve().parent.parent / "sample_site"
    assert main(["config", str(sample), "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["jupyter"] == {"lite": True}
    assert out["errors"] == [] and out["warnings"] == []
    kinds = {p["path"]: (p["kind"], p["compute"]) for p in out["pages"]}
    assert kinds == {"index.md": ("markdown", False), "notebooks/explore.ipynb": ("notebook", True),
                     "notebooks/stats.md": ("md-notebook", True), "notebooks/practice.md": ("md-notebook", True),
                     "about.md": ("md-notebook", False)}
    assert out["mystlite"]["wheels"][0].endswith("wheels/coursekit-0.1.0-py3-none-any.whl")


def test_extends_from_a_url_is_cached_for_offline_use(make_project, config_json, tmp_path, monkeypatch):
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    (served / "base.yml").write_text("version: 1\nproject:\n  title: From the network\n  jupyter: lite\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/base.yml"
    monkeypatch.setenv("MYSTLITE_CACHE_DIR", str(tmp_path / "cache"))
    root = make_project({"myst.yml": f"version: 1\nextends:\n  - {url}\n", "index.md": "# x\n"})
    code, out = config_json(root)
    assert code == 0 and out["jupyter"] == {"lite": True}
    server.shutdown()
    server.server_close()
    code, out = config_json(root)  # offline now: the cached copy is used
    assert code == 0 and out["jupyter"] == {"lite": True}
    monkeypatch.setenv("MYSTLITE_CACHE_DIR", str(tmp_path / "empty-cache"))
    code, out = config_json(root)  # never fetched: a warning, and the project goes on without it
    assert code == 0 and out["jupyter"] is None
    assert out["warnings"][0].startswith(f"myst.yml:3: extends[0]: could not fetch {url} (")
    assert "and it was never fetched before: the site is built without its settings" in out["warnings"][0]


def test_execute_options_are_checked(make_project, config_json):
    root = make_project({"myst.yml": "version: 1\nproject:\n  jupyter: lite\nmystlite:\n  execute: yes please\n"
                                     "  execute_timeout: -5\n", "index.md": "# x\n"})
    code, out = config_json(root)
    assert code == 1
    assert any(e.startswith("myst.yml:5: mystlite.execute: must be a boolean") for e in out["errors"])
    assert any(e.startswith("myst.yml:6: mystlite.execute_timeout: must be a number of seconds above 0")
               for e in out["errors"])
