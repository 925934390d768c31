"""The publisher as a new operator runs it: defaults that follow the command line, errors that say what to do.

Real processes on loopback: `publisher serve` on a port of its own without --base-iri,
`publisher serve` on a bad or busy port, the README's query examples over a store
built for another base, a YAML record with an unclosed quote, `publisher validate` of
a whole data folder.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.build.builder import build
from publisher.cli import main
from publisher.settings import PROJECT_ROOT, load_settings
from tests.helpers import DATA, SEED_RECORD, free_port
from tests.http import fetch

PUBLISHER = str(Path(sys.executable).parent / "publisher")
REPORT = "/id/report/jilin-city-science-technology-bureau/2011"
#: The store's base in the query tests: as if it had been served once with `--port 8123`.
OTHER_BASE = "http://127.0.0.1:8123"


class Output:
    """What the server process printed, filled in when it has stopped."""

    stdout = ""
    stderr = ""


@contextmanager
def serving(args: Sequence[str], port: int) -> Iterator[Output]:
    """`publisher serve ARGS` until it answers /healthz on `port`; stopped at the end."""
    process = subprocess.Popen([PUBLISHER, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    output = Output()
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if fetch(f"http://127.0.0.1:{port}/healthz").status == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, f"serve exited with {process.returncode}: {process.communicate()}"
            assert time.monotonic() < deadline, "serve did not answer /healthz within 90 s"
            time.sleep(0.2)
        yield output
    finally:
        process.terminate()
        output.stdout, output.stderr = process.communicate(timeout=30)


# --- base_iri follows --host/--port ------------------------------------------------


def test_serve_on_another_port_without_base_iri_mints_iris_of_that_port(tmp_path: Path) -> None:
    port = free_port()
    here = f"http://127.0.0.1:{port}"
    args = ["--port", str(port), "--out", str(tmp_path / "build"), "--data", str(DATA)]
    with serving(args, port) as output:
        document = fetch(here + REPORT, headers={"Accept": "application/ld+json"})
        assert document.status == 200
        context = json.loads(document.body)["@context"]
        assert here + "/" in json.dumps(context), context  # the JSON-LD context a client loads is on this server
        assert fetch(here + "/def/disclosure", headers={"Accept": "text/turtle"}).status == 200
        page = fetch(here + REPORT, headers={"Accept": "text/html"})
        assert page.status == 200 and here.encode() in page.body
        assert b"127.0.0.1:8000" not in page.body and b"127.0.0.1:8000" not in document.body
        links = " ".join(document.headers.get_all("Link") or [])
        assert f"<{here}{REPORT}.ttl>" in links and "127.0.0.1:8000" not in links
        turtle = fetch(here + REPORT, headers={"Accept": "text/turtle"}).body
        assert f"<{here}{REPORT}>".encode() in turtle or f"@base <{here}/>".encode() in turtle
    manifest = json.loads((tmp_path / "build" / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["base_iri"] == here
    assert f"Serving {here} on {here}/" in output.stdout


def test_build_and_query_agree_on_the_base_a_server_would_have(tmp_path: Path) -> None:
    settings = load_settings({"port": 8123, "data_dir": DATA, "build_dir": tmp_path}, environ={})
    assert settings.base == OTHER_BASE
    assert load_settings({"host": "0.0.0.0", "port": 8123}, environ={}).base == OTHER_BASE
    assert load_settings({"host": "::1", "port": 8123}, environ={}).base == "http://[::1]:8123"
    assert load_settings({"base_iri": "https://lod.example.org/", "port": 8123}, environ={}).base == (
        "https://lod.example.org"
    )


def test_serving_a_store_built_for_another_base_warns_naming_both(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    build(load_settings({"data_dir": DATA, "build_dir": build_dir}, environ={}))  # base http://127.0.0.1:8000
    broken = tmp_path / "data"
    shutil.copytree(DATA, broken)
    record = broken / SEED_RECORD.relative_to(DATA)
    record.write_text(record.read_text(encoding="utf-8").replace("value: 658", "value: abc", 1), encoding="utf-8")
    port = free_port()
    with serving(["--port", str(port), "--out", str(build_dir), "--data", str(broken)], port) as output:
        pass
    warning = [line for line in output.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1, output.stderr
    assert "http://127.0.0.1:8000" in warning[0] and f"http://127.0.0.1:{port}" in warning[0]
    assert "--base-iri http://127.0.0.1:8000" in warning[0] and "警告" in warning[0]


# --- a bad or busy port is one line, before "Serving" -----------------------------


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PUBLISHER, "serve", *args], capture_output=True, text=True, timeout=120)


def test_a_port_out_of_range_is_one_line_before_anything_is_built(tmp_path: Path) -> None:
    result = run_serve("--port", "80000", "--out", str(tmp_path / "build"), "--data", str(DATA))
    assert result.returncode == 2
    assert "Serving" not in result.stdout and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "80000" in lines[0] and "--port" in lines[0], result.stderr
    assert not (tmp_path / "build" / "current").exists()


def test_a_port_in_use_is_one_line_before_serving(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run_serve("--port", str(port), "--out", str(tmp_path / "build"), "--data", str(DATA))
    assert result.returncode == 2
    assert "Serving" not in result.stdout and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "already in use" in lines[0], result.stderr
    assert "--port" in lines[0] and "已被占用" in lines[0]
    assert not (tmp_path / "build" / "current").exists()  # said before a build was started


# --- a query over another base's IRIs that finds nothing says the store's base ------


@pytest.fixture(scope="module")
def other_base_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled data built for OTHER_BASE, as `publisher serve --port 8123` leaves it."""
    build_dir = tmp_path_factory.mktemp("other-base")
    build(load_settings({"base_iri": OTHER_BASE, "data_dir": DATA, "build_dir": build_dir}, environ={}))
    return build_dir


#: The README's `publisher sparql` example, as printed there (base http://127.0.0.1:8000).
README_SPARQL = """PREFIX dis: <http://127.0.0.1:8000/def/disclosure#>
SELECT ?figure ?count WHERE { ?figure dis:count ?count } ORDER BY ?figure"""


def test_the_readme_sparql_example_over_another_base_names_the_stores_base(other_base_store: Path) -> None:
    result = CliRunner().invoke(main, ["sparql", README_SPARQL, "--out", str(other_base_store)])
    assert result.exit_code == 0
    assert result.stdout.strip() == "figure,count"  # nothing found: the header only
    hints = [line for line in result.stderr.splitlines() if line.startswith("hint:")]
    assert len(hints) == 1, result.stderr
    assert "http://127.0.0.1:8000" in hints[0] and OTHER_BASE in hints[0] and "提示" in hints[0]


def test_the_same_query_under_the_stores_base_finds_rows_and_gives_no_hint(other_base_store: Path) -> None:
    query = README_SPARQL.replace("http://127.0.0.1:8000", OTHER_BASE)
    result = CliRunner().invoke(main, ["sparql", query, "--out", str(other_base_store)])
    assert result.exit_code == 0
    assert f"{OTHER_BASE}{REPORT}/".encode() in result.stdout_bytes
    assert result.stderr == ""


def test_an_ask_and_a_construct_over_another_base_name_the_stores_base(other_base_store: Path) -> None:
    ask = f"ASK {{ <http://127.0.0.1:8000{REPORT}> ?p ?o }}"
    construct = f"CONSTRUCT WHERE {{ <http://127.0.0.1:8000{REPORT}> ?p ?o }}"
    for query in (ask, construct):
        result = CliRunner().invoke(main, ["sparql", query, "--out", str(other_base_store)])
        assert result.exit_code == 0 and f"under {OTHER_BASE}" in result.stderr, (query, result.stderr)


def test_the_readme_named_query_example_over_another_base_names_the_stores_base(other_base_store: Path) -> None:
    args = ["query", "jilin-proactive-by-category", "-p", "agency=jilin-city-science-technology-bureau"]
    args += ["-p", "year=2011", "--out", str(other_base_store)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) == 1  # the header only
    assert f"--base-iri {OTHER_BASE}" in result.stderr
    right = CliRunner().invoke(main, [*args, "--base-iri", OTHER_BASE])
    assert right.exit_code == 0 and len(right.stdout.strip().splitlines()) > 1 and right.stderr == ""


# --- a YAML syntax error points at the line that opened what is left open ------------


def test_an_unclosed_quote_is_reported_on_its_own_line_in_plain_words(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    record = data / SEED_RECORD.relative_to(DATA)
    lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
    opened = next(n for n, line in enumerate(lines, 1) if line.strip() == "quote: 2011年,我局主动公开政府信息共658条")
    lines[opened - 1] = lines[opened - 1].replace("quote: ", 'quote: "', 1)  # the next " is far below, in a comment
    record.write_text("".join(lines), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--data", str(data), str(record)])
    assert result.exit_code == 2
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"error: {record}:{opened}: "), message
    assert "quote" in message and "引号" in message and "<block end>" not in message


def test_a_list_left_open_is_reported_on_the_line_that_opened_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    record = data / SEED_RECORD.relative_to(DATA)
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("    item: category/all\n", "    item: [category/all\n", 1), encoding="utf-8")
    opened = text[: text.index("    item: category/all\n")].count("\n") + 1
    result = CliRunner().invoke(main, ["validate", "--data", str(data), str(record)])
    assert result.exit_code == 2
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"error: {record}:{opened}: ") and "]" in message and "列表" in message, message


# --- `publisher validate DATA_FOLDER` reads the report records only ------------------


def test_validate_of_a_data_folder_reads_its_records_not_its_registry() -> None:
    result = CliRunner().invoke(main, ["validate", "--data", str(DATA), str(DATA)])
    assert result.exit_code == 0, result.output
    assert "agencies.yaml" not in result.output
    assert f"{SEED_RECORD}: conforms" in result.stdout and "1 report(s): 0 violation(s)" in result.stdout


# --- `bash scripts/run` installs only when pyproject.toml changed ----------------------

#: A project of one module whose `publisher` command prints its arguments, set up by the real scripts/run.
TINY_PYPROJECT = """[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "tiny-publisher"
version = "{version}"

[project.scripts]
publisher = "tiny_publisher:main"
"""


def test_scripts_run_installs_again_only_when_pyproject_changes(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(PROJECT_ROOT / "scripts" / "run", tmp_path / "scripts" / "run")
    (tmp_path / "tiny_publisher.py").write_text("import sys\n\ndef main():\n    print(*sys.argv[1:])\n")
    (tmp_path / "pyproject.toml").write_text(TINY_PYPROJECT.format(version="1"))

    def run(*args: str) -> str:
        result = subprocess.run(["bash", "scripts/run", *args], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def installed(version: str) -> Path:
        return next(tmp_path.glob(f".venv/lib/python*/site-packages/tiny_publisher-{version}.dist-info/RECORD"))

    assert run("--port", "8123") == "serve --port 8123\n"  # a fresh clone: created and installed
    first = installed("1").stat().st_mtime_ns
    assert run("--port", "8124") == "serve --port 8124\n"
    assert installed("1").stat().st_mtime_ns == first  # nothing changed: not installed again
    (tmp_path / "pyproject.toml").write_text(TINY_PYPROJECT.format(version="2"))
    assert run() == "serve\n"
    assert installed("2").is_file()  # pyproject.toml changed: installed again
