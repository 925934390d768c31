"""Who may run a query now: a rate limit per client (Flask-Limiter) and the 503 of a full query queue.

Two guards keep the query routes (`/sparql` and `/queries/<name>`, which run queries)
from taking what pages need:

    capacity    the query service admits at most `threads - reserved_threads` callers at
                once (running or waiting for a worker); one more is answered `busy`: 503
                with Retry-After, at once, so it never holds a request thread
    rate        each client may send `query_rate_limit` queries (Flask-Limiter's
                notation, in-memory counts per server process); more are answered 429
                with Retry-After. Empty turns it off.

A client is its address (`REMOTE_ADDR`; behind a proxy, the proxy's, unless the WSGI
server is told to trust the proxy's X-Forwarded-For). Pages, downloads and cached
answers are counted by neither.
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse_many

from publisher.errors import ConfigurationError, QueryBusy
from publisher.settings import Settings
from publisher.web.errors import error_response

#: The views that run queries: what the rate limit counts.
QUERY_VIEWS = frozenset({"sparql.endpoint", "queries.run"})


def query_capacity(settings: Settings) -> int:
    """How many callers may be inside the query service at once: the request threads less those kept for pages."""
    return max(1, int(settings.threads) - int(settings.reserved_threads))


def busy(exc: QueryBusy) -> Response:
    """503 for a query that was not run because every query worker is taken, saying when to try again."""
    response = error_response(503, str(exc), retry_after=exc.retry_after)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def too_many(limit: RequestLimit) -> Response:
    """429 for a client past the rate limit, saying which limit and when to try again."""
    retry = max(1, math.ceil(limit.reset_at - time.time()))
    message = (
        f"Too many queries from {get_remote_address()}: at most {limit.limit} (setting query_rate_limit). Try again "
        f"in {retry} s, or download the data for heavy use. / 来自 {get_remote_address()} 的查询过多：上限为 "
        f"{limit.limit}（设置 query_rate_limit）。请 {retry} 秒后重试；大量使用请下载数据。"
    )
    response = error_response(429, message, retry_after=retry)
    response.headers["Retry-After"] = str(retry)
    return response


def install_rate_limit(app: Flask, rate: str) -> Limiter | None:
    """Count each client's queries against `rate` (setting query_rate_limit); None when it is empty (no limit)."""
    if not rate.strip():
        return None
    try:
        parse_many(rate)
    except ValueError as exc:
        raise ConfigurationError(
            f"query_rate_limit {rate!r} is not a rate limit: write it as `20 per second; 1200 per hour` ({exc}), "
            "or leave it empty for none; set it with PUBLISHER_QUERY_RATE_LIMIT."
        ) from exc
    limiter = Limiter(
        get_remote_address,
        app=app,
        application_limits=[rate],
        application_limits_exempt_when=lambda: request.endpoint not in QUERY_VIEWS or request.method == "OPTIONS",
        storage_uri="memory://",
        on_breach=too_many,
    )
    app.register_error_handler(RateLimitExceeded, rate_limited)  # before the app's handler of every HTTP error
    return limiter


def rate_limited(exc: RateLimitExceeded) -> Response:
    """The answer `too_many` made for the breach (the app's own handler of HTTP errors would drop its header)."""
    if isinstance(exc.response, Response):
        return exc.response
    return error_response(429, exc.description or "Too many queries (setting query_rate_limit).")
