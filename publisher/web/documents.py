"""RDF documents as the site serves them: one format of a list of triples, with our prefixes, within bounds.

Turtle is written with the prefixes of publisher.rdf.namespaces (but the /id/ ones:
those paths read better whole); JSON-LD is compacted with the context served at
/context.jsonld, the same compaction publisher.publication.downloads writes into the
downloads (with the context inline there).

A document is capped like a query answer (`Limits`): at most `document_triple_cap`
triples gathered, within `query_timeout` seconds, and at most `document_max_mb` once
serialised. Past a cap the answer is an error naming what to use instead (the
downloads, /sparql with LIMIT), never a partial document nor the whole corpus: so one
request holds at most one capped document in memory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import Response
from pyoxigraph import RdfFormat, Triple
from pyoxigraph import serialize as ox_serialize

from publisher.errors import QueryRefused, QueryTimeout
from publisher.rdf.iris import Iris
from publisher.rdf.jsonld import jsonld_context, jsonld_nodes
from publisher.rdf.mediatypes import RDF_BY_NAME, RdfType
from publisher.rdf.namespaces import prefixes
from publisher.web.negotiation import DOCUMENT_TYPES, conditional
from publisher.web.state import publication

JSONLD = RDF_BY_NAME["jsonld"].media_type
#: What to use instead of a document too large to send (English, then Chinese).
INSTEAD = (
    "Download the dumps listed at /catalog, or ask /sparql for the part you need (with LIMIT).",
    "请从 /catalog 所列的下载文件获取全部数据，或在 /sparql 用 LIMIT 查询所需部分。",
)


@dataclass
class Limits:
    """The caps of one document answer: triples, bytes once serialised, seconds to gather."""

    triples: int
    max_mb: float
    seconds: float
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def of_settings(cls) -> Limits:
        settings = publication().settings
        return cls(
            int(settings.document_triple_cap),
            float(settings.document_max_mb),
            float(settings.query_timeout),
        )

    def gather(self, into: dict[Triple, None], triples: Iterable[Triple], iri: str) -> None:
        """Add `triples` to `into` (kept in order, without repeats), refusing past the triple cap or the time."""
        for count, triple in enumerate(triples):
            into[triple] = None
            if len(into) > self.triples:
                raise QueryRefused(
                    f"The document of {iri} holds more than {self.triples} triples, more than one answer may carry. "
                    f"{INSTEAD[0]} / {iri} 的文档超过 {self.triples} 个三元组，超出单次应答的上限。{INSTEAD[1]}"
                )
            if count % 1024 == 0:
                self.check_time(iri)

    def check_time(self, iri: str) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise QueryTimeout(
                f"Gathering the document of {iri} took more than {self.seconds:g} s and was stopped. {INSTEAD[0]}"
                f" / 生成 {iri} 的文档超过 {self.seconds:g} 秒，已停止。{INSTEAD[1]}"
            )

    def check_size(self, body: bytes, iri: str) -> bytes:
        if len(body) > self.max_mb * 1024 * 1024:
            raise QueryRefused(
                f"The document of {iri} is larger than {self.max_mb:g} MB, more than one answer may carry. "
                f"{INSTEAD[0]} / {iri} 的文档超过 {self.max_mb:g} MB，超出单次应答的上限。{INSTEAD[1]}"
            )
        return body


def serialize(triples: list[Triple], rdf_type: RdfType) -> bytes:
    """The triples as a document in `rdf_type`, compacted or prefixed for this deployment's base."""
    iris = publication().iris
    if rdf_type.oxigraph == RdfFormat.JSON_LD:
        nodes = jsonld_nodes(ox_serialize(triples, format=RdfFormat.N_TRIPLES) or b"", iris.base)
        document = {"@context": iris.context, "@graph": nodes}
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    turtle_prefixes = {k: v for k, v in prefixes(iris.base).items() if "/id/" not in v}
    data = ox_serialize(
        triples, format=rdf_type.oxigraph, prefixes=turtle_prefixes if rdf_type.name == "turtle" else None
    )
    assert data is not None
    return data


def rdf_response(triples: list[Triple], media_type: str, limits: Limits | None = None, iri: str = "") -> Response:
    """The triples in the document format of `media_type` (one of `DOCUMENT_TYPES`), refused past `limits`' bytes."""
    rdf_type = next(t for t in DOCUMENT_TYPES if t.media_type == media_type)
    body = serialize(triples, rdf_type)
    if limits is not None:
        body = limits.check_size(body, iri)
    return Response(body, mimetype=media_type)


def context_response(iris: Iris) -> Response:
    """The JSON-LD context every JSON-LD document of this publisher is compacted with."""
    body = json.dumps({"@context": jsonld_context(iris.base)}, ensure_ascii=False, indent=2) + "\n"
    return conditional(Response(body, mimetype=JSONLD), cacheable=True)
