"""Record → N-Triples terms: a report's triples as text, the triples `reports.report_graph` makes, without rdflib.

The build's workers need a report's graph twice: as sorted N-Triples (what is cached,
bulk-loaded and published) and as what the core shapes read (validation/coreshapes.py,
dictionaries of terms). Both are made from the triples here, each term the text
rdflib's N-Triples serialiser writes for the term `report_graph` makes (rdf/ntterms.py).
Making rdflib terms and adding some 5,000 of them to an rdflib graph was most of what a
national report's graph cost a worker (≈ 68 ms); writing their text is a fraction of it.
The few literals whose lexical form rdflib computes from a value (dates, decimals, the
year) are still made by rdflib, so the text is rdflib's by construction.

`report_graph` (reports.py, beside this) stays the reference and what the rest of the
publisher reads; tests/test_report_triples.py holds the two byte-identical as sorted
N-Triples on every record the tests read. A change to one is a change to the other.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache

from rdflib import Literal, URIRef

from publisher.graph.formats import Format
from publisher.graph.reports import CONTEXT_CHARS
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DCAT, DCTERMS, FOAF, OA, PDF_FRAGMENTS, PROV, QB, RDF, RDFS, XSD, vocabulary
from publisher.rdf.ntterms import TermTriple, iri_term, literal_term, node_term
from publisher.records.model import Quote, Registry, Report
from publisher.records.pdfdoc import PAGE_LOCATION
from publisher.records.sources import PDF

Add = Callable[[TermTriple], None]

INTEGER = str(XSD.integer)
DECIMAL = str(XSD.decimal)


def _term(node: URIRef) -> str:
    return iri_term(str(node))


class _Terms:
    """The IRIs a report's triples use, as N-Triples terms (made once per base IRI)."""

    def __init__(self, base: str) -> None:
        dis = vocabulary(base)
        self.count = dis.count
        self.type, self.value, self.label = _term(RDF.type), _term(RDF.value), _term(RDFS.label)
        self.title, self.conforms_to = _term(DCTERMS.title), _term(DCTERMS.conformsTo)
        self.dct_type, self.language = _term(DCTERMS.type), _term(DCTERMS.language)
        self.annual_report, self.dataset = _term(dis.AnnualReport), _term(QB.DataSet)
        self.dcat_dataset, self.structure = _term(DCAT.Dataset), _term(QB.structure)
        self.publisher, self.spatial = _term(DCTERMS.publisher), _term(DCTERMS.spatial)
        self.agency, self.report_year = _term(dis.agency), _term(dis.reportYear)
        self.derived_from, self.temporal = _term(PROV.wasDerivedFrom), _term(DCTERMS.temporal)
        self.period, self.start_date = _term(DCTERMS.PeriodOfTime), _term(DCAT.startDate)
        self.end_date, self.document, self.entity = _term(DCAT.endDate), _term(FOAF.Document), _term(PROV.Entity)
        self.format, self.source = _term(DCTERMS.format), _term(DCTERMS.source)
        self.blank_cell, self.cell_of = _term(dis.BlankCell), _term(dis.cellOf)
        self.cell_status, self.observation = _term(dis.cellStatus), _term(QB.Observation)
        self.data_set, self.unit = _term(QB.dataSet), _term(dis.unit)
        self.section, self.section_of = _term(dis.ReportSection), _term(dis.sectionOf)
        self.fact, self.fact_of, self.fact_value = _term(dis.NarrativeFact), _term(dis.factOf), _term(dis.value)
        self.qualifier, self.stated_at = _term(dis.qualifier), _term(dis.statedAt)
        self.specific, self.has_source = _term(OA.SpecificResource), _term(OA.hasSource)
        self.has_selector, self.quote_selector = _term(OA.hasSelector), _term(OA.TextQuoteSelector)
        self.exact, self.prefix, self.suffix = _term(OA.exact), _term(OA.prefix), _term(OA.suffix)
        self.position_selector, self.start, self.end = _term(OA.TextPositionSelector), _term(OA.start), _term(OA.end)
        self.fragment_selector, self.pdf_fragments = _term(OA.FragmentSelector), _term(PDF_FRAGMENTS)
        self.refined_by, self.xpath_selector = _term(OA.refinedBy), _term(OA.XPathSelector)


@cache
def _terms(base: str) -> _Terms:
    return _Terms(base)


def report_triples(report: Report, registry: Registry, fmt: Format, iris: Iris) -> list[TermTriple]:
    """The triples of `report_graph(report, registry, fmt, iris)`, as N-Triples terms (each triple once or more)."""
    triples: list[TermTriple] = []
    context = _ReportContext(report, fmt, iris, triples.append)
    _describe_report(context, registry)
    _add_figures(context)
    _add_sections(context)
    _add_facts(context)
    return triples


class _ReportContext:
    """What every part of a report's triples refers to: the report, its IRIs as terms, its format's dimensions."""

    def __init__(self, report: Report, fmt: Format, iris: Iris, add: Add) -> None:
        self.report = report
        self.fmt = fmt
        self.iris = iris
        self.add = add
        self.t = _terms(iris.base)
        self.subject_iri = str(iris.report(report.agency, report.year))
        self.subject = iri_term(self.subject_iri)
        self.source = iri_term(str(iris.source(report.agency, report.year)))
        self.agency = iri_term(str(iris.agency(report.agency)))
        self.year = node_term(Literal(str(report.year), datatype=XSD.gYear))
        self.figures = str(iris.figure(report.agency, report.year, ""))  # a figure's IRI is this and its key
        self.by_key = {d.record_key: d for d in fmt.dimensions}
        self.measures: dict[tuple[URIRef, ...], tuple[tuple[str, bool], ...]] = {}
        self.text = report.source.text
        self.pdf = report.source.media_type == PDF
        node_term(Literal("", lang=report.source.language))  # rdflib's check of the language tag, as report_graph's
        self.language = report.source.language

    def measures_of(self, codes: tuple[URIRef, ...]) -> tuple[tuple[str, bool], ...]:
        """The measures a cell with these codes states its number with: (property as a term, whether dis:count)."""
        found = self.measures.get(codes)
        if found is None:
            fmt, count = self.fmt, self.t.count
            measures = fmt.measures_for(fmt.measure_of(codes, count))
            found = self.measures[codes] = tuple((_term(p), p == count) for p in measures)
        return found

    def stated_at(self, node_iri: str, node: str, quote: Quote, location: str | None = None) -> None:
        """`reports._stated_at`: node dis:statedAt a resource of the source, selected by quote and position."""
        add, t, text = self.add, self.t, self.text
        base, hashed, fragment = node_iri.partition("#")
        stem = f"<{base}#{fragment}-" if hashed else f"<{base}#"
        target, by_quote, by_position = f"{stem}source>", f"{stem}quote>", f"{stem}position>"
        add((node, t.stated_at, target))
        add((target, t.type, t.specific))
        add((target, t.has_source, self.source))
        add((target, t.has_selector, by_quote))
        add((target, t.has_selector, by_position))
        add((by_quote, t.type, t.quote_selector))
        add((by_quote, t.exact, literal_term(quote.text)))
        add((by_quote, t.prefix, literal_term(text[max(0, quote.offset - CONTEXT_CHARS) : quote.offset])))
        add((by_quote, t.suffix, literal_term(text[quote.end : quote.end + CONTEXT_CHARS])))
        add((by_position, t.type, t.position_selector))
        add((by_position, t.start, literal_term(str(quote.offset), INTEGER)))
        add((by_position, t.end, literal_term(str(quote.end), INTEGER)))
        if location is None:
            return
        by_path = f"{stem}xpath>"
        paged = PAGE_LOCATION.fullmatch(location) if self.pdf else None
        if paged is None:
            add((target, t.has_selector, by_path))
        else:
            by_page = f"{stem}page>"
            add((target, t.has_selector, by_page))
            add((by_page, t.type, t.fragment_selector))
            add((by_page, t.conforms_to, t.pdf_fragments))
            add((by_page, t.value, literal_term(f"page={paged[1]}")))
            add((by_page, t.refined_by, by_path))
            location = paged[2]
        add((by_path, t.type, t.xpath_selector))
        add((by_path, t.value, literal_term(location)))


def _describe_report(c: _ReportContext, registry: Registry) -> None:
    """`reports._describe_report`: the report as a data set, its statistics period and its source document."""
    report, add, t, subject, source = c.report, c.add, c.t, c.subject, c.source
    agency = registry.agencies[report.agency]
    add((subject, t.type, t.annual_report))
    add((subject, t.type, t.dataset))
    add((subject, t.type, t.dcat_dataset))
    add((subject, t.structure, node_term(c.fmt.structure)))
    add((subject, t.conforms_to, node_term(c.fmt.iri)))
    add((subject, t.agency, c.agency))
    add((subject, t.publisher, c.agency))
    add((subject, t.report_year, c.year))
    add((subject, t.spatial, node_term(c.iris.division(agency.division))))
    add((subject, t.language, literal_term(report.source.language)))
    add((subject, t.derived_from, source))
    title_zh = f"{agency.name.zh}{report.year}年政府信息公开工作年度报告"
    title_en = f"{agency.name.en}: government information disclosure annual report {report.year}"
    for predicate in (t.title, t.label):
        add((subject, predicate, literal_term(title_zh, language="zh")))
        add((subject, predicate, literal_term(title_en, language="en")))

    period_iri = f"{c.subject_iri}#period"
    period = iri_term(period_iri)
    add((subject, t.temporal, period))
    add((period, t.type, t.period))
    add((period, t.start_date, node_term(Literal(report.period_from, datatype=XSD.date))))
    add((period, t.end_date, node_term(Literal(report.period_to, datatype=XSD.date))))
    c.stated_at(period_iri, period, report.period_quote)

    add((source, t.type, t.document))
    add((source, t.type, t.entity))
    add((source, t.format, literal_term(report.source.media_type)))
    add((source, t.language, literal_term(report.source.language)))
    add((source, t.title, literal_term(f"{title_zh}（原文）", language="zh")))
    add((source, t.title, literal_term(f"{title_en} (source text)", language="en")))
    if report.source.url:
        add((source, t.source, node_term(URIRef(report.source.url))))


def _add_figures(c: _ReportContext) -> None:
    """`reports._add_figures`: each figure an observation with its measures and unit, or a blank cell."""
    report, add, t, fmt, by_key = c.report, c.add, c.t, c.fmt, c.by_key
    stated = iri_term(str(c.iris.common("cell-status", "stated")))
    blank = iri_term(str(c.iris.common("cell-status", "blank")))
    for figure in report.figures:
        obs_iri = c.figures + figure.key
        obs = iri_term(obs_iri)
        items = sorted(figure.codes.items())
        if figure.value is None:
            add((obs, t.type, t.blank_cell))
            add((obs, t.cell_of, c.subject))
            add((obs, t.cell_status, blank))
        else:
            codes = tuple(by_key[key].code_iri(code) for key, code in items)
            add((obs, t.type, t.observation))
            add((obs, t.data_set, c.subject))
            for prop, whole in c.measures_of(codes):
                add((obs, prop, _number(figure.value, whole)))
            add((obs, t.cell_status, stated))
            unit = c.iris.common("unit", figure.unit) if figure.unit else fmt.unit_of(codes)
            if unit is not None:
                add((obs, t.unit, iri_term(str(unit))))
        add((obs, t.agency, c.agency))
        add((obs, t.report_year, c.year))
        for key, code in items:
            dimension = by_key[key]
            add((obs, iri_term(str(dimension.property)), iri_term(dimension.code_base + code)))
        c.stated_at(obs_iri, obs, figure.quote, figure.location)


def _add_sections(c: _ReportContext) -> None:
    """`reports._add_sections`: the prose sections, each with its heading and text as the source has them."""
    add, t, language = c.add, c.t, c.language
    for section in c.report.sections:
        node_iri = f"{c.subject_iri}#section-{section.key}"
        node = iri_term(node_iri)
        add((node, t.type, t.section))
        add((node, t.section_of, c.subject))
        kind = c.fmt.section_code(section.key)
        if kind is not None:
            add((node, t.dct_type, iri_term(str(kind))))
        if section.heading:
            add((node, t.title, literal_term(section.heading, language=language)))
        add((node, t.value, literal_term(section.text.text, language=language)))
        c.stated_at(node_iri, node, section.text)


def _add_facts(c: _ReportContext) -> None:
    """`reports._add_facts`: the narrative facts, with their unit and qualifier, and the cells they restate."""
    report, add, t = c.report, c.add, c.t
    for fact in report.facts:
        node_iri = c.figures + fact.key
        node = iri_term(node_iri)
        add((node, t.type, t.fact))
        add((node, t.fact_of, c.subject))
        add((node, t.label, literal_term(fact.about.zh, language="zh")))
        add((node, t.label, literal_term(fact.about.en, language="en")))
        add((node, t.fact_value, node_term(Literal(fact.value, datatype=XSD.decimal))))
        add((node, t.unit, iri_term(str(c.iris.common("unit", fact.unit)))))
        add((node, t.qualifier, iri_term(str(c.iris.common("qualifier", fact.qualifier)))))
        for key, code in sorted(fact.codes.items()):
            if key in c.by_key:
                dimension = c.by_key[key]
                add((node, iri_term(str(dimension.property)), iri_term(dimension.code_base + code)))
        c.stated_at(node_iri, node, fact.quote)


def _number(value: int | Decimal, whole: bool) -> str:
    """`reports._number` as a term: a count as xsd:integer, any other number as xsd:decimal (rdflib's lexical form)."""
    if isinstance(value, int):
        return literal_term(str(value), INTEGER if whole else DECIMAL)  # rdflib writes a whole Decimal so too
    return node_term(Literal(Decimal(value), datatype=XSD.decimal))
