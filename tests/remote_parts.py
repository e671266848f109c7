"""Real parts for the remote backends' tests, all on 127.0.0.1.

- JupyterServer: a real `jupyter_server` with `ipykernel` from PyPI, with a token, allowing the test sites' origins.
- BinderStandIn: BinderHub needs Kubernetes, which cannot run here. This small server stands in for its documented
  build API (`GET /build/<provider>/<spec>`: an event stream of JSON messages with a `phase` and a `message`, the
  `ready` one carrying the server's `url` and `token`), and hands out the real JupyterServer above when a build is
  "ready". The repository name chooses the story: `slow` (progress through every phase), `fails` (a failed
  build with the hub's message), `drops` (the connection is lost mid-build).
"""

from __future__ import annotations

import http.server
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterServer:
    def __init__(self, token: str = "mystlite-test-token", base_url: str = "/", root_dir: str | None = None):
        """`base_url`: the prefix it serves under, as a JupyterHub user's server does (/user/<name>/);
        `root_dir`: the folder its file browser and notebooks start from."""
        self.token, self.port = token, free_port()
        self.url = f"http://127.0.0.1:{self.port}{base_url}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--ip=127.0.0.1", f"--port={self.port}", "--no-browser",
             "--allow-root", f"--IdentityProvider.token={token}", f"--ServerApp.base_url={base_url}",
             *([f"--ServerApp.root_dir={root_dir}"] if root_dir else []),
             r"--ServerApp.allow_origin_pat=http://127\.0\.0\.1:\d+", "--ServerApp.port_retries=0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}api", timeout=2).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"jupyter_server did not start: {self.process.stderr.read()[-2000:]}")
                time.sleep(0.3)
        raise RuntimeError("jupyter_server did not answer within 60 s")

    def kernels(self) -> list[dict]:
        request = urllib.request.Request(f"{self.url}api/kernels", headers={"Authorization": f"token {self.token}"})
        return json.loads(urllib.request.urlopen(request, timeout=5).read())

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


STORIES = {
    "slow": [("waiting", "Waiting for a build slot"), ("fetching", "Fetching the repository"),
             ("building", "Step 1/3 : FROM python:3.12"), ("building", "Step 2/3 : RUN pip install -r requirements.txt"),
             ("building", "Step 3/3 : COPY . ."), ("pushing", "Pushing the image"), ("built", "Built the image"),
             ("launching", "Launching a server")],
    "fails": [("waiting", "Waiting for a build slot"), ("building", "Step 1/3 : FROM python:3.12"),
              ("failed", "Error during build: repo2docker found no environment.yml or requirements.txt\n")],
    "drops": [("waiting", "Waiting for a build slot"), ("building", "Step 1/3 : FROM python:3.12")],
}


class BinderStandIn:
    def __init__(self, jupyter: JupyterServer, delay: float = 0.4):
        self.jupyter, self.delay = jupyter, delay
        self.builds: list[str] = []
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                parts = self.path.split("?")[0].strip("/").split("/")
                if len(parts) < 4 or parts[0] != "build":  # build/<provider>/<owner>/<repo>/<ref>
                    self.send_error(404)
                    return
                story = parts[3]
                stand_in.builds.append(story)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                try:
                    for phase, message in STORIES.get(story, STORIES["fails"]):
                        self.event({"phase": phase, "message": message + "\n"})
                        time.sleep(stand_in.delay)
                    if story == "slow":
                        self.event({"phase": "ready", "message": f"server running at {jupyter.url}\n",
                                    "url": jupyter.url, "token": jupyter.token, "image": "stand-in:latest"})
                except OSError:
                    return
                self.close_connection = True  # "drops" ends here, mid-build

            def event(self, data: dict) -> None:
                self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
