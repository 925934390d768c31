"""Query answers as plain data (`Answer`, `Term`): what the query service returns and the results writers read.

Plain data, so that an answer crosses the process boundary between a query worker and
the web process, and is serialised by `publisher.sparql.results` without pyoxigraph
objects:

    Term("uri", "http://example.org/x")
    Term("bnode", "b0")
    Term("literal", "658", datatype="http://www.w3.org/2001/XMLSchema#integer")
    Term("literal", "abc")                      # xsd:string: datatype is None
    Term("literal", "年度报告", lang="zh")       # language-tagged: datatype is None
    Term("triple", triple=(s, p, o))            # an RDF 1.2 triple term

That is the shape of a binding in SPARQL JSON results.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, TypeAlias

import pyoxigraph as ox

from publisher.rdf.namespaces import RDF, XSD

XSD_STRING = str(XSD.string)
RDF_LANG_STRING = str(RDF.langString)
RDF_DIR_LANG_STRING = f"{RDF}dirLangString"  # RDF 1.2: not in rdflib's closed RDF namespace yet

TermType: TypeAlias = Literal["uri", "bnode", "literal", "triple"]
AnswerKind: TypeAlias = Literal["select", "ask", "graph"]


@dataclass(frozen=True, slots=True)
class Term:
    """An RDF term as plain data, shaped like a binding of SPARQL JSON results.

    `datatype` is None for plain (xsd:string) and language-tagged literals; `lang` is
    the language tag; `direction` ("ltr"/"rtl") the base direction of an RDF 1.2
    directional literal; `triple` the (subject, predicate, object) of a triple term.
    """

    type: TermType
    value: str = ""
    datatype: str | None = None
    lang: str | None = None
    direction: str | None = None
    triple: tuple[Term, Term, Term] | None = None

    @classmethod
    def iri(cls, value: str) -> Term:
        return cls("uri", value)

    @classmethod
    def literal(cls, value: str, datatype: str | None = None, lang: str | None = None) -> Term:
        return cls("literal", value, datatype=None if datatype == XSD_STRING else datatype, lang=lang)

    @classmethod
    def from_oxigraph(cls, term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Term:
        if isinstance(term, ox.NamedNode):
            return cls("uri", term.value)
        if isinstance(term, ox.BlankNode):
            return cls("bnode", term.value)
        if isinstance(term, ox.Literal):
            datatype: str | None = term.datatype.value
            if term.language or datatype in (XSD_STRING, RDF_LANG_STRING, RDF_DIR_LANG_STRING):
                datatype = None
            direction = term.direction
            return cls(
                "literal",
                term.value,
                datatype=datatype,
                lang=term.language,
                direction=str(direction.value) if direction is not None else None,
            )
        return cls(
            "triple",
            triple=(cls.from_oxigraph(term.subject), cls.from_oxigraph(term.predicate), cls.from_oxigraph(term.object)),
        )

    def to_oxigraph(self) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
        if self.type == "uri":
            return ox.NamedNode(self.value)
        if self.type == "bnode":
            return ox.BlankNode(self.value)
        if self.type == "literal":
            if self.lang:
                direction = {"ltr": ox.BaseDirection.LTR, "rtl": ox.BaseDirection.RTL}.get(self.direction or "")
                return ox.Literal(self.value, language=self.lang, direction=direction)
            return ox.Literal(self.value, datatype=ox.NamedNode(self.datatype) if self.datatype else None)
        assert self.triple is not None, "a triple term needs its triple"
        s, p, o = (t.to_oxigraph() for t in self.triple)
        assert isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode)
        return ox.Triple(s, p, o)


Row: TypeAlias = tuple[Term | None, ...]
TripleRow: TypeAlias = tuple[Term, Term, Term]
BindingValue: TypeAlias = Term | ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Answer:
    """What a query answered, as plain data.

    kind "select": `variables` and `rows` (one tuple per solution, aligned with
    `variables`, None where unbound); kind "ask": `boolean`; kind "graph"
    (CONSTRUCT, DESCRIBE): `triples`. `truncated` says the row cap cut the answer.
    """

    kind: AnswerKind
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: tuple[TripleRow, ...] = ()
    truncated: bool = False

    @property
    def size(self) -> int:
        """Rows of a SELECT answer, triples of a graph answer, 1 for ASK."""
        if self.kind == "select":
            return len(self.rows)
        if self.kind == "graph":
            return len(self.triples)
        return 1

    def records(self) -> Iterator[dict[str, Term]]:
        """Each solution as {variable: term}, unbound variables left out."""
        for row in self.rows:
            yield {name: term for name, term in zip(self.variables, row, strict=True) if term is not None}
