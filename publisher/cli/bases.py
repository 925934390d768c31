"""What the commands say when the base IRI of the store and the one asked for differ.

The store's IRIs are minted at build time under the build's base (its manifest keeps
it); a server or a query under another base finds none of them. `publisher serve`
warns when it serves a store built for another base (a rebuild for its own base
failed), and `publisher sparql`/`publisher query` name the store's base when a query
over another base's IRIs comes back empty.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from publisher.errors import StoreError
from publisher.rdf.mediatypes import RDF_BY_NAME, RESULTS_BY_NAME
from publisher.rdf.sparqltokens import query_form, tokens
from publisher.store.readstore import read_manifest

#: The base of an IRI we mint: what comes before its /id/, /def/ or /graph/ (publisher.rdf.iris).
MINTED = re.compile(r"<(https?://[^<>/]+(?:/[^<>]*?)?)/(?:id|def|graph)/")


def store_base(build_dir: Path) -> str | None:
    """The base IRI the published store was built with (None when there is no readable build)."""
    try:
        base = read_manifest(build_dir).get("base_iri")
    except StoreError:
        return None
    return str(base) if base else None


def serving_other_base(store: str, base: str) -> str:
    """The one-line warning of a server whose base is not the one its store was built with."""
    return (
        f"warning: the store was built for base {store}, but this server's base is {base}: its IRIs will not "
        f"dereference here; fix the build above, or serve with --base-iri {store} on that address. / 警告：数据库"
        f"按基础 IRI {store} 构建，而本服务的基础 IRI 是 {base}，其 IRI 在此无法解析；请修正上面的构建错误，"
        f"或以 --base-iri {store} 在该地址提供服务。"
    )


def bases_named(query: str) -> set[str]:
    """The bases of the minted IRIs (…/id/…, …/def/…, …/graph/…) the query's text names."""
    return {m.group(1) for token in tokens(query) if token.kind == "iri" and (m := MINTED.match(token.text))}


def is_empty(data: bytes, query: str, results_format: str, graph_format: str = "turtle") -> bool:
    """Whether a serialised answer to `query` has no solution, no triple, or is an ASK's false."""
    form = query_form(query)
    if form in ("CONSTRUCT", "DESCRIBE"):
        return next(iter(ox.parse(data, format=RDF_BY_NAME[graph_format].oxigraph)), None) is None
    if results_format in ("csv", "tsv"):  # CSV cannot be read back; either is one header line when empty
        return data.strip() == b"false" if form == "ASK" else len(data.strip().splitlines()) <= 1
    answer = ox.parse_query_results(data, format=RESULTS_BY_NAME[results_format].oxigraph)
    if isinstance(answer, ox.QueryBoolean):
        return not bool(answer)
    return next(iter(answer), None) is None


def empty_answer_hint(
    build_dir: Path, asked: set[str], data: bytes, query: str, results_format: str, graph_format: str = "turtle"
) -> str | None:
    """For an empty answer to a query over IRIs of bases (`asked`) the store does not have, the hint naming the
    store's base, in English and Chinese; None otherwise."""
    store = store_base(build_dir)
    others = sorted(asked - {store}) if store else []
    if not others or not is_empty(data, query, results_format, graph_format):
        return None
    return (
        f"hint: nothing found; the query names IRIs under {', '.join(others)} but the store's IRIs are under "
        f"{store}: use that base (for a named query, --base-iri {store}). / 提示：没有结果；查询中的 IRI 位于 "
        f"{'、'.join(others)} 之下，而数据库的 IRI 位于 {store} 之下：请改用该基础 IRI"
        f"（命名查询可加 --base-iri {store}）。"
    )
