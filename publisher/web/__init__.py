"""The web app: linked data, the SPARQL endpoint, named queries and report pages.

`create_app()` builds the Flask app from the settings; nothing reads configuration
or registers routes at import time. One blueprint per area:

    resources   every minted IRI, by content negotiation (/id/..., /def/..., /graph/...)
    sparql      the SPARQL 1.1 Protocol endpoint (/sparql)
    queries     named queries (/queries, /queries/<name>)
    pages       the home page, agency index and /healthz
    catalog     the DCAT catalog, VoID, downloads, sitemap.xml and robots.txt
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response

from publisher.settings import Settings, load_settings
from publisher.web.errors import register_error_handlers
from publisher.web.state import Publication


def create_app(settings: Settings | None = None, test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=4 * 1024 * 1024)
    if test_config:
        app.config.update(test_config)
    settings = settings or load_settings()
    publication = Publication(settings)
    app.extensions["publication"] = publication

    from publisher.querying import QueryService

    app.extensions["query_service"] = QueryService(
        publication.build_dir,
        timeout=float(settings.query_timeout),
        row_cap=int(settings.row_cap),
        workers=int(settings.query_workers),
        remote=publication.remote,
    )

    from publisher.web.catalog import bp as catalog_bp
    from publisher.web.pages import bp as pages_bp
    from publisher.web.queries import bp as queries_bp
    from publisher.web.resources import bp as resources_bp
    from publisher.web.sparql import bp as sparql_bp

    for blueprint in (pages_bp, sparql_bp, queries_bp, catalog_bp, resources_bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)

    from publisher.web.cache import install

    install(app, publication, int(settings.response_cache_mb) * 1024 * 1024)

    @app.after_request
    def cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "ETag, Last-Modified, Link, Vary, Content-Location, X-Result-Truncated, X-Result-Rows"
        )
        return response

    return app


def publication() -> Publication:
    from flask import current_app

    pub: Publication = current_app.extensions["publication"]
    return pub
