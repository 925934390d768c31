"""What each SPARQL constraint of shapes/*.ttl costs per report, before and after a change of the shapes: in one run.

Run from the project root:

    nice -n 10 .venv/bin/python benchmarks/shapes_cost.py                  # 12 reports of each format, seed 2011
    nice -n 10 .venv/bin/python benchmarks/shapes_cost.py --reports 30 --repeat 5
    nice -n 10 .venv/bin/python benchmarks/shapes_cost.py --baseline REV   # the shapes of a given git revision
    nice -n 10 .venv/bin/python benchmarks/shapes_cost.py --by-era 2,4,8   # the worker's check by era, set-based
    nice -n 10 .venv/bin/python benchmarks/shapes_cost.py --growth 12,48,200,1000   # as the build runs them

`--growth` measures the SPARQL constraints as the build runs them, set-based over its store
(`Validator.evaluate_set_based`), over stores of growing size: ms CPU per report by
constraint, before (the shapes of HEAD, up to `--before-up-to` reports) and after (see
`growth`).

`--by-era` measures instead what checking costs per report, by era, as the build's
workers do it — the core shapes by pySHACL (before) and evaluated directly (after) —
and the SPARQL constraints run set-based over one store holding many reports (see
`by_era`).

"Before" is the shapes of `--baseline`, read with `git show`; by default the latest
version of shapes/*.ttl in git that differs from the files as they are (HEAD's while the
change is not committed, the one before it once it is). "After" is shapes/*.ttl as they
are.

A synthetic corpus (`publisher.synthetic`, 2017–2022: two years of each format — Jilin
City 2011, national 2019, national 2021 — 5 % of figures blank, half the reports with a
total broken on purpose) is written to a temporary folder and read as the build reads
it. For every report the store the build checks it on is made (`checking.ReportChecker`:
the report, its agency, its format's context) and every SPARQL constraint is evaluated
on it through `Validator.evaluate_on`, as the build does, with the text before and the
text after, one after the other. The rules across years (dis:CrossYearRule) are evaluated
the same way over an agency's report and its report of the year before (as
`Validator.validate_across` does: every format in the context), for the later report.

Each figure is CPU time (`time.process_time`) in ms per report: for each report the least
of `--repeat` evaluations (the machine is shared: the least is the cost with the least
interference), then the median over the reports of a format. The totals are the medians
of each report's sum. Both texts must find the same findings on every report: the script
stops if they do not. Nothing is written outside the temporary folder.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "http://127.0.0.1:8000"
YEARS = range(2017, 2023)
SHAPES = ROOT / "shapes"


def git(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True).stdout


def shapes_at(revision: str) -> dict[str, bytes]:
    """shapes/*.ttl at a git revision, by file name."""
    names = git("ls-tree", "--name-only", f"{revision}:shapes").decode().split()
    return {name: git("show", f"{revision}:shapes/{name}") for name in names if name.endswith(".ttl")}


def latest_other_shapes() -> str:
    """The latest revision whose shapes/*.ttl differ from the files as they are (HEAD if none does)."""
    current = {path.name: path.read_bytes() for path in SHAPES.glob("*.ttl")}
    for revision in ["HEAD", *git("rev-list", "HEAD", "--", "shapes").decode().split()]:
        if shapes_at(revision) != current:
            return revision
    return "HEAD"


def constraint_name(constraint: Any, short: Callable[[str], str]) -> str:
    """The constraint's IRI and its shape's; for an anonymous one, its shape's and the gist of its English message."""
    from rdflib import URIRef

    shape = short(str(constraint.shape))
    if isinstance(constraint.node, URIRef):
        return f"{short(str(constraint.node))} ({shape})"
    english = next((str(m) for m in constraint.messages if m.language == "en"), "")
    return f"{shape} ({english.rsplit(': ', 1)[-1][:36]})"


def key_of(constraint: Any) -> tuple[str, str]:
    """What pairs a constraint of one text with the same constraint of the other (blank node labels differ)."""
    from rdflib import URIRef

    if isinstance(constraint.node, URIRef):
        return str(constraint.shape), str(constraint.node)
    return str(constraint.shape), "|".join(sorted(str(m) for m in constraint.messages))


def least_cpu(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The least CPU ms of `repeat` calls, and what the last call returned."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.process_time()
        result = function()
        best = min(best, time.process_time() - start)
    return best * 1000, result


def unbound_query(constraint: Any) -> str | None:
    """The constraint's text to run with $this unbound (it binds $this itself), or None when it must be bound:
    an outer WHERE that starts with a FILTER (then $this is only ever tested, never matched)."""
    from publisher.validation.shapes import OUTER_WHERE

    match = OUTER_WHERE.match(constraint.query)
    if match is None or constraint.query[match.end() :].lstrip().startswith("FILTER"):
        return None
    return str(constraint.query)


def set_based(validator: Any, store: Any, constraint: Any, focus: set[Any]) -> tuple[set[tuple[str, ...]], float]:
    """(focus, value) of the constraint over a union view of `store`, once for all its reports, and its ms CPU."""
    from publisher.validation.shapes import UnionView, lexical, solutions

    view = UnionView(store)
    start = time.process_time()
    text = unbound_query(constraint)
    found: set[tuple[str, ...]] = set()
    if text is None:  # bound to every focus node at once, as the per-report run does
        for finding in validator.evaluate_on([constraint], view, None):
            found.add((finding.focus, finding.value or ""))
    else:
        result = view.query(text)
        names = {v.value for v in result.variables}
        for solution in solutions(result):
            this = solution["this"]
            if this in focus:
                value = solution["value"] if "value" in names else None
                value = value if value is not None else (this if constraint.path is None else None)
                found.add((lexical(this), "" if value is None else lexical(value)))
    return found, (time.process_time() - start) * 1000


def by_era(sizes: Sequence[int], seed: int, repeat: int) -> None:
    """Checking per report by era as the build's workers do it, before and after, and the SPARQL constraints
    run set-based over one store of many reports.

    A synthetic corpus of max(sizes) agencies × 2017–2022 (two years of each era's format, 5 % blank, half
    the reports with a total off). Per report, by era, ms CPU (median over the reports, each the least of
    `repeat`): the worker's call (`ReportChecker.check` as `build.checked.check_one` makes it) with the core
    shapes by pySHACL (before: `checker.direct` set aside) and evaluated directly (after:
    `validation.coreshapes`), which must find the same; and the SPARQL constraints alone on the report's
    own store. Then `set_based_by_size`.
    """
    from rdflib import URIRef

    from publisher import synthetic
    from publisher.build.project import load_project
    from publisher.graph.reports import report_graph
    from publisher.rdf.ntriples import sorted_ntriples
    from publisher.records.loading import find_records, load_report
    from publisher.settings import load_settings
    from publisher.validation.checker import ReportChecker

    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    folder = Path(tempfile.mkdtemp(prefix="shapes-by-era-"))
    try:
        data = folder / "data"
        synthetic.generate(data, max(sizes), years=YEARS, seed=seed, blank_rate=0.05, inconsistency_rate=0.5)
        settings = load_settings({"base_iri": BASE, "data_dir": data, "build_dir": folder / "build"}, environ={})
        project = load_project(settings)
        validator, iris = project.validator, project.iris
        checker = ReportChecker(validator, project.ontology, project.formats, project.agencies, iris)
        direct = checker.direct
        keys = {slug: f.record_keys for slug, f in project.formats.items()}
        era = {"jilin-city-2011": "Jilin", "national-2019": "national", "national-2021": "national"}
        ms: dict[tuple[str, str], list[float]] = defaultdict(list)
        per_report: set[tuple[str, ...]] = set()
        graphs: dict[str, tuple[str, bytes]] = {}  # report IRI → (agency, N-Triples)
        for path in find_records(data):
            report = load_report(path, project.registry, keys)
            fmt = project.formats[report.format]
            nt = sorted_ntriples(report_graph(report, project.registry, fmt, iris))
            graphs[str(iris.report(report.agency, report.year))] = (report.agency, nt)
            found = []
            for side, core in (("before: pySHACL core shapes", None), ("after: core shapes direct", direct)):
                checker.direct = core
                best = float("inf")
                for _ in range(repeat):
                    graph = report_graph(report, project.registry, fmt, iris)  # given up, as a worker gives it
                    start = time.process_time()
                    outcome = checker.check(graph, report.format, report, str(path), ntriples=nt, spare=True)
                    best = min(best, time.process_time() - start)
                ms[(side, era[report.format])].append(best * 1000)
                found.append(outcome.findings)
            if found[0] != found[1]:
                raise SystemExit(f"{path}: the direct core shapes find something else than pySHACL")
            agency = next(graph.objects(None, iris.term("agency")), None)
            extra = checker.agency_ntriples(agency) if isinstance(agency, URIRef) else b""
            one = checker.context(report.format).store(nt + extra)  # the store the SPARQL constraints run on
            cost, results = least_cpu(lambda s=one, r=report: validator.evaluate_on(checker.local, s, r), repeat)
            ms[("SPARQL constraints alone", era[report.format])].append(cost)
            per_report |= {(f.shape, f.focus, f.value or "") for f in results}
        print(f"\n{len(graphs)} reports (seed {seed}); the worker's check, ms CPU per report (median, least of "
              f"{repeat}), Jilin / national; the same findings both ways")  # fmt: skip
        for side in ("before: pySHACL core shapes", "after: core shapes direct", "SPARQL constraints alone"):
            jilin, national = (statistics.median(ms[(side, e)]) for e in ("Jilin", "national"))
            print(f"  {side:40}{jilin:8.1f} /{national:8.1f}")
        set_based_by_size(project, checker, graphs, per_report, sizes)
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def set_based_by_size(
    project: Any, checker: Any, graphs: dict[str, tuple[str, bytes]], per_report: set[tuple[str, ...]],
    sizes: Sequence[int],
) -> None:  # fmt: skip
    """For each size, the reports of the first `size` agencies in one in-memory store (each report its own named
    graph, the context graphs beside them, read as their union, as the build's store is), every SPARQL constraint
    but the rules across years run once over it with $this unbound (the solutions whose $this is a focus node
    kept): ms CPU per report (the query's time over the reports in the store). The (constraint, focus, value)
    found must be those found report by report."""
    import pyoxigraph as ox
    from rdflib import URIRef

    from publisher.rdf.namespaces import RDFS
    from publisher.validation.shapes import solutions

    validator, iris = project.validator, project.iris
    order = list(dict.fromkeys(agency for agency, _ in graphs.values()))
    shared = [*project.ontology.items(), (iris.graph("agencies"), project.agencies)]
    for size in sizes:
        agencies = set(order[:size])
        store = ox.Store()
        for name, context in shared:
            data_nt = context.serialize(format="nt", encoding="utf-8")
            store.load(data_nt, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
        mine = {iri: nt for iri, (agency, nt) in graphs.items() if agency in agencies}
        for iri, nt in mine.items():
            store.load(nt, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
        found: set[tuple[str, ...]] = set()
        costs: Counter[str] = Counter()
        for constraint in checker.local:
            classes = " ".join(f"<{c}>" for c in sorted(constraint.targets))
            focus_query = f"SELECT DISTINCT ?f WHERE {{ VALUES ?c {{ {classes} }} ?f a/<{RDFS.subClassOf}>* ?c }}"
            focus = {s["f"] for s in solutions(store.query(focus_query, use_default_graph_as_union=True))}
            results, cost = set_based(validator, store, constraint, focus)
            named = constraint.node if isinstance(constraint.node, URIRef) else constraint.shape
            shape = validator._short(str(named))
            costs[shape] += cost
            found |= {(shape, this, value) for this, value in results}
        expected = {f for f in per_report if f[1].startswith(tuple(mine)) or f[2].startswith(tuple(mine))}
        verdict = "the same" if found == expected else f"NOT the same ({len(found ^ expected)} differ)"
        total = sum(costs.values()) / len(mine)
        print(f"\nset-based, one store of {len(mine)} reports: {total:.1f} ms CPU per report; findings {verdict}")
        for shape, cost in costs.most_common(6):
            print(f"  {shape:40}{cost / len(mine):8.1f}")


def growth(sizes: Sequence[int], seed: int, repeat: int, baseline: str, before_up_to: int, check_up_to: int) -> None:
    """The SPARQL constraints set-based as the build runs them (`Validator.evaluate_set_based`) over stores of
    growing size: ms CPU per report, by constraint, for each size; flat when the total is linear. The rules across
    years are left out (a shuffled sample has few consecutive years; the build's `rules` stage times them).

    A synthetic corpus of the 2008–2025 era mix (Jilin-template reports to 2018, national formats from 2019; 5 %
    of figures blank, half the reports with a total off) of enough agencies for max(sizes) reports; a store
    of size N holds the first N reports in named graphs beside the ontology, formats and
    registry, read as their union, as the build's store is (the reports shuffled first, so that each store has
    about the era mix of the corpus). Before: the shapes of `baseline` over the same
    store (only up to `before_up_to` reports: they grow quadratically). The findings (constraint, focus, value,
    message) must be those `Validator.evaluate_on` finds report by report on each report's own store (checked
    up to `check_up_to` reports): the script stops if they are not.
    """
    import pyoxigraph as ox
    from rdflib import URIRef

    from publisher import synthetic
    from publisher.build.project import load_project
    from publisher.graph.reports import report_graph
    from publisher.rdf.ntriples import sorted_ntriples
    from publisher.records.loading import find_records, load_report
    from publisher.settings import load_settings
    from publisher.validation.checker import ReportChecker
    from publisher.validation.shapes import UnionView, load_shapes
    from publisher.validation.validator import Validator

    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    folder = Path(tempfile.mkdtemp(prefix="shapes-growth-"))
    years = range(2008, 2026)
    try:
        data = folder / "data"
        agencies = -(-max(sizes) // len(years))
        synthetic.generate(data, agencies, years=years, seed=seed, blank_rate=0.05, inconsistency_rate=0.5)
        settings = load_settings({"base_iri": BASE, "data_dir": data, "build_dir": folder / "build"}, environ={})
        project = load_project(settings)
        after, iris = project.validator, project.iris
        (folder / "shapes").mkdir()
        for file_name, text in shapes_at(baseline).items():
            (folder / "shapes" / file_name).write_bytes(text)
        before = Validator(load_shapes(folder / "shapes", iris), after.context, iris)
        checker = ReportChecker(after, project.ontology, project.formats, project.agencies, iris)
        keys = {slug: f.record_keys for slug, f in project.formats.items()}
        graphs: list[tuple[str, str, bytes]] = []  # (report IRI, format, N-Triples)
        for path in find_records(data):
            report = load_report(path, project.registry, keys)
            graph = report_graph(report, project.registry, project.formats[report.format], iris)
            graphs.append((str(iris.report(report.agency, report.year)), report.format, sorted_ntriples(graph)))
        random.Random(seed).shuffle(graphs)  # any first N: the era mix of the whole, give or take
        shared = [*project.ontology.items(), (iris.graph("agencies"), project.agencies)]
        context = [(str(name), g.serialize(format="nt", encoding="utf-8")) for name, g in shared]
        reference: dict[str, set[tuple[str, ...]]] = {}

        def found_of(findings: Any) -> set[tuple[str, ...]]:
            return {(f.shape, f.focus, f.value or "", f.message_en) for f in findings}

        local = {
            side: [c for c in v.constraints if not c.targets & v.cross_year_classes]
            for side, v in (("before", before), ("after", after))
        }
        print(f"\n{len(graphs)} reports (seed {seed}); ms CPU per report, the least of {repeat}")
        for size in sizes:
            mine = graphs[:size]
            store = ox.Store()
            for name, nt in context:
                store.load(nt, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
            for iri, _fmt, nt in mine:
                store.load(nt, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
            national = sum(1 for _iri, fmt, _nt in mine if fmt != "jilin-city-2011")
            costs: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
            found: dict[str, set[tuple[str, ...]]] = {"before": set(), "after": set()}
            for side, validator in (("before", before), ("after", after)):
                if side == "before" and size > before_up_to:
                    continue
                for constraint in local[side]:
                    named = constraint.node if isinstance(constraint.node, URIRef) else constraint.shape
                    cost, results = least_cpu(
                        lambda v=validator, c=constraint, s=store: v.evaluate_set_based([c], UnionView(s)), repeat
                    )
                    costs[side][after._short(str(named))] += cost
                    found[side] |= found_of(results)
            if size <= check_up_to:
                for iri, fmt, nt in mine:
                    if iri not in reference:
                        one = checker.context(fmt).store(nt + _agency_nt(checker, iris, iri))
                        reference[iri] = found_of(after.evaluate_on(checker.local, one, None))
                expected = set().union(*(reference[iri] for iri, _f, _n in mine))
                if found["after"] != expected:
                    raise SystemExit(f"{size} reports: set-based, {len(found['after'] ^ expected)} findings differ")
                verdict = "the same findings as report by report"
            else:
                verdict = "findings not compared"
            if found["before"] and found["before"] != found["after"]:
                raise SystemExit(f"{size} reports: before and after find something else")
            total = {side: sum(c.values()) / size for side, c in costs.items()}
            head = f"{total['before']:8.1f} →" if costs["before"] else "       – →"
            print(f"\none store of {size} reports ({national} national): {head}{total['after']:8.1f}; {verdict}")
            for shape, cost in costs["after"].most_common():
                was = f"{costs['before'][shape] / size:8.1f} →" if costs["before"] else "       – →"
                print(f"  {shape:40}{was}{cost / size:8.1f}")
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _agency_nt(checker: Any, iris: Any, report_iri: str) -> bytes:
    """The registry's statements about a report's agency (its IRI's agency part), as the worker's store has them."""
    key = iris.report_key(report_iri)
    return checker.agency_ntriples(iris.agency(key[0])) if key is not None else b""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=12, help="reports of each format (two per agency)")
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--repeat", type=int, default=3, help="evaluations per report and text; the least is kept")
    parser.add_argument("--baseline", help="git revision of the shapes before (default: see above)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--by-era", help="agencies of each set-based store, e.g. 2,4,8 (see by_era)")
    parser.add_argument("--growth", help="reports of each set-based store, e.g. 12,48,200,1000 (see growth)")
    parser.add_argument("--before-up-to", type=int, default=48, help="--growth: the baseline up to this many reports")
    parser.add_argument("--check-up-to", type=int, default=200, help="--growth: compared report by report up to")
    args = parser.parse_args(argv)
    if args.growth:
        sizes = [int(n) for n in args.growth.split(",")]
        growth(sizes, args.seed, args.repeat, args.baseline or "HEAD", args.before_up_to, args.check_up_to)
        return
    if args.by_era:
        by_era([int(n) for n in args.by_era.split(",")], args.seed, args.repeat)
        return

    import pyoxigraph as ox
    from rdflib import URIRef

    from publisher import synthetic
    from publisher.build.project import load_project
    from publisher.graph.reports import report_graph
    from publisher.rdf.ntriples import ntriples_of
    from publisher.records.loading import find_records, load_report
    from publisher.settings import load_settings
    from publisher.validation.checker import ReportChecker
    from publisher.validation.shapes import load_shapes
    from publisher.validation.validator import Validator

    baseline = args.baseline or latest_other_shapes()
    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    folder = Path(tempfile.mkdtemp(prefix="shapes-cost-"))
    try:
        data = folder / "data"
        agencies = max(1, -(-args.reports // 2))  # each agency: two reports of each format
        synthetic.generate(data, agencies, years=YEARS, seed=args.seed, blank_rate=0.05, inconsistency_rate=0.5)
        settings = load_settings({"base_iri": BASE, "data_dir": data, "build_dir": folder / "build"}, environ={})
        project = load_project(settings)
        after = project.validator
        (folder / "shapes").mkdir()
        for file_name, text in shapes_at(baseline).items():
            (folder / "shapes" / file_name).write_bytes(text)
        before = Validator(load_shapes(folder / "shapes", project.iris), after.context, project.iris)
        earlier = {key_of(c): c for c in before.constraints}
        assert len(earlier) == len(before.constraints) == len(after.constraints), "not the same constraints"
        pairs = [(constraint_name(c, after._short), earlier[key_of(c)], c) for c in after.constraints]
        across = {name for name, _, c in pairs if c.targets & after.cross_year_classes}

        checker = ReportChecker(after, project.ontology, project.formats, project.agencies, project.iris)
        keys = {slug: f.record_keys for slug, f in project.formats.items()}
        agency_of = URIRef(f"{project.iris.base}/def/disclosure#agency")
        reports = [load_report(path, project.registry, keys) for path in find_records(data)]
        graphs = {(r.agency, r.year): report_graph(r, project.registry, project.formats[r.format], project.iris)
                  for r in reports}  # fmt: skip

        # ms[(format, constraint)] = ([before, per report], [after, per report]); the same for the totals
        ms: dict[tuple[str, str], tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
        counted: Counter[str] = Counter()
        findings = 0
        for report in reports:
            if counted[report.format] >= args.reports:
                continue
            counted[report.format] += 1
            graph = graphs[(report.agency, report.year)]
            agency = next(graph.objects(None, agency_of), None)
            extra = checker.agency_ntriples(agency) if isinstance(agency, URIRef) else b""
            one = checker.context(report.format).store(ntriples_of(graph) + extra)
            two = None
            previous = graphs.get((report.agency, report.year - 1))
            if previous is not None:
                two = ox.Store()
                two.load(after._context_nt, format=ox.RdfFormat.N_TRIPLES)
                for g in (previous, graph):
                    two.load(ntriples_of(g), format=ox.RdfFormat.N_TRIPLES)
            spent = {"one report": [0.0, 0.0], "across years": [0.0, 0.0]}
            for name, old, new in pairs:
                store = two if name in across else one
                if store is None:
                    continue
                found = []
                for side, (validator, constraint) in enumerate(((before, old), (after, new))):
                    cost, result = least_cpu(
                        lambda v=validator, c=constraint, s=store, r=report: v.evaluate_on([c], s, r), args.repeat
                    )
                    ms[(report.format, name)][side].append(cost)
                    spent["across years" if name in across else "one report"][side] += cost
                    found.append(Counter(result))
                if found[0] != found[1]:
                    raise SystemExit(
                        f"{name} finds something else in {report.agency} {report.year}:\n"
                        f"  before only: {found[0] - found[1]}\n  after only: {found[1] - found[0]}"
                    )
                findings += sum(found[1].values())
            for total, (then, now) in spent.items():
                if then or now:
                    ms[(report.format, f"all, {total}")][0].append(then)
                    ms[(report.format, f"all, {total}")][1].append(now)
            print(f"  {report.format} {report.agency} {report.year}: {spent['one report'][0]:.0f} → "
                  f"{spent['one report'][1]:.0f} ms (one report)", flush=True)  # fmt: skip

        formats = sorted(counted)
        print(
            f"\nreports: {', '.join(f'{f} {counted[f]}' for f in formats)} (seed {args.seed}); "
            f"before: shapes/ at {baseline}; after: shapes/ as they are; {findings} findings, the same both ways"
        )
        print(f"ms CPU per report, median over the reports (each the least of {args.repeat}): before → after (ratio)\n")
        width = max(len(name) for name, _, _ in pairs) + 2

        def cell(values: tuple[list[float], list[float]]) -> str:
            if not values[0]:
                return f"{'–':>28}"
            then, now = statistics.median(values[0]), statistics.median(values[1])
            ratio = then / now if now else float("inf")
            return f"{f'{then:.1f} → {now:.1f} ({ratio:.1f}×)':>28}"

        print(f"{'constraint':{width}}" + "".join(f"{f:>28}" for f in formats))
        for name in sorted({name for name, _, _ in pairs}):
            print(f"{name:{width}}" + "".join(cell(ms[(f, name)]) for f in formats))
        for total in ("all, one report", "all, across years"):
            print(f"{total:{width}}" + "".join(cell(ms[(f, total)]) for f in formats))
        print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
