"""Records: the human-edited YAML files under data/, read and checked.

A record file holds one report (agency, year, format, source, period, figures,
facts, prose sections); `agencies.yaml` holds the agency registry. Reading checks
everything a record can get wrong on its own — YAML syntax, duplicate keys, missing
or mistyped fields, unknown agency or format, quotes that are not in the source at
their offsets, table cells that are not where the record says or do not read what
it says — and raises SourceError naming the file, line and field. What depends on
the format's code lists and rules is left to SHACL (validation.py).

A source is plain text, or an HTML page (`.html`/`.htm`). Quotes and offsets refer to
the source's text: for an HTML page, its text rendition (importers/htmldoc.py). A
figure says where the source states it either by `quote` and `offset`, or — for a
table cell of an HTML page — by `at` (the cell's XPath location) and `text` (what
the cell reads, "" for a blank cell). A figure gives its `value`, or `blank: true`
for a cell the source leaves empty (blank is not zero), and may give its `unit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from publisher.errors import SourceError
from publisher.importers.htmldoc import Document, LocationError
from publisher.iris import RESERVED_KEYS, SLUG

FIGURE_FIELDS = frozenset({"value", "blank", "unit", "quote", "offset", "at", "text"})
FACT_FIELDS = frozenset({"about", "value", "unit", "qualifier", "quote", "offset", "restates"})
SECTION_FIELDS = frozenset({"heading", "text", "offset"})
REPORT_FIELDS = frozenset({"agency", "year", "format", "source", "period", "figures", "facts", "sections"})
HTML_SUFFIXES = frozenset({".html", ".htm"})


# ---------------------------------------------------------------------------
# What a record holds
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    zh: str
    en: str


@dataclass(frozen=True)
class Quote:
    """An exact quote of the source text starting at `offset` (Unicode characters)."""

    text: str
    offset: int

    @property
    def end(self) -> int:
        return self.offset + len(self.text)


@dataclass(frozen=True)
class Figure:
    """One figure (or blank cell) the report states: its dimension codes, value and where the source has it.

    `value` is None for a blank cell; a whole number is an int, an amount with decimals a
    Decimal. `location` is the XPath of the table cell for a figure read from an HTML
    table; its `quote` is then the cell's text, at the offset of that text in the
    source's text rendition.
    """

    key: str
    codes: Mapping[str, str]
    value: int | Decimal | None
    quote: Quote
    line: int
    unit: str | None = None
    location: str | None = None

    @property
    def blank(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Fact:
    """A number the narrative mentions that is not a figure of the format.

    `codes` names, when the narrative restates a figure of a table, the dimension codes
    of the cell it restates (empty otherwise).
    """

    key: str
    about: Labels
    value: Decimal
    unit: str
    qualifier: str
    quote: Quote
    line: int
    codes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """A section of the report written as prose: its key in the format's section scheme, its text."""

    key: str
    heading: str | None
    text: Quote
    line: int


@dataclass(frozen=True)
class Source:
    """A source document: its text (for an HTML page, the text rendition) and, for a page, the page."""

    path: Path
    url: str | None
    language: str
    text: str
    document: Document | None = None

    @property
    def media_type(self) -> str:
        return "text/html" if self.document is not None else "text/plain"


@dataclass(frozen=True)
class Report:
    path: Path
    agency: str
    year: int
    format: str
    source: Source
    period_from: dt.date
    period_to: dt.date
    period_quote: Quote
    figures: tuple[Figure, ...]
    facts: tuple[Fact, ...]
    sections: tuple[Section, ...] = ()

    def line_of(self, key: str) -> int | None:
        lines = {entry.key: entry.line for entry in self.figures} | {entry.key: entry.line for entry in self.facts}
        return lines.get(key)


@dataclass(frozen=True)
class Division:
    code: str
    name: Labels


@dataclass(frozen=True)
class Agency:
    id: str
    name: Labels
    division: str
    kind: str
    parent: str | None
    website: str | None


@dataclass(frozen=True)
class Registry:
    path: Path
    agencies: Mapping[str, Agency]
    divisions: Mapping[str, Division]


# ---------------------------------------------------------------------------
# YAML with line numbers and no silent duplicate keys
# ---------------------------------------------------------------------------


class _Mapping(dict[str, Any]):
    """A YAML mapping that remembers the line of each key (1-based)."""

    lines: dict[str, int]
    line: int


class _Loader(yaml.SafeLoader):
    path: str = "<record>"


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.lines = {}
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int):
            raise SourceError(loader.path, f"key {key!r} must be text", line)
        key = str(key)
        if key in mapping:
            raise SourceError(
                loader.path,
                f"duplicate key '{key}' (first given at line {mapping.lines[key]}); "
                "each key may appear once — rename or remove one of them",
                line,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

if hasattr(yaml, "CSafeLoader"):  # PyYAML built with libyaml: the same constructor on a parser in C

    class _FastLoader(yaml.CSafeLoader):
        path: str = "<record>"

    _FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    FAST_LOADER: type[Any] | None = _FastLoader
else:
    FAST_LOADER = None


def load_yaml(path: Path) -> _Mapping:
    """Parse a YAML file whose top level is a mapping, or raise SourceError.

    Parsed with libyaml when PyYAML has it (five times faster); a document libyaml
    refuses is parsed again by PyYAML's own parser, so that the message (and what
    is accepted) is always PyYAML's.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    data: Any = None
    parsed = False
    if FAST_LOADER is not None:
        fast = FAST_LOADER(text)
        fast.path = str(path)
        try:
            data, parsed = fast.get_single_data(), True
        except yaml.YAMLError:
            pass  # said again below, in PyYAML's words
        finally:
            fast.dispose()
    if not parsed:
        loader = _Loader(text)
        loader.path = str(path)
        try:
            data = loader.get_single_data()
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark else None
            raise SourceError(path, f"malformed YAML: {exc.problem}", line) from None
        except yaml.YAMLError as exc:
            raise SourceError(path, f"malformed YAML: {exc}") from None
        finally:
            loader.dispose()
    if not isinstance(data, _Mapping):
        raise SourceError(path, "expected a mapping of fields at the top level")
    return data


# ---------------------------------------------------------------------------
# Field readers: each names the field and what it expects
# ---------------------------------------------------------------------------


class _Fields:
    """Reads typed fields from one mapping, raising SourceError with file, line and field."""

    def __init__(self, path: Path, mapping: _Mapping, where: str = "") -> None:
        self.path = path
        self.mapping = mapping
        self.where = where

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def line(self, key: str | None = None) -> int:
        if key is not None and key in self.mapping.lines:
            return self.mapping.lines[key]
        return self.mapping.line

    def fail(self, key: str | None, expected: str) -> SourceError:
        field = self.name(key) if key else (self.where or "record")
        return SourceError(self.path, f"field '{field}': {expected}", self.line(key))

    def only(self, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in self.mapping:
            if key not in allowed:
                raise self.fail(key, f"unknown field; expected one of {', '.join(sorted(allowed))}")

    def require(self, key: str) -> Any:
        if key not in self.mapping or self.mapping[key] is None:
            raise self.fail(key, "missing; this field is required")
        return self.mapping[key]

    def text(self, key: str, optional: bool = False) -> str | None:
        if optional and self.mapping.get(key) is None:
            return None
        value = self.require(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected text, got {value!r}")
        return value

    def slug(self, key: str) -> str:
        value = self.require(key)
        if not isinstance(value, str) or not SLUG.match(value):
            raise self.fail(key, f"expected an identifier of lowercase letters, digits and hyphens, got {value!r}")
        return value

    def integer(self, key: str) -> int:
        value = self.require(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected a whole number, got {value!r}")
        return value

    def number(self, key: str) -> int | Decimal:
        """A whole number (int), or an amount with decimals written as a decimal number (Decimal)."""
        value = self.require(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and Decimal(repr(value)).is_finite():
            return Decimal(repr(value))
        raise self.fail(
            key, f"expected a whole number, got {value!r}; an amount of money may have decimals, such as 3.75"
        )

    def string(self, key: str) -> str:
        """Text that may be empty (what a blank cell reads)."""
        value = self.require(key)
        if not isinstance(value, str):
            raise self.fail(key, f"expected text in quotes, got {value!r}")
        return value

    def decimal(self, key: str) -> Decimal:
        value = self.require(key)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(key, f"expected a number, got {value!r}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(key, f"expected a number, got {value!r}") from None
        if not number.is_finite():
            raise self.fail(key, f"expected a finite number, got {value!r}")
        return number

    def date(self, key: str) -> dt.date:
        value = self.require(key)
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise self.fail(key, f"expected a date written YYYY-MM-DD, got {value!r}")
        return value

    def mapping_of(self, key: str, optional: bool = False) -> _Fields | None:
        if optional and self.mapping.get(key) is None:
            return None
        value = self.require(key)
        if not isinstance(value, _Mapping):
            raise self.fail(key, "expected a mapping of fields")
        return _Fields(self.path, value, self.name(key))

    def labels(self, key: str) -> Labels:
        sub = self.mapping_of(key)
        assert sub is not None
        sub.only({"zh", "en"})
        return Labels(zh=str(sub.text("zh")), en=str(sub.text("en")))


# ---------------------------------------------------------------------------
# The agency registry
# ---------------------------------------------------------------------------


def load_registry(path: Path) -> Registry:
    """Read `agencies.yaml`: divisions and agencies, parents and divisions resolved."""
    root = _Fields(path, load_yaml(path))
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
    root = _Fields(path, load_yaml(path))
    root.only(REPORT_FIELDS)
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
    source = _read_source(root, path)

    period = root.mapping_of("period")
    assert period is not None
    period.only({"from", "to", "quote", "offset"})
    period_from, period_to = period.date("from"), period.date("to")
    if period_to < period_from:
        raise period.fail("to", f"the period ends ({period_to}) before it starts ({period_from})")
    period_quote = _read_quote(period, source)

    figures: list[Figure] = []
    figure_map = root.mapping_of("figures")
    assert figure_map is not None
    for key in figure_map.mapping:
        entry = _entry(figure_map, key)
        codes = {k: v for k, v in entry.mapping.items() if k not in FIGURE_FIELDS}
        expected = set(formats[format_slug])
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

    facts: list[Fact] = []
    fact_map = root.mapping_of("facts", optional=True)
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
                codes=_read_restated(entry, set(formats[format_slug]), format_slug),
            )
        )

    sections: list[Section] = []
    section_map = root.mapping_of("sections", optional=True)
    for key in section_map.mapping if section_map else ():
        assert section_map is not None
        entry = _entry(section_map, key)
        entry.only(SECTION_FIELDS)
        heading = entry.text("heading", optional=True)
        if heading is not None and heading not in source.text:
            raise entry.fail("heading", f"the heading {heading!r} does not occur in the source; copy it exactly")
        text, offset = entry.string("text"), entry.integer("offset")
        sections.append(Section(key, heading, _check_quote(entry, source, text, offset, "text"), section_map.line(key)))
    return Report(
        path=path,
        agency=agency,
        year=year,
        format=format_slug,
        source=source,
        period_from=period_from,
        period_to=period_to,
        period_quote=period_quote,
        figures=tuple(figures),
        facts=tuple(facts),
        sections=tuple(sections),
    )


def _read_value(entry: _Fields) -> int | Decimal | None:
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


def _read_restated(entry: _Fields, keys: set[str], format_slug: str) -> dict[str, str]:
    restates = entry.mapping_of("restates", optional=True)
    if restates is None:
        return {}
    restates.only(keys)
    for key in sorted(keys - set(restates.mapping)):
        raise restates.fail(key, f"missing; the cell a fact restates needs a code for each dimension of {format_slug}")
    return {key: str(restates.text(key)) for key in sorted(keys)}


def _entry(parent: _Fields, key: str) -> _Fields:
    if not SLUG.match(key) or key in RESERVED_KEYS:
        raise parent.fail(
            key,
            "a key is lowercase letters, digits and hyphens (it becomes part of an IRI)"
            + (f"; '{key}' is reserved" if key in RESERVED_KEYS else ""),
        )
    entry = parent.mapping_of(key)
    assert entry is not None
    return entry


def _read_location(fields: _Fields, source: Source) -> Quote:
    """A table cell of an HTML source, by XPath location, checked to read `text`; its quote in the rendition."""
    if source.document is None:
        raise fields.fail("at", f"a location in the page is only for HTML sources; {source.path.name} is plain text")
    if "quote" in fields.mapping or "offset" in fields.mapping:
        raise fields.fail("at", "give either 'at' and 'text' (a table cell) or 'quote' and 'offset', not both")
    location = fields.text("at")
    assert location is not None
    try:
        element = source.document.resolve(location)
    except LocationError as exc:
        raise fields.fail("at", f"{exc} ({source.path.name})") from None
    expected = fields.string("text")
    found = element.text()
    if found != expected:
        raise fields.fail(
            "text",
            f"the cell at {location} in {source.path.name} reads {found!r}, not {expected!r}; "
            "copy the cell's text exactly ('' for a blank cell)",
        )
    start, _end = source.document.span(element)
    return Quote(text=found, offset=start)


def _read_source(root: _Fields, record_path: Path) -> Source:
    fields = root.mapping_of("source")
    assert fields is not None
    fields.only({"file", "url", "language"})
    name = fields.text("file")
    assert name is not None
    path = record_path.parent / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fields.fail("file", f"source document {path} not found; keep it beside the record") from None
    except UnicodeDecodeError:
        raise fields.fail("file", f"source document {path} is not UTF-8 text") from None
    document = Document(text) if path.suffix.lower() in HTML_SUFFIXES else None
    return Source(
        path=path,
        url=fields.text("url", optional=True),
        language=fields.text("language", optional=True) or "zh",
        text=document.text if document is not None else text,
        document=document,
    )


def _read_quote(fields: _Fields, source: Source) -> Quote:
    text = fields.text("quote")
    assert text is not None
    return _check_quote(fields, source, text, fields.integer("offset"), "quote")


def _check_quote(fields: _Fields, source: Source, text: str, offset: int, field_name: str) -> Quote:
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
