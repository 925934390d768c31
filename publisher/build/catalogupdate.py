"""VoID statistics and the catalog's release-wide files, updated from the previous release's rather than made anew.

VoID's statistics are the previous ones with the republished and removed reports'
counts taken off and added (distinct objects: those of the old or the new version of a
graph only, looked up in the other store); the catalog's index.json is spliced like the
other listings (`publisher.build.releasefiles`).
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from publisher.build.releasefiles import write_listing
from publisher.build.reportfiles import ReportFiles, read_pieces
from publisher.build.splice import Layout
from publisher.build.state import ReleaseState, ReportState, VoidTotals
from publisher.build.workerstate import WorkerState
from publisher.publication import cataloggraph, downloads
from publisher.publication.catalog import CORPUS_TITLE
from publisher.publication.dcat import CatalogInputs, catalog_entry, corpus_dataset_graph
from publisher.publication.void import VoidStats
from publisher.rdf.iris import CatalogIris, Iris
from publisher.rdf.ntriples import sorted_ntriples
from publisher.release.paths import CATALOG_DATASETS, CATALOG_INDEX


def void_totals(
    store: ox.Store,
    before_store: ox.Store | None,
    state: WorkerState,
    names: Sequence[str],
    published: Mapping[str, ReportFiles],
    before: Mapping[str, ReportState],
    removed: Sequence[str],
    old: ReleaseState | None,
    incremental: bool,
) -> VoidTotals:
    """VoID's counts: from nothing, counted over the store (shared graphs) and summed over the reports; else
    the previous counts with the republished and removed reports' taken off and added.

    Distinct objects do not add up: an object of the old version of a touched graph and
    not of its new version (or the other way round) is looked up in the new (the old) store,
    and the difference counted; an object of both versions is in both stores.
    """
    if incremental and old is not None and before_store is not None:
        totals = VoidTotals(**{**old.void.__dict__, "classes": dict(old.void.classes),
                               "predicates": dict(old.void.predicates)})  # fmt: skip
        touched = [iri for iri in [*published, *removed] if iri in before]
        try:
            for iri in touched:
                _add_stats(totals, read_pieces(before[iri].pieces)[1], -1)
        except (OSError, EOFError, KeyError, pickle.UnpicklingError):
            return void_totals(store, None, state, names, published, before, removed, old, False)
        for iri in published:
            _add_stats(totals, published[iri].stats, +1)
        # An object of an old version of a touched graph is in the old store; one of a new version, in the new
        # store: only those of one side may have come or gone (a one-figure change: a few, not thousands).
        gone: set[Any] = set()
        for iri in touched:
            totals.triples -= _graph_objects(before_store, iri, gone)
        came: set[Any] = set()
        for iri in published:
            totals.triples += _graph_objects(store, iri, came)
        gone, came = gone - came, came - gone
        totals.objects += sum(_has_object(store, o) for o in gone) - len(gone)
        totals.objects += len(came) - sum(_has_object(before_store, o) for o in came)
        return totals
    report_graphs = set(names)
    shared = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value not in report_graphs]
    counted = VoidStats.count(store, Iris(state.settings.base), shared, [])
    totals = VoidTotals(
        counted.triples, counted.objects,
        {"entities": counted.entities, "subjects": counted.subjects, "classes": dict(counted.class_entities),
         "predicates": list(counted.predicates)},
    )  # fmt: skip
    for iri in names:
        stats = published[iri].stats if iri in published else read_pieces(before[iri].pieces)[1]
        _add_stats(totals, stats, +1)
    return totals


def _graph_objects(store: ox.Store, graph: str, objects: set[Any]) -> int:
    """The triples of a named graph, its distinct objects added to `objects` (two queries: five times faster than
    its quads made into Python objects)."""
    counted = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(counted, ox.QuerySolutions)
    triples = int(next(iter(counted))[0].value)
    found = store.query(f"SELECT DISTINCT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(found, ox.QuerySolutions)
    objects.update(solution[0] for solution in found)
    return triples


def _has_object(store: ox.Store, term: Any) -> bool:
    # Each quad is compared: pyoxigraph 0.5.13 answers a pattern on an xsd:integer object with quads of other
    # integers too (seen: 1023 → 1099, 1116, …; SPARQL is not affected).
    return any(quad.object == term for quad in store.quads_for_pattern(None, None, term, None))


def _add_stats(totals: VoidTotals, stats: Mapping[str, Any], sign: int) -> None:
    totals.subjects += sign * int(stats["subjects"])
    totals.entities += sign * int(stats["entities"])
    for name, number in stats["classes"].items():
        value = totals.classes.get(name, 0) + sign * int(number)
        if value:
            totals.classes[name] = value
        else:
            totals.classes.pop(name, None)
    for name in stats["predicates"]:
        value = totals.predicates.get(name, 0) + sign
        if value:
            totals.predicates[name] = value
        else:
            totals.predicates.pop(name, None)


def void_stats(totals: VoidTotals) -> VoidStats:
    """The statistics VoID states (publisher.publication.void.VoidStats), from the totals."""
    classes = dict(totals.shared["classes"])
    for name, number in totals.classes.items():
        classes[name] = classes.get(name, 0) + number
    predicates = set(totals.shared["predicates"]) | set(totals.predicates)
    return VoidStats(
        triples=totals.triples,
        entities=int(totals.shared["entities"]) + totals.entities,
        classes=len(classes),
        properties=len(predicates),
        subjects=int(totals.shared["subjects"]) + totals.subjects,
        objects=totals.objects,
        class_entities=tuple(sorted(classes.items())),
        predicates=tuple(sorted(predicates)),
    )


@dataclass
class _CatalogReport:
    """What the catalog's corpus entry needs of a report (its period), without its graph."""

    year: int

    @property
    def report(self) -> Any:
        return self

    @property
    def period_from(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def period_to(self) -> dt.date:
        return dt.date(self.year, 12, 31)


def write_catalog_files(
    release: Path,
    state: WorkerState,
    reports: Mapping[str, ReportState],
    published: Mapping[str, ReportFiles],
    void: Any,
    corpus_files: Sequence[Any],
    old: ReleaseState | None,
    previous: Path | None,
) -> Layout:
    """The catalog's release-wide files (the per-report ones are the workers'): the corpus dataset, the
    catalog and VoID graphs, about.json, and index.json spliced (the corpus first, then by agency and year)."""
    project, info = state.project, state.info
    periods = cast("list[downloads.ReportData]", [_CatalogReport(r.year) for r in reports.values()])
    inputs = CatalogInputs(project.iris, info, project.registry, state.labels, project.agencies, periods, [])
    described = [f for f in corpus_files if f.kind != "csvw"]
    corpus_graph = corpus_dataset_graph(inputs, described)
    (release / CATALOG_DATASETS / f"{downloads.CORPUS}.nt").write_bytes(sorted_ntriples(corpus_graph))
    issued = min([r.issued for r in reports.values()] + [f.issued for f in corpus_files])
    modified = max([r.modified for r in reports.values()] + [f.modified for f in corpus_files])
    cataloggraph.write_catalog_files(release, inputs, void, issued, modified)
    corpus = catalog_entry(downloads.CORPUS, CatalogIris(project.iris).corpus, CORPUS_TITLE, described, None, None)
    order = sorted(reports, key=lambda iri: (reports[iri].agency, reports[iri].year))
    blocks: list[tuple[str, bytes | None]] = [("", json.dumps(corpus, ensure_ascii=False).encode("utf-8"))]
    blocks += [(iri, published[iri].catalog_block if iri in published else None) for iri in order]
    return write_listing(release / CATALOG_INDEX, "[\n", b",\n", blocks, b"\n]\n", old, previous, CATALOG_INDEX)
