"""`/healthz`: is the app up, and can it reach its database (and Redis, when configured)?"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    checks: dict[str, dict] = {}
    healthy = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"status": "ok", "dialect": db.engine.dialect.name}
    except Exception as exc:  # report any failure, never crash the probe
        db.session.rollback()
        healthy = False
        checks["database"] = {"status": "error", "error": exc.__class__.__name__}
    if current_app.config.get("REDIS_URL"):
        try:
            import redis

            redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2).ping()
            checks["redis"] = {"status": "ok"}
        except Exception as exc:  # report any failure
            healthy = False
            checks["redis"] = {"status": "error", "error": exc.__class__.__name__}
    body = {"status": "ok" if healthy else "error", "checks": checks}
    return jsonify(body), 200 if healthy else 503


def init_app(app) -> None:
    from app.extensions import csrf, limiter

    csrf.exempt(bp)
    limiter.exempt(bp)
