"""The preview server: MIME types, subpaths, and nothing outside the site folder."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time

import pytest


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "lite" / "static").mkdir(parents=True)
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "lite" / "static" / "a.wasm").write_bytes(b"\0asm")
    (root / "lite" / "static" / "m.mjs").write_text("export default 1")
    (root / "lite" / "x.json").write_text("{}")
    (tmp_path / "secret.txt").write_text("private")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    return root


def get(served, path: str) -> tuple[int, str, bytes]:
    host, port = served.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("GET", path)  # sent as is: no client-side normalisation of ..
    response = conn.getresponse()
    return response.status, response.getheader("Content-Type", ""), response.read()


def test_mime_types(site, serve):
    served = serve(site)
    assert get(served, "/lite/static/a.wasm")[:2] == (200, "application/wasm")
    assert get(served, "/lite/static/m.mjs")[:2] == (200, "text/javascript")
    assert get(served, "/lite/x.json")[:2] == (200, "application/json")
    assert get(served, "/")[2] == b"<h1>home</h1>"


@pytest.mark.parametrize("path", ["/../secret.txt", "/lite/../../secret.txt", "/%2e%2e/secret.txt",
                                  "/lite/%2e%2e/%2e%2e/secret.txt", "/link.txt", "//etc/passwd"])
def test_paths_leaving_the_site_are_refused(site, serve, path):
    status, _, body = get(serve(site), path)
    assert status == 404 and b"private" not in body and b"root:" not in body


def test_base_url(site, serve):
    served = serve(site, "/course/")
    assert get(served, "/course/")[0] == 200
    assert get(served, "/course/lite/static/a.wasm")[:2] == (200, "application/wasm")
    assert get(served, "/index.html")[0] == 404
    assert get(served, "/course")[0] in (200, 301)


def test_serve_command_starts_and_refuses_a_missing_site(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mystlite", "serve", str(tmp_path / "nothing")],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("hi")
    proc = subprocess.Popen([sys.executable, "-m", "mystlite", "serve", str(tmp_path / "site"), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 20
        line = ""
        while time.time() < deadline and "serving" not in line:
            line = proc.stdout.readline()
        assert "http://127.0.0.1:" in line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/")
        assert conn.getresponse().read() == b"hi"
    finally:
        proc.terminate()
        proc.wait(10)
