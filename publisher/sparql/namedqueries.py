"""Named queries: the canned SPARQL in publisher/sparql/queries/*.rq, their headers and parameters.

Each file begins with a comment block of `# key: value` lines:

    # title@zh: …            # title@en: …
    # description@zh: …      # description@en: …
    # format: jilin-city-2011           (optional) the report format it belongs to
    # table: jilin-city-2011/category   (optional) the table of that format it regenerates
    # order: 1                          (optional) the table's place in the report
    # param: NAME TYPE 中文说明 | English help

Parameter types turn a plain value into an RDF term: `agency` → {base}/id/agency/{v},
`year` → "v"^^xsd:gYear, `code` → {base}/def/{v}, `period` →
{base}/def/common/period-type/{v}, `string` → a plain literal. Values are bound with
pyoxigraph's substitutions (never pasted into the text), and the query's relative IRIs
resolve against {base}/. The web pages, the `publisher query` command and the docs all
read the same files, so a researcher can copy the exact query behind a number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Triple, Variable

from publisher.errors import NotFound, QueryError
from publisher.rdf.iris import Iris
from publisher.rdf.mediatypes import RESULTS_BY_NAME
from publisher.rdf.namespaces import XSD
from publisher.store.readstore import ReadStore

QUERIES_DIR = Path(__file__).parent / "queries"
XSD_GYEAR = NamedNode(str(XSD.gYear))
PARAM_TYPES = ("agency", "year", "code", "period", "string")
_HEADER = re.compile(r"^#\s*([a-z]+(?:@[a-z]{2})?):\s*(.*?)\s*$")
_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]*$")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    help_zh: str
    help_en: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    parameters: tuple[Parameter, ...]
    text: str
    format: str | None = None
    table: str | None = None
    order: int = 0

    def bindings(
        self, base: str, values: Mapping[str, str]
    ) -> dict[Variable, NamedNode | BlankNode | Literal | Triple]:
        """The RDF term of each parameter, from plain values; QueryError names what is wrong."""
        unknown = set(values) - {p.name for p in self.parameters}
        if unknown:
            raise QueryError(
                f"Query {self.name} has no parameter {', '.join(sorted(unknown))}; "
                f"its parameters are: {', '.join(p.name for p in self.parameters) or 'none'}."
            )
        bound: dict[Variable, NamedNode | BlankNode | Literal | Triple] = {}
        for param in self.parameters:
            value = values.get(param.name)
            if value is None or value == "":
                raise QueryError(f"Query {self.name} needs parameter {param.name}: {param.help_en}.")
            bound[Variable(param.name)] = term(param.type, value, base)
        return bound

    def with_base(self, base: str) -> str:
        """The query text as a researcher can run it anywhere: with an explicit BASE."""
        return f"BASE <{Iris(base).page('/')}>\n{self.text}"

    @property
    def scope(self) -> str:
        """ "report" (takes an agency and a year, reads GRAPH ?report), "agency" (an agency), else "corpus"."""
        names = {p.name for p in self.parameters}
        if "GRAPH ?report" not in self.text or "agency" not in names:
            return "corpus"
        return "report" if "year" in names else "agency"

    def dataset(self, store: ReadStore, base: str, values: Mapping[str, str]) -> dict[str, Any]:
        """The query's dataset: the union of all graphs, or for a report's or an agency's query, theirs.

        A report-scoped query is evaluated on the report's graph (as the default graph
        and as the one named graph) and the ontology's graphs ({base}/def/...), an
        agency-scoped one on the graphs of the agency's reports and the ontology's: the
        same answer as over the union of every graph, since such a query only reads
        those reports and the code lists, at a cost that does not grow with the corpus.
        The shapes graphs ({base}/def/shapes/...) are left out of both: a query over the
        SHACL shapes runs on the union (a corpus query).
        """
        scope = self.scope
        if scope == "corpus":
            return {"use_default_graph_as_union": True}
        index = graph_index(store, base)
        agency = values.get("agency", "")
        if scope == "report":
            year = values.get("year", "")
            report = NamedNode(str(Iris(base).report(agency, int(year)))) if re.fullmatch(r"\d{4}", year) else None
            reports = [report] if report is not None and report in index.reports.get(agency, ()) else []
        else:
            reports = list(index.reports.get(agency, ()))
        return {"default_graph": [*reports, *index.ontology], "named_graphs": reports}

    def run(self, store: ReadStore, base: str, values: Mapping[str, str]) -> QuerySolutions:
        bindings = self.bindings(base, values)
        result = store.query(
            self.text, base_iri=Iris(base).page("/"), substitutions=bindings, **self.dataset(store, base, values)
        )
        assert isinstance(result, QuerySolutions)
        return result

    def serialize(self, store: ReadStore, base: str, values: Mapping[str, str], results_format: str) -> bytes:
        if results_format not in RESULTS_BY_NAME:
            raise QueryError(f"Unknown results format {results_format!r}; use one of {', '.join(RESULTS_BY_NAME)}.")
        data = self.run(store, base, values).serialize(format=RESULTS_BY_NAME[results_format].oxigraph)
        assert data is not None
        return data

    def results(self, store: ReadStore, base: str, values: Mapping[str, str]) -> tuple[list[str], list[dict[str, str]]]:
        """The variables, and the solutions as dicts of variable → lexical value (unbound left out)."""
        solutions = self.run(store, base, values)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value.value
            rows.append(row)
        return names, rows

    def rows(self, store: ReadStore, base: str, values: Mapping[str, str]) -> list[dict[str, str]]:
        return self.results(store, base, values)[1]


@dataclass(frozen=True)
class GraphIndex:
    """The named graphs of a store that scoped queries read: the ontology's (not the shapes), each agency's reports."""

    ontology: tuple[NamedNode, ...]
    reports: Mapping[str, tuple[NamedNode, ...]]


_GRAPH_INDEXES: dict[tuple[int, str], GraphIndex] = {}


def graph_index(store: ReadStore, base: str) -> GraphIndex:
    """The graph index of a store, made once per store object (a published store never changes)."""
    key = (id(store), base)
    found = _GRAPH_INDEXES.get(key)
    if found is None:
        if len(_GRAPH_INDEXES) > 16:
            _GRAPH_INDEXES.clear()
        ontology: list[NamedNode] = []
        reports: dict[str, list[NamedNode]] = {}
        definitions, shapes, prefix = Iris(base).definitions, Iris(base).shapes, Iris(base).reports
        for graph in store.named_graphs():
            if not isinstance(graph, NamedNode) or graph.value.startswith(shapes):
                continue
            if graph.value.startswith(definitions):
                ontology.append(graph)
            elif graph.value.startswith(prefix):
                reports.setdefault(graph.value[len(prefix) :].split("/", 1)[0], []).append(graph)
        found = GraphIndex(
            tuple(sorted(ontology, key=lambda g: g.value)),
            {agency: tuple(sorted(gs, key=lambda g: g.value)) for agency, gs in reports.items()},
        )
        _GRAPH_INDEXES[key] = found
    return found


def term(kind: str, value: str, base: str) -> NamedNode | Literal:
    if kind == "string":
        return Literal(value)
    if not _VALUE.match(value) or ".." in value:
        raise QueryError(f"{value!r} is not a valid {kind}: use letters, digits, hyphens and slashes.")
    if kind == "agency":
        return NamedNode(str(Iris(base).agency(value)))
    if kind == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise QueryError(f"A year is four digits, such as 2011; got {value!r}.")
        return Literal(value, datatype=XSD_GYEAR)
    if kind == "code":
        return NamedNode(str(Iris(base).definition(value)))
    if kind == "period":
        return NamedNode(str(Iris(base).common("period-type", value)))
    raise QueryError(f"Unknown parameter type {kind!r}; use one of {', '.join(PARAM_TYPES)}.")


def parse(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Parameter] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.groups()
        if key == "param":
            name, kind, rest = [*value.split(None, 2), "", ""][:3]
            help_zh, _, help_en = rest.partition("|")
            if kind not in PARAM_TYPES:
                raise QueryError(f"{path}: parameter {name} has unknown type {kind!r}; use one of {PARAM_TYPES}.")
            params.append(Parameter(name, kind, help_zh.strip(), help_en.strip()))
        else:
            fields[key] = value
    missing = [k for k in ("title@zh", "title@en", "description@zh", "description@en") if k not in fields]
    if missing:
        raise QueryError(f"{path}: the header lacks {', '.join(missing)}.")
    return NamedQuery(
        name=path.stem,
        path=path,
        title_zh=fields["title@zh"],
        title_en=fields["title@en"],
        description_zh=fields["description@zh"],
        description_en=fields["description@en"],
        parameters=tuple(params),
        text=text,
        format=fields.get("format"),
        table=fields.get("table"),
        order=int(fields.get("order", "0")),
    )


@cache
def catalogue(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """Every named query, by name."""
    return {path.stem: parse(path) for path in sorted(directory.glob("*.rq"))}


def get(name: str) -> NamedQuery:
    queries = catalogue()
    if name not in queries:
        raise NotFound(f"No named query {name!r}; the named queries are: {', '.join(queries)}.")
    return queries[name]


def tables_of(format_slug: str) -> list[NamedQuery]:
    """The queries that regenerate the tables of a format, in report order."""
    return sorted((q for q in catalogue().values() if q.format == format_slug and q.table), key=lambda q: q.order)
