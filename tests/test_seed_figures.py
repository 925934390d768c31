"""The seed's figures, read from the source text itself, are in the built store.

The expected figures are parsed here from the source document with patterns of
its own sentences — not taken from the record or from the code under test — and
the built store must hold each as an observation with the right item (matched by
its Chinese label), period type and value, quoting the source exactly.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from publisher.store.readstore import ReadStore
from tests.helpers import BASE, BOTH_BACKENDS, SEED_SOURCE

pytestmark = BOTH_BACKENDS

SOURCE = SEED_SOURCE.read_text(encoding="utf-8")
REPORT = f"{BASE}/id/report/jilin-city-science-technology-bureau/2011"

CATEGORY_LABELS = ["规范性文件类", "规划计划类", "公共资金使用类", "机构类", "工作动态等其他"]


def period_of(prefix: str) -> str:
    """'2011年' → the year itself; '截止2011年末' / '截至2011年末' → cumulative to its end."""
    if re.fullmatch(r"截[止至]2011年末", prefix):
        return "cumulative"
    assert prefix == "2011年", prefix
    return "annual"


def figures_in_source() -> list[tuple[str, str, int]]:
    """(Chinese item label, period type, value) for every figure the source states."""
    figures: list[tuple[str, str, int]] = []
    categories = re.compile(
        r"(2011年|截[止至]2011年末),我局主动公开政府信息共(\d+)条,其中,"
        r"规范性文件类信息(\d+)条、规划计划类信息(\d+)条,公共资金使用类信息(\d+)条,"
        r"机构类信息(\d+)条,工作动态等其他信息(\d+)条"
    )
    for match in categories.finditer(SOURCE):
        period = period_of(match.group(1))
        figures.append(("主动公开政府信息总数", period, int(match.group(2))))
        for label, value in zip(CATEGORY_LABELS, match.groups()[2:], strict=True):
            figures.append((label, period, int(value)))
    channels = re.compile(
        r"(2011年|截[止至]2011年末),我局在信息公开专栏或信息公开网站发布信息(\d+)条,通过新闻发布会发布信息(\d+)条"
    )
    for match in channels.finditer(SOURCE):
        period = period_of(match.group(1))
        figures.append(("信息公开专栏或信息公开网站", period, int(match.group(2))))
        figures.append(("新闻发布会", period, int(match.group(3))))
    timeliness = re.compile(
        r"(2011年|截[止至]2011年末),?(?:我局)?文件信息从生成到网上公开不超过20个工作日的数量为(\d+)条,"
        r"文件信息从生成到向公共查阅点报送不超过30个工作日的数量为(\d+)条"
    )
    for match in timeliness.finditer(SOURCE):
        period = period_of(match.group(1))
        figures.append(("从生成到网上公开不超过20个工作日", period, int(match.group(2))))
        figures.append(("从生成到向公共查阅点报送不超过30个工作日", period, int(match.group(3))))
    # Zeros stated in words.
    if "未收到任何形式的申请公开信息要求" in SOURCE:
        figures.append(("收到的政府信息公开申请", "annual", 0))
    match = re.search(r"(截[止至]2011年末),未发生与信息公开相关的行政复议和诉讼案件", SOURCE)
    assert match
    figures += [("行政复议案件", period_of(match.group(1)), 0), ("行政诉讼案件", period_of(match.group(1)), 0)]
    match = re.search(r"(截[止至]2011年末),未发生与信息公开相关的收费和减免情况", SOURCE)
    assert match
    figures += [("收费", period_of(match.group(1)), 0), ("减免", period_of(match.group(1)), 0)]
    return figures


EXPECTED = figures_in_source()

OBSERVATIONS = f"""
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dis: <{BASE}/def/disclosure#>
SELECT ?obs ?label ?period ?count ?exact ?start ?end WHERE {{
  GRAPH <{REPORT}> {{
    ?obs a qb:Observation ; qb:dataSet <{REPORT}> ;
         dis:item ?item ; dis:periodType ?periodType ; dis:count ?count ;
         dis:statedAt ?segment .
    ?segment oa:hasSelector ?quote , ?position .
    ?quote a oa:TextQuoteSelector ; oa:exact ?exact .
    ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  }}
  ?item skos:prefLabel ?label . FILTER (lang(?label) = "zh")
  ?periodType skos:notation ?period .
}}"""


@pytest.fixture(scope="module")
def observations(store: ReadStore) -> list[dict[str, str]]:
    solutions = store.query(OBSERVATIONS, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    return [{name: solution[name].value for name in names} for solution in solutions]  # type: ignore[union-attr]


def test_the_source_states_the_figures_the_issue_lists() -> None:
    # The issue's own list: 658 = 21+22+2+1+612, 2006 = 34+46+5+22+1899, channels
    # 655/3 and 2003/3, timeliness 46/46 and 107/107, and six stated zeros.
    values = Counter(value for _label, _period, value in EXPECTED)
    assert len(EXPECTED) == 25
    assert values[0] == 5  # requests, reconsiderations, lawsuits, fees, fee waivers
    assert {658, 21, 22, 2, 1, 612, 2006, 34, 46, 5, 1899, 655, 3, 2003, 107} <= set(values)


def test_every_figure_of_the_source_is_an_observation(observations: list[dict[str, str]]) -> None:
    actual = Counter((o["label"], o["period"], int(o["count"])) for o in observations)
    assert actual == Counter(EXPECTED)


def test_no_observation_without_a_figure_in_the_source(observations: list[dict[str, str]]) -> None:
    assert len(observations) == len(EXPECTED)


@pytest.mark.parametrize("label, period, value", EXPECTED, ids=[f"{lb}-{p}-{v}" for lb, p, v in EXPECTED])
def test_each_quote_sliced_from_the_source_is_the_quote(
    observations: list[dict[str, str]], label: str, period: str, value: int
) -> None:
    [obs] = [o for o in observations if (o["label"], o["period"], int(o["count"])) == (label, period, value)]
    start, end = int(obs["start"]), int(obs["end"])
    assert SOURCE[start:end] == obs["exact"]
    if value:
        assert re.search(rf"(?<!\d){value}(?!\d)", obs["exact"]), obs["exact"]
    else:
        assert "未" in obs["exact"]  # a zero is stated in words: 未收到 / 未发生
