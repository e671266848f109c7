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


def test_a_missing_path_gets_the_sites_404_page_with_status_404(site, serve):
    served = serve(site, "/course/")
    assert get(served, "/course/nowhere/")[0] == 404  # no 404.html: a plain error
    (site / "404.html").write_text("<h1>Page not found</h1>")
    for path in ("/course/nowhere/", "/course/lite/missing.js", "/course/../secret.txt"):
        status, kind, body = get(served, path)
        assert (status, kind, body) == (404, "text/html; charset=utf-8", b"<h1>Page not found</h1>"), path


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


def request(served, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    host, port = served.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    response.read()
    return response


def test_no_directory_listings(site, serve):
    served = serve(site)
    status, _, body = get(served, "/lite/")
    assert status == 404 and b"a.wasm" not in body and b"x.json" not in body
    assert get(served, "/lite/static/")[0] == 404
    response = request(served, "/lite")
    assert response.status == 301 and response.getheader("Location") == "/lite/"


def raw_request(served, data: bytes) -> bytes:
    import socket

    with socket.create_connection(served.server.server_address[:2], timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("data, status", [
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"414"),
    (b"GET /" + b"a/" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
    (b"GET /" + b"b" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
    (b"GET /%ff%fe%00 HTTP/1.1\r\nHost: x\r\n\r\n", b"404"),
    (b"\x16\x03\x01\x02\x00\r\n\r\n", b"400"),
    (b"GET\r\n\r\n", b"400"),
    (b"GET / HTTP/1.1\r\nX: " + b"h" * 70000 + b"\r\n\r\n", b"431"),
])
def test_odd_requests_get_a_status_not_a_traceback(site, serve, capfd, data, status):
    answer = raw_request(serve(site), data)
    assert status in answer.split(b"\r\n")[0] or f"Error code: {status.decode()}".encode() in answer
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out


def test_etag_follows_content_even_with_the_same_size_and_time(site, serve):
    import os

    served = serve(site)
    path = site / "lite" / "x.json"
    stat = path.stat()
    first = request(served, "/lite/x.json")
    tag = first.getheader("ETag")
    assert first.status == 200 and tag and first.getheader("Last-Modified") is None
    assert request(served, "/lite/x.json", {"If-None-Match": tag}).status == 304
    # a rebuild writes a new file with the same size and (clamped) time, as JupyterLite's files have
    path.unlink()
    path.write_text("[]")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = request(served, "/lite/x.json", {"If-None-Match": tag,
                                             "If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    assert again.status == 200 and again.getheader("ETag") != tag


def test_host_warning_and_port_range(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("hi")
    for port in ("70000", "-1"):
        result = subprocess.run([sys.executable, "-m", "mystlite", "serve", str(tmp_path / "site"), "--port", port],
                                capture_output=True, text=True)
        assert result.returncode == 1
        assert result.stderr.strip() == f"error: --port must be between 0 and 65535, not {port}"
    from mystlite.log import Reporter
    from mystlite.serve import make_server

    reporter = Reporter(quiet=True)
    server = make_server(tmp_path / "site", "0.0.0.0", 0, "/", reporter)
    server.server_close()
    assert reporter.warnings == ["serving on 0.0.0.0, not only on this machine: anyone who can reach it can read "
                                 "the site"]


def test_keep_alive_gzip_and_caching_by_name(site, serve):
    import gzip

    script = "const answer = 42;\n" * 400
    (site / "lite" / "app.js").write_text(script)
    (site / "lite" / "jlab_core.a86436d.js").write_text(script)
    served = serve(site)
    host, port = served.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=5)
    conn.request("GET", "/lite/app.js", headers={"Accept-Encoding": "gzip, deflate"})
    first = conn.getresponse()
    body = first.read()
    assert first.version == 11 and first.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body).decode() == script and len(body) < len(script) / 10
    assert first.getheader("Vary") == "Accept-Encoding" and first.getheader("Cache-Control") == "no-cache"
    tag = first.getheader("ETag")
    # the same connection again (keep-alive): a revalidation of the gzipped representation
    conn.request("GET", "/lite/app.js", headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
    again = conn.getresponse()
    again.read()
    assert again.status == 304
    conn.request("GET", "/lite/app.js")  # a client without gzip gets the plain bytes, another ETag
    plain = conn.getresponse()
    assert plain.read().decode() == script and plain.getheader("Content-Encoding") is None
    assert plain.getheader("ETag") != tag
    conn.request("GET", "/lite/jlab_core.a86436d.js")  # content-hashed: cached for good
    hashed = conn.getresponse()
    hashed.read()
    assert hashed.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    (site / "_mystlite").mkdir()
    (site / "_mystlite" / "python-0123456789abcdef.snapshot.gz").write_bytes(b"\x1f\x8b")
    (site / "_mystlite" / "drive.json").write_text('{"files": []}')
    for path, policy in (("/_mystlite/python-0123456789abcdef.snapshot.gz", "public, max-age=31536000, immutable"),
                         ("/_mystlite/drive.json", "no-cache")):  # the snapshot's name is its inputs' digest
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.getheader("Cache-Control") == policy
    conn.request("GET", "/lite/x.json", headers={"Accept-Encoding": "gzip"})  # too small to be worth it
    small = conn.getresponse()
    assert small.read() == b"{}" and small.getheader("Content-Encoding") is None
    conn.close()


def test_brotli_when_the_browser_takes_it(site, serve):
    import brotli

    script = "const answer = 42;\n" * 400
    (site / "lite" / "app.js").write_text(script)
    served = serve(site)
    host, port = served.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=5)
    tags = {}
    for accept, encoding in (("gzip, deflate, br, zstd", "br"), ("gzip;q=1.0, deflate", "gzip")):
        conn.request("GET", "/lite/app.js", headers={"Accept-Encoding": accept})
        response = conn.getresponse()
        body = response.read()
        assert response.getheader("Content-Encoding") == encoding
        tags[encoding] = response.getheader("ETag")
    assert brotli.decompress(_get(conn, "/lite/app.js", "br")).decode() == script
    assert tags["br"] != tags["gzip"]  # each representation has its own strong ETag
    conn.request("GET", "/lite/app.js", headers={"Accept-Encoding": "br", "If-None-Match": tags["br"]})
    revalidated = conn.getresponse()
    revalidated.read()
    assert revalidated.status == 304
    conn.close()


def _get(conn, path: str, accept: str) -> bytes:
    conn.request("GET", path, headers={"Accept-Encoding": accept})
    return conn.getresponse().read()


def test_the_base_url_in_github_actions(monkeypatch):
    from mystlite.baseurl import env_base_url

    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", "ada/linear-algebra")
    assert env_base_url() is None  # outside Actions, nothing is guessed
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert env_base_url() == "/linear-algebra/"  # a project site
    monkeypatch.setenv("GITHUB_REPOSITORY", "ada/ada.github.io")
    assert env_base_url() == "/"  # a user site
    monkeypatch.setenv("BASE_URL", "/docs/")
    assert env_base_url() == "/docs/"  # said explicitly: that wins


def test_the_builds_precompressed_copies_are_sent_as_they_are(site, serve):
    import brotli
    import gzip

    script = "const answer = 42;\n" * 400
    (site / "lite" / "app.js").write_text(script)
    # copies whose bytes differ from what serve would make, to tell them apart
    (site / "lite" / "app.js.br").write_bytes(brotli.compress(script.encode(), quality=11, lgwin=10))
    (site / "lite" / "app.js.gz").write_bytes(gzip.compress(script.encode(), compresslevel=1, mtime=7))
    served = serve(site)
    host, port = served.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=5)
    tags = {}
    for accept, encoding, suffix in (("gzip, br", "br", "br"), ("gzip", "gzip", "gz")):
        conn.request("GET", "/lite/app.js", headers={"Accept-Encoding": accept})
        response = conn.getresponse()
        assert response.read() == (site / "lite" / f"app.js.{suffix}").read_bytes()
        assert response.getheader("Content-Encoding") == encoding
        assert response.getheader("Content-Type") == "text/javascript"
        tags[encoding] = response.getheader("ETag")
    assert tags["br"] != tags["gzip"]
    conn.request("GET", "/lite/app.js", headers={"Accept-Encoding": "br", "If-None-Match": tags["br"]})
    revalidated = conn.getresponse()
    revalidated.read()
    assert revalidated.status == 304
    conn.request("GET", "/lite/app.js", headers={"Accept-Encoding": "identity"})
    assert conn.getresponse().read().decode() == script  # a browser that takes neither gets the file
    conn.close()


@pytest.mark.build
def test_precompress_writes_copies_beside_text_files_the_same_on_every_build(tmp_path, download_cache):
    import brotli
    import gzip

    from mystlite.log import Reporter
    from mystlite.site import build_site

    project = tmp_path / "proj"
    project.mkdir()
    (project / "myst.yml").write_text("version: 1\nproject:\n  title: Packed\nmystlite:\n  precompress: true\n")
    (project / "index.md").write_text("# Packed\n\n" + "Some words to compress. " * 200 + "\n")
    output = build_site(project, Reporter(quiet=True), cache_dir=download_cache).output
    files = {p.relative_to(output).as_posix(): p for p in output.rglob("*") if p.is_file()}
    page = files["index.html"].read_bytes()
    assert gzip.decompress(files["index.html.gz"].read_bytes()) == page
    assert brotli.decompress(files["index.html.br"].read_bytes()) == page
    small = [rel for rel, path in files.items() if path.stat().st_size < 1024 and not rel.endswith((".gz", ".br"))]
    assert small and not any(f"{rel}.gz" in files for rel in small)  # tiny files get none
    assert not any(rel.endswith((".png.gz", ".woff2.br", ".gz.gz", ".br.br")) for rel in files)
    first = {rel: path.read_bytes() for rel, path in files.items()}
    (project / "index.md").write_text((project / "index.md").read_text() + "\nMore.\n")
    build_site(project, Reporter(quiet=True), cache_dir=download_cache)
    (project / "index.md").write_text((project / "index.md").read_text().replace("\nMore.\n", ""))
    build_site(project, Reporter(quiet=True), cache_dir=download_cache)  # back: the same bytes again
    assert {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()} == first


def test_the_server_token_is_handed_out_at_serve_time_only_on_this_machine(tmp_path, site, serve):
    """`mystlite serve` of a project with project.jupyter.server answers the runtime's question for the token (so
    the author is not asked); a built site has no such file, and a server listening beyond loopback hands out
    nothing."""
    import json

    from mystlite.log import Reporter
    from mystlite.serve import SERVER_TOKEN, make_server, served_server_token

    project = tmp_path / "proj"
    project.mkdir()
    (project / "myst.yml").write_text("version: 1\nproject:\n  jupyter:\n    server:\n      url: http://127.0.0.1:8888/\n"
                                      "      token: s3cret\n")
    token = served_server_token(project)
    assert token == {"url": "http://127.0.0.1:8888/", "token": "s3cret"}
    status, kind, body = get(serve(site, server_token=token), "/" + SERVER_TOKEN)
    assert (status, kind, json.loads(body)) == (200, "application/json", token)
    assert get(serve(site), "/" + SERVER_TOKEN)[0] == 404  # a plain static host: the reader is asked
    wide = make_server(site, "0.0.0.0", 0, "/", Reporter(quiet=True), server_token=token)
    assert wide.server_token is None
    wide.server_close()
    (project / "myst.yml").write_text("version: 1\nproject:\n  jupyter: binder\n")
    assert served_server_token(project) is None
