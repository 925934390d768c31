"""What build workers do: check one record, write one report's files; and the pool that runs them.

A worker is a process started with `spawn` (nothing shared by fork) that loads the
project once — ontology, formats, registry, shapes and a `checking.ReportChecker` —
and then takes batches of records or reports:

    check_one     record → Report → graph → validation (one report per call); the
                  result (`CheckedReport`) is kept in the cache under the record's key
    publish_one   a checked report and its warnings → the graph as the store holds it
                  (with DQV annotations) → its downloads, its catalog entry and
                  schema.org description, and its pieces of the corpus dumps

What a worker has loaded lives as long as it does: after a batch that loaded something,
it is frozen out of Python's garbage collections (`_WorkerState.settle`). With few
records (or one core) the same functions run in the calling process, which freezes
nothing.
"""

from __future__ import annotations

import datetime as dt
import gc
import gzip
import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from functools import cached_property
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from publisher import downloads
from publisher.catalog import CATALOG, CatalogInfo, load_catalog_info
from publisher.dcat import CatalogInputs, report_dataset_graph, schema_org
from publisher.errors import SourceError
from publisher.formats import union
from publisher.namespaces import DCTERMS, RDF
from publisher.progress import Progress
from publisher.records import Report, load_report
from publisher.settings import Settings, load_settings
from publisher.validation import Finding, Outcome, quality_annotations

if TYPE_CHECKING:
    from publisher.build import Project
    from publisher.checking import ReportChecker

#: Reports per task sent to a worker.
BATCH = 16
#: A run of fewer items than this is worked on in the calling process.
IN_PROCESS_BELOW = 4 * BATCH
GZIP_LEVEL = 6


# ---------------------------------------------------------------------------
# What a worker returns, and what the cache keeps
# ---------------------------------------------------------------------------


@dataclass
class CheckedReport:
    """One record read, turned into a graph and validated (its own shapes; rules come later)."""

    key: str
    record: str
    report: Report
    ntriples: bytes  # the report's graph, sorted N-Triples, without quality annotations
    findings: list[Finding]

    @property
    def agency(self) -> str:
        return self.report.agency

    @property
    def year(self) -> int:
        return self.report.year

    def outcome(self, extra: Sequence[Finding] = ()) -> Outcome:
        return Outcome.of(self.record, [*self.findings, *extra])


@dataclass(frozen=True)
class Failure:
    """A record that could not be read (a SourceError in a worker, carried back as data)."""

    file: str
    message: str
    line: int | None


@dataclass
class PublishJob:
    key: str  # of the checked report in the cache
    warnings: list[Finding]
    previous: dict[str, downloads.DownloadFile]
    now: str
    folder: str  # the release folder


@dataclass
class Published:
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


class _WorkerState:
    """What a worker loads once: the project and what is made from it, each loaded when first needed.

    A build whose records are all in the cache never reads the ontology, formats or shapes.
    """

    def __init__(self, settings: Settings, cache: Path) -> None:
        self.settings = settings
        self.cache = cache
        self.staging = cache  # where checked records are written (moved into the cache once the build may go on)
        self.settles = False  # a pool's worker process: see settle()
        self._settled: tuple[object, ...] = ()

    def settle(self) -> None:
        """In a pool's worker process, leave what it has loaded out of Python's cyclic garbage collections.

        The project, the checker with its contexts and the catalog inputs are some hundreds of
        thousands of objects that live as long as the process; every full collection walked
        them all again (0.1–0.2 s each: a fifth of a worker's CPU time over a corpus). After a
        batch that loaded or renewed something (a context graph is made anew every
        `checking._Context.RENEW_AFTER` reports), what was frozen is let go, collected, and what
        is alive then frozen again (`gc.freeze()`): kept out of later collections (the batch's
        own results too: a few kilobytes, a few times a build). Never in any other process (the
        build's own, a resident builder), whose objects do not all live as long as it does.
        """
        if not self.settles:
            return
        checker = self.__dict__.get("checker")
        contexts = tuple((fmt, c.renewals) for fmt, c in checker.contexts.items()) if checker is not None else ()
        loaded = (*(name for name in _LOADED if name in self.__dict__), *contexts)
        if loaded != self._settled:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._settled = loaded

    @cached_property
    def project(self) -> Project:
        return load_project_snapshot(self.settings, self.cache)

    @cached_property
    def context_graphs(self) -> list[tuple[str, bytes]]:
        """The ontology's documents and the agency registry, (graph name, N-Triples): what the rules across
        years read besides the reports. Kept beside the project's snapshot."""
        path = snapshot_path(self.settings, self.cache).with_suffix(".context")
        try:
            found: list[tuple[str, bytes]] = pickle.loads(path.read_bytes())
            return found
        except (OSError, EOFError, pickle.UnpicklingError, TypeError, ValueError):
            pass
        project = self.project
        graphs = [*project.ontology.items(), (project.iris.graph("agencies"), project.agencies)]
        made = [(str(name), graph.serialize(format="nt", encoding="utf-8")) for name, graph in graphs]
        _keep(path, pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
        return made

    @cached_property
    def checker(self) -> ReportChecker:
        from publisher.checking import ReportChecker

        project = self.project
        return ReportChecker(project.validator, project.ontology, project.formats, project.agencies, project.iris)

    @cached_property
    def keys(self) -> dict[str, Any]:
        return {slug: fmt.record_keys for slug, fmt in self.project.formats.items()}

    @cached_property
    def info(self) -> CatalogInfo:
        return load_catalog_info(Path(self.settings.data_dir))

    @cached_property
    def labels(self) -> Graph:
        return union([*self.project.ontology.values(), self.project.agencies])

    @cached_property
    def inputs(self) -> CatalogInputs:
        project = self.project
        return CatalogInputs(project.iris, self.info, project.registry, self.labels, project.agencies, [], [])


def snapshot_path(settings: Settings, cache: Path) -> Path:
    """Where the project's snapshot made from these settings, registry and code is kept (see load_project_snapshot).

    The cache folder is already that of the ontology, shapes, base IRI and version; the
    name adds the agency registry, the code of the publisher and the versions of Python
    and rdflib, so a snapshot is never read by code that would have loaded something else.
    """
    import sys

    import rdflib

    digest = hashlib.sha256(f"{sys.version}\0{rdflib.__version__}\0{settings.base}\0".encode())
    registry = Path(settings.data_dir) / "agencies.yaml"
    digest.update(registry.read_bytes() if registry.is_file() else b"")
    package = Path(__file__).resolve().parent
    for source in sorted(package.rglob("*.py")):
        found = source.stat()
        digest.update(f"\0{source.relative_to(package)}\0{found.st_mtime_ns}\0{found.st_size}".encode())
    return cache / "project" / f"{digest.hexdigest()[:32]}.pickle"


def load_project_snapshot(settings: Settings, cache: Path) -> Project:
    """`build.load_project`, or its snapshot in the cache when one was made from the same inputs and code.

    Parsing the ontology, formats and shapes with rdflib and preparing the validator
    takes half a second; unpickling them a fifth of that, which is most of what a
    one-record rebuild would otherwise spend.
    """
    from publisher.build import Project, load_project

    path = snapshot_path(settings, cache)
    try:
        parts = pickle.loads(path.read_bytes())
        return Project(settings, *parts)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError, ImportError, ValueError):
        pass
    project = load_project(settings)
    parts = (project.iris, project.ontology, project.formats, project.registry, project.agencies, project.shapes,
             project.validator)  # fmt: skip
    if _keep(path, pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)):
        for other in path.parent.iterdir():
            if other.stem != path.stem:
                other.unlink(missing_ok=True)  # made by other code, or from another registry
    return project


def _keep(path: Path, data: bytes) -> bool:
    """Write `data` to `path` whole or not at all (a temporary file renamed); False if it could not be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        return False
    return True


#: What a _WorkerState loads when first needed (its cached properties), for settle().
_LOADED = ("project", "context_graphs", "checker", "keys", "info", "labels", "inputs")

_STATE: _WorkerState | None = None


def _init_worker(values: Mapping[str, Any], cache: str, staging: str, settles: bool = False) -> None:
    """Make this process's worker state (`settles`: it is a pool's worker process, see _WorkerState.settle)."""
    global _STATE
    _STATE = _WorkerState(load_settings(values, environ={}), Path(cache))
    _STATE.staging = Path(staging)
    _STATE.settles = settles


def _state() -> _WorkerState:
    assert _STATE is not None, "worker not initialised"
    return _STATE


def check_one(state: _WorkerState, path: Path, key: str) -> CheckedReport:
    """Read, graph and validate one record (its own shapes), and keep the result in the cache."""
    from publisher.graph import report_graph

    project = state.project
    report = load_report(path, project.registry, state.keys)
    graph = report_graph(report, project.registry, project.formats[report.format], project.iris)
    ntriples = downloads.sorted_ntriples(graph)
    outcome = state.checker.check(graph, report.format, report, record=str(path), ntriples=ntriples, spare=True)
    checked = CheckedReport(key, str(path), report, ntriples, outcome.findings)
    _write_cache(state.staging, checked)
    return checked


@dataclass(frozen=True)
class CheckedSummary:
    """What the build's main process needs of a checked report (the rest stays in the cache)."""

    key: str
    record: str
    agency: str
    year: int
    format: str
    findings: list[Finding]


def _check_batch(batch: Sequence[tuple[str, str]]) -> list[CheckedSummary | Failure]:
    state = _state()
    results: list[CheckedSummary | Failure] = []
    for path, key in batch:
        try:
            c = check_one(state, Path(path), key)
            results.append(CheckedSummary(c.key, c.record, c.agency, c.year, c.report.format, c.findings))
        except SourceError as exc:
            where = f"{exc.file}:{exc.line}" if exc.line is not None else exc.file
            results.append(Failure(exc.file, str(exc)[len(where) + 2 :], exc.line))
    state.settle()
    return results


def _cache_file(cache: Path, key: str) -> Path:
    return cache / "reports" / key[:2] / f"{key}.pickle"


def graph_file(cache: Path, key: str) -> Path:
    """The cached graph of a checked report, as sorted N-Triples (what the store's bulk load reads)."""
    return cache / "reports" / key[:2] / f"{key}.nt"


def _write_cache(cache: Path, checked: CheckedReport) -> None:
    path = _cache_file(cache, checked.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    for target, data in (
        (graph_file(cache, checked.key), checked.ntriples),
        (path, pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL)),
    ):
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)


def read_cache(cache: Path, key: str) -> CheckedReport | None:
    path = _cache_file(cache, key)
    try:
        checked = pickle.loads(path.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError):
        return None
    return checked if isinstance(checked, CheckedReport) and checked.key == key else None


# ---------------------------------------------------------------------------
# A report's published graph, files, catalog entry and corpus pieces
# ---------------------------------------------------------------------------

PIECE_KINDS = ("nquads", "ntriples", "turtle", "jsonld", "csv")


def published_graph(state: _WorkerState, checked: CheckedReport, warnings: Sequence[Finding]) -> bytes:
    """The report's graph with its quality annotations, as the store holds it (sorted N-Triples)."""
    iri = state.project.iris.report(checked.agency, checked.year)
    data = checked.ntriples
    if warnings:
        annotations = quality_annotations(iri, warnings, state.project.iris)
        data += annotations.serialize(format="nt", encoding="utf-8")
    # Through an Oxigraph store, which canonicalises some datatypes (as build.py notes), so the
    # files say exactly what the store and the SPARQL endpoint say.
    memory = ox.Store()
    memory.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    stored = memory.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    assert stored is not None
    lines = sorted({line for line in stored.decode("utf-8").split("\n") if line})
    return ("\n".join(lines) + "\n").encode("utf-8")


def _publish_batch(jobs: Sequence[PublishJob]) -> list[Published]:
    state = _state()
    results = [publish_one(state, job) for job in jobs]
    state.settle()
    return results


def publish_one(state: _WorkerState, job: PublishJob) -> Published:
    """Write one report's downloads and catalog entry into the release; keep its corpus pieces in the cache.

    The report's graph is parsed once (`downloads.ReportTriples`): its Turtle, JSON-LD,
    CSV rows, statistics and corpus pieces are made from the parsed triples, and the
    catalog entry from an rdflib graph of the report's own statements and its period's
    (all that `dcat.report_dataset_graph` reads of it).
    """
    project = state.project
    checked = read_cache(state.cache, job.key)
    if checked is None:
        raise SourceError(job.key, "the build cache lost this report; delete the build's cache folder and build again")
    iris, report = project.iris, checked.report
    ntriples = published_graph(state, checked, job.warnings)
    graph_sha = hashlib.sha256(ntriples).hexdigest()
    parsed = downloads.ReportTriples(ntriples)
    iri = str(iris.report(report.agency, report.year))
    subject = URIRef(iri)
    head = parsed.graph_of([subject, *parsed.objects(subject, DCTERMS.temporal)])
    fmt = project.formats[report.format]
    data = downloads.ReportData(report, head, fmt)
    folder = Path(job.folder) / downloads.DOWNLOADS
    nodes = downloads.jsonld_nodes(ntriples, iris.base, parsed.triples)
    files, rows = downloads.write_report_files(
        folder, data, project.registry, state.labels, iris, str(state.info.licence_iri), ntriples, nodes, parsed
    )
    written = {name: (kind, body, iri) for name, (kind, body) in files.items()}
    entries = downloads.index_files(written, job.previous, dt.datetime.fromisoformat(job.now.replace("Z", "+00:00")))
    stem = downloads.report_stem(report.agency, report.year)
    source = Path(job.folder) / "sources" / report.agency / f"{report.year}.txt"
    source.parent.mkdir(parents=True, exist_ok=True)
    source_bytes = report.source.text.encode("utf-8")
    source.write_bytes(source_bytes)
    catalog = Path(job.folder) / CATALOG
    described = [f for f in entries if f.kind != "csvw"]
    dataset = report_dataset_graph(state.inputs, data, described)
    dataset_bytes = downloads.sorted_ntriples(dataset)
    (catalog / "datasets" / f"{stem}.nt").write_bytes(dataset_bytes)
    schema = schema_org(dataset, subject, state.inputs, data)
    schema_bytes = (json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    (catalog / "schemaorg" / f"{stem}.json").write_bytes(schema_bytes)
    from publisher.dcat import _lang, catalog_entry

    title = (_lang(head, subject, "zh"), _lang(head, subject, "en"))
    entry = catalog_entry(stem, subject, title, described, report.agency, report.year)
    # the corpus CSV has the columns of every format's dimensions (splicedfiles writes its header)
    columns = downloads.csv_columns(sorted({d.record_key for f in project.formats.values() for d in f.dimensions}))
    csv_rows = downloads.to_csv(rows, columns).split(b"\r\n", 1)[1]
    turtle = files[f"{stem}.ttl"][1]
    pieces = corpus_pieces(ntriples, iri, iris.base, csv_rows, False, nodes, turtle)
    stats = graph_stats(parsed)
    pieces_path = state.cache / "pieces" / graph_sha[:2] / f"{graph_sha}-{checked.key[:16]}.pickle"
    pieces_path.parent.mkdir(parents=True, exist_ok=True)
    pieces_path.write_bytes(pickle.dumps({"pieces": pieces, "stats": stats}, protocol=pickle.HIGHEST_PROTOCOL))
    index_block = index_lines(entries)
    files_id = hashlib.sha256()
    for part in (index_block, dataset_bytes, schema_bytes, source_bytes):
        files_id.update(hashlib.sha256(part).digest())
    return Published(
        checked.key, graph_sha, ntriples.count(b"\n"), entries, entry, str(pieces_path), stats,
        files_id.hexdigest(), index_block, json.dumps(entry, ensure_ascii=False).encode("utf-8"),
    )  # fmt: skip


def index_lines(files: Sequence[downloads.DownloadFile]) -> bytes:
    """Entries of downloads/index.json, by name, one JSON object a line (joined by ",\\n" as the file joins them)."""
    ordered = sorted(files, key=lambda f: f.name)
    return ",\n".join(json.dumps(asdict(f), ensure_ascii=False) for f in ordered).encode("utf-8")


def read_pieces(path: str) -> tuple[dict[str, bytes], dict[str, Any]]:
    """A report's pieces of each corpus dump and its VoID statistics, as `publish_one` kept them."""
    data = pickle.loads(Path(path).read_bytes())
    return data["pieces"], data["stats"]


def graph_stats(graph: downloads.ReportTriples) -> dict[str, Any]:
    """A report graph's VoID statistics (its subjects are its own: report graphs share none)."""
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


def corpus_pieces(
    ntriples: bytes,
    graph: str,
    base: str,
    csv_rows: bytes,
    first: bool,
    nodes: list[dict[str, Any]] | None = None,
    turtle_bytes: bytes | None = None,
) -> dict[str, bytes]:
    """A graph's part of each corpus dump, each a gzip member (gzip files concatenate).

    `nodes` (its JSON-LD node objects) and `turtle_bytes` (its Turtle) when the caller has them already.
    """
    text = ntriples.decode("utf-8")
    lines = [line for line in text.split("\n") if line]
    nquads = "".join(f"{line[:-1].rstrip()} <{graph}> .\n" for line in lines)
    turtle = (downloads.to_turtle(ntriples, base) if turtle_bytes is None else turtle_bytes).decode("utf-8")
    body = "".join(line + "\n" for line in turtle.split("\n") if line and not line.startswith("@prefix"))
    nodes = downloads.jsonld_nodes(ntriples, base) if nodes is None else nodes
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
    return {kind: gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0) for kind, data in plain.items()}


# ---------------------------------------------------------------------------
# Running workers
# ---------------------------------------------------------------------------


class Workers:
    """Worker processes (spawned: no state shared by fork), started by the first run with many items; this
    process for the runs with few (starting processes and loading the project in each costs more).

    `eager`: start the processes at once, whatever the runs (when asked for a number of processes).
    """

    def __init__(self, settings: Settings, cache: Path, staging: Path, count: int, eager: bool = False) -> None:
        self.settings, self.cache, self.staging, self.count = settings, cache, staging, count
        self.executor: ProcessPoolExecutor | None = None
        if eager and count > 1:
            self._start()

    def _start(self) -> None:
        self.executor = ProcessPoolExecutor(
            max_workers=self.count,
            mp_context=get_context("spawn"),
            initializer=_init_worker,
            initargs=(dict(self.settings.values), str(self.cache), str(self.staging), True),
        )

    def _here(self) -> None:
        """This process made ready to do a worker's work."""
        if _STATE is None or _STATE.settings.values != self.settings.values:
            _init_worker(dict(self.settings.values), str(self.cache), str(self.staging))
        else:
            _STATE.cache, _STATE.staging = self.cache, self.staging

    def run(self, function: Callable[[Any], list[Any]], items: Sequence[Any], progress: Progress) -> Iterator[Any]:
        """function(batch) for batches of items; yields each result as it comes (in no set order)."""
        batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
        if self.executor is None and self.count > 1 and len(items) >= IN_PROCESS_BELOW:
            self._start()
        if self.executor is None:
            self._here()
            for batch in batches:
                results = function(batch)
                progress.advance(len(results))
                yield from results
            return
        pending: set[Future[list[Any]]] = set()
        queue = iter(batches)
        limit = 4 * self.count
        for batch in queue:
            pending.add(self.executor.submit(function, batch))
            if len(pending) >= limit:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                results = future.result()
                progress.advance(len(results))
                yield from results
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(self.executor.submit(function, nxt))

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
