"""A rebuild after a change checks the rules across years over the changed reports and the years beside them only.

A rule across years (dis:CrossYearRule) relates a report to its agency's report of the
year before and its findings are the later report's (shapes/cross-year.ttl); text reuse
measures a report against its agency's latest earlier report. So a change of year N can
change the findings of N and N + 1 and the measurement of the report after N, and nothing
else: the scope is worked out from that (`reportfindings.rules_scope`), and an incremental build
that changes the earlier year of a pair still finds, and then no longer finds, the
later year's broken carry-over, as a build from nothing does.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

from publisher.build.bulkstore import Entry
from publisher.build.pipeline import build
from publisher.build.reportfindings import rules_scope
from publisher.rdf.namespaces import SH
from publisher.settings import PROJECT_ROOT
from publisher.validation.findings import Outcome
from tests.builds import published, rebuilt_from_nothing, settings_for
from tests.fixtures import examples


def entries(*reports: tuple[str, int]) -> dict[str, Entry]:
    return {f"r/{a}/{y}": Entry(f"r/{a}/{y}", f"{a}/{y}.yaml", a, y, "f", "k", []) for a, y in reports}


def test_a_change_of_year_n_asks_for_the_rules_of_n_and_n_plus_one_and_the_reuse_of_the_report_after() -> None:
    # agency a: 2010, 2011, 2013, 2014 (no 2012); agency b: 2011
    by_iri = entries(("a", 2010), ("a", 2011), ("a", 2013), ("a", 2014), ("b", 2011))
    scope, ruled, following = rules_scope(by_iri, {("a", 2011)})
    assert set(scope) == {"r/a/2010", "r/a/2011"}  # 2012, the year after, is not there; b is another agency
    assert ruled == {"r/a/2011"}
    assert following == {"r/a/2013"}  # measured against 2011, the latest year before it
    scope, ruled, following = rules_scope(by_iri, {("a", 2013)})
    assert (set(scope), ruled, following) == ({"r/a/2013", "r/a/2014"}, {"r/a/2013", "r/a/2014"}, {"r/a/2014"})
    # 2012 added (or removed): 2013's year before is 2012 now (or not any more), and it is measured against it
    scope, ruled, following = rules_scope(by_iri, {("a", 2012)})
    assert (set(scope), ruled, following) == ({"r/a/2011", "r/a/2013"}, {"r/a/2013"}, {"r/a/2013"})
    scope, ruled, following = rules_scope(by_iri, {("a", 2014)})  # the last year: nothing after it
    assert (set(scope), ruled, following) == ({"r/a/2013", "r/a/2014"}, {"r/a/2014"}, set())


def carried_forward(data: Path, natural_persons: str) -> None:
    """The province office's 2019 report carrying `natural_persons` (a full-width digit, as its page prints it)
    requests of natural persons forward (四、结转下年度继续办理 · 自然人), in its record and its page."""
    folder = data / "reports" / "example-province-general-office"
    record = folder / "2019.yaml"
    text = record.read_text(encoding="utf-8")
    at = "    at: (//table)[3]/descendant::tr[26]/*[2]\n"
    start = text.index(at) - len("    value: 2\n")
    end = text.index("\n", text.index("    text: ", start)) + 1
    value = str(ord(natural_persons) - ord("０"))
    record.write_text(text[:start] + f"    value: {value}\n{at}    text: {natural_persons}\n" + text[end:], "utf-8")
    page = folder / "2019.source.html"
    html = page.read_text(encoding="utf-8")
    row = html.index("结转下年度继续办理</td>")
    cell = html.index("</span>", row) - 1
    page.write_text(html[:cell] + natural_persons + html[cell + 1 :], encoding="utf-8")


def carry_over_warnings(outcomes: Sequence[Outcome], record: str) -> list[str]:
    [outcome] = [o for o in outcomes if o.record.endswith(record)]
    return [f.shape for f in outcome.findings if "CarryOverRule" in f.shape]


def test_a_change_of_the_earlier_year_republishes_the_later_years_findings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(examples.EXAMPLES, data)
    settings, fresh = settings_for(data, tmp_path / "build"), settings_for(data, tmp_path / "fresh")
    first = build(settings)
    later = "example-province-general-office/2020.yaml"
    assert carry_over_warnings(first.outcomes, later) == []  # 2019 carries 2 forward, 2020 carries 2 over
    carried_forward(data, "７")  # 2019 carries 7 forward: 2020's carrying 2 over breaks the rule
    summary = build(settings)
    assert summary.incremental and summary.checked == 1
    assert carry_over_warnings(summary.outcomes, later) != []
    assert published(summary.release) == published(rebuilt_from_nothing(fresh))
    carried_forward(data, "２")  # as it was: the rule holds again
    summary = build(settings)
    assert summary.incremental and carry_over_warnings(summary.outcomes, later) == []
    assert published(summary.release) == published(rebuilt_from_nothing(fresh))


def test_every_rule_across_years_relates_a_report_to_the_year_before_only() -> None:
    """The scope above rests on this: a rule relating years further apart must widen `rules_scope` first."""
    shapes = Graph().parse(PROJECT_ROOT / "shapes" / "cross-year.ttl", format="turtle", publicID="http://example.org/")
    queries = [str(q) for q in shapes.objects(None, SH.select)]
    assert queries, "shapes/cross-year.ttl states no rule across years"
    year_before = re.compile(r"FILTER \(xsd:integer\(STR\(\?earlierYear\)\) = xsd:integer\(STR\(\?year\)\) - 1\)")
    for query in queries:
        assert len(year_before.findall(query)) == 1, query
        assert set(re.findall(r"dis:reportYear \?(\w+)", query)) == {"year", "earlierYear"}, query
