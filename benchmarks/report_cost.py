"""What one report costs a build worker, stage by stage, in CPU time: before and after, in one run.

Run from the project root:

    nice -n 10 .venv/bin/python benchmarks/report_cost.py                 # ≈ 100 synthetic reports, seed 2011
    nice -n 10 .venv/bin/python benchmarks/report_cost.py --reports 300 --rounds 5
    nice -n 10 .venv/bin/python benchmarks/report_cost.py --data DIR      # an existing data folder instead

A synthetic corpus (`publisher.synthetic`, every format it writes: agencies × 2008–2025)
is written to a temporary folder; the project is loaded as a build worker loads it; one
report of each format is checked and published first (contexts, caches); then every
report goes through what a worker does to it — `checked.check_one` and
`reportfiles.publish_one`, taken apart into stages — `--rounds` times. Each figure is the
CPU time (`time.process_time`) of one stage per report, the least of the rounds (the
machine is shared: the least is the cost with the least interference), by report
format and overall. While stages are timed, what the worker loaded is frozen (as a
pool's worker does, `_WorkerState.settle`) and Python's garbage collector runs after
each report, timed as a stage of its own (its pauses would otherwise land in whichever
stage set them off). Then the workers' functions run whole, in batches as a worker runs
them, with nothing frozen (as before) and settled after each batch (as now).

Where the stage was made faster, the way it was done before runs on the same data in
the same process, its result is checked to be the same (the same findings, the same
bytes; the script stops if not), and both figures are printed with their ratio:

    YAML          PyYAML's pure-Python loader        libyaml's (records.FAST_LOADER; not new)
    N-Triples     rdflib's serialiser, lines sorted  downloads.sorted_ntriples
    context       the report into the format's       the same with a set of the context's subjects
                  context graph (each triple looked  first, or (a report larger than its context,
                  up first) and out again            given up) the context into the report's graph
    pySHACL       pyshacl.validate per report        checking.CoreShapes (shapes parsed once,
                                                     constraint parameters in a set)
    SPARQL        a store bulk-loaded from text,     a store from the context's parsed quads,
                  a focus query per constraint       a focus query per set of target classes
    report graph  an index of rdflib terms of every  ntriples.ReportTriples: an index of
                  triple of the published N-Triples  Oxigraph's terms, rdflib terms made only
                  (#13; an rdflib graph of the head) for those looked up (the same head)
    JSON-LD file  json.dumps(indent=2) of the whole  the node lines of the corpus piece, one a
                  document (Python's encoder)        line (C encoder): the same JSON value
    CSV rows      lookups in the rdflib index        lookups in the Oxigraph index (labels
                                                     looked up once a code, in both columns)
    statistics    graph_stats over the rdflib index  graph_stats over the Oxigraph index
    published     a store bulk-loaded, its dump's    a store loaded, its dump's lines sorted
    graph         lines sorted as text               as bytes (the same order)
    corpus pieces the JSON-LD lines written again,   the document's JSON-LD lines reused,
                  N-Quads and Turtle body as text    N-Quads and Turtle body as bytes

The publishing stages are also compared with the code of 13db899 ("today", a second
table), where this change made them faster (the results again checked the same):

    published     a store loaded, its dump's lines   no store: parsed once, the typed literals
    graph         sorted (then parsed again by       the store would rewrite replaced (put
                  ReportTriples)                     through a small store once a process),
                                                     written by the store's serialiser, sorted;
                                                     ReportTriples given those triples
    JSON-LD nodes a triple at a time                 from ReportTriples.spo: each subject and
                                                     predicate compacted once
    corpus pieces gzip (zlib) level 6                gzip by ISA-L (isal.igzip) level 2 (the
                                                     same content)

`--stages files` times only the publishing stages (the reports are checked by `check_one`
as a worker checks them), for when the checking side is being changed.

The stages without a "before" column are measured as they are. Nothing is written
outside the temporary folder (removed at the end unless --keep).
"""

from __future__ import annotations

import argparse
import gc
import math
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = "http://127.0.0.1:8000"


def _by_round() -> dict[int, dict[str, float]]:
    return defaultdict(lambda: defaultdict(float))


@dataclass
class Stage:
    """CPU seconds of one stage, per round and report format, by era: before (the way it was first done, if
    it was changed), today (the code of the last commit, where this change made it faster) and after."""

    name: str
    after: dict[int, dict[str, float]] = field(default_factory=_by_round)
    before: dict[int, dict[str, float]] = field(default_factory=_by_round)
    today: dict[int, dict[str, float]] = field(default_factory=_by_round)


class Clock:
    """Stages timed in CPU time, accumulated per round and format."""

    def __init__(self) -> None:
        self.stages: dict[str, Stage] = {}
        self.round = 0
        self.format = ""

    @contextmanager
    def time(self, name: str, before: bool = False, era: str = "") -> Iterator[None]:
        """Time a stage: after (now), before (`before`) or the era named (`era`: "today")."""
        stage = self.stages.setdefault(name, Stage(name))
        start = time.process_time()
        try:
            yield
        finally:
            spent = time.process_time() - start
            getattr(stage, era or ("before" if before else "after"))[self.round][self.format] += spent

    def run(self, name: str, function: Callable[[], Any], before: bool = False, era: str = "") -> Any:
        with self.time(name, before, era):
            return function()


def generate(folder: Path, reports: int, seed: int) -> Path:
    from publisher import synthetic

    years = list(synthetic.DEFAULT_YEARS)
    agencies = max(1, math.ceil(reports / len(years)))
    data = folder / "data"
    summary = synthetic.generate(data, agencies, years=years, seed=seed)
    print(f"corpus: {summary.agencies} agencies × {years[0]}–{years[-1]} = {summary.reports} reports (seed {seed})")
    return data


# ---------------------------------------------------------------------------
# The ways it was done before (run on the same data, compared with what is done now)
# ---------------------------------------------------------------------------


def rdflib_sorted_ntriples(graph: Any) -> bytes:
    """sorted_ntriples as it was: rdflib's serialiser, the text split into lines, sorted."""
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = {line for line in text.splitlines() if line}
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8")


def rdflib_graph(ntriples: bytes) -> Any:
    """The rdflib graph publish_one made of the published N-Triples (terms as ReportTriples makes them)."""
    from rdflib import Graph

    parsed = FormerReportTriples(ntriples)
    graph = Graph()
    for subject, statements in parsed.spo.items():
        for predicate, objects in statements.items():
            for obj in objects:
                graph.add((subject, predicate, obj))
    return graph


class FormerReportTriples:
    """ntriples.ReportTriples as it was (#13): an index of rdflib terms made for every triple of the report."""

    def __init__(self, ntriples: bytes) -> None:
        from pyoxigraph import Literal as OxLiteral
        from pyoxigraph import NamedNode as OxNamedNode
        from rdflib import BNode, Literal, URIRef

        from publisher.rdf.ntriples import XSD_STRING, parse_ntriples

        self.ntriples = ntriples
        self.triples = parse_ntriples(ntriples)
        terms: dict[Any, Any] = {}

        def term(node: Any) -> Any:
            found = terms.get(node)
            if found is None:
                if isinstance(node, OxNamedNode):
                    found = URIRef(node.value)
                elif isinstance(node, OxLiteral):
                    if node.language:
                        found = Literal(node.value, lang=node.language)
                    elif node.datatype.value == XSD_STRING:
                        found = Literal(node.value)
                    else:
                        found = Literal(node.value, datatype=URIRef(node.datatype.value))
                else:
                    found = BNode(node.value)
                terms[node] = found
            return found

        spo: dict[Any, dict[Any, list[Any]]] = {}
        seen: set[tuple[Any, Any, Any]] = set()
        for subject, predicate, obj in self.triples:
            triple = (term(subject), term(predicate), term(obj))
            if triple in seen:
                continue
            seen.add(triple)
            spo.setdefault(triple[0], {}).setdefault(triple[1], []).append(triple[2])
        self.spo = spo
        self._seen = seen

    def __len__(self) -> int:
        return len(self._seen)

    def __contains__(self, triple: tuple[Any, Any, Any]) -> bool:
        return triple in self._seen

    def value(self, subject: Any, predicate: Any) -> Any:
        found = self.spo.get(subject, {}).get(predicate)
        return found[0] if found else None

    def objects(self, subject: Any, predicate: Any) -> list[Any]:
        return list(self.spo.get(subject, {}).get(predicate, ()))

    def subjects(self, predicate: Any, obj: Any) -> list[Any]:
        return [s for s, po in self.spo.items() if obj in po.get(predicate, ())]

    def graph_of(self, subjects: Any) -> Any:
        from rdflib import Graph

        graph = Graph()
        for subject in subjects:
            for predicate, objects in self.spo.get(subject, {}).items():
                for obj in objects:
                    graph.add((subject, predicate, obj))
        return graph


def former_published_graph(state: Any, checked: Any, warnings: Any) -> bytes:
    """reportfiles.published_graph as it was: the store bulk-loaded, its dump's lines sorted as text."""
    import pyoxigraph as ox

    from publisher.validation.findings import quality_annotations

    iri = state.project.iris.report(checked.agency, checked.year)
    data = checked.ntriples
    if warnings:
        annotations = quality_annotations(iri, warnings, state.project.iris)
        data += annotations.serialize(format="nt", encoding="utf-8")
    memory = ox.Store()
    memory.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    stored = memory.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert stored is not None
    lines = sorted({line for line in stored.decode("utf-8").split("\n") if line})
    return ("\n".join(lines) + "\n").encode("utf-8")


def former_corpus_pieces(
    ntriples: bytes, graph: str, csv_rows: bytes, first: bool, nodes: list[dict[str, Any]], turtle_bytes: bytes
) -> dict[str, bytes]:
    """reportfiles.corpus_pieces as it was: N-Quads and the Turtle body as text, the JSON-LD lines written again."""
    import gzip
    import json

    text = ntriples.decode("utf-8")
    lines = [line for line in text.split("\n") if line]
    nquads = "".join(f"{line[:-1].rstrip()} <{graph}> .\n" for line in lines)
    turtle = turtle_bytes.decode("utf-8")
    body = "".join(line + "\n" for line in turtle.split("\n") if line and not line.startswith("@prefix"))
    jsonld = ",\n".join(json.dumps(node, ensure_ascii=False, sort_keys=True) for node in nodes)
    if jsonld and not first:
        jsonld = ",\n" + jsonld
    plain = {
        "nquads": nquads.encode("utf-8"),
        "ntriples": ntriples,
        "turtle": body.encode("utf-8"),
        "jsonld": jsonld.encode("utf-8"),
        "csv": csv_rows,
    }
    return {kind: gzip.compress(data, compresslevel=FORMER_GZIP_LEVEL, mtime=0) for kind, data in plain.items()}


def former_jsonld_document(base: str, nodes: list[dict[str, Any]]) -> bytes:
    """jsonld.jsonld_document as it was: the whole document through json.dumps with indent=2 (Python's encoder)."""
    import json

    from publisher.rdf.jsonld import jsonld_context

    document = {"@context": jsonld_context(base), "@graph": nodes}
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def former_graph_stats(graph: FormerReportTriples) -> dict[str, Any]:
    """reportfiles.graph_stats as it was (#13), over the index of rdflib terms."""
    from rdflib import RDF, URIRef

    classes: dict[str, int] = {}
    predicates: set[str] = set()
    for statements in graph.spo.values():
        for predicate, objects in statements.items():
            predicates.add(str(predicate))
            if predicate == RDF.type:
                for cls in set(objects):
                    classes[str(cls)] = classes.get(str(cls), 0) + 1
    return {
        "triples": len(graph),
        "subjects": len(graph.spo),
        "entities": sum(1 for s in graph.spo if isinstance(s, URIRef)),
        "classes": classes,
        "predicates": sorted(predicates),
    }


def rdflib_graph_stats(graph: Any) -> dict[str, Any]:
    """reportfiles.graph_stats as it was, over an rdflib graph."""
    from rdflib import RDF, URIRef

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


def today_published_graph(state: Any, checked: Any, warnings: Any, reuse: bytes = b"") -> bytes:
    """reportfiles.published_graph as it was today (13db899): through an Oxigraph store, its dump's lines sorted."""
    import pyoxigraph as ox

    from publisher.validation.findings import quality_annotations

    iri = state.project.iris.report(checked.agency, checked.year)
    data = checked.ntriples + reuse
    if warnings:
        annotations = quality_annotations(iri, warnings, state.project.iris)
        data += annotations.serialize(format="nt", encoding="utf-8")
    memory = ox.Store()
    memory.load(data, format=ox.RdfFormat.N_TRIPLES)
    stored = memory.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert stored is not None
    return b"\n".join(sorted({line for line in stored.split(b"\n") if line})) + b"\n"


def today_jsonld_nodes(base: str, triples: Any) -> list[dict[str, Any]]:
    """jsonld.jsonld_nodes as it was today (13db899): each triple's subject and predicate compacted in turn."""
    from pyoxigraph import BlankNode
    from pyoxigraph import Literal as OxLiteral

    from publisher.rdf.jsonld import RDF_TYPE, Compactor, jsonld_context, value_order
    from publisher.rdf.ntriples import XSD_STRING

    compactor = Compactor(jsonld_context(base))
    known = compactor.cache
    nodes: dict[str, dict[str, Any]] = {}
    for subject, predicate, obj in triples:
        iri = subject.value
        sid = f"_:{iri}" if isinstance(subject, BlankNode) else known.get(iri) or compactor(iri)
        node = nodes.get(sid)
        if node is None:
            node = nodes[sid] = {"@id": sid}
        key = predicate.value
        value: Any
        if isinstance(obj, OxLiteral):
            language = obj.language
            if language:
                value = {"@language": language, "@value": obj.value}
            else:
                datatype = obj.datatype.value
                value = (
                    obj.value
                    if datatype == XSD_STRING
                    else {"@type": known.get(datatype) or compactor(datatype), "@value": obj.value}
                )
        elif isinstance(obj, BlankNode):
            value = {"@id": f"_:{obj.value}"}
        elif key == RDF_TYPE:
            key, value = "@type", known.get(obj.value) or compactor(obj.value)
        else:
            value = {"@id": known.get(obj.value) or compactor(obj.value)}
        if key != "@type":
            key = known.get(key) or compactor(key)
        values = node.get(key)
        if values is None:
            node[key] = [value]
        else:
            values.append(value)
    for node in nodes.values():
        for key, values in node.items():
            if isinstance(values, list):
                if len(values) > 1:
                    values.sort(key=value_order)
                elif key != "@type":
                    node[key] = values[0]
    return [nodes[key] for key in sorted(nodes)]


#: The corpus pieces' gzip level before this change and today (13db899).
FORMER_GZIP_LEVEL = 6


def check_report(clock: Clock, state: Any, path: Path, key: str, baselines: bool) -> Any:
    """checked.check_one, stage by stage (and the former way of each stage alongside, when `baselines`)."""
    import pyoxigraph as ox
    from pyshacl import validate as shacl_validate
    from rdflib import URIRef

    from publisher.build.checked import CheckedReport, write_cache
    from publisher.graph.reports import report_graph
    from publisher.rdf.namespaces import RDF, SH
    from publisher.rdf.ntriples import sorted_ntriples
    from publisher.records import fields as record_fields
    from publisher.records.loading import load_report

    project, checker = state.project, state.checker
    report = clock.run("read record (YAML, quotes)", lambda: load_report(path, project.registry, state.keys))
    clock.format = report.format
    if baselines:
        fast, record_fields.FAST_LOADER = record_fields.FAST_LOADER, None
        try:
            clock.run("read record (YAML, quotes)", lambda: load_report(path, project.registry, state.keys), True)
        finally:
            record_fields.FAST_LOADER = fast
    fmt = project.formats[report.format]
    graph = clock.run("report graph (rdflib)", lambda: report_graph(report, project.registry, fmt, project.iris))
    ntriples = clock.run("report N-Triples", lambda: sorted_ntriples(graph))
    if baselines:
        assert clock.run("report N-Triples", lambda: rdflib_sorted_ntriples(graph), True) == ntriples

    context = checker.context(report.format)
    context.renewed()
    agency = next(graph.objects(None, URIRef(f"{project.iris.base}/def/disclosure#agency")), None)
    extra = checker.agency_triples(agency) if isinstance(agency, URIRef) else []
    triples = [*graph, *extra]
    if baselines:  # the former way: the report into the context graph (each triple looked up), out again after
        with clock.time("context: report and context in one graph", True):
            former = [t for t in triples if t not in context.graph]
            for triple in former:
                context.graph.add(triple)
            for triple in former:
                context.graph.remove(triple)
    spare = len(triples) > len(context.triples)  # as ReportChecker.check decides for a graph given up
    if spare:  # the context into the report's graph
        with clock.time("context: report and context in one graph"):
            for triple in extra:
                graph.add(triple)
            for triple in context.triples:
                graph.add(triple)
        data, added = graph, []
    else:  # the report into the context graph (a set of the context's subjects first), out again below
        with clock.time("context: report and context in one graph"):
            added = context.missing(triples)
            for triple in added:
                context.graph.add(triple)
        data = context.graph
    try:
        assert checker.core is not None
        results = clock.run("pySHACL core shapes", lambda: checker.core.validate(data))
        if baselines:
            plain = clock.run(
                "pySHACL core shapes",
                lambda: shacl_validate(data, shacl_graph=project.validator.core, inference="none", allow_warnings=True)[
                    1
                ],
                True,
            )
            # the part of it that is keeping the shapes (the rest is the parameters looked up in a set)
            clock.run("shapes parsed once", lambda: _run_without_set(checker.core, data))
            clock.run(
                "shapes parsed once",
                lambda: shacl_validate(data, shacl_graph=project.validator.core, inference="none", allow_warnings=True),
                True,
            )
    finally:
        with clock.time("context: report and context in one graph"):
            for triple in added:
                context.graph.remove(triple)

    def findings_of(results: Any) -> list[Any]:
        return [
            project.validator.finding(results, result, report)
            for result in results.subjects(RDF.type, SH.ValidationResult)
        ]

    findings = clock.run("pySHACL results → findings", lambda: findings_of(results))
    sparql = clock.run(
        "SPARQL constraints (Oxigraph)", lambda: checker.sparql_findings(context, added, agency, report, ntriples)
    )
    if baselines:

        def former_sparql() -> list[Any]:
            data = ntriples + (checker.agency_ntriples(agency) if isinstance(agency, URIRef) else b"")
            store = ox.Store()
            store.bulk_load(context.ntriples + data, format=ox.RdfFormat.N_TRIPLES)
            found = []
            for constraint in checker.local:  # one focus query per constraint
                found += project.validator.evaluate_on([constraint], store, report)
            return found

        assert clock.run("SPARQL constraints (Oxigraph)", former_sparql, True) == sparql
        # the findings are those of pyshacl.validate, and of the build's own ReportChecker.check
        assert project.validator.outcome("", [*findings_of(plain), *sparql]).findings == (
            project.validator.outcome("", [*findings, *sparql]).findings
        )
    outcome = clock.run("outcome, cache written", lambda: project.validator.outcome(str(path), [*findings, *sparql]))
    checked = CheckedReport(key, str(path), report, ntriples, outcome.findings)
    clock.run("outcome, cache written", lambda: write_cache(state.staging, checked))
    return checked


def _run_without_set(core: Any, data: Any) -> Any:
    """CoreShapes.validate with pySHACL's list of parameters as it is (the shapes graph kept)."""
    from pyshacl import Validator as ShaclValidator
    from pyshacl.graph_abstraction import DataGraph

    validator = ShaclValidator(DataGraph.from_rdflib(data), shacl_graph=core.source, options=core.options())
    validator.shacl_graph = core.shapes_graph
    return validator.run()


def publish_report(clock: Clock, state: Any, job: Any, baselines: bool) -> None:
    """reportfiles.publish_one, stage by stage (and the former way of the stages changed, when `baselines`)."""
    import datetime as dt
    import gzip
    import hashlib
    import json
    import pickle

    from rdflib import URIRef

    from publisher.build import reportfiles
    from publisher.build.checked import read_cache
    from publisher.build.reportfiles import corpus_pieces, graph_stats, index_lines, published_triples
    from publisher.publication import downloads
    from publisher.publication.csvw import csv_columns, observation_rows, to_csv
    from publisher.publication.dcat import catalog_entry, report_dataset_graph, title_in
    from publisher.publication.schemaorg import schema_org
    from publisher.rdf.jsonld import jsonld_document, jsonld_lines, jsonld_nodes_of
    from publisher.rdf.namespaces import DCTERMS
    from publisher.rdf.ntriples import ReportTriples, sorted_ntriples
    from publisher.release.paths import CATALOG, DOWNLOADS

    project = state.project
    iris = project.iris
    checked = clock.run("cache read", lambda: read_cache(state.cache, job.key))
    report = checked.report
    clock.format = report.format
    # after: parsed, written as the store writes it and indexed, no store (published_triples)
    published = clock.run(
        "published graph (Oxigraph)", lambda: published_triples(state, checked, job.warnings, job.reuse)
    )
    ntriples = published.ntriples
    if baselines:
        assert clock.run("published graph (Oxigraph)", lambda: former_published_graph(state, checked, job.warnings),
                         True) == ntriples  # fmt: skip
        assert clock.run("published graph (Oxigraph)", lambda: today_published_graph(state, checked, job.warnings,
                         job.reuse), era="today") == ntriples  # fmt: skip
    iri = str(iris.report(report.agency, report.year))
    subject = URIRef(iri)

    def parse_once(index: Any) -> tuple[Any, Any]:
        parsed = index(ntriples) if index is not None else published  # after: parsed already
        return parsed, parsed.graph_of([subject, *parsed.objects(subject, DCTERMS.temporal)])

    parsed, head = clock.run("parsed once (ReportTriples)", lambda: parse_once(None))
    if baselines:
        former, former_head = clock.run("parsed once (ReportTriples)", lambda: parse_once(FormerReportTriples), True)
        assert set(former_head) == set(head)
        today, today_head = clock.run("parsed once (ReportTriples)", lambda: parse_once(ReportTriples), era="today")
        assert set(today_head) == set(head) and today.spo == parsed.spo
        assert [str(t) for t in today.triples] == [str(t) for t in parsed.triples]
        full = rdflib_graph(ntriples)  # not timed: what the files are compared with
    fmt = project.formats[report.format]
    data = downloads.ReportData(report, head, fmt)

    def nodes_and_lines() -> tuple[Any, Any]:  # after: from the index, each subject and predicate compacted once
        nodes = jsonld_nodes_of(parsed.spo, iris.base)
        return nodes, jsonld_lines(nodes)

    nodes, lines = clock.run("JSON-LD nodes (and lines)", nodes_and_lines)
    if baselines:  # before: the nodes only (their lines were written by the document and the corpus piece)
        assert clock.run("JSON-LD nodes (and lines)", lambda: today_jsonld_nodes(iris.base, parsed.triples),
                         True) == nodes  # fmt: skip
        assert clock.run("JSON-LD nodes (and lines)", lambda: jsonld_lines(today_jsonld_nodes(iris.base,
                         parsed.triples)), era="today") == lines  # fmt: skip
    folder = Path(job.folder) / DOWNLOADS
    files, rows = clock.run(
        "files: Turtle, JSON-LD, CSV, CSVW, source",
        lambda: downloads.write_report_files(
            folder, data, project.registry, state.labels, iris, str(state.info.licence_iri), ntriples, lines, parsed
        ),
    )
    if baselines:
        former_rows = clock.run(
            "CSV rows, graph lookups",
            lambda: observation_rows(downloads.ReportData(report, former_head, fmt), project.registry, state.labels,
                                     iris, former),
            True,
        )  # fmt: skip
        assert (
            former_rows
            == rows
            == observation_rows(downloads.ReportData(report, full, fmt), project.registry, state.labels, iris)
        )
        assert clock.run("CSV rows, graph lookups", lambda: observation_rows(
            data, project.registry, state.labels, iris, parsed
        )) == rows  # fmt: skip
        document = clock.run("JSON-LD document", lambda: jsonld_document(ntriples, iris.base, lines))
        former_document = clock.run("JSON-LD document", lambda: former_jsonld_document(iris.base, nodes), True)
        assert json.loads(document) == json.loads(former_document)  # the same JSON value, written faster

    def catalog() -> tuple[Any, ...]:
        written = {name: (kind, body, iri) for name, (kind, body) in files.items()}
        when = dt.datetime.fromisoformat(job.now.replace("Z", "+00:00"))
        entries = downloads.index_files(written, job.previous, when)
        stem = downloads.report_stem(report.agency, report.year)
        source = Path(job.folder) / "sources" / report.agency / f"{report.year}.txt"
        source.parent.mkdir(parents=True, exist_ok=True)
        source_bytes = report.source.text.encode("utf-8")
        source.write_bytes(source_bytes)
        described = [f for f in entries if f.kind != "csvw"]
        dataset = report_dataset_graph(state.inputs, data, described)
        dataset_bytes = sorted_ntriples(dataset)
        (Path(job.folder) / CATALOG / "datasets" / f"{stem}.nt").write_bytes(dataset_bytes)
        schema = schema_org(dataset, subject, state.inputs, data)
        schema_bytes = (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        (Path(job.folder) / CATALOG / "schemaorg" / f"{stem}.json").write_bytes(schema_bytes)
        title = (title_in(head, subject, "zh"), title_in(head, subject, "en"))
        entry = catalog_entry(stem, subject, title, described, report.agency, report.year)
        return entries, stem, dataset_bytes, entry

    entries, stem, dataset_bytes, entry = clock.run("catalog entry, DCAT, schema.org", catalog)
    if baselines:  # the head graph is all the catalog entry reads of the report
        described = [f for f in entries if f.kind != "csvw"]
        full_data = downloads.ReportData(report, full, fmt)
        assert sorted_ntriples(report_dataset_graph(state.inputs, full_data, described)) == dataset_bytes
    columns = csv_columns(sorted({d.record_key for f in project.formats.values() for d in f.dimensions}))
    csv_rows = clock.run("corpus pieces (gzip)", lambda: to_csv(rows, columns).split(b"\r\n", 1)[1])
    turtle = files[f"{stem}.ttl"][1]
    pieces = clock.run(
        "corpus pieces (gzip)", lambda: corpus_pieces(ntriples, iri, iris.base, csv_rows, False, lines, turtle)
    )
    if baselines:  # before: the JSON-LD lines written again
        again = clock.run(
            "corpus pieces (gzip)",
            lambda: former_corpus_pieces(ntriples, iri, csv_rows, False, nodes, turtle),
            True,
        )
        member = reportfiles.gzip_member  # today: zlib's gzip at level 6
        reportfiles.gzip_member = lambda data: gzip.compress(data, compresslevel=FORMER_GZIP_LEVEL, mtime=0)
        try:
            today_pieces = clock.run(
                "corpus pieces (gzip)",
                lambda: corpus_pieces(ntriples, iri, iris.base, csv_rows, False, lines, turtle),
                era="today",
            )
        finally:
            reportfiles.gzip_member = member
        assert again == today_pieces
        assert {k: gzip.decompress(v) for k, v in again.items()} == {k: gzip.decompress(v) for k, v in pieces.items()}
    stats = clock.run("VoID statistics", lambda: graph_stats(parsed))
    if baselines:
        assert clock.run("VoID statistics", lambda: former_graph_stats(former), True) == stats
        assert rdflib_graph_stats(full) == stats

    def keep() -> None:
        path = state.cache / "pieces" / f"{checked.key}.pickle"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps({"pieces": pieces, "stats": stats}, protocol=pickle.HIGHEST_PROTOCOL))
        block = index_lines(entries)
        digest = hashlib.sha256()
        for part in (block, dataset_bytes):
            digest.update(hashlib.sha256(part).digest())
        json.dumps(entry, ensure_ascii=False).encode("utf-8")

    clock.run("pieces kept, index lines", keep)


CHECK_STAGES = (
    "read record (YAML, quotes)",
    "report graph (rdflib)",
    "report N-Triples",
    "context: report and context in one graph",
    "pySHACL core shapes",
    "  of which: shapes parsed once",
    "pySHACL results → findings",
    "SPARQL constraints (Oxigraph)",
    "outcome, cache written",
    "garbage collection",
)
FILE_STAGES = (
    "cache read",
    "published graph (Oxigraph)",
    "parsed once (ReportTriples)",
    "JSON-LD nodes (and lines)",
    "files: Turtle, JSON-LD, CSV, CSVW, source",
    "  of which: CSV rows, graph lookups",
    "  of which: JSON-LD document",
    "catalog entry, DCAT, schema.org",
    "corpus pieces (gzip)",
    "VoID statistics",
    "pieces kept, index lines",
    "garbage collection (files)",
)
#: Parts of the stage above them: not added to the total (their "before", if their stage has none, is).
NOT_SUMMED = {"  of which: shapes parsed once", "  of which: CSV rows, graph lookups", "  of which: JSON-LD document"}
PART_OF_UNCHANGED = {"  of which: CSV rows, graph lookups", "  of which: JSON-LD document"}


def table(
    clock: Clock, counts: dict[str, int], rounds: int, stages: tuple[str, ...], title: str, era: str = "before"
) -> None:
    """Per stage: ms CPU per report now (least of the rounds), in the era compared with (before or today), ratio;
    per format and overall. A stage not measured in that era counts as it is now."""
    formats = sorted(counts)
    total_reports = sum(counts.values())

    def per_report(by_round: dict[int, dict[str, float]], fmt: str | None) -> float | None:
        if not by_round:
            return None
        values = []
        for r in range(rounds):
            spent = by_round.get(r, {})
            if fmt is None:
                values.append(sum(spent.values()) / total_reports)
            else:
                values.append(spent.get(fmt, 0.0) / counts[fmt])
        return min(values) * 1000

    head = f"{'stage (ms CPU per report)':44}" + "".join(f"{f[:22]:>24}" for f in formats) + f"{'all formats':>24}"
    print(f"\n{title}\n{head}")
    totals = {f: [0.0, 0.0] for f in [*formats, None]}
    for name in stages:
        key = name.removeprefix("  of which: ")
        stage = clock.stages.get(key)
        if stage is None:
            continue
        cells = []
        for fmt in [*formats, None]:
            after = per_report(stage.after, fmt)
            before = per_report(getattr(stage, era), fmt)
            if name not in NOT_SUMMED and after is not None:
                totals[fmt][0] += after
                totals[fmt][1] += before if before is not None else after
            elif name in PART_OF_UNCHANGED and after is not None and before is not None:
                totals[fmt][1] += before - after
            if before is None:
                cells.append(f"{after:>24.2f}" if after is not None else f"{'':>24}")
            else:
                ratio = before / after if after else math.inf
                cells.append(f"{f'{before:.2f} → {after:.2f} ({ratio:.1f}×)':>24}")
        print(f"{name:44}" + "".join(cells))
    cells = []
    for fmt in [*formats, None]:
        after, before = totals[fmt]
        cells.append(f"{f'{before:.1f} → {after:.1f} ({before / after:.2f}×)':>24}")
    print(f"{'total':44}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100, help="about this many reports (whole agencies × years)")
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the reports; the least of each is shown")
    parser.add_argument("--data", type=Path, help="a data folder to read instead of a synthetic corpus")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--stages", choices=("all", "files"), default="all", help="files: time the publishing stages only"
    )
    args = parser.parse_args()

    from publisher.build import workerstate
    from publisher.build.checked import check_one
    from publisher.build.pool import BATCH
    from publisher.build.reportfiles import PublishJob, publish_one
    from publisher.records.loading import find_records
    from publisher.settings import load_settings

    folder = Path(tempfile.mkdtemp(prefix="report-cost-"))
    try:
        data = args.data or generate(folder, args.reports, args.seed)
        settings = load_settings({"base_iri": BASE, "data_dir": data, "build_dir": folder / "build"}, environ={})
        cache = folder / "cache"
        start = time.process_time()
        state = workerstate.start(dict(settings.values), cache, cache)
        _ = state.project, state.checker, state.labels, state.inputs, state.info
        print(f"project loaded in {time.process_time() - start:.2f} s CPU (not counted below)")
        release = folder / "release"
        for sub in ("downloads", "catalog/datasets", "catalog/schemaorg", "sources"):
            (release / sub).mkdir(parents=True, exist_ok=True)
        paths = find_records(data)
        jobs: dict[Path, Any] = {}
        warm: dict[str, Path] = {}
        for i, path in enumerate(paths):  # warm up: one report of each format (contexts, caches, pySHACL)
            checked = check_one(state, path, f"{i:06d}")
            warnings = [f for f in checked.findings if f.severity == "warning"]
            jobs[path] = PublishJob(checked.key, warnings, {}, "2026-01-01T00:00:00Z", str(release))
            if checked.report.format not in warm:
                warm[checked.report.format] = path
                publish_one(state, jobs[path])
        counts: dict[str, int] = defaultdict(int)
        for path in paths:
            counts[state.project.formats[_format_of(state, path)].slug] += 1
        print("reports by format: " + ", ".join(f"{f} {n}" for f, n in sorted(counts.items())))

        clock = Clock()
        state.settles = True  # measured as a pool's worker process: see workerstate.WorkerState.settle
        whole: dict[tuple[str, bool], list[float]] = defaultdict(list)
        for r in range(args.rounds):
            clock.round = r
            # Stage by stage: what the worker loaded frozen (settle), Python's cyclic garbage collector held
            # off and run after each report, timed as a stage of its own (its pauses would otherwise land in
            # whichever stage happens to set them off).
            state._settled = ()
            state.settle()
            gc.disable()
            try:
                for i, path in enumerate(paths):
                    if args.stages == "files":
                        check_one(state, path, f"{i:06d}")
                        continue
                    check_report(clock, state, path, f"{i:06d}", baselines=True)
                    clock.run("garbage collection", gc.collect)
                for path in paths:
                    publish_report(clock, state, jobs[path], baselines=True)
                    clock.run("garbage collection (files)", gc.collect)
            finally:
                gc.enable()
            # The workers' functions whole, as a pool's worker runs them in batches: with nothing frozen (as
            # before), then settled after each batch.
            for settled in (False, True):
                gc.unfreeze()
                gc.collect()
                state._settled = ()
                state.settles = settled
                for name, run in (
                    ("check_one", lambda i, path: check_one(state, path, f"{i:06d}")),
                    ("publish_one", lambda i, path: publish_one(state, jobs[path])),
                ):
                    start = time.process_time()
                    for i, path in enumerate(paths):
                        run(i, path)
                        if i % BATCH == BATCH - 1:
                            state.settle()
                    whole[(name, settled)].append((time.process_time() - start) / len(paths) * 1000)
            state.settles = True
            print(f"round {r + 1}/{args.rounds} done")

        if args.stages == "all":
            table(clock, counts, args.rounds, CHECK_STAGES, "Checking a report (checked.check_one), stage by stage")
        table(clock, counts, args.rounds, FILE_STAGES, "Publishing a report (reportfiles.publish_one), stage by stage")
        table(
            clock, counts, args.rounds, FILE_STAGES,
            "Publishing a report, today (13db899: a store per report, parsed again, JSON-LD a triple at a time, "
            "gzip level 6) → now",
            "today",
        )  # fmt: skip
        print(
            "\nThe workers' functions whole, in batches (ms CPU per report, all formats, least of the rounds):"
            "\nwhat the worker loaded left in Python's garbage collections → frozen after each batch that loads"
        )
        totals = [0.0, 0.0]
        for name in ("check_one", "publish_one"):
            before, after = min(whole[(name, False)]), min(whole[(name, True)])
            totals[0] += before
            totals[1] += after
            print(f"  {name:12} {before:8.1f} → {after:.1f} ({before / after:.2f}×)")
        before, after = totals
        print(f"  {'both':12} {before:8.1f} → {after:.1f} ({before / after:.2f}×)")
        each = after * 10_000 / 2 / 1000
        print(f"  10,000 reports like these on 2 cores: {each:.0f} s of CPU for each core (budget: 180 s)")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _format_of(state: Any, path: Path) -> str:
    from publisher.records.loading import load_report

    return load_report(path, state.project.registry, state.keys).format


if __name__ == "__main__":
    main()
