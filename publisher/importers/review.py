"""The review of a batch import: one page (zh/en) a data clerk works from, and the same as JSON.

`review_data` gathers, per document, what `batch.import_batch` found: the file (linked),
agency and year and how each was told, the format chosen and why, the counts of table
cells, blank cells, prose figures, facts and restatements, the numbers not mapped with
their reasons, notes, the written record's validation findings, the problems a person
must resolve, the proposed registry entry if any, and links to the written record and
the copy of its source. `write_review` writes it as `review.json`, renders
`templates/review.html` (Jinja2, autoescaped) as `review.html`, and writes the proposed
registry entries, if any, as `proposed-agencies.yaml` for a person to check and paste.
Links are relative to the review's folder, so the folder can be moved or served as is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape

from publisher.importers.batch import DocumentOutcome, source_suffix
from publisher.importers.record import ImportResult
from publisher.rdf.mediatypes import media_type_of

REVIEW_HTML = "review.html"
REVIEW_JSON = "review.json"
PROPOSED_AGENCIES = "proposed-agencies.yaml"

#: A document's status: its code (in the JSON) and its label in zh and en.
STATUS = {
    "imported": ("已导入", "imported"),
    "kept": ("已有记录，未改动", "record already there, kept"),
    "needs-agency": ("机关待登记", "agency to register"),
    "needs-person": ("待人工处理", "needs a person"),
    "failed": ("导入失败", "failed"),
}


@dataclass(frozen=True)
class ReviewFiles:
    html: Path
    json: Path
    proposed: Path | None


def status(outcome: DocumentOutcome) -> str:
    """The document's status code (a key of STATUS)."""
    if outcome.error is not None:
        return "failed"
    if outcome.kept:
        return "kept"
    if outcome.imported:
        return "imported"
    return "needs-agency" if outcome.proposed is not None else "needs-person"


def table_counts(result: ImportResult | None) -> list[dict[str, Any]]:
    """The cells and blank cells read from each table, in the order of the document."""
    tables: dict[str, dict[str, Any]] = {}
    for figure in result.figures if result is not None else []:
        if figure.location is not None:
            table = tables.setdefault(figure.group, {"table": figure.group, "cells": 0, "blank_cells": 0})
            table["cells"] += 1
            table["blank_cells"] += figure.value is None
    return list(tables.values())


def counts(result: ImportResult | None) -> dict[str, int | None]:
    """How much the import found; None for what this importer does not report (facts, before they are read)."""
    if result is None:
        return dict.fromkeys(("table_cells", "blank_cells", "prose_figures", "facts", "restatements", "not_mapped"))
    cells = [f for f in result.figures if f.location is not None]
    facts = getattr(result, "facts", None)
    return {
        "table_cells": len(cells),
        "blank_cells": sum(1 for f in cells if f.value is None),
        "prose_figures": sum(1 for f in result.figures if f.location is None),
        "facts": None if facts is None else len(facts),
        "restatements": None if facts is None else sum(1 for f in facts if getattr(f, "restates", None)),
        "not_mapped": len(result.unmapped),
    }


def link(target: Path | None, folder: Path) -> str | None:
    """A relative URL from the review's folder to a file."""
    if target is None:
        return None
    return quote(Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix())


def document_data(outcome: DocumentOutcome, folder: Path) -> dict[str, Any]:
    """One document's entry in the review."""
    result = outcome.result
    code = status(outcome)
    findings = [{"severity": s, "message": m} for s, m in outcome.findings]
    problems = [{"zh": p.zh, "en": p.en} for p in outcome.problems]
    unmapped = [{"location": u.location, "text": u.text, "reason": u.reason} for u in result.unmapped] if result else []
    blocking = 1 if code in ("failed", "needs-agency", "needs-person") else 0
    proposed = outcome.proposed
    path = outcome.item.path
    return {
        "file": str(outcome.item.relative),
        "source": link(path, folder),
        "status": code,
        "title": outcome.title,
        "agency": {"id": outcome.agency.value, "how_zh": outcome.agency.how_zh, "how_en": outcome.agency.how_en},
        "year": {"value": outcome.year.value, "how_zh": outcome.year.how_zh, "how_en": outcome.year.how_en},
        "format": result.format if result else None,
        "format_reasons": list(getattr(result, "format_reasons", None) or []),
        "media_type": getattr(result, "media_type", None) or media_type_of(f"source{source_suffix(path)}"),
        "counts": counts(result),
        "tables": table_counts(result),
        "period": None if result is None or result.period is None else str(result.period.quote),
        "not_mapped": unmapped,
        "notes": list(result.notes) if result else [],
        "findings": findings,
        "problems": problems,
        "error": outcome.error,
        "proposed_agency": None
        if proposed is None
        else {"id": proposed.id, "name_zh": proposed.name_zh, "kind": proposed.kind, "yaml": proposed.yaml()},
        "record": link(outcome.record, folder),
        "source_copy": link(outcome.source_copy, folder),
        "problem_count": blocking + len(problems) + len(unmapped) + len(findings),
    }


def review_data(outcomes: Sequence[DocumentOutcome], folder: Path, registry: Path) -> dict[str, Any]:
    """The whole review: a summary, then one entry per document, then the proposed registry entries."""
    documents = [document_data(o, folder) for o in outcomes]
    proposed: dict[str, dict[str, Any]] = {}
    for document in documents:
        if document["proposed_agency"] is not None:
            proposed.setdefault(document["proposed_agency"]["id"], document["proposed_agency"])
    by_status = {code: sum(1 for d in documents if d["status"] == code) for code in STATUS}
    return {
        "registry": str(registry),
        "summary": {
            "documents": len(documents),
            "by_status": by_status,
            "need_a_person": sum(1 for d in documents if d["status"] not in ("imported", "kept")),
            "not_mapped": sum(len(d["not_mapped"]) for d in documents),
        },
        "documents": documents,
        "proposed_agencies": list(proposed.values()),
    }


def render(data: dict[str, Any]) -> str:
    """The review page's HTML."""
    environment = Environment(
        loader=PackageLoader("publisher.importers", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(REVIEW_HTML).render(review=data, status_labels=STATUS)


def write_review(outcomes: Sequence[DocumentOutcome], folder: Path, registry: Path) -> ReviewFiles:
    """Write review.json, review.html and (when an agency is proposed) proposed-agencies.yaml into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    data = review_data(outcomes, folder, registry)
    json_path, html_path = folder / REVIEW_JSON, folder / REVIEW_HTML
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    html_path.write_text(render(data), encoding="utf-8")
    proposed_path = None
    (folder / PROPOSED_AGENCIES).unlink(missing_ok=True)  # a previous run's proposals, registered since
    if data["proposed_agencies"]:
        proposed_path = folder / PROPOSED_AGENCIES
        header = (
            "# Agencies the imported documents name that the registry lacks (机关名录中没有的机关).\n"
            f"# PROPOSED, not registered: check each, fill in the TODOs, then add it under `agencies:` in {registry}\n"
            "# and import its documents again. / 请核对并补全后加入机关名录，再重新导入。\n"
        )
        proposed_path.write_text(header + "".join(p["yaml"] for p in data["proposed_agencies"]), encoding="utf-8")
    return ReviewFiles(html_path, json_path, proposed_path)
