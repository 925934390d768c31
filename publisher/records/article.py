"""Find the report's article in a saved whole web page: its element, its title and its span of the text.

An agency publishes its 政府信息公开工作年度报告 as one article of its website: the page
saved whole has the site's menus, search box, breadcrumbs, share buttons, related links,
friendly links and a footer (address, phone, ICP licence number) around it. The page stays
the source; this module says which element of `htmldoc.Document` is the article, as the
XPath location `Document.locate` writes, what the report's title is, and where the article
lies in `Document.text`, so that an importer reads figures from the article only (numbers
in menus and footers are not the report's) and the text served for the source can be the
article's.

How the article is found. Libraries were tried first and do not give the element:
readability-lxml (Apache-2.0) scores paragraphs on its own lxml tree, which it rewrites
(divs become paragraphs), and on the 2011 Pingtan page it picks a <span> inside the first
paragraph and its summary drops the 统计表 table; trafilatura returns cleaned text or its
own XML, never an element of the page. So this module uses a small text-density heuristic
over htmldoc's own tree:

- The weight of an element is the number of Chinese characters of its text that are not
  link text (menus, friendly links and related-article lists are links, so they weigh
  nothing; a footer's few unlinked lines weigh little against a report).
- The report's tables are the innermost tables whose unlinked text has the tables' words
  (公开, 申请, 复议, 诉讼, 信息内容, 指标名称 …): the national-format tables and the pre-2019
  统计表.
- Starting from <body>, move into the child that holds at least SHARE of the current
  element's weight and every report table the current element holds; stop where the text
  is spread over several children (the article's paragraphs and tables). Paragraph-level
  elements and data tables are never entered: the article is what holds them.

The element reached is the article. The page must name a report: the title (the page's
ArticleTitle/og:title meta, an <h1>, a segment of <title>, or the article's own heading)
must contain 政府信息公开 and 年度报告, and the article must hold some text; else SourceError.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from itertools import accumulate

from publisher.errors import SourceError
from publisher.records.htmldoc import WHITESPACE, Document, Element

#: Share of an element's weight a child must hold for the search to move into it.
SHARE = 0.6
#: Fewest Chinese characters an article must have to be a report rather than a link to one.
MIN_ARTICLE_CHARACTERS = 100

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
DISCLOSURE = re.compile(r"政府(?:信息|資訊|资讯)公[开開]")
ANNUAL_REPORT = re.compile(r"年度[报報]告|工作年[报報]")
REPORT_TABLE_WORDS = re.compile(
    r"公[开開]|申[请請]|复议|復議|[诉訴][讼訟]|信息内容|指[标標]名[称稱]|[计計]量[单單]位|[历歷]年累[计計]"
)
TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|\s[-–—]+\s)\s*")
TITLE_META = ("articletitle", "og:title", "dc.title", "dcterms.title", "title")
# Elements that hold one paragraph: the article contains them, it is never one of them.
PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "pre", "caption", "a"})
TABLE_PARTS = frozenset({"table", "tbody", "thead", "tfoot", "tr", "td", "th"})
#: Longest line of the article that may be its heading.
HEADING_LENGTH = 80
YEAR = re.compile(r"(?<![0-9０-９])((?:19|20|１９|２０)[0-9０-９]{2})\s*年")
CHINESE_YEAR = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})\s*年")
CHINESE_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0", "Ｏ": "0"}


@dataclass(frozen=True)
class Article:
    """The report's article on a page: where it is and what it is called.

    `start`/`end` bound the article's text in `Document.text` (end exclusive); `text` is
    that slice, the text to serve for the source.
    """

    location: str
    title: str
    start: int
    end: int
    text: str = field(repr=False)
    element: Element = field(repr=False, compare=False)

    @property
    def year(self) -> int | None:
        """The year the title states, if it states one."""
        return title_year(self.title)

    def contains(self, start: int, end: int) -> bool:
        """Whether a span of `Document.text` lies inside the article."""
        return self.start <= start <= end <= self.end


def find_article(document: Document, source: str | os.PathLike[str]) -> Article:
    """The report's article on a page; SourceError naming `source` when the page has no report."""
    weights = _Weights(document)
    body = next(iter(document.elements("body")), document.root)
    element = _descend(body, weights, _report_tables(document, weights))
    start, end = document.span(element)
    text = document.text[start:end]
    title = _title(document, text)
    if title is None:
        found = _page_title(document) or "no title"
        raise SourceError(
            source,
            f"the page has no 政府信息公开工作年度报告 in it: neither its title ({found}) nor its headings "
            "name one. Save the page the report itself is on (or the report's own file) and import that.",
        )
    if weights.of(element) < MIN_ARTICLE_CHARACTERS:
        raise SourceError(
            source,
            f"the page names the report {title!r} but holds only {weights.of(element)} Chinese characters of "
            "article text: the report is probably an attachment or an image. Import the attached file instead.",
        )
    return Article(document.locate(element), title, start, end, text, element)


def title_year(title: str) -> int | None:
    """The year a report's title states ("…2019年度政府信息公开…" → 2019), or None.

    Arabic (full-width too) and Chinese-numeral years (二〇一九年) are read. When a title
    states several years, the one nearest before 政府信息公开 is the report's.
    """
    found: list[tuple[int, int]] = [(m.start(), int(m.group(1))) for m in YEAR.finditer(title)]
    for match in CHINESE_YEAR.finditer(title):
        year = int("".join(CHINESE_DIGITS[c] for c in match.group(1)))
        if 1900 <= year < 2100:
            found.append((match.start(), year))
    if not found:
        return None
    found.sort()
    words = DISCLOSURE.search(title)
    before = [year for position, year in found if words is None or position < words.start()]
    return before[-1] if before else found[0][1]


def check_year(article: Article, year: int, source: str | os.PathLike[str]) -> None:
    """Refuse a report whose title states another year than the one being imported."""
    stated = article.year
    if stated is not None and stated != year:
        raise SourceError(
            source,
            f"the page's report is titled {article.title!r}, the report for {stated}, not {year}: "
            f"import it as {stated}, or import the page of the {year} report.",
        )


def is_report_title(text: str) -> bool:
    """Whether a title names a government information disclosure annual report."""
    return DISCLOSURE.search(text) is not None and ANNUAL_REPORT.search(text) is not None


class _Weights:
    """Chinese characters outside links, counted over any element's text in O(1)."""

    def __init__(self, document: Document) -> None:
        text = document.text
        in_link = bytearray(len(text))
        for link in document.elements("a"):
            in_link[link.start : link.end] = b"\x01" * (link.end - link.start)
        counted = (1 if not linked and HAN.match(ch) else 0 for ch, linked in zip(text, in_link, strict=True))
        self.prefix = [0, *accumulate(counted)]
        self.in_link = in_link
        self.text = text

    def of(self, element: Element) -> int:
        return self.prefix[element.end] - self.prefix[element.start]

    def unlinked_text(self, element: Element) -> str:
        span = range(element.start, element.end)
        return "".join(self.text[i] for i in span if not self.in_link[i])


def _has_table_inside(element: Element) -> bool:
    return any(e.tag == "table" for e in element.iter() if e is not element)


def _report_tables(document: Document, weights: _Weights) -> list[Element]:
    """The innermost tables that read as the report's tables (not layout, not a menu of links)."""
    return [
        table
        for table in document.tables()
        if not _has_table_inside(table) and REPORT_TABLE_WORDS.search(weights.unlinked_text(table))
    ]


def _may_enter(element: Element) -> bool:
    """Whether the article can lie inside this element: not a paragraph, not (inside) a data table."""
    if element.tag in PARAGRAPHS:
        return False
    if element.tag in TABLE_PARTS:
        return _has_table_inside(element)  # a layout table: its cells hold the page's tables
    return True


def _descend(start: Element, weights: _Weights, tables: list[Element]) -> Element:
    """Move down from `start` while one child holds most of the text and all the report tables."""
    node = start
    while True:
        total = weights.of(node)
        held = [table for table in tables if table is node or any(a is node for a in table.ancestors())]
        children = [child for child in node.elements if _may_enter(child)]
        if not children or total == 0:
            return node
        child = max(children, key=weights.of)
        if weights.of(child) < SHARE * total:
            return node
        if not all(any(a is child for a in table.ancestors()) for table in held):
            return node
        node = child


def _clean(text: str) -> str:
    return WHITESPACE.sub(" ", text).strip()


def _raw_text(element: Element) -> str:
    """Text of an element the rendition leaves out (such as <title>)."""
    parts = [c if isinstance(c, str) else _raw_text(c) for c in element.children]
    return "".join(parts)


def _page_title(document: Document) -> str:
    titles = document.elements("title")
    return _clean(_raw_text(titles[0])) if titles else ""


def _title_candidates(document: Document, article_text: str) -> list[str]:
    """Where a page states its article's title, most specific first."""
    candidates: list[str] = []
    metas = {
        (m.attrs.get("name") or m.attrs.get("property") or "").lower(): m.attrs.get("content", "")
        for m in document.elements("meta")
    }
    candidates += [metas[name] for name in TITLE_META if metas.get(name)]
    candidates += [h1.text() for h1 in document.elements("h1")]
    candidates += TITLE_SEPARATORS.split(_page_title(document))
    lines = [line.strip() for line in article_text.split("\n")[:2]]
    lines = [line for line in lines if 0 < len(line) <= HEADING_LENGTH]
    candidates += [*lines[:1], "".join(lines[:2])]  # the heading, or a heading broken over two lines
    for tag in ("h2", "h3"):
        candidates += [heading.text() for heading in document.elements(tag)]
    return [_clean(c) for c in candidates if c.strip()]


def _title(document: Document, article_text: str) -> str | None:
    return next((c for c in _title_candidates(document, article_text) if is_report_title(c)), None)
