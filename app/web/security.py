"""Per-request plumbing: request ids, security headers, and the logs (app/web/logs.py)."""

from __future__ import annotations

import re
import uuid

from flask import Flask, g, request

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Assets are vendored, so the policy can allow this origin only. No inline script or style.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def static_security_headers() -> list[tuple[str, str]]:
    """The security headers every response carries (unless a view set its own)."""
    return [("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin")]


def init_security(app: Flask) -> None:
    from app.web.logs import init_logging
    from app.web.metrics import init_metrics

    init_logging(app)
    init_metrics(app)

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def security_headers(response):
        for name, value in static_security_headers():
            response.headers.setdefault(name, value)
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.headers.get("HX-Request"):
            response.vary.add("HX-Request")
        return response
