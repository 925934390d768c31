"""Reading records: the report records and the agency registry under data/, checked as they are read.

Reading checks everything a record can get wrong on its own — YAML syntax, duplicate
keys, missing or mistyped fields, unknown agency or format, quotes that are not in the
source at their offsets, table cells that are not where the record says or do not read
what it says — and raises SourceError naming the file, line and field.

A source is plain text, an HTML page or a PDF, in any encoding textdoc.decode reads
(publisher.records.sources). Quotes and offsets refer to the source's text: for a page
or a PDF, its text rendition (htmldoc, pdfdoc); for a saved whole page whose record
gives `source: article:` (the article element's XPath location), the rendition of that
article only. A figure says where the source states it either by `quote` and `offset`,
or — for a table cell of a page or a PDF — by `at` (the cell's location: its XPath, and
for a PDF its page first) and `text` (what the cell reads, "" for a blank cell). A
figure gives its `value`, or `blank: true` for a cell the source leaves empty (blank is
not zero), and may give its `unit`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal
from pathlib import Path

from publisher.errors import SourceError
from publisher.rdf.iris import RESERVED_KEYS, SLUG
from publisher.records.fields import Fields, load_yaml
from publisher.records.htmldoc import LocationError
from publisher.records.model import (
    Agency,
    Division,
    Fact,
    Figure,
    Quote,
    Registry,
    Report,
    Section,
    Source,
)
from publisher.records.sources import HTML, kind_of, open_source

FIGURE_FIELDS = frozenset({"value", "blank", "unit", "quote", "offset", "at", "text"})
FACT_FIELDS = frozenset({"about", "value", "unit", "qualifier", "quote", "offset", "restates"})
SECTION_FIELDS = frozenset({"heading", "text", "offset"})
REPORT_FIELDS = frozenset({"agency", "year", "format", "source", "period", "figures", "facts", "sections"})
#: Suffixes of the source documents read as web pages whatever their bytes (publisher.records.sources).
HTML_SUFFIXES = frozenset({".html", ".htm"})


# ---------------------------------------------------------------------------
# The agency registry
# ---------------------------------------------------------------------------


def load_registry(path: Path) -> Registry:
    """Read `agencies.yaml`: divisions and agencies, parents and divisions resolved."""
    root = Fields(path, load_yaml(path))
    root.only({"divisions", "agencies"})
    divisions: dict[str, Division] = {}
    division_map = root.mapping_of("divisions")
    assert division_map is not None
    for code in division_map.mapping:
        if not code.isdigit() or len(code) != 6:
            raise division_map.fail(code, "expected a six-digit administrative division code (GB/T 2260)")
        entry = division_map.mapping_of(code)
        assert entry is not None
        entry.only({"name"})
        divisions[code] = Division(code=code, name=entry.labels("name"))
    agencies: dict[str, Agency] = {}
    agency_map = root.mapping_of("agencies")
    assert agency_map is not None
    for agency_id in agency_map.mapping:
        if not SLUG.match(agency_id):
            raise agency_map.fail(agency_id, "an agency identifier is lowercase letters, digits and hyphens")
        entry = agency_map.mapping_of(agency_id)
        assert entry is not None
        entry.only({"name", "parent", "division", "website", "kind"})
        division = entry.text("division")
        assert division is not None
        if division not in divisions:
            raise entry.fail("division", f"unknown division {division!r}; add it under 'divisions'")
        kind = entry.text("kind")
        if kind not in ("government", "department"):
            raise entry.fail("kind", f"expected 'government' or 'department', got {kind!r}")
        agencies[agency_id] = Agency(
            id=agency_id,
            name=entry.labels("name"),
            division=division,
            kind=kind,
            parent=entry.text("parent", optional=True),
            website=entry.text("website", optional=True),
        )
    for agency in agencies.values():
        if agency.parent is not None and agency.parent not in agencies:
            fields = agency_map.mapping_of(agency.id)
            assert fields is not None
            raise fields.fail("parent", f"unknown parent agency {agency.parent!r}")
    return Registry(path=path, agencies=agencies, divisions=divisions)


# ---------------------------------------------------------------------------
# Report records
# ---------------------------------------------------------------------------


def load_report(path: Path, registry: Registry, formats: Mapping[str, Collection[str]]) -> Report:
    """Read one report record and its source document, checking every quote.

    `formats` maps each known format to the record keys of its dimensions.
    """
    root = Fields(path, load_yaml(path))
    root.only(REPORT_FIELDS)
    agency, year, format_slug = _read_identity(root, registry, formats)
    source = _read_source(root, path)

    period = root.mapping_of("period")
    assert period is not None
    period.only({"from", "to", "quote", "offset"})
    period_from, period_to = period.date("from"), period.date("to")
    if period_to < period_from:
        raise period.fail("to", f"the period ends ({period_to}) before it starts ({period_from})")
    period_quote = _read_quote(period, source)

    figure_map = root.mapping_of("figures")
    assert figure_map is not None
    dimensions = set(formats[format_slug])
    return Report(
        path=path,
        agency=agency,
        year=year,
        format=format_slug,
        source=source,
        period_from=period_from,
        period_to=period_to,
        period_quote=period_quote,
        figures=_read_figures(figure_map, source, format_slug, dimensions),
        facts=_read_facts(root.mapping_of("facts", optional=True), figure_map, source, format_slug, dimensions),
        sections=_read_sections(root.mapping_of("sections", optional=True), source),
    )


def _read_identity(root: Fields, registry: Registry, formats: Mapping[str, Collection[str]]) -> tuple[str, int, str]:
    """The record's agency (one of the registry's), year and format (one of the known formats)."""
    agency = root.slug("agency")
    if agency not in registry.agencies:
        raise root.fail(
            "agency",
            f"unknown agency {agency!r}; add it to {registry.path} or use one of "
            f"{', '.join(sorted(registry.agencies))}",
        )
    year = root.integer("year")
    if not 2000 <= year <= 2100:
        raise root.fail("year", f"expected a reporting year such as 2011, got {year}")
    known_formats = sorted(formats)
    format_slug = root.slug("format")
    if format_slug not in known_formats:
        raise root.fail("format", f"unknown format {format_slug!r}; known formats: {', '.join(known_formats)}")
    return agency, year, format_slug


def _read_figures(figure_map: Fields, source: Source, format_slug: str, expected: set[str]) -> tuple[Figure, ...]:
    """The figures: each with the codes its format's dimensions need, its value and where the source states it."""
    figures: list[Figure] = []
    for key in figure_map.mapping:
        entry = _entry(figure_map, key)
        codes = {k: v for k, v in entry.mapping.items() if k not in FIGURE_FIELDS}
        for code_key in sorted(set(codes) - expected):
            raise entry.fail(
                code_key,
                f"unknown field; a figure of format {format_slug} has {', '.join(sorted(expected | FIGURE_FIELDS))}",
            )
        for code_key in sorted(expected - set(codes)):
            raise entry.fail(code_key, f"missing; format {format_slug} needs a code for it")
        for code_key, code in codes.items():
            if not isinstance(code, str) or not code:
                raise entry.fail(code_key, f"expected a code of the format, got {code!r}")
        figures.append(
            Figure(
                key=key,
                codes=codes,
                value=_read_value(entry),
                quote=_read_location(entry, source) if "at" in entry.mapping else _read_quote(entry, source),
                line=figure_map.line(key),
                unit=entry.slug("unit") if "unit" in entry.mapping else None,
                location=str(entry.text("at")) if "at" in entry.mapping else None,
            )
        )
    return tuple(figures)


def _read_facts(
    fact_map: Fields | None, figure_map: Fields, source: Source, format_slug: str, dimensions: set[str]
) -> tuple[Fact, ...]:
    """The narrative facts: numbers of the text that are not figures of the format, keys unique across both."""
    facts: list[Fact] = []
    for key in fact_map.mapping if fact_map else ():
        assert fact_map is not None
        if key in figure_map.mapping:
            raise fact_map.fail(key, f"the key is also a figure's (line {figure_map.line(key)}); keys must be unique")
        entry = _entry(fact_map, key)
        entry.only(FACT_FIELDS)
        facts.append(
            Fact(
                key=key,
                about=entry.labels("about"),
                value=entry.decimal("value"),
                unit=entry.slug("unit"),
                qualifier=entry.slug("qualifier") if "qualifier" in entry.mapping else "exact",
                quote=_read_quote(entry, source),
                line=fact_map.line(key),
                codes=_read_restated(entry, dimensions, format_slug),
            )
        )
    return tuple(facts)


def _read_sections(section_map: Fields | None, source: Source) -> tuple[Section, ...]:
    """The prose sections: heading (as the source has it) and text at its offset."""
    sections: list[Section] = []
    for key in section_map.mapping if section_map else ():
        assert section_map is not None
        entry = _entry(section_map, key)
        entry.only(SECTION_FIELDS)
        heading = entry.text("heading", optional=True)
        if heading is not None and heading not in source.text:
            raise entry.fail("heading", f"the heading {heading!r} does not occur in the source; copy it exactly")
        text, offset = entry.string("text"), entry.integer("offset")
        sections.append(Section(key, heading, _check_quote(entry, source, text, offset, "text"), section_map.line(key)))
    return tuple(sections)


def _read_value(entry: Fields) -> int | Decimal | None:
    """The figure's value, or None for `blank: true` (never both: blank is not zero)."""
    if "blank" in entry.mapping:
        if entry.mapping["blank"] is not True:
            raise entry.fail(
                "blank", f"write 'blank: true' for a cell the source leaves empty, got {entry.mapping['blank']!r}"
            )
        if "value" in entry.mapping:
            raise entry.fail("value", "a blank cell has no value: give either 'value' or 'blank: true', not both")
        return None
    return entry.number("value")


def _read_restated(entry: Fields, keys: set[str], format_slug: str) -> dict[str, str]:
    restates = entry.mapping_of("restates", optional=True)
    if restates is None:
        return {}
    restates.only(keys)
    for key in sorted(keys - set(restates.mapping)):
        raise restates.fail(key, f"missing; the cell a fact restates needs a code for each dimension of {format_slug}")
    return {key: str(restates.text(key)) for key in sorted(keys)}


def _entry(parent: Fields, key: str) -> Fields:
    if not SLUG.match(key) or key in RESERVED_KEYS:
        raise parent.fail(
            key,
            "a key is lowercase letters, digits and hyphens (it becomes part of an IRI)"
            + (f"; '{key}' is reserved" if key in RESERVED_KEYS else ""),
        )
    entry = parent.mapping_of(key)
    assert entry is not None
    return entry


def _read_location(fields: Fields, source: Source) -> Quote:
    """A table cell of an HTML source, by XPath location, checked to read `text`; its quote in the rendition."""
    if source.document is None:
        raise fields.fail("at", f"a cell's location is only for pages and PDFs; {source.path.name} is plain text")
    if "quote" in fields.mapping or "offset" in fields.mapping:
        raise fields.fail("at", "give either 'at' and 'text' (a table cell) or 'quote' and 'offset', not both")
    location = fields.text("at")
    assert location is not None
    try:
        element = source.document.resolve(location)
    except LocationError as exc:
        raise fields.fail("at", f"{exc} ({source.path.name})") from None
    expected = fields.string("text")
    found, start = source.document.cell_text(element)
    if found != expected:
        raise fields.fail(
            "text",
            f"the cell at {location} in {source.path.name} reads {found!r}, not {expected!r}; "
            "copy the cell's text exactly ('' for a blank cell)",
        )
    if start is None:
        start, _end = source.document.span(element, found)
    return Quote(text=found, offset=start)


def _read_source(root: Fields, record_path: Path) -> Source:
    """The source document beside the record, read into its text rendition (a page's article's, if `article`)."""
    fields = root.mapping_of("source")
    assert fields is not None
    fields.only({"file", "url", "language", "article"})
    name = fields.text("file")
    assert name is not None
    path = record_path.parent / name
    article = fields.text("article", optional=True)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise fields.fail("file", f"source document {path} not found; keep it beside the record") from None
    except OSError as exc:
        raise fields.fail("file", f"source document {path} cannot be read ({exc.strerror or exc})") from None
    if article is not None and kind_of(data, path) != HTML:
        raise fields.fail("article", f"only a web page has an article; {name} is not one: leave 'article' out")
    try:
        opened = open_source(data, path, article)
    except LocationError as exc:
        raise fields.fail("article", f"{exc} in {name}: give the article's location as the importer wrote it") from None
    except SourceError as exc:
        raise fields.fail("file", f"source document {exc}") from None
    return Source(
        path=path,
        url=fields.text("url", optional=True),
        language=fields.text("language", optional=True) or "zh",
        text=opened.text,
        document=opened.document,
        media_type=opened.media_type,
        article=article,
    )


def _read_quote(fields: Fields, source: Source) -> Quote:
    text = fields.text("quote")
    assert text is not None
    return _check_quote(fields, source, text, fields.integer("offset"), "quote")


def _check_quote(fields: Fields, source: Source, text: str, offset: int, field_name: str) -> Quote:
    """The quote, if the source's text has it at the offset; else SourceError saying where it is."""
    found = source.text[offset : offset + len(text)] if offset >= 0 else ""
    where = f"the source ({source.path.name}{', its text rendition' if source.document else ''})"
    if found != text:
        at = [i for i in range(len(source.text)) if source.text.startswith(text, i)]
        if not at:  # the quote itself is wrong, not its offset: name the quote's line
            raise fields.fail(
                field_name,
                f"the {field_name} does not occur anywhere in {where}; "
                f"at offset {offset} the source has {found!r} — copy the {field_name} exactly",
            )
        raise fields.fail(
            "offset",
            f"{where} does not have the {field_name} at offset {offset} "
            f"(it has {found!r} there); the {field_name} occurs at offset {', '.join(map(str, at))}",
        )
    return Quote(text=text, offset=offset)


def find_records(data_dir: Path) -> list[Path]:
    """Every report record under data_dir/reports, in a stable order (by agency folder, then file name)."""
    return sorted((data_dir / "reports").glob("*/*.yaml"), key=lambda path: (path.parent.name, path.name))
