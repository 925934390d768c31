"""Which table cell a narrative number restates: the words that name a cell of the format's tables, as data.

A rule names the words of a clause (收到…申请, 结果维持, 结转下年度 …), what the sentence must
be about (requests: it names 申请; a review: the last of 行政复议 / 行政诉讼 before the
number), and the codes of the cell, by record key. `{review}` stands for the review the
sentence is about (行政复议 → review/reconsideration, 行政诉讼 → review/litigation, the
group of the two suits). A rule applies only to a format that has every code it names, so
one table serves the 2019 and 2021 formats (their codes are shared) and the pre-2019 one.
The first rule that matches wins; a clause no rule matches restates nothing.

Totals in words restate too (`restated_in_words`): 均获维持 (none corrected, other or
pending), 未收到…申请 / 未发生行政复议 (none).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import URIRef

from publisher.importers.layout import Concept, Layout

# a sentence about disclosure requests (not 申请户外广告设置许可证)
REQUESTS = re.compile(r"公开申请|\d\s*件\s*申请|申请\s*\d|申请人")
NOT_REQUESTS = re.compile(r"诉求|咨询|信访|复议|诉讼|热线")
REVIEWS = {"行政复议": "review/reconsideration", "行政诉讼": "review/litigation"}
REVIEW = re.compile("|".join(REVIEWS))
AGENCY_PARTS = re.compile(r"各单位|各乡镇|各部门|县直|区直|市直|办公室|公开办|网站")


@dataclass(frozen=True)
class Rule:
    words: re.Pattern[str]
    about: str  # "requests", "review" or "" (what the sentence must be about)
    codes: tuple[tuple[str, str], ...]  # record key → code ({review}: the review the sentence is about)


def _rule(words: str, about: str, **codes: str) -> Rule:
    return Rule(re.compile(words), about, tuple(sorted(codes.items())))


TOTAL = "applicant/total"
RULES = (
    # the 2019 and 2021 formats (table 三: requests; table 四: reviews; table 二: documents)
    _rule(r"结转下一?年|顺延|转入下一?年|下一?年度继续", "requests", item="request/carried-forward", column=TOTAL),
    _rule(r"上一?年度?结转", "requests", item="request/carried-over", column=TOTAL),
    _rule(r"维持", "review", item="{review}", column="review-result/upheld"),
    _rule(r"纠正", "review", item="{review}", column="review-result/corrected"),
    _rule(r"其他结果", "review", item="{review}", column="review-result/other"),
    _rule(r"尚未审结|未审结|正在审理", "review", item="{review}", column="review-result/pending"),
    _rule(r"行政复议", "", item="review/reconsideration", column="review-result/total"),
    _rule(r"行政诉讼", "", item="review/litigation", column="review-result/total"),
    _rule(r"部分公开", "requests", item="request/partly-disclosed", column=TOTAL),
    _rule(r"不予公开", "requests", item="request/not-disclosed", column=TOTAL),
    _rule(r"无法提供", "requests", item="request/unable-to-provide", column=TOTAL),
    _rule(r"不予处理", "requests", item="request/not-processed", column=TOTAL),
    _rule(r"予以公开|同意公开|全部公开", "requests", item="request/disclosed", column=TOTAL),
    _rule(r"新收|收到|受理|接收|接到", "requests", item="request/new-requests", column=TOTAL),
    _rule(r"答复|办结|办理|处理", "requests", item="request/total-results", column=TOTAL),
    _rule(
        r"(?:制发|印发|出台)[^，。；]*规范性文件",
        "",
        item="proactive/normative-documents",
        column="proactive-column/issued",
    ),
    _rule(r"(?:制发|印发|出台|新增公开)[^，。；]*规章", "", item="proactive/rules", column="proactive-column/issued"),
    # the pre-2019 format's statistics sheet (this year's column)
    _rule(r"^主动公开(?:政府)?信息(?:总?数)?$", "subject", item="proactive/total", period="annual"),
    _rule(r"受理|收到", "requests", item="request/received", period="annual"),
)
# every case upheld: none corrected, none with another outcome, none pending
ALL_UPHELD = re.compile(r"(?:均|全部|都)(?:获|被|予以?)?维持")
UPHELD_ZEROS = ("review-result/corrected", "review-result/other", "review-result/pending")
NONE_OF = re.compile(
    r"(?:未|没有)(?:收到|发生|出现|接到|受理|有)(?:任何|过)?[^。；，,]{0,24}?(?P<what>行政复议|行政诉讼|申请)"
)


@dataclass(frozen=True)
class Restated:
    """The cell a narrative number restates: its codes by record key, and its label in English."""

    codes: dict[str, str]
    label_en: str


@dataclass(frozen=True)
class RestatedInWords(Restated):
    """A cell restated in words (均获维持, 未收到): its value is 0; the words are the quote."""

    quote: str
    offset: int
    end: int
    about_zh: str
    about_en: str


def concepts_by_code(layout: Layout) -> dict[str, dict[str, Concept]]:
    """The format's concepts (groups included) by record key, then code."""
    found: dict[str, dict[str, Concept]] = {}
    for dimension in layout.dimensions:
        for iri, concept in layout.concepts.items():
            code = dimension.code_of(URIRef(iri))
            if code is not None and (concept.dimension in (None, dimension.record_key)):
                found.setdefault(dimension.record_key, {})[code] = concept
    return found


def _cell(layout: Layout, codes: dict[str, str]) -> Restated | None:
    """The cell with these codes, if the format has each code and each dimension is given."""
    known = concepts_by_code(layout)
    keys = {d.record_key for d in layout.dimensions}
    if set(codes) != keys or any(code not in known.get(key, {}) for key, code in codes.items()):
        return None
    concepts = [known[key][codes[key]] for key in sorted(codes, key=lambda k: k != "item")]
    return Restated(dict(codes), " · ".join(c.label_en for c in concepts) + " (restated in the text)")


def _review(text: str, sentence: tuple[int, int], at: int) -> str | None:
    mentions = list(REVIEW.finditer(text, sentence[0], at))
    return REVIEWS[mentions[-1].group(0)] if mentions else None


def restated(
    text: str, sentence: tuple[int, int], begin: int, number: int, end: int, layout: Layout, subject: str = ""
) -> Restated | None:
    """The cell the number at `number` restates: its clause is `begin`–`end`; None when it names none."""
    clause = text[begin:end]
    words = text[sentence[0] : sentence[1]]
    for rule in RULES:
        target = subject if rule.about == "subject" else clause
        if not rule.words.search(target):
            continue
        if rule.about == "subject" and AGENCY_PARTS.search(text[begin:number]):
            continue
        if rule.about == "requests" and (not REQUESTS.search(words) or NOT_REQUESTS.search(clause)):
            continue
        review = _review(text, sentence, end)
        if rule.about == "review" and review is None:
            continue
        codes = {key: code.replace("{review}", review or "") for key, code in rule.codes}
        cell = _cell(layout, codes)
        if cell is not None:
            return cell
    return None


def restated_in_words(text: str, sentence: tuple[int, int], layout: Layout) -> Iterator[RestatedInWords]:
    """The cells a sentence states in words: 均获维持 → 0 corrected, other, pending; 未收到…申请 → 0 received."""
    for match in ALL_UPHELD.finditer(text, sentence[0], sentence[1]):
        reviews = {REVIEWS[m.group(0)] for m in REVIEW.finditer(text, sentence[0], match.start())}
        for review in sorted(reviews):
            for column in UPHELD_ZEROS:
                cell = _cell(layout, {"item": review, "column": column})
                if cell is not None:
                    yield _in_words(text, sentence, match, cell, layout)
    for match in NONE_OF.finditer(text, sentence[0], sentence[1]):
        what = match["what"]
        codes = (
            {"item": REVIEWS[what], "column": "review-result/total"}
            if what in REVIEWS
            else {"item": "request/new-requests", "column": TOTAL}
        )
        cell = _cell(layout, codes)
        if cell is not None:
            yield _in_words(text, sentence, match, cell, layout)


def _in_words(
    text: str, sentence: tuple[int, int], match: re.Match[str], cell: Restated, layout: Layout
) -> RestatedInWords:
    start = sentence[0]
    while start < match.start() and text[start].isspace():
        start += 1
    known = concepts_by_code(layout)
    labels = [known[key][cell.codes[key]] for key in sorted(cell.codes, key=lambda k: k != "item")]
    about_zh = " · ".join(c.label_zh for c in labels) + f"（原文：{match.group(0)}）"
    return RestatedInWords(
        cell.codes, cell.label_en, text[start : match.end()], start, match.end(), about_zh, cell.label_en
    )
