"""`publisher serve` as a person runs it: a real process that builds when needed, then serves."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import DATA, free_port
from tests.http import fetch

PUBLISHER = str(Path(sys.executable).parent / "publisher")


class Output:
    """What the server process printed, filled in when it has stopped."""

    stdout = ""
    stderr = ""


@contextmanager
def serving(
    build_dir: Path, data_dir: Path = DATA, port: int | None = None, options: Sequence[str] = ()
) -> Iterator[tuple[str, Output]]:
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            PUBLISHER,
            "serve",
            "--port",
            str(port),
            "--base-iri",
            url,
            "--out",
            str(build_dir),
            "--data",
            str(data_dir),
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    output = Output()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if fetch(url + "/healthz").status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None:
                raise AssertionError(f"serve exited with {process.returncode}")
            time.sleep(0.2)
        else:
            raise AssertionError("serve did not answer /healthz within 60 s")
        yield url, output
    finally:
        process.terminate()
        output.stdout, output.stderr = process.communicate(timeout=20)


def test_serve_builds_a_missing_store_then_serves_it(tmp_path: Path) -> None:
    with serving(tmp_path / "build") as (url, _process):
        health = json.loads(fetch(url + "/healthz").body)
        assert health["status"] == "ok" and health["reports"] == 1 and health["triples"] > 1000
        report = fetch(url + "/id/report/jilin-city-science-technology-bureau/2011", headers={"Accept": "text/turtle"})
        assert report.status == 200 and report.media_type == "text/turtle"
        assert f"{url}/def/disclosure#".encode() in report.body and b"658" in report.body
    assert (tmp_path / "build" / "current").is_symlink()


def test_serve_does_not_rebuild_a_fresh_store(tmp_path: Path) -> None:
    port = free_port()  # the base IRI is an input of the build: keep it the same
    with serving(tmp_path / "build", port=port):
        pass
    first = (tmp_path / "build" / "current").resolve()
    with serving(tmp_path / "build", port=port) as (_url, output):
        pass
    assert (tmp_path / "build" / "current").resolve() == first
    assert "building it" not in output.stdout


def test_serve_keeps_serving_the_previous_build_when_the_new_one_fails(
    tmp_path: Path, data_copy: Callable[..., Path]
) -> None:
    port = free_port()
    with serving(tmp_path / "build", port=port):
        pass
    broken = data_copy(lambda text: text.replace("value: 658", "value: abc", 1))
    with serving(tmp_path / "build", broken, port=port) as (url, output):
        assert fetch(url + "/healthz").status == 200
    errors = output.stderr
    assert "value" in errors and "expected a whole number" in errors
    assert "Serving the previous build" in errors


def test_serve_without_any_store_and_bad_data_exits_2(tmp_path: Path, data_copy: Callable[..., Path]) -> None:
    broken = data_copy(lambda text: text.replace("year: 2011\n", "", 1))
    port = free_port()
    result = subprocess.run(
        [PUBLISHER, "serve", "--port", str(port), "--out", str(tmp_path / "build"), "--data", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "year" in result.stderr and "required" in result.stderr
    assert not (tmp_path / "build" / "current").exists()


def test_serve_with_watch_republishes_a_changed_record_and_stops_its_builder(
    tmp_path: Path, data_copy: Callable[..., Path]
) -> None:
    data = data_copy()
    record = next(data.glob("reports/*/2011.yaml"))
    report = "/id/report/jilin-city-science-technology-bureau/2011"
    with serving(tmp_path / "build", data_dir=data, options=["--watch"]) as (url, output):
        assert b"658" in fetch(url + report, headers={"Accept": "text/turtle"}).body
        first = (tmp_path / "build" / "current").resolve()
        text = record.read_text(encoding="utf-8")
        record.write_text(text.replace("value: 658\n", "value: 659\n", 1), encoding="utf-8")  # a stated total
        deadline = time.monotonic() + 60
        while b'"659"' not in fetch(url + report, headers={"Accept": "application/n-triples"}).body:
            assert time.monotonic() < deadline, "the changed record was not republished within 60 s"
            time.sleep(0.2)
        assert (tmp_path / "build" / "current").resolve() != first
    assert "Watching" in output.stdout and "1 checked" in output.stdout
    assert not processes_with(f"PUBLISHER_DATA_DIR={data}")  # the builder ended with the server


def processes_with(variable: str) -> list[str]:
    """Processes whose environment holds `variable` (NAME=value)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and variable.encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(entry.name)
        except OSError:
            continue
    return found
