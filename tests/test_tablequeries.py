"""The national table queries: the committed .rq files are what the one template renders."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import QuerySolutions, Store

from publisher.sparql import tablequeries
from publisher.sparql.tablequeries import REGENERATE, TABLE_QUERIES, TableQuery

EXPECTED = {
    "national-2019-proactive",
    "national-2019-requests",
    "national-2019-review",
    "national-2021-proactive",
    "national-2021-requests",
    "national-2021-review",
    "national-2021-fees",
}
QUERIES = [pytest.param(query, id=query.name) for query in TABLE_QUERIES]


@pytest.mark.parametrize("query", QUERIES)
def test_the_committed_file_is_the_rendered_template(query: TableQuery) -> None:
    path = query.path()
    assert path.is_file(), f"{path} is missing; run `{REGENERATE}` to write it."
    assert path.read_bytes() == query.text().encode("utf-8"), (
        f"{path.name} differs from what publisher/sparql/tablequeries.py renders: edit the template "
        f"or the table's words there (not the .rq file), then run `{REGENERATE}` to rewrite the files."
    )


@pytest.mark.parametrize("query", QUERIES)
def test_the_rendered_query_parses_and_names_its_table(query: TableQuery) -> None:
    text = query.text()
    scheme = f"{query.edition.format}/{query.table.scheme}"
    assert f"# table: {scheme}\n" in text
    assert f"<def/{scheme}>" in text and f"<def/{query.edition.format}/item>" in text
    assert "${" not in text
    solutions = Store().query(text, base_iri="http://example.org/")  # a syntax error raises here
    assert isinstance(solutions, QuerySolutions) and list(solutions) == []


def test_the_template_yields_the_seven_distinct_table_queries() -> None:
    assert {query.name for query in TABLE_QUERIES} == EXPECTED
    assert len(TABLE_QUERIES) == len(EXPECTED)
    assert len({query.text() for query in TABLE_QUERIES}) == len(EXPECTED)


def test_writing_the_queries_writes_each_file_once(tmp_path: Path) -> None:
    written = tablequeries.write_queries(tmp_path)
    assert sorted(path.name for path in written) == sorted(f"{name}.rq" for name in EXPECTED)
    assert tablequeries.write_queries(tmp_path) == []
