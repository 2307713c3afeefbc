"""/metrics (Prometheus) and the trusted-proxy setting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from tests import factories as f
from tests.conftest import build_app, csrf_token, login


def _value(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {name}{{{wanted}}} in the scrape")


def test_metrics_count_latency_by_endpoint_and_metered_calls_by_plan(client, app):
    tenant = f.tenant(plan="free")
    key = f.api_key(tenant, "viewer")
    from app.services import quotas
    from app.services.audit import Actor

    quotas.set_custom_limits(tenant, {"api_calls": 2}, Actor.system())
    # The counters live in the process's registry, shared by every app the suite builds: compare
    # against what they said before this test's calls.
    before = client.get("/metrics").get_data(as_text=True)

    def grown(text: str, name: str, **labels) -> float:
        try:
            earlier = _value(before, name, **labels)
        except AssertionError:  # no such series yet
            earlier = 0
        return _value(text, name, **labels) - earlier

    statuses = [client.get("/api/v1/tenants/current", headers={"Authorization": f"Bearer {key}"}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]

    scrape = client.get("/metrics")
    assert scrape.status_code == 200 and scrape.headers["Content-Type"].startswith("text/plain")
    text = scrape.get_data(as_text=True)
    assert grown(text, "tenantry_api_calls_total", plan="free", outcome="admitted") == 2
    assert grown(text, "tenantry_api_calls_total", plan="free", outcome="refused") == 1
    # by URL rule, not by path: one series for every tenant's calls
    assert grown(text, "flask_http_request_duration_seconds_count", url_rule="/api/v1/tenants/current",
                 status="200") == 2
    assert tenant.slug not in text


def test_job_queue_depth_is_in_the_scrape(client, app):
    from app.models import Job

    db.session.add(Job(name="emails.send", kwargs={}, status="retrying", attempts=1, max_attempts=9))
    db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert _value(text, "tenantry_jobs", status="retrying") == 1


def test_production_metrics_need_the_bearer_token(database_url, _schema):
    app = build_app(database_url, ENV_NAME="production", METRICS_TOKEN="s3cret-metrics-token")
    web = app.test_client()
    assert web.get("/metrics").status_code == 404
    assert web.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert web.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}).status_code == 200


def test_production_metrics_are_closed_without_a_token(database_url, _schema):
    app = build_app(database_url, ENV_NAME="production", METRICS_TOKEN=None)
    assert app.test_client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize(("proxies", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_audit_ips_come_from_the_trusted_proxy_only(database_url, _schema, app, proxies, expected):
    owner = f.user("owner@acme.test")
    f.tenant("acme", owner=owner)
    server = build_app(database_url, TRUSTED_PROXIES=proxies)
    web = server.test_client()
    login(web, owner)
    token = csrf_token(web, "/t/acme/invitations")
    # The client claims 198.51.100.7; our load balancer appends the address it saw.
    web.post("/t/acme/invitations", data={"csrf_token": token, "email": "new@acme.test", "role": "member"},
             headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
    ip = db.session.scalar(select(AuditEvent.ip).where(AuditEvent.action == "invitation.created"))
    assert ip == expected
