"""Many report documents imported at once: agency and year told from each, every problem kept for review.

`import_batch` takes the documents `expand` finds (every .html/.htm/.pdf/.txt under the
folders given, sorted) and, for each, tells its agency and year unless they are given:

- the title: a page's article title (records/article.py), or, for a PDF or plain text,
  the first line saying 年度报告 (with the line before it when the title is broken over
  two lines, as PDFs print it);
- the year: the one the title states (`title_year`), else a year in the document's path
  below the folder given (`pingtan-2019/page.html`); a title and a path that disagree are
  a problem for a person, not a guess;
- the agency: the name the title states before (or after) its year, completed from the
  opening paragraph when the title gives a short form (洪泽区人民政府 → 淮安市洪泽区人民政府),
  matched against the registry's zh names and their usual short forms (X人民政府 → X政府, X;
  X管理委员会 → X). An agency the registry lacks gets a proposed entry (a slug
  `agency-<hash>` and the name from the title, marked for review): the document is read
  for the review page, but no record is written until a person adds the agency.

Each document either gets its record written (beside a copy of its source, as the
single-file import writes them), or is listed with what a person must do. Nothing here
prints or exits: the CLI turns the outcome into progress, output and an exit code.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publisher.errors import PublisherError, SourceError
from publisher.importers.detection import FormatFacts
from publisher.importers.layout import Layout
from publisher.importers.record import ImportResult, import_report
from publisher.importers.recordfile import write_record
from publisher.records.article import DISCLOSURE, find_article, title_year
from publisher.records.htmldoc import Document
from publisher.records.loading import HTML_SUFFIXES
from publisher.records.model import Registry
from publisher.records.pdfdoc import PdfDocument
from publisher.records.sources import FILE_SUFFIXES, kind_of
from publisher.records.textdoc import read_text, to_simplified

#: How much of a document's start tells a PDF or a page from plain text (all `sources.kind_of` reads).
KIND_HEAD = 4096
#: The documents a folder is searched for.
DOCUMENT_SUFFIXES = frozenset({".html", ".htm", ".pdf", ".txt"})
#: How many lines of a PDF or text document may come before its title.
TITLE_LINES = 12
#: The longest line taken as the first half of a title broken over two lines.
TITLE_PART = 30
#: How much of the text the agency's full name is looked for in (its opening paragraph).
OPENING = 400
ANNUAL = re.compile(r"年度报告|年度報告|工作年报|工作年報")
TITLE_YEAR = re.compile(r"(?:19|20|１９|２０)[0-9０-９]{2}\s*年度?|[〇○零一二三四五六七八九]{4}\s*年度?")
PATH_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])")
SENTENCE = re.compile(r"[。，,；;：:！？!?]")
#: Place names a short title name may be preceded by in the opening paragraph (淮安市, 福建省平潭县).
PLACES = re.compile(r"(?:[\u4e00-\u9fff]{1,6}?(?:省|自治区|市|州|盟|县|区|旗)){1,3}")
#: Where the words before a name in a sentence stop being its place names.
BEFORE_NAME = re.compile(r"[由于在是为对向据，。、：:（(《“]")
AGENCY_SUFFIXES = ("管理委员会", "管委会")
GOVERNMENT = "人民政府"


@dataclass(frozen=True)
class Told:
    """What was found (an agency id or a year, None when not found) and how, in zh and en."""

    value: str | int | None
    how_zh: str
    how_en: str


@dataclass(frozen=True)
class ProposedAgency:
    """A registry entry proposed for an agency the registry lacks: never added without a person."""

    id: str
    name_zh: str
    kind: str
    found_in: str

    def yaml(self) -> str:
        """The entry as agencies.yaml holds it, with what a person must fill in marked TODO."""
        return (
            f"  {self.id}:  # PROPOSED from {self.found_in}: check the name, choose a slug, fill in the TODOs\n"
            f'    name: {{zh: {self.name_zh}, en: "TODO: the agency\'s English name"}}\n'
            f'    division: "TODO: its six-digit division code (GB/T 2260), listed under divisions"\n'
            f"    kind: {self.kind}\n"
        )


@dataclass(frozen=True)
class Problem:
    """Something a person must do before the document's record is written or can be built."""

    zh: str
    en: str


@dataclass(frozen=True)
class Item:
    """One document to import: its path, and its path below the folder it was found in."""

    path: Path
    relative: Path


@dataclass
class DocumentOutcome:
    """What became of one document: its identity, its import, the record written, the problems left."""

    item: Item
    title: str | None = None
    agency: Told = Told(None, "未找到", "not found")
    year: Told = Told(None, "未找到", "not found")
    proposed: ProposedAgency | None = None
    result: ImportResult | None = None
    record: Path | None = None
    source_copy: Path | None = None
    kept: bool = False  # a record was already there and is left as it is
    error: str | None = None
    problems: list[Problem] = field(default_factory=list)
    findings: list[tuple[str, str]] = field(default_factory=list)  # (severity, message) of the written record

    @property
    def imported(self) -> bool:
        return self.record is not None


@dataclass(frozen=True)
class BatchOptions:
    out: Path
    agency: str | None = None
    year: int | None = None
    format_slug: str | None = None
    force: bool = False
    facts: FormatFacts | None = None  # the formats' eras, for detection (detection.format_facts)


#: Checks a written record: its validation findings as (severity, message); the CLI passes the build's check.
Check = Callable[[Path], list[tuple[str, str]]]


def expand(paths: Sequence[Path]) -> list[Item]:
    """Every document the paths name: files as given, and every document under a folder, sorted."""
    items: list[Item] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)
            items += [Item(p, p.relative_to(path)) for p in found]
        else:
            items.append(Item(path, Path(path.name)))
    return items


def import_batch(
    items: Sequence[Item],
    registry: Registry,
    layouts: Mapping[str, Layout],
    options: BatchOptions,
    *,
    check: Check | None = None,
    on_document: Callable[[DocumentOutcome], None] | None = None,
) -> list[DocumentOutcome]:
    """Import every document; one that fails is listed with its message and the others still import."""
    outcomes: list[DocumentOutcome] = []
    claimed: dict[tuple[str, int], Path] = {}
    for item in items:
        outcome = DocumentOutcome(item)
        try:
            _identify(outcome, registry, options)
            _import(outcome, layouts, options, claimed, check)
        except PublisherError as exc:
            outcome.error = str(exc)
        outcomes.append(outcome)
        if on_document is not None:
            on_document(outcome)
    return outcomes


# ---------------------------------------------------------------------------
# Telling the agency and the year
# ---------------------------------------------------------------------------


def read_title(path: Path) -> tuple[str | None, str]:
    """The report's title, and the opening of its text (where the agency's full name is stated)."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        article = find_article(Document(read_text(path, html=True)), path)
        return article.title, article.text[:OPENING]
    text = PdfDocument.read(path).text if suffix == ".pdf" else read_text(path, html=False)
    return heading_title(text), text[:OPENING]


def heading_title(text: str) -> str | None:
    """The first line saying 年度报告 among the first lines, with the line before it if that is its first half."""
    lines = [line.strip() for line in text.split("\n") if line.strip()][:TITLE_LINES]
    for index, line in enumerate(lines):
        if ANNUAL.search(line):
            before = lines[index - 1] if index else ""
            if before and len(before) <= TITLE_PART and not SENTENCE.search(before) and not ANNUAL.search(before):
                return before + line
            return line
    return None


def title_agency(title: str) -> str | None:
    """The agency's name as the title states it: before its year, or between the year and 政府信息公开."""
    text = to_simplified(re.sub(r"\s+", "", title)).strip("《》「」“”\"'")
    text = text.removeprefix("关于")
    words = DISCLOSURE.search(text)
    head = text[: words.start()] if words else ANNUAL.split(text)[0]
    year = TITLE_YEAR.search(head)
    if year is not None:
        head = head[: year.start()] or head[year.end() :]
    name = head.strip("的、，,：: ")
    return name if len(name) >= 2 else None


def full_name(name: str, opening: str) -> str:
    """The name completed by the place names before it in the opening paragraph (洪泽区… → 淮安市洪泽区…)."""
    text = to_simplified(re.sub(r"\s+", "", opening))
    for match in re.finditer(re.escape(name), text):
        before = BEFORE_NAME.split(text[: match.start()])[-1]
        if PLACES.fullmatch(before):
            return before + name
    return name


def name_forms(name: str) -> set[str]:
    """A name and its usual short forms: X人民政府 → X政府, X; X管理委员会 → X."""
    name = to_simplified(re.sub(r"\s+", "", name))
    forms = {name}
    for suffix in AGENCY_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            forms.add(name[: -len(suffix)])
    if name.endswith(GOVERNMENT) and len(name) > len(GOVERNMENT) + 1:
        forms |= {name[: -len(GOVERNMENT)] + "政府", name[: -len(GOVERNMENT)]}
    return forms


def match_agency(name: str, registry: Registry) -> list[str]:
    """The registry's agencies whose zh name, or one of its short forms, is the name's (or a short form's)."""
    wanted = name_forms(name)
    return sorted(a.id for a in registry.agencies.values() if name_forms(a.name.zh) & wanted)


def propose_agency(name: str, found_in: str) -> ProposedAgency:
    """A registry entry for an agency the registry lacks: a slug from the name's hash, for a person to rename."""
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    kind = "government" if name.endswith((GOVERNMENT, *AGENCY_SUFFIXES)) else "department"
    return ProposedAgency(f"agency-{digest}", name, kind, found_in)


def path_year(relative: Path) -> int | None:
    """The last year a document's path below its folder states (pingtan-2019/page.html → 2019)."""
    years = [int(y) for part in relative.parts for y in PATH_YEAR.findall(Path(part).stem)]
    return years[-1] if years else None


def _identify(outcome: DocumentOutcome, registry: Registry, options: BatchOptions) -> None:
    """The document's title, agency and year (given, or told from the document); problems for what is not."""
    item = outcome.item
    title, opening = read_title(item.path)
    outcome.title = title
    outcome.year = _year(outcome, title, options)
    if options.agency is not None:
        outcome.agency = Told(options.agency, "由 --agency 给定", "given by --agency")
        return
    short = title_agency(title) if title else None
    if short is None:
        outcome.problems.append(
            Problem(
                "标题未写明机关：请用 --agency 指定，或在机关名录中登记",
                f"the title ({title or 'none found'}) names no agency: give --agency",
            )
        )
        return
    name = full_name(short, opening)
    how = f"标题「{short}」" + (f"，开头段落写作「{name}」" if name != short else "")
    how_en = f"the title names {short}" + (f", the opening paragraph in full as {name}" if name != short else "")
    matches = match_agency(name, registry) or match_agency(short, registry)
    if len(matches) == 1:
        registered = registry.agencies[matches[0]].name.zh
        outcome.agency = Told(
            matches[0], f"{how}，即名录中的「{registered}」", f"{how_en}: the registry's {registered}"
        )
    elif matches:
        outcome.agency = Told(None, how, how_en)
        outcome.problems.append(
            Problem(
                f"名录中有多个机关与「{name}」相符（{'、'.join(matches)}）：请用 --agency 指定",
                f"several registry agencies match {name} ({', '.join(matches)}): give --agency",
            )
        )
    else:
        outcome.proposed = propose_agency(name, str(item.relative))
        outcome.agency = Told(outcome.proposed.id, f"{how}，名录中没有：建议新增", f"{how_en}: not in the registry")
        outcome.problems.append(
            Problem(
                f"机关名录中没有「{name}」：请核对建议的条目（{outcome.proposed.id}），补全后加入名录，再导入一次",
                f"the registry has no {name}: check the proposed entry ({outcome.proposed.id}), complete it, "
                f"add it to the registry ({registry.path}) and import this document again",
            )
        )


def _year(outcome: DocumentOutcome, title: str | None, options: BatchOptions) -> Told:
    if options.year is not None:
        return Told(options.year, "由 --year 给定", "given by --year")
    stated = title_year(title) if title else None
    in_path = path_year(outcome.item.relative)
    where = outcome.item.relative
    if stated is not None and in_path is not None and stated != in_path:
        raise SourceError(
            outcome.item.path,
            f"the title {title!r} says {stated} but the path {where} says {in_path}: rename the file or its "
            f"folder to the report's year, or give --year / 标题年份（{stated}）与路径年份（{in_path}）不符",
        )
    if stated is not None:
        return Told(stated, "标题", "the title")
    if in_path is not None:
        return Told(in_path, f"文件路径（{where}）", f"the file's path ({where})")
    outcome.problems.append(
        Problem(
            "标题和路径都未写明年度：请用 --year 指定", "neither the title nor the path states the year: give --year"
        )
    )
    return Told(None, "未找到", "not found")


# ---------------------------------------------------------------------------
# Importing and writing
# ---------------------------------------------------------------------------


def source_suffix(path: Path) -> str:
    """The suffix of the source's copy beside the record, by what the file is (`sources.kind_of`).

    .pdf for a PDF, told by its bytes whatever its name (a PDF saved as .html or with
    no suffix); .html for a page (its name, or bytes that start as markup); else .txt.
    A file that cannot be read is told by its name (its import says why it cannot be read).
    """
    try:
        with path.open("rb") as file:
            head = file.read(KIND_HEAD)
    except OSError:
        return ".pdf" if path.suffix.lower() == ".pdf" else "." + FILE_SUFFIXES[kind_of(b"", path)]
    return "." + FILE_SUFFIXES[kind_of(head, path)]


def _import(
    outcome: DocumentOutcome,
    layouts: Mapping[str, Layout],
    options: BatchOptions,
    claimed: dict[tuple[str, int], Path],
    check: Check | None,
) -> None:
    """Import the document, and write its record when its agency is registered and nothing blocks it."""
    agency, year = outcome.agency.value, outcome.year.value
    if not isinstance(agency, str) or not isinstance(year, int):
        return
    path = outcome.item.path
    folder = options.out / agency
    record = folder / f"{year}.yaml"
    if (agency, year) in claimed:
        outcome.problems.append(
            Problem(
                f"与 {claimed[agency, year]} 同为 {agency} {year} 年的报告：请只保留一份",
                f"a second report of {agency} for {year} in this batch (the first is {claimed[agency, year]}): "
                "keep one, or give the right --year",
            )
        )
        return
    claimed[agency, year] = path
    if outcome.proposed is None and record.exists() and not options.force:
        outcome.record, outcome.kept = record, True
        return
    outcome.result = import_report(path, agency, year, layouts, options.format_slug, facts=options.facts)
    if outcome.proposed is not None or outcome.problems:
        return
    source = folder / f"{year}.source{source_suffix(path)}"
    folder.mkdir(parents=True, exist_ok=True)
    if source.resolve() != path.resolve():
        shutil.copyfile(path, source)
    record.write_text(write_record(outcome.result, source.name), encoding="utf-8")
    outcome.record, outcome.source_copy = record, source
    if check is not None:
        outcome.findings = check(record)
