"""A build reaches for no network: every connect() the build and its children make (mystmd included, which
asks the npm registry for its latest version unless told not to) goes to this machine."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.build]


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is installed by .ci/setup")
def test_a_build_connects_to_nothing_off_this_machine(make_project, tmp_path, download_cache):
    root = make_project({"myst.yml": "version: 1\nproject:\n  title: Quiet\n", "index.md": "# Quiet\n\nText.\n"})
    trace = tmp_path / "connect.txt"
    result = subprocess.run(["strace", "-f", "-e", "trace=connect", "-o", str(trace), sys.executable, "-m",
                             "mystlite", "build", str(root), "-q", "--cache-dir", str(download_cache)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    calls = [line for line in trace.read_text().splitlines() if "connect(" in line and "AF_INET" in line]
    outside = [line for line in calls
               if not re.search(r'inet_addr\("127\.0\.0\.1"\)|inet_pton\(AF_INET6, "::1"', line)]
    assert outside == []
    assert (root / "_build" / "html" / "index.html").is_file()
