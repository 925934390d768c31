"""The national table queries of this tree against a baseline commit's, on one release, in one run.

Run from the project root, on a build folder (its `current` release is read, read-only):

    nice -n 10 .venv/bin/python benchmarks/table_queries.py --build /tmp/bench-10k/build
    nice -n 10 .venv/bin/python benchmarks/table_queries.py --build B --baseline 25ebe56 --year 2022 --rounds 9

For every `national-*` table query (`publisher.sparql.tablequeries`), the baseline's
text (`git show BASELINE:publisher/sparql/queries/NAME.rq`) and this tree's are run
alternately `--rounds` times on the release's store, as the server runs them (the
query's own dataset and parameter bindings, an agency in the middle of the reports of
`--year`); each side's median wall time, the ratio, and the rows and locations each
gives are printed. The rows must be as many on both sides (the script stops if not).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The commit before a PDF cell's location came back in the table queries.
BASELINE = "25ebe56"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, required=True, help="a build folder (its current release is read)")
    parser.add_argument("--baseline", default=BASELINE, help=f"the commit to compare with (default {BASELINE})")
    parser.add_argument("--year", type=int, default=2022, help="the reporting year of the report queried")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    import pyoxigraph as ox

    from publisher.sparql import namedqueries
    from publisher.sparql.tablequeries import TABLE_QUERIES

    release = args.build / "current"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    base = manifest["base_iri"]
    reports = [r for r in manifest["reports"] if r["year"] == args.year]
    if not reports:
        raise SystemExit(f"no report of {args.year} in {release}")
    chosen = reports[len(reports) // 2]
    store = ox.Store.read_only(str(release / "store"))
    catalogue = namedqueries.catalogue()
    print(f"{chosen['agency']} {args.year}; baseline {args.baseline}; median of {args.rounds} rounds (ms)")
    print(f"{'query':28} {'before':>9} {'after':>9} {'ratio':>7}   rows  located before/after")
    edition = "national-2019" if args.year < 2021 else "national-2021"  # the format of the year queried
    for table in TABLE_QUERIES:
        if table.edition.format != edition:
            continue
        query = catalogue[table.name]
        old = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{args.baseline}:publisher/sparql/queries/{table.name}.rq"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        params = {p.name: {"agency": chosen["agency"], "year": str(args.year)}[p.name] for p in query.parameters}
        bindings, dataset = query.bindings(base, params), query.dataset(store, base, params)
        times: dict[str, list[float]] = {"before": [], "after": []}
        found: dict[str, tuple[int, int]] = {}
        for _ in range(args.rounds):
            for side, text in (("before", old), ("after", query.text)):
                start = time.perf_counter()
                solutions = store.query(text, base_iri=base + "/", substitutions=bindings, **dataset)
                assert isinstance(solutions, ox.QuerySolutions)
                rows = list(solutions)
                times[side].append(time.perf_counter() - start)
                found[side] = (len(rows), sum(1 for row in rows if row["location"] is not None))
        if found["before"][0] != found["after"][0]:
            raise SystemExit(f"{table.name}: {found['before'][0]} rows before, {found['after'][0]} after")
        before, after = (statistics.median(times[side]) * 1000 for side in ("before", "after"))
        print(
            f"{table.name:28} {before:9.1f} {after:9.1f} {after / before:6.2f}×   {found['after'][0]:4d}  "
            f"{found['before'][1]}/{found['after'][1]}"
        )


if __name__ == "__main__":
    main()
