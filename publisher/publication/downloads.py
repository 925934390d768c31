"""Downloads: the files people take away, written at build time into the release.

    {release}/downloads/{agency}-{year}.ttl                 the report's graph, Turtle
    {release}/downloads/{agency}-{year}.jsonld              the same, JSON-LD (context inline)
    {release}/downloads/{agency}-{year}.nt                  the same, N-Triples (sorted lines)
    {release}/downloads/{agency}-{year}.csv                 one row per cell, blank cells included (tidy)
    {release}/downloads/{agency}-{year}.csv-metadata.json   its CSVW metadata
    {release}/downloads/{agency}-{year}.source.txt          the source as text: a text source byte for byte; a
                                                            PDF's or a page's text rendition (UTF-8), what quotes
                                                            and offsets refer to
    {release}/downloads/{agency}-{year}.source.pdf          a source that is a PDF, as published
    {release}/downloads/{agency}-{year}.source.html         a source that is a web page, as published
    {release}/downloads/corpus.nq.gz                        every named graph of the store
    {release}/downloads/corpus.{ttl,nt,jsonld,csv}.gz       the corpus in each format
    {release}/downloads/index.json                          size, SHA-256, dates of each file

Files are written before the release is published, so the atomic switch of
`current` covers them and every size and checksum in the catalog is that of the
bytes served. The output is deterministic where the data is (sorted triples,
sorted JSON, gzip without a timestamp), so an unchanged report keeps its bytes,
checksum and `modified` date from one build to the next: `index.json` carries
`issued` (first published) and `modified` (bytes last changed) forward from the
previous release.

What the files hold is written elsewhere: the RDF by publisher.rdf (ntriples, turtle,
jsonld), the CSV and its CSVW metadata by publisher.publication.csvw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from publisher.graph.formats import Format
from publisher.publication.csvw import csv_columns, csvw_metadata, observation_rows, to_csv
from publisher.rdf.iris import Iris
from publisher.rdf.jsonld import jsonld_document, jsonld_lines, jsonld_nodes
from publisher.rdf.mediatypes import FILE_BY_NAME, media_type_of
from publisher.rdf.ntriples import ReportTriples, sorted_ntriples
from publisher.rdf.turtle import to_turtle
from publisher.records.model import Registry, Report
from publisher.records.sources import FILE_SUFFIXES
from publisher.release.paths import DOWNLOADS_INDEX, ORIGINAL_SUFFIXES

#: The stem of the corpus dumps' names (corpus.nq.gz …) and of the corpus dataset's.
CORPUS = "corpus"
#: The download kind of a source kept as published beside its text ("source"), by its suffix: source-pdf, source-html.
ORIGINAL_KINDS = {suffix: f"source-{suffix}" for suffix in ORIGINAL_SUFFIXES}


@dataclass(frozen=True)
class DownloadFile:
    """One file under {release}/downloads, as the catalog describes it."""

    name: str  # file name, also the last segment of its URL
    kind: str  # turtle, jsonld, ntriples, csv, csvw, source, source-pdf, source-html, nquads
    media_type: str  # of the content (of the uncompressed content when compressed)
    compressed: bool  # gzip
    size: int
    sha256: str
    issued: str  # ISO 8601 UTC: first published with these or earlier bytes
    modified: str  # ISO 8601 UTC: these bytes first published
    dataset: str  # the IRI of the dataset it is a distribution of

    @property
    def served_type(self) -> str:
        """The Content-Type the file is served with."""
        return FILE_BY_NAME["gzip"].media_type if self.compressed else self.media_type


@dataclass(frozen=True)
class ReportData:
    """What the downloads of one report are made from."""

    report: Report
    graph: Graph
    fmt: Format


# ---------------------------------------------------------------------------
# Writing a report's files
# ---------------------------------------------------------------------------


def report_stem(agency: str, year: int) -> str:
    """The name of a report's files before their extensions: {agency}-{year}."""
    return f"{agency}-{year}"


def write_report_files(
    downloads: Path,
    data: ReportData,
    registry: Registry,
    labels: Graph,
    iris: Iris,
    licence: str,
    ntriples: bytes | None = None,
    lines: Sequence[str] | None = None,
    parsed: ReportTriples | None = None,
) -> tuple[dict[str, tuple[str, bytes]], list[dict[str, str]]]:
    """Write one report's files; returns name → (kind, bytes), and the CSV's rows.

    `ntriples` (the graph as sorted N-Triples), `lines` (its JSON-LD node objects, as
    `jsonld.jsonld_lines` writes them) and `parsed` (the same N-Triples parsed: its files
    are then made from it, not from `data.graph`) may be given when the caller has them
    already. The RDF files are written by Oxigraph's serialisers (Turtle, N-Triples) or
    from Oxigraph's parsed terms (JSON-LD); rdflib only looks up the few terms the CSV
    rows read.
    """
    stem = report_stem(data.report.agency, data.report.year)
    if parsed is not None:
        ntriples = parsed.ntriples
    elif ntriples is None:
        ntriples = sorted_ntriples(data.graph)
    triples = parsed.triples if parsed is not None else None
    lines = jsonld_lines(jsonld_nodes(ntriples, iris.base, triples)) if lines is None else lines
    rows = observation_rows(data, registry, labels, iris, parsed)
    files = {
        f"{stem}.ttl": ("turtle", to_turtle(ntriples, iris.base, triples)),
        f"{stem}.jsonld": ("jsonld", jsonld_document(ntriples, iris.base, lines)),
        f"{stem}.nt": ("ntriples", ntriples),
        f"{stem}.csv": ("csv", to_csv(rows, csv_columns(d.record_key for d in data.fmt.dimensions))),
        f"{stem}.csv-metadata.json": ("csvw", csvw_metadata(data, f"{stem}.csv", iris, licence)),
        f"{stem}.source.txt": ("source", source_as_text(data.report)),
    }
    suffix = FILE_SUFFIXES[data.report.source.media_type]
    if suffix in ORIGINAL_KINDS:
        files[f"{stem}.source.{suffix}"] = (ORIGINAL_KINDS[suffix], data.report.source.path.read_bytes())
    for name, (_kind, body) in files.items():
        (downloads / name).write_bytes(body)
    return files, rows


def source_as_text(report: Report) -> bytes:
    """The source as a text download: a text source as published; a PDF's or a page's text rendition, UTF-8.

    The rendition is what the record's quotes and offsets refer to (a saved page's
    article only), the text served at /id/report/{agency}/{year}/source.txt; the PDF or
    the page itself is a download of its own (`ORIGINAL_KINDS`).
    """
    if report.source.media_type == FILE_BY_NAME["text"].media_type:
        return report.source.path.read_bytes()
    return report.source.text.encode("utf-8")


# ---------------------------------------------------------------------------
# The index that carries dates across builds
# ---------------------------------------------------------------------------


def read_index(release: Path | None) -> dict[str, DownloadFile]:
    """The download index of a release (empty when there is none)."""
    if release is None:
        return {}
    path = release / DOWNLOADS_INDEX
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {e["name"]: DownloadFile(**e) for e in entries}


def index_files(
    written: Mapping[str, tuple[str, bytes, str]],
    previous: Mapping[str, DownloadFile],
    now: dt.datetime,
    digests: Mapping[str, str] | None = None,
) -> list[DownloadFile]:
    """Describe each written file (name → kind, bytes, dataset); dates carried over when bytes are unchanged.

    `digests`: the SHA-256 (hex) of some of the files by name, when the caller has taken it already.
    """
    stamp = now.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    known = digests or {}
    files = []
    for name, (kind, body, dataset) in sorted(written.items()):
        sha = known.get(name) or hashlib.sha256(body).hexdigest()
        before = previous.get(name)
        issued = before.issued if before else stamp
        modified = before.modified if before and before.sha256 == sha else stamp
        compressed = name.endswith(".gz")
        media_type = media_type_of(name[: -len(".gz")] if compressed else name)
        if kind == "source":
            media_type = FILE_BY_NAME["text"].media_type
        files.append(DownloadFile(name, kind, media_type, compressed, len(body), sha, issued, modified, dataset))
    return files
