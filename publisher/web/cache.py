"""Whole responses cached per release, shared by every server process: a published release never changes.

Every GET or HEAD answered 200 from the published release — linked-data documents,
report and agency pages, named queries, catalog pages, SPARQL results — is kept
under the release it came from, the URL (path and query string) and the request
headers it was negotiated on (`Accept`, `Accept-Language`). Two levels:

    memory   in each server process, least recently used out past `response_cache_mb`
    disk     {build_dir}/responses/{release}/{hash[:2]}/{hash}, one file per answer,
             written once (to a temporary name, then renamed) and read by every
             server process, so an answer rendered by one is a file read for the others

A repeated request is answered before Flask sees it (`CachedApp`, a WSGI middleware:
no routing, no view, no query), conditional requests (`If-None-Match`,
`If-Modified-Since`) and HEAD included. When `build_dir/current` is switched to a
new release the key changes: earlier answers are never served again, there is no
expiry to tune. The build removes the folders of releases it has pruned
(publisher.build.pipeline, after it publishes).

Not cached: downloads (files served with Range from disk), `/healthz`, errors,
anything but 200, and requests that ask for part of a response (Range). The
documents (linked data, catalog, VoID, context, sitemap) read no query parameter but
`lang` and `page`: their key keeps only those two, so `?x=1`, `?x=2`, … are one
answer, made once, not a way around the cache. SPARQL
answers (`/sparql`) stay in memory only: their URLs are anyone's to invent. On disk,
each process writes at most `DISK_FACTOR` × `response_cache_mb` per release; a disk
that cannot be written (read-only, full) leaves the memory cache working alone.
`response_cache_mb` = 0 turns both off.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Flask, Response, request
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response as WerkzeugResponse

from publisher.release.paths import CURRENT, RESPONSES
from publisher.web.i18n import LANGUAGES
from publisher.web.state import Publication

SKIPPED_PREFIXES = ("/download/", "/healthz", "/static/")
MEMORY_ONLY_PREFIXES = ("/sparql",)
HEADERS = ("HTTP_ACCEPT", "HTTP_ACCEPT_LANGUAGE")
#: The first segment (without suffix) of the paths whose answers read no query parameter but `DOCUMENT_PARAMETERS`.
DOCUMENT_ROOTS = frozenset({"id", "def", "graph", "catalog", "void", "context", "sitemap", "robots", ".well-known"})
#: Those parameters, with the values that make a difference (None: any value).
DOCUMENT_PARAMETERS: dict[str, tuple[str, ...] | None] = {"lang": LANGUAGES, "page": None}
#: On disk, a process writes at most this many times its memory budget per release.
DISK_FACTOR = 8
#: Where the middleware leaves a missed request's key for the after-request hook that keeps the answer.
ENVIRON_KEY = "publisher.response_cache_key"
_MAGIC = b"publisher-response 1\n"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Entry:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200

    @cached_property
    def wsgi_headers(self) -> list[tuple[str, str]]:
        """The headers as sent, Content-Length included."""
        return [*self.headers, ("Content-Length", str(len(self.body)))]

    def to_bytes(self, key: str) -> bytes:
        head = json.dumps({"key": key, "status": self.status, "headers": self.headers}, ensure_ascii=False)
        return _MAGIC + head.encode("utf-8") + b"\n" + self.body

    @classmethod
    def from_bytes(cls, data: bytes, key: str) -> Entry | None:
        """The entry a file holds, or None when it is not one (or is another key's)."""
        if not data.startswith(_MAGIC):
            return None
        end = data.find(b"\n", len(_MAGIC))
        if end < 0:
            return None
        try:
            head = json.loads(data[len(_MAGIC) : end])
        except ValueError:
            return None
        if not isinstance(head, dict) or head.get("key") != key:
            return None
        return cls(data[end + 1 :], int(head["status"]), tuple((str(k), str(v)) for k, v in head["headers"]))


class ResponseCache:
    """Responses by (release, request key): least recently used out of memory past `max_bytes`, kept on disk."""

    def __init__(self, max_bytes: int, folder: Path | None = None, disk_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.folder = folder  # build_dir/responses, or None: memory only
        self.disk_bytes = DISK_FACTOR * max_bytes if disk_bytes is None else disk_bytes
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.bytes = 0
        self.release = ""
        self.written = 0  # bytes this process wrote to disk for `release`
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def get(self, release: str, key: str) -> Entry | None:
        with self._lock:
            self._switch(release)
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
                self.hits += 1
                return entry
        entry = self._read(release, key)
        with self._lock:
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            if release == self.release:
                self._remember(key, entry)
        return entry

    def put(self, release: str, key: str, entry: Entry, shared: bool = True) -> None:
        if entry.size > self.max_bytes // 4:
            return  # one answer may not push out most of the others
        with self._lock:
            self._switch(release)
            self._remember(key, entry)
            write = shared and self.folder is not None and self.written + len(entry.body) <= self.disk_bytes
            if write:
                self.written += len(entry.body)
        if write:
            self._write(release, key, entry)

    def _remember(self, key: str, entry: Entry) -> None:
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
            self.written = 0
            self.release = release

    def _path(self, release: str, key: str) -> Path | None:
        if self.folder is None:
            return None
        name = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
        return self.folder / release / name[:2] / name

    def _read(self, release: str, key: str) -> Entry | None:
        path = self._path(release, key)
        if path is None:
            return None
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        return Entry.from_bytes(data, key)

    def _write(self, release: str, key: str, entry: Entry) -> None:
        path = self._path(release, key)
        if path is None or path.exists():
            return
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(entry.to_bytes(key))
            os.replace(tmp, path)
        except OSError:
            self.folder = None  # not writable (read-only, full, pruned): memory only from now on
            tmp.unlink(missing_ok=True)


def request_key(environ: dict[str, Any]) -> str:
    """What an answer depends on besides the release: the URL and the negotiated headers."""
    path = environ.get("PATH_INFO", "")
    parts = [path, query_key(path, environ.get("QUERY_STRING", ""))]
    parts += [environ.get(name, "") for name in HEADERS]
    return "\0".join(parts)


def query_key(path: str, query: str) -> str:
    """The query string as the answer at `path` reads it: for a document, only its `DOCUMENT_PARAMETERS`.

    >>> query_key("/id/report", "x=1&page=2&lang=en&lang=zh")
    'lang=en&page=2'
    >>> query_key("/id/report.ttl", "lang=fr&_=123")
    ''
    >>> query_key("/sparql", "query=ASK%7B%7D&x=1")
    'query=ASK%7B%7D&x=1'
    """
    segment = path.lstrip("/").split("/", 1)[0]
    if (segment.split(".", 1)[0] or segment) not in DOCUMENT_ROOTS or not query:
        return query
    kept: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in DOCUMENT_PARAMETERS and name not in kept:
            kept[name] = value  # the first, as the view reads it
    meaningful = {
        k: v for k, v in kept.items() if DOCUMENT_PARAMETERS[k] is None or v in (DOCUMENT_PARAMETERS[k] or ())
    }
    return urlencode(sorted(meaningful.items()))


def cacheable(environ: dict[str, Any]) -> bool:
    return (
        environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        and not environ.get("PATH_INFO", "").startswith(SKIPPED_PREFIXES)
        and "HTTP_RANGE" not in environ
    )


class CachedApp:
    """WSGI middleware: answers a request from the cache before the app sees it, else marks it for keeping."""

    def __init__(self, app: WsgiApp, publication: Publication, cache: ResponseCache) -> None:
        self.app = app
        self.publication = publication
        self.cache = cache
        self.link = publication.build_dir / CURRENT

    def release(self) -> str | None:
        """The published release's name: where `current` points (one readlink), or None without one."""
        try:
            return os.path.basename(os.readlink(self.link).rstrip("/"))
        except OSError:
            return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if not cacheable(environ):
            return self.app(environ, start_response)
        release = self.release()
        if release is None:
            return self.app(environ, start_response)
        key = request_key(environ)
        entry = self.cache.get(release, key)
        if entry is None:
            environ[ENVIRON_KEY] = (release, key)
            return self.app(environ, start_response)
        if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
            response = WerkzeugResponse(entry.body, status=entry.status, headers=list(entry.headers))
            response.make_conditional(environ)
            return response(environ, start_response)
        start_response(f"{entry.status} {HTTP_STATUS_CODES.get(entry.status, '')}".rstrip(), entry.wsgi_headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [entry.body]


def install(app: Flask, publication: Publication, max_bytes: int) -> ResponseCache | None:
    """Answer repeated requests from the cache (see the module docstring); None when `max_bytes` is 0."""
    if max_bytes <= 0:
        return None
    cache = ResponseCache(max_bytes, publication.build_dir / RESPONSES)
    app.extensions["response_cache"] = cache
    app.wsgi_app = CachedApp(app.wsgi_app, publication, cache)  # type: ignore[method-assign]

    @app.after_request
    def keep_in_cache(response: Response) -> Response:
        found = request.environ.pop(ENVIRON_KEY, None)
        if found is None or response.status_code != 200 or response.direct_passthrough or response.is_streamed:
            return response
        release, key = found
        headers = tuple((k, v) for k, v in response.headers.items() if k.lower() != "content-length")
        shared = not request.path.startswith(MEMORY_ONLY_PREFIXES)
        cache.put(release, key, Entry(response.get_data(), 200, headers), shared=shared)
        return response

    return cache
