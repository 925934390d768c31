"""The core shapes evaluated directly over a report's graph and its context: what pySHACL finds, without pySHACL.

pySHACL over the core shapes (`checker.CoreShapes`) was most of what checking a report
cost in the build (≈ 100 ms for a report of the national formats, most of it pySHACL's
generality: its executor, its results graph, the report added to a context graph). The
core shapes of shapes/*.ttl use seven constraint components, all on property shapes of
node shapes with a sh:targetClass (and of the node shapes they name with sh:node):
sh:minCount, sh:maxCount, sh:datatype, sh:class, sh:hasValue, sh:minInclusive and
sh:node. `DirectCore` reads them from the shapes graph and evaluates them as pySHACL 0.40
does (SHACL §4: each focus node, its value nodes along the path, one result per failing
value node — none for a count or sh:hasValue — the result's message the shape's
sh:message, its severity the shape's sh:severity) over the union of the report's graph,
its agency's registry entry and its format's context. The data is read as N-Triples
terms (rdf/ntterms.py: the build makes a report's triples as text, graph/reporttriples.py,
and never an rdflib graph); a literal whose value a constraint reads is read as the
rdflib term pySHACL would read (its datatype and well-formedness as rdflib parses
them; pySHACL's own `compare_literal` for sh:minInclusive), and what a result names is
what `str` of pySHACL's term gives.

`DirectCore.of` gives None when the shapes use anything else (another constraint
component, an anonymous property shape, one without a message, a path other than an IRI
or a sequence of IRIs): the checker then keeps pySHACL. The reference stays pySHACL
(validator.py); tests/test_shapes.py and tests/test_checking_equivalence.py hold the two
equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.extras.shacl import parse_shacl_path
from rdflib.term import Node

from publisher.rdf.namespaces import RDF, RDFS, SH, XSD
from publisher.rdf.ntterms import TermTriple, iri_term, is_literal, node_term, rdf_term, term_value
from publisher.validation.findings import language_of

#: The constraint parameters evaluated here; a shape with any other sh: parameter is left to pySHACL.
PARAMETERS = frozenset({SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH.hasValue, SH.minInclusive, SH.node})
#: What else a shape may say (names, messages and links are not constraints).
DESCRIPTIVE = frozenset({SH.path, SH.name, SH.description, SH.message, SH.severity, SH.property, SH.targetClass,
                         SH.order, SH.group, RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso})  # fmt: skip

#: pySHACL's check of a literal's value for the datatypes it knows (DatatypeConstraintComponent).
VALUE_TYPES: dict[URIRef, type | tuple[type, ...]] = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
    XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time, XSD.dateTime: datetime,
}  # fmt: skip

#: rdf:type and rdfs:subClassOf as the data's terms.
TYPE, SUBCLASS_OF = iri_term(str(RDF.type)), iri_term(str(RDFS.subClassOf))
#: Distinct literals whose datatype or minimum is remembered (many recur: counts, offsets, years).
REMEMBERED = 1 << 16


@dataclass(frozen=True)
class PropertyRule:
    """One property shape: its path and the constraints it puts on the values along it."""

    shape: URIRef
    path: tuple[str, ...]  # one IRI, or a sequence of them (as terms)
    path_text: str
    min_count: int | None
    max_count: int | None
    datatype: URIRef | None
    classes: tuple[str, ...]  # as terms
    has_value: tuple[str, ...]  # as terms
    min_inclusive: tuple[Literal, ...]
    nodes: tuple[Node, ...]  # node shapes each value must conform to
    severity: URIRef
    messages: dict[str, str]


@dataclass(frozen=True)
class Result:
    """One validation result, as pySHACL's results graph would give it (terms as text)."""

    severity: URIRef
    shape: str
    focus: str
    value: str | None
    path: str
    messages: Mapping[str, str]


class Index:
    """Triples (N-Triples terms) looked up by subject and predicate (and, for rdf:type and rdfs:subClassOf, by
    object): the lookups the shapes make, each a dictionary lookup of strings."""

    BACKWARD = frozenset({TYPE, SUBCLASS_OF})

    def __init__(self, triples: Iterable[TermTriple]) -> None:
        self.forward: dict[tuple[str, str], list[str]] = {}
        self.backward: dict[tuple[str, str], list[str]] = {}
        for s, p, o in triples:
            self.forward.setdefault((s, p), []).append(o)
            if p in self.BACKWARD:
                self.backward.setdefault((p, o), []).append(s)


def reachable(start: str, step: Callable[[str], Iterable[str]]) -> set[str]:
    """The nodes reached from `start` by one or more steps (`step`: a node's next nodes); `start` only if a
    path comes back to it."""
    found: set[str] = set()
    pending = [start]
    while pending:
        for node in step(pending.pop()):
            if node not in found:
                found.add(node)
                pending.append(node)
    return found


class Data:
    """The data graph pySHACL would validate, read without building it: the union of indexed graphs."""

    def __init__(self, indexes: Sequence[Index]) -> None:
        self.indexes = indexes
        self._superclasses: dict[str, set[str]] = {}

    def objects(self, subject: str, predicate: str) -> set[str]:
        key = (subject, predicate)
        found: set[str] | None = None
        for index in self.indexes:
            objects = index.forward.get(key)
            if objects:
                if found is None:
                    found = set(objects)
                else:
                    found.update(objects)
        return set() if found is None else found

    def subjects(self, predicate: str, obj: str) -> set[str]:
        found: set[str] = set()
        for index in self.indexes:
            found.update(index.backward.get((predicate, obj), ()))
        return found

    def subclasses(self, cls: str) -> set[str]:
        """`cls` and every class under it (rdfs:subClassOf*), as pySHACL finds a target class's instances."""
        return {cls} | reachable(cls, lambda node: self.subjects(SUBCLASS_OF, node))

    def superclasses(self, cls: str) -> set[str]:
        """`cls` and every class above it (rdfs:subClassOf*), as pySHACL checks sh:class."""
        if cls in self._superclasses:
            return self._superclasses[cls]
        found = self._superclasses[cls] = {cls} | reachable(cls, lambda node: self.objects(node, SUBCLASS_OF))
        return found

    def values(self, focus: str, path: tuple[str, ...]) -> set[str]:
        if len(path) == 1:
            return self.objects(focus, path[0])
        nodes = {focus}
        for step in path:
            nodes = {o for n in nodes for o in self.objects(n, step)}
        return nodes


class DirectCore:
    """The core shapes, read once, evaluated over a report's data as pySHACL evaluates them."""

    def __init__(self, targets: list[tuple[str, Node]], rules: dict[Node, list[PropertyRule]]) -> None:
        self.targets = targets  # (target class as a term, node shape)
        self.rules = rules  # node shape → its property shapes

    @classmethod
    def of(cls, shapes: Graph) -> DirectCore | None:
        """The core shapes of `shapes` (SPARQL constraints already split off), or None if pySHACL must do them."""
        classes = sorted(((c, s) for s, c in shapes.subject_objects(SH.targetClass) if isinstance(c, URIRef)), key=str)
        targets = [(node_term(c), s) for c, s in classes]
        rules: dict[Node, list[PropertyRule]] = {}
        pending = [shape for _, shape in targets]
        while pending:
            shape = pending.pop()
            if shape in rules:
                continue
            if not _only(shapes, shape, DESCRIPTIVE):
                return None
            rules[shape] = []
            for prop in shapes.objects(shape, SH.property):
                rule = _property_rule(shapes, prop)
                if rule is None:
                    return None
                rules[shape].append(rule)
                pending += rule.nodes
        return None if _recursive(rules) else cls(targets, rules)

    def validate(self, data: Data) -> list[Result]:
        """Every result of the targeted shapes over `data`."""
        results: list[Result] = []
        for cls, shape in self.targets:
            focus_nodes = {n for c in data.subclasses(cls) for n in data.subjects(TYPE, c)}
            for focus in sorted(focus_nodes, key=term_value):
                results += self.results(data, shape, focus)
        return results

    def results(self, data: Data, shape: Node, focus: str) -> list[Result]:
        """The results of `focus` against `shape`. A value that does not conform to a sh:node shape gives a result
        and, after it, the results of that shape for it (pySHACL puts them in its results graph as the result's
        sh:detail, each a sh:ValidationResult too, so the validator reads them as findings)."""
        found: list[Result] = []
        for rule in self.rules[shape]:
            values = data.values(focus, rule.path)
            failing: list[str | None] = []
            if rule.min_count is not None and len(values) < rule.min_count:
                failing.append(None)
            if rule.max_count is not None and len(values) > rule.max_count:
                failing.append(None)
            failing += [None for wanted in rule.has_value if wanted not in values]
            if rule.datatype is not None or rule.classes or rule.min_inclusive:
                for value in values:
                    failing += [value for _ in _failed_constraints(data, rule, value)]
            details = {value: self._nested(data, rule, value) for value in values} if rule.nodes else {}
            failing += [node for node, nested in details.items() for results in nested if results]
            for failed in failing:
                found.append(Result(rule.severity, str(rule.shape), term_value(focus), _text(failed), rule.path_text,
                                    rule.messages))  # fmt: skip
            for nested in details.values():
                for results in nested:
                    found += results
        return found

    def _nested(self, data: Data, rule: PropertyRule, value: str) -> list[list[Result]]:
        """For each sh:node shape of the rule, the results of `value` against it."""
        return [self.results(data, node, value) for node in rule.nodes]


def _recursive(rules: Mapping[Node, list[PropertyRule]]) -> bool:
    """Whether a node shape reaches itself through sh:node (pySHACL stops such a recursion; this does not)."""
    under = {shape: {n for rule in shape_rules for n in rule.nodes} for shape, shape_rules in rules.items()}
    for start in under:
        seen, pending = set(), list(under[start])
        while pending:
            shape = pending.pop()
            if shape == start:
                return True
            if shape not in seen:
                seen.add(shape)
                pending += under.get(shape, ())
    return False


def _text(node: str | None) -> str | None:
    return None if node is None else term_value(node)


def _failed_constraints(data: Data, rule: PropertyRule, value: str) -> Iterator[URIRef]:
    """The value constraints (but sh:node) of the rule that `value` fails, each once."""
    if rule.datatype is not None and not (is_literal(value) and _literal_has_datatype(value, rule.datatype)):
        yield SH.datatype
    for cls in rule.classes:
        if not _instance_of(data, value, cls):
            yield SH["class"]
    for bound in rule.min_inclusive:
        if not (is_literal(value) and _literal_at_least(value, bound)):
            yield SH.minInclusive


def _instance_of(data: Data, value: str, cls: str) -> bool:
    """pySHACL's sh:class: a node (never a literal) with a type that is `cls` or a class under it."""
    return not is_literal(value) and any(cls in data.superclasses(t) for t in data.objects(value, TYPE))


@lru_cache(maxsize=REMEMBERED)
def _literal_has_datatype(value: str, datatype: URIRef) -> bool:
    """`_has_datatype` of a literal given as its term."""
    return _has_datatype(rdf_term(value), datatype)


@lru_cache(maxsize=REMEMBERED)
def _literal_at_least(value: str, bound: Literal) -> bool:
    """`_at_least` of a literal given as its term."""
    return _at_least(rdf_term(value), bound)


def _has_datatype(value: Node, datatype: URIRef) -> bool:
    """pySHACL's sh:datatype: a literal of that datatype, well-formed, whose value rdflib reads as that type."""
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        return getattr(value, "ill_typed", None) is not True and _value_is(value, datatype)
    if datatype == RDFS.Literal:
        return True
    if datatype == RDFS.Datatype:
        return bool(value.datatype)
    if value.datatype is None and value.language is None and datatype == XSD.string:
        return _value_is(value, datatype)
    if datatype == RDF.langString and value.language:
        return _value_is(value, datatype)
    return False


def _value_is(value: Literal, datatype: URIRef) -> bool:
    kind = VALUE_TYPES.get(datatype)
    return kind is None or isinstance(value.value, kind)


def _at_least(value: Node, bound: Literal) -> bool:
    """pySHACL's sh:minInclusive: a literal comparable with the bound and not below it."""
    if not isinstance(value, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(value.value, str):
        return False
    try:
        return bool(compare_literal(value, bound) >= 0)  # type: ignore[no-untyped-call]
    except (TypeError, NotImplementedError):
        return False


def _only(shapes: Graph, shape: Node, allowed: frozenset[URIRef]) -> bool:
    """`shape` says nothing but what is allowed (no other sh: parameter: another constraint is pySHACL's)."""
    return all(p in allowed or not str(p).startswith(str(SH)) for p in shapes.predicates(shape, None))


def _property_rule(shapes: Graph, prop: Node) -> PropertyRule | None:
    """A property shape as a rule, or None if it is not one evaluated here."""
    if not isinstance(prop, URIRef) or not _only(shapes, prop, PARAMETERS | DESCRIPTIVE):
        return None
    path_node = shapes.value(prop, SH.path)
    path = _path(shapes, path_node)
    messages = [m for m in shapes.objects(prop, SH.message) if isinstance(m, Literal)]
    several = any(len(list(shapes.objects(prop, p))) > 1 for p in (SH.datatype, SH.path))
    if path is None or path_node is None or not messages or several:
        return None

    def number(predicate: URIRef) -> int | None:
        value = shapes.value(prop, predicate)
        return int(value) if isinstance(value, Literal) else None

    datatype = shapes.value(prop, SH.datatype)
    severity = shapes.value(prop, SH.severity)
    return PropertyRule(
        shape=prop,
        path=tuple(iri_term(str(step)) for step in path),
        path_text=str(path[0]) if len(path) == 1 else parse_shacl_path(shapes, path_node).n3(),
        min_count=number(SH.minCount),
        max_count=number(SH.maxCount),
        datatype=datatype if isinstance(datatype, URIRef) else None,
        classes=tuple(node_term(c) for c in shapes.objects(prop, SH["class"]) if isinstance(c, URIRef)),
        has_value=tuple(node_term(v) for v in shapes.objects(prop, SH.hasValue)),
        min_inclusive=tuple(m for m in shapes.objects(prop, SH.minInclusive) if isinstance(m, Literal)),
        nodes=tuple(shapes.objects(prop, SH.node)),
        severity=severity if isinstance(severity, URIRef) else SH.Violation,
        messages={m.language or language_of(str(m)): str(m) for m in messages},
    )


def _path(shapes: Graph, path: Any) -> tuple[URIRef, ...] | None:
    """An IRI path, or a sequence of IRIs (an RDF list), as a tuple; None for any other path."""
    if isinstance(path, URIRef):
        return (path,)
    if isinstance(path, BNode):
        steps = list(shapes.items(path))
        if steps and all(isinstance(s, URIRef) for s in steps) and len(list(shapes.predicates(path, None))) == 2:
            return tuple(s for s in steps if isinstance(s, URIRef))
    return None
