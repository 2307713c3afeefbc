"""`/healthz` says the process answers; `/readyz` whether it can reach what it needs (database,
Redis, the job broker, file storage), with the reason as JSON when not, never an error page."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import build_app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_without_asking_the_dependencies(database_url, _schema):
    broken = build_app("sqlite:////nonexistent-dir/nope.db")
    response = broken.test_client().get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_readyz_reports_database_and_storage_ok(client, is_postgres):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["dialect"] == ("postgresql" if is_postgres else "sqlite")
    assert body["checks"]["storage"]["backend"].startswith("file://")
    assert "broker" not in body["checks"]  # inline jobs: there is none to check


def test_readyz_reports_an_unreachable_database_as_503(database_url, _schema):
    broken = build_app("sqlite:////nonexistent-dir/nope.db")
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    check = response.get_json()["checks"]["database"]
    assert check["status"] == "error" and "OperationalError" in check["error"]


def test_an_unreachable_broker_fails_readyz_with_the_reason(database_url, _schema):
    app = build_app(database_url, JOBS_BACKEND="celery", CELERY_BROKER_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.is_json
    body = response.get_json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["status"] == "error"
    assert "Connection" in body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["status"] == "ok"


def test_an_unreachable_object_store_fails_readyz_with_the_reason(database_url, _schema, monkeypatch):
    from tests.s3server import CREDENTIALS

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    app = build_app(database_url, STORAGE_URL="s3://tenantry-files/prefix",
                    S3_ENDPOINT_URL=f"http://127.0.0.1:{_closed_port()}")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    check = response.get_json()["checks"]["storage"]
    assert check["status"] == "error" and "Could not connect" in check["error"]


def test_a_missing_bucket_fails_readyz(database_url, _schema, s3_server):
    app = build_app(database_url, STORAGE_URL="s3://no-such-bucket-here/x", S3_ENDPOINT_URL=s3_server.endpoint_url)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert "404" in response.get_json()["checks"]["storage"]["error"]


def test_readyz_with_s3_and_redis_ok(database_url, _schema, s3_server):
    import os

    bucket = s3_server.new_bucket()
    overrides = {"STORAGE_URL": f"s3://{bucket}/files", "S3_ENDPOINT_URL": s3_server.endpoint_url}
    if os.environ.get("REDIS_URL"):
        overrides.update(REDIS_URL=os.environ["REDIS_URL"], JOBS_BACKEND="celery",
                         CELERY_BROKER_URL=os.environ["REDIS_URL"], JOBS_QUEUE="tenantry-readyz-test")
    body = build_app(database_url, **overrides).test_client().get("/readyz").get_json()
    assert body["status"] == "ok", body
    assert body["checks"]["storage"]["backend"] == f"s3://{bucket}/files"
    if os.environ.get("REDIS_URL"):
        assert body["checks"]["redis"]["status"] == "ok"
        assert body["checks"]["broker"] == {"status": "ok", "queue": "tenantry-readyz-test", "depth": 0,
                                            "ms": body["checks"]["broker"]["ms"]}


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_session_or_csrf(client, path):
    assert client.get(path).headers["Content-Type"].startswith("application/json")


def test_security_headers_are_set(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert len(response.headers["X-Request-ID"]) >= 8
