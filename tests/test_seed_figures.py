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
from tests.fixtures.seed_figures import EXPECTED, SOURCE
from tests.helpers import BASE, BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

REPORT = f"{BASE}/id/report/jilin-city-science-technology-bureau/2011"


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
