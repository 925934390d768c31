"""Checking one report after another, fast: what validation needs is loaded once and reused.

`validation.Validator.validate` copies the whole context (ontology, formats, agency
registry) into a new graph and a new Oxigraph store for every report; at 10,000
reports that copy costs more than the checking. A `ReportChecker` keeps, per report
format, one rdflib graph and one Oxigraph store holding what a report of that format
refers to — the ontology documents other than the formats, its format's document
(and those it cites), never the other formats — and for each report adds the
report's triples and its agency's registry entry, runs the same shapes (the core
shapes with pySHACL, the SPARQL constraints with Oxigraph, exactly as `Validator`
does) and removes them again. One report per validation call, as pySHACL slows
down more than linearly on larger graphs.

The findings are those of `Validator.validate` on the same report: the shapes only
look at the report, its format and its agency (tests/test_checking.py compares the
two on the seed and on synthetic reports).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from rdflib.term import Node

from publisher.formats import Format
from publisher.iris import Iris
from publisher.namespaces import DCTERMS, RDF, SH
from publisher.records import Report
from publisher.validation import Finding, Outcome, QueryStore, SparqlConstraint, Validator

Triple = tuple[Node, Node, Node]


def _ntriples(triples: Iterable[Triple]) -> bytes:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph.serialize(format="nt", encoding="utf-8")


class _Context:
    """One format's validation context: an rdflib graph (reused for each report) and its N-Triples.

    The rdflib graph gets each report's triples added and removed again (cheaper than
    copying the context). The Oxigraph store is made afresh for each report from the
    context's N-Triples: removing triples one by one from a store costs more than a
    bulk load, and a store only ever added to would keep every report.
    """

    #: rdflib's memory store keeps an empty index entry for every node it has seen, even once its triples
    #: are removed: the graph is made anew after this many reports, so a long build does not grow.
    RENEW_AFTER = 200

    def __init__(self, triples: Graph) -> None:
        self.graph = Graph()
        for triple in triples:
            self.graph.add(triple)
        self.ntriples = self.graph.serialize(format="nt", encoding="utf-8")
        self.uses = 0

    def renewed(self) -> Graph:
        """The context graph, made anew from its N-Triples every RENEW_AFTER reports."""
        self.uses += 1
        if self.uses > self.RENEW_AFTER:
            self.graph = Graph().parse(data=self.ntriples, format="nt")
            self.uses = 1
        return self.graph

    def store(self, report: bytes) -> ox.Store:
        store = ox.Store()
        store.bulk_load(self.ntriples + report, format=ox.RdfFormat.N_TRIPLES)
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
        self.local = [c for c in validator.constraints if not c.targets & validator.cross_year_classes]
        format_documents = {iris.format(slug): slug for slug in formats}
        by_document = {doc: slug for doc, slug in format_documents.items() if doc in ontology}
        self.ontology = ontology
        self.by_document = by_document
        self.shared = [graph for name, graph in ontology.items() if name not in by_document]
        self.contexts: dict[str, _Context] = {}
        self._agency_nt: dict[URIRef, bytes] = {}

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
        prefix = f"{self.iris.base}/def/"
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
            self._agency_nt[agency] = _ntriples(self.agency_triples(agency))
        return self._agency_nt[agency]

    def check(
        self,
        graph: Graph,
        fmt: str,
        report: Report | None = None,
        record: str = "<graph>",
        ntriples: bytes | None = None,
    ) -> Outcome:
        """Every shape against one report of format `fmt` (rules across years excepted), as Validator.validate.

        `ntriples`: the report's graph as N-Triples, when the caller has it (saves serialising it again).
        """
        context = self.context(fmt)
        context.renewed()
        agency = next((o for o in graph.objects(None, URIRef(f"{self.iris.base}/def/disclosure#agency"))), None)
        extra = self.agency_triples(agency) if isinstance(agency, URIRef) else []
        added = [t for t in (*graph, *extra) if t not in context.graph]
        findings: list[Finding] = []
        for triple in added:
            context.graph.add(triple)
        try:
            if self.has_core:
                _conforms, results, _text = shacl_validate(
                    context.graph,
                    shacl_graph=self.validator.core,
                    inference="none",
                    allow_warnings=True,
                    advanced=False,
                )
                findings += [
                    self.validator._finding(results, result, report)
                    for result in results.subjects(RDF.type, SH.ValidationResult)
                ]
        finally:
            for triple in added:
                context.graph.remove(triple)
        if self.local:
            # The same data either way (a store is a set: what the context holds already is not added twice).
            if ntriples is not None:
                data = ntriples + (self.agency_ntriples(agency) if isinstance(agency, URIRef) else b"")
            else:
                data = _ntriples(added)
            store = context.store(data)
            findings += evaluate_constraints(self.validator, self.local, store, report)
        return self.validator._outcome(record, findings)


def _to_ox(
    triple: Triple,
) -> tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]:
    from rdflib import BNode, Literal

    def term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(node, URIRef):
            return ox.NamedNode(str(node))
        if isinstance(node, BNode):
            return ox.BlankNode(str(node))
        assert isinstance(node, Literal)
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))

    s, p, o = (term(n) for n in triple)
    assert isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode)
    return s, p, o


def evaluate_constraints(
    validator: Validator, constraints: list[SparqlConstraint], store: QueryStore, report: Report | None
) -> list[Finding]:
    """The SPARQL constraints over `store` (which holds the data and its context), as Validator.validate does."""
    return validator.evaluate_on(constraints, store, report)
