"""Reading a record the short ways gives what the plain ways give (#17, build speed).

- YAML built straight from libyaml's events (`fields._from_events`) is what PyYAML's own
  loader reads, and a document it leaves to the loaders (anchors, tags, duplicate keys,
  errors) is read, or refused with the same message, as before;
- a cell's text read from the page's rendition (`Document.cell_text`) is the text
  `Element.text` writes and starts where `SourceDocument.span` finds it, for every element
  of the national examples, the real pages and a few thousand pages of tag soup;
- a checked report is cached with its source's text but not its parsed document, its graph
  written once (the N-Triples beside it, not pickled again), and read back equal to the
  report in every other part.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from publisher.build.checked import CheckedReport, cache_file, graph_file, read_cache, write_cache
from publisher.errors import SourceError
from publisher.graph.reporttriples import report_triples
from publisher.rdf.ntterms import sorted_term_ntriples
from publisher.records import fields
from publisher.records.fields import LineLoader, YamlMapping, load_yaml
from publisher.records.htmldoc import Document, LocationError
from publisher.records.textdoc import decode
from tests.fixtures import examples
from tests.helpers import REAL_REPORTS


def pure_yaml(text: str) -> Any:
    loader = LineLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def shape(value: Any) -> Any:
    """A value with its type, and for a mapping its own line and every key's, all compared at once."""
    if isinstance(value, YamlMapping):
        return ("mapping", value.line, value.lines, [(k, shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [shape(v) for v in value])
    return (type(value).__name__, value)


DOCUMENTS = {
    "record": (
        "# a comment\nagency: a-b\nyear: 2020\nformat: national-2019\nsource:\n  file: x.html\n"
        'period:\n  from: 2020-01-01\n  to: 2020-12-31\n  quote: "本报告"\n  offset: 0\n'
        "figures:\n  f-1:\n    item: x/y\n    value: 3.75\n    blank: true\n"
        "    at: '(//table)[1]/descendant::tr[3]/*[2]'\n"
        "    text: ''\n  f-2: {item: a, value: 0x1F, unit: ~}\n"
    ),
    "scalars": "a: yes\nb: 1_000\nc: .inf\nd: 010\ne: 2021-01-01 10:00:00\nf: ''\ng: \"no\"\nh: null\ni:\n",
    "blocks": "text: |\n  line one\n  line two\nfolded: >\n  one\n  two\nafter: 1\n",
    "keys": "1: one\ntrue: two\n2.5x: three\n'quoted': four\n",
    "lists": "a:\n  - 1\n  - [x, {b: 2}]\n  - - nested\n    - list\n  -\n    c: 3\nd: []\ne: {}\n",
    "flow": "{a: 1, b: [2, 3], c: {d: e}}\n",
    "not a mapping": "- 1\n- 2\n",
    "a scalar": "just text\n",
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_the_events_read_what_pyyaml_reads(name: str, tmp_path: Path) -> None:
    text = DOCUMENTS[name]
    assert fields._from_events(text) is not fields._IRREGULAR, "the short way is taken"
    assert shape(fields._from_events(text)) == shape(pure_yaml(text))
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    if isinstance(pure_yaml(text), YamlMapping):
        assert shape(load_yaml(path)) == shape(pure_yaml(text))
    else:
        with pytest.raises(SourceError, match="expected a mapping of fields at the top level"):
            load_yaml(path)


def test_the_record_keys_have_their_lines() -> None:
    found = fields._from_events(DOCUMENTS["record"])
    assert found.line == 2 and found.lines["agency"] == 2 and found.lines["figures"] == 12
    figure = found["figures"]["f-1"]
    assert figure.line == 14 and figure.lines == {"item": 14, "value": 15, "blank": 16, "at": 17, "text": 18}
    assert figure["value"] == 3.75 and figure["blank"] is True and figure["text"] == ""
    assert found["figures"]["f-2"] == {"item": "a", "value": 31, "unit": None}
    assert found["period"]["from"] == dt.date(2020, 1, 1) and found["period"]["quote"] == "本报告"


IRREGULAR = {
    "anchor and alias": "base: &b\n  x: 1\nk:\n  y: *b\n",
    "merge": "base: &b\n  x: 1\nk:\n  <<: *b\n  z: 2\n",
    "tag": "a: !!str 12\nb: 2\n",
}


@pytest.mark.parametrize("name", sorted(IRREGULAR))
def test_what_the_events_leave_is_read_by_the_loaders(name: str, tmp_path: Path) -> None:
    text = IRREGULAR[name]
    assert fields._from_events(text) is fields._IRREGULAR
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    assert shape(load_yaml(path)) == shape(pure_yaml(text))


REFUSED = {
    "duplicate": ("a: 1\nb: 2\na: 3\n", r"duplicate key 'a' \(first given at line 1\)", 3),
    "complex key": ("b: 1\n? [a, b]\n: 1\n", r"key \['a', 'b'\] must be text", 2),
    "float key": ("a: 1\n1.5: x\n", "key 1.5 must be text", 2),
    "two documents": ("a: 1\n---\nb: 2\n", "malformed YAML", 1),  # PyYAML: where the first document began
    "unclosed quote": ('a: 1\nb: "open\nc: 2\nd: "x"\n', "the quoted text opened on this line is not closed", 2),
    "empty": ("", "expected a mapping of fields at the top level", None),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_the_events_leave_is_refused_as_before(name: str, tmp_path: Path) -> None:
    text, message, line = REFUSED[name]
    assert fields._from_events(text) is (None if name == "empty" else fields._IRREGULAR)
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=message) as caught:
        load_yaml(path)
    assert caught.value.line == line


def test_a_duplicate_key_is_named_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("a: 1\nb:\n  c: 2\n  c: 3\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"duplicate key 'c' \(first given at line 3\)") as caught:
        load_yaml(path)
    assert caught.value.line == 4


def test_an_unclosed_quote_is_named_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text('a: 1\nb: "open\nc: 2\nd: "x"\n', encoding="utf-8")
    with pytest.raises(SourceError, match="the quoted text opened on this line is not closed") as caught:
        load_yaml(path)
    assert caught.value.line == 2


# ---------------------------------------------------------------------------
# A cell's text read from the rendition
# ---------------------------------------------------------------------------


def same_cell_text(document: Document) -> int:
    """Check every element's cell_text against Element.text and span; how many were read from the rendition."""
    read = 0
    for element in document.root.iter():
        text, start = document.cell_text(element)
        assert text == element.text(), element.tag
        if start is not None:
            read += 1
            assert start == document.span(element, text)[0], element.tag
    return read


def pages() -> list[Path]:
    found = [examples.source_path(agency, year) for agency, year in examples.ALL]
    return found + sorted(p for p in REAL_REPORTS.rglob("*") if p.suffix in (".html", ".htm", ".shtml"))


def test_cells_read_from_the_rendition_of_real_and_example_pages() -> None:
    read = 0
    for path in pages():
        page = Document(decode(path.read_bytes(), path, html=True))
        read += same_cell_text(page)
        for table in page.tables()[:2]:  # the page read for one of its tables only: cells outside it are not
            scoped = Document(decode(path.read_bytes(), path, html=True), page.locate(table))
            read += same_cell_text(scoped)
    assert read > 1000


TAGS = ("td", "th", "tr", "table", "p", "div", "span", "br", "b", "tbody", "script", "li", "h2", "noscript")
TEXTS = (" ", "\n", "\u3000", "\xa0", "5", " 12 ", "a b", "\t", "", "x\ny", "&nbsp;", "一")


def soup(rng: random.Random, depth: int = 0) -> str:
    """Tag soup: elements opened and not always closed, rows and cells where no table is, blank text."""
    parts = []
    for _ in range(rng.randint(0, 5)):
        if rng.random() < 0.4 or depth > 4:
            parts.append(rng.choice(TEXTS))
        else:
            tag = rng.choice(TAGS)
            parts.append(f"<{tag}>{soup(rng, depth + 1)}{f'</{tag}>' if rng.random() < 0.8 else ''}")
    return "".join(parts)


def test_cells_read_from_the_rendition_of_tag_soup() -> None:
    rng = random.Random(17)
    read = 0
    for _ in range(1500):
        markup = f"<html><body>{soup(rng)}</body></html>"
        page = Document(markup)
        read += same_cell_text(page)
        for element in [e for e in page.root.iter() if e.tag in ("td", "div", "table")][:2]:
            try:
                scoped = Document(markup, page.locate(element))
            except LocationError:
                continue
            read += same_cell_text(scoped)
    assert read > 500


def test_a_cell_with_a_row_inside_is_written_again() -> None:
    """A row inside a cell (tag soup, no table) forces its separators: the rendition is not the cell's text."""
    page = Document("<div>z<th><tr><td></td><td>y</td></tr></th></div>")
    cell = next(e for e in page.root.iter() if e.tag == "th")
    assert page.text == "z\ty"
    assert page.cell_text(cell) == ("\ty", None)  # a blank cell, then y: the tab is the cell's own


# ---------------------------------------------------------------------------
# The cache keeps the source's text, not its parsed document
# ---------------------------------------------------------------------------


def test_a_cached_report_keeps_the_text_not_the_document(tmp_path: Path) -> None:
    report = examples.report(examples.PROVINCE, 2019)
    project = examples.project()
    assert report.source.document is not None
    triples = report_triples(report, project.registry, project.formats[report.format], project.iris)
    ntriples = sorted_term_ntriples(triples)
    checked = CheckedReport("ab" + "0" * 30, str(report.path), report, ntriples, [])
    write_cache(tmp_path, checked)
    read = read_cache(tmp_path, checked.key)
    assert read is not None
    assert read.report.source.document is None
    assert read.report.source.text == report.source.text
    assert read.report.without_document() == report.without_document()
    assert (read.key, read.record, read.ntriples, read.findings) == (checked.key, checked.record, ntriples, [])
    assert report.source.document is not None, "the report in memory keeps its document"
    # the graph is written once, beside the pickle: what is pickled is the report, a small part of the graph
    assert graph_file(tmp_path, checked.key).read_bytes() == ntriples
    assert cache_file(tmp_path, checked.key).stat().st_size < len(ntriples) / 4
    graph_file(tmp_path, checked.key).unlink()
    assert read_cache(tmp_path, checked.key) is None, "a check whose graph is lost is checked again"


def test_a_text_source_is_kept_as_it_is() -> None:
    report = examples.report(examples.PROVINCE, 2019)
    plain = report.without_document()
    assert plain.without_document() is plain
    assert plain.figures == report.figures and plain.source.text == report.source.text
