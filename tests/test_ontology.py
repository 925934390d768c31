"""The ontology and shapes as documents: closed vocabulary, bilingual labels, headers, base-independence, codes.

Read straight from ontology/*.ttl and shapes/*.ttl: the closed namespace in
publisher/rdf/namespaces.py names exactly the terms the Turtle defines; every term,
concept, scheme, collection, format, structure and rule has a label and a comment
in Chinese and English; each file reads like a document (comment header, sorted
prefixes, a titled header node); nothing is tied to one deployment's address; and
every code a figure can take sits in a concept scheme and the global item list.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from pathlib import Path

import pytest
from pyoxigraph import Store
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic
from rdflib.term import Node

from publisher.graph.formats import load_ontology_documents
from publisher.rdf.iris import Iris
from publisher.rdf.namespaces import DCTERMS, ORG, OWL, QB, RDF, RDFS, SKOS, XSD, DisclosureTerms, vocabulary
from publisher.settings import ONTOLOGY_DIR, SHAPES_DIR
from publisher.validation.shapes import load_shapes_documents
from tests.helpers import BASE

OTHER_BASE = "https://data.example.org/disclosure"
ONTOLOGY_FILES = sorted(ONTOLOGY_DIR.rglob("*.ttl"))
SHAPES_FILES = sorted(SHAPES_DIR.glob("*.ttl"))
TURTLE_FILES = ONTOLOGY_FILES + SHAPES_FILES
DIS = vocabulary(BASE)
COMMON_ITEM = URIRef(f"{BASE}/def/common/item")
HEADER_TYPES = (OWL.Ontology, DCTERMS.Standard, DIS.ReportFormat)


def relative(path: Path) -> str:
    return str(path.relative_to(ONTOLOGY_DIR.parent))


@cache
def parse(path: Path, base: str = BASE) -> Graph:
    """One Turtle file as rdflib reads it with `base` + "/" as its base (cached: do not modify)."""
    return Graph().parse(path, format="turtle", publicID=base + "/")


def document_iri(path: Path) -> URIRef:
    """The IRI a file is stored under, which its header node should name."""
    if path.is_relative_to(SHAPES_DIR):
        return URIRef(f"{BASE}/def/shapes/{path.stem}")
    return URIRef(f"{BASE}/def/{path.stem}")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    merged = Graph()
    for path in ONTOLOGY_FILES:
        for triple in parse(path):
            merged.add(triple)
    return merged


def test_there_are_files_to_check() -> None:
    names = {relative(p) for p in TURTLE_FILES}
    assert {"ontology/disclosure.ttl", "ontology/common.ttl", "ontology/formats/jilin-city-2011.ttl"} <= names
    assert {"shapes/structure.ttl", "shapes/arithmetic.ttl"} <= names


# ---------------------------------------------------------------------------
# (a) The closed namespace and the Turtle define the same terms
# ---------------------------------------------------------------------------


def terms_in_turtle() -> set[str]:
    graph = parse(ONTOLOGY_DIR / "disclosure.ttl")
    namespace = str(DIS._NS)
    return {
        str(subject)[len(namespace) :]
        for subject in graph.subjects(RDF.type, None)
        if isinstance(subject, URIRef) and str(subject).startswith(namespace)
    }


def terms_in_python() -> set[str]:
    return set(inspect.get_annotations(DisclosureTerms))


def test_the_closed_namespace_lists_every_term_of_the_ontology() -> None:
    missing = terms_in_turtle() - terms_in_python()
    assert not missing, f"defined in ontology/disclosure.ttl but not in DisclosureTerms: {sorted(missing)}"


def test_the_ontology_defines_every_term_of_the_closed_namespace() -> None:
    extra = terms_in_python() - terms_in_turtle()
    assert not extra, f"in DisclosureTerms but not defined in ontology/disclosure.ttl: {sorted(extra)}"


def test_the_closed_namespace_mints_terms_under_the_base() -> None:
    assert len(terms_in_python()) >= 25
    for base in (BASE, OTHER_BASE):
        terms = vocabulary(base)
        for name in sorted(terms_in_python()):
            assert getattr(terms, name) == URIRef(f"{base}/def/disclosure#{name}")


def test_a_misspelt_term_raises() -> None:
    with pytest.raises(AttributeError):
        _ = vocabulary(BASE).Typo
    with pytest.raises(AttributeError):
        _ = vocabulary(BASE).annualReport  # the class is AnnualReport


# ---------------------------------------------------------------------------
# (b) Every defined thing has a label and a comment in zh and en
# ---------------------------------------------------------------------------

# Typed subjects that are not checked here: the header nodes of documents (titled
# with dct:title, checked below) and a structure's component specifications,
# which are parts of the structure that carries the labels.
NOT_TERMS = (OWL.Ontology, DCTERMS.Standard, QB.ComponentSpecification)


def defined(path: Path) -> list[URIRef]:
    """The things a file defines: its typed IRIs (a format too, though it heads its file)."""
    graph = parse(path)
    subjects = {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}
    return [
        subject
        for subject in sorted(subjects)
        if (subject, RDF.type, DIS.ReportFormat) in graph or not set(graph.objects(subject, RDF.type)) & set(NOT_TERMS)
    ]


DEFINED = [
    pytest.param(path, subject, id=f"{path.stem}:{str(subject).removeprefix(BASE + '/def/')}")
    for path in ONTOLOGY_FILES
    for subject in defined(path)
]


def languages(graph: Graph, subject: Node, *predicates: URIRef) -> set[str | None]:
    return {
        value.language
        for predicate in predicates
        for value in graph.objects(subject, predicate)
        if isinstance(value, Literal) and str(value).strip()
    }


def test_there_are_terms_to_check() -> None:
    # 30 terms of the vocabulary, the shared code lists, a format with its codes and rules.
    assert len(DEFINED) >= 80


@pytest.mark.parametrize("path, subject", DEFINED)
def test_every_term_has_a_label_and_a_comment_in_zh_and_en(path: Path, subject: URIRef) -> None:
    graph = parse(path)
    is_concept = (subject, RDF.type, SKOS.Concept) in graph
    labels = (RDFS.label, SKOS.prefLabel) if is_concept else (RDFS.label,)
    assert {"zh", "en"} <= languages(graph, subject, *labels), f"{relative(path)}: {subject} needs labels @zh and @en"
    assert {"zh", "en"} <= languages(graph, subject, RDFS.comment), (
        f"{relative(path)}: {subject} needs rdfs:comment @zh and @en"
    )


def test_at_most_one_preferred_label_per_language(ontology: Graph) -> None:
    # SKOS integrity condition S14.
    for subject in set(ontology.subjects(SKOS.prefLabel, None)):
        tags = [v.language for v in ontology.objects(subject, SKOS.prefLabel) if isinstance(v, Literal)]
        assert len(tags) == len(set(tags)), (subject, tags)


# ---------------------------------------------------------------------------
# (c) Each Turtle file reads like a document
# ---------------------------------------------------------------------------

PREFIX = re.compile(r"^@prefix\s+([A-Za-z][\w-]*)?:\s*<[^>]*>\s*\.\s*$")


@pytest.mark.parametrize("path", [pytest.param(p, id=relative(p)) for p in TURTLE_FILES])
def test_the_file_starts_with_a_comment_header(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].startswith("# "), f"{relative(path)} should open with a comment saying what it is"
    first_prefix = next(i for i, line in enumerate(lines) if line.startswith("@prefix"))
    head = lines[:first_prefix]
    assert all(not line.strip() or line.startswith("#") for line in head), head


@pytest.mark.parametrize("path", [pytest.param(p, id=relative(p)) for p in TURTLE_FILES])
def test_the_prefixes_are_sorted(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    declared = [line for line in lines if re.match(r"(?i)^\s*@?prefix\b", line)]
    assert declared, relative(path)
    names = []
    for line in declared:
        match = PREFIX.match(line)
        assert match, f"{relative(path)}: write prefixes one per line as '@prefix name: <iri> .', not {line!r}"
        names.append(match.group(1) or "")
    assert names == sorted(names), f"{relative(path)}: sort the prefixes: {sorted(names)}"


@pytest.mark.parametrize("path", [pytest.param(p, id=relative(p)) for p in TURTLE_FILES])
def test_the_file_has_a_titled_header_node(path: Path) -> None:
    graph = parse(path)
    headers = {s for kind in HEADER_TYPES for s in graph.subjects(RDF.type, kind)}
    assert headers == {document_iri(path)}, (
        f"{relative(path)}: one header node (owl:Ontology, dct:Standard or dis:ReportFormat), "
        f"named <{document_iri(path).removeprefix(BASE + '/')}>; found {sorted(headers)}"
    )
    [header] = headers
    assert {"zh", "en"} <= languages(graph, header, DCTERMS.title, RDFS.label), (
        f"{relative(path)}: the header node needs a dct:title or rdfs:label @zh and @en"
    )


# ---------------------------------------------------------------------------
# (d) Nothing is tied to one deployment's address
# ---------------------------------------------------------------------------


def rebase(graph: Graph, old: str, new: str) -> Graph:
    """`graph` with every IRI (and xsd:anyURI literal) under `old` moved under `new`."""

    def move(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(old):
            return URIRef(new + str(term)[len(old) :])
        if isinstance(term, Literal) and term.datatype == XSD.anyURI and str(term).startswith(old):
            return Literal(new + str(term)[len(old) :], datatype=XSD.anyURI)
        return term

    moved = Graph()
    for s, p, o in graph:
        moved.add((move(s), move(p), move(o)))
    return moved


def documents(base: str) -> dict[URIRef, Graph]:
    iris = Iris(base)
    return load_ontology_documents(ONTOLOGY_DIR, iris) | load_shapes_documents(SHAPES_DIR, iris)


def mentions(graph: Graph, text: str) -> list[Node]:
    return [term for triple in graph for term in triple if not isinstance(term, BNode) and text in str(term)]


def test_the_documents_move_with_the_base() -> None:
    here, there = documents(BASE), documents(OTHER_BASE)
    assert sorted(str(name).replace(BASE, OTHER_BASE, 1) for name in here) == sorted(map(str, there))
    for name, graph in here.items():
        other = there[URIRef(str(name).replace(BASE, OTHER_BASE))]
        moved = rebase(graph, BASE + "/", OTHER_BASE + "/")
        if not isomorphic(moved, other):
            _, only_here, only_there = graph_diff(moved, other)
            pytest.fail(
                f"{name} does not move with the base:\n"
                f"only with {BASE} (moved):\n{only_here.serialize(format='nt')}\n"
                f"only with {OTHER_BASE}:\n{only_there.serialize(format='nt')}"
            )
        assert len(mentions(other, OTHER_BASE)) >= 10, name  # the base is really used
        assert not mentions(other, "127.0.0.1") and not mentions(other, "localhost"), mentions(other, "127.0.0.1")


@pytest.mark.parametrize("path", [pytest.param(p, id=relative(p)) for p in TURTLE_FILES])
def test_no_file_hard_codes_an_address(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "127.0.0.1" not in text and "localhost" not in text, relative(path)
    assert "<def/" in text, f"{relative(path)}: our IRIs are written relative to the base, as <def/...>"


# ---------------------------------------------------------------------------
# (e) Dimensions have ranges; codes sit in schemes and the global item list
# ---------------------------------------------------------------------------


def test_every_dimension_has_a_range(ontology: Graph) -> None:
    dimensions = set(ontology.subjects(RDF.type, QB.DimensionProperty))
    assert {DIS.agency, DIS.reportYear, DIS.item, DIS.periodType} <= dimensions
    assert not [d for d in dimensions if ontology.value(d, RDFS.range) is None]


def codes_of(ontology: Graph, code_list: Node) -> set[Node]:
    """The concepts of a concept scheme (skos:inScheme) or a collection (skos:member, transitively)."""
    if (code_list, RDF.type, SKOS.ConceptScheme) in ontology:
        return set(ontology.subjects(SKOS.inScheme, code_list))
    assert (code_list, RDF.type, SKOS.Collection) in ontology, f"{code_list} is neither scheme nor collection"
    members: set[Node] = set()
    todo = [code_list]
    while todo:
        for member in ontology.objects(todo.pop(), SKOS.member):
            if (member, RDF.type, SKOS.Collection) in ontology:
                todo.append(member)
            elif member not in members:
                members.add(member)
    return members


def format_codes(ontology: Graph) -> dict[tuple[Node, Node], set[Node]]:
    """(format, dimension) → the codes the format allows for that dimension (dis:codes)."""
    codes = {}
    for fmt in ontology.subjects(RDF.type, DIS.ReportFormat):
        structure = ontology.value(fmt, DIS.dataStructure)
        for spec in ontology.objects(structure, QB.component):
            code_list = ontology.value(spec, DIS.codes)
            if code_list is not None:
                codes[fmt, ontology.value(spec, QB.dimension)] = codes_of(ontology, code_list)
    return codes


def used_codes(ontology: Graph, store: Store) -> set[Node]:
    """Every concept used as a code: by a format, a rule, a unit default, or a published figure or fact."""
    used: set[Node] = set().union(*format_codes(ontology).values())
    for predicate in (DIS.total, DIS.part, DIS.bound, DIS.bounded, DIS.defaultUnit):
        used |= set(ontology.objects(None, predicate))
    coded = (DIS.item, DIS.periodType, DIS.unit, DIS.cellStatus, DIS.qualifier, ORG.classification)
    values = "VALUES ?p { " + " ".join(f"<{p}>" for p in coded) + " }"
    for row in store.query(f"SELECT DISTINCT ?code WHERE {{ {values} GRAPH ?g {{ ?s ?p ?code }} }}"):  # type: ignore[union-attr]
        used.add(URIRef(row["code"].value))
    return used


def test_every_code_is_a_concept_in_a_scheme(ontology: Graph, store: Store) -> None:
    used = used_codes(ontology, store)
    assert len(used) >= 20
    problems = []
    for code in sorted(used):
        if (code, RDF.type, SKOS.Concept) not in ontology:
            problems.append(f"{code} is used as a code but is not a skos:Concept of the ontology")
        schemes = [s for s in ontology.objects(code, SKOS.inScheme) if (s, RDF.type, SKOS.ConceptScheme) in ontology]
        if not schemes:
            problems.append(f"{code} is in no skos:ConceptScheme (skos:inScheme)")
    assert not problems, "\n".join(problems)


def test_every_item_of_a_format_is_in_the_global_item_list(ontology: Graph) -> None:
    items = {code for (_, dim), codes in format_codes(ontology).items() if dim == DIS.item for code in codes}
    assert len(items) >= 15
    global_items = set(ontology.objects(COMMON_ITEM, SKOS.member))
    assert not sorted(items - global_items), (
        f"add these to <def/common/item> as skos:member: {sorted(items - global_items)}"
    )
    assert not sorted(global_items - items), f"members of <def/common/item> that no format has: {global_items - items}"
    assert ontology.value(DIS.item, QB.codeList) == COMMON_ITEM
