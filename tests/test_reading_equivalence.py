"""Reading records and loading the store the fast way give what the plain way gives, on every corpus the tests build.

Three short cuts, each held against a plain reference on the seed record (data/), the
national examples (tests/fixtures/national/), a synthetic corpus of every era, and every
real document of ../shared/real-reports/ imported as a person imports it:

- a record's YAML read by libyaml with text and plain scalars' tags taken the short way
  (`fields.FastLineLoader`) is what PyYAML's own loader reads (`fields.LineLoader`):
  the same values of the same types, the same line of every key;
- a table cell found by its location through the rows of each table listed once
  (`SourceDocument.rows`) is the cell a walk of the tree finds, and is located back;
- the store's bulk load of every report graph (`bulkstore.new_store`: N-Quads made by one
  replacement per graph, loaded without checking IRIs again) holds the quads of a store
  where each report graph is loaded on its own, strictly, into its named graph.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from publisher import synthetic
from publisher.build.bulkstore import Entry, entry_of, graph_bytes, new_store, nquads
from publisher.build.checked import check_one
from publisher.build.project import load_project
from publisher.build.workerstate import WorkerState
from publisher.records.fields import LineLoader, YamlMapping, load_yaml
from publisher.records.htmldoc import Element, LocationError
from publisher.records.loading import find_records, load_report
from tests.fixtures import examples
from tests.fixtures.real_reports import NATIONAL, PRE_2019_PAGES, REGISTRY
from tests.helpers import DATA, make_settings

PINGTAN = "pingtan-comprehensive-experimental-zone"


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The data folders: the seed, the national examples, a synthetic corpus of every era, the real documents."""
    eras = tmp_path_factory.mktemp("eras")
    synthetic.generate(eras, 2, years=range(2017, 2023), seed=2011, blank_rate=0.05, inconsistency_rate=0.5)
    real = tmp_path_factory.mktemp("real")
    (real / "agencies.yaml").write_text(REGISTRY, encoding="utf-8")
    documents = [(r.path, r.agency, r.year) for r in NATIONAL] + [(p, PINGTAN, y) for y, p in PRE_2019_PAGES.items()]
    for path, agency, year in documents:
        examples.write_imported(real, agency, year, path)
    return [DATA, examples.EXAMPLES, eras, real]


# ---------------------------------------------------------------------------
# YAML: libyaml with the short cuts reads what PyYAML reads
# ---------------------------------------------------------------------------


def pure_yaml(path: Path) -> Any:
    loader = LineLoader(path.read_text(encoding="utf-8"))
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def same(fast: Any, plain: Any, where: str = "") -> None:
    """The same value of the same type, and for a mapping the same line of itself and of every key."""
    assert type(fast) is type(plain), where
    if isinstance(plain, YamlMapping):
        assert (fast.line, fast.lines) == (plain.line, plain.lines), where
        assert list(fast) == list(plain), where
        for key in plain:
            same(fast[key], plain[key], f"{where}.{key}")
    elif isinstance(plain, list):
        assert len(fast) == len(plain), where
        for index, (a, b) in enumerate(zip(fast, plain, strict=True)):
            same(a, b, f"{where}[{index}]")
    else:
        assert fast == plain, where


def test_every_record_reads_as_pyyaml_reads_it(corpora: list[Path]) -> None:
    files = [path for data in corpora for path in [data / "agencies.yaml", *find_records(data)]]
    assert len(files) == 4 + 1 + 5 + 2 * 6 + 7  # four registries; seed, examples, 2 agencies × 6 years, real
    for path in files:
        same(load_yaml(path), pure_yaml(path), str(path))


def test_scalars_of_every_kind_read_as_pyyaml_reads_them(tmp_path: Path) -> None:
    """Plain scalars the resolver tells apart (YAML 1.1, as PyYAML reads it), quoted ones, anchors and merges."""
    path = tmp_path / "kinds.yaml"
    path.write_text(
        "a: yes\nb: 0x1F\nc: 1_000\nd: 3.75\ne: 2021-01-01\nf: ~\ng: '12'\nh: \"no\"\ni: 010\nj: .inf\n"
        "base: &base\n  x: 1\n  y: [1, two, 3.0]\nk:\n  <<: *base\n  z: *base\nl: yes\nm: text\n",
        encoding="utf-8",
    )
    fast = load_yaml(path)
    same(fast, pure_yaml(path))
    assert fast["a"] is True and fast["l"] is True
    assert (fast["b"], fast["c"], fast["d"], fast["i"]) == (31, 1000, 3.75, 8)
    assert fast["e"] == dt.date(2021, 1, 1) and fast["f"] is None
    assert (fast["g"], fast["h"], fast["m"]) == ("12", "no", "text")
    assert fast["j"] == float("inf")
    assert fast["k"]["x"] == 1 and fast["k"]["y"] == [1, "two", 3.0] and fast["k"]["z"] is fast["base"]
    assert fast.lines["k"] == 14 and fast["k"].lines["z"] == 16


# ---------------------------------------------------------------------------
# Table cells: found through the rows listed once, as a walk of the tree finds them
# ---------------------------------------------------------------------------


def walk(element: Element) -> Iterator[Element]:
    """The element and those inside it in document order: the reference for Element.iter."""
    yield element
    for child in element.children:
        if isinstance(child, Element):
            yield from walk(child)


def test_every_cell_is_found_by_its_location_as_a_walk_finds_it(corpora: list[Path]) -> None:
    cells = 0
    for data in corpora:
        project = load_project(make_settings(data_dir=data))
        formats = {slug: fmt.record_keys for slug, fmt in project.formats.items()}
        for path in find_records(data):
            document = load_report(path, project.registry, formats).source.document
            if document is None:
                continue
            assert list(document.root.iter()) == list(walk(document.root))
            tables = [e for e in walk(document.root) if e.tag == "table"]
            for t, table in enumerate(tables, start=1):
                rows = [e for e in walk(table) if e.tag == "tr"]
                for r, row in enumerate(rows, start=1):
                    for c, cell in enumerate(row.elements, start=1):
                        location = f"(//table)[{t}]/descendant::tr[{r}]/*[{c}]"
                        page = document.locate(cell).rpartition(", ")[0]  # "page P" in a PDF, "" in a page
                        located = f"{page}, {location}" if page else location
                        assert document.resolve(located) is cell
                        if cell.tag in ("td", "th"):  # located back (in its innermost table, if nested)
                            assert document.resolve(document.locate(cell)) is cell
                            cells += 1
                with pytest.raises(LocationError, match=f"table {t} has {len(rows)} row"):
                    document.select(f"(//table)[{t}]/descendant::tr[{len(rows) + 1}]/*[1]")
            with pytest.raises(LocationError, match=f"has {len(tables)} table"):
                document.select(f"(//table)[{len(tables) + 1}]/descendant::tr[1]/*[1]")
    assert cells > 1000  # the loops ran: every table of every page and PDF


# ---------------------------------------------------------------------------
# The store: bulk-loaded as one stream of N-Quads, the quads of each graph loaded on its own
# ---------------------------------------------------------------------------


def line_by_line(ntriples: bytes, graph: str) -> bytes:
    """The reference: each line of N-Triples with its ` .` replaced by the graph's name and ` .`."""
    return b"".join(line[:-2].rstrip() + f" <{graph}> .\n".encode() for line in ntriples.split(b"\n") if line)


S, P, Q, OBJ, G = "<http://e.org/s>", "<http://e.org/p>", "<http://e.org/q>", "<http://e.org/o>", "<http://e.org/g>"


@pytest.mark.parametrize(
    ("ntriples", "expected"),
    [
        (f'{S} {P} "a .\\n b ." .\n{S} {Q} {OBJ} .\n', f'{S} {P} "a .\\n b ." {G} .\n{S} {Q} {OBJ} {G} .\n'),
        (f"{S} {P} {OBJ}  .\n", f"{S} {P} {OBJ}  {G} .\n"),
        (f"{S} {P} {OBJ}  .\n{S} {Q} {OBJ}\t.\n", f"{S} {P} {OBJ} {G} .\n{S} {Q} {OBJ} {G} .\n"),
        (f"{S} {P} {OBJ} .", f"{S} {P} {OBJ} {G} .\n"),
        (f"{S} {P} {OBJ} .\n\n{S} {Q} {OBJ} .\n", f"{S} {P} {OBJ} {G} .\n{S} {Q} {OBJ} {G} .\n"),
        ("", ""),
    ],
    ids=["a-literal-with-an-escaped-line-break", "two-spaces", "a-tab", "no-last-line-end", "a-blank-line", "empty"],
)
def test_ntriples_become_nquads_of_their_graph(ntriples: str, expected: str) -> None:
    made = nquads(ntriples.encode(), "http://e.org/g")
    assert made == expected.encode()
    reference = line_by_line(ntriples.encode(), "http://e.org/g")
    assert ox.Dataset(ox.parse(made, format=ox.RdfFormat.N_QUADS)) == ox.Dataset(
        ox.parse(reference, format=ox.RdfFormat.N_QUADS)
    )


def test_the_bulk_load_holds_each_report_graph_as_loaded_on_its_own(corpora: list[Path], tmp_path: Path) -> None:
    for number, data in enumerate(corpora):
        work = tmp_path / str(number)
        cache = work / "cache"
        state = WorkerState(make_settings(data_dir=data, build_dir=work / "build"), cache)
        entries: dict[str, Entry] = {}
        for index, path in enumerate(find_records(data)):
            entry = entry_of(check_one(state, path, f"{index:02d}{'0' * 30}"), state.project.iris)
            entries[entry.iri] = entry
        store = new_store(work / "store", state, entries, cache)
        for iri, entry in entries.items():
            data_bytes = graph_bytes(entry, cache)
            assert nquads(data_bytes, iri) == line_by_line(data_bytes, iri)
            alone = ox.Store()
            alone.load(data_bytes, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
            graph = ox.NamedNode(iri)
            loaded = set(store.quads_for_pattern(None, None, None, graph))
            assert loaded == set(alone.quads_for_pattern(None, None, None, graph))
            assert len(loaded) == data_bytes.count(b"\n")
        names = {str(g.value) for g in store.named_graphs()}
        assert set(entries) <= names
        assert len(store) == sum(len(set(store.quads_for_pattern(None, None, None, ox.NamedNode(n)))) for n in names)
