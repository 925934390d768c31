"""What every answer carries whatever its route: security headers, and redirects made from base_iri.

Headers (Flask-Talisman): a Content-Security-Policy that lets a page load only this
site's own stylesheets, scripts and images (the templates have no inline script or
style: the stylesheets are in static/), X-Content-Type-Options: nosniff,
X-Frame-Options: DENY with frame-ancestors 'none', and a Referrer-Policy. The server
speaks plain HTTP on loopback (a proxy in front adds TLS), so nothing is redirected to
https and no Strict-Transport-Security is sent; no answer depends on the request's
scheme, so a cached answer is right for every client. A report's source page as its
agency published it has a policy of its own (`SANDBOXED`): its site's scripts and forms
do not run on this origin.

Redirects: the routing's own redirects (`/id////x` → `/id/x`) are built from
`base_iri`, never from the request's Host, so a forged Host is never sent back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, redirect, request
from flask_talisman import Talisman
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response as WerkzeugResponse

__all__ = ["CONTENT_SECURITY_POLICY", "SANDBOXED", "SITE_POLICY", "SOURCE_PAGE_POLICY", "install"]

#: The policy of every answer but an original source page.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
#: The same, as the header says it (for an answer of a `SANDBOXED` view that is one of our own pages).
SITE_POLICY = "; ".join(f"{directive} {sources}" for directive, sources in CONTENT_SECURITY_POLICY.items())
#: The policy of a report's source page as published (a page of another site).
SOURCE_PAGE_POLICY = "sandbox"
REFERRER_POLICY = "strict-origin-when-cross-origin"

#: Marks the view of original source pages: it sets its policy itself (`SOURCE_PAGE_POLICY` or `SITE_POLICY`)
#: and Talisman leaves it so.
SANDBOXED: Callable[[Callable[..., Any]], Callable[..., Any]] = Talisman()(content_security_policy=None)


def install(app: Flask, base: str) -> None:
    """Security headers on every answer, and routing redirects made from `base`.

    Call it after the response cache is installed: the headers are then part of every
    cached answer too.
    """
    Talisman(
        app,
        force_https=False,
        strict_transport_security=False,
        session_cookie_secure=False,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy=REFERRER_POLICY,
        x_content_type_options=True,
    )

    @app.before_request
    def redirect_from_base() -> WerkzeugResponse | None:
        found = request.routing_exception
        if not isinstance(found, RequestRedirect):
            return None
        target = urlsplit(found.new_url)
        path = target.path.removeprefix(request.script_root) or "/"
        return redirect(base + path + (f"?{target.query}" if target.query else ""), code=found.code)
