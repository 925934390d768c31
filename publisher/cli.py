"""The `publisher` command: the only place errors become messages and exit codes.

Exit codes: 0 success (validate: conforms), 1 validation found violations,
2 any other error (bad record, bad setting, bad query, no store).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from publisher import __version__
from publisher.build.builder import build as run_build
from publisher.build.builder import is_stale
from publisher.build.progress import Progress
from publisher.build.project import check_records, load_project
from publisher.build.resident import SETTLE, ResidentBuilder
from publisher.errors import PublisherError, ValidationFailed
from publisher.graph.formats import union
from publisher.importers.layout import load_layout
from publisher.importers.record import import_report, write_record
from publisher.publication.export import export as run_export
from publisher.rdf.mediatypes import RDF_BY_NAME, RESULTS_BY_NAME
from publisher.records.loading import find_records
from publisher.settings import SETTINGS, Settings, env_name, load_settings
from publisher.sparql import namedqueries
from publisher.sparql.results import run_query
from publisher.store.readstore import open_store
from publisher.web import create_app
from publisher.web.server import serve as serve_processes

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2

F = TypeVar("F", bound=Callable[..., Any])


def setting_options(*names: str, flags: dict[str, str] | None = None) -> Callable[[F], F]:
    """Click options for the named settings, with help text from the settings table."""
    flags = flags or {}

    def decorate(command: F) -> F:
        for setting in reversed([s for s in SETTINGS if s.name in names]):
            flag = flags.get(setting.name, "--" + setting.name.replace("_", "-"))
            command = click.option(
                flag,
                setting.name,
                default=None,
                type=click.Path(path_type=Path) if setting.type is Path else setting.type,
                help=f"{setting.help} [env {env_name(setting.name)}; default {setting.default}]",
            )(command)
        return command

    return decorate


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    return load_settings(overrides, config_file=ctx.obj.get("config"))


@click.group()
@click.version_option(__version__, prog_name="publisher")
@click.option("--config", type=click.Path(path_type=Path), default=None, help="TOML file of settings.")
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """Publish government information disclosure annual reports as linked open data.

    发布政府信息公开工作年度报告的关联开放数据。
    """
    ctx.ensure_object(dict)
    ctx.obj["config"] = config


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@setting_options("base_iri", "data_dir", flags={"data_dir": "--data"})
@click.pass_context
def validate(ctx: click.Context, /, paths: tuple[Path, ...], **overrides: Any) -> None:
    """Validate report records (default: all under the data folder).

    Exit 0 if every report conforms, 1 if any has violations, 2 on error.
    """
    try:
        settings = _settings(ctx, **overrides)
        project = load_project(settings)
        records = _expand(paths) if paths else find_records(project.data_dir)
        checked = check_records(project, records)
    except PublisherError as exc:
        _fail(exc)
    for item in checked:
        click.echo(item.outcome.text)
    violations = sum(len(c.outcome.violations) for c in checked)
    warnings = sum(len(c.outcome.warnings) for c in checked)
    click.echo(
        f"{len(checked)} report(s): {violations} violation(s), {warnings} warning(s). "
        f"/ {len(checked)} 份报告：{violations} 项违规，{warnings} 项警告。"
    )
    sys.exit(EXIT_VIOLATIONS if violations else EXIT_OK)


@main.command()
@click.option(
    "--progress", is_flag=True, help="Show a progress bar (counts, rate) on stderr even when it is not a terminal."
)
@click.option(
    "--timings", is_flag=True, help="Also print how much was checked and written, and the seconds of each stage."
)
@setting_options(
    "base_iri", "data_dir", "build_dir", "build_workers", flags={"data_dir": "--data", "build_dir": "--out"}
)
@click.pass_context
def build(ctx: click.Context, /, progress: bool, timings: bool, **overrides: Any) -> None:
    """Build the store from the records: records → graphs → validation → store.

    Records are checked in worker processes; only records changed since the last build
    are read again. A failed build leaves the previously published store untouched.
    """
    try:
        result = run_build(_settings(ctx, **overrides), Progress(enabled=True if progress else None))
    except PublisherError as exc:
        _fail(exc)
    click.echo(result.text)
    summary = result.summary
    if timings and summary is not None:
        click.echo(
            f"{summary.checked} checked, {summary.republished} written{' (incremental)' if summary.incremental else ''}"
            "; timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in summary.timings.items())
        )


@main.command()
@click.option(
    "--settle",
    type=float,
    default=None,
    help="Seconds the files must stay unchanged before a build starts [default 0.05].",
)
@setting_options(
    "base_iri", "data_dir", "build_dir", "build_workers", flags={"data_dir": "--data", "build_dir": "--out"}
)
@click.option("--with-parent", type=int, default=None, hidden=True, help="Stop when this process (a server) ends.")
@click.pass_context
def watch(ctx: click.Context, /, settle: float | None, with_parent: int | None, **overrides: Any) -> None:
    """Build, then build again whenever a record, the registry, the ontology or the shapes change.

    The builder stays loaded (project, release state, record keys), so one changed
    record is republished in a fraction of a `publisher build`. Each build is the same
    as `publisher build`; one that fails changes nothing and the builder waits for the
    next change. Run it beside `publisher serve`; Ctrl-C stops it.
    """
    try:
        builder = ResidentBuilder(_settings(ctx, **overrides), SETTLE if settle is None else settle)
    except PublisherError as exc:
        _fail(exc)
    click.echo(f"Watching {builder.data_dir} (Ctrl-C stops). / 正在监视 {builder.data_dir}（按 Ctrl-C 停止）。")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())  # a build under way ends first
    if with_parent is not None:
        threading.Thread(target=_stop_with, args=(with_parent, stop), daemon=True).start()
    try:
        builder.run(stop, lambda done: click.echo(done.text, err=done.error is not None))
    except KeyboardInterrupt:
        stop.set()


@main.command()
@click.argument("query", required=False)
@click.option("--file", "query_file", type=click.File("r", encoding="utf-8"), help="Read the query from a file.")
@click.option(
    "--format",
    "results_format",
    type=click.Choice(sorted(RESULTS_BY_NAME)),
    default="csv",
    show_default=True,
    help="Format of SELECT and ASK results.",
)
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
        _fail(click.UsageError("Give a QUERY or --file F, not both and not neither."))
    text = query if query is not None else query_file.read()
    try:
        settings = _settings(ctx, **overrides)
        data = run_query(open_store(Path(settings.build_dir)), text, results_format, graph_format)
    except PublisherError as exc:
        _fail(exc)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@main.command()
@setting_options(
    "base_iri",
    "data_dir",
    "build_dir",
    "host",
    "port",
    "threads",
    "query_timeout",
    "query_workers",
    "row_cap",
    "max_query_bytes",
    "catalog_page_size",
    "build_workers",
    "web_processes",
    "response_cache_mb",
    flags={"data_dir": "--data", "build_dir": "--out"},
)
@click.option(
    "--watch", is_flag=True, help="Republish whenever the data change (a `publisher watch` beside the server)."
)
@click.pass_context
def serve(ctx: click.Context, /, watch: bool, **overrides: Any) -> None:
    """Build if the store is missing or stale, then serve it over HTTP.

    Linked data for every IRI, the SPARQL endpoint at /sparql, named queries at
    /queries, report and agency pages. If the build fails but an earlier build
    exists, that earlier build is served and the error is printed. With --watch, a
    resident builder republishes each change of the data while the server runs.
    """
    try:
        settings = _settings(ctx, **overrides)
        if is_stale(settings):
            click.echo("The store is missing or stale; building it. / 数据库缺失或已过期，正在构建。")
            try:
                click.echo(run_build(settings).text)
            except PublisherError as exc:
                _report(exc)
                open_store(Path(settings.build_dir))  # raises StoreError when there is nothing to serve
                click.echo("Serving the previous build. / 继续提供上一次构建的数据。", err=True)
    except PublisherError as exc:
        _fail(exc)
    processes = int(settings.web_processes)
    click.echo(
        f"Serving {settings.base} on http://{settings.host}:{settings.port}/"
        f"{f' with {processes} processes' if processes > 1 else ''} (Ctrl-C stops)"
    )
    sys.stdout.flush()

    builder = _watcher_process(settings) if watch else None
    if builder is not None:  # stopped, the server stops its builder too
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        serve_processes(settings)
    except OSError as exc:
        _fail(exc)
    finally:
        if builder is not None:
            builder.terminate()  # it ends once a build under way is done
            try:
                builder.wait(timeout=120)
            except subprocess.TimeoutExpired:
                builder.kill()


def _stop_with(parent: int, stop: Any) -> None:
    """Sets `stop` once `parent` is no longer this process's parent (it ended, however it ended)."""
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()


def _watcher_process(settings: Settings) -> Any:
    """`publisher watch` in a process of its own with these settings (a build does not hold up the server)."""
    chosen = {env_name(name): str(value) for name, value in settings.values.items() if value is not None}
    environ = {**os.environ, **chosen}
    command = f"from publisher.cli import main; main(['watch', '--with-parent', '{os.getpid()}'])"
    return subprocess.Popen([sys.executable, "-c", command], env=environ)


@main.command()
@click.argument("name", required=False)
@click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A parameter of the query.")
@click.option(
    "--format",
    "results_format",
    type=click.Choice(sorted(RESULTS_BY_NAME)),
    default="csv",
    show_default=True,
    help="Format of the results.",
)
@click.option("--show", is_flag=True, help="Print the query text (with BASE) instead of running it.")
@setting_options("base_iri", "build_dir", flags={"build_dir": "--out"})
@click.pass_context
def query(
    ctx: click.Context, /, name: str | None, params: tuple[str, ...], results_format: str, show: bool, **overrides: Any
) -> None:
    """Run a named query on the built store; without NAME, list the named queries."""
    try:
        settings = _settings(ctx, **overrides)
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
        _fail(exc)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@setting_options(
    "base_iri", "data_dir", "build_dir", "catalog_page_size", flags={"data_dir": "--data", "build_dir": "--out"}
)
@click.pass_context
def export(ctx: click.Context, /, target: Path, **overrides: Any) -> None:
    """Write the whole publication as static files into TARGET, for any web server or CDN.

    Every document in every format, the catalog pages, the downloads and the HTML
    pages, at their URL paths; deploy/nginx.conf serves them with content
    negotiation. Builds first if the store is missing or stale.
    """
    try:
        settings = _settings(ctx, **overrides)
        if is_stale(settings):
            click.echo("The store is missing or stale; building it. / 数据库缺失或已过期，正在构建。")
            click.echo(run_build(settings).text)
        app = create_app(settings)
        try:
            result = run_export(app, target)
        finally:
            app.extensions["query_service"].close()
    except PublisherError as exc:
        _fail(exc)
    click.echo(result.text)


@main.command(name="import")
@click.argument("document", type=click.Path(path_type=Path))
@click.option("--agency", required=True, help="The agency's identifier in agencies.yaml.")
@click.option("--year", required=True, type=int, help="The reporting year, e.g. 2021.")
@click.option("--format", "format_slug", default=None, help="The report format; default: told from the document.")
@click.option("--url", default=None, help="Where the document was published, kept in the record.")
@click.option(
    "--to",
    "target",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder to write the record and a copy of the document to [default: DATA/reports/AGENCY].",
)
@click.option("--force", is_flag=True, help="Overwrite a record that is already there.")
@setting_options("base_iri", "data_dir", flags={"data_dir": "--data"})
@click.pass_context
def import_(
    ctx: click.Context,
    /,
    document: Path,
    agency: str,
    year: int,
    format_slug: str | None,
    url: str | None,
    target: Path | None,
    force: bool,
    **overrides: Any,
) -> None:
    """Import a report DOCUMENT (an HTML page or plain text) into a record file for review.

    Writes YEAR.yaml and a copy of the document (YEAR.source.html or .txt) beside it. The
    record is never built or published by this command: review it, then run `publisher
    validate` and `publisher build`. What the importer could not map is listed at the
    head of the record and printed here; nothing is guessed. Exit 0 written, 2 error.
    """
    try:
        settings = _settings(ctx, **overrides)
        project = load_project(settings)
        if agency not in project.registry.agencies:
            raise click.UsageError(
                f"unknown agency {agency!r}; add it to {project.registry.path} first "
                f"(registered: {', '.join(sorted(project.registry.agencies))})"
            )
        ontology = union(project.ontology.values())
        layouts = {slug: load_layout(ontology, fmt, project.iris) for slug, fmt in project.formats.items()}
        result = import_report(document, agency, year, layouts, format_slug)
        folder = target or project.data_dir / "reports" / agency
        record = folder / f"{year}.yaml"
        source = folder / f"{year}.source{'.html' if document.suffix.lower() in ('.html', '.htm') else '.txt'}"
        if record.exists() and not force:
            raise click.UsageError(f"{record} already exists; review it, or give --force to replace it")
        folder.mkdir(parents=True, exist_ok=True)
        if source.resolve() != document.resolve():
            shutil.copyfile(document, source)
        record.write_text(write_record(result, source.name, url), encoding="utf-8")
    except (PublisherError, click.UsageError) as exc:
        _fail(exc)
    blank = sum(1 for f in result.figures if f.value is None)
    click.echo(
        f"Wrote {record} ({result.format}): {len(result.figures)} figure(s), {blank} of them blank, "
        f"{len(result.sections)} section(s). Review it before building. / 已写入记录，请核对后再构建。"
    )
    for item in result.unmapped:
        click.echo(f"not mapped: {item.location}: {item.text!r}: {item.reason}", err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    records: list[Path] = []
    for path in paths:
        records.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    return records


def _report(exc: Exception) -> None:
    """Print an error; for failed validation, every finding first."""
    if isinstance(exc, ValidationFailed):
        for outcome in exc.outcomes:
            click.echo(outcome.text, err=True)
    click.echo(f"error: {exc}", err=True)


def _fail(exc: Exception, code: int | None = None) -> Any:
    """Report the error and exit: 1 for violations, 2 for anything else."""
    _report(exc)
    sys.exit(code if code is not None else EXIT_VIOLATIONS if isinstance(exc, ValidationFailed) else EXIT_ERROR)
