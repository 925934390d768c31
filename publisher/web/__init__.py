"""The web app: linked data, the SPARQL endpoint, named queries and report pages.

`create_app()` builds the Flask app from the settings; nothing reads configuration
or registers routes at import time. One blueprint per area:

    resources   every minted IRI, by content negotiation (/id/..., /def/..., /graph/...)
    sparql      the SPARQL 1.1 Protocol endpoint (/sparql)
    queries     named queries (/queries, /queries/<name>)
    pages       the home page, agency index and /healthz
    workbench   coverage (/coverage) and an agency's series (/agencies/<slug>)
    comparison  a region's agencies ranked, their outcomes, its totals by year (/compare)
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
from publisher.web import catalog, comparison, livelinks, pages, queries, resources, security, sparql, workbench
from publisher.web.admission import install_rate_limit, query_capacity
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
    install_rate_limit(app, str(settings.query_rate_limit))  # before the workers start: it checks the setting
    app.extensions[QUERY_SERVICE] = QueryService(
        publication.build_dir,
        timeout=float(settings.query_timeout),
        row_cap=int(settings.row_cap),
        workers=int(settings.query_workers),
        remote=publication.remote,
        capacity=query_capacity(settings),
        max_depth=int(settings.max_query_depth),
        max_values=int(settings.max_values),
        memory_mb=int(settings.query_memory_mb),
    )
    for module in (pages, workbench, comparison, sparql, queries, catalog, resources):
        app.register_blueprint(module.bp)
    register_error_handlers(app)
    livelinks.install(app)  # pages write links that need the app through it (a static export has none)
    install(app, publication, int(settings.response_cache_mb) * 1024 * 1024)
    security.install(app, publication.iris.base)  # after the cache: cached answers carry the headers too

    @app.after_request
    def cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "ETag, Last-Modified, Link, Vary, Content-Location, X-Result-Truncated, X-Result-Rows, Retry-After"
        )
        return response

    return app
