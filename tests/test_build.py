"""The build: what a store holds, how warnings are published, and how releases are kept.

An agency's figures that do not add up are published as stated, with a DQV
quality annotation naming the failed rule; the seed, whose figures add up
(658 = 21+22+2+1+612, 2006 = 34+46+5+22+1899), has none. Each report lives in
its own named graph beside the ontology, the agency registry and the shapes, and
`publisher sparql` answers in every results format. A build that fails leaves the
previous one served; that is tested with bad input in test_bad_input.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pyoxigraph import QueryBoolean, QuerySolutions, Store

from publisher.build.builder import BuildResult, build
from publisher.cli import main
from publisher.release.paths import CURRENT, RELEASES
from publisher.settings import PROJECT_ROOT, Settings
from publisher.store.readstore import open_store, read_manifest
from tests.helpers import BASE, DATA, SEED_RECORD, make_settings

REPORT = f"{BASE}/id/report/jilin-city-science-technology-bureau/2011"
TOTAL_2011 = f"{REPORT}/proactive-total-2011"
JL = f"{BASE}/def/jilin-city-2011"
CATEGORIES_RULE = f"{JL}/rule/categories-sum-to-total"
CHANNELS_RULE = f"{JL}/rule/channels-sum-to-total"

PREFIXES = f"""
PREFIX dis: <{BASE}/def/disclosure#>
PREFIX dqv: <http://www.w3.org/ns/dqv#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def select(store: Store, query: str) -> list[dict[str, str]]:
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(solutions, QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{name: solution[name].value for name in names if solution[name] is not None} for solution in solutions]


def ask(store: Store, query: str) -> bool:
    answer = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(answer, QueryBoolean)
    return bool(answer)


def cli(*args: str) -> Result:
    """The real command line, with no settings from the environment."""
    names = ("PUBLISHER_BASE_IRI", "PUBLISHER_DATA_DIR", "PUBLISHER_BUILD_DIR", "PUBLISHER_CONFIG")
    return CliRunner(env=dict.fromkeys(names)).invoke(main, list(args))


# ---------------------------------------------------------------------------
# A record whose own figures do not add up
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inconsistent(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    """A copy of the data whose total 658 is stated as 659, built with the command line."""
    root = tmp_path_factory.mktemp("inconsistent")
    data = root / "data"
    shutil.copytree(DATA, data)
    record = data / SEED_RECORD.relative_to(DATA)
    text = record.read_text(encoding="utf-8")
    assert text.count("    value: 658\n") == 1
    record.write_text(text.replace("    value: 658\n", "    value: 659\n"), encoding="utf-8")
    (root / "empty.toml").write_text("", encoding="utf-8")
    result = cli("--config", str(root / "empty.toml"), "build", "--data", str(data), "--out", str(root / "build"))
    return result, root / "build"


@pytest.fixture(scope="module")
def inconsistent_store(inconsistent: tuple[Result, Path]) -> Store:
    result, build_dir = inconsistent
    assert result.exit_code == 0, result.output
    return open_store(build_dir)


def test_a_record_that_does_not_add_up_is_published(inconsistent: tuple[Result, Path]) -> None:
    result, build_dir = inconsistent
    assert result.exit_code == 0, result.output
    [report] = read_manifest(build_dir)["reports"]
    assert report["iri"] == REPORT
    assert report["warnings"] == 2  # the categories and the channels both sum to 658, not 659


def test_the_failed_rules_are_quality_annotations_on_the_report(inconsistent_store: Store) -> None:
    annotations = select(
        inconsistent_store,
        f"""
        SELECT ?annotation ?rule ?target ?zh ?en WHERE {{
          GRAPH <{REPORT}> {{
            <{REPORT}> dqv:hasQualityAnnotation ?annotation .
            ?annotation a dqv:QualityAnnotation ; dis:failedRule ?rule ; oa:hasTarget ?target ;
                        oa:hasBody ?body .
            ?body rdf:value ?zh , ?en .
            FILTER (lang(?zh) = "zh" && lang(?en) = "en")
          }}
        }}""",
    )
    assert {a["rule"] for a in annotations} == {CATEGORIES_RULE, CHANNELS_RULE}
    assert len(annotations) == 2  # one annotation per rule, one message per language
    for annotation in annotations:
        assert annotation["target"] == TOTAL_2011
        assert "659" in annotation["en"] and "658" in annotation["en"], annotation
        assert "659" in annotation["zh"] and "658" in annotation["zh"], annotation
        assert any("\u4e00" <= ch <= "\u9fff" for ch in annotation["zh"]), annotation


def test_the_seed_is_published_without_quality_annotations(built: tuple[Settings, BuildResult], store: Store) -> None:
    settings, result = built
    assert [c.outcome.findings for c in result.checked] == [[]]
    assert [r["warnings"] for r in read_manifest(Path(settings.build_dir))["reports"]] == [0]
    assert not ask(store, "ASK { ?annotation a dqv:QualityAnnotation }")
    assert not ask(store, "ASK { ?report dqv:hasQualityAnnotation ?annotation }")


# ---------------------------------------------------------------------------
# What the store holds
# ---------------------------------------------------------------------------


def test_the_store_holds_reports_ontology_agencies_and_shapes_as_named_graphs(store: Store) -> None:
    # One graph per report, per ontology/format file ({base}/def/{stem}) and per shapes
    # file ({base}/def/shapes/{stem}), and the agency registry.
    graphs = {graph.value for graph in store.named_graphs()}
    ontology = {f"{BASE}/def/{path.stem}" for path in (PROJECT_ROOT / "ontology").rglob("*.ttl")}
    shapes = {f"{BASE}/def/shapes/{path.stem}" for path in (PROJECT_ROOT / "shapes").glob("*.ttl")}
    assert {f"{BASE}/def/disclosure", f"{BASE}/def/common", JL} <= ontology
    assert {f"{BASE}/def/shapes/structure", f"{BASE}/def/shapes/arithmetic"} <= shapes
    assert graphs == {REPORT, f"{BASE}/graph/agencies"} | ontology | shapes


@pytest.mark.parametrize(
    "graph, pattern",
    [
        pytest.param(f"{BASE}/def/disclosure", "dis:AnnualReport a owl:Class", id="ontology"),
        pytest.param(f"{BASE}/def/common", f"<{BASE}/def/common/period-type> a skos:ConceptScheme", id="common"),
        pytest.param(JL, f"<{JL}> a dis:ReportFormat ; dis:rule <{CATEGORIES_RULE}>", id="format"),
        pytest.param(
            f"{BASE}/graph/agencies",
            f"<{BASE}/id/agency/jilin-city-science-technology-bureau> skos:prefLabel '吉林市科学技术局'@zh",
            id="agencies",
        ),
        pytest.param(
            f"{BASE}/def/shapes/structure", f"<{BASE}/def/shapes#ReportAgency> a sh:PropertyShape", id="structure"
        ),
        pytest.param(
            f"{BASE}/def/shapes/arithmetic",
            f"<{BASE}/def/shapes#SumRuleHolds> a sh:SPARQLConstraint",
            id="arithmetic",
        ),
        pytest.param(REPORT, f"<{REPORT}> a dis:AnnualReport", id="report"),
    ],
)
def test_each_named_graph_holds_its_own_data(store: Store, graph: str, pattern: str) -> None:
    assert ask(store, f"ASK {{ GRAPH <{graph}> {{ {pattern} }} }}")


def test_every_report_is_in_the_graph_named_by_its_iri(built: tuple[Settings, BuildResult], store: Store) -> None:
    reports = read_manifest(Path(built[0].build_dir))["reports"]
    assert [r["iri"] for r in reports] == [REPORT]
    for report in reports:
        iri = report["iri"]
        rows = select(
            store,
            f"""
            SELECT ?graph (COUNT(DISTINCT ?figure) AS ?figures) WHERE {{
              GRAPH ?graph {{ ?figure qb:dataSet <{iri}> }}
            }} GROUP BY ?graph""",
        )
        # the figures of a report are in its graph and nowhere else
        assert [row["graph"] for row in rows] == [iri]
        assert int(rows[0]["figures"]) > 0
        assert ask(store, f"ASK {{ GRAPH <{iri}> {{ <{iri}> a dis:AnnualReport ; dis:agency ?agency }} }}")
        assert report["triples"] == int(
            select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")[0]["n"]
        )


# ---------------------------------------------------------------------------
# publisher sparql, in every results format
# ---------------------------------------------------------------------------

TOTALS = f"""PREFIX dis: <{BASE}/def/disclosure#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?period ?count WHERE {{
  ?figure dis:item <{JL}/category/all> ; dis:periodType ?type ; dis:count ?count .
  ?type skos:notation ?period .
}} ORDER BY ?count"""

# 主动公开政府信息共658条 for 2011, 共2006条 to the end of 2011
EXPECTED_TOTALS = [("annual", 658), ("cumulative", 2006)]


def from_csv(data: bytes) -> list[tuple[str, int]]:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    return [(row["period"], int(row["count"])) for row in rows]


def tsv_term(term: str) -> str:
    """The lexical form of an RDF term written in SPARQL TSV: "x", "x"@l, "x"^^<dt> or a bare number."""
    if term.startswith('"'):
        return term[1 : term.rindex('"')]
    return term


def from_tsv(data: bytes) -> list[tuple[str, int]]:
    header, *lines = data.decode("utf-8").splitlines()
    assert header.split("\t") == ["?period", "?count"]
    return [(tsv_term(period), int(tsv_term(count))) for period, count in (line.split("\t") for line in lines)]


def from_json(data: bytes) -> list[tuple[str, int]]:
    document = json.loads(data)
    assert document["head"]["vars"] == ["period", "count"]
    rows = document["results"]["bindings"]
    assert all(row["count"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer" for row in rows)
    return [(row["period"]["value"], int(row["count"]["value"])) for row in rows]


def from_xml(data: bytes) -> list[tuple[str, int]]:
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    root = ET.fromstring(data)
    totals = []
    for result in root.iterfind("r:results/r:result", ns):
        values = {b.get("name"): b.findtext("r:literal", namespaces=ns) for b in result.iterfind("r:binding", ns)}
        totals.append((str(values["period"]), int(str(values["count"]))))
    return totals


@pytest.mark.parametrize(
    "results_format, parse",
    [
        pytest.param("csv", from_csv, id="csv"),
        pytest.param("tsv", from_tsv, id="tsv"),
        pytest.param("json", from_json, id="json"),
        pytest.param("xml", from_xml, id="xml"),
    ],
)
def test_publisher_sparql_answers_in_every_results_format(
    built: tuple[Settings, BuildResult], results_format: str, parse: Callable[[bytes], list[tuple[str, int]]]
) -> None:
    result = cli("sparql", TOTALS, "--format", results_format, "--out", str(built[0].build_dir))
    assert result.exit_code == 0, result.output
    assert parse(result.stdout_bytes) == EXPECTED_TOTALS


def test_publisher_sparql_reads_a_query_file(built: tuple[Settings, BuildResult], tmp_path: Path) -> None:
    query = tmp_path / "totals.rq"
    query.write_text(TOTALS, encoding="utf-8")
    result = cli("sparql", "--file", str(query), "--out", str(built[0].build_dir))
    assert result.exit_code == 0, result.output
    assert from_csv(result.stdout_bytes) == EXPECTED_TOTALS


# ---------------------------------------------------------------------------
# Releases
# ---------------------------------------------------------------------------


def test_successive_builds_keep_at_most_two_releases_and_serve_the_newest(
    tmp_path: Path, data_copy: Callable[..., Path]
) -> None:
    data = data_copy()
    record = data / SEED_RECORD.relative_to(DATA)
    settings = make_settings(data, build_dir=tmp_path / "build")
    releases_dir = tmp_path / "build" / RELEASES
    made: list[str] = []
    for number in range(3):
        record.write_text(record.read_text(encoding="utf-8") + f"# edit {number}\n", encoding="utf-8")
        release = build(settings).release
        made.append(release.name)
        assert os.readlink(tmp_path / "build" / CURRENT) == f"{RELEASES}/{release.name}"
        kept = sorted(p.name for p in releases_dir.iterdir())
        assert kept == sorted(made[-2:])  # the newest two, the published one among them
    assert len(set(made)) == 3
    assert build(settings).release.name == made[-1]  # nothing changed: nothing is published again
    # the published release is a working store
    store = open_store(tmp_path / "build")
    assert ask(store, f"ASK {{ GRAPH <{REPORT}> {{ <{TOTAL_2011}> dis:count 658 }} }}")


def test_build_timings_name_every_stage(tmp_path: Path) -> None:
    """`publisher build --timings` (what `python -m publisher.build.pipeline` printed): the work done and each
    stage's seconds; the second build, with nothing changed, publishes nothing."""
    first = cli("build", "--data", str(DATA), "--out", str(tmp_path / "build"), "--timings")
    assert first.exit_code == 0, first.output
    last = first.output.strip().splitlines()[-3]  # then the CPU seconds and the peak memory (test_build_timings.py)
    assert last.startswith("1 checked, 1 written; timings: keys "), last
    stages = [part.split()[0] for part in last.split("timings: ", 1)[1].split(", ")]
    assert stages == [
        "keys", "cache", "check", "rules", "plan", "load", "annotate", "link", "files", "corpus", "void",
        "catalog", "manifest", "publish", "tidy",
    ]  # fmt: skip
    again = cli("build", "--data", str(DATA), "--out", str(tmp_path / "build"), "--timings")
    assert again.exit_code == 0, again.output
    last = again.output.strip().splitlines()[-3]
    assert last.startswith("0 checked, 0 written (incremental); timings: "), again.output
