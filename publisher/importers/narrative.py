"""Narrative facts: the prose's numbers that are not figures of its format, and the table cells they restate.

A number with its unit (件, 条, 次, 人次, 个, 元, 万元, % …; UNIT_WORDS) becomes a fact: what
it is about in the text's own words (the clause before it, or the noun after it), its
value, its unit, its qualifier (余/多 more than, 约/左右 about, 近 nearly, 以上 at least,
以内 at most) and its quote. When its clause names a cell of the format's tables (收到…申请
70件 → 本年新收 · 总计; 行政复议351件，其中结果维持72件 → 行政复议 · 结果维持), the fact
restates that cell: its `restates` codes let the shapes compare the two. A total given in
words restates too: 均获维持 (every case upheld: none corrected, other or pending), 未收到…
申请 / 未发生行政复议 (none). Only exact numbers restate: 余/多/约 are not the cell's value.

A number without a unit, or inside a name (家园985后台), is listed with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from publisher.importers.layout import Layout
from publisher.importers.nonfigures import kind_of, non_figure_spans
from publisher.importers.prose import number_value, sentences
from publisher.importers.restatements import Restated, restated, restated_in_words
from publisher.importers.tables import Unmapped

# The unit words, longest first: label as written → unit code of <def/common/unit>.
UNIT_WORDS = {
    "个工作日": "day",
    "个部分": "part",
    "部分": "part",
    "个项目": "project",
    "个平台": "platform",
    "人次": "person-time",
    "场次": "session",
    "批次": "batch",
    "分钟": "minute",
    "小时": "hour",
    "工作日": "day",
    "万元": "ten-thousand-yuan",
    "亿元": "hundred-million-yuan",
    "大类": "category",
    "大项": "matter",
    "小项": "matter",
    "元": "yuan",
    "件": "case",
    "起": "case",
    "条": "item",
    "项": "matter",
    "次": "time",
    "个": "piece",
    "人": "person",
    "名": "person",
    "位": "person",
    "家": "organisation",
    "场": "session",
    "期": "issue",
    "篇": "article",
    "份": "copy",
    "类": "category",
    "通": "call",
    "天": "day",
    "%": "percent",
    "％": "percent",
}
CN_DIGITS = "零〇一二两三四五六七八九十百千"
FACT = re.compile(
    r"(?P<pre>约|近|将近|超过|逾|不少于|不低于)?\s*"
    rf"(?P<value>\d+(?:\.\d+)?|(?<![{CN_DIGITS}第])[{CN_DIGITS}]+(?=\s*(?:个|名|位|次|项|件|条|家|场|期|篇|份|部分|亿元|万元|元)))"
    r"\s*(?P<scale>万(?!元)|亿(?!元))?(?P<more>余|多)?\s*"
    r"(?P<unit>" + "|".join(re.escape(u) for u in UNIT_WORDS) + r")?"
    r"(?P<post>以上|以内|以下|左右)?"
)
QUALIFIERS = {
    "余": "more-than",
    "多": "more-than",
    "超过": "more-than",
    "逾": "more-than",
    "约": "approximately",
    "左右": "approximately",
    "近": "nearly",
    "将近": "nearly",
    "以上": "at-least",
    "不少于": "at-least",
    "不低于": "at-least",
    "以内": "within",
    "以下": "within",
}
CLAUSE_BREAKS = ",，、;；:：（()）"
AFTER_BREAKS = ",，、;；:：（()）"
LEADING = re.compile(
    r"^(?:[\s(（“]|其中|此外|另有|同时|共计|合计|累计|共|总计|全年|今年|本年度?|全区|全市|全县|"
    r"(?:19|20)\d{2}\s*年度?|我区|我市|我县|我局|本机关|已)+"
)
TRAILING = re.compile(r"(?:[\s:：]|共计|合计|累计|共|总计|达到|达|为|是|约|近|将近|超过|逾|占|由|缩至|至|了|有)+$")
ABOUT_CHARS = 40
AFTER_CHARS = 20  # a subject read after its number (发布77条信息) is at most this long
CN_VALUES = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))

# A short English name for subjects the text often states (zh words → en); else the zh is kept and flagged.
SUBJECTS_EN = (
    ("合格率", "pass rate"),
    ("行政复议", "administrative reconsiderations"),
    ("行政诉讼", "administrative lawsuits"),
    ("信息处理费", "information-processing fees"),
    ("许可证", "licences"),
    ("申请", "disclosure requests"),
    ("解读", "policy interpretations"),
    ("发布会", "press conferences"),
    ("访问量", "visits to the disclosure pages"),
    ("访谈", "online interviews"),
    ("民意征集", "public consultations"),
    ("网上调查", "online surveys"),
    ("诉求", "requests and complaints from the public"),
    ("许可证", "licences"),
    ("规范性文件", "normative documents"),
    ("政策性文件", "policy documents"),
    ("规章", "rules"),
    ("公报", "issues of the gazette"),
    ("简报", "issues of the bulletin"),
    ("新媒体", "government new-media accounts"),
    ("检查", "inspections"),
    ("培训", "training sessions"),
    ("活动", "events"),
    ("时间", "waiting time"),
    ("时长", "time taken"),
    ("事项", "matters"),
    ("项目", "projects"),
    ("单位", "units"),
    ("机构", "organisations"),
    ("信息", "items of information published"),
)
NO_EN = "(英文待补 — add the English)"


@dataclass(frozen=True)
class NarrativeFact:
    """A number of the prose that is not a figure of the format; `restates` names the table cell it restates."""

    key: str
    about_zh: str
    about_en: str | None  # None: no known translation, a person adds it
    value: int | Decimal
    unit: str
    qualifier: str
    quote: str
    offset: int
    restates: dict[str, str] = field(default_factory=dict)


@dataclass
class NarrativeResult:
    facts: list[NarrativeFact] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)  # every number read, as fact or listed

    @property
    def restatements(self) -> list[NarrativeFact]:
        return [f for f in self.facts if f.restates]


def find_facts(
    text: str,
    layout: Layout,
    skip: Sequence[tuple[int, int]] = (),
    locate: Callable[[int], str] | None = None,
) -> NarrativeResult:
    """The narrative facts of `text` outside the spans in `skip` (tables, figures already read)."""
    result = NarrativeResult()
    where = locate or (lambda offset: f"offset {offset}")
    excluded = non_figure_spans(text)
    keys: set[str] = set()
    for sentence in sentences(text):
        previous: NarrativeFact | None = None
        last_end = sentence[0]
        for words in restated_in_words(text, sentence, layout):
            if any(a < words.end and words.offset < b for a, b in skip):
                continue
            fact = _fact(words.quote, words.offset, words.about_zh, words.about_en, 0, "case", "exact", words, keys)
            result.facts.append(fact)
            result.spans.append((words.offset, words.end))
        for match in FACT.finditer(text, sentence[0], sentence[1]):
            start, end = match.span("value")
            if any(a <= start < b for a, b in skip) or kind_of(start, end, excluded) is not None:
                continue
            result.spans.append((start, end))
            unit = UNIT_WORDS.get(match["unit"] or "")
            if unit is None:
                result.unmapped.append(Unmapped(where(start), _clause(text, sentence, start, end), _why_not(text, end)))
                continue
            if _in_quoted_name(text, sentence, start, end):
                reason = "a number inside a quoted name (“三个一”): not a quantity, not mapped"
                result.unmapped.append(Unmapped(where(start), _clause(text, sentence, start, end), reason))
                continue
            unit = _named_unit(unit, text[match.end() : _clause_end(text, sentence, match.end())])
            fact = _read_fact(text, sentence, match, unit, (previous, last_end), layout, keys)
            result.facts.append(fact)
            previous, last_end = fact, match.end()
    return result


def _read_fact(
    text: str,
    sentence: tuple[int, int],
    match: re.Match[str],
    unit: str,
    before_this: tuple[NarrativeFact | None, int],
    layout: Layout,
    keys: set[str],
) -> NarrativeFact:
    """One fact: its subject in the text's words, its qualifier, the cell it restates if its clause names one."""
    previous, last_end = before_this
    begin = _clause_start(text, sentence, match.start())
    before = text[max(begin, last_end) : match.start()]
    subject = TRAILING.sub("", LEADING.sub("", before))
    stop = next((i for i in range(match.end(), sentence[1]) if text[i] in AFTER_BREAKS), sentence[1])
    after = text[match.end() : stop].strip()[:AFTER_CHARS]
    quote_end = match.end()
    if len(subject) <= 2 and after:
        subject, quote_end = (subject + after).strip(), text.index(after, match.end()) + len(after)
    if unit == "percent" and previous is not None and before.strip().endswith(("占", "占比")):
        about_zh = f"{previous.about_zh}所占比例"
        about_en = f"share of {previous.about_en}" if previous.about_en else None
    else:
        about_zh = (subject or before.strip() or after or match.group(0).strip())[-ABOUT_CHARS:]
        about_en = english(about_zh)
    marks = [match["pre"], match["more"], match["post"]]
    qualifier = next((QUALIFIERS[m] for m in marks if m), "exact")
    value = _value(match["value"])
    if match["scale"]:
        scaled = Decimal(value) * (10_000 if match["scale"] == "万" else 100_000_000)
        value = int(scaled) if scaled == scaled.to_integral_value() else scaled
    exact = qualifier == "exact"
    cell = restated(text, sentence, begin, match.start(), quote_end, layout, subject) if exact else None
    while text[begin].isspace():
        begin += 1
    quote = text[begin:quote_end].rstrip()
    return _fact(quote, begin, about_zh, about_en, value, unit, qualifier, cell, keys)


def _fact(
    quote: str,
    offset: int,
    about_zh: str,
    about_en: str | None,
    value: int | Decimal,
    unit: str,
    qualifier: str,
    cell: Restated | None,
    keys: set[str],
) -> NarrativeFact:
    if cell is not None:
        about_en = cell.label_en
        base = "restates-" + "-".join(code.replace("/", "-") for _, code in sorted(cell.codes.items()))
    else:
        base = f"fact-{offset}"
    key, n = base, 2
    while key in keys:
        key, n = f"{base}-{n}", n + 1
    keys.add(key)
    codes = dict(cell.codes) if cell is not None else {}
    return NarrativeFact(key, about_zh, about_en, value, unit, qualifier, quote, offset, codes)


# a count of 个 or 项 whose noun names a unit of its own (两个服务平台 → platforms; 两项重点工作 → tasks)
NAMED_UNITS = {"piece": (("平台", "platform"), ("项目", "project")), "matter": (("工作", "task"),)}


def _named_unit(unit: str, after: str) -> str:
    """The unit a count's noun names, when the code list has one (个…平台, 项…工作), else `unit`."""
    return next((named for noun, named in NAMED_UNITS.get(unit, ()) if noun in after[:12]), unit)


def english(about_zh: str) -> str | None:
    """A short English name for a subject the text often states, else None."""
    if about_zh.endswith("信息"):
        return "items of information published"
    return next((en for zh, en in SUBJECTS_EN if zh in about_zh), None)


def _in_quoted_name(text: str, sentence: tuple[int, int], start: int, end: int) -> bool:
    """Whether the number stands inside a short quotation (“三个一”), the name of something."""
    opening = text.rfind("“", sentence[0], start)
    closing = text.find("”", end, sentence[1])
    return opening >= 0 and closing >= 0 and closing - opening <= 10 and "”" not in text[opening:start]


def _value(raw: str) -> int | Decimal:
    if raw[0].isdigit():
        return number_value(raw)
    return chinese_number(raw)


def chinese_number(raw: str) -> int:
    """A number written in Chinese numerals (两, 十二, 三百零五)."""
    total, digit = 0, 0
    for char in raw:
        if char in CN_VALUES:
            digit = CN_VALUES[char]
            continue
        scale = {"十": 10, "百": 100, "千": 1000}[char]
        total += (digit or 1) * scale
        digit = 0
    return total + digit


def _clause_start(text: str, sentence: tuple[int, int], at: int) -> int:
    for index in range(at - 1, sentence[0] - 1, -1):
        if text[index] in CLAUSE_BREAKS:
            return index + 1
    return sentence[0]


def _clause_end(text: str, sentence: tuple[int, int], at: int) -> int:
    return next((i for i in range(at, sentence[1]) if text[i] in CLAUSE_BREAKS), sentence[1])


def _clause(text: str, sentence: tuple[int, int], start: int, end: int) -> str:
    clause = text[_clause_start(text, sentence, start) : _clause_end(text, sentence, end)].strip()
    return clause if len(clause) <= 60 else clause[:57] + "…"


def _why_not(text: str, end: int) -> str:
    following = text[end : end + 1]
    if following and "\u4e00" <= following <= "\u9fff":
        return (
            f"a number inside a name or with a unit the importer does not know ({text[end : end + 3]}…): "
            "add it as a fact if it is a quantity"
        )
    return "no unit follows the number: add it as a fact, with its unit, if it is a quantity"
