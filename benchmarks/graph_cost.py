"""What a report's graph, its N-Triples and its core checking cost a build worker, by era: before and after, in one run.

Run from the project root:

    nice -n 10 .venv/bin/python benchmarks/graph_cost.py --data /tmp/m/data      # an existing data folder
    nice -n 10 .venv/bin/python benchmarks/graph_cost.py --per-era 20 --rounds 3   # a synthetic corpus, 2008–2025

Before: the code of `--baseline` (a git revision, HEAD by default: what is committed),
taken out with `git archive` into a temporary folder and run there in a process of its
own — `report_graph` (an rdflib graph), `sorted_ntriples` of it, and the core shapes
evaluated directly (`DirectCore`) over an index of the graph's rdflib terms. After: this
tree — `report_triples` (N-Triples terms, no rdflib graph), `sorted_term_ntriples` of
them, and `ReportChecker.check` of the triples (the core shapes; the SPARQL constraints
now run over the build's store, not here). Both read the same records with the same
project (agencies, ontology, shapes of their own tree), each record once to warm the
caches (a format's context, an agency's entry), then `--rounds` times; each figure is
the least CPU time (`time.process_time`) of the rounds per report, averaged by era (the
report's format). The N-Triples of every record must be the same bytes, and the
findings the same: the script stops if not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("graph", "N-Triples", "core checking")


def generate(folder: Path, per_era: int) -> Path:
    """A synthetic corpus over 2008–2025 with about `per_era` reports of each era."""
    from publisher import synthetic

    years = list(synthetic.DEFAULT_YEARS)
    synthetic.generate(folder, max(1, math.ceil(per_era * 3 / len(years))), years=years, seed=2011)
    return folder


def measure(data: Path, per_era: int, rounds: int, side: str) -> dict[str, Any]:
    """Each stage's least CPU time per record over `rounds`, the N-Triples' digest and the findings (as text)."""
    os.environ["PUBLISHER_DATA_DIR"] = str(data)
    from publisher.build.project import load_project
    from publisher.records.loading import find_records, load_report
    from publisher.settings import load_settings
    from publisher.validation.checker import ReportChecker

    project = load_project(load_settings())
    checker = ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)
    keys = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
    reports: dict[str, list[Any]] = defaultdict(list)
    for path in find_records(data):
        report = load_report(path, project.registry, keys)
        if len(reports[report.format]) < per_era:
            reports[report.format].append((path, report))
    stages = _before(project, checker) if side == "before" else _after(project, checker)
    found: dict[str, Any] = {}
    for era, items in sorted(reports.items()):
        for path, report in items:
            times = [math.inf] * len(STAGES)
            for _ in range(rounds + 1):  # the first warms the caches
                results, spent = _timed(stages, report, str(path))
                times = [min(t, s) for t, s in zip(times, spent, strict=True)]
            ntriples, findings = results
            found[str(path)] = {
                "era": era,
                "ms": [t * 1000 for t in times],
                "ntriples": hashlib.sha256(ntriples).hexdigest(),
                "findings": [repr(f) for f in findings],
            }
    return found


def _timed(stages: list[Callable[..., Any]], report: Any, record: str) -> tuple[tuple[bytes, Any], list[float]]:
    spent = []
    value: Any = report
    outputs = []
    for stage in stages:
        start = time.process_time()
        value = stage(value, report, record)
        spent.append(time.process_time() - start)
        outputs.append(value)
    _, ntriples, findings = outputs
    return (ntriples[0], findings), spent


def _before(project: Any, checker: Any) -> list[Callable[..., Any]]:
    """The baseline's stages: an rdflib graph, its sorted N-Triples, DirectCore over an index of its terms."""
    from publisher.graph.reports import report_graph
    from publisher.rdf.ntriples import sorted_ntriples
    from publisher.validation.coreshapes import Data, Index

    def graph(report: Any, _report: Any, _record: str) -> Any:
        return report_graph(report, project.registry, project.formats[report.format], project.iris)

    def ntriples(graph: Any, _report: Any, _record: str) -> tuple[bytes, Any]:
        return sorted_ntriples(graph), graph

    def check(given: tuple[bytes, Any], report: Any, record: str) -> Any:
        graph = given[1]
        agency = next(graph.objects(None, project.iris.term("agency")), None)
        data = Data([Index(graph), checker.agency_index(agency), checker.context_index(report.format)])
        return checker.validator.outcome(record, checker.direct_findings(data, report)).findings

    return [graph, ntriples, check]


def _after(project: Any, checker: Any) -> list[Callable[..., Any]]:
    """This tree's stages: N-Triples terms, their sorted N-Triples, `ReportChecker.check` of the terms."""
    from publisher.graph.reporttriples import report_triples
    from publisher.rdf.ntterms import sorted_term_ntriples

    def graph(report: Any, _report: Any, _record: str) -> Any:
        return report_triples(report, project.registry, project.formats[report.format], project.iris)

    def ntriples(triples: Any, _report: Any, _record: str) -> tuple[bytes, Any]:
        return sorted_term_ntriples(triples), triples

    def check(given: tuple[bytes, Any], report: Any, record: str) -> Any:
        return checker.check(given[1], report.format, report, record, ntriples=given[0], spare=True).findings

    return [graph, ntriples, check]


def baseline(revision: str, folder: Path) -> Path:
    """The code of `revision`, taken out of git into `folder` (no work tree, index or branch changed)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="a data folder (default: a synthetic corpus of 2008–2025)")
    parser.add_argument("--per-era", type=int, default=20, help="reports measured per era (report format)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default="HEAD", help="the git revision measured as before")
    parser.add_argument("--side", choices=("before", "after"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:  # one side, in a process of its own: its figures as JSON on stdout
        json.dump(measure(args.data, args.per_era, args.rounds, args.side), sys.stdout)
        return
    with tempfile.TemporaryDirectory(prefix="graph-cost-") as temporary:
        work = Path(temporary)
        data = args.data or generate(work / "data", args.per_era)
        os.environ.setdefault("PUBLISHER_BUILD_DIR", str(work / "build"))
        old = baseline(args.baseline, Path(tempfile.mkdtemp(dir=work)))
        sides = {}
        for side, tree in (("before", old), ("after", ROOT)):
            command = [sys.executable, str(Path(__file__).resolve()), "--side", side, "--data", str(data)]
            command += ["--per-era", str(args.per_era), "--rounds", str(args.rounds)]
            env = {**os.environ, "PYTHONPATH": str(tree)}
            out = subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True, text=True).stdout
            sides[side] = json.loads(out)
    report(sides["before"], sides["after"], args.baseline)


def report(before: dict[str, Any], after: dict[str, Any], revision: str) -> None:
    assert sorted(before) == sorted(after), "the two sides read different records"
    for record in before:
        assert before[record]["ntriples"] == after[record]["ntriples"], f"{record}: the N-Triples differ"
        assert before[record]["findings"] == after[record]["findings"], f"{record}: the findings differ"
    eras = sorted({entry["era"] for entry in before.values()})
    print(f"CPU ms per report, least of the rounds; before = {revision}, after = this tree")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    header = f"{'era':<18}{'reports':>8}  " + "  ".join(f"{s:>24}" for s in (*STAGES, "all three"))
    print(header)
    for era in [*eras, "every era"]:
        records = [r for r in before if era == "every era" or before[r]["era"] == era]
        cells = []
        for stage in range(len(STAGES) + 1):
            b, a = (_mean(side, records, stage) for side in (before, after))
            cells.append(f"{b:8.2f} → {a:6.2f} ({b / a:4.1f}×)")
        print(f"{era:<18}{len(records):>8}  " + "  ".join(f"{c:>24}" for c in cells))
    print(f"N-Triples identical and findings identical on all {len(before)} records")


def _mean(side: dict[str, Any], records: list[str], stage: int) -> float:
    values = [sum(side[r]["ms"]) if stage == len(STAGES) else side[r]["ms"][stage] for r in records]
    return sum(values) / len(values)


if __name__ == "__main__":
    main()
