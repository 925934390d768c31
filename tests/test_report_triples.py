"""A report's triples as N-Triples terms (graph/reporttriples.py) are the graph `report_graph` makes, byte for byte.

The build's workers never build an rdflib graph of a report: they write its triples as
text, sort them into the N-Triples that are cached, loaded and published, and check the
core shapes over the text (validation/coreshapes.py). `report_graph` stays the
reference, and what the rest of the publisher reads: on every record the tests read
(the seed, the national examples, a synthetic corpus of every era with blank cells,
every real document, web pages and PDFs) the sorted N-Triples of the two are the same
bytes, and the checker finds the same on either. tests/test_checking_equivalence.py
holds the build's findings (made from the triples) equal to pySHACL's.
"""

from __future__ import annotations

import doctest
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from publisher import synthetic
from publisher.build.project import load_project
from publisher.graph.reports import report_graph
from publisher.graph.reporttriples import report_triples
from publisher.rdf import ntterms
from publisher.rdf.namespaces import XSD
from publisher.rdf.ntriples import sorted_ntriples
from publisher.rdf.ntterms import graph_of, node_term, rdf_term, sorted_term_ntriples, term_triples, term_value
from publisher.records.loading import find_records, load_report
from publisher.validation.checker import ReportChecker
from tests.fixtures import examples
from tests.helpers import DATA, make_settings


def seed_data(target: Path) -> Path:
    return DATA


def national_examples(target: Path) -> Path:
    return examples.EXAMPLES


def synthetic_eras(target: Path) -> Path:
    """Two agencies × 2016–2022: the Jilin template, national 2019 and national 2021; 10 % of the cells blank."""
    synthetic.generate(target, 2, years=range(2016, 2023), seed=17, blank_rate=0.1, inconsistency_rate=0.3)
    return target


def real_documents(target: Path) -> Path:
    """Every real document (web pages and PDFs) imported and written as a record beside a copy of its source."""
    return examples.write_real_documents(target)


CORPORA = [
    pytest.param(seed_data, 1, id="seed"),
    pytest.param(national_examples, 5, id="national-examples"),
    pytest.param(synthetic_eras, 14, id="synthetic-every-era"),
    pytest.param(real_documents, 7, id="real-documents"),
]


@pytest.mark.parametrize(("make", "records"), CORPORA)
def test_report_triples_are_report_graphs_ntriples_byte_for_byte(
    make: Callable[[Path], Path], records: int, tmp_path: Path
) -> None:
    data = make(tmp_path)
    project = load_project(make_settings(data_dir=data))
    keys = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
    checker = ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)
    paths = find_records(data)
    assert len(paths) == records
    formats, blanks, pdfs = set(), 0, 0
    for path in paths:
        report = load_report(path, project.registry, keys)
        fmt = project.formats[report.format]
        graph = report_graph(report, project.registry, fmt, project.iris)
        triples = report_triples(report, project.registry, fmt, project.iris)
        assert sorted_term_ntriples(triples) == sorted_ntriples(graph), path
        assert isomorphic(graph_of(triples), graph), path
        on_triples = checker.check(triples, report.format, report, str(path))
        assert on_triples.findings == checker.check(graph, report.format, report, str(path)).findings, path
        formats.add(report.format)
        blanks += sum(1 for f in report.figures if f.value is None)
        pdfs += report.source.media_type == "application/pdf"
    if make is synthetic_eras:
        assert formats == {"jilin-city-2011", "national-2019", "national-2021"}
        assert blanks > 0
    if make is real_documents:
        assert pdfs >= 2  # hongze-2023, huaian-2024


@pytest.mark.parametrize(
    "node",
    [
        pytest.param(URIRef("http://example.org/a#b"), id="iri"),
        pytest.param(BNode("b0"), id="blank-node"),
        pytest.param(Literal('say "2"\\n, \n\r\t end'), id="plain-with-escapes"),
        pytest.param(Literal("两件", lang="zh"), id="language"),
        pytest.param(Literal("第一\n段", lang="zh-CN"), id="language-region-newline"),
        pytest.param(Literal(7, datatype=XSD.integer), id="integer"),
        pytest.param(Literal(Decimal("12.50"), datatype=XSD.decimal), id="decimal"),
        pytest.param(Literal("x", datatype=XSD.string), id="typed-string"),
        pytest.param(Literal("-1", datatype=XSD.nonNegativeInteger), id="ill-typed"),
        pytest.param(Literal('a"', datatype=XSD.integer), id="ill-typed-quote"),
    ],
)
def test_a_term_read_back_is_the_term_written(node: URIRef | BNode | Literal) -> None:
    """rdf_term(node_term(x)) is x: the same term, value, datatype, language and well-formedness as rdflib's."""
    text = node_term(node)
    graph = Graph()
    graph.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), node))
    assert f"<http://example.org/s> <http://example.org/p> {text} .\n".encode() == sorted_ntriples(graph)
    read = rdf_term(text)
    assert read == node and type(read) is type(node)
    assert term_value(text) == str(node)
    if isinstance(node, Literal):
        assert isinstance(read, Literal)
        assert (read.value, read.datatype, read.language) == (node.value, node.datatype, node.language)
        assert (read.ill_typed is True) == (node.ill_typed is True)  # None (made from a value) is False (parsed)
    assert term_triples(graph) == [("<http://example.org/s>", "<http://example.org/p>", text)]


def test_the_terms_module_examples_run() -> None:
    assert doctest.testmod(ntterms).failed == 0
    assert doctest.testmod(ntterms).attempted == 2
