"""Checking one report after another, fast: what validation needs is loaded once and reused.

`validation.Validator.validate` copies the whole context (ontology, formats, agency
registry) into a new graph and a new Oxigraph store for every report; at 10,000
reports that copy costs more than the checking. A `ReportChecker` keeps, per report
format, one rdflib graph and the Oxigraph quads of what a report of that format
refers to — the ontology documents other than the formats, its format's document
(and those it cites), never the other formats — and for each report runs the same
shapes over the report, its agency's registry entry and that context: the core shapes
evaluated directly (`coreshapes.DirectCore`: what pySHACL finds, read from dictionaries
of the report's triples, its agency's and its context's, no graph built), the SPARQL
constraints evaluated directly over the same dictionaries (`directsparql.DirectSparql`
with the evaluators of directsparql.py and directrules.py: what Oxigraph finds, for the
query each was written for; every constraint of a report as the shapes stand), and any
left over — a query changed since its evaluator was written, data an evaluator does not
follow — with Oxigraph over a store of the report, its agency and its context, exactly as
`Validator` does (the store is made only when a constraint is left to run on it: for most
reports, never). (Run set-based over a store of many
reports instead, they cost more per report than here, not less: see benchmarks/README.md.)

When the shapes use what `DirectCore` does not evaluate, the core shapes are pySHACL's:
the checker adds the report's triples and its agency's registry entry to the context
graph, runs pySHACL, and removes them again. One report per validation call, as pySHACL
slows down more than linearly on larger graphs. A report larger than its context (those
of the national formats: some 5,000 triples against 3,600) whose graph the caller
gives up (`spare`, as the build's workers do) takes the context in instead: adding
a triple to rdflib's memory store and removing it again costs more than adding one.

pySHACL is driven through its `Validator` and `ShapesGraph` classes rather than
`pyshacl.validate`, which parses the shapes into a new `ShapesGraph` on every call;
the shapes graph and its `Shape` objects hold only what the shapes say, so one is
kept (`CoreShapes`). While a report is checked, pySHACL's list of constraint
parameters — searched once for every predicate of every shape evaluated, a few
hundred thousand comparisons of IRIs a report — is looked up in a set instead
(`_parameters_as_set`); what it finds is the same.

The findings are those of `Validator.validate` on the same report: the shapes only
look at the report, its format and its agency (tests/test_scale.py and
tests/test_shapes.py compare the two on synthetic reports, the seed and every
shape's cases).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import pyoxigraph as ox
from pyshacl import ShapesGraph
from pyshacl import Validator as ShaclValidator
from pyshacl.graph_abstraction import DataGraph
from rdflib import Graph, URIRef
from rdflib.term import Node

from publisher.graph.formats import Format
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DCTERMS, RDF, SH
from publisher.rdf.ntriples import ntriples_of
from publisher.rdf.ntterms import TermTriple, graph_of, node_term, rdf_term, sorted_term_ntriples, term_triples
from publisher.records.model import Report
from publisher.validation.coreshapes import Data, DirectCore, Index
from publisher.validation.directrules import REGISTRATIONS
from publisher.validation.directsparql import DirectSparql
from publisher.validation.findings import SEVERITIES, Finding, Outcome
from publisher.validation.validator import Validator

Triple = tuple[Node, Node, Node]


class CoreShapes:
    """pySHACL's validation of the core shapes, with the shapes graph made once and reused for every data graph.

    What `pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True,
    advanced=False)` does, without parsing the shapes again each call: its options, its
    logger, its setup (patches, baked-in graphs) done once.
    """

    def __init__(self, shapes: Graph) -> None:
        from pyshacl.entrypoints import make_default_logger
        from pyshacl.monkey import apply_patches
        from pyshacl.validator import assign_baked_in

        self.logger = make_default_logger(name="pyshacl-validate", debug=False)
        apply_patches()  # type: ignore[no-untyped-call]  # pySHACL's own setup, as pyshacl.validate does it
        assign_baked_in()  # type: ignore[no-untyped-call]
        self.source = shapes
        self.shapes_graph = ShapesGraph(shapes, False, self.logger)

    def options(self) -> dict[str, Any]:
        """A new options dictionary (pySHACL's Validator fills in its defaults in place)."""
        return {
            "debug": False,
            "inference": "none",
            "inplace": False,
            "abort_on_first": False,
            "allow_infos": False,
            "allow_warnings": True,
            "advanced": False,
            "iterate_rules": False,
            "use_js": None,
            "sparql_mode": False,
            "logger": self.logger,
            "focus_nodes": None,
            "use_shapes": None,
        }

    def validate(self, data: Graph) -> Graph:
        """The validation report graph of `data` against the shapes (sh:ValidationResult nodes)."""
        validator = ShaclValidator(DataGraph.from_rdflib(data), shacl_graph=self.source, options=self.options())
        validator.shacl_graph = self.shapes_graph  # the shapes as parsed the first time
        with _parameters_as_set():
            _conforms, results, _text = validator.run()  # type: ignore[no-untyped-call]
        assert isinstance(results, Graph)
        return results


class _Parameters(list[Any]):
    """pySHACL's list of constraint parameters, whose `in` is a set lookup (a copy is a plain list again)."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self.members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self.members


_FAST_PARAMETERS: tuple[_Parameters, Mapping[Any, Any]] | None = None


@contextmanager
def _parameters_as_set() -> Iterator[None]:
    """pySHACL's constraint parameters (pyshacl.shape.CONSTRAINT_PARAMS) looked up in a set, for the duration.

    `Shape.validate` keeps the parameters it reads from `pyshacl.constraints` in that
    module attribute, and filters each shape's predicates with `p in parameters` on a
    list of some 40 IRIs: most of pySHACL's time on our reports. The same IRIs, the same
    order of the shape's predicates, a set lookup: the same constraints are evaluated.
    What was there before is put back afterwards, so `pyshacl.validate` elsewhere in the
    process (the Validator the checker is compared with) is left as pySHACL made it.
    """
    global _FAST_PARAMETERS
    from pyshacl import shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    if _FAST_PARAMETERS is None:
        _FAST_PARAMETERS = (_Parameters(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)
    missing = object()
    before = shape.__dict__.get("CONSTRAINT_PARAMS", missing)
    setattr(shape, "CONSTRAINT_PARAMS", _FAST_PARAMETERS)  # noqa: B010 - not declared by pySHACL
    try:
        yield
    finally:
        if before is missing:
            delattr(shape, "CONSTRAINT_PARAMS")
        else:
            setattr(shape, "CONSTRAINT_PARAMS", before)  # noqa: B010


class _Context:
    """One format's validation context: an rdflib graph (reused for each report) and its Oxigraph quads.

    The rdflib graph gets each report's triples added and removed again (cheaper than
    copying the context). The Oxigraph store is made afresh for each report from the
    context's quads (parsed once) and the report's N-Triples: removing triples one by
    one from a store costs more than a new store, and a store only ever added to would
    keep every report.
    """

    #: rdflib's memory store keeps an empty index entry for every node it has seen, even once its triples
    #: are removed: the graph is made anew after this many reports, so a long build does not grow.
    RENEW_AFTER = 200

    def __init__(self, triples: Graph) -> None:
        self.graph = Graph()
        for triple in triples:
            self.graph.add(triple)
        self.ntriples = self.graph.serialize(format="nt", encoding="utf-8")
        self.quads = list(ox.parse(self.ntriples, format=ox.RdfFormat.N_TRIPLES))
        #: The context's triples, for a report's graph to take in (see ReportChecker.check's `spare`).
        self.triples: list[Triple] = list(self.graph)
        #: Every subject of the context: a triple whose subject is not one of them is not in the context.
        self.subjects = frozenset(self.graph.subjects())
        self.uses = 0
        self.renewals = 0

    def renewed(self) -> Graph:
        """The context graph, made anew from its N-Triples every RENEW_AFTER reports."""
        self.uses += 1
        if self.uses > self.RENEW_AFTER:
            self.graph = Graph().parse(data=self.ntriples, format="nt")
            self.subjects = frozenset(self.graph.subjects())
            self.uses = 1
            self.renewals += 1
        return self.graph

    def missing(self, triples: Iterable[Triple]) -> list[Triple]:
        """The triples the context graph does not hold (in the order given)."""
        graph, subjects = self.graph, self.subjects
        return [t for t in triples if t[0] not in subjects or t not in graph]

    def store(self, report: bytes) -> ox.Store:
        store = ox.Store()
        store.extend(self.quads)
        store.load(report, format=ox.RdfFormat.N_TRIPLES)
        return store


class ReportChecker:
    """Validates report graphs one at a time against a `Validator`'s shapes, reusing a context per format."""

    def __init__(
        self,
        validator: Validator,
        ontology: Mapping[URIRef, Graph],
        formats: Mapping[str, Format],
        agencies: Graph,
        iris: Iris,
    ) -> None:
        self.validator = validator
        self.iris = iris
        self.agencies = agencies
        self.has_core = any(True for _ in validator.core.subjects(SH.targetClass, None))
        #: The core shapes evaluated without pySHACL (coreshapes.py), unless they use what only pySHACL evaluates.
        self.direct = DirectCore.of(validator.core) if self.has_core else None
        self._indexes: dict[object, Index] = {}  # a format's context, an agency's registry entry
        self.local = [c for c in validator.constraints if not c.targets & validator.cross_year_classes]
        #: The SPARQL constraints evaluated directly over `Data` (directsparql.py, directrules.py), when given it.
        self.direct_sparql = DirectSparql.of(self.local, iris, REGISTRATIONS)
        format_documents = {iris.format(slug): slug for slug in formats}
        by_document = {doc: slug for doc, slug in format_documents.items() if doc in ontology}
        self.ontology = ontology
        self.by_document = by_document
        self.shared = [graph for name, graph in ontology.items() if name not in by_document]
        self.contexts: dict[str, _Context] = {}
        self._agency_nt: dict[URIRef, bytes] = {}
        self._agency_predicate = iris.term("agency")
        self._agency_term = node_term(self._agency_predicate)

    @cached_property
    def core(self) -> CoreShapes | None:
        """pySHACL over the core shapes, made when first needed (only when `direct` is None, or set aside)."""
        return CoreShapes(self.validator.core) if self.has_core else None

    def context(self, fmt: str) -> _Context:
        """The context of a format's reports, made the first time it is needed."""
        if fmt not in self.contexts:
            merged = Graph()
            for graph in [*self.shared, *self._documents_of(fmt, self.ontology, self.by_document)]:
                for triple in graph:
                    merged.add(triple)
            self.contexts[fmt] = _Context(merged)
        return self.contexts[fmt]

    def _documents_of(
        self, slug: str, ontology: Mapping[URIRef, Graph], by_document: Mapping[URIRef, str]
    ) -> list[Graph]:
        """The format's own document, and the documents of the formats it cites (transitively)."""
        wanted = {slug}
        pending = [slug]
        prefix = self.iris.definitions
        documents = {s: ontology[doc] for doc, s in by_document.items()}
        while pending:
            current = pending.pop()
            graph = documents.get(current)
            if graph is None:
                continue
            for node in graph.all_nodes():
                text = str(node)
                if not text.startswith(prefix):
                    continue
                head = text[len(prefix) :].split("/", 1)[0].split("#", 1)[0]
                if head in documents and head not in wanted:
                    wanted.add(head)
                    pending.append(head)
        return [documents[s] for s in sorted(wanted) if s in documents]

    def agency_triples(self, agency: URIRef) -> list[Triple]:
        """The registry's statements about the agency and its division (what a report's shapes look at)."""
        found = list(self.agencies.triples((agency, None, None)))
        for division in self.agencies.objects(agency, DCTERMS.spatial):
            found += self.agencies.triples((division, None, None))
        return found

    def agency_ntriples(self, agency: URIRef) -> bytes:
        """`agency_triples` as N-Triples, made once per agency."""
        if agency not in self._agency_nt:
            self._agency_nt[agency] = ntriples_of(self.agency_triples(agency))
        return self._agency_nt[agency]

    def check(
        self,
        graph: Graph | Sequence[TermTriple],
        fmt: str,
        report: Report | None = None,
        record: str = "<graph>",
        ntriples: bytes | None = None,
        spare: bool = False,
    ) -> Outcome:
        """Every shape against one report of format `fmt` (rules across years excepted), as Validator.validate.

        `ntriples`: the report's graph as N-Triples, when the caller has it (saves serialising it again).
        `spare`: the caller has no further use for `graph`, which may then get the context added to it when
        that is cheaper than adding the report to the context and removing it again (a report larger than
        its context, as those of the national formats are): the same triples either way. Only pySHACL reads
        such a graph: the core shapes evaluated directly (`direct`) leave `graph` as it is.

        `graph` may be the report's triples as N-Triples terms (graph.reporttriples, as the build's workers make
        them): the core shapes evaluated directly read them as they are; an rdflib graph is made of them only
        when pySHACL evaluates the core shapes.
        """
        context = self.context(fmt)
        if self.direct is not None:
            triples = term_triples(graph) if isinstance(graph, Graph) else graph
            agency_term = next((o for _, p, o in triples if p == self._agency_term), None)
            agency = rdf_term(agency_term) if agency_term is not None else None
            data = Data([Index(triples), self.agency_index(agency), self.context_index(fmt)])
            findings = self.direct_findings(data, report)
            if ntriples is None:
                ntriples = sorted_term_ntriples(triples)
            findings += self.sparql_findings(context, [], agency, report, ntriples, data)
            return self.validator.outcome(record, findings)
        if not isinstance(graph, Graph):
            graph = graph_of(graph)
        agency = next(graph.objects(None, self._agency_predicate), None)
        extra = self.agency_triples(agency) if isinstance(agency, URIRef) else []
        if spare and len(graph) + len(extra) > len(context.triples):
            if ntriples is None:
                ntriples = ntriples_of(graph)
            for triple in extra:
                graph.add(triple)
            for triple in context.triples:
                graph.add(triple)
            findings = self.core_findings(graph, report)
            findings += self.sparql_findings(context, [], agency, report, ntriples)
            return self.validator.outcome(record, findings)
        context.renewed()
        added = context.missing([*graph, *extra])
        for triple in added:
            context.graph.add(triple)
        try:
            findings = self.core_findings(context.graph, report)
        finally:
            for triple in added:
                context.graph.remove(triple)
        findings += self.sparql_findings(context, added, agency, report, ntriples)
        return self.validator.outcome(record, findings)

    def agency_index(self, agency: Node | None) -> Index:
        """`agency_triples` indexed (coreshapes.Index), once per agency; nothing when the report names none."""
        if not isinstance(agency, URIRef):
            return Index(())
        if agency not in self._indexes:
            self._indexes[agency] = Index(term_triples(self.agency_triples(agency)))
        return self._indexes[agency]

    def context_index(self, fmt: str) -> Index:
        """The format's context indexed (coreshapes.Index), once per format."""
        if fmt not in self._indexes:
            self._indexes[fmt] = Index(term_triples(self.context(fmt).triples))
        return self._indexes[fmt]

    def direct_findings(self, data: Data, report: Report | None) -> list[Finding]:
        """The core shapes over `data` (a report, its agency and its format's context), without pySHACL."""
        assert self.direct is not None
        return [
            self.validator.make_finding(
                SEVERITIES.get(r.severity, "violation"), r.shape, r.focus, r.value, r.path, r.messages, report
            )
            for r in self.direct.validate(data)
        ]

    def core_findings(self, data: Graph, report: Report | None) -> list[Finding]:
        """The core shapes (pySHACL) over `data`: a report with its context."""
        if self.core is None:
            return []
        results = self.core.validate(data)
        return [
            self.validator.finding(results, result, report)
            for result in results.subjects(RDF.type, SH.ValidationResult)
        ]

    def sparql_findings(
        self,
        context: _Context,
        added: list[Triple],
        agency: Node | None,
        report: Report | None,
        ntriples: bytes | None = None,
        data: Data | None = None,
    ) -> list[Finding]:
        """The SPARQL constraints (Oxigraph) over a store of the context and the report (and its agency).

        `data`: the same triples indexed (coreshapes.Data), when the caller has them: the constraints
        `direct_sparql` evaluates are evaluated over them, and the store is made only if any other is left.
        """
        if not self.local:
            return []
        solved = self.direct_sparql.rows(self.local, data) if data is not None else {}
        # The same data either way (a store is a set: what the context holds already is not added twice).
        if ntriples is not None:
            report_data = ntriples + (self.agency_ntriples(agency) if isinstance(agency, URIRef) else b"")
        else:
            report_data = ntriples_of(added)
        return self.validator.evaluate_on(self.local, lambda: context.store(report_data), report, solved)
