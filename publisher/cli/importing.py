"""The command that imports report documents into records for review: import."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from publisher.build.progress import Progress
from publisher.build.project import Project, check_record, load_project
from publisher.cli.exits import EXIT_OK, EXIT_VIOLATIONS, fail
from publisher.cli.options import setting_options, settings_from
from publisher.errors import PublisherError
from publisher.graph.formats import union
from publisher.importers.batch import BatchOptions, DocumentOutcome, expand, import_batch, source_suffix
from publisher.importers.detection import FormatFacts, format_facts
from publisher.importers.layout import Layout, load_layout
from publisher.importers.record import import_report
from publisher.importers.recordfile import write_record
from publisher.importers.review import ReviewFiles, write_review
from publisher.records.loading import load_registry
from publisher.settings import Settings


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--agency", default=None, help="The agency's identifier in the registry; default: told from each title.")
@click.option("--year", type=int, default=None, help="The reporting year, e.g. 2021; default: told from each title.")
@click.option("--format", "format_slug", default=None, help="The report format; default: told from the document.")
@click.option("--url", default=None, help="Where the document was published, kept in the record (one document).")
@click.option(
    "--to",
    "target",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder to write one document's record and copy to [default: DATA/reports/AGENCY].",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the records (OUT/AGENCY/YEAR.yaml) and review.html/review.json [default: DATA/reports].",
)
@click.option(
    "--registry",
    type=click.Path(path_type=Path),
    default=None,
    help="The agency registry to tell agencies by [default: DATA/agencies.yaml].",
)
@click.option("--force", is_flag=True, help="Overwrite a record that is already there.")
@click.option("--progress", is_flag=True, help="Show progress (counts, rate, time left) on stderr even when piped.")
@setting_options("base_iri", "data_dir", flags={"data_dir": "--data"})
@click.pass_context
def import_(
    ctx: click.Context,
    /,
    paths: tuple[Path, ...],
    agency: str | None,
    year: int | None,
    format_slug: str | None,
    url: str | None,
    target: Path | None,
    out: Path | None,
    registry: Path | None,
    force: bool,
    progress: bool,
    **overrides: Any,
) -> None:
    """Import report documents (saved web pages, PDFs, plain text) into record files for review.

    One FILE with --agency and --year: writes YEAR.yaml and a copy of the document beside
    it (DATA/reports/AGENCY, or --to), prints what could not be mapped; exit 0 written, 2
    error. Folders or several files: every .html/.htm/.pdf/.txt under them, agency and year
    told from each document's title (or given), records written to OUT/AGENCY/YEAR.yaml and
    a review page OUT/review.html (+ review.json) listing per document the format and why,
    the counts, the numbers not mapped and what a person must do; an agency the registry
    lacks is proposed (OUT/proposed-agencies.yaml), never added. Exit 0 every document
    imported, 1 some need a person (the review page says which), 2 usage error. Records are
    never built here: review them, then run `publisher build`.
    """
    single = len(paths) == 1 and paths[0].is_file() and agency is not None and year is not None
    try:
        settings = settings_from(ctx, **overrides)
        if single and out is None and registry is None:
            assert agency is not None and year is not None
            _import_one(settings, paths[0], agency, year, format_slug, url, target, force)
            return
        if target is not None or url is not None:
            raise click.UsageError("--to and --url are for one document with --agency and --year; give --out")
        options = BatchOptions(out or Path(settings.data_dir) / "reports", agency, year, format_slug, force)
        outcomes, review = _import_many(settings, paths, options, registry, progress)
    except (PublisherError, click.UsageError) as exc:
        fail(exc)
    for outcome in outcomes:
        click.echo(_outcome_line(outcome))
    waiting = sum(1 for o in outcomes if not o.imported)
    click.echo(
        f"{len(outcomes)} document(s), {len(outcomes) - waiting} imported, {waiting} need a person. "
        f"Review: {review.html} / 共 {len(outcomes)} 份，{waiting} 份需要人工处理，请打开核对页。"
    )
    sys.exit(EXIT_VIOLATIONS if waiting else EXIT_OK)


def _import_one(
    settings: Settings,
    document: Path,
    agency: str,
    year: int,
    format_slug: str | None,
    url: str | None,
    target: Path | None,
    force: bool,
) -> None:
    """One document, agency and year given: the record and the source's copy written, what is left printed."""
    project = load_project(settings)
    if agency not in project.registry.agencies:
        raise click.UsageError(
            f"unknown agency {agency!r}; add it to {project.registry.path} first "
            f"(registered: {', '.join(sorted(project.registry.agencies))})"
        )
    layouts, facts = _layouts(project)
    result = import_report(document, agency, year, layouts, format_slug, facts=facts)
    folder = target or project.data_dir / "reports" / agency
    record = folder / f"{year}.yaml"
    source = folder / f"{year}.source{source_suffix(document)}"
    if record.exists() and not force:
        raise click.UsageError(f"{record} already exists; review it, or give --force to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    if source.resolve() != document.resolve():
        shutil.copyfile(document, source)
    record.write_text(write_record(result, source.name, url), encoding="utf-8")
    blank = sum(1 for f in result.figures if f.value is None)
    click.echo(
        f"Wrote {record} ({result.format}): {len(result.figures)} figure(s), {blank} of them blank, "
        f"{len(result.sections)} section(s). Review it before building. / 已写入记录，请核对后再构建。"
    )
    for item in result.unmapped:
        click.echo(f"not mapped: {item.location}: {item.text!r}: {item.reason}", err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


def _import_many(
    settings: Settings, paths: tuple[Path, ...], options: BatchOptions, registry_file: Path | None, progress: bool
) -> tuple[list[DocumentOutcome], ReviewFiles]:
    """Every document of the folders and files: imported where it can be, reviewed on one page."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")
    items = expand(paths)
    if not items:
        raise click.UsageError(f"no .html, .htm, .pdf or .txt document under {', '.join(map(str, paths))}")
    project = load_project(settings)
    registry = load_registry(registry_file) if registry_file is not None else project.registry
    if options.agency is not None and options.agency not in registry.agencies:
        raise click.UsageError(f"unknown agency {options.agency!r}; add it to {registry.path} first")
    layouts, facts = _layouts(project)
    options = dataclasses.replace(options, facts=facts)

    def check(record: Path) -> list[tuple[str, str]]:
        try:
            outcome = check_record(project, record).outcome
        except PublisherError as exc:
            return [("violation", f"the record does not load yet (记录尚不能读入): {exc}")]
        return [(f.severity, f"[{f.rule or f.shape}] {f.message_zh} / {f.message_en}") for f in outcome.findings]

    same_registry = registry.path.resolve() == project.registry.path.resolve()
    bar = Progress(enabled=True if progress else None)
    bar.stage("importing", len(items))
    outcomes = import_batch(
        items, registry, layouts, options, check=check if same_registry else None, on_document=lambda _: bar.advance()
    )
    bar.done()
    return outcomes, write_review(outcomes, options.out, registry.path)


def _outcome_line(outcome: DocumentOutcome) -> str:
    """One line per document: what became of it, or what a person must do."""
    where = outcome.item.relative
    if outcome.error is not None:
        return f"FAILED {where}: {outcome.error}"
    if outcome.record is not None:
        done = "kept (already there)" if outcome.kept else "imported"
        result = outcome.result
        counted = (
            f" ({result.format}, {len(result.figures)} figure(s), {len(result.unmapped)} not mapped)" if result else ""
        )
        return f"{done} {where} → {outcome.record}{counted}"
    problems = "; ".join(p.en for p in outcome.problems) or "not imported"
    return f"NEEDS A PERSON {where}: {problems}"


def _layouts(project: Project) -> tuple[dict[str, Layout], FormatFacts]:
    """Every format's layout, and the formats' eras that format detection weighs."""
    ontology = union(project.ontology.values())
    layouts = {slug: load_layout(ontology, fmt, project.iris) for slug, fmt in project.formats.items()}
    return layouts, format_facts(ontology, layouts)
