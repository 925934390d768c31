"""The commands that build and publish: validate, build, watch, serve, export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import click

from publisher.build.builder import build as run_build
from publisher.build.builder import is_stale
from publisher.build.progress import Progress
from publisher.build.project import check_records, load_project
from publisher.build.resident import SETTLE, ResidentBuilder
from publisher.cli.bases import serving_other_base, store_base
from publisher.cli.exits import EXIT_OK, EXIT_VIOLATIONS, fail, report_error
from publisher.cli.options import setting_options, settings_from
from publisher.errors import PublisherError
from publisher.publication.export import STATIC_EXPORT, export_settings
from publisher.publication.export import export as run_export
from publisher.records.loading import find_records
from publisher.settings import Settings, env_name
from publisher.store.readstore import open_store
from publisher.web import create_app
from publisher.web.server import listen
from publisher.web.server import serve as serve_processes


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@setting_options("base_iri", "data_dir", flags={"data_dir": "--data"})
@click.pass_context
def validate(ctx: click.Context, /, paths: tuple[Path, ...], **overrides: Any) -> None:
    """Validate report records (default: all under the data folder).

    Exit 0 if every report conforms, 1 if any has violations, 2 on error.
    """
    try:
        settings = settings_from(ctx, **overrides)
        project = load_project(settings)
        records = expand_records(paths) if paths else find_records(project.data_dir)
        checked = check_records(project, records)
    except PublisherError as exc:
        fail(exc)
    for item in checked:
        click.echo(item.outcome.text)
    violations = sum(len(c.outcome.violations) for c in checked)
    warnings = sum(len(c.outcome.warnings) for c in checked)
    click.echo(
        f"{len(checked)} report(s): {violations} violation(s), {warnings} warning(s). "
        f"/ {len(checked)} 份报告：{violations} 项违规，{warnings} 项警告。"
    )
    sys.exit(EXIT_VIOLATIONS if violations else EXIT_OK)


@click.command()
@click.option(
    "--progress", is_flag=True, help="Show a progress bar (counts, rate) on stderr even when it is not a terminal."
)
@click.option(
    "--timings",
    is_flag=True,
    help="Also print how much was checked and written, each stage's wall and CPU seconds (workers included) "
    "and the peak memory of the build's processes.",
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
        result = run_build(settings_from(ctx, **overrides), Progress(enabled=True if progress else None))
    except PublisherError as exc:
        fail(exc)
    click.echo(result.text)
    summary = result.summary
    if timings and summary is not None:
        click.echo(summary.timings_text)


@click.command()
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
        builder = ResidentBuilder(settings_from(ctx, **overrides), SETTLE if settle is None else settle)
    except PublisherError as exc:
        fail(exc)
    click.echo(f"Watching {builder.data_dir} (Ctrl-C stops). / 正在监视 {builder.data_dir}（按 Ctrl-C 停止）。")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())  # a build under way ends first
    if with_parent is not None:
        threading.Thread(target=_stop_with, args=(with_parent, stop), daemon=True).start()
    try:
        builder.run(stop, lambda done: click.echo(done.text, err=done.error is not None))
    except KeyboardInterrupt:
        stop.set()


@click.command()
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
        settings = settings_from(ctx, **overrides)
        if is_stale(settings):
            listen(str(settings.host), int(settings.port)).close()  # a port in use is said before building
            click.echo("The store is missing or stale; building it. / 数据库缺失或已过期，正在构建。")
            try:
                click.echo(run_build(settings).text)
            except PublisherError as exc:
                report_error(exc)
                open_store(Path(settings.build_dir))  # raises StoreError when there is nothing to serve
                click.echo("Serving the previous build. / 继续提供上一次构建的数据。", err=True)
        built_for = store_base(Path(settings.build_dir))
        if built_for is not None and built_for != settings.base:
            click.echo(serving_other_base(built_for, settings.base), err=True)
        sock = listen(str(settings.host), int(settings.port))
    except PublisherError as exc:
        fail(exc)
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
        serve_processes(settings, sock)
    except OSError as exc:
        fail(exc)
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


@click.command()
@click.argument("target", type=click.Path(path_type=Path))
@setting_options(
    "base_iri",
    "data_dir",
    "build_dir",
    "catalog_page_size",
    "export_live_base",
    flags={"data_dir": "--data", "build_dir": "--out"},
)
@click.pass_context
def export(ctx: click.Context, /, target: Path, **overrides: Any) -> None:
    """Write the whole publication as static files into TARGET, for any web server or CDN.

    Every document in every format, the catalog pages, the downloads and the HTML
    pages, at their URL paths; deploy/nginx.conf serves them with content
    negotiation. The pages' links to what needs the running app (/sparql, named
    queries with parameters, filtered and further pages) go to --export-live-base,
    or are left out without it. Builds first if the store is missing or stale.
    """
    try:
        settings = settings_from(ctx, **overrides)
        exporting = export_settings(settings)  # a wrong export_live_base is said before any build
        if is_stale(settings):
            click.echo("The store is missing or stale; building it. / 数据库缺失或已过期，正在构建。")
            click.echo(run_build(settings).text)
        app = create_app(exporting, {STATIC_EXPORT: True})
        try:
            result = run_export(app, target)
        finally:
            app.extensions["query_service"].close()
    except PublisherError as exc:
        fail(exc)
    click.echo(result.text)


def expand_records(paths: tuple[Path, ...]) -> list[Path]:
    """The record files named, folders expanded to the report records in them: a data folder (one with a
    reports/ folder) to its records only, never its agency registry or catalog description; any other folder
    to every .yaml under it."""
    records: list[Path] = []
    for path in paths:
        if (path / "reports").is_dir():
            records.extend(find_records(path))
        else:
            records.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    return records
