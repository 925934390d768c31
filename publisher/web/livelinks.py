"""Links that need the running app, as the pages write them: served live, or in a static export.

The SPARQL endpoint, named queries with parameters, and the filtered and further pages
of the lists (a query string other than `lang`) have no file in a static export
(publisher.publication.export). A page writes a link it knows to be one of them
through `live_link(url)`, and a link taken from the data (any IRI) through
`page_link(url)`, which sends it through `live_link` when it is one:

    served live                  the URL itself
    in an export                 the same URL on the live server named by `export_live_base`
    in an export without one     None: the page leaves the link out (its text stays), never a dead link

The export's app is created with `STATIC_EXPORT` in its config; nothing else reads it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from flask import Flask, current_app

from publisher.publication.export import STATIC_EXPORT
from publisher.web.state import publication

__all__ = ["install", "live_link", "needs_app", "page_link"]

#: The paths only the running app answers, whatever the query string.
APP_PATHS = ("/sparql", "/queries/")


def live_link(url: str) -> str | None:
    """`url` (a path and query of this app) where a reader can follow it, or None where no one can."""
    if not current_app.config.get(STATIC_EXPORT):
        return url
    live = str(publication().settings.export_live_base).rstrip("/")
    return live + url if live else None


def needs_app(url: str, base: str) -> bool:
    """Whether `url` (a path, or an IRI under `base`) is answered by the running app only.

    >>> needs_app("/sparql", "http://x"), needs_app("http://x/queries/report-facts?report=r", "http://x")
    (True, True)
    >>> needs_app("/id/report/a/2011?lang=en", "http://x"), needs_app("/coverage?year=2021", "http://x")
    (False, True)
    >>> needs_app("https://example.org/sparql", "http://x")
    False
    """
    if url.startswith(base + "/"):
        url = url[len(base) :]
    if not url.startswith("/") or url.startswith("//"):
        return False
    parts = urlsplit(url)
    asked = {name for name, _value in parse_qsl(parts.query, keep_blank_values=True)}
    return parts.path == APP_PATHS[0] or parts.path.startswith(APP_PATHS) or bool(asked - {"lang"})


def page_link(url: str) -> str | None:
    """`url`, taken from the data, where a reader can follow it: through `live_link` when only the app answers it."""
    base = publication().iris.base
    if not needs_app(url, base):
        return url
    return live_link(url[len(base) :] if url.startswith(base + "/") else url)


def install(app: Flask) -> None:
    """Let every template call `live_link` and `page_link`."""
    app.add_template_global(live_link)
    app.add_template_global(page_link)
