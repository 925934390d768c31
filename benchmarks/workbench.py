"""What the finding, coverage and agency pages cost to render, uncached, on a built corpus.

Run from the project root, on a release that exists (a synthetic corpus built with
`publisher build`, e.g. by benchmarks/scale.py --work DIR, which leaves DIR/data and
DIR/build):

    nice -n 10 .venv/bin/python benchmarks/workbench.py --data DIR/data --build DIR/build
    nice -n 10 .venv/bin/python benchmarks/workbench.py --agencies 60 --years 2008-2025   # builds one first

The app is made as `publisher serve` makes it, with the response cache off
(`response_cache_mb = 0`), and asked through Flask's test client (no HTTP): each page
`--repeat` times, the median wall time and the median CPU time of the process printed
(the machine is shared: the CPU time is what the page itself costs). The corpus index (the named query
`coverage`, once per release) is timed on its own, as the first request after a build
pays it; so is the comparison pages' figure table (publisher.web.figuretable), read from the
file the build writes in the release (release.paths.FIGURE_TABLE), with beside it what it cost
before the build wrote it: the named queries `figure-by-report`, once per figure, and
`outcomes-by-report`, run over the store once per release.
Baseline, in the same run: the named query `reports`, which the home page ran for every
request before (every report of the corpus, then every row rendered); and, for each
comparison page, its named query run on the store with the page's parameters (what the
page ran per request before it read the figure table), printed beside the page.

The pages of the issue's questions (#16, "Done when") are marked ★.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from publisher import synthetic
from publisher.build.builder import build
from publisher.publication.reportfigures import read_table
from publisher.release.paths import FIGURE_TABLE
from publisher.settings import load_settings
from publisher.sparql import namedqueries
from publisher.web import create_app
from publisher.web.comparison import FIGURES
from publisher.web.corpusindex import make_index
from publisher.web.figuretable import make_table
from publisher.web.state import publication
from publisher.web.workbench import REUSE_SHARES_QUERY


def timed(function: object, repeat: int) -> tuple[float, float]:
    """The median wall time and the median CPU time (this process) of `repeat` calls, in ms."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        function()  # type: ignore[operator]
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--build", type=Path)
    parser.add_argument("--agencies", type=int, default=60)
    parser.add_argument("--years", default="2008-2025")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the base IRI the release was built with")
    args = parser.parse_args()
    if args.data is None or args.build is None:
        work = Path(tempfile.mkdtemp(prefix="workbench-bench-"))
        first, last = (int(y) for y in args.years.split("-"))
        args.data, args.build = work / "data", work / "build"
        synthetic.generate(args.data, args.agencies, years=range(first, last + 1))
    base = args.base.rstrip("/")
    settings = load_settings(
        {"base_iri": base, "data_dir": args.data, "build_dir": args.build, "response_cache_mb": 0}, environ={}
    )
    if not (args.build / "current").exists():
        build(settings)
    app = create_app(settings)
    client = app.test_client()
    with app.app_context():
        store = publication().store
        reports = len(namedqueries.get("reports").rows(store, base, {}))
        index_ms = timed(lambda: make_index(store, base), args.repeat)
        figures = [(f.item, f.period) for f in FIGURES]
        release = publication().release
        file_ms = timed(lambda: read_table(release / FIGURE_TABLE, base, figures), args.repeat)
        table_ms = timed(lambda: make_table(store, base, figures), max(1, args.repeat // 2))
        shares_query = namedqueries.get(REUSE_SHARES_QUERY)
        shares_ms = timed(lambda: shares_query.rows(store, base, {}), max(1, args.repeat // 2))
        baseline = timed(lambda: namedqueries.get("reports").rows(store, base, {}), args.repeat)
        index = make_index(store, base)
    client.get("/")  # the index, made once for the release
    client.get("/compare/totals")  # the figure table, made once for the release
    client.get("/coverage?reuse_min=50")  # the text-reuse shares, read once for the release
    middle = index.agencies[len(index.agencies) // 2]
    county = next((a for a in index.agencies if a.level == "county"), index.agencies[-1])
    last_year = index.years[-1]
    province = next((a for a in index.agencies if a.level == "province"), index.agencies[0])
    city = next((a for a in index.agencies if a.level == "city"), index.agencies[0])
    county = next((a for a in index.agencies if a.level == "county"), index.agencies[-1])
    longest = max(index.agencies, key=lambda a: len(a.reports))
    # the series the compare page's question asks for: the Jilin City template's total before 2019, where it is used
    proactive = "jilin-proactive" if any(r.format.startswith("jilin-city") for r in longest.reports) else "proactive"
    missing_year = 2023 if 2023 in index.years else last_year
    refused_year = 2021 if 2021 in index.years else last_year
    reuse_year = 2022 if 2022 in index.years else last_year
    pages = {
        "home": "/?lang=zh",
        "home, page 50": "/?lang=zh&page=50",
        "home, level + year": f"/?lang=en&level=department&year={last_year}",
        "home, name search": f"/?lang=zh&q={middle.zh[:3]}",
        "agencies, region + level": f"/agencies?lang=en&region={county.division}&level=department",
        "coverage": "/coverage?lang=zh",
        "coverage, filtered": f"/coverage?lang=en&region={county.division}&level=department&year={last_year}",
        "coverage.csv (all missing)": "/coverage.csv",
        "agency page (requests)": f"/agencies/{middle.slug}?lang=zh",
        "agency page (Jilin proactive)": f"/agencies/{middle.slug}?lang=en&series=jilin-proactive",
        "compare (the questions, the forms)": "/compare?lang=zh",
        "★ compare: province's requests received by year": f"/compare/totals?lang=zh&region={province.division}",
        f"★ compare: city's agencies ranked by refused, {refused_year}": f"/compare/ranked?lang=en"
        f"&region={city.division}&figure=refused&year={refused_year}",
        f"★ coverage: county's agencies without a {missing_year} report": f"/coverage?lang=zh"
        f"&region={county.division}&year={missing_year}&missing=1",
        "★ agency page: proactive disclosure, every year": f"/agencies/{longest.slug}?lang=en&series={proactive}",
        f"★ coverage: reports of {reuse_year} repeating ≥ 50 %": f"/coverage?lang=en&year={reuse_year}&reuse_min=50",
        f"coverage: reuse.csv of {reuse_year}": f"/coverage/reuse.csv?year={reuse_year}&reuse_min=50",
        f"compare: city's outcomes of requests, {refused_year}": f"/compare/outcomes?lang=zh&region={city.division}"
        f"&year={refused_year}",
        "compare: city's departments ranked": f"/compare/ranked?lang=zh&region={city.division}&level=department",
        "compare: totals.csv (province)": f"/compare/totals.csv?region={province.division}",
    }
    #: Each comparison page's named query with its parameters: what the page ran per request before.
    before = {
        "★ compare: province's requests received by year": (
            "region-totals",
            {"region": province.division, "level": "any", "item": FIGURES[0].item, "period": "annual"},
        ),
        f"★ compare: city's agencies ranked by refused, {refused_year}": (
            "region-ranked",
            {"region": city.division, "level": "any", "item": FIGURES[1].item, "period": "annual",
             "year": str(refused_year)},
        ),
        f"compare: city's outcomes of requests, {refused_year}": (
            "region-outcomes",
            {"region": city.division, "level": "any", "year": str(refused_year)},
        ),
    }  # fmt: skip
    print(f"corpus: {reports} reports, {len(index.agencies)} agencies, years {index.years[0]}–{last_year}")
    print(f"{'':58} {'wall':>8}    {'CPU':>8}    CPU ÷ baseline CPU")
    print(f"{'corpus index (named query coverage, once per release)':58} {index_ms[0]:8.1f} ms {index_ms[1]:8.1f} ms")
    print(
        f"{'baseline: named query reports (the old home, per request)':58} {baseline[0]:8.1f} ms {baseline[1]:8.1f} ms"
    )
    print(f"{'figure table, the release file (once per release)':58} {file_ms[0]:8.1f} ms {file_ms[1]:8.1f} ms")
    print(f"{'baseline: figure table from 5 named queries':58} {table_ms[0]:8.1f} ms {table_ms[1]:8.1f} ms")
    print(f"{'text-reuse shares (named query, once per release)':58} {shares_ms[0]:8.1f} ms {shares_ms[1]:8.1f} ms")
    for name, url in pages.items():
        answer = client.get(url)
        if answer.status_code != 200:
            sys.exit(f"{url} answered {answer.status_code}")
        wall, cpu = timed(lambda url=url: client.get(url), args.repeat)  # type: ignore[misc]
        print(f"{name:58} {wall:8.1f} ms {cpu:8.1f} ms    {cpu / baseline[1]:5.2f}   ({len(answer.data):,} bytes)")
        if name in before:
            query, values = before[name]
            with app.app_context():
                old = timed(lambda q=query, v=values: namedqueries.get(q).rows(store, base, v), args.repeat)
            print(f"{'    before: its named query ' + query + ', per request':58} {old[0]:8.1f} ms {old[1]:8.1f} ms")
    app.extensions["query_service"].close()


if __name__ == "__main__":
    main()
