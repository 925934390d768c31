"""Whole responses cached per release: a published release never changes, so neither do its answers.

Every GET or HEAD answered 200 from the published release — linked-data documents,
report and agency pages, named queries, catalog pages, SPARQL results — is kept in
memory under the release it came from, the URL (path and query string) and the
request headers it was negotiated on (`Accept`, `Accept-Language`). A request for the
same thing is answered from memory, conditional requests (`If-None-Match`,
`If-Modified-Since`) included. When `build_dir/current` is switched to a new
release, the key changes and every earlier entry is dropped: there is no expiry to
tune, and nothing stale is ever served.

Not cached: downloads (files served with Range from disk), `/healthz`, errors,
anything but 200, and requests that ask for part of a response (Range). The cache
is bounded in bytes (setting `response_cache_mb`; 0 turns it off), least recently
used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, g, request

from publisher.errors import StoreError
from publisher.web.state import Publication

SKIPPED_PREFIXES = ("/download/", "/healthz", "/static/")
HEADERS = ("Accept", "Accept-Language")


@dataclass(frozen=True)
class Entry:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class ResponseCache:
    """Responses by (release, URL, negotiated headers), least recently used out past `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[tuple[str, ...], Entry] = OrderedDict()
        self.bytes = 0
        self.release = ""
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> Entry | None:
        with self._lock:
            self._switch(key[0])
            entry = self.entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple[str, ...], entry: Entry) -> None:
        if entry.size > self.max_bytes // 4:
            return  # one answer may not push out most of the others
        with self._lock:
            self._switch(key[0])
            old = self.entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self.entries[key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes and self.entries:
                _key, dropped = self.entries.popitem(last=False)
                self.bytes -= dropped.size

    def _switch(self, release: str) -> None:
        if release != self.release:
            self.entries.clear()
            self.bytes = 0
            self.release = release


def _key(release: str) -> tuple[str, ...]:
    return (release, request.full_path, *(request.headers.get(h, "") for h in HEADERS))


def install(app: Flask, publication: Publication, max_bytes: int) -> ResponseCache | None:
    """Answer repeated requests from memory (see the module docstring); None when `max_bytes` is 0."""
    if max_bytes <= 0:
        return None
    cache = ResponseCache(max_bytes)
    app.extensions["response_cache"] = cache

    def cacheable() -> bool:
        return (
            request.method in ("GET", "HEAD")
            and not request.path.startswith(SKIPPED_PREFIXES)
            and "Range" not in request.headers
        )

    @app.before_request
    def answer_from_cache() -> Response | None:
        if not cacheable():
            return None
        try:
            release = publication.release.name
        except StoreError:
            return None
        key = _key(release)
        g.response_cache_key = key
        entry = cache.get(key)
        if entry is None:
            return None
        g.response_cache_hit = True
        response = Response(entry.body, status=entry.status, headers=list(entry.headers))
        response.make_conditional(request)
        return response

    @app.after_request
    def keep_in_cache(response: Response) -> Response:
        key = g.pop("response_cache_key", None)
        if key is None or g.pop("response_cache_hit", False):
            return response
        if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
            return response
        body = response.get_data()
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() != "content-length")
        cache.put(key, Entry(body, 200, headers))
        return response

    return cache
