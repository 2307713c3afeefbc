"""Logs that say who and where: every record of the app carries the request id, the tenant and the
actor; one access record per request; JSON lines in production (`LOG_FORMAT=json|text`).

Records made inside a job carry the id of the request that asked for the job (app/jobs/runner.py).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

from flask import Flask, g, has_app_context, has_request_context, request
from sqlalchemy import inspect

TEXT_FORMAT = "%(asctime)s %(levelname)s [req=%(request_id)s tenant=%(tenant_id)s actor=%(actor)s] %(name)s: %(message)s"
# Attributes every LogRecord has; anything else on a record is an `extra` worth printing.
_STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "", (), None))) | {"message", "asctime"}


def _identity(obj) -> str | None:
    """An ORM object's primary key without touching the database (it may be expired after a commit)."""
    if obj is None:
        return None
    identity = inspect(obj).identity
    return str(identity[0]) if identity else None


def _actor() -> str:
    principal = g.get("principal")
    if principal is not None:
        if principal.api_key is not None:
            return f"api-key:{_identity(principal.api_key)}"
        if principal.user is not None:
            label = f"user:{_identity(principal.user)}"
            return f"{label} (impersonated by user:{principal.impersonator_user_id})" \
                if principal.impersonator_user_id else label
        return "anonymous"
    user = g.get("_login_user")  # Flask-Login's cache: read only if this request loaded the user already
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{_identity(user)}"
    return "-"


class RequestContextFilter(logging.Filter):
    """Adds `request_id`, `tenant_id` and `actor` to every record (``-`` outside a request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = {"request_id": "-", "tenant_id": "-", "actor": "-"}
        if has_app_context():
            tenant = g.get("tenant") if has_request_context() else None
            context = {"request_id": g.get("request_id", "-"), "tenant_id": _identity(tenant) or "-",
                       "actor": _actor()}
            if g.get("job_id") is not None:
                context["job_id"] = g.job_id
        for key, value in context.items():
            # A value given as `extra=` wins (a job names the tenant it works for).
            if getattr(record, key, None) in (None, "-"):
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request context and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def make_handler(app: Flask) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if app.config.get("LOG_FORMAT") == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestContextFilter())
    return handler


ACCESS = logging.getLogger("app.access")


def log_access(method: str, full_path: str, path: str, status: int, duration_ms: float | None,
               remote_addr: str | None, endpoint: str | None, **context: str) -> None:
    """One access-log record: what every request writes (Flask's hook, and the API's hot path, which
    passes the request id, tenant and actor itself since it runs outside Flask's request context)."""
    ACCESS.info("%s %s %s", method, full_path, status,
                extra={"method": method, "path": path, "status": status,
                       "duration_ms": round(duration_ms, 2) if duration_ms is not None else None,
                       "remote_addr": remote_addr, "endpoint": endpoint, **context})


def init_logging(app: Flask) -> None:
    """Point the app's loggers (`app` and `app.*`; Flask's app.logger is the same one) at one handler."""
    handler = make_handler(app)
    level = logging.getLevelName(str(app.config.get("LOG_LEVEL", "INFO")).upper())
    app_log = logging.getLogger("app")
    # Replace, not add: every app instance (tests build many) configures the same named logger.
    app_log.handlers[:] = [handler]
    app_log.setLevel(level)
    app_log.propagate = False
    for name in app.config.get("LOG_ALSO", ()):  # e.g. celery's loggers in a worker
        other = logging.getLogger(name)
        other.handlers[:] = [handler]
        other.propagate = False
    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def access_log(response):
        if app.config.get("ACCESS_LOG", True):
            started = g.get("request_started")
            duration = (time.perf_counter() - started) * 1000 if started else None
            log_access(request.method, request.full_path.rstrip("?"), request.path, response.status_code, duration,
                       request.remote_addr, request.endpoint)
        return response
