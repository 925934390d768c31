"""The tables of a report (a page's or a PDF's) mapped onto a format, cell by cell.

Each table of the page (not one used only to lay out the page around other tables)
is laid out on a grid, rowspan and colspan spread over the rows and columns they
cover. Its cells are labels, numbers (a unit may be written in the cell, as in
251000元; full-width digits and signs are read as such) or blank (empty, or only
spaces and &nbsp;). The page table is the format table whose labels it shares most.

A number or blank cell takes its row from the nearest label on its left (else
above it: table 四 prints its three blocks as headings) and its column from the
nearest label above it (else on its left), labels that name neither being passed
over only if the format knows them (a table's title, the text over its row labels).
Statistics sheets (政府信息公开情况统计表) name each row's unit in a cell of its own
(计量单位: 条, 件, 元): such a cell is the unit of the numbers on its row, not a label,
and a column heading that names the year (2011年度) is read as 年度. A row may be one
of money (收费减免金额, in 元) as well as a column.
If the nearest label is one the format does not know, the cell is not guessed at:
it is reported, as is every unknown label, every number that does not land on a
cell of the format, a cell given twice, and every cell of a format table the page
does not give. A blank cell stays blank: it is recorded as blank, never as 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import URIRef

from publisher.importers.layout import Concept, Layout, TableLayout, fold, normalise, split_unit
from publisher.records.htmldoc import CELLS, Element, SourceDocument, table_rows

NUMBER = re.compile(r"(?P<sign>[+-]?)(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?(?P<unit>\D*)")
# Cells that hold a mark instead of a number: a dash, a slash, 无. Blank or 0? Not for the importer to guess.
MARKS = frozenset({"-", "—", "——", "–", "/", "\\", "无", "空", "×", "x"})
COUNTING_WORDS = frozenset({"个"})  # written after a count without naming a unit of the format
YEAR_HEADING = re.compile(r"^\s*(?:19|20)\d{2}\s*(?=年度)")  # 2011年度 over a sheet's column of the year


@dataclass(frozen=True)
class Unmapped:
    """Something the importer read but could not map: where it is, what it says, and why."""

    location: str
    text: str
    reason: str


@dataclass(frozen=True)
class CellFigure:
    """A figure, or a blank cell, read from a table cell."""

    codes: dict[str, str]
    value: int | Decimal | None
    unit: str | None
    location: str
    text: str
    row: Concept
    column: Concept
    table: TableLayout


@dataclass
class GridCell:
    element: Element
    row: int
    col: int
    text: str
    kind: str  # "blank", "number", "mark" (a dash, 无 …), "unit" (条 in a 计量单位 column) or "label"
    key: str = ""
    value: int | Decimal | None = None
    unit: str | None = None  # the unit written in the cell (its Chinese label), if any


@dataclass
class TablesResult:
    figures: list[CellFigure] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    found: list[tuple[str, TableLayout]] = field(default_factory=list)  # page table location, format table
    spans: list[tuple[int, int]] = field(default_factory=list)  # where the page tables are in the rendition
    score: int = 0  # labels of the page that the format knows


def read_number(text: str, layout: Layout) -> tuple[int | Decimal, str | None] | None:
    """A cell's number and the unit written with it, or None if the cell is not a number."""
    compact = "".join(fold(text).split())
    match = NUMBER.fullmatch(compact)
    if match is None:
        return None
    unit = match["unit"] or None
    if unit is not None and unit not in layout.units and unit not in COUNTING_WORDS:
        return None
    digits = match["sign"] + match["digits"].replace(",", "")
    if match["fraction"] is not None:
        return Decimal(f"{digits}.{match['fraction']}"), unit
    return int(digits), unit


def report_tables(document: SourceDocument) -> list[Element]:
    """The page's tables, without those that only hold other tables (a page layout)."""
    return [t for t in document.tables() if not any(e.tag == "table" for e in list(t.iter())[1:])]


def grid_of(table: Element, layout: Layout) -> list[list[GridCell | None]]:
    """The table on a grid: each physical cell at every row and column its spans cover."""
    rows = table_rows(table)
    grid: list[list[GridCell | None]] = [[] for _ in rows]
    for r, tr in enumerate(rows):
        c = 0
        for element in (e for e in tr.elements if e.tag in CELLS):
            while c < len(grid[r]) and grid[r][c] is not None:
                c += 1
            text = element.text()
            cell = GridCell(element, r, c, text, "label")
            if not text.strip():
                cell.kind = "blank"
            elif "".join(fold(text).split()) in MARKS:
                cell.kind = "mark"
            elif (number := read_number(text, layout)) is not None:
                cell.kind, (cell.value, cell.unit) = "number", number
            elif "".join(fold(text).split()) in layout.units:
                cell.kind, cell.unit = "unit", "".join(fold(text).split())
            else:
                cell.key = normalise(YEAR_HEADING.sub("", text, count=1))
            for dr in range(min(element.span_attr("rowspan"), len(rows) - r)):
                line = grid[r + dr]
                for dc in range(element.span_attr("colspan")):
                    while len(line) <= c + dc:
                        line.append(None)
                    line[c + dc] = cell
            c += element.span_attr("colspan")
    return grid


def _cells(grid: list[list[GridCell | None]]) -> Iterator[GridCell]:
    seen: set[int] = set()
    for line in grid:
        for cell in line:
            if cell is not None and id(cell) not in seen:
                seen.add(id(cell))
                yield cell


def read_tables(document: SourceDocument, layout: Layout) -> TablesResult:
    """Every cell of the page's report tables, mapped onto the format's tables, and what could not be."""
    result = TablesResult()
    if not layout.tables:
        return result
    given: dict[tuple[URIRef, URIRef], str] = {}
    for table in report_tables(document):
        location = document.locate(table)
        grid = grid_of(table, layout)
        cells = list(_cells(grid))
        labels = [c for c in cells if c.kind == "label"]
        matched = max(layout.tables, key=lambda t: (sum(t.matches(c.key) for c in labels), -layout.tables.index(t)))
        count = sum(matched.matches(c.key) for c in labels)
        if count == 0:
            if any(c.kind == "number" for c in cells):
                preview = " / ".join(c.text for c in labels[:3])
                result.unmapped.append(
                    Unmapped(location, preview, f"this table is none of the tables of {layout.slug}")
                )
            continue
        result.score += count
        result.found.append((location, matched))
        result.spans.append(document.span(table))
        for cell in labels:
            if not matched.matches(cell.key):
                result.unmapped.append(
                    Unmapped(document.locate(cell.element), cell.text, f"a label that {matched.label_zh} does not have")
                )
        for cell in cells:
            if cell.kind == "mark":
                reason = "a mark, not a number: blank or 0? The importer does not guess; give the cell yourself"
                result.unmapped.append(Unmapped(document.locate(cell.element), cell.text, reason))
                continue
            if cell.kind == "label":
                continue
            figure = _resolve(cell, grid, matched, layout, document, result)
            if figure is None:
                continue
            pair = (figure.row.iri, figure.column.iri)
            if pair in given:
                result.unmapped.append(
                    Unmapped(figure.location, figure.text, f"the same cell is already given at {given[pair]}")
                )
                continue
            given[pair] = figure.location
            result.figures.append(figure)
    prose = layout.prose_tables()
    present = {found.scheme for _location, found in result.found}
    for expected in layout.tables:
        if expected.scheme in prose:
            continue
        if expected.scheme not in present:
            result.unmapped.append(Unmapped("(page)", expected.label_zh, f"the page has no table {expected.label_zh}"))
            continue
        for row in expected.rows:
            missing = [c.label_zh for c in expected.columns if (row.iri, c.iri) in expected.cells - given.keys()]
            if missing:
                reason = f"the page gives no cell of row {row.label_zh} in column(s) {', '.join(missing)}"
                result.unmapped.append(Unmapped("(page)", row.label_zh, reason))
    return result


def _resolve(
    cell: GridCell,
    grid: list[list[GridCell | None]],
    table: TableLayout,
    layout: Layout,
    document: SourceDocument,
    result: TablesResult,
) -> CellFigure | None:
    """The figure a number or blank cell gives, or None (reported, unless a blank cell outside the data)."""
    location = document.locate(cell.element)
    left = [grid[cell.row][c] for c in range(cell.col - 1, -1, -1) if c < len(grid[cell.row])]
    above = [grid[r][cell.col] if cell.col < len(grid[r]) else None for r in range(cell.row - 1, -1, -1)]
    row, row_problem = _nearest(left, table, rows=True)
    if row is None and row_problem is None:
        row, row_problem = _nearest(above, table, rows=True)
    column, column_problem, header = _nearest_column(above, table)
    if column is None and column_problem is None:
        column, column_problem, header = _nearest_column(left, table)
    problem = row_problem or column_problem
    if row is None or column is None or problem:
        if cell.kind == "number":
            result.unmapped.append(Unmapped(location, cell.text, problem or "no row or column label for this number"))
        return None
    if row.is_group or column.is_group or (row.iri, column.iri) not in table.cells:
        if cell.kind == "number":
            result.unmapped.append(
                Unmapped(
                    location, cell.text, f"row {row.label_zh} and column {column.label_zh} make no cell of the format"
                )
            )
        return None
    assert row.dimension and row.code and column.dimension and column.code
    codes = {row.dimension: row.code, column.dimension: column.code}
    if cell.kind == "blank":
        return CellFigure(codes, None, None, location, cell.text, row, column, table)
    assert cell.value is not None
    money = any(c.measure is not None and c.measure.endswith("#amount") for c in (column, row))
    on_row = next((c.unit for c in left if c is not None and c.kind == "unit" and c.unit), None)
    written = layout.units.get(cell.unit or on_row or "")
    if not money:
        if isinstance(cell.value, Decimal) or (written is not None and written.money):
            result.unmapped.append(Unmapped(location, cell.text, f"column {column.label_zh} counts in whole numbers"))
            return None
        unit_code = layout.units[on_row].code if on_row else None
        return CellFigure(codes, cell.value, unit_code, location, cell.text, row, column, table)
    unit = written or (layout.units.get(header) if header else None)
    code = unit.code if unit is not None else _unit_code(column.unit)
    if unit is not None and not unit.money:
        result.unmapped.append(Unmapped(location, cell.text, f"column {column.label_zh} is an amount of money"))
        return None
    if code is None:
        result.unmapped.append(
            Unmapped(location, cell.text, "an amount of money with no unit in the cell or the header: give its unit")
        )
    return CellFigure(codes, Decimal(cell.value), code, location, cell.text, row, column, table)


def _unit_code(unit: URIRef | None) -> str | None:
    return str(unit).rsplit("/", 1)[1] if unit is not None else None


def _nearest(cells: list[GridCell | None], table: TableLayout, rows: bool) -> tuple[Concept | None, str | None]:
    """The nearest row (or column) among `cells`; labels of the other kind and known texts are passed over."""
    for cell in cells:
        if cell is None or cell.kind != "label":
            continue
        own = table.rows_matching(cell.key) if rows else table.columns_matching(cell.key)
        if own:
            return _most_specific(own), None
        other = table.columns_matching(cell.key) if rows else table.rows_matching(cell.key)
        if other or cell.key in table.known:
            continue
        return None, f"its {'row' if rows else 'column'} label {cell.text!r} is not one the format knows"
    return None, None


def _nearest_column(cells: list[GridCell | None], table: TableLayout) -> tuple[Concept | None, str | None, str | None]:
    """The nearest column among `cells`, with the unit its heading names in brackets (if any)."""
    column, problem = _nearest(cells, table, rows=False)
    if column is None:
        return None, problem, None
    for cell in cells:
        if cell is not None and cell.kind == "label" and column in table.columns_matching(cell.key):
            return column, None, split_unit(cell.text)[1]
    return column, None, None


def _most_specific(concepts: list[Concept]) -> Concept:
    """Of concepts sharing a label, one that is not a group, else the first."""
    return next((c for c in concepts if not c.is_group), concepts[0])
