"""The pieces that write a report's files quickly give what the plain ways give: compact IRIs, JSON-LD lines, the
published graph of a report with text reuse and annotations, and its index.

Expected compact IRIs are worked out by hand from the context's namespaces; the JSON lines are compared with
`json.dumps`; the published graph with what an Oxigraph store makes of the same N-Triples.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyoxigraph import DefaultGraph, RdfFormat, Store

from publisher.build.checked import CheckedReport
from publisher.build.reportfiles import published_triples
from publisher.build.workerstate import WorkerState
from publisher.graph.reports import report_graph
from publisher.rdf.jsonld import Compactor, jsonld_lines
from publisher.rdf.ntriples import index_triples, sorted_ntriples
from publisher.records.loading import load_report
from publisher.validation.findings import Finding, quality_annotations
from tests.helpers import SEED_RECORD, make_settings

EX = "http://e.example/"


def test_an_iri_is_compacted_with_the_longest_namespace_that_leaves_it_a_local_name() -> None:
    """The longest namespace the IRI starts with, unless what is left is empty or starts with "//" (then a shorter
    one, or the IRI as it is)."""
    compact = Compactor({"e": EX, "a": f"{EX}a/", "ab": f"{EX}a/b#", "v": "urn:v#", "x": "http://x.example"})
    assert compact(f"{EX}a/b#c") == "ab:c"  # three namespaces have it: the longest
    assert compact(f"{EX}a/b#") == "a:b#"  # a/b# leaves nothing: a/ leaves "b#"
    assert compact(f"{EX}a/c/d") == "a:c/d"
    assert compact(f"{EX}a///d") == "e:a///d"  # a/ would leave "//d"
    assert compact(f"{EX}//a/b") == f"{EX}//a/b"  # the one namespace it has leaves "//a/b"
    assert compact(f"{EX}") == f"{EX}"
    assert compact("urn:v#w") == "v:w"
    assert compact("http://x.example/y") == "http://x.example/y"  # a namespace not ending in / or # is no prefix
    assert compact("http://y.example/a") == "http://y.example/a"
    assert compact(f"{EX}a/b#c") == "ab:c"  # once more, remembered
    assert Compactor({})(f"{EX}a") == f"{EX}a"


def test_jsonld_lines_are_json_dumps_of_each_node_with_sorted_keys() -> None:
    """One line per node: json.dumps(node, ensure_ascii=False, sort_keys=True), escapes and all."""
    nodes = [
        {"@id": "report:a/2019", "dct:title": [{"@language": "zh", "@value": "年度报告"}, 'say "hi"\n\t\\']},
        {"z": 1, "@type": ["qb:Observation", "dis:Cell"], "a": {"@type": "xsd:integer", "@value": "07"}},
        {"@id": "_:b0", "oa:exact": "\u2028页\x00", "n": None, "t": True, "f": False, "x": 2.5},
        {},
    ]
    assert jsonld_lines(nodes) == [json.dumps(node, ensure_ascii=False, sort_keys=True) for node in nodes]
    try:
        jsonld_lines([{"@id": object()}])
    except TypeError:
        pass
    else:
        raise AssertionError("a value JSON cannot hold was written")


def test_a_report_with_text_reuse_and_annotations_is_published_as_a_store_holds_it(tmp_path: Path) -> None:
    """published_triples of a report whose text reuse and quality annotations come after its own sorted lines (as
    the build gives them) writes what a store of the same N-Triples holds, sorted; its index is that of its
    triples, typed literals in the store's forms in both."""
    state = WorkerState(make_settings(), tmp_path)
    project = state.project
    report = load_report(SEED_RECORD, project.registry, {s: f.record_keys for s, f in project.formats.items()})
    graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
    iri = project.iris.report(report.agency, report.year)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    reuse = (
        f'<{iri}#text-reuse> <http://www.w3.org/ns/dqv#value> "0.2500"^^<{xsd}decimal> .\n'
        f"<{iri}#text-reuse> <http://www.w3.org/ns/dqv#computedOn> <{iri}> .\n"
        f'<{iri}> <{EX}count> "007"^^<{xsd}integer> .\n'
        f'<{iri}> <{EX}count> "6"^^<{xsd}integer> .\n'
        f'<{iri}> <{EX}note> "a\\ttab" .\n'
    ).encode()
    checked = CheckedReport("key", str(SEED_RECORD), report, sorted_ntriples(graph), [])
    rule = f"{project.iris.base}/def/jilin-city-2011/rule/some-rule"
    warning = Finding("warning", rule, rule, str(iri), None, "合计数不等。", "The total differs.", rule)
    parsed = published_triples(state, checked, [warning], reuse)

    store = Store()
    annotations = quality_annotations(iri, [warning], project.iris).serialize(format="nt", encoding="utf-8")
    store.load(checked.ntriples + reuse + annotations, format=RdfFormat.N_TRIPLES)
    dumped = store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    assert dumped is not None
    assert parsed.ntriples == b"\n".join(sorted({line for line in dumped.split(b"\n") if line})) + b"\n"
    text = parsed.ntriples.decode("utf-8")
    assert f'<{iri}#text-reuse> <http://www.w3.org/ns/dqv#value> "0.25"^^<{xsd}decimal> .' in text
    assert f'<{iri}> <{EX}note> "a\\ttab" .' in text
    assert parsed.spo == index_triples(parsed.triples)
    counts = parsed.spo[str(iri)][f"{EX}count"]
    assert [c.value for c in counts] == ["6", "7"]  # "007" as the store gives it back, in the order of the lines
    assert [t.object.value for t in parsed.triples if t.predicate.value == f"{EX}count"] == ["6", "7"]
