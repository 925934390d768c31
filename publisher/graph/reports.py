"""Record → graph: pure functions from checked records to RDF, with deterministic IRIs.

A report becomes one dis:AnnualReport (a qb:DataSet and dcat:Dataset), one
qb:Observation per stated figure, one dis:BlankCell per cell the source leaves
blank (not an observation: it has no value), one dis:NarrativeFact per narrative
number and one dis:ReportSection per prose section, each pointing at the exact
quote of the source that states it (Web Annotation quote and position selectors,
and for a table cell an XPath selector too: for a cell of a PDF, refining a
selector of its page). A figure's number is stated with the measure its format
gives its cell (dis:count, or dis:amount for money) and with every measure of the
data structure above it (dis:quantity in the national formats). No I/O, no clock:
the same record gives the same graph.
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from publisher.graph.formats import Format
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    OA,
    ORG,
    PDF_FRAGMENTS,
    PROV,
    QB,
    RDF,
    RDFS,
    SKOS,
    XSD,
    prefixes,
    vocabulary,
)
from publisher.records.model import Quote, Registry, Report
from publisher.records.pdfdoc import PAGE_LOCATION
from publisher.records.sources import PDF

CONTEXT_CHARS = 16  # characters of prefix/suffix kept around a quote


def new_graph(iris: Iris) -> Graph:
    graph = Graph()
    for prefix, namespace in prefixes(iris.base).items():
        graph.bind(prefix, namespace)
    return graph


def report_graph(report: Report, registry: Registry, fmt: Format, iris: Iris) -> Graph:
    """The graph of one report: the data set, its observations and narrative facts."""
    graph = new_graph(iris)
    context = _ReportContext(report, fmt, iris)
    _describe_report(graph, context, registry)
    _add_figures(graph, context)
    _add_sections(graph, context)
    _add_facts(graph, context)
    return graph


class _ReportContext:
    """What every part of a report's graph refers to: the report, its IRIs, its format's dimensions."""

    def __init__(self, report: Report, fmt: Format, iris: Iris) -> None:
        self.report = report
        self.fmt = fmt
        self.iris = iris
        self.dis = vocabulary(iris.base)
        self.subject = iris.report(report.agency, report.year)
        self.source = iris.source(report.agency, report.year)
        self.agency = iris.agency(report.agency)
        self.year = Literal(str(report.year), datatype=XSD.gYear)
        self.by_key = {d.record_key: d for d in fmt.dimensions}

    def stated_at(self, graph: Graph, node: URIRef, quote: Quote, location: str | None = None) -> None:
        pdf = self.report.source.media_type == PDF
        _stated_at(graph, self.iris, node, self.source, quote, self.report.source.text, location, pdf)


def _describe_report(graph: Graph, c: _ReportContext, registry: Registry) -> None:
    """The report as a data set of its agency and year, its statistics period and its source document."""
    report, dis, subject, source = c.report, c.dis, c.subject, c.source
    agency = registry.agencies[report.agency]
    graph.add((subject, RDF.type, dis.AnnualReport))
    graph.add((subject, RDF.type, QB.DataSet))
    graph.add((subject, RDF.type, DCAT.Dataset))
    graph.add((subject, QB.structure, c.fmt.structure))
    graph.add((subject, DCTERMS.conformsTo, c.fmt.iri))
    graph.add((subject, dis.agency, c.agency))
    graph.add((subject, DCTERMS.publisher, c.agency))
    graph.add((subject, dis.reportYear, c.year))
    graph.add((subject, DCTERMS.spatial, c.iris.division(agency.division)))
    graph.add((subject, DCTERMS.language, Literal(report.source.language)))
    graph.add((subject, PROV.wasDerivedFrom, source))
    title_zh = f"{agency.name.zh}{report.year}年政府信息公开工作年度报告"
    title_en = f"{agency.name.en}: government information disclosure annual report {report.year}"
    for predicate in (DCTERMS.title, RDFS.label):
        graph.add((subject, predicate, Literal(title_zh, lang="zh")))
        graph.add((subject, predicate, Literal(title_en, lang="en")))

    period = Iris.fragment(subject, "period")
    graph.add((subject, DCTERMS.temporal, period))
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, Literal(report.period_from, datatype=XSD.date)))
    graph.add((period, DCAT.endDate, Literal(report.period_to, datatype=XSD.date)))
    c.stated_at(graph, period, report.period_quote)

    graph.add((source, RDF.type, FOAF.Document))
    graph.add((source, RDF.type, PROV.Entity))
    graph.add((source, DCTERMS.format, Literal(report.source.media_type)))
    graph.add((source, DCTERMS.language, Literal(report.source.language)))
    graph.add((source, DCTERMS.title, Literal(f"{title_zh}（原文）", lang="zh")))
    graph.add((source, DCTERMS.title, Literal(f"{title_en} (source text)", lang="en")))
    if report.source.url:
        graph.add((source, DCTERMS.source, URIRef(report.source.url)))


def _add_figures(graph: Graph, c: _ReportContext) -> None:
    """Each figure: an observation with its measures and unit, or a blank cell (blank is not zero)."""
    report, dis, fmt, by_key = c.report, c.dis, c.fmt, c.by_key
    stated = c.iris.common("cell-status", "stated")
    blank = c.iris.common("cell-status", "blank")
    for figure in report.figures:
        obs = c.iris.figure(report.agency, report.year, figure.key)
        codes = [by_key[key].code_iri(code) for key, code in sorted(figure.codes.items())]
        if figure.value is None:
            graph.add((obs, RDF.type, dis.BlankCell))
            graph.add((obs, dis.cellOf, c.subject))
            graph.add((obs, dis.cellStatus, blank))
        else:
            graph.add((obs, RDF.type, QB.Observation))
            graph.add((obs, QB.dataSet, c.subject))
            measure = fmt.measure_of(codes, dis.count)
            for prop in fmt.measures_for(measure):
                graph.add((obs, prop, _number(figure.value, whole=prop == dis.count)))
            graph.add((obs, dis.cellStatus, stated))
            unit = c.iris.common("unit", figure.unit) if figure.unit else fmt.unit_of(codes)
            if unit is not None:
                graph.add((obs, dis.unit, unit))
        graph.add((obs, dis.agency, c.agency))
        graph.add((obs, dis.reportYear, c.year))
        for key, code in sorted(figure.codes.items()):
            graph.add((obs, by_key[key].property, by_key[key].code_iri(code)))
        c.stated_at(graph, obs, figure.quote, figure.location)


def _add_sections(graph: Graph, c: _ReportContext) -> None:
    """The prose sections, each with its heading and text as the source has them."""
    language = c.report.source.language
    for section in c.report.sections:
        node = Iris.fragment(c.subject, f"section-{section.key}")
        graph.add((node, RDF.type, c.dis.ReportSection))
        graph.add((node, c.dis.sectionOf, c.subject))
        kind = c.fmt.section_code(section.key)
        if kind is not None:
            graph.add((node, DCTERMS.type, kind))
        if section.heading:
            graph.add((node, DCTERMS.title, Literal(section.heading, lang=language)))
        graph.add((node, RDF.value, Literal(section.text.text, lang=language)))
        c.stated_at(graph, node, section.text)


def _add_facts(graph: Graph, c: _ReportContext) -> None:
    """The narrative facts: numbers of the text with their unit and qualifier, and the cells they restate."""
    report, dis = c.report, c.dis
    for fact in report.facts:
        node = c.iris.figure(report.agency, report.year, fact.key)
        graph.add((node, RDF.type, dis.NarrativeFact))
        graph.add((node, dis.factOf, c.subject))
        graph.add((node, RDFS.label, Literal(fact.about.zh, lang="zh")))
        graph.add((node, RDFS.label, Literal(fact.about.en, lang="en")))
        graph.add((node, dis.value, Literal(fact.value, datatype=XSD.decimal)))
        graph.add((node, dis.unit, c.iris.common("unit", fact.unit)))
        graph.add((node, dis.qualifier, c.iris.common("qualifier", fact.qualifier)))
        for key, code in sorted(fact.codes.items()):
            if key in c.by_key:
                graph.add((node, c.by_key[key].property, c.by_key[key].code_iri(code)))
        c.stated_at(graph, node, fact.quote)


def _number(value: int | Decimal, whole: bool) -> Literal:
    """A count as xsd:integer; any other number (and a count with decimals, for SHACL to refuse) as xsd:decimal."""
    if whole and isinstance(value, int):
        return Literal(value, datatype=XSD.integer)
    return Literal(Decimal(value), datatype=XSD.decimal)


def _stated_at(
    graph: Graph,
    iris: Iris,
    node: URIRef,
    source: URIRef,
    quote: Quote,
    text: str,
    location: str | None = None,
    pdf: bool = False,
) -> None:
    """node dis:statedAt a specific resource of the source, selected by quote and position (and XPath for a cell).

    The quote and position selectors select the figure's words in the source's text
    rendition; a table cell's XPath selector selects its cell element. In a web page
    the XPath is a selector of the resource beside the other two: each selects the
    same content, as the Web Annotation model asks of a resource's several selectors.

    In a PDF a cell is located by its page and an XPath ("page 3, (//table)[2]/…"):
    the page is a FragmentSelector (RFC 3778, "page=3"), refined (oa:refinedBy) by the
    XPath selector of the cell. The page alone selects more than the cell, so it is
    not a selector beside the others (a client picks one of those, and would have the
    page); the model's refinement — "a broader selector and the more specific selector
    that SHOULD be applied to the results of the first" — says the cell is in that
    page. The XPath is absolute ("(//table)[2]" counts the document's tables, joined
    across pages): applied within the page it selects the same element of the
    document's tree (records/pdfdoc.py). A web page's graph is what it was.
    """
    dis = vocabulary(iris.base)
    base = str(node).split("#", 1)[0]
    fragment = str(node).split("#", 1)[1] + "-" if "#" in str(node) else ""
    target = Iris.fragment(base, f"{fragment}source")
    by_quote = Iris.fragment(base, f"{fragment}quote")
    by_position = Iris.fragment(base, f"{fragment}position")
    graph.add((node, dis.statedAt, target))
    graph.add((target, RDF.type, OA.SpecificResource))
    graph.add((target, OA.hasSource, source))
    graph.add((target, OA.hasSelector, by_quote))
    graph.add((target, OA.hasSelector, by_position))
    graph.add((by_quote, RDF.type, OA.TextQuoteSelector))
    graph.add((by_quote, OA.exact, Literal(quote.text)))
    graph.add((by_quote, OA.prefix, Literal(text[max(0, quote.offset - CONTEXT_CHARS) : quote.offset])))
    graph.add((by_quote, OA.suffix, Literal(text[quote.end : quote.end + CONTEXT_CHARS])))
    graph.add((by_position, RDF.type, OA.TextPositionSelector))
    # xsd:integer, from 0 as the shapes say: what the store keeps (it keeps xsd:nonNegativeInteger as xsd:integer)
    graph.add((by_position, OA.start, Literal(quote.offset, datatype=XSD.integer)))
    graph.add((by_position, OA.end, Literal(quote.end, datatype=XSD.integer)))
    if location is None:
        return
    by_path = Iris.fragment(base, f"{fragment}xpath")
    paged = PAGE_LOCATION.fullmatch(location) if pdf else None
    if paged is None:
        graph.add((target, OA.hasSelector, by_path))
    else:
        by_page = Iris.fragment(base, f"{fragment}page")
        graph.add((target, OA.hasSelector, by_page))
        graph.add((by_page, RDF.type, OA.FragmentSelector))
        graph.add((by_page, DCTERMS.conformsTo, PDF_FRAGMENTS))
        graph.add((by_page, RDF.value, Literal(f"page={paged[1]}")))
        graph.add((by_page, OA.refinedBy, by_path))
        location = paged[2]
    graph.add((by_path, RDF.type, OA.XPathSelector))
    graph.add((by_path, RDF.value, Literal(location)))


def agencies_graph(registry: Registry, iris: Iris) -> Graph:
    """The agency registry as W3C ORG: organisations, parents and divisions."""
    graph = new_graph(iris)
    for division in registry.divisions.values():
        node = iris.division(division.code)
        graph.add((node, RDF.type, DCTERMS.Location))
        graph.add((node, SKOS.notation, Literal(division.code)))
        _labels(graph, node, division.name.zh, division.name.en)
    for agency in registry.agencies.values():
        node = iris.agency(agency.id)
        graph.add((node, RDF.type, ORG.Organization))
        graph.add((node, RDF.type, ORG.FormalOrganization))
        graph.add((node, SKOS.prefLabel, Literal(agency.name.zh, lang="zh")))
        graph.add((node, SKOS.prefLabel, Literal(agency.name.en, lang="en")))
        _labels(graph, node, agency.name.zh, agency.name.en)
        graph.add((node, SKOS.notation, Literal(agency.id)))
        graph.add((node, DCTERMS.spatial, iris.division(agency.division)))
        graph.add((node, ORG.classification, iris.common("agency-kind", agency.kind)))
        if agency.parent:
            graph.add((node, ORG.subOrganizationOf, iris.agency(agency.parent)))
        if agency.website:
            graph.add((node, FOAF.homepage, URIRef(agency.website)))
    return graph


def _labels(graph: Graph, node: Node, zh: str, en: str) -> None:
    assert isinstance(node, URIRef | BNode)
    graph.add((node, RDFS.label, Literal(zh, lang="zh")))
    graph.add((node, RDFS.label, Literal(en, lang="en")))
