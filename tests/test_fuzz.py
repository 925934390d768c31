"""A seeded fuzz of 10,000 requests over every route of the app (#15): no 5xx, no traceback, nothing slow.

The routes are read from the app's own `url_map`, so a route added later is fuzzed
without a change here (each route must answer at least MATCHED_PER_ROUTE of them).
Each request is drawn from `random.Random(SEED + index)`, and a failing one is printed
as a curl command to replay it: a path built from a route (its converters filled with
segments of the real IRIs and hostile pieces: percent-escapes, `..`, unicode, very long
ones), or a real IRI's path mutated, or a random one; a method (GET, HEAD, POST,
OPTIONS and a few others), an Accept header, a query string (format=, query=, lang=,
page= …), a body and its Content-Type.

All of them go over real HTTP with keep-alive to `publisher serve` on loopback (its own
process, its stderr in a file), so that waitress sees the bytes a client sends: Flask's
test client decodes percent-escapes that are not UTF-8 before the app sees them and
takes `//x` for a host, so it cannot stand in for HTTP there, and it was no faster
(2.2 against 3.5 ms a 404 on a loaded machine). Measured on the shared 2-core machine
(printed with -s): 32 s of wall time at load average 2.8 (the server's CPU 29 s, this
process's 3 s), 77–92 s at load average 8–12. On the code before fbd4f67 it finds 110
answers 500 (`/id/%22/…`, `/def/%%/…`, `…/%7D/…`).

Every answer: status < 500, no traceback in the body, answered within query_timeout
+ 1 s; the server's stderr (web process and query workers) holds no traceback at the end.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from publisher.settings import load_settings
from publisher.web import create_app
from tests.helpers import ServedProcess, crash_markers_in, hostile_corpus

SEED = 15_2026
REQUESTS = 10_000
TIMEOUT = 2.0
ALLOWED = TIMEOUT + 1.0
#: Requests that each route of the app answers at the least (built from it, its converters filled so that it matches).
MATCHED_PER_ROUTE = 10

HOSTILE = [
    "%00", "%20", "%7B", "%7D", "%5E", "%60", "%3C", "%3E", "%22", "%5C", "%7C", "%", "%%", "%zz", "%2", "%u0041",
    "..", ".", "%2E%2E", "%2e%2e%2f", "..%2F..%2F", "%2F", "%252F", "%C3%28", "%FF%FE", "%ED%A0%80", "%C0%AF",
    "%E2%80%AE", "%EF%BB%BF", quote("报告"), quote("吉林市科学技术局"), quote("😀"), quote("ǅ"), "~", "!", "'",
    "(", ")", "*", ",", ";", "=", "+", "&", "$", "@", ":", "%0D%0A", "%0A", "%09", "index.html", "source",
    "source.txt", "source.pdf", "source.html", "2011", "0000", "99999", "-1", "1e9", "NaN", "a" * 300, "b" * 5000,
    "x." * 200, "%41" * 400, "page", "1", "0", "jsonld", ".ttl", ".jsonld", ".nt", ".rdf", ".html", "#", "%23",
]  # fmt: skip
SUFFIXES = ["", "", "", ".ttl", ".jsonld", ".nt", ".rdf", ".html", ".xml", ".json", ".n3", ".csv", ".txt", ".pdf", "/"]
METHODS = ["GET"] * 11 + ["HEAD"] * 3 + ["POST"] * 4 + ["OPTIONS"] * 2 + ["PUT", "DELETE", "PATCH", "TRACE"]
ACCEPTS = [
    None, "*/*", "text/html", "application/ld+json", "text/turtle", "application/n-triples", "application/rdf+xml",
    "application/n-quads", "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
    "text/tab-separated-values", "application/json", "application/xml", "text/xml", "text/n3", "text/plain",
    "application/pdf", "image/png", "", "a/b/c;;q=", "text/html;q=0.5, application/ld+json;q=abc", "*/*;q=0",
    "text/*", "application/*;q=0.1, text/turtle", "application/ld+json;profile=http://www.w3.org/ns/json-ld#expanded",
    ",".join(f"type/sub{i};q=0.{i % 10}" for i in range(300)),
]  # fmt: skip
FORMATS = ["n3", "xml", "json", "ttl", "turtle", "jsonld", "json-ld", "csv", "tsv", "html", "rdf", "nt", "txt", "x"]
LANGS = ["zh", "en", "fr", "", "zh-CN", "en-US,en;q=0.9", "xx" * 100, "%FF", "<script>"]
#: Queries of every kind but runaways (those are test_hostile's): each answered in well under a second here.
QUERIES = [
    "ASK {}", "ASK { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 5", "DESCRIBE ?s WHERE { ?s ?p ?o } LIMIT 1",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", "SELECT * WHERE { ?s ?p ?o FILTER(",
    "SELECT * WHERE { ?s ?p ?o FILTER regex(str(?o), '(a+)+$') } LIMIT 3", "SELECT ?x WHERE { BIND(1/0 AS ?x) }",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "LOAD <http://127.0.0.1:9/x>", "DROP ALL",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "PREFIX bif: <bif:> SELECT * WHERE { FILTER(bif:sleep(9)) }",
    "SELECT * FROM <urn:x> FROM NAMED <urn:y> WHERE { ?s ?p ?o } LIMIT 1", "", " ", "garbage", "}" * 50,
    "SELECT * WHERE " + "{" * 200 + "}" * 200, "SELECT * WHERE { ?s ?p '" + "x" * 20000 + "' }",
    "SELECT * WHERE { VALUES ?x { " + " ".join(map(str, range(3000))) + " } } LIMIT 1",
    "BASE <%FF> SELECT * WHERE { <a> ?p ?o } LIMIT 1", "SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999",
    "SELECT * WHERE { ?s ?p ?o } OFFSET -1", "JSON { 'x': ?s } WHERE { ?s ?p ?o }", "SELECT ?s WHERE { ?s a ?t } "
    "ORDER BY ?s LIMIT 1 OFFSET 100000", "ASK { <" + "http://x/" + "a/" * 1000 + "> ?p ?o }",
]  # fmt: skip
CONTENT_TYPES = [
    None, "application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update",
    "application/json", "text/plain", "multipart/form-data", "multipart/form-data; boundary=x", "text/turtle",
    "application/octet-stream", "application/x-www-form-urlencoded; charset=gbk", "a/b; c", "",
]  # fmt: skip


@dataclass
class Request:
    index: int
    method: str
    target: str  # path and query string, as sent
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    route: str | None = None  # the rule it was built from, if any

    def curl(self, base: str) -> str:
        """The request as a curl command, to replay it by hand."""
        parts = ["curl", "-i", "--path-as-is", "-X", self.method]
        for name, value in self.headers.items():
            parts += ["-H", f"{name}: {value}"]
        if self.body is not None:
            shown = self.body[:400] + (b"..." if len(self.body) > 400 else b"")
            parts += ["--data-binary", repr(shown)]
        return " ".join(repr(p) if " " in p or not p else p for p in [*parts, base + self.target])


class Vocabulary:
    """Segments and paths of the real IRIs of a build, from its sitemap and a few of its documents."""

    def __init__(self, base: str, urls: list[str]) -> None:
        paths = sorted({urlsplit(url).path for url in urls if url.startswith(base)})
        self.paths = [p for p in paths if p]
        self.segments = sorted({s for p in self.paths for s in re.split(r"[/#]", p) if s})


def fill_rule(rule: str, rng: random.Random, words: Vocabulary) -> str:
    """A path for `rule` (werkzeug syntax): each converter filled with real segments or hostile pieces."""

    def piece() -> str:
        return rng.choice(words.segments) if rng.random() < 0.6 else rng.choice(HOSTILE)

    def fill(match: re.Match[str]) -> str:
        converter, arguments = match.group("converter") or "default", match.group("arguments") or ""
        if converter == "path":
            return "/".join(piece() for _ in range(rng.randint(1, 6)))
        if converter == "int":
            return rng.choice(["0", "1", "2", "3", str(rng.randint(4, 10**6)), "99999999999999999999", "-1"])
        if converter == "any" and rng.random() < 0.9:
            return rng.choice([a.strip() for a in arguments.split(",")])
        return piece().replace("/", "%2F") or "x"

    return re.sub(r"<(?:(?P<converter>[a-z]+)(?:\((?P<arguments>[^)]*)\))?:)?(?P<name>\w+)>", fill, rule)


def draw_path(rng: random.Random, rules: list[str], words: Vocabulary, index: int) -> tuple[str, str | None]:
    if index % 2 == 0:  # half of them from a route, taken in turn: every route gets its share
        rule = rules[(index // 2) % len(rules)]
        return fill_rule(rule, rng, words), rule
    kind = rng.random()
    if kind < 0.4:  # a real IRI's path, in some format
        return rng.choice(words.paths) + rng.choice(SUFFIXES), None
    if kind < 0.8:  # a real path with one segment replaced, inserted or doubled
        parts = rng.choice(words.paths).split("/")
        at = rng.randrange(1, len(parts)) if len(parts) > 1 else 1
        parts[at:at] = [rng.choice([*HOSTILE, "", "..", "."])]
        return "/".join(parts) + rng.choice(SUFFIXES), None
    return "/" + "/".join(rng.choice(HOSTILE + words.segments) for _ in range(rng.randint(0, 8))), None


def draw_query_string(rng: random.Random) -> str:
    pairs: list[tuple[str, str]] = []
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3])):
        key = rng.choice(["format", "query", "lang", "page", "agency", "year", "default-graph-uri", "x", "query"])
        value = {
            "format": lambda: rng.choice(FORMATS),
            "query": lambda: rng.choice(QUERIES),
            "lang": lambda: rng.choice(LANGS),
            "page": lambda: rng.choice(["1", "2", "0", "-1", "99999999999", "x", ""]),
        }.get(key, lambda: rng.choice(HOSTILE))()
        pairs.append((key, value))
    raw = urlencode(pairs)
    if rng.random() < 0.05:  # escapes that are not UTF-8, or broken, in the query string itself
        raw += rng.choice(["&lang=%FF", "&query=%C3%28", "&%FF=%FE", "&&&", "&=", "&format", "&query=%"])
    return raw


def draw_body(rng: random.Random) -> tuple[bytes | None, str | None]:
    kind = rng.random()
    content_type = rng.choice(CONTENT_TYPES)
    if kind < 0.35:
        return urlencode({rng.choice(["query", "update", "x"]): rng.choice(QUERIES)}).encode(), content_type
    if kind < 0.6:
        return rng.choice(QUERIES).encode(), content_type
    if kind < 0.75:
        return rng.randbytes(rng.randint(0, 2048)), content_type
    if kind < 0.85:
        return b"query=" + rng.choice([b"\xff\xfe", b"%FF%FE", b"\xc3\x28", b"%C3%28"]) + b"ASK{}", content_type
    if kind < 0.87:
        return b"query=" + b"a" * rng.choice([70_000, 1_000_000]), content_type  # 10 MB ones: test_hostile
    return None, content_type


def draw(index: int, rules: list[str], words: Vocabulary) -> Request:
    """Request number `index` of the fuzz: the same for the same seed, rules and vocabulary."""
    rng = random.Random(SEED + index)
    path, route = draw_path(rng, rules, words, index)
    query = draw_query_string(rng)
    target = quote(path, safe="/%:@!$&'()*+,;=-._~") + (f"?{query}" if query else "")
    request = Request(index, rng.choice(METHODS), target, route=route)
    accept = rng.choice(ACCEPTS)
    if accept is not None:
        request.headers["Accept"] = accept
    if rng.random() < 0.2:
        request.headers["Accept-Language"] = rng.choice(LANGS).replace("%FF", "zz")
    if rng.random() < 0.05:
        request.headers["If-None-Match"] = rng.choice(['"x"', "*", 'W/"1"', ""])
    if request.method in ("POST", "PUT", "PATCH") or rng.random() < 0.02:
        request.body, content_type = draw_body(rng)
        if content_type is not None:
            request.headers["Content-Type"] = content_type
    return request


def app_rules(rules: Map) -> list[str]:
    """Every route of the app (werkzeug's syntax), in a stable order."""
    return sorted({rule.rule for rule in rules.iter_rules()})


def matches(rules: Map, request: Request) -> bool:
    """Whether the request's path is answered by the route it was built from (not by a 404 of the router)."""
    adapter = rules.bind("127.0.0.1")
    try:
        rule, _arguments = adapter.match(urlsplit(request.target).path, method="GET", return_rule=True)
    except HTTPException:
        return False
    return isinstance(rule, Rule) and rule.rule == request.route


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    work = tmp_path_factory.mktemp("fuzz")
    served = ServedProcess(work / "build", hostile_corpus(work / "data"), work, query_timeout=TIMEOUT)
    yield served
    served.close()


def routes_of(server: ServedProcess) -> Map:
    """The routes of the app, as `create_app` registers them for the served build's settings."""
    settings = {"base_iri": server.url, "data_dir": server.data_dir, "build_dir": server.build_dir}
    app = create_app(load_settings({**settings, **server.settings}, environ={}))
    app.extensions["query_service"].close()
    return app.url_map


def vocabulary(server: ServedProcess) -> Vocabulary:
    """The real IRIs: the sitemap's, and every IRI of a report's, the vocabulary's and the catalog's documents."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    text = ""
    for path in ("/sitemap.xml", "/def/disclosure.nt", "/catalog.nt", "/graph/agencies.nt"):
        connection.request("GET", path)
        text += connection.getresponse().read().decode("utf-8")
    reports = re.findall(r"<loc>([^<]*/id/report/[^<]*)</loc>", text)
    assert reports, "the sitemap lists no report"
    connection.request("GET", urlsplit(reports[0]).path + ".nt")
    text += connection.getresponse().read().decode("utf-8")
    connection.close()
    urls = re.findall(r"<(https?://[^>\s]+)>", text) + re.findall(r"<loc>([^<]+)</loc>", text)
    return Vocabulary(server.url, urls)


def send(connection: http.client.HTTPConnection, request: Request) -> tuple[int, bytes]:
    """Send over the kept-alive connection; once more on a fresh one if the server had closed it."""
    for attempt in (1, 2):
        try:
            connection.request(request.method, request.target, body=request.body, headers=request.headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            connection.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system, s) of a process and every process it started that is still alive."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        pending += [int(child) for child in children]
    return total


class Outcome:
    """What the fuzz saw: the failing requests (each as a curl command), the statuses, the routes that answered."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.failures: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.matched: Counter[str] = Counter()

    def check(self, request: Request, status: int, body: bytes, elapsed: float) -> None:
        self.statuses[status] += 1
        crashes = crash_markers_in(body.decode("utf-8", "replace"))
        if status >= 500 or crashes or elapsed > ALLOWED:
            answer = f"{status} in {elapsed:.2f} s {crashes or ''}"
            self.failures.append(f"#{request.index} {answer}: {request.curl(self.base)}\n    {body[:300]!r}")


def test_ten_thousand_fuzzed_requests_over_every_route(server: ServedProcess) -> None:
    rules_map = routes_of(server)
    rules = app_rules(rules_map)
    words = vocabulary(server)
    assert len(words.paths) >= 30 and len(words.segments) >= 30, (len(words.paths), len(words.segments))
    offset = server.stderr_offset()
    outcome = Outcome(server.url)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=ALLOWED + 30)
    started, server_cpu, own_cpu = time.monotonic(), cpu_seconds(server.process.pid), time.process_time()
    for index in range(REQUESTS):
        request = draw(index, rules, words)
        if request.route is not None and matches(rules_map, request):
            outcome.matched[request.route] += 1
        start = time.monotonic()
        try:
            status, body = send(connection, request)
        except (OSError, http.client.HTTPException) as exc:
            outcome.failures.append(f"#{index} no answer ({exc!r}): {request.curl(server.url)}")
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=ALLOWED + 30)
            continue
        outcome.check(request, status, body, time.monotonic() - start)
    connection.close()
    server_cpu, own_cpu = cpu_seconds(server.process.pid) - server_cpu, time.process_time() - own_cpu
    print(
        f"{REQUESTS} requests in {time.monotonic() - started:.1f} s (CPU: server {server_cpu:.1f} s, this process "
        f"{own_cpu:.1f} s; load average {os.getloadavg()[0]:.1f}); statuses {dict(sorted(outcome.statuses.items()))}"
    )
    failures = outcome.failures
    assert not failures, f"{len(failures)} of {REQUESTS} requests failed (seed {SEED}):\n" + "\n".join(failures[:25])
    written = server.stderr_since(offset)
    assert not crash_markers_in(written), f"the server's stderr during the fuzz:\n{written[-4000:]}"
    assert sum(outcome.statuses.values()) == REQUESTS
    seldom = [rule for rule in rules if outcome.matched[rule] < MATCHED_PER_ROUTE]
    assert not seldom, f"routes the fuzz reached too seldom: {seldom} ({dict(outcome.matched)})"
