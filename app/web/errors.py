"""One place turns errors into responses: the JSON envelope under /api, a page elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, make_response, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from app.services.errors import DomainError, TenantNotFound, TwoFactorRequired, Unauthorized

log = logging.getLogger(__name__)


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.headers.get("HX-Request")


def envelope(code: str, message: str, status: int, details: dict | None = None):
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    if status >= 500:
        body["error"]["request_id"] = g.get("request_id")
    response = jsonify(body)
    response.status_code = status
    return response


def _page(status: int, title: str, message: str, code: str, billing_path: str | None = None,
          plan_path: str | None = None):
    html = render_template("errors/error.html", status=status, title=title, message=message, code=code,
                           billing_path=billing_path, plan_path=plan_path)
    return html, status


def _keep_allow(exc: HTTPException, response) -> None:
    """A 405 names the methods the resource does answer (RFC 9110 requires the Allow header)."""
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))


def _too_large_message() -> str:
    """A body past MAX_CONTENT_LENGTH (refused unread): say what the limits are."""
    from flask import current_app
    from flask_babel import gettext as _

    from app.services.documents import DEFAULT_MAX_BYTES
    from app.services.formatting import format_bytes

    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    document = int(current_app.config.get("DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)
    return _("This request is larger than the %(limit)s the portal accepts; a document may be at most "
             "%(document)s.", limit=format_bytes(limit), document=format_bytes(document))


def _retry_after(exc: DomainError, response) -> None:
    """A temporary refusal (503: a tenant being set up) says when to come back."""
    seconds = getattr(exc, "retry_after", None)
    if seconds:
        response.headers["Retry-After"] = str(seconds)


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
              422: "validation_error", 429: "rate_limited", 500: "internal_error"}


def init_errorhandlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if wants_json():
            response = envelope(exc.code, exc.message, exc.http_status, exc.to_dict()["details"])
            if isinstance(exc, Unauthorized):
                response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
            _retry_after(exc, response)
            return response
        here = request.full_path if request.query_string else request.path
        if isinstance(exc, Unauthorized):
            return redirect(url_for("auth.login", next=here))
        if isinstance(exc, TwoFactorRequired):
            from flask import flash

            flash(exc.message, "warning")
            target = url_for("account.two_factor", next=here if request.method == "GET" else None)
            if request.headers.get("HX-Request"):  # a redirect would be followed inside the XHR
                return "", 200, {"HX-Redirect": target}
            return redirect(target)
        billing_path = exc.details.get("billing_path")
        if billing_path and request.headers.get("HX-Request"):
            # htmx swaps no 4xx answer: reload the page the form is on, which says why (banner + message).
            from flask import flash

            flash(exc.message, "danger")
            back = request.referrer if (request.referrer or "").startswith(request.host_url) else billing_path
            return "", 200, {"HX-Redirect": back}
        if isinstance(exc, TenantNotFound):
            from app.web.slug_redirects import moved_url

            moved = moved_url()
            if moved is not None:
                return redirect(moved, 307)
        from app.web.status_pages import status_page

        # A member of a suspended or deleted organisation gets a page saying what happened and
        # whom to ask (the support address), not a bare error code.
        page = status_page(exc)
        if page is not None:
            return page
        # An unpaid tenant's refusal (read-only, pending deletion) links to the page where the owner pays,
        # an expired one's to the plan picker.
        response = make_response(*_page(exc.http_status, exc.message, exc.message, exc.code,
                                        exc.details.get("billing_path"), exc.details.get("plan_path")))
        _retry_after(exc, response)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        code = HTTP_CODES.get(status, "http_error")
        description = exc.description or exc.name
        if status == 413 and description == RequestEntityTooLarge.description:  # werkzeug's, past MAX_CONTENT_LENGTH
            description = _too_large_message()
        if status == 400 and "CSRF" in (description or ""):
            code = "csrf_failed"
            description = "The form expired or was sent from another site. Reload the page and try again."
        if wants_json():
            response = envelope(code, description, status)
            if status == 429 and exc.response is not None:
                response.headers.extend(exc.response.headers)
            _keep_allow(exc, response)
            return response
        if status == 429:
            from flask_babel import gettext as _

            return _page(status, _("Too many attempts"),
                         _("For your security, this is limited to %(limit)s. Wait a little and try again.",
                           limit=description), code)
        html, status = _page(status, exc.name, description, code)
        response = make_response(html, status)
        _keep_allow(exc, response)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error (request id %s)", g.get("request_id"))
        try:
            from app.extensions import db

            db.session.rollback()
        except Exception:  # the session itself may be what broke
            log.exception("rollback after error failed")
        message = f"Something went wrong on our side. Reference: {g.get('request_id', '-')}."
        if wants_json():
            return envelope("internal_error", message, 500)
        return _page(500, "Server error", message, "internal_error")
