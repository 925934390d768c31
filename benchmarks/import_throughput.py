"""How many report documents `import_report` imports a second: real pages, real PDFs, synthetic pages, in one run.

Run from the project root:

    nice -n 10 .venv/bin/python benchmarks/import_throughput.py             # ≈ 1 minute
    nice -n 10 .venv/bin/python benchmarks/import_throughput.py --quick     # one repetition, 4 synthetic pages
    nice -n 10 .venv/bin/python benchmarks/import_throughput.py --synthetic 40 --repeat 7

Three sets of documents, each imported whole (`publisher.importers.record.import_report`
with the project's layouts, the format told from the document, as `publisher import`
does) `--repeat` times:

    pingtan     the five saved whole pages of ../shared/real-reports/pingtan-* (2011, 2016:
                pre-2019; 2019, 2021, 2024: national), site chrome and all
    pdf         the two PDFs of ../shared/real-reports/ (hongze-2023, huaian-2024)
    synthetic   N pages of the synthetic corpus (`publisher.synthetic.generate`, seed 2011,
                2019 and 2021: the national formats' HTML pages, {agency}/{year}.source.html)

Each repetition times the whole set (wall clock, `time.perf_counter`); the figures are
documents per second at the least time (the machine is shared: the least is the cost
with the least interference) and at the median. The baseline, measured in the same run
on the same documents, is reading alone: an HTML page decoded and parsed
(`textdoc.read_text` + `htmldoc.Document`), a PDF read (`PdfDocument.read`: text layer,
tables rebuilt). The ratio import ÷ read (medians) is what mapping costs on top of
reading. A set whose documents the importer refuses is reported with the error, not
timed. Nothing is written outside a temporary folder (removed at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher import synthetic  # noqa: E402
from publisher.build.project import load_project  # noqa: E402
from publisher.errors import PublisherError  # noqa: E402
from publisher.graph.formats import union  # noqa: E402
from publisher.importers.layout import Layout, load_layout  # noqa: E402
from publisher.importers.record import import_report  # noqa: E402
from publisher.records.htmldoc import Document  # noqa: E402
from publisher.records.pdfdoc import PdfDocument  # noqa: E402
from publisher.records.textdoc import read_text  # noqa: E402
from publisher.settings import load_settings  # noqa: E402

REAL = ROOT.parent / "shared" / "real-reports"
PINGTAN = (2011, 2016, 2019, 2021, 2024)
PDFS = (("hongze", 2023), ("huaian", 2024))
SYNTHETIC_YEARS = (2019, 2021)
SEED = 2011


@dataclass(frozen=True)
class Source:
    path: Path
    agency: str
    year: int


@dataclass
class Timing:
    seconds: list[float]
    error: str | None = None

    def per_second(self, count: int, pick: Callable[[list[float]], float]) -> float:
        return count / pick(self.seconds)


def pingtan() -> list[Source]:
    return [Source(REAL / f"pingtan-{year}" / "page.html", "pingtan", year) for year in PINGTAN]


def pdfs() -> list[Source]:
    return [Source(REAL / f"{agency}-{year}" / "report.pdf", agency, year) for agency, year in PDFS]


def synthetic_pages(folder: Path, count: int) -> list[Source]:
    """`count` national pages of a synthetic corpus written into `folder` (two a year-pair per agency)."""
    agencies = max(1, -(-count // len(SYNTHETIC_YEARS)))
    synthetic.generate(folder, agencies, years=SYNTHETIC_YEARS, seed=SEED, blank_rate=0.02, inconsistency_rate=0.05)
    pages = sorted((folder / "reports").glob("*/*.source.html"))
    return [Source(p, p.parent.name, int(p.name.split(".")[0])) for p in pages][:count]


def layouts() -> dict[str, Layout]:
    """The project's formats as the importer reads them (as `publisher import` loads them)."""
    settings = load_settings({"build_dir": Path("/nonexistent")}, environ={})
    project = load_project(settings)
    ontology = union(project.ontology.values())
    return {slug: load_layout(ontology, fmt, project.iris) for slug, fmt in project.formats.items()}


def read_only(source: Source) -> None:
    if source.path.suffix == ".pdf":
        PdfDocument.read(source.path)
    else:
        Document(read_text(source.path, html=True))


def timed(work: Callable[[Source], object], sources: Sequence[Source], repeat: int) -> Timing:
    """The wall time of `work` over all `sources`, `repeat` times; a refusal stops it and is kept."""
    seconds: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            for source in sources:
                work(source)
        except PublisherError as exc:
            return Timing(seconds, f"{type(exc).__name__}: {exc}")
        seconds.append(time.perf_counter() - start)
    return Timing(seconds)


def report(name: str, sources: Sequence[Source], imported: Timing, read: Timing) -> None:
    n = len(sources)
    if imported.error is not None or not imported.seconds:
        print(f"{name:<10} {n:>4}  import refused: {(imported.error or '')[:160]}")
        return
    best, median = imported.per_second(n, min), imported.per_second(n, statistics.median)
    line = f"{name:<10} {n:>4}  {best:>9.2f} {median:>9.2f}"
    if read.error is None and read.seconds:
        read_best, read_median = read.per_second(n, min), read.per_second(n, statistics.median)
        ratio = statistics.median(imported.seconds) / statistics.median(read.seconds)
        line += f"  {read_best:>9.2f} {read_median:>9.2f}  {ratio:>6.2f}×"
    else:
        line += f"  read refused: {read.error}"
    print(line)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each set (default 5)")
    parser.add_argument("--synthetic", type=int, default=20, help="synthetic national pages (default 20)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 repetition, 4 synthetic pages")
    args = parser.parse_args(argv)
    repeat, count = (1, 4) if args.quick else (args.repeat, args.synthetic)
    work = Path(tempfile.mkdtemp(prefix="import-throughput-"))
    try:
        started = time.perf_counter()
        formats = layouts()
        sets = {"pingtan": pingtan(), "pdf": pdfs(), "synthetic": synthetic_pages(work / "data", count)}

        def importing(source: Source) -> object:
            return import_report(source.path, source.agency, source.year, formats)

        print(f"import throughput, documents per second ({repeat} repetition(s); best = least time, median)")
        print(f"{'set':<10} {'docs':>4}  {'import':>9} {'median':>9}  {'read':>9} {'median':>9}  {'ratio':>7}")
        for name, sources in sets.items():
            for source in sources[:1]:  # warm-up: first use of a format's patterns, imports, caches
                with contextlib.suppress(PublisherError):
                    importing(source)
            report(name, sources, timed(importing, sources, repeat), timed(read_only, sources, repeat))
        print(f"ratio: import time ÷ read time (medians); total run {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
