"""The files people download, and what describes the data: checked over real HTTP on loopback.

Figures come from the source documents, never from the code under test: the seed's
from its sentences (tests/test_seed_figures.py), the national examples' from their
pages as typed in tests/test_import_html.py. The CSV is read the way a CSVW
processor reads it: through its metadata (found by the CSV's Link header), header
titles checked, cells typed by the declared datatypes, and the columns that map to
RDF turned into triples with the metadata's URI templates (an empty cell is null and
makes no triple, unless its column is virtual).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin
from xml.etree import ElementTree

import pytest
from pyoxigraph import DefaultGraph, RdfFormat, Store, parse
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_isomorphic
from rdflib.namespace import RDF, RDFS, VOID, XSD
from rdflib.term import Node

from publisher.build.builder import build
from publisher.build.checked import CheckedReport
from publisher.build.reportfiles import StoredLiterals, graph_stats, published_graph, published_triples
from publisher.build.workerstate import WorkerState
from publisher.graph.reports import report_graph
from publisher.publication import downloads
from publisher.publication.csvw import observation_rows
from publisher.publication.dcat import report_dataset_graph
from publisher.publication.downloads import read_index
from publisher.rdf.jsonld import jsonld_nodes
from publisher.rdf.namespaces import DCTERMS
from publisher.rdf.ntriples import ReportTriples, sorted_ntriples
from publisher.rdf.turtle import to_turtle
from publisher.records.loading import load_report
from publisher.release.dumps import dump_parts
from publisher.release.paths import current_release
from publisher.validation.findings import Finding, quality_annotations
from tests.fixtures import examples
from tests.fixtures.examples import COUNTY, PROVINCE, TOWN
from tests.fixtures.national_pages import FEES, expected_cells
from tests.fixtures.seed_figures import EXPECTED
from tests.helpers import SEED_RECORD, SEED_SOURCE, LiveServer, make_settings, start_live_server
from tests.http import Answer, fetch

SOURCE = SEED_SOURCE.read_text(encoding="utf-8")
AGENCY, YEAR = "jilin-city-science-technology-bureau", 2011
STEM = f"{AGENCY}-{YEAR}"
CSVW = "http://www.w3.org/ns/csvw"
SD = "http://www.w3.org/ns/sparql-service-description#"


def download(server: LiveServer, name: str) -> Answer:
    answer = fetch(f"{server.url}/download/{name}")
    assert answer.status == 200, (name, answer.text[:300])
    return answer


def report_document(server: LiveServer, suffix: str) -> Answer:
    answer = fetch(f"{server.url}/id/report/{AGENCY}/{YEAR}.{suffix}")
    assert answer.status == 200
    return answer


def assert_isomorphic(expected: Graph, actual: Graph) -> None:
    if not isomorphic(expected, actual):
        left, right = to_isomorphic(expected), to_isomorphic(actual)
        missing = sorted(str(t) for t in (left - right))[:5]
        extra = sorted(str(t) for t in (right - left))[:5]
        pytest.fail(f"graphs differ: missing {missing}, extra {extra}")


# ---------------------------------------------------------------------------
# RDF downloads
# ---------------------------------------------------------------------------


def test_the_jsonld_download_expanded_is_its_turtle(live_server: LiveServer) -> None:
    turtle = Graph().parse(data=download(live_server, f"{STEM}.ttl").body, format="turtle")
    document = json.loads(download(live_server, f"{STEM}.jsonld").body)
    assert isinstance(document["@context"], dict), "a download's context is inline, so it expands offline"
    assert_isomorphic(turtle, Graph().parse(data=json.dumps(document), format="json-ld"))
    ntriples = Graph().parse(data=download(live_server, f"{STEM}.nt").body, format="nt")
    assert_isomorphic(turtle, ntriples)
    assert len(turtle) > 500


def test_the_downloads_hold_the_report_document(live_server: LiveServer) -> None:
    """The files are the report IRI's own document, which the JSON-LD document (remote context) expands to."""
    document = Graph().parse(data=report_document(live_server, "ttl").body, format="turtle")
    turtle = Graph().parse(data=download(live_server, f"{STEM}.ttl").body, format="turtle")
    assert_isomorphic(document, turtle)
    jsonld = report_document(live_server, "jsonld")
    assert json.loads(jsonld.body)["@context"] == f"{live_server.url}/context.jsonld"
    assert_isomorphic(document, Graph().parse(data=jsonld.body, format="json-ld"))  # fetches the context over HTTP


def test_every_figure_of_the_source_is_in_the_ntriples(live_server: LiveServer) -> None:
    graph = Graph().parse(data=download(live_server, f"{STEM}.nt").body, format="nt")
    dis = f"{live_server.url}/def/disclosure#"
    counts = Counter(int(o) for o in graph.objects(None, URIRef(dis + "count")))  # type: ignore[call-overload]
    assert counts == Counter(value for _label, _period, value in EXPECTED)


# ---------------------------------------------------------------------------
# The tidy CSV through its CSVW metadata
# ---------------------------------------------------------------------------


def expand(template: str, row: dict[str, str]) -> str:
    """RFC 6570 level 2, as CSVW uses it: {name} percent-encodes, {+name} keeps reserved characters."""

    def one(match: re.Match[str]) -> str:
        reserved, name = match.group(1) == "+", match.group(2)
        return quote(row[name], safe=":/?#[]@!$&'()*+,;=" if reserved else "")

    return re.sub(r"\{(\+?)([A-Za-z0-9_]+)\}", one, template)


def typed(cell: str, datatype: str) -> Any:
    if datatype == "integer" or datatype == "nonNegativeInteger":
        return int(cell)
    if datatype == "decimal":
        assert re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cell), cell  # XSD decimal, as CSVW parses it
        return Decimal(cell)
    if datatype == "boolean":
        assert cell in ("true", "false"), cell
        return cell == "true"
    return cell


def read_csvw(metadata_url: str) -> tuple[list[dict[str, Any]], Graph]:
    """Rows typed by the metadata, and the RDF its URI templates make (CSVW minimal mode, the parts we use)."""
    metadata = json.loads(fetch(metadata_url).body)
    context = metadata["@context"]
    assert context == CSVW or context[0] == CSVW
    assert metadata["dialect"]["header"] is True and metadata["dialect"]["encoding"] == "utf-8"
    table_url = urljoin(metadata_url, metadata["url"])
    answer = fetch(table_url)
    assert answer.status == 200 and answer.media_type == "text/csv"
    text = answer.body.decode("utf-8-sig")  # the Encoding Standard's UTF-8 decode drops the BOM
    lines = list(csv.reader(io.StringIO(text, newline="")))
    schema = metadata["tableSchema"]
    columns = [c for c in schema["columns"] if not c.get("virtual")]
    virtual = [c for c in schema["columns"] if c.get("virtual")]
    assert lines[0] == [c["titles"] for c in columns]
    rows: list[dict[str, Any]] = []
    graph = Graph()
    for cells in lines[1:]:
        assert len(cells) == len(columns)
        raw = dict(zip([c["name"] for c in columns], cells, strict=True))
        row: dict[str, Any] = {}
        subject = URIRef(expand(schema["aboutUrl"], raw))
        for column, cell in zip(columns, cells, strict=True):
            if cell == column.get("null", ""):
                assert not column.get("required"), (column["name"], raw)
                row[column["name"]] = None
                continue
            row[column["name"]] = typed(cell, column["datatype"])
            if column.get("suppressOutput"):
                continue
            obj: Node
            if "valueUrl" in column:
                obj = URIRef(expand(column["valueUrl"], raw))
            else:
                obj = Literal(cell, datatype=XSD[column["datatype"]])
            graph.add((subject, URIRef(column["propertyUrl"]), obj))
        for column in virtual:
            graph.add((subject, URIRef(column["propertyUrl"]), URIRef(expand(column["valueUrl"], raw))))
        rows.append(row)
    return rows, graph


def read_report_csv(server: LiveServer, stem: str) -> tuple[list[dict[str, Any]], Graph]:
    """A report's CSV read through the metadata its Link header names."""
    answer = download(server, f"{stem}.csv")
    link = answer.header("Link") or ""
    match = re.fullmatch(r'<([^>]+)>; rel="describedby"; type="application/csvm\+json"', link)
    assert match, link
    return read_csvw(match.group(1))


@pytest.fixture(scope="module")
def csvw(live_server: LiveServer) -> tuple[list[dict[str, Any]], Graph]:
    return read_report_csv(live_server, STEM)


def test_the_csv_read_with_its_metadata_gives_the_reports_figures(
    csvw: tuple[list[dict[str, Any]], Graph],
) -> None:
    rows, _graph = csvw
    assert Counter((r["item_zh"], r["period"], r["value"]) for r in rows) == Counter(EXPECTED)
    assert all(r["blank"] is False and r["status"] == "stated" and r["unit"] for r in rows)  # the seed has no blank
    for row in rows:  # each quote is the source's text at its offsets, and states the value
        assert SOURCE[row["quote_start"] : row["quote_end"]] == row["quote"]
    assert {r["agency_zh"] for r in rows} == {"吉林市科学技术局"}
    assert all(r["item_en"] and r["period_en"] for r in rows)


def test_the_csv_as_rdf_is_part_of_the_report(
    live_server: LiveServer, csvw: tuple[list[dict[str, Any]], Graph]
) -> None:
    _rows, from_csv = csvw
    report = Graph().parse(data=download(live_server, f"{STEM}.nt").body, format="nt")
    assert len(from_csv) == 9 * len(EXPECTED)  # type, data set, agency, year, item, period, count, unit, status
    missing = [t for t in from_csv if t not in report]
    assert not missing, missing[:5]


# ---------------------------------------------------------------------------
# The national examples' CSV: every cell a row, money with its unit, blank cells blank
# ---------------------------------------------------------------------------

QB_NS = "http://purl.org/linked-data/cube#"
# The one cell the review of a page added: the county's 2020 page prints "—" for 行政事业性收费 ·
# 本年增/减, which its reviewed record (tests/fixtures/national/.../2020.yaml) keeps as blank.
REVIEWED_BLANKS = {(COUNTY, 2020): {("proactive/administrative-fees", "proactive-column/change-this-year")}}


def cells_from_the_pages(key: tuple[str, int]) -> dict[tuple[str, str], object]:
    """(item, column) → value as the page prints it: None blank, (Decimal, unit) money, else a count."""
    cells = dict(expected_cells(key))
    for column, value, unit, _quote in FEES.get(key, []):  # the fees the 2021 pages state in prose
        cells[("fee/information-processing-fee", f"fee-column/{column}")] = (Decimal(value), unit) if unit else value
    for pair in REVIEWED_BLANKS.get(key, set()):
        cells[pair] = None
    return cells


@pytest.fixture(scope="module")
def national_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The constructed national examples (tests/fixtures/national/), built and served on loopback."""
    server = start_live_server(tmp_path_factory.mktemp("national"), examples.EXAMPLES)
    yield server
    server.close()


@pytest.fixture(scope="module")
def national_csvw(national_server: LiveServer) -> dict[tuple[str, int], tuple[list[dict[str, Any]], Graph]]:
    return {key: read_report_csv(national_server, f"{key[0]}-{key[1]}") for key in examples.ALL}


@pytest.mark.parametrize("key", examples.ALL, ids=lambda key: f"{key[0]}-{key[1]}")
def test_every_cell_of_a_national_report_is_a_row_of_its_csv(
    national_csvw: dict[tuple[str, int], tuple[list[dict[str, Any]], Graph]], key: tuple[str, int]
) -> None:
    rows, _graph = national_csvw[key]
    expected = cells_from_the_pages(key)
    found = {(r["item"], r["column"]): r for r in rows}
    assert len(found) == len(rows), "one row per cell"
    assert set(found) == set(expected)
    blanks = 0
    for pair, value in expected.items():
        row = found[pair]
        if value is None:  # blank in the source: a row with no value and no unit, status blank
            blanks += 1
            assert (row["value"], row["unit"], row["status"], row["blank"]) == (None, None, "blank", True), pair
            assert row["status_zh"] == "原文留空" and row["status_en"] == "blank in the source"
        elif isinstance(value, tuple):  # money: the decimal and the unit the page gives
            assert (row["value"], row["unit"], row["status"], row["blank"]) == (*value, "stated", False), pair
        else:
            assert (row["value"], row["status"], row["blank"]) == (value, "stated", False), pair
            assert row["unit"], pair
    assert blanks == sum(1 for f in examples.report(*key).figures if f.value is None)


def test_a_money_cell_comes_out_with_its_value_unit_and_quote(
    national_server: LiveServer, national_csvw: dict[tuple[str, int], tuple[list[dict[str, Any]], Graph]]
) -> None:
    # the county's 2021 page: 行政事业性收费 · 本年收费金额（单位：万元） reads 1.2万元;
    # section 六 says 收取信息处理费共计200元
    rows, _graph = national_csvw[(COUNTY, 2021)]
    text = fetch(f"{national_server.url}/id/report/{COUNTY}/2021/source.txt").text
    [fees] = [r for r in rows if r["item"] == "proactive/administrative-fees"]
    assert (fees["column"], fees["value"], fees["unit"], fees["unit_zh"], fees["unit_en"]) == (
        "proactive-column/fees-collected",
        Decimal("1.2"),
        "ten-thousand-yuan",
        "万元",
        "10,000 yuan",
    )
    assert fees["quote"] == "1.2万元" == text[fees["quote_start"] : fees["quote_end"]]
    [prose] = [r for r in rows if r["column"] == "fee-column/amount"]
    assert (prose["value"], prose["unit"], prose["unit_zh"]) == (Decimal(200), "yuan", "元")
    assert prose["quote"] == "收取信息处理费共计200元" == text[prose["quote_start"] : prose["quote_end"]]
    # the province's 2019 page: 政府集中采购 · 采购总金额 reads 251000元
    rows, _graph = national_csvw[(PROVINCE, 2019)]
    [procurement] = [r for r in rows if r["column"] == "proactive-column/procurement-amount"]
    assert (procurement["value"], procurement["unit"], procurement["quote"]) == (Decimal(251000), "yuan", "251000元")


def test_a_blank_cell_is_a_row_but_not_an_observation(
    national_server: LiveServer, national_csvw: dict[tuple[str, int], tuple[list[dict[str, Any]], Graph]]
) -> None:
    # the town's 2021 page leaves 二、上年结转政府信息公开申请数量 · 自然人 empty
    rows, from_csv = national_csvw[(TOWN, 2021)]
    report = f"{national_server.url}/id/report/{TOWN}/2021"
    dis = f"{national_server.url}/def/disclosure#"
    [row] = [r for r in rows if (r["item"], r["column"]) == ("request/carried-over", "applicant/natural-person")]
    assert (row["value"], row["unit"], row["status"], row["blank"], row["quote"]) == (None, None, "blank", True, None)
    assert (row["type"], row["dataset"], row["cell_of"]) == (dis + "BlankCell", None, report)
    cell = URIRef(row["figure"])
    assert {(str(p), str(o)) for p, o in from_csv.predicate_objects(cell)} == {
        (str(RDF.type), dis + "BlankCell"),
        (dis + "cellOf", report),
        (dis + "cellStatus", f"{national_server.url}/def/common/cell-status/blank"),
        (dis + "agency", f"{national_server.url}/id/agency/{TOWN}"),
        (dis + "reportYear", "2021"),
        (dis + "item", f"{national_server.url}/def/national-2021/request/carried-over"),
        (dis + "column", f"{national_server.url}/def/national-2021/applicant/natural-person"),
    }
    # and the metadata says so: no column types every row qb:Observation
    metadata = json.loads(download(national_server, f"{TOWN}-2021.csv-metadata.json").body)
    for column in metadata["tableSchema"]["columns"]:
        assert not (column.get("virtual") and column.get("valueUrl") == QB_NS + "Observation"), column


@pytest.mark.parametrize("key", examples.ALL, ids=lambda key: f"{key[0]}-{key[1]}")
def test_the_national_csv_as_rdf_is_part_of_the_report(
    national_server: LiveServer,
    national_csvw: dict[tuple[str, int], tuple[list[dict[str, Any]], Graph]],
    key: tuple[str, int],
) -> None:
    rows, from_csv = national_csvw[key]
    report = Graph().parse(data=download(national_server, f"{key[0]}-{key[1]}.nt").body, format="nt")
    missing = [t for t in from_csv if t not in report]
    assert not missing, missing[:5]
    dis = f"{national_server.url}/def/disclosure#"
    observations = set(report.subjects(RDF.type, URIRef(QB_NS + "Observation")))
    blank_cells = set(report.subjects(RDF.type, URIRef(dis + "BlankCell")))
    assert set(from_csv.subjects(RDF.type, URIRef(QB_NS + "Observation"))) == observations
    assert set(from_csv.subjects(RDF.type, URIRef(dis + "BlankCell"))) == blank_cells
    assert len(rows) == len(observations) + len(blank_cells) == len(examples.report(*key).figures)
    quantity = URIRef(dis + "quantity")
    assert {s for s, _o in from_csv.subject_objects(quantity)} == observations  # a value for each, none for a blank


def test_the_national_csv_dump_has_every_cell(national_server: LiveServer) -> None:
    text = gzip.decompress(download(national_server, "corpus.csv.gz").body).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    found = {(r["agency"], int(r["year"]), r["item"], r["column"]): (r["value"], r["unit"], r["status"]) for r in rows}
    assert len(found) == len(rows)
    expected: dict[tuple[str, int, str, str], tuple[str, str, str] | tuple[str, str]] = {}
    for key in examples.ALL:
        for (item, column), value in cells_from_the_pages(key).items():
            if value is None:
                expected[(*key, item, column)] = ("", "", "blank")
            elif isinstance(value, tuple):
                expected[(*key, item, column)] = (str(value[0]), value[1], "stated")
            else:
                expected[(*key, item, column)] = (str(value), "stated")
    assert set(found) == set(expected)
    for cell, want in expected.items():
        value, unit, status = found[cell]
        assert ((value, unit, status) if len(want) == 3 else (value, status)) == want, cell


# ---------------------------------------------------------------------------
# The corpus dumps
# ---------------------------------------------------------------------------


def test_the_nquads_dump_is_the_whole_store(live_server: LiveServer) -> None:
    quads = list(parse(gzip.decompress(download(live_server, "corpus.nq.gz").body), format=RdfFormat.N_QUADS))
    store = live_server.app.extensions["publication"].store
    assert {q.graph_name.value for q in quads} == {g.value for g in store.named_graphs()}  # type: ignore[union-attr]
    assert len(quads) == len(store)


@pytest.mark.parametrize("suffix, rdf_format", [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_each_format_dump_merges_every_graph(live_server: LiveServer, suffix: str, rdf_format: str) -> None:
    store = live_server.app.extensions["publication"].store
    merged = {(q.subject, q.predicate, q.object) for q in store}
    graph = Graph().parse(data=gzip.decompress(download(live_server, f"corpus.{suffix}.gz").body), format=rdf_format)
    assert len(graph) == len(merged)


def test_the_csv_dump_has_every_figure(live_server: LiveServer) -> None:
    text = gzip.decompress(download(live_server, "corpus.csv.gz").body).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert Counter((r["item_zh"], r["period"], int(r["value"])) for r in rows) == Counter(EXPECTED)


# ---------------------------------------------------------------------------
# HTTP of downloads
# ---------------------------------------------------------------------------


def test_download_headers_revalidation_and_ranges(live_server: LiveServer) -> None:
    answer = download(live_server, f"{STEM}.source.txt")
    assert answer.body == SEED_SOURCE.read_bytes()
    assert answer.media_type == "text/plain"
    etag = answer.header("ETag")
    assert etag == f'"{hashlib.sha256(answer.body).hexdigest()}"'
    assert answer.header("Content-Disposition") == f"attachment; filename={STEM}.source.txt"
    assert answer.header("Access-Control-Allow-Origin") == "*"
    again = fetch(f"{live_server.url}/download/{STEM}.source.txt", headers={"If-None-Match": etag or ""})
    assert again.status == 304 and again.body == b""
    part = fetch(f"{live_server.url}/download/{STEM}.source.txt", headers={"Range": "bytes=0-99"})
    assert part.status == 206 and part.body == answer.body[:100]
    head = fetch(f"{live_server.url}/download/corpus.nq.gz", method="HEAD")
    assert head.status == 200 and head.body == b"" and head.media_type == "application/gzip"
    assert fetch(f"{live_server.url}/download/index.json").status == 404
    assert fetch(f"{live_server.url}/download/..%2Fmanifest.json").status == 404


def test_a_corpus_dump_is_served_as_one_file_from_its_parts_of_a_year(live_server: LiveServer) -> None:
    """The seed is the 2011 report: its dump's parts are the head, 2011 and the tail, served one after the other
    with the size and SHA-256 the index gives, revalidated and in ranges as a file is."""
    release = current_release(Path(live_server.settings.build_dir))
    parts = dump_parts(release, "corpus.nq.gz")
    assert [p.name for p in parts] == ["corpus.nq.gz.0000", "corpus.nq.gz.2011-00", "corpus.nq.gz.9999"]
    joined = b"".join(p.read_bytes() for p in parts)
    answer = download(live_server, "corpus.nq.gz")
    entry = read_index(release)["corpus.nq.gz"]
    assert answer.body == joined and int(answer.header("Content-Length") or 0) == len(joined) == entry.size
    assert hashlib.sha256(answer.body).hexdigest() == entry.sha256 == answer.header("X-Content-SHA256")
    assert answer.header("ETag") == f'"{entry.sha256}"'
    assert answer.header("Content-Disposition") == "attachment; filename=corpus.nq.gz"
    again = fetch(f"{live_server.url}/download/corpus.nq.gz", headers={"If-None-Match": answer.header("ETag") or ""})
    assert again.status == 304 and again.body == b""
    boundary = parts[0].stat().st_size  # a range across the head part's end and into 2011's
    ranged = fetch(
        f"{live_server.url}/download/corpus.nq.gz", headers={"Range": f"bytes={boundary - 5}-{boundary + 4}"}
    )
    assert ranged.status == 206 and ranged.body == joined[boundary - 5 : boundary + 5]
    assert ranged.header("Content-Range") == f"bytes {boundary - 5}-{boundary + 4}/{len(joined)}"
    head = fetch(f"{live_server.url}/download/corpus.nq.gz", method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.header("Content-Length") or 0) == len(joined)


def test_unchanged_files_keep_their_bytes_and_dates_across_builds(tmp_path: Path) -> None:
    settings = make_settings(build_dir=tmp_path / "build")
    build(settings)
    first = read_index(current_release(tmp_path / "build"))
    build(settings)
    second = read_index(current_release(tmp_path / "build"))
    assert set(first) == set(second)
    for name, entry in first.items():  # reports and corpus dumps alike (blank nodes are labelled canonically)
        assert second[name] == entry, name  # same size, checksum, issued and modified


# ---------------------------------------------------------------------------
# Describing the data: VoID, Service Description, schema.org, sitemap, robots
# ---------------------------------------------------------------------------


def test_void_counts_the_store_and_links_the_endpoint_and_dumps(live_server: LiveServer) -> None:
    answer = fetch(live_server.url + "/void")
    assert answer.status == 200 and answer.media_type == "text/turtle"
    graph = Graph().parse(data=answer.body, format="turtle")
    corpus = URIRef(f"{live_server.url}/catalog/corpus")
    store = live_server.app.extensions["publication"].store
    assert graph.value(corpus, VOID.triples) == Literal(len(store), datatype=XSD.integer)
    assert (corpus, RDF.type, VOID.Dataset) in graph
    assert graph.value(corpus, VOID.sparqlEndpoint) == URIRef(f"{live_server.url}/sparql")
    assert int(graph.value(corpus, VOID.classes)) >= 10  # type: ignore[arg-type]
    assert int(graph.value(corpus, VOID.entities)) > 100  # type: ignore[arg-type]
    vocabularies = {str(v) for v in graph.objects(corpus, VOID.vocabulary)}
    assert {
        "http://purl.org/linked-data/cube#",
        "http://www.w3.org/ns/oa#",
        "http://purl.org/dc/terms/",
    } <= vocabularies
    examples = {str(e) for e in graph.objects(corpus, VOID.exampleResource)}
    assert f"{live_server.url}/id/report/{AGENCY}/{YEAR}" in examples
    for example in examples:
        assert fetch(example).status == 200, example
    dumps = {str(d) for d in graph.objects(corpus, VOID.dataDump)}
    assert f"{live_server.url}/download/corpus.nq.gz" in dumps
    for dump in dumps:
        assert fetch(dump, method="HEAD").status == 200
    partitions = {
        str(graph.value(p, VOID["class"])): int(graph.value(p, VOID.entities))  # type: ignore[arg-type]
        for p in graph.objects(corpus, VOID.classPartition)
    }
    assert partitions["http://purl.org/linked-data/cube#Observation"] == len(EXPECTED)


def test_void_links_the_service_description(live_server: LiveServer) -> None:
    graph = Graph().parse(data=fetch(live_server.url + "/void").body, format="turtle")
    endpoint = URIRef(f"{live_server.url}/sparql")
    assert endpoint in set(graph.objects(URIRef(f"{live_server.url}/void"), RDFS.seeAlso))
    described = fetch(str(endpoint), headers={"Accept": "text/turtle"})
    assert described.status == 200
    sd = Graph().parse(data=described.body, format="turtle")
    assert (None, URIRef(SD + "endpoint"), endpoint) in sd
    well_known = fetch(live_server.url + "/.well-known/void")
    assert well_known.status == 303 and well_known.header("Location") == f"{live_server.url}/void"


def test_the_report_page_embeds_schema_org_that_matches_the_catalog(live_server: LiveServer) -> None:
    page = fetch(f"{live_server.url}/id/report/{AGENCY}/{YEAR}", headers={"Accept": "text/html"})
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    assert data["@type"] == "Dataset" and data["@context"] == "https://schema.org/"
    assert data["@id"] == f"{live_server.url}/id/report/{AGENCY}/{YEAR}"
    assert data["name"] == "吉林市科学技术局2011年政府信息公开工作年度报告"
    assert data["temporalCoverage"] == "2011-01-01/2011-12-31"
    index = read_index(live_server.app.extensions["publication"].release)
    for item in data["distribution"]:
        name = item["contentUrl"].rsplit("/", 1)[1]
        assert item["sha256"] == index[name].sha256
        assert item["encodingFormat"] == index[name].served_type
    assert len(data["distribution"]) == 5


def test_sitemap_lists_pages_that_answer_and_robots_points_to_it(live_server: LiveServer) -> None:
    answer = fetch(live_server.url + "/sitemap.xml")
    assert answer.status == 200 and answer.media_type == "application/xml"
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [e.text or "" for e in ElementTree.fromstring(answer.body).iter(f"{namespace}loc")]
    assert f"{live_server.url}/id/report/{AGENCY}/{YEAR}.html" in locations
    for location in locations:
        assert location.startswith(live_server.url + "/")
        page = fetch(location)
        assert page.status == 200 and page.media_type == "text/html", location
    robots = fetch(live_server.url + "/robots.txt")
    assert robots.media_type == "text/plain"
    assert f"Sitemap: {live_server.url}/sitemap.xml" in robots.text.splitlines()


# ---------------------------------------------------------------------------
# A report's files are made from its parsed N-Triples: the same as from an rdflib graph of it
# ---------------------------------------------------------------------------

REPORT_RECORDS = [
    pytest.param(SEED_RECORD.parent.parent.parent, SEED_RECORD, id="seed"),
    *(pytest.param(examples.EXAMPLES, examples.record_path(a, y), id=f"{a}-{y}") for a, y in examples.ALL),
]


def former_graph_stats(graph: Graph) -> dict[str, Any]:
    """The VoID statistics of a report as they were counted over an rdflib graph of it."""
    classes: dict[str, int] = {}
    for cls in set(graph.objects(None, RDF.type)):
        classes[str(cls)] = len(set(graph.subjects(RDF.type, cls)))
    subjects = set(graph.subjects())
    return {
        "triples": len(graph),
        "subjects": len(subjects),
        "entities": sum(1 for s in subjects if isinstance(s, URIRef)),
        "classes": classes,
        "predicates": sorted({str(p) for p in graph.predicates()}),
    }


@pytest.mark.parametrize(("data_dir", "record"), REPORT_RECORDS)
def test_a_reports_files_from_its_parsed_triples_are_those_of_its_rdflib_graph(
    data_dir: Path, record: Path, tmp_path: Path
) -> None:
    """publish_one reads the published N-Triples once (ReportTriples) instead of filling an rdflib graph with them:
    the CSV rows, statistics, catalog entry, JSON-LD and Turtle are those the whole rdflib graph gives."""
    state = WorkerState(make_settings(data_dir=data_dir), tmp_path)
    project = state.project
    report = load_report(record, project.registry, {s: f.record_keys for s, f in project.formats.items()})
    fmt = project.formats[report.format]
    graph = report_graph(report, project.registry, fmt, project.iris)
    checked = CheckedReport("key", str(record), report, sorted_ntriples(graph), [])
    ntriples = published_graph(state, checked, [])
    parsed = ReportTriples(ntriples)
    full = Graph().parse(data=ntriples.decode("utf-8"), format="nt")  # rdflib's own reading of them
    assert len(parsed) == len(full) > 500
    subjects = {s: BNode(s[2:]) if s.startswith("_:") else URIRef(s) for s in parsed.spo}
    indexed = {
        (subjects[s], URIRef(p), parsed.rdf_term(o)) for s, po in parsed.spo.items() for p, os in po.items() for o in os
    }
    assert indexed == set(full)
    assert all(triple in parsed for triple in full)
    assert all(parsed.value(s, p) is not None and o in parsed.objects(s, p) for s, p, o in full)
    assert not [triple for triple in full if (triple[2], triple[1], triple[0]) in parsed]

    subject = project.iris.report(report.agency, report.year)
    head = parsed.graph_of([subject, *parsed.objects(subject, DCTERMS.temporal)])
    rows = observation_rows(downloads.ReportData(report, full, fmt), project.registry, state.labels, project.iris)
    assert rows and rows == observation_rows(
        downloads.ReportData(report, head, fmt), project.registry, state.labels, project.iris, parsed
    )
    assert graph_stats(parsed) == former_graph_stats(full)

    folder = tmp_path / "downloads"
    folder.mkdir()
    licence = str(state.info.licence_iri)
    files, written_rows = downloads.write_report_files(
        folder, downloads.ReportData(report, head, fmt), project.registry, state.labels, project.iris, licence,
        parsed=parsed,
    )  # fmt: skip
    assert written_rows == rows
    base = project.iris.base
    assert files[f"{report.agency}-{report.year}.ttl"][1] == to_turtle(ntriples, base)
    assert jsonld_nodes(ntriples, base, parsed.triples) == jsonld_nodes(ntriples, base)
    entries = downloads.index_files(
        {name: (kind, body, str(subject)) for name, (kind, body) in files.items()},
        {},
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    described = [f for f in entries if f.kind != "csvw"]
    from_head = report_dataset_graph(state.inputs, downloads.ReportData(report, head, fmt), described)
    from_full = report_dataset_graph(state.inputs, downloads.ReportData(report, full, fmt), described)
    assert sorted_ntriples(from_head) == sorted_ntriples(from_full)  # the head is all the catalog entry reads


@pytest.mark.parametrize(("data_dir", "record"), REPORT_RECORDS[:2])
def test_the_published_graph_is_what_a_store_of_it_writes(data_dir: Path, record: Path, tmp_path: Path) -> None:
    """published_graph writes a report's graph as an Oxigraph store holds it, without making a store: typed
    literals in the store's canonical forms, each triple once, lines sorted, quality annotations included;
    its triples (published_triples) are those bytes parsed, in their order."""
    state = WorkerState(make_settings(data_dir=data_dir), tmp_path)
    project = state.project
    report = load_report(record, project.registry, {s: f.record_keys for s, f in project.formats.items()})
    graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
    iri = project.iris.report(report.agency, report.year)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    odd = [
        ('"01"', "integer"), ('"1"', "integer"), ('"3.50"', "decimal"), ('"1"', "boolean"), ('"true"', "boolean"),
        ('"2011"', "gYear"), ('"seven"', "integer"), ('"007"', "int"), ('"tab\\there"', "string"),
    ]  # fmt: skip
    extra = "".join(f"<{iri}> <http://example.org/odd{i}> {v}^^<{xsd}{d}> .\n" for i, (v, d) in enumerate(odd))
    extra += f'<{iri}> <http://example.org/odd> "标签"@zh-Hans .\n'
    checked = CheckedReport("key", str(record), report, sorted_ntriples(graph) + extra.encode("utf-8"), [])
    rule = f"{project.iris.base}/def/national-2021/rule/review-sum-to-total"
    total = f"{iri}/review-reconsideration-total"
    warning = Finding(
        "warning", rule, rule, total, None, "合计数 2 不等于各组成项之和 3。", "The total is not 3.", rule
    )
    published = published_graph(state, checked, [warning])

    store = Store()  # what the store makes of the same N-Triples
    store.load(
        checked.ntriples + quality_annotations(iri, [warning], project.iris).serialize(format="nt", encoding="utf-8"),
        format=RdfFormat.N_TRIPLES,
    )
    dumped = store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    assert dumped is not None
    assert published == b"\n".join(sorted({line for line in dumped.split(b"\n") if line})) + b"\n"
    lines = published.decode("utf-8").split("\n")
    stored = [
        ("1", "integer"), ("1", "integer"), ("3.5", "decimal"), ("true", "boolean"), ("true", "boolean"),
        ("2011", "gYear"), ("seven", "integer"), ("7", "integer"),  # "007"^^xsd:int comes back an xsd:integer
    ]  # fmt: skip
    for i, (value, datatype) in enumerate(stored):
        assert [line for line in lines if line.startswith(f"<{iri}> <http://example.org/odd{i}> ")] == [
            f'<{iri}> <http://example.org/odd{i}> "{value}"^^<{xsd}{datatype}> .'
        ]
    assert f'<{iri}> <http://example.org/odd8> "tab\\there" .' in lines  # xsd:string written plain, its tab escaped
    assert f'<{iri}> <http://example.org/odd> "标签"@zh-hans .' in lines
    assert f"<http://www.w3.org/ns/oa#hasTarget> <{total}> ." in published.decode("utf-8")  # the annotation
    parsed = published_triples(state, checked, [warning])
    assert parsed.ntriples == published
    assert [str(t) for t in parsed.triples] == [str(q.triple) for q in parse(published, format=RdfFormat.N_TRIPLES)]


def test_stored_literals_are_learnt_again_once_forgotten() -> None:
    """StoredLiterals remembers at most LIMIT literals: past it, it forgets them and still gives the store's forms."""
    xsd = "http://www.w3.org/2001/XMLSchema#"

    def stored_objects(stored: StoredLiterals, literals: list[tuple[str, str]]) -> list[tuple[str, str]]:
        text = "".join(
            f'<http://example.org/s> <http://example.org/p{i}> "{value}"^^<{xsd}{datatype}> .\n'
            for i, (value, datatype) in enumerate(literals)
        )
        triples = stored.stored([quad.triple for quad in parse(text.encode(), format=RdfFormat.N_TRIPLES)])
        return [(t.object.value, t.object.datatype.value.removeprefix(xsd)) for t in triples]  # type: ignore[union-attr]

    stored = StoredLiterals()
    stored.LIMIT = 3
    assert stored_objects(stored, [("07", "integer")]) == [("7", "integer")]
    assert len(stored.known) == 1
    again = [("01", "integer"), ("2.50", "decimal"), ("0", "boolean")]
    assert stored_objects(stored, again) == [("1", "integer"), ("2.5", "decimal"), ("false", "boolean")]
    assert len(stored.known) == 3  # "07" forgotten: 1 + 3 is past the limit
    assert stored_objects(stored, again) == [("1", "integer"), ("2.5", "decimal"), ("false", "boolean")]
    assert stored_objects(stored, [("07", "integer")]) == [("7", "integer")]  # learnt again


def test_sorted_ntriples_are_rdflibs_own_lines_sorted() -> None:
    """sorted_ntriples writes each triple as rdflib's N-Triples serialiser does (faster): the same lines, sorted."""
    ex = "http://example.org/"
    graph = Graph()
    texts = ['say "hi"', "back\\slash", "line\nbreak", "cr\rlf", "tab\tend", "页\u2028分隔\x0c符", "", " "]
    for i, text in enumerate(texts):
        graph.add((URIRef(f"{ex}s{i}"), URIRef(f"{ex}plain"), Literal(text)))
        graph.add((URIRef(f"{ex}s{i}"), URIRef(f"{ex}zh"), Literal(text, lang="zh")))
        graph.add((URIRef(f"{ex}s{i}"), URIRef(f"{ex}typed"), Literal(text, datatype=XSD.string)))
    graph.add((URIRef(f"{ex}s"), URIRef(f"{ex}count"), Literal(7)))
    graph.add((URIRef(f"{ex}s"), URIRef(f"{ex}amount"), Literal(Decimal("3.785"))))
    graph.add((URIRef(f"{ex}s"), URIRef(f"{ex}year"), Literal("2011", datatype=XSD.gYear)))
    graph.add((URIRef(f"{ex}s"), URIRef(f"{ex}link"), URIRef(f"{ex}o")))
    graph.add((BNode("b1"), URIRef(f"{ex}link"), BNode("b2")))
    graph.add((URIRef(f"{ex}s"), RDFS.label, Literal("标签", lang="zh-Hans")))
    lines = {line for line in graph.serialize(format="nt", encoding="utf-8").decode("utf-8").split("\n") if line}
    assert sorted_ntriples(graph) == ("\n".join(sorted(lines)) + "\n").encode("utf-8")
    assert len(lines) == len(graph)
    again = Graph().parse(data=sorted_ntriples(graph).decode("utf-8"), format="nt")
    assert isomorphic(again, graph)


def test_report_triples_give_the_rdflib_terms_of_what_they_index() -> None:
    """ReportTriples indexes Oxigraph's terms and gives rdflib's: the same terms, blank nodes keeping their labels."""
    ex = "http://example.org/"
    graph = Graph()
    graph.add((URIRef(f"{ex}s"), URIRef(f"{ex}count"), Literal(7)))
    graph.add((URIRef(f"{ex}s"), URIRef(f"{ex}amount"), Literal(Decimal("3.785"))))
    graph.add((URIRef(f"{ex}s"), URIRef(f"{ex}plain"), Literal("页")))
    graph.add((URIRef(f"{ex}s"), RDFS.label, Literal("标签", lang="zh-Hans")))
    graph.add((URIRef(f"{ex}s"), URIRef(f"{ex}link"), BNode("b1")))
    graph.add((BNode("b1"), URIRef(f"{ex}link"), BNode("b2")))
    graph.add((BNode("b1"), RDF.type, URIRef(f"{ex}Thing")))
    parsed = ReportTriples(sorted_ntriples(graph))
    assert len(parsed) == len(graph) == 7
    assert all(triple in parsed for triple in graph)
    assert (URIRef(f"{ex}s"), URIRef(f"{ex}plain"), Literal("页", lang="zh")) not in parsed
    assert parsed.value(URIRef(f"{ex}s"), URIRef(f"{ex}count")) == Literal("7", datatype=XSD.integer)
    assert parsed.value(URIRef(f"{ex}s"), URIRef(f"{ex}amount")) == Literal("3.785", datatype=XSD.decimal)
    assert parsed.value(URIRef(f"{ex}s"), URIRef(f"{ex}plain")) == Literal("页")
    assert parsed.objects(URIRef(f"{ex}s"), RDFS.label) == [Literal("标签", lang="zh-Hans")]
    assert parsed.value(BNode("b1"), URIRef(f"{ex}link")) == BNode("b2")
    assert parsed.subjects(RDF.type, URIRef(f"{ex}Thing")) == [BNode("b1")]
    assert parsed.subjects(URIRef(f"{ex}link"), BNode("b1")) == [URIRef(f"{ex}s")]
    assert parsed.value(URIRef(f"{ex}nothing"), URIRef(f"{ex}link")) is None
    assert set(parsed.graph_of([URIRef(f"{ex}s"), BNode("b1")])) == set(graph)
