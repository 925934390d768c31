"""A build killed with `kill -9` leaves nothing that outlives it or misleads the next build (issue #15).

A real `publisher build` runs in a session of its own over a build folder that already
serves a release, on a small synthetic corpus (2 agencies × 2 years, every record
edited since that release: a full build). It is killed, its own process only, when its
`--progress` output names the moment (checking, loading, files, publishing: the switch)
and its worker processes are alive. Then nothing of its session may be alive 5 s later;
the served release is the one served before and answers from its store; and the next
build succeeds, removes the killed build's staging folder and its never-published
release, and keeps the release served before it (its predecessor now).

`PUBLISHER_BUILD_POOL_FROM=1` (the setting `build_pool_from`) makes the build start its
worker processes for these four reports, as it would for 64 or more.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, QuerySolutions

from publisher import synthetic
from publisher.build.pipeline import build
from publisher.release.paths import CURRENT, MANIFEST, RELEASES, STAGING_PREFIX
from publisher.store.readstore import open_embedded
from tests.builds import settings_for
from tests.helpers import BASE

AGENCIES = 2
YEARS = (2021, 2022)
REPORTS = 4  # 2 agencies × 2 years
#: The moments of a build, as its progress output names them (the switch is in `publishing`).
MOMENTS = ("checking", "loading", "files", "publishing")
#: Builds run to kill one at its moment: some moments last milliseconds, and a build that goes past its moment
#: before the kill reaches it is run again (under a CI's load, three were once not enough for `publishing`).
ATTEMPTS = 6


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A build folder serving a release of the corpus, and the same corpus with every record edited since."""
    root = tmp_path_factory.mktemp("killed")
    first = root / "data-served"
    synthetic.generate(first, AGENCIES, years=YEARS, seed=7)
    build(settings_for(first, root / "template"))
    edited = root / "data"
    shutil.copytree(first, edited)
    records = sorted(edited.glob("reports/*/*.yaml"))
    assert len(records) == REPORTS
    for record in records:
        record.write_text(record.read_text(encoding="utf-8") + "# edited after the served release\n", "utf-8")
    return root / "template", edited


def session_alive(session: int) -> list[str]:
    """The processes of a session that are alive (not zombies): "pid ppid state command" each, read from /proc."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        state, ppid, sid = fields[0], fields[1], int(fields[3])
        if sid == session and state not in ("Z", "X"):
            alive.append(f"{entry.name} {ppid} {state} {command[:120]}")
    return alive


def workers_of(session: int) -> list[str]:
    """The worker processes among them: spawned (`spawn_main`) or forked by a fork server."""
    alive = session_alive(session)
    servers = {line.split()[0] for line in alive if "multiprocessing.forkserver" in line}
    return [line for line in alive if "spawn_main" in line or line.split()[1] in servers]


class Output:
    """What a process writes on a pipe, read by a thread as it comes."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        self.stream, self.text = process.stderr, b""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while chunk := os.read(self.stream.fileno(), 65536):
            self.text += chunk

    def moment(self) -> str | None:
        """The stage the progress output names last."""
        found = [(self.text.rfind(f"\x1b[K{name}".encode()), name) for name in MOMENTS]
        position, name = max(found)
        return name if position >= 0 else None


@pytest.fixture
def killed(request: pytest.FixtureRequest, served: tuple[Path, Path], tmp_path: Path) -> Iterator[dict[str, object]]:
    """A copy of the served build folder, a build of the edited corpus killed in it at a moment, and what was seen."""
    moment: str = request.param
    template, data = served
    build_dir = tmp_path / "build"
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_")} | {"PUBLISHER_BUILD_POOL_FROM": "1"}
    command = [str(Path(sys.executable).with_name("publisher")), "--config", str(tmp_path / "empty.toml"), "build"]
    command += ["--base-iri", BASE, "--data", str(data), "--out", str(build_dir), "--build-workers", "2", "--progress"]
    # some moments of a build of four reports last a few milliseconds (loading, publishing): a build that went
    # past the moment, or ended by itself, before the kill reached it is run again (`ATTEMPTS` in all), never
    # counted as killed
    for attempt in range(ATTEMPTS):
        shutil.rmtree(build_dir, ignore_errors=True)
        shutil.copytree(template, build_dir, symlinks=True)
        before = os.readlink(build_dir / CURRENT)
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        output = Output(process)
        try:
            seen, workers, since = None, [], 0.0
            # the moment reached, with the build's workers alive (started at `checking`, once the fork server has
            # imported the package: up to 10 s on a busy machine; they stay till the build ends) or 1 s into it
            grace = 10 if moment == MOMENTS[0] else 1
            while process.poll() is None:
                seen = output.moment()
                workers = workers_of(process.pid)
                since = since or (time.monotonic() if seen == moment else 0.0)
                if seen == moment and (workers or time.monotonic() - since > grace):
                    os.kill(process.pid, signal.SIGKILL)
                    break
                if seen is not None and MOMENTS.index(seen) > MOMENTS.index(moment):
                    break
                time.sleep(0.005)
            process.wait(timeout=60)
            again = attempt < ATTEMPTS - 1
            ended_by_itself = process.returncode == 0 and moment == MOMENTS[-1] and again
            went_past = seen is not None and MOMENTS.index(seen) > MOMENTS.index(moment) and again
            if not (ended_by_itself or went_past):
                assert seen == moment, f"killed at {seen}, not {moment}:\n{output.text.decode(errors='replace')}"
                assert process.returncode == -signal.SIGKILL, output.text.decode(errors="replace")
                yield {"build_dir": build_dir, "data": data, "pid": process.pid, "before": before, "workers": workers}
                return
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            for line in session_alive(process.pid):  # whatever the build left, not left to the next test
                os.kill(int(line.split()[0]), signal.SIGKILL)
            output.thread.join(timeout=10)
            output.stream.close()


def alive_after(session: int, seconds: float) -> list[str]:
    """The processes of the session still alive once `seconds` have passed (or none, as soon as none is)."""
    deadline = time.monotonic() + seconds
    while (alive := session_alive(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def report_graphs(build_dir: Path) -> int:
    """How many report graphs the served release's store holds."""
    answer = open_embedded(build_dir).query(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        f"FILTER STRSTARTS(STR(?g), '{BASE}/id/report/') }}"
    )
    assert isinstance(answer, QuerySolutions)
    count = next(iter(answer))[0]
    assert isinstance(count, Literal)
    return int(count.value)


@pytest.mark.parametrize("killed", MOMENTS, indirect=True)
def test_a_killed_build_leaves_nothing_behind(killed: dict[str, object]) -> None:
    build_dir, data, pid, before = killed["build_dir"], killed["data"], killed["pid"], killed["before"]
    assert isinstance(build_dir, Path) and isinstance(data, Path) and isinstance(pid, int) and isinstance(before, str)
    problems = []
    if alive := alive_after(pid, 5.0):
        problems.append(f"alive 5 s after the build was killed: {alive}")
    # the release served before is still served, and answers; killed at the switch, the new one may be (whole)
    served = os.readlink(build_dir / CURRENT)
    assert served == before or (build_dir / served / MANIFEST).is_file()
    assert report_graphs(build_dir) == REPORTS
    # the next build succeeds, removes what the killed one left, and keeps the release served before it
    summary = build(settings_for(data, build_dir))
    assert os.readlink(build_dir / CURRENT) == f"{RELEASES}/{summary.release.name}"
    assert report_graphs(build_dir) == REPORTS
    if staging := sorted(path.name for path in build_dir.glob(f"{STAGING_PREFIX}*")):
        problems.append(f"staging folders left after the next build: {staging}")
    # kept: the new release and the one served before it (if the killed build switched and wrote everything,
    # the next has nothing to publish: the one it served and the one before)
    newest = Path(served).name
    kept = {summary.release.name, newest} if summary.release.name != newest else {newest, Path(before).name}
    releases = {path.name for path in (build_dir / RELEASES).iterdir()}
    if releases != kept:
        problems.append(f"releases after the next build: {sorted(releases)}, not {sorted(kept)}")
    if not killed["workers"]:
        problems.append("the build had no worker processes when it was killed (setting build_pool_from)")
    assert problems == []
