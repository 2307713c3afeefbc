"""`/healthz` tells a load balancer whether the app can reach its database."""

from __future__ import annotations

import pytest


def test_healthz_reports_database_ok(client, is_postgres):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok", "dialect": "postgresql" if is_postgres else "sqlite"}


@pytest.mark.app_config(SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/nope.db")
def test_healthz_reports_an_unreachable_database_as_503(database_url, _schema):
    from tests.conftest import build_app

    broken = build_app("sqlite:////nonexistent-dir/nope.db")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["status"] == "error"


def test_security_headers_are_set(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert len(response.headers["X-Request-ID"]) >= 8
