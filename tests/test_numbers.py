"""Every number in the source text is either a figure or a narrative fact.

The numbers are found here in the seed's source document, independently of the
publisher: runs of Arabic digits (with decimals, as in 3.785) and of Chinese
numerals (两位, 六部分, 百亿元 …). A few kinds of number are not quantities and are
exempt, each by a pattern with its reason below; nothing else is. Every other
number must lie inside the quote of some figure or narrative fact of the built
report — quotes and positions read from the built store's Web Annotation
selectors, not from the record — and a fact's quote says 余/多 exactly when its
qualifier is "more than".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
import yaml
from pyoxigraph import Store

from publisher.importers.record import import_report
from tests.fixtures import examples
from tests.helpers import BASE, SEED_RECORD, SEED_SOURCE

SOURCE = SEED_SOURCE.read_text(encoding="utf-8")
REPORT = f"{BASE}/id/report/jilin-city-science-technology-bureau/2011"
COMMON = f"{BASE}/def/common"

CHINESE_DIGITS = "一二两三四五六七八九十"
# A number: Arabic digits with an optional decimal part, or a run of Chinese
# numerals (optionally scaled by 万/亿, as in 百亿元). 万 and 亿 alone never start a
# number: after digits (100余万元, 3.785亿元) they are the unit of that number.
NUMBER = re.compile(rf"\d+(?:\.\d+)?|[{CHINESE_DIGITS}百千]+[万亿]?")
# A number followed by 余 or 多 ("100余万元", "300多个") is a lower bound.
MORE_THAN = re.compile(rf"(?:\d+(?:\.\d+)?|[{CHINESE_DIGITS}百千]+)[余多]")


@dataclass(frozen=True)
class Exemption:
    name: str
    pattern: re.Pattern[str]
    reason: str


# Regions of the text whose numbers are not quantities. A number is exempt only
# when it lies wholly inside a region matched by one of these patterns.
EXEMPTIONS = (
    Exemption(
        "year",
        re.compile(r"\d{4}年(?:度|末)?"),
        "a calendar year (2011年, 2011年度, 截止2011年末, 授予2010年…) says when, not how many",
    ),
    Exemption(
        "date",
        re.compile(r"\d{1,2}月\d{1,2}日"),
        "a day of the year (1月1日, 12月31日) says when, not how many",
    ),
    Exemption(
        "section-number",
        re.compile(rf"^[{CHINESE_DIGITS}]+、", re.MULTILINE),
        "a heading's number at the start of a line (一、基本工作情况) orders the sections",
    ),
    Exemption(
        "enumeration-in-parentheses",
        re.compile(rf"[(（](?:[{CHINESE_DIGITS}]+|\d+)[)）]"),
        "a marker in parentheses ((一), (1)) numbers a paragraph or list item",
    ),
    Exemption(
        "enumeration-shi",
        re.compile(rf"(?<=[。)）\n])[{CHINESE_DIGITS}]是"),
        "一是 / 二是 / 三是 at the start of a sentence enumerate points ('firstly, …')",
    ),
    Exemption(
        "ordinal",
        re.compile(rf"第[{CHINESE_DIGITS}\d]+"),
        "an ordinal (第五点, the fifth point) ranks, it does not count",
    ),
    Exemption(
        "quoted-name",
        re.compile(r"“[^“”\n]*”"),
        "a name in quotation marks (“五项攻坚”, “三下乡”, “三帮双促” are campaigns): its numerals are part of the name",
    ),
    Exemption(
        "domain-name",
        re.compile(r"\b(?:[a-z0-9-]+\.)+(?:cn|com|net|org)\b"),
        "a domain name (www.jlst.gov.cn) is an address, not a quantity",
    ),
    Exemption(
        "article-or-adverb-yi",
        re.compile(r"进一步|统一|一定|一些|之一|一项(?=长期而重要的工作)|一个(?=为全社会)"),
        "一 in a word (进一步 further, 统一 unified, 一定 certain, 一些 some, 之一 one of) or as the article "
        "'a' (一项长期而重要的工作, 构筑一个…平台) is not a count",
    ),
)


@dataclass(frozen=True)
class Number:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def __str__(self) -> str:
        return f"{self.text!r} at {self.start} (…{SOURCE[max(0, self.start - 10) : self.end + 10]}…)"


def numbers_in(text: str) -> list[Number]:
    return [Number(m.group(), m.start()) for m in NUMBER.finditer(text)]


def exemption_of(number: Number) -> Exemption | None:
    for exemption in EXEMPTIONS:
        for match in exemption.pattern.finditer(SOURCE):
            if match.start() <= number.start and number.end <= match.end():
                return exemption
    return None


NUMBERS = numbers_in(SOURCE)
QUANTITIES = [n for n in NUMBERS if exemption_of(n) is None]


@dataclass(frozen=True)
class Statement:
    """A figure or narrative fact of the built report, with its quote and position."""

    node: str
    kind: str
    exact: str
    start: int
    end: int
    value: Decimal | None
    unit: str | None
    qualifier: str | None

    def covers(self, number: Number) -> bool:
        return self.start <= number.start and number.end <= self.start + len(self.exact)


STATEMENTS = f"""
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dis: <{BASE}/def/disclosure#>
SELECT ?node ?kind ?exact ?start ?end ?value ?unit ?qualifier WHERE {{
  GRAPH <{REPORT}> {{
    {{ ?node a qb:Observation ; qb:dataSet <{REPORT}> . BIND ("figure" AS ?kind) }}
    UNION
    {{ ?node a dis:NarrativeFact ; dis:factOf <{REPORT}> ; dis:value ?value ; dis:unit ?unit ;
             dis:qualifier ?qualifier .
       BIND ("fact" AS ?kind) }}
    ?node dis:statedAt ?segment .
    ?segment oa:hasSource <{REPORT}/source> ; oa:hasSelector ?quote , ?position .
    ?quote a oa:TextQuoteSelector ; oa:exact ?exact .
    ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  }}
}}"""


@pytest.fixture(scope="module")
def statements(store: Store) -> list[Statement]:
    rows = []
    for row in store.query(STATEMENTS, use_default_graph_as_union=True):  # type: ignore[union-attr]
        value = row["value"]
        unit = row["unit"]
        qualifier = row["qualifier"]
        rows.append(
            Statement(
                node=row["node"].value,
                kind=row["kind"].value,
                exact=row["exact"].value,
                start=int(row["start"].value),
                end=int(row["end"].value),
                value=Decimal(value.value) if value is not None else None,
                unit=unit.value if unit is not None else None,
                qualifier=qualifier.value if qualifier is not None else None,
            )
        )
    return rows


@pytest.fixture(scope="module")
def facts(statements: list[Statement]) -> list[Statement]:
    return [s for s in statements if s.kind == "fact"]


# ---------------------------------------------------------------------------
# The finder and the exemptions themselves
# ---------------------------------------------------------------------------


def test_the_finder_finds_numbers_whole() -> None:
    found = [n.text for n in NUMBERS]
    # Decimals stay whole, Chinese numerals are found, 万/亿 after digits are units.
    for text in ("3.785", "658", "2006", "1899", "百亿", "两", "六"):
        assert text in found, text
    assert "785" not in found and "3" in found  # 3 is the press-conference count, not part of 3.785
    assert "万" not in found and "亿" not in found


def test_the_quantities_are_these() -> None:
    # Read off the source by hand, in order: a finder that misses numbers, or an
    # exemption that swallows a quantity, changes this list.
    assert len(NUMBERS) >= 100
    assert [n.text for n in QUANTITIES] == [
        *("六", "两", "100", "4", "两", "300", "两", "两"),  # 一、基本工作情况
        *("658", "21", "22", "2", "1", "612"),  # 2011年 by category
        *("2006", "34", "46", "5", "22", "1899"),  # 截止2011年末 by category
        *("百亿", "21", "3.785"),  # narrative of 三、(一)
        *("655", "3", "2003", "3"),  # channels
        *("20", "46", "30", "46", "20", "107", "30", "107"),  # timeliness
    ]


@pytest.mark.parametrize("exemption", [pytest.param(e, id=e.name) for e in EXEMPTIONS])
def test_each_exemption_applies_somewhere_in_the_source(exemption: Exemption) -> None:
    # A pattern that matches nothing in the source is stale and should go.
    assert exemption.pattern.search(SOURCE), exemption.reason


@pytest.mark.parametrize(
    "text, exempt",
    [
        pytest.param("2011年", True, id="year"),
        pytest.param("截止2011年末", True, id="year-end"),
        pytest.param("12月31日", True, id="date"),
        pytest.param("(一)", True, id="paren-marker"),
        pytest.param("(1)", True, id="paren-digit"),
        pytest.param("第五点", True, id="ordinal"),
        pytest.param("“五项攻坚”", True, id="quoted-name"),
        pytest.param("进一步", True, id="adverb"),
        pytest.param("658条", False, id="count"),
        pytest.param("投入100余万元", False, id="amount"),
        pytest.param("两个服务平台", False, id="chinese-count"),
        pytest.param("等六部分内容组成", False, id="parts"),
        pytest.param("3.785亿元", False, id="decimal"),
    ],
)
def test_exemptions_are_narrow(text: str, exempt: bool) -> None:
    start = SOURCE.index(text)
    [number, *_] = [n for n in NUMBERS if start <= n.start < start + len(text)]
    assert (exemption_of(number) is not None) == exempt, number


# ---------------------------------------------------------------------------
# Every remaining number is stated by a figure or a fact of the built report
# ---------------------------------------------------------------------------


def uncovered(numbers: list[Number], statements: list[Statement]) -> list[str]:
    return [str(n) for n in numbers if not any(s.covers(n) for s in statements)]


def test_each_quote_is_the_source_at_its_position(statements: list[Statement]) -> None:
    assert len(statements) >= 25 + 6
    for statement in statements:
        assert statement.end == statement.start + len(statement.exact), statement.node
        assert SOURCE[statement.start : statement.end] == statement.exact, statement.node


def test_every_number_is_a_figure_or_a_fact(statements: list[Statement]) -> None:
    missing = uncovered(QUANTITIES, statements)
    assert not missing, (
        "numbers of the source that no figure or fact quotes; add a narrative fact to the record:\n"
        + "\n".join(missing)
    )


def test_a_number_left_out_is_reported(statements: list[Statement]) -> None:
    # Without the facts, the narrative's numbers (100余万元, 3.785亿元 …) are uncovered.
    figures = [s for s in statements if s.kind == "figure"]
    missing = uncovered(QUANTITIES, figures)
    assert any("'3.785'" in m for m in missing) and any("'100'" in m for m in missing), missing


def test_yu_and_duo_mean_more_than(facts: list[Statement]) -> None:
    more_than = f"{COMMON}/qualifier/more-than"
    exact = f"{COMMON}/qualifier/exact"
    assert facts
    for fact in facts:
        expected = more_than if MORE_THAN.search(fact.exact) else exact
        assert fact.qualifier == expected, (fact.node, fact.exact, fact.qualifier)


def test_figures_are_exact(statements: list[Statement]) -> None:
    # A figure is an exact count; a lower bound (余/多) can only be a narrative fact.
    for statement in statements:
        if statement.kind == "figure":
            assert not MORE_THAN.search(statement.exact), (statement.node, statement.exact)


# The narrative facts the issue lists: (text in the source, value, unit, qualifier).
ISSUE_FACTS = [
    pytest.param("投入100余万元", "100", "ten-thousand-yuan", "more-than", id="website-investment-100-wan"),
    pytest.param("共有300多个项目", "300", "project", "more-than", id="projects-reviewed-300"),
    pytest.param("贴息申请21件", "21", "case", "exact", id="loan-subsidy-applications-21"),
    pytest.param("3.785亿元", "3.785", "hundred-million-yuan", "exact", id="subsidised-loans-3.785-yi"),
    pytest.param("等4个现有平台", "4", "platform", "exact", id="platforms-revamped-4"),
    pytest.param("两个服务平台", "2", "platform", "exact", id="platforms-built-2"),
]


@pytest.mark.parametrize("text, value, unit, qualifier", ISSUE_FACTS)
def test_the_issue_lists_these_facts(facts: list[Statement], text: str, value: str, unit: str, qualifier: str) -> None:
    assert SOURCE.count(text) == 1, text
    start = SOURCE.index(text)
    [number] = [n for n in QUANTITIES if start <= n.start < start + len(text)]
    [fact] = [f for f in facts if f.covers(number)]
    assert fact.value == Decimal(value)
    assert fact.unit == f"{COMMON}/unit/{unit}"
    assert fact.qualifier == f"{COMMON}/qualifier/{qualifier}"


def test_the_importer_finds_every_hand_checked_fact_of_the_seed() -> None:
    """Each fact of the hand-checked seed record is a fact the importer writes: same value, unit and qualifier."""
    record = yaml.safe_load(SEED_RECORD.read_text(encoding="utf-8"))
    result = import_report(SEED_SOURCE, "jilin-city-science-technology-bureau", 2011, examples.layouts())
    assert len(record["facts"]) >= 10
    missing = []
    for key, fact in record["facts"].items():
        start, end = fact["offset"], fact["offset"] + len(fact["quote"])
        found = [
            (Decimal(f.value), f.unit, f.qualifier)
            for f in result.facts
            if f.offset < end and start < f.offset + len(f.quote)
        ]
        if (Decimal(str(fact["value"])), fact["unit"], fact.get("qualifier", "exact")) not in found:
            missing.append((key, found))
    assert not missing
