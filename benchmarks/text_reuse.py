"""Text reuse: what measuring a report against its previous one costs, beside reading its record (the baseline).

    .venv/bin/python benchmarks/text_reuse.py [--agencies 20] [--seed 2011]

Generates a synthetic corpus (every era, 2008–2025), reads every record (load_report: the
baseline, what a build's check does first) and measures each report against its agency's
previous one (publisher.validation.textreuse.measure) and makes its DQV graph; prints the
milliseconds a report of each and their ratio, and the shares' spread.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from publisher import synthetic
from publisher.build.project import load_project
from publisher.records.loading import load_report
from publisher.records.model import Report
from publisher.settings import load_settings
from publisher.validation.textreuse import Prose, measure, reuse_graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2011)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        synthetic.generate(data, args.agencies, seed=args.seed)
        settings = load_settings({"base_iri": "http://example.org", "data_dir": data}, environ={})
        project = load_project(settings)
        keys = {slug: f.record_keys for slug, f in project.formats.items()}
        records = sorted((data / "reports").glob("*/*.yaml"))
        start = time.perf_counter()
        reports: list[Report] = [load_report(r, project.registry, keys) for r in records]
        read = (time.perf_counter() - start) / len(reports)
        pairs = [(r, p) for r, p in zip(reports[1:], reports, strict=False) if r.agency == p.agency]
        start = time.perf_counter()
        measured = [measure(r, p) for r, p in pairs]
        measuring = (time.perf_counter() - start) / len(pairs)
        start = time.perf_counter()
        for (r, p), m in zip(pairs, measured, strict=True):
            if m is not None:
                reuse_graph(Prose.of(r), Prose.of(p), m, project.iris)
        graphing = (time.perf_counter() - start) / len(pairs)
    shares = [float(m.share) for m in measured if m is not None]
    print(f"{len(reports)} reports, {len(pairs)} measured ({args.agencies} agencies, seed {args.seed})")
    print(f"read a record (baseline)   {read * 1000:8.2f} ms")
    print(f"measure against previous   {measuring * 1000:8.2f} ms   ×{measuring / read:.3f} of reading")
    print(f"its DQV graph (rdflib)      {graphing * 1000:8.2f} ms   ×{graphing / read:.3f} of reading")
    print(f"shares: median {statistics.median(shares):.3f}, ≥ 0.5: {sum(s >= 0.5 for s in shares)} of {len(shares)}")


if __name__ == "__main__":
    main()
