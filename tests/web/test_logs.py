"""Logs say what the docs say: INFO records reach the log, each with request id, tenant and actor;
one access record per request; JSON lines in production."""

from __future__ import annotations

import io
import json
import logging

import pytest

from tests.conftest import csrf_token


@pytest.fixture
def log_lines():
    """What the app's log handler writes (its stream swapped for a buffer), as parsed JSON lines."""
    handler = logging.getLogger("app").handlers[0]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]

    yield lines
    handler.setStream(previous)


@pytest.mark.app_config(LOG_FORMAT="json")
def test_info_records_of_a_tenant_request_carry_tenant_request_id_and_actor(client, as_user, org, log_lines,
                                                                            tmp_path, server_app):
    server_app.config["MAIL_OUTBOX_DIR"] = str(tmp_path)
    as_user(org.admin)
    token = csrf_token(client, "/t/acme/invitations")
    client.post("/t/acme/invitations", data={"csrf_token": token, "email": "new@acme.test", "role": "member"},
                headers={"X-Request-ID": "req-invite-0001"})
    records = [r for r in log_lines() if r["request_id"] == "req-invite-0001"]

    email_record = next(r for r in records if r["logger"] == "app.services.emails" and r["level"] == "INFO"
                        and "email to new@acme.test" in r["message"])
    assert email_record["tenant_id"] == org.tenant.id  # "emails go to the log" is true, with the tenant
    assert "/invitations/" in email_record["message"]

    access = next(r for r in records if r["logger"] == "app.access")
    assert access["message"] == "POST /t/acme/invitations 302"
    assert (access["tenant_id"], access["actor"], access["status"]) == (org.tenant.id, f"user:{org.admin.id}", 302)
    assert access["duration_ms"] >= 0


@pytest.mark.app_config(LOG_FORMAT="json")
def test_api_access_records_name_the_key(client, org, log_lines):
    from tests import factories as f

    key = f.api_key(org.tenant, "viewer")
    response = client.get("/api/v1/tenants/current", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    [access] = [r for r in log_lines() if r["logger"] == "app.access" and r["request_id"] == request_id]
    assert access["tenant_id"] == org.tenant.id and access["actor"].startswith("api-key:")


def test_the_app_logger_lets_info_through(app):
    """Flask configures the `app` logger first; ours must still set its level (it stayed WARNING)."""
    assert logging.getLogger("app").getEffectiveLevel() == logging.INFO
    assert logging.getLogger("app.services.emails").isEnabledFor(logging.INFO)


def test_json_lines_hold_the_exception():
    from app.web.logs import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("app.test").makeRecord("app.test", logging.ERROR, __file__, 1, "failed %s",
                                                           ("here",), exc_info=__import__("sys").exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed here" and entry["level"] == "ERROR"
    assert "ValueError: boom" in entry["exception"]
