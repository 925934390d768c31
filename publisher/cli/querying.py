"""The commands that query the built store: sparql (any query) and query (the named queries)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from publisher.cli.bases import bases_named, empty_answer_hint
from publisher.cli.exits import fail
from publisher.cli.options import F, setting_options, settings_from
from publisher.errors import PublisherError, QueryRefused
from publisher.rdf.mediatypes import RDF_BY_NAME, RESULTS_BY_NAME
from publisher.sparql import namedqueries
from publisher.sparql.guard import check_limits, update_operation
from publisher.sparql.results import run_query
from publisher.store.readstore import open_store


def results_format_option(help_text: str) -> Callable[[F], F]:
    """The --format option of the commands that print SPARQL results."""
    option: Callable[[F], F] = click.option(
        "--format",
        "results_format",
        type=click.Choice(sorted(RESULTS_BY_NAME)),
        default="csv",
        show_default=True,
        help=help_text,
    )
    return option


@click.command()
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.File("r", encoding="utf-8"), help="Read the query from a file.")
@results_format_option("Format of SELECT and ASK results.")
@click.option(
    "--graph-format",
    type=click.Choice(sorted(RDF_BY_NAME)),
    default="turtle",
    show_default=True,
    help="Format of CONSTRUCT and DESCRIBE results.",
)
@setting_options("build_dir", flags={"build_dir": "--out"})
@click.pass_context
def sparql(
    ctx: click.Context,
    /,
    query: str | None,
    query_file: Any,
    results_format: str,
    graph_format: str,
    **overrides: Any,
) -> None:
    """Run a SPARQL query on the built store (the default graph is the union of all graphs)."""
    if (query is None) == (query_file is None):
        fail(click.UsageError("Give a QUERY or --file F, not both and not neither."))
    text = query if query is not None else query_file.read()
    try:
        settings = settings_from(ctx, **overrides)
        refuse_updates(text)
        check_limits(text, int(settings.max_query_depth), int(settings.max_values))  # the parser would crash
        data = run_query(open_store(Path(settings.build_dir)), text, results_format, graph_format)
    except PublisherError as exc:
        fail(exc)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    hint = empty_answer_hint(Path(settings.build_dir), bases_named(text), data, text, results_format, graph_format)
    if hint:
        click.echo(hint, err=True)


def refuse_updates(text: str) -> None:
    """Raise QueryRefused, saying how the data does change, if the text is a SPARQL Update or a LOAD."""
    keyword = update_operation(text)
    if keyword is not None:
        raise QueryRefused(
            f"{keyword.text.upper()} (line {keyword.line}) makes this a SPARQL Update; `publisher sparql` runs "
            "queries only (SELECT, ASK, CONSTRUCT, DESCRIBE) and never changes the built store. To change the data, "
            "edit the records in the data folder and run `publisher build`. / 这是 SPARQL 更新操作，"
            "`publisher sparql` 只执行查询，不会修改已构建的数据库；"
            "要修改数据，请编辑数据文件夹中的记录后运行 `publisher build`。"
        )


@click.command()
@click.argument("name", required=False)
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter of the query.")
@results_format_option("Format of the results.")
@click.option("--show", is_flag=True, help="Print the query text (with BASE) instead of running it.")
@setting_options("base_iri", "build_dir", flags={"build_dir": "--out"})
@click.pass_context
def query(
    ctx: click.Context, /, name: str | None, params: tuple[str, ...], results_format: str, show: bool, **overrides: Any
) -> None:
    """Run a named query on the built store; without NAME, list the named queries."""
    try:
        settings = settings_from(ctx, **overrides)
        if name is None:
            for q in namedqueries.catalogue().values():
                args = " ".join(f"-p {p.name}=…" for p in q.parameters)
                click.echo(f"{q.name} {args}\n    {q.title_zh} / {q.title_en}")
            return
        named = namedqueries.get(name)
        if show:
            click.echo(named.with_base(settings.base))
            return
        values = {}
        for param in params:
            key, sep, value = param.partition("=")
            if not sep:
                raise click.UsageError(f"-p takes KEY=VALUE, got {param!r}.")
            values[key] = value
        data = named.serialize(open_store(Path(settings.build_dir)), settings.base, values, results_format)
    except PublisherError as exc:
        fail(exc)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    hint = empty_answer_hint(Path(settings.build_dir), {settings.base}, data, named.text, results_format)
    if hint:
        click.echo(hint, err=True)
