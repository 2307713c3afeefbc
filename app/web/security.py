"""Per-request plumbing: request ids, security headers, log records that carry the tenant."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, request

from app.tenancy.context import get_current_tenant

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Assets are vendored, so the policy can allow this origin only. No inline script or style.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `tenant_id` to every log record made during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
            tenant = get_current_tenant()
            record.tenant_id = tenant.id if tenant is not None else "-"
        except RuntimeError:  # outside a request or app context
            record.request_id = "-"
            record.tenant_id = "-"
        return True


def init_security(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s [req=%(request_id)s tenant=%(tenant_id)s] %(name)s: %(message)s"))
    handler.addFilter(RequestContextFilter())
    app.logger.handlers[:] = [handler]
    app_log = logging.getLogger("app")
    if not any(isinstance(f, RequestContextFilter) for h in app_log.handlers for f in h.filters):
        app_log.addHandler(handler)
        app_log.setLevel(logging.INFO)
        app_log.propagate = False

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.headers.get("HX-Request"):
            response.vary.add("HX-Request")
        return response
