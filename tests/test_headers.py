"""What every answer carries (#15): security headers, Vary on a 406, redirects that never echo the Host.

Checked over real HTTP on loopback, and the pages in a real browser (Debian's chromium
driven by Playwright): under the Content-Security-Policy every page still loads its
stylesheet and reports no violation.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.helpers import LiveServer
from tests.http import Answer, fetch

REPORT = "/id/report/jilin-city-science-technology-bureau/2011"
DOWNLOAD = "/download/jilin-city-science-technology-bureau-2011.ttl"

#: Every kind of answer: pages, documents, SPARQL, the catalog, a download, a stylesheet, errors.
ANSWERS = [
    pytest.param("/", "text/html", 200, id="home"),
    pytest.param("/agencies", "text/html", 200, id="agencies"),
    pytest.param(REPORT, "text/html", 200, id="report-page"),
    pytest.param(REPORT, "text/turtle", 200, id="report-turtle"),
    pytest.param("/id/report", "text/html", 200, id="listing"),
    pytest.param("/sparql", "text/html", 200, id="sparql-page"),
    pytest.param("/sparql?query=" + quote("ASK { ?s ?p ?o }"), "application/sparql-results+json", 200, id="sparql"),
    pytest.param("/catalog", "text/turtle", 200, id="catalog"),
    pytest.param(DOWNLOAD, "*/*", 200, id="download"),
    pytest.param("/static/site.css", "text/css", 200, id="stylesheet"),
    pytest.param("/id/report/no-such-agency/2011", "text/turtle", 404, id="not-found"),
    pytest.param(REPORT, "image/png", 406, id="not-acceptable"),
]


def assert_security_headers(answer: Answer) -> None:
    policy = answer.header("Content-Security-Policy") or ""
    for directive in ("default-src 'self'", "style-src 'self'", "script-src 'self'", "frame-ancestors 'none'"):
        assert directive in policy, (directive, policy)
    assert "unsafe-inline" not in policy
    assert answer.header("X-Content-Type-Options") == "nosniff"
    assert answer.header("X-Frame-Options") == "DENY"
    assert answer.header("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert answer.header("Strict-Transport-Security") is None  # plain HTTP on loopback: nothing to pin


@pytest.mark.parametrize("path, accept, status", ANSWERS)
def test_every_answer_carries_the_security_headers(
    live_server: LiveServer, path: str, accept: str, status: int
) -> None:
    for _ in range(2):  # the second one is answered from the response cache where it is cached
        answer = fetch(live_server.url + path, headers={"Accept": accept})
        assert answer.status == status, answer.body[:300]
        assert_security_headers(answer)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(REPORT, id="document"),
        pytest.param("/id/report", id="listing"),
        pytest.param("/sparql?query=" + quote("ASK { ?s ?p ?o }"), id="sparql"),
        pytest.param("/queries/reports", id="named-query"),
    ],
)
def test_a_406_varies_by_accept(live_server: LiveServer, path: str) -> None:
    answer = fetch(live_server.url + path, headers={"Accept": "image/png"})
    assert answer.status == 406, answer.body[:300]
    assert "Accept" in [v.strip() for v in (answer.header("Vary") or "").split(",")]


@pytest.mark.parametrize(
    "path, target",
    [
        pytest.param("/id////x", "/id/x", id="id"),
        pytest.param(f"/id//report{REPORT[len('/id/report') :]}", REPORT, id="report"),
        pytest.param("/download////x.ttl", "/download/x.ttl", id="download"),
        pytest.param("/catalog//page//2", "/catalog/page/2", id="catalog"),
    ],
)
def test_a_redirect_is_built_from_the_base_never_from_the_host(live_server: LiveServer, path: str, target: str) -> None:
    answer = fetch(live_server.url + path, headers={"Host": "evil.example", "Accept": "text/turtle"})
    assert answer.status == 308, answer.body[:300]
    assert answer.header("Location") == live_server.url + target
    assert b"evil.example" not in answer.body


# ---------------------------------------------------------------------------
# In a real browser: the pages still look as they did
# ---------------------------------------------------------------------------


#: A page, and a style its stylesheet gives one of its elements (selector, CSS property, value as computed).
PAGES = [
    pytest.param("/?lang=en", "body", "max-width", "1152px", id="home"),
    pytest.param("/agencies?lang=zh", "body", "max-width", "1152px", id="agencies"),
    pytest.param(f"{REPORT}?lang=zh", "td.number", "text-align", "right", id="report"),
    pytest.param("/id/report?lang=en", "body", "max-width", "1152px", id="listing"),
    pytest.param("/def/disclosure?lang=en", "table", "border-collapse", "collapse", id="resource"),
    pytest.param("/catalog.html?lang=en", "body", "max-width", "1152px", id="catalog"),
    pytest.param("/sparql?query=" + quote("ASK { ?s ?p ?o }"), "textarea", "width", None, id="sparql"),
]


@pytest.mark.parametrize("path, selector, prop, value", PAGES)
def test_the_pages_load_their_styles_under_the_policy_in_chromium(
    live_server: LiveServer, browser: object, path: str, selector: str, prop: str, value: str | None
) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    try:
        response = page.goto(live_server.url + path, wait_until="load")
        assert response.status == 200
        assert "default-src 'self'" in response.headers["content-security-policy"]
        computed = page.evaluate(
            "([selector, prop]) => getComputedStyle(document.querySelector(selector)).getPropertyValue(prop)",
            [selector, prop],
        )
        if value is None:  # the SPARQL form: its textarea spans the page (width: 100%), wider than a bare one
            assert float(computed.removesuffix("px")) > 400, computed
        else:
            assert computed == value
        assert not [m for m in messages if "Content Security Policy" in m], messages
    finally:
        page.close()
