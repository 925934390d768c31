"""Serialising query answers: SPARQL results (JSON, XML, CSV, TSV) and RDF graphs.

SELECT and ASK answers follow the W3C Recommendations "SPARQL 1.1 Query Results JSON
Format", "SPARQL Query Results XML Format (Second Edition)" and "SPARQL 1.1 Query
Results CSV and TSV Formats". Two additions, both ignorable by a standard reader:

- a SELECT answer cut at the row cap has a top-level `"truncated": true` member in
  JSON (`false` otherwise) and a comment in XML; the web layer also sends the
  `X-Result-Truncated` and `X-Result-Rows` headers;
- CSV and TSV define no ASK form; an ASK answer is written as a one-column table
  named `_askResult` holding `true` or `false` (as Apache Jena does).

CONSTRUCT and DESCRIBE answers are written by Oxigraph in the formats of
`publisher.rdf.mediatypes.RDF_TYPES`. `run_query` evaluates a query on a store and
writes Oxigraph's own answer in one of these formats, for the `publisher query` command.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from publisher.errors import QueryError
from publisher.rdf.mediatypes import RDF_BY_NAME, RESULTS_BY_NAME
from publisher.rdf.namespaces import XSD
from publisher.sparql.answers import Answer, Term, TripleRow
from publisher.store.readstore import ReadStore

SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
ASK_COLUMN = "_askResult"

# Turtle's short forms, usable in TSV when the lexical form fits them exactly.
_SHORT_FORMS = {
    str(XSD.integer): re.compile(r"[+-]?[0-9]+"),
    str(XSD.decimal): re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    str(XSD.double): re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"),
    str(XSD.boolean): re.compile(r"true|false"),
}
_XML_ENTITIES = {"\r": "&#13;"}  # a raw CR would be normalised away by XML parsers
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def serialize(answer: Answer, format_name: str, *, prefixes: Mapping[str, str] | None = None) -> bytes:
    """The answer in the format named as in `publisher.rdf.mediatypes` (json, xml, csv, tsv for
    SELECT/ASK; turtle, jsonld, ntriples, rdfxml, nquads for CONSTRUCT/DESCRIBE)."""
    if answer.kind == "graph":
        if format_name not in RDF_BY_NAME:
            raise ValueError(
                f"A graph answer cannot be written as {format_name!r}; use one of {', '.join(RDF_BY_NAME)}."
            )
        return graph(answer.triples, format_name, prefixes=prefixes)
    writers = {"json": results_json, "xml": results_xml, "csv": results_csv, "tsv": results_tsv}
    if format_name not in writers:
        raise ValueError(
            f"A {answer.kind} answer cannot be written as {format_name!r}; use one of {', '.join(RESULTS_BY_NAME)}."
        )
    return writers[format_name](answer)


# --- JSON -------------------------------------------------------------------------


def term_json(term: Term) -> dict[str, Any]:
    """A term as an RDF term object of SPARQL JSON results (SPARQL 1.2 form for triple terms)."""
    if term.type == "triple":
        assert term.triple is not None
        s, p, o = (term_json(t) for t in term.triple)
        return {"type": "triple", "value": {"subject": s, "predicate": p, "object": o}}
    data: dict[str, Any] = {"type": term.type, "value": term.value}
    if term.lang:
        data["xml:lang"] = term.lang
        if term.direction:
            data["its:dir"] = term.direction
    elif term.datatype:
        data["datatype"] = term.datatype
    return data


def results_json(answer: Answer) -> bytes:
    if answer.kind == "ask":
        document: dict[str, Any] = {"head": {}, "boolean": bool(answer.boolean)}
    else:
        bindings = [{name: term_json(term) for name, term in record.items()} for record in answer.records()]
        document = {"head": {"vars": list(answer.variables)}, "results": {"bindings": bindings}}
        document["truncated"] = answer.truncated
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


# --- XML --------------------------------------------------------------------------


def term_xml(term: Term) -> str:
    if term.type == "uri":
        return f"<uri>{escape(term.value)}</uri>"
    if term.type == "bnode":
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.type == "literal":
        if term.lang:
            direction = f" its:dir={quoteattr(term.direction)}" if term.direction else ""
            return f"<literal xml:lang={quoteattr(term.lang)}{direction}>{escape(term.value, _XML_ENTITIES)}</literal>"
        if term.datatype:
            return f"<literal datatype={quoteattr(term.datatype)}>{escape(term.value, _XML_ENTITIES)}</literal>"
        return f"<literal>{escape(term.value, _XML_ENTITIES)}</literal>"
    assert term.triple is not None
    s, p, o = (term_xml(t) for t in term.triple)
    return f"<triple><subject>{s}</subject><predicate>{p}</predicate><object>{o}</object></triple>"


def results_xml(answer: Answer) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    directional = any(term is not None and term.direction for row in answer.rows for term in row)
    its = ' xmlns:its="http://www.w3.org/2005/11/its"' if directional else ""
    out.append(f'<sparql xmlns="{SPARQL_RESULTS_NS}"{its}>')
    if answer.kind == "ask":
        out.append("  <head/>")
        out.append(f"  <boolean>{'true' if answer.boolean else 'false'}</boolean>")
    else:
        out.append("  <head>")
        out.extend(f"    <variable name={quoteattr(name)}/>" for name in answer.variables)
        out.append("  </head>")
        if answer.truncated:
            out.append(f"  <!-- truncated: only the first {len(answer.rows)} results (the endpoint's row cap) -->")
        out.append("  <results>")
        for record in answer.records():
            out.append("    <result>")
            out.extend(
                f"      <binding name={quoteattr(name)}>{term_xml(term)}</binding>" for name, term in record.items()
            )
            out.append("    </result>")
        out.append("  </results>")
    out.append("</sparql>")
    return ("\n".join(out) + "\n").encode("utf-8")


# --- CSV and TSV ------------------------------------------------------------------


def term_csv(term: Term | None) -> str:
    """CSV carries no term types: IRIs and literals as their string, blank nodes as _:label."""
    if term is None:
        return ""
    if term.type == "bnode":
        return "_:" + term.value
    if term.type == "triple":
        return term_ntriples(term)
    return term.value


def results_csv(answer: Answer) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if answer.kind == "ask":
        writer.writerow([ASK_COLUMN])
        writer.writerow(["true" if answer.boolean else "false"])
    else:
        writer.writerow(answer.variables)
        for row in answer.rows:
            writer.writerow([term_csv(term) for term in row])
    return buffer.getvalue().encode("utf-8")


def term_ntriples(term: Term) -> str:
    """A term in N-Triples syntax (Turtle for triple terms)."""
    if term.type == "uri":
        return f"<{term.value}>"
    if term.type == "bnode":
        return "_:" + term.value
    if term.type == "triple":
        assert term.triple is not None
        return "<<( " + " ".join(term_ntriples(t) for t in term.triple) + " )>>"
    quoted = '"' + "".join(_ESCAPES.get(c, c) for c in term.value) + '"'
    if term.lang:
        return f"{quoted}@{term.lang}" + (f"--{term.direction}" if term.direction else "")
    if term.datatype:
        return f"{quoted}^^<{term.datatype}>"
    return quoted


def term_tsv(term: Term | None) -> str:
    """TSV carries terms in Turtle syntax; numbers and booleans in their short form when it fits."""
    if term is None:
        return ""
    if term.type == "literal" and term.datatype in _SHORT_FORMS and _SHORT_FORMS[term.datatype].fullmatch(term.value):
        return term.value
    return term_ntriples(term)


def results_tsv(answer: Answer) -> bytes:
    if answer.kind == "ask":
        lines = ["?" + ASK_COLUMN, "true" if answer.boolean else "false"]
    else:
        lines = ["\t".join("?" + name for name in answer.variables)]
        lines.extend("\t".join(term_tsv(term) for term in row) for row in answer.rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- RDF --------------------------------------------------------------------------


def graph(triples: Iterable[TripleRow], format_name: str, *, prefixes: Mapping[str, str] | None = None) -> bytes:
    """Triples in one of the RDF formats of `publisher.rdf.mediatypes.RDF_TYPES`."""
    rdf_type = RDF_BY_NAME[format_name]
    items: list[ox.Triple] = []
    for row in triples:
        s, p, o = (term.to_oxigraph() for term in row)
        assert isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode)
        items.append(ox.Triple(s, p, o))
    if format_name == "nquads":
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in items]
        data = ox.serialize(quads, format=rdf_type.oxigraph)
    elif format_name in ("turtle", "rdfxml") and prefixes:
        data = ox.serialize(items, format=rdf_type.oxigraph, prefixes=dict(prefixes))
    else:
        data = ox.serialize(items, format=rdf_type.oxigraph)
    assert data is not None
    return data


# --- Straight from a store (the `publisher query` command) -------------------------


def run_query(store: ReadStore, query: str, results_format: str = "csv", graph_format: str = "turtle") -> bytes:
    """Evaluate `query` over the union of all graphs; serialise it in the format asked for.

    SELECT and ASK results use `results_format` (json, xml, csv, tsv); CONSTRUCT and
    DESCRIBE results use `graph_format` (turtle, ntriples, rdfxml, jsonld, nquads).
    """
    try:
        result = store.query(query, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise QueryError(f"The query is not valid SPARQL: {exc}") from exc
    except OSError as exc:
        raise QueryError(f"The query could not be evaluated: {exc}") from exc
    if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        if results_format not in RESULTS_BY_NAME:
            raise QueryError(f"Unknown results format {results_format!r}; use one of {', '.join(RESULTS_BY_NAME)}.")
        data = result.serialize(format=RESULTS_BY_NAME[results_format].oxigraph)
    else:
        assert isinstance(result, ox.QueryTriples)
        if graph_format not in RDF_BY_NAME:
            raise QueryError(f"Unknown graph format {graph_format!r}; use one of {', '.join(RDF_BY_NAME)}.")
        data = result.serialize(format=RDF_BY_NAME[graph_format].oxigraph)
    assert data is not None
    return data
