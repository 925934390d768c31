"""Running SPARQL on the published store and serialising the results."""

from __future__ import annotations

from pyoxigraph import QueryBoolean, QuerySolutions, QueryTriples

from publisher.errors import QueryError
from publisher.mediatypes import RDF_BY_NAME, RESULTS_BY_NAME
from publisher.store import ReadStore


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
    if isinstance(result, QuerySolutions | QueryBoolean):
        if results_format not in RESULTS_BY_NAME:
            raise QueryError(f"Unknown results format {results_format!r}; use one of {', '.join(RESULTS_BY_NAME)}.")
        data = result.serialize(format=RESULTS_BY_NAME[results_format].oxigraph)
    else:
        assert isinstance(result, QueryTriples)
        if graph_format not in RDF_BY_NAME:
            raise QueryError(f"Unknown graph format {graph_format!r}; use one of {', '.join(RDF_BY_NAME)}.")
        data = result.serialize(format=RDF_BY_NAME[graph_format].oxigraph)
    assert data is not None
    return data
