"""The build's checking finds exactly what the reference finds, on every kind of graph the tests build.

The reference is `publisher.validation.validator.Validator`: pySHACL over the core shapes
of shapes/*.ttl and their SPARQL constraints, one report at a time with the whole
context (ontology, every format, the agency registry), and the rules across years over
each pair of an agency's consecutive reports (`validate_across`). The build checks
otherwise: each record in a worker (`publisher.build.checked.check_one`: the record read,
its graph made and checked on its format's context, the result cached), then the rules
across years once over the bulk-loaded store (`bulkstore.new_store`, `rule_findings`), or,
on an incremental build, over the changed agencies' reports (`scoped_rules`).

Both are run here on the same records and must give the same findings, in the same
order, with the same messages, figures, rules, record files and lines:

- the seed record (data/) and the national examples (tests/fixtures/national/);
- a synthetic corpus of every era (the Jilin template, national 2019, national 2021),
  figures left blank and totals broken on purpose;
- every real document of ../shared/real-reports/ (tests/fixtures/real_reports.py),
  imported as a person imports it, written as a record beside a copy of its source;
- the seed record broken the ways tests/test_bad_input.py breaks it that reach the
  shapes (an unknown code, a negative count, two figures with the same dimensions);
- the national examples with a figure carried over that the year before did not carry
  forward (a rule across years broken).

The workers evaluate the core shapes without pySHACL (`validation.coreshapes`); the
last tests hold that every core shape of the project is evaluated so, and that shapes
using a constraint it does not evaluate are left to pySHACL. tests/test_shapes.py
compares the two on every shape's failing and passing cases (graphs changed triple by
triple, beyond what a record can say).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from publisher import synthetic
from publisher.build.bulkstore import Entry, entry_of, new_store, rule_findings, scoped_rules
from publisher.build.checked import check_one
from publisher.build.pipeline import build
from publisher.build.project import load_project
from publisher.build.workerstate import WorkerState
from publisher.errors import ValidationFailed
from publisher.graph.reports import report_graph
from publisher.rdf.namespaces import SH
from publisher.records.loading import find_records, load_report
from publisher.release.paths import CURRENT
from publisher.validation.checker import ReportChecker
from publisher.validation.findings import Finding, Outcome
from publisher.validation.validator import Validator
from tests.fixtures import examples
from tests.helpers import BASE, DATA, SEED_RECORD, SEED_SOURCE, make_settings

SEED_AGENCY = "jilin-city-science-technology-bureau"

# ---------------------------------------------------------------------------
# The corpora: data folders the tests build
# ---------------------------------------------------------------------------


def seed_data(target: Path) -> Path:
    return DATA


def national_examples(target: Path) -> Path:
    return examples.EXAMPLES


def synthetic_eras(target: Path) -> Path:
    """Two agencies × 2017–2022: two years of each era's format, 5 % blank, half the reports with a total off."""
    synthetic.generate(target, 2, years=range(2017, 2023), seed=2011, blank_rate=0.05, inconsistency_rate=0.5)
    return target


def real_documents(target: Path) -> Path:
    """Every real document imported and written as a record beside a copy of its source (as test_real_reports)."""
    return examples.write_real_documents(target)


def broken_seed(old: str, new: str) -> Callable[[Path], Path]:
    """A copy of data/ whose seed record has `old` replaced by `new` (exactly once)."""

    def make(target: Path) -> Path:
        shutil.copy(DATA / "agencies.yaml", target / "agencies.yaml")
        folder = target / "reports" / SEED_AGENCY
        folder.mkdir(parents=True)
        text = SEED_RECORD.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the seed record"
        (folder / SEED_RECORD.name).write_text(text.replace(old, new), encoding="utf-8")
        shutil.copy(SEED_SOURCE, folder / SEED_SOURCE.name)
        return target

    return make


def broken_carry_over(target: Path) -> Path:
    """The national examples, with the province office's requests carried over into 2020 from natural persons
    stated as 7 (the record and its page's cell), where its 2019 report carried 2 forward."""
    shutil.copytree(examples.EXAMPLES, target, dirs_exist_ok=True)
    folder = target / "reports" / "example-province-general-office"
    record = folder / "2020.yaml"
    text = record.read_text(encoding="utf-8")
    old = "    value: 2\n    at: (//table)[6]/descendant::tr[5]/*[2]\n    text: '2'\n"
    assert text.count(old) == 1
    record.write_text(text.replace(old, old.replace("2\n", "7\n").replace("'2'", "'7'")), encoding="utf-8")
    page = folder / "2020.source.html"
    row = '<td colspan="3">二、上年结转政府信息公开申请数量</td><td>2</td>'
    html = page.read_text(encoding="utf-8")
    assert html.count(row) == 1
    page.write_text(html.replace(row, row.replace("<td>2</td>", "<td>7</td>")), encoding="utf-8")
    return target


PLANS_HEAD = "  proactive-plans-2011:\n    item: category/plans\n"


@dataclass(frozen=True)
class Corpus:
    make: Callable[[Path], Path]
    expects: tuple[str, ...] = ()  # constraints or shapes some finding must name (typed from the shapes' names)


CORPORA = [
    pytest.param(Corpus(seed_data), id="seed"),
    pytest.param(Corpus(national_examples), id="national-examples"),
    pytest.param(Corpus(broken_carry_over, ("CarryOverRuleHolds",)), id="national-examples-carried-over-off"),
    pytest.param(Corpus(synthetic_eras, ("SumRuleHolds",)), id="synthetic-every-era"),
    pytest.param(Corpus(real_documents, ("SumRuleHolds",)), id="real-documents"),
    pytest.param(
        Corpus(broken_seed(PLANS_HEAD, "  proactive-plans-2011:\n    item: category/plan\n"), ("ObservationCodes",)),
        id="bad-input-unknown-category-code",
    ),
    pytest.param(
        Corpus(broken_seed("    value: 1\n", "    value: -1\n"), ("ObservationCount",)), id="bad-input-negative-count"
    ),
    pytest.param(
        Corpus(
            broken_seed(PLANS_HEAD, "  proactive-plans-2011:\n    item: category/normative-documents\n"),
            ("ObservationUnique",),
        ),
        id="bad-input-two-figures-with-identical-dimensions",
    ),
]

# ---------------------------------------------------------------------------
# Both ways of checking
# ---------------------------------------------------------------------------


def reference(data: Path) -> dict[str, list[Finding]]:
    """Validator.validate on each record's graph, and validate_across on each agency's consecutive years."""
    project = load_project(make_settings(data_dir=data))
    validator = project.validator
    keys = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
    read = {}
    for path in find_records(data):
        report = load_report(path, project.registry, keys)
        graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
        read[report.agency, report.year] = (path, report, graph)
    found: dict[str, list[Finding]] = {}
    for (agency, year), (path, report, graph) in read.items():
        findings = validator.validate(graph, report, str(path)).findings
        earlier = read.get((agency, year - 1))
        if earlier is not None:
            findings += validator.validate_across(earlier[2], graph, report, str(path)).findings
        found[str(path)] = Outcome.of(str(path), findings).findings
    return found


def built(data: Path, work: Path) -> tuple[dict[str, list[Finding]], dict[str, list[Finding]]]:
    """What the build finds: each record checked as a worker checks it, then the rules across years over the
    bulk-loaded store (a build from nothing) and over the reports' own store (an incremental build)."""
    cache = work / "cache"
    state = WorkerState(make_settings(data_dir=data, build_dir=work / "build"), cache)
    entries: dict[str, Entry] = {}
    for number, path in enumerate(find_records(data)):
        checked = check_one(state, path, f"{number:02d}{'0' * 30}")
        entry = entry_of(checked, state.project.iris)
        entries[entry.iri] = entry
    store = new_store(work / "store", state, entries, cache)
    whole = rule_findings(state, store, entries, cache)
    scoped = scoped_rules(state, entries, cache)
    return (
        {e.record: e.outcome(whole.get(iri, [])).findings for iri, e in entries.items()},
        {e.record: e.outcome(scoped.get(iri, [])).findings for iri, e in entries.items()},
    )


@pytest.mark.parametrize("corpus", CORPORA)
def test_the_build_finds_what_the_reference_finds(corpus: Corpus, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    data = corpus.make(tmp_path / "data")
    expected = reference(data)
    from_nothing, incremental = built(data, tmp_path)
    assert sorted(from_nothing) == sorted(expected)
    for record, findings in expected.items():
        assert from_nothing[record] == findings, record
        assert incremental[record] == findings, record
    named = {f.shape.removeprefix("shapes#") for findings in expected.values() for f in findings}
    assert set(corpus.expects) <= named, f"the corpus was meant to break {corpus.expects}; found {sorted(named)}"


# ---------------------------------------------------------------------------
# A violation of a SPARQL constraint stops the build, the build folder as it was
# ---------------------------------------------------------------------------


def files_of(folder: Path) -> dict[str, bytes | str]:
    """Every file and link under `folder`: its bytes or its target; but for what the build keeps of the project
    loaded once (cache/*/project/: its snapshot, its context graphs), made whenever first needed."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        if path.parent.name == "project" and path.parent.parent.parent.name == "cache":
            continue
        if path.is_symlink():
            found[str(path.relative_to(folder))] = os.readlink(path)
        elif path.is_file():
            found[str(path.relative_to(folder))] = path.read_bytes()
    return found


@pytest.mark.parametrize("incremental", [True, False], ids=["incremental", "from-nothing"])
def test_a_violation_of_a_sparql_constraint_refuses_the_build(incremental: bool, tmp_path: Path) -> None:
    """A count made negative (shape:ObservationCount's SPARQL constraint, found by the workers' check) stops the
    build with ValidationFailed naming the record, its line and the rule:
    nothing is published, and on the incremental build the whole build folder (cache included) stays as it was."""
    data = tmp_path / "data"
    synthetic.generate(data, 1, years=range(2012, 2018), seed=5, blank_rate=0.0, inconsistency_rate=0.0)
    build_dir = tmp_path / ("build" if incremental else "other")
    settings = make_settings(data_dir=data, build_dir=build_dir)
    if incremental:
        build(settings, processes=1)
    before = files_of(build_dir) if incremental else {}
    record = sorted(data.glob("reports/*/2015.yaml"))[0]
    text = record.read_text(encoding="utf-8")
    head = "  proactive-normative-documents-2015:\n    item: category/normative-documents\n    period: annual\n"
    match = re.search(re.escape(head) + r"    value: (\d+)\n", text)
    assert match is not None and int(match.group(1)) > 0
    record.write_text(text.replace(match.group(0), head + f"    value: -{match.group(1)}\n"), encoding="utf-8")
    line = text[: match.start()].count("\n") + 1  # the figure's key, where its mapping starts
    with pytest.raises(ValidationFailed) as raised:
        build(settings, processes=1)
    failing = [o for o in raised.value.outcomes if not o.conforms]
    assert [o.record for o in failing] == [str(record)]
    assert [(f.shape, f.figure, f.line) for f in failing[0].violations] == [
        ("shapes#ObservationCount", "proactive-normative-documents-2015", line)
    ]
    assert f"{record}:{line}: figure 'proactive-normative-documents-2015'" in failing[0].text
    if incremental:
        assert files_of(build_dir) == before
    else:
        assert not (build_dir / CURRENT).exists()


# ---------------------------------------------------------------------------
# The core shapes evaluated directly, or by pySHACL when the shapes use more
# ---------------------------------------------------------------------------


def test_every_core_shape_of_the_project_is_evaluated_without_pyshacl() -> None:
    """The build's workers never run pySHACL on the project's shapes (it was most of their checking time)."""
    project = load_project(make_settings())
    checker = ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)
    assert checker.direct is not None
    evaluated = {rule.shape for rules in checker.direct.rules.values() for rule in rules}
    names = ("ReportPeriod", "PeriodEnd", "SegmentPosition")
    assert {URIRef(f"{BASE}/def/shapes#{name}") for name in names} <= evaluated


def test_shapes_using_another_constraint_are_left_to_pyshacl_and_find_the_same() -> None:
    """A constraint component `DirectCore` does not evaluate (here sh:pattern on the year) leaves the core shapes to
    pySHACL, which then finds what the reference finds: the seed's year, written 2011, fails a pattern of "^20[2-9]"."""
    project = load_project(make_settings())
    shapes = Graph()
    for triple in project.shapes:
        shapes.add(triple)
    year_shape = URIRef(f"{BASE}/def/shapes#ReportYear")
    shapes.add((year_shape, SH.pattern, Literal("^20[2-9]")))
    validator = Validator(shapes, project.validator.context, project.iris)
    checker = ReportChecker(validator, project.ontology, project.formats, project.agencies, project.iris)
    assert checker.direct is None
    keys = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
    report = load_report(SEED_RECORD, project.registry, keys)
    graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
    expected = validator.validate(graph, report, str(SEED_RECORD))
    assert [f.shape for f in expected.findings] == ["shapes#ReportYear"]
    assert checker.check(graph, report.format, report, str(SEED_RECORD)).findings == expected.findings
