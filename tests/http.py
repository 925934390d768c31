"""A tiny real HTTP client for the tests (the standard library's, no mocks)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type") or "").split(";", 1)[0].strip()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def rows(self) -> list[dict[str, str]]:
        """A SPARQL JSON answer's rows: each bound variable's value."""
        return [{k: v["value"] for k, v in b.items()} for b in json.loads(self.body)["results"]["bindings"]]


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: bytes | None = None) -> Answer:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path or "/", body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()
