"""One report's files, written in a build process: its published graph, downloads, catalog entry and corpus pieces.

publish_one   a checked report (publisher.build.checked) and its warnings → the graph
              as the store holds it (with DQV annotations) → its downloads, its catalog
              entry and schema.org description, its source text (and a PDF's or a page's
              original), and its pieces of the corpus dumps (kept in the cache, spliced
              into the dumps by publisher.build.releasefiles)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import pickle
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from isal import igzip
from rdflib import URIRef

from publisher.build.checked import CheckedReport, read_cache
from publisher.build.workerstate import WorkerState
from publisher.errors import SourceError
from publisher.publication import downloads
from publisher.publication.csvw import csv_columns, to_csv
from publisher.publication.dcat import catalog_entry, report_dataset_graph, title_in
from publisher.publication.schemaorg import schema_org
from publisher.rdf.jsonld import jsonld_lines, jsonld_nodes, jsonld_nodes_of
from publisher.rdf.namespaces import DCTERMS, RDF, XSD
from publisher.rdf.ntriples import OxTerm, ReportTriples, sorted_ntriples
from publisher.rdf.turtle import to_turtle
from publisher.records.model import Report
from publisher.records.sources import FILE_SUFFIXES
from publisher.release.paths import (
    CACHE_PIECES,
    CATALOG_DATASETS,
    CATALOG_SCHEMAORG,
    DOWNLOADS,
    ORIGINAL_SUFFIXES,
    source_original,
    source_text,
)
from publisher.validation.findings import Finding, quality_annotations

#: The corpus dumps' gzip members are written by ISA-L (`isal.igzip`, PSF-2.0; ISA-L BSD-3-Clause) at this level
#: (of 0–3): for a national report's pieces 1.3 ms against zlib's 7 ms at level 3 and 18 ms at level 6, the
#: members a half larger than at zlib's level 6 (benchmarks/report_cost.py). Any gzip reader reads them.
GZIP_LEVEL = 2
#: rdf:type as a plain string, to compare with Oxigraph's predicate IRIs.
RDF_TYPE = str(RDF.type)


@dataclass
class PublishJob:
    """A report to write: its checked report in the cache, its warnings, its previous files, the time, the release."""

    key: str  # of the checked report in the cache
    warnings: list[Finding]
    previous: dict[str, downloads.DownloadFile]
    now: str
    folder: str  # the release folder
    reuse: bytes = b""  # its text-reuse measurement as N-Triples (publisher.build.textreuse), if it has one


@dataclass
class ReportFiles:
    """What a worker made for one report: its files, catalog entry and the pieces of the corpus dumps."""

    key: str
    graph_sha: str
    triples: int
    files: list[downloads.DownloadFile]
    entry: dict[str, Any]
    pieces: str  # cache file holding the gzip members of this report for each corpus dump, and `stats`
    stats: dict[str, Any]  # for VoID: triples, subjects, classes (entities each), predicates
    files_id: str = ""  # digest of every file written for the report: the same id, the same files
    index_block: bytes = b""  # its entries of downloads/index.json (one JSON object a line)
    catalog_block: bytes = b""  # its entry of catalog/index.json

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(f.name for f in self.files))


def published_graph(
    state: WorkerState, checked: CheckedReport, warnings: Sequence[Finding], reuse: bytes = b""
) -> bytes:
    """The report's graph with its quality annotations and text reuse, as the store holds it (sorted N-Triples)."""
    return published_triples(state, checked, warnings, reuse).ntriples


def published_triples(
    state: WorkerState, checked: CheckedReport, warnings: Sequence[Finding], reuse: bytes = b""
) -> ReportTriples:
    """The report's published graph (`published_graph`) and its triples, parsed once, in the order of its lines.

    What the store holds of a report is its triples parsed by Oxigraph, some typed literals
    in their canonical form (`STORED_LITERALS`), each triple once; the store writes them
    with Oxigraph's N-Triples serialiser. The same is done here without a store: parsed,
    those literals replaced, written by the same serialiser, the lines sorted as bytes
    (UTF-8 sorts bytewise as its text sorts by code point) and each kept once.
    """
    iri = state.project.iris.report(checked.agency, checked.year)
    parts = [checked.ntriples, reuse] if reuse else [checked.ntriples]
    if warnings:
        annotations = quality_annotations(iri, warnings, state.project.iris)
        parts.append(annotations.serialize(format="nt", encoding="utf-8"))
    # Each part's lines are sorted (the annotations' nearly so): their lines sorted together, the graph's written
    # lines mostly come out sorted too (`index_with_literals` holds in that order), else they are sorted below.
    if len(parts) == 1:
        data = parts[0]
    else:
        lines = b"\n".join(parts).split(b"\n")  # one triple a line (a literal's line breaks are escaped)
        lines.sort()  # the empty lines first, read as nothing
        data = b"\n".join(lines) + b"\n"
    # lenient: IRIs and language tags are not validated again (a third of the parse): the report's graph was
    # written by the publisher's own serialisers and parsed by Oxigraph when it was checked, as the store's bulk
    # load reads it (publisher.build.bulkstore); a language tag is lower-cased all the same
    triples = [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES, lenient=True)]
    spo, literals = index_with_literals(triples)
    STORED_LITERALS.replace(triples, literals)
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    assert text is not None
    lines = text.split(b"\n")[:-1]  # one line a triple (a literal's line breaks are escaped), each ending "\n"
    if lines and all(line < after for line, after in itertools.pairwise(lines)):
        return ReportTriples(text, triples, spo)  # sorted and each once already: mostly so
    unique = dict(zip(lines, triples, strict=True))
    order = sorted(unique)
    return ReportTriples(b"\n".join(order) + b"\n", [unique[line] for line in order])


def index_with_literals(
    triples: Sequence[ox.Triple],
) -> tuple[dict[str, dict[str, list[OxTerm]]], list[IndexedLiteral]]:
    """`ntriples.index_triples` of the triples, and where each literal object is in them and in the index.

    The same index (`ReportTriples.spo`), made in the same pass as the literals are found (a triple's
    terms are made anew each time they are read), for `StoredLiterals.replace`.
    """
    spo: dict[str, dict[str, list[OxTerm]]] = {}
    names: dict[ox.NamedNode, str] = {}  # a predicate's IRI, made once
    literals: list[IndexedLiteral] = []
    literal = ox.Literal
    last: object = None
    statements: dict[str, list[OxTerm]] = {}
    for i, (subject, predicate, obj) in enumerate(triples):
        if subject != last:  # sorted N-Triples: a subject's triples are together
            last = subject
            name = subject.value if type(subject) is ox.NamedNode else f"_:{subject.value}"
            statements = spo.get(name) or spo.setdefault(name, {})
        iri = names.get(predicate)
        if iri is None:
            iri = names[predicate] = predicate.value
        objects = statements.get(iri)
        if objects is None:
            objects = statements[iri] = [obj]
        else:
            objects.append(obj)
        if type(obj) is literal:
            literals.append((obj, i, objects, len(objects) - 1))
    return spo, literals


#: A literal object of a report's triples: the literal, its triple's position, its list of objects in the
#: index (`ReportTriples.spo`) and its position there.
IndexedLiteral = tuple[ox.Literal, int, list[OxTerm], int]


class StoredLiterals:
    """Typed literals as an Oxigraph store gives them back, remembered by the process.

    The store keeps a literal of xsd:integer, xsd:decimal, xsd:date, xsd:boolean… as its
    value, and writes it back in the datatype's canonical form ("01"^^xsd:integer → "1",
    "3.50"^^xsd:decimal → "3.5"). Each typed literal not seen before (other than
    xsd:string) is put through a small store once; a report's graph mostly repeats
    literals seen in the reports before it.
    """

    #: How many literals are remembered at most (then forgotten, and learnt again as met).
    LIMIT = 200_000

    def __init__(self) -> None:
        self.known: dict[ox.Literal, ox.Literal] = {}

    def stored(self, triples: list[ox.Triple]) -> list[ox.Triple]:
        """The triples with their typed literals as the store gives them back (replaced in the list given)."""
        literal = ox.Literal  # the objects only: unpacking a triple makes three terms
        objects = cast("list[OxTerm]", [triple.object for triple in triples])
        self.replace(triples, [(o, i, objects, i) for i, o in enumerate(objects) if type(o) is literal])
        return triples

    def replace(self, triples: list[ox.Triple], literals: Sequence[IndexedLiteral]) -> None:
        """Each typed literal as the store gives it back, in the triples and in the list of objects it is in."""
        known = self.known
        new = {o: None for o, *_ in literals if o not in known and o.language is None and o.datatype != XSD_STRING}
        if new:
            if len(known) + len(new) > self.LIMIT:  # a process's memory is not the corpus's literals
                known.clear()
                new = {o: None for o, *_ in literals if o.language is None and o.datatype != XSD_STRING}
            self.learn(list(new))
        for obj, i, objects, position in literals:
            stored = known.get(obj)
            if stored is not None and stored != obj:
                triple = triples[i]
                triples[i] = ox.Triple(triple.subject, triple.predicate, stored)
                objects[position] = stored

    def learn(self, literals: list[ox.Literal]) -> None:
        """Put the literals through a store, each as the object of its own subject, and remember what it gives back."""
        store = ox.Store()
        store.extend(ox.Quad(ox.NamedNode(f"urn:x-literal:{i}"), STORED, literal) for i, literal in enumerate(literals))
        for quad in store.quads_for_pattern(None, STORED, None):
            assert isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal)
            self.known[literals[int(quad.subject.value.rpartition(":")[2])]] = quad.object


#: The predicate `StoredLiterals.learn` stores its literals with.
STORED = ox.NamedNode("urn:x-literal:value")
#: xsd:string, a typed literal the store keeps as it is.
XSD_STRING = ox.NamedNode(str(XSD.string))
#: The typed literals this process has put through a store (`published_triples`).
STORED_LITERALS = StoredLiterals()


def publish_one(state: WorkerState, job: PublishJob) -> ReportFiles:
    """Write one report's downloads and catalog entry into the release; keep its corpus pieces in the cache.

    The report's graph is parsed once, by Oxigraph, and written as the store writes it
    (`published_triples`, no store made): its Turtle (Oxigraph's serialiser), JSON-LD (from
    the triples indexed by subject, `ReportTriples.spo`), CSV rows, statistics and corpus
    pieces are made from the parsed triples, and the catalog entry from an rdflib graph of
    the report's own statements and its period's (all that `dcat.report_dataset_graph`
    reads of it). No rdflib graph of the whole report is made.
    """
    project = state.project
    checked = read_cache(state.cache, job.key)
    if checked is None:
        raise SourceError(job.key, "the build cache lost this report; delete the build's cache folder and build again")
    iris, report = project.iris, checked.report
    parsed = published_triples(state, checked, job.warnings, job.reuse)
    ntriples = parsed.ntriples
    graph_sha = hashlib.sha256(ntriples).hexdigest()
    iri = str(iris.report(report.agency, report.year))
    subject = URIRef(iri)
    head = parsed.graph_of([subject, *parsed.objects(subject, DCTERMS.temporal)])
    fmt = project.formats[report.format]
    data = downloads.ReportData(report, head, fmt)
    folder = Path(job.folder) / DOWNLOADS
    lines = jsonld_lines(jsonld_nodes_of(parsed.spo, iris.base))
    files, rows = downloads.write_report_files(
        folder, data, project.registry, state.labels, iris, str(state.info.licence_iri), ntriples, lines, parsed
    )
    written = {name: (kind, body, iri) for name, (kind, body) in files.items()}
    stem = downloads.report_stem(report.agency, report.year)
    now = dt.datetime.fromisoformat(job.now.replace("Z", "+00:00"))
    entries = downloads.index_files(written, job.previous, now, {f"{stem}.nt": graph_sha})  # its N-Triples'
    source = source_text(Path(job.folder), report.agency, report.year)
    source.parent.mkdir(parents=True, exist_ok=True)
    source_bytes = report.source.text.encode("utf-8")
    source.write_bytes(source_bytes)
    originals = _write_original(Path(job.folder), report)
    described = [f for f in entries if f.kind != "csvw"]
    dataset = report_dataset_graph(state.inputs, data, described)
    dataset_bytes = sorted_ntriples(dataset)
    (Path(job.folder) / CATALOG_DATASETS / f"{stem}.nt").write_bytes(dataset_bytes)
    schema = schema_org(dataset, subject, state.inputs, data)
    schema_bytes = (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    (Path(job.folder) / CATALOG_SCHEMAORG / f"{stem}.json").write_bytes(schema_bytes)
    title = (title_in(head, subject, "zh"), title_in(head, subject, "en"))
    entry = catalog_entry(stem, subject, title, described, report.agency, report.year)
    # the corpus CSV has the columns of every format's dimensions (publisher.build.releasefiles writes its header)
    columns = csv_columns(sorted({d.record_key for f in project.formats.values() for d in f.dimensions}))
    csv_rows = to_csv(rows, columns).split(b"\r\n", 1)[1]
    turtle = files[f"{stem}.ttl"][1]
    pieces = corpus_pieces(ntriples, iri, iris.base, csv_rows, False, lines, turtle)
    stats = graph_stats(parsed)
    pieces_path = state.cache / CACHE_PIECES / graph_sha[:2] / f"{graph_sha}-{checked.key[:16]}.pickle"
    pieces_path.parent.mkdir(parents=True, exist_ok=True)
    pieces_path.write_bytes(pickle.dumps({"pieces": pieces, "stats": stats}, protocol=pickle.HIGHEST_PROTOCOL))
    index_block = index_lines(entries)
    files_id = hashlib.sha256()
    for part in (index_block, dataset_bytes, schema_bytes, source_bytes, *originals):
        files_id.update(hashlib.sha256(part).digest())
    return ReportFiles(
        checked.key, graph_sha, len(parsed), entries, entry, str(pieces_path), stats,
        files_id.hexdigest(), index_block, json.dumps(entry, ensure_ascii=False).encode("utf-8"),
    )  # fmt: skip


def _write_original(folder: Path, report: Report) -> tuple[bytes, ...]:
    """Keep a PDF or a page as published beside its text rendition; returns what was written (nothing for text)."""
    suffix = FILE_SUFFIXES[report.source.media_type]
    if suffix not in ORIGINAL_SUFFIXES:
        return ()
    original = report.source.path.read_bytes()
    source_original(folder, report.agency, report.year, suffix).write_bytes(original)
    return (original,)


def index_lines(files: Sequence[downloads.DownloadFile]) -> bytes:
    """Entries of downloads/index.json, by name, one JSON object a line (joined by ",\\n" as the file joins them)."""
    ordered = sorted(files, key=lambda f: f.name)
    return ",\n".join(json.dumps(asdict(f), ensure_ascii=False) for f in ordered).encode("utf-8")


def read_pieces(path: str) -> tuple[dict[str, bytes], dict[str, Any]]:
    """A report's pieces of each corpus dump and its VoID statistics, as `publish_one` kept them."""
    data = pickle.loads(Path(path).read_bytes())
    return data["pieces"], data["stats"]


def graph_stats(graph: ReportTriples) -> dict[str, Any]:
    """A report graph's VoID statistics (its subjects are its own: report graphs share none)."""
    classes: dict[str, int] = {}
    predicates: set[str] = set()
    for statements in graph.spo.values():
        predicates.update(statements)  # its predicates' IRIs, the keys
        types = statements.get(RDF_TYPE)
        if types is not None:
            for cls in set(types):
                classes[cls.value] = classes.get(cls.value, 0) + 1
    return {
        "triples": len(graph),
        "subjects": len(graph.spo),
        "entities": sum(1 for s in graph.spo if not s.startswith("_:")),
        "classes": classes,
        "predicates": sorted(predicates),
    }


def turtle_body(turtle: bytes) -> bytes:
    """Turtle without its @prefix lines and empty lines (the corpus dump has one block of prefixes, its head)."""
    start = 0
    while turtle.startswith(b"@prefix", start):  # Oxigraph writes the prefixes first, then the triples
        start = turtle.index(b"\n", start) + 1
    body = turtle[start:].lstrip(b"\n")
    if (body.endswith(b"\n") or not body) and b"\n\n" not in body and b"\n@prefix" not in body:
        return body
    return b"".join(line + b"\n" for line in turtle.split(b"\n") if line and not line.startswith(b"@prefix"))


def corpus_pieces(
    ntriples: bytes,
    graph: str,
    base: str,
    csv_rows: bytes,
    first: bool,
    node_lines: Sequence[str] | None = None,
    turtle_bytes: bytes | None = None,
) -> dict[str, bytes]:
    """A graph's part of each corpus dump, each a gzip member (gzip files concatenate).

    `node_lines` (its JSON-LD node objects, `jsonld_lines`) and `turtle_bytes` (its Turtle): when the caller has them.
    """
    # Oxigraph writes each triple as one line ending " ." (a literal's line breaks are escaped)
    nquads = ntriples.replace(b" .\n", f" <{graph}> .\n".encode())
    turtle = to_turtle(ntriples, base) if turtle_bytes is None else turtle_bytes
    body = turtle_body(turtle)
    node_lines = jsonld_lines(jsonld_nodes(ntriples, base)) if node_lines is None else node_lines
    jsonld = ",\n".join(node_lines)
    if jsonld and not first:
        jsonld = ",\n" + jsonld
    plain = {
        "nquads": nquads,
        "ntriples": ntriples,
        "turtle": body,
        "jsonld": jsonld.encode("utf-8"),
        "csv": csv_rows,
    }
    return {kind: gzip_member(data) for kind, data in plain.items()}


def gzip_member(data: bytes) -> bytes:
    """Data as one gzip member of a corpus dump (members concatenate: a gzip file may hold several)."""
    return igzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
