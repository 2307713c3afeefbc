"""Probes: `/healthz` (liveness: the process answers) and `/readyz` (readiness: it can reach the
database, Redis, the job broker and file storage). Both answer JSON, never an error page."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app, jsonify
from sqlalchemy import text

from app.extensions import db
from app.tenancy.routes import GuardedBlueprint

bp = GuardedBlueprint("health", __name__)


@bp.public("/healthz")
def healthz():
    """Liveness: answers while the process serves requests. Dependencies are /readyz's business,
    so a database outage takes instances out of the load balancer instead of restarting them all."""
    return jsonify({"status": "ok"})


def _error_text(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}".splitlines()[0][:300]


def _check(probe: Callable[[], dict | None]) -> dict:
    started = time.perf_counter()
    try:
        detail = probe() or {}
    except Exception as exc:  # any failure is a reason to report, never a crash of the probe
        return {"status": "error", "error": _error_text(exc), "ms": round((time.perf_counter() - started) * 1000, 1)}
    return {"status": "ok", **detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
    finally:
        db.session.rollback()
    return {"dialect": db.engine.dialect.name}


def _redis() -> None:
    import redis

    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _broker() -> dict:
    from app.jobs.depth import broker_queue_length

    return {"queue": current_app.config["JOBS_QUEUE"], "depth": broker_queue_length()}


def _storage() -> dict:
    from app.services import storage

    return {"backend": storage.backend().check()}


def readiness() -> tuple[bool, dict[str, dict]]:
    """Every configured dependency's state: (all ok, {name: {status, error?, ms, ...}})."""
    checks = {"database": _check(_database)}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _check(_redis)
    if current_app.config.get("JOBS_BACKEND") == "celery":
        checks["broker"] = _check(_broker)
    checks["storage"] = _check(_storage)
    return all(c["status"] == "ok" for c in checks.values()), checks


@bp.public("/readyz")
def readyz():
    ready, checks = readiness()
    return jsonify({"status": "ok" if ready else "error", "checks": checks}), 200 if ready else 503


def init_app(app) -> None:
    from app.extensions import csrf, limiter

    csrf.exempt(bp)
    limiter.exempt(bp)
