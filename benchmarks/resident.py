"""One changed record republished by the resident builder (`publisher watch`), timed from outside.

    .venv/bin/python benchmarks/resident.py --work DIR [--repeat 5]

DIR is a work folder of benchmarks/scale.py (DIR/data, DIR/build, built). The script
starts `publisher watch` on it, waits until its first build (nothing to publish) is
done, then `--repeat` times changes one record the way scale.py's rebuild step does
(a figure and its sentence in the source) and measures, with its own clock, the time
from just before the files are written to the moment `DIR/build/current` names the
new release, and to the moment a `publisher serve` on the same build answers the
changed report with the new figure (both polled every 2 ms). Beside it, for the
baseline, the same change published by a `publisher build` started anew. Prints each
run and the medians; scale.py calls `measure` for its rebuild figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import BUILD, PUBLISHER, ROOT, change_one_record, env_for, get, say, server, timed

POLL = 0.002


def _wait_for_line(watcher: subprocess.Popen[str], marker: str, timeout: float) -> str:
    """Lines of the watcher's output until one containing `marker`."""
    assert watcher.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = watcher.stdout.readline()
        if not line:
            raise SystemExit("publisher watch ended:\n" + "".join(seen[-20:]))
        seen.append(line)
        if marker in line:
            return line
    raise SystemExit(f"publisher watch said no {marker!r} in {timeout} s:\n" + "".join(seen[-20:]))


def measure(work: Path, base: str, repeat: int, port: int | None = None, year: int = 2015) -> dict[str, Any]:
    """Medians (s) of `repeat` changes republished by `publisher watch`: to the switch and, with a server on
    `port` serving the same build, to the new figure served; and the same change by `publisher build`.
    The record changed: the `year` report of the agency in the middle (`scale.change_one_record`)."""
    data, build = work / "data", work / "build"
    env = env_for(base, data, build)
    current = build / "current"
    watcher = subprocess.Popen(
        [PUBLISHER, "watch"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    switched: list[float] = []
    served: list[float] = []
    own: list[str] = []
    try:
        _wait_for_line(watcher, "start / 启动", 3600)
        for _ in range(repeat):
            before = os.readlink(current)
            start = time.perf_counter()
            record = change_one_record(data, year)
            figure = _changed_sentence(record)
            while os.readlink(current) == before:
                if time.perf_counter() - start > 120:
                    raise SystemExit("publisher watch did not publish the change in 120 s")
                time.sleep(POLL)
            switched.append(time.perf_counter() - start)
            if port is not None:
                url = f"http://127.0.0.1:{port}/id/report/{record.parent.name}/{record.stem}"
                while figure.encode() not in get(url, accept="text/turtle")[1]:
                    time.sleep(POLL)
                served.append(time.perf_counter() - start)
            own.append(_wait_for_line(watcher, "/ 检查", 120).strip())
            say(f"  resident: published {switched[-1]:.3f} s after the change"
                + (f", served {served[-1]:.3f} s" if served else "") + f"  [{own[-1]}]")  # fmt: skip
            time.sleep(0.5)  # the watcher idle again before the next change
    finally:
        watcher.terminate()
        watcher.wait(timeout=120)
    fresh = []
    for _ in range(max(1, repeat // 2)):
        change_one_record(data, year)
        elapsed, _out = timed([*BUILD[:2]], env)
        fresh.append(elapsed)
        say(f"  publisher build started anew: {elapsed:.3f} s")
    return {
        "resident_switch_s": statistics.median(switched),
        "resident_served_s": statistics.median(served) if served else None,
        "resident_runs_s": switched,
        "fresh_build_s": statistics.median(fresh),
        "fresh_runs_s": fresh,
    }


def _changed_sentence(record: Path) -> str:
    """The sentence of the source that change_one_record rewrote (组织业务培训N人次), as it is now."""
    import re

    source = next(record.parent.glob(f"{record.stem}.source.*")).read_text(encoding="utf-8")  # .txt or .html
    found = re.search(r"组织业务培训\d+人次", source)
    assert found is not None, record
    return found.group(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, required=True, help="a built work folder of benchmarks/scale.py")
    parser.add_argument("--base", default="http://127.0.0.1:8765", help="the base IRI it was built with")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--serve", action="store_true", help="also time the new figure served by publisher serve")
    args = parser.parse_args()
    work = args.work.resolve()
    if args.serve:
        port = int(args.base.rsplit(":", 1)[1])
        env = env_for(args.base, work / "data", work / "build", port=str(port), web_processes="1")
        with server(env, port):
            result = measure(work, args.base, args.repeat, port)
    else:
        result = measure(work, args.base, args.repeat)
    say(
        f"one changed record: resident builder {result['resident_switch_s']:.3f} s to the switch"
        + (f", {result['resident_served_s']:.3f} s to the figure served" if result["resident_served_s"] else "")
        + f"; publisher build started anew {result['fresh_build_s']:.3f} s"
        + f" ({result['fresh_build_s'] / result['resident_switch_s']:.1f}× the resident builder); target ≤ 1 s"
    )


if __name__ == "__main__":
    main()
