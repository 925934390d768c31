"""The web app: linked data, the SPARQL endpoint, named queries and report pages.

`create_app()` builds the Flask app from the settings; nothing reads configuration
or registers routes at import time. One blueprint per area:

    resources   every minted IRI, by content negotiation (/id/..., /def/..., /graph/...)
    sparql      the SPARQL 1.1 Protocol endpoint (/sparql)
    queries     named queries (/queries, /queries/<name>)
    pages       the home page, agency index and /healthz
    catalog     the DCAT catalog, VoID, downloads, sitemap.xml and robots.txt

The app keeps what every view shares (the publication, the query service) in its
extensions; the views reach them through publisher.web.state, never through this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response

from publisher.settings import Settings, load_settings
from publisher.sparql.service import QueryService
from publisher.web import catalog, pages, queries, resources, sparql
from publisher.web.cache import install
from publisher.web.errors import register_error_handlers
from publisher.web.state import PUBLICATION, QUERY_SERVICE, Publication

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=4 * 1024 * 1024)
    if test_config:
        app.config.update(test_config)
    settings = settings or load_settings()
    publication = Publication(settings)
    app.extensions[PUBLICATION] = publication
    app.extensions[QUERY_SERVICE] = QueryService(
        publication.build_dir,
        timeout=float(settings.query_timeout),
        row_cap=int(settings.row_cap),
        workers=int(settings.query_workers),
        remote=publication.remote,
    )
    for module in (pages, sparql, queries, catalog, resources):
        app.register_blueprint(module.bp)
    register_error_handlers(app)
    install(app, publication, int(settings.response_cache_mb) * 1024 * 1024)

    @app.after_request
    def cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "ETag, Last-Modified, Link, Vary, Content-Location, X-Result-Truncated, X-Result-Rows"
        )
        return response

    return app
