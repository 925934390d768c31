"""A real nginx serving a static export with deploy/nginx.conf, on loopback, for the tests.

`scripts/test` installs Debian's nginx when it is missing. `serving(site)` writes a main
configuration into a temporary folder (its pid, logs and temporary paths there, in the
foreground), includes deploy/nginx.conf with only its `listen` and `root` lines changed
(to a free loopback port and `site`), starts nginx and waits for it to answer, and stops
it when the block ends. Without nginx the tests that need it are skipped, naming why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import free_port
from tests.http import fetch

CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    """Debian's nginx (in /usr/sbin, which a user's PATH may not hold), or None."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found if os.access(found, os.X_OK) else None


def site_conf(site: Path, port: int) -> str:
    """deploy/nginx.conf listening on 127.0.0.1:`port` with `site` as its root: nothing else changed."""
    text = CONF.read_text(encoding="utf-8")
    for old, new in (("    listen 80;\n", f"    listen 127.0.0.1:{port};\n"),
                     ("    root /srv/disclosure;\n", f"    root {site};\n")):  # fmt: skip
        assert text.count(old) == 1, f"deploy/nginx.conf no longer reads {old.strip()!r}: change tests/nginx.py too"
        text = text.replace(old, new)
    return text


@contextmanager
def serving(site: Path) -> Iterator[str]:
    """nginx serving `site` with deploy/nginx.conf; its base URL (http://127.0.0.1:PORT)."""
    binary = nginx_binary()
    assert binary is not None, "nginx is not installed: scripts/test installs Debian's"
    with tempfile.TemporaryDirectory(prefix="publisher-test-nginx-") as folder:
        root, port = Path(folder), free_port()
        (root / "site.conf").write_text(site_conf(site, port), encoding="utf-8")
        temporary = "".join(f"    {kind}_temp_path {root / kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                                    "uwsgi", "scgi"))  # fmt: skip
        (root / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")  # its workers read the test's folders, which are root's
            + f"daemon off;\nworker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'};\n"
            + "events {}\n"
            + f"http {{\n    access_log off;\n{temporary}    include {root / 'site.conf'};\n}}\n",
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [binary, "-p", str(root), "-e", str(root / "error.log"), "-c", str(root / "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                if process.poll() is not None:
                    errors = process.stderr.read().decode() if process.stderr else ""
                    logged = (root / "error.log").read_text() if (root / "error.log").exists() else ""
                    raise AssertionError(f"nginx did not start: {errors}{logged}")
                try:
                    answer = fetch(f"{url}/robots.txt")
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
                    continue
                # ours, not another server that took the port first (nginx then exits: its bind failed)
                assert answer.headers.get("Server", "").startswith("nginx"), answer.headers
                assert process.poll() is None, "nginx exited: another server answers on its port"
                break
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr is not None:
                process.stderr.close()
