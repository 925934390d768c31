"""Every path of a build, in one table: the build folder's entries, a release's files, the cache's.

A build folder (`build_dir`, the `build_dir` setting) holds:

    current                 symlink to the published release (switched atomically)
    releases/{id}/          one folder per release, the served one and its predecessor kept
    cache/                  what the next build reuses (report graphs, files, keys)
    spare/                  a pruned release kept to be recycled as the next one
    responses/{id}/         whole responses cached per release by the web servers
    .staging-{pid}/         a build's checked records in progress, removed when it ends (or by the next build)
    .build.lock             held by the build at work (one at a time): the lock a killed build lets go of
    .published              the releases `current` has named, oldest first (what pruning keeps)
    .trash/                 folders being removed after a build has switched
    .remote-stale           the remote store may not hold the published release

A release folder holds:

    store/                  the release's Oxigraph store
    manifest.json           the release's reports, digests and settings
    build-state.pickle      what the next build reads instead of the previous release's files
    validation.txt          the validation report of every record
    figure-table.json       every report's figures the comparison pages compare (publisher.publication.reportfigures)
    corpus-index.json       every agency and report the finding pages list (publisher.publication.releaseindex)
    remote.json             the remote store the release was published into
    downloads/              report files; downloads/index.json lists them and the corpus dumps
    dumps/                  the corpus dumps, each as part files of a year each (publisher.release.dumps)
    catalog/                the DCAT catalog: index.json, about.json, catalog.nt, void.nt, datasets/, schemaorg/
    sources/{agency}/{year}.txt   the text rendition of each report's source document (quotes and offsets refer to it)
    sources/{agency}/{year}.pdf   the original of a source that is a PDF, byte for byte
    sources/{agency}/{year}.html  the original of a source that is a web page, byte for byte
"""

from __future__ import annotations

from pathlib import Path

from publisher.errors import StoreError

# The build folder.
CURRENT = "current"
RELEASES = "releases"
CACHE = "cache"
SPARE = "spare"
RESPONSES = "responses"
STAGING_PREFIX = ".staging-"
BUILD_LOCK = ".build.lock"
PUBLISHED = ".published"
TRASH = ".trash"
REMOTE_STALE = ".remote-stale"

# A release.
STORE = "store"
MANIFEST = "manifest.json"
STATE = "build-state.pickle"
VALIDATION = "validation.txt"
FIGURE_TABLE = "figure-table.json"
CORPUS_INDEX = "corpus-index.json"
REMOTE_FILE = "remote.json"
DOWNLOADS = "downloads"
DUMP_PARTS = "dumps"
DOWNLOADS_INDEX = "downloads/index.json"
CATALOG = "catalog"
CATALOG_INDEX = "catalog/index.json"
CATALOG_ABOUT = "catalog/about.json"
CATALOG_GRAPH = "catalog/catalog.nt"
CATALOG_VOID = "catalog/void.nt"
CATALOG_DATASETS = "catalog/datasets"
CATALOG_SCHEMAORG = "catalog/schemaorg"
SOURCES = "sources"
#: The kinds of source kept as published beside their text rendition (a plain-text source is its rendition).
ORIGINAL_SUFFIXES = ("pdf", "html")
#: The folders that hold one file (or a few) per report.
REPORT_FOLDERS = (DOWNLOADS, CATALOG_DATASETS, CATALOG_SCHEMAORG, SOURCES)

# The cache.
CACHE_KEYS = "keys.json"
CACHE_PROJECT = "project"
CACHE_REPORTS = "reports"
CACHE_PIECES = "pieces"
CACHE_PROSE = "prose"  # a checked report's prose, what the text-reuse measure reads
CACHE_TEXT_REUSE = "text-reuse"  # a report's text-reuse measurement, by its and its previous report's keys


def source_text(release: Path, agency: str, year: int | str) -> Path:
    """The text rendition of a report's source document in a release."""
    return release / SOURCES / agency / f"{year}.txt"


def source_original(release: Path, agency: str, year: int | str, suffix: str) -> Path:
    """The original of a report's source document in a release, by its kind's suffix (pdf, html)."""
    if suffix not in ORIGINAL_SUFFIXES:
        raise ValueError(f"an original source is kept as one of {', '.join(ORIGINAL_SUFFIXES)}, not {suffix!r}")
    return release / SOURCES / agency / f"{year}.{suffix}"


def staging_dir(build_dir: Path, pid: int) -> Path:
    """The folder a build process writes its release into before it is switched in."""
    return build_dir / f"{STAGING_PREFIX}{pid}"


def current_release(build_dir: Path) -> Path:
    """The published release's folder, or StoreError when nothing has been published."""
    link = build_dir / CURRENT
    if not link.exists():
        raise StoreError(f"No built store in {build_dir}; run `publisher build` first.")
    return link.resolve()
