"""Text reuse in a build: each report measured against its agency's previous report, by the workers.

A report's measurement (publisher.validation.textreuse) depends only on its record's key
and its previous report's (`measurement_digest`): the annotate stage puts that digest in
the report's annotations digest, so a build that changes year N rewrites year N+1, and
the workers measure only the reports rewritten, from the reports' prose files
(publisher.build.prosecache, written when a record is checked). A measurement is kept in
the cache under its digest (N-Triples, empty for a report without prose), so a rebuild
that rewrites a report for another reason does not measure it again. What the corpus
index keeps of it (`reuse_of`) is what the named query `text-reuse-shares` reads.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from publisher.build.bulkstore import Entry
from publisher.build.checked import read_cache
from publisher.build.prosecache import read_prose, write_prose
from publisher.build.reportfiles import STORED_LITERALS
from publisher.build.workerstate import WorkerState
from publisher.errors import BuildError
from publisher.publication.releaseindex import Reuse
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DQV
from publisher.rdf.ntriples import sorted_ntriples
from publisher.release.paths import CACHE_TEXT_REUSE
from publisher.validation.textreuse import Prose, measure, measurement_digest, reuse_graph


@dataclass(frozen=True)
class ReuseJob:
    """A report to measure: its IRI, its record's key and its previous report's (in the cache)."""

    iri: str
    key: str
    previous_key: str


def previous_reports(by_iri: Mapping[str, Entry]) -> dict[str, str]:
    """Each report's previous report (its agency's report of the latest earlier year), by IRI; the first has none."""
    by_agency: dict[str, list[tuple[int, str]]] = {}
    for iri, entry in by_iri.items():
        by_agency.setdefault(entry.agency, []).append((entry.year, iri))
    previous: dict[str, str] = {}
    for series in by_agency.values():
        series.sort()
        for (_, before), (_, iri) in itertools.pairwise(series):
            previous[iri] = before
    return previous


def reuse_digest(by_iri: Mapping[str, Entry], previous: Mapping[str, str], iri: str) -> str:
    """The digest of a report's measurement: its key and its previous report's (none: no measurement)."""
    before = previous.get(iri)
    return measurement_digest(by_iri[iri].key, by_iri[before].key if before is not None else None)


def reuse_of(data: bytes, iris: Iris, by_iri: Mapping[str, Entry]) -> Reuse | None:
    """A measurement's row of the corpus index (`measure_one`'s N-Triples: share, the previous report and its
    year, the passages), the share as the store writes it; None for no measurement."""
    if not data:
        return None
    triples = STORED_LITERALS.stored([q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)])
    dis = iris.vocabulary
    share = previous = None
    passages = 0
    for triple in triples:
        predicate, obj = triple.predicate.value, triple.object
        if predicate == DQV_VALUE and isinstance(obj, ox.Literal):
            share = obj.value
        elif predicate == f"{dis}comparedWith" and isinstance(obj, ox.NamedNode):
            previous = obj.value
        elif predicate == f"{dis}repeatedPassage":
            passages += 1
    if share is None or previous is None or previous not in by_iri:
        return None
    return Reuse(share, previous, by_iri[previous].year, passages)


#: dqv:value, as Oxigraph names a predicate.
DQV_VALUE = str(DQV.value)


def measured_file(cache: Path, digest: str) -> Path:
    return cache / CACHE_TEXT_REUSE / digest[:2] / f"{digest}.nt"


def measure_one(state: WorkerState, job: ReuseJob) -> tuple[str, bytes]:
    """(IRI, the measurement's N-Triples) of one report, from the cache or measured and kept there (the worker
    needs no project loaded: the two reports' prose files, or their checked reports, and the base IRI)."""
    path = measured_file(state.cache, measurement_digest(job.key, job.previous_key))
    try:
        return job.iri, path.read_bytes()
    except OSError:
        pass
    current, previous = _prose(state, job.key), _prose(state, job.previous_key)
    reuse = measure(current, previous)
    data = b"" if reuse is None else sorted_ntriples(reuse_graph(current, previous, reuse, Iris(state.settings.base)))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return job.iri, data


def _prose(state: WorkerState, key: str) -> Prose:
    """A report's prose: its prose file, or (a cache older than prose files) its checked report, then kept."""
    found = read_prose(state.cache, key)
    if found is not None:
        return found
    checked = read_cache(state.cache, key)
    if checked is None:
        raise BuildError(f"The build cache lost a checked report ({key}); delete {state.cache} and build again.")
    write_prose(state.cache, key, checked.report)
    return Prose.of(checked.report)
