"""The webhooks API (issue 17): endpoints, secrets shown once, delivery log, replay, the catalogue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from app.extensions import db
from app.models import AuditEvent
from app.services import members
from app.services.audit import Actor
from tests import factories

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _path(world, suffix=""):
    return f"/api/v1/tenants/{world.tenant.slug}/webhooks{suffix}"


def _create(api, world, url, who="owner", events=("member.role_changed",)):
    return api.post(_path(world), key=world.keys[who], json={"url": url, "events": list(events)})


def _fields(answer):
    body = answer.get_json()
    return (body.get("error") or body)["details"]["fields"]


def test_catalogue_lists_the_event_types(api, world):
    items = api.get("/api/v1/webhook-events", key=world.keys["viewer"]).get_json()["items"]
    assert {"member.added", "member.removed", "member.role_changed", "invitation.accepted", "plan.changed",
            "tenant.status_changed", "document.created"} <= {item["type"] for item in items}


def test_admin_adds_an_endpoint_and_sees_its_secret_once(api, world, receiver, clock):
    clock(START)
    created = _create(api, world, receiver.url, who="admin")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["member.role_changed"]
    listed = api.get(_path(world), key=world.keys["admin"]).get_json()["items"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    members.change_role(world.tenant, world.users["viewer"].id, "member", Actor.system())
    headers, payload = receiver.requests[0]
    Webhook(body["secret"]).verify(payload, headers)
    deliveries = api.get(_path(world, f"/{body['id']}/deliveries"), key=world.keys["admin"]).get_json()["items"]
    assert [(d["status"], d["response_status"], d["event_type"]) for d in deliveries] == \
        [("succeeded", 200, "member.role_changed")]
    replayed = api.post(_path(world, f"/{body['id']}/deliveries/{deliveries[0]['id']}/replay"), key=world.keys["admin"])
    assert replayed.status_code == 202 and replayed.get_json()["replay_of_id"] == deliveries[0]["id"]
    assert len(receiver.requests) == 2
    rotated = api.post(_path(world, f"/{body['id']}/rotate-secret"), key=world.keys["admin"]).get_json()
    assert rotated["secret"] != body["secret"]
    patched = api.patch(_path(world, f"/{body['id']}"), key=world.keys["admin"], json={"enabled": False})
    assert patched.status_code == 200 and patched.get_json()["enabled"] is False
    assert api.delete(_path(world, f"/{body['id']}"), key=world.keys["admin"]).status_code == 204
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("webhook.%"))
                                                    .order_by(AuditEvent.id))]
    assert actions == ["webhook.created", "webhook.replayed", "webhook.secret_rotated", "webhook.updated",
                       "webhook.deleted"]


@pytest.mark.app_config(WEBHOOK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/x",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/hook"])
def test_a_private_or_loopback_url_is_422_naming_the_url(api, world, url):
    answer = _create(api, world, url)
    assert answer.status_code == 422
    assert "private, loopback or link-local" in _fields(answer)["url"][0]
    assert api.get(_path(world), key=world.keys["owner"]).get_json()["items"] == []


def test_unknown_event_and_bad_scheme_are_422(api, world):
    unknown = _create(api, world, "https://example.com/x", events=("coffee.made",))
    assert unknown.status_code == 422 and set(_fields(unknown)) == {"events.0"}
    scheme = _create(api, world, "ftp://example.com/x")
    assert scheme.status_code == 422 and set(_fields(scheme)) == {"url"}


def test_member_gets_403_and_another_tenant_404(api, world, receiver):
    assert _create(api, world, receiver.url, who="member").status_code == 403
    assert api.get(_path(world), key=world.keys["member"]).status_code == 403
    endpoint = _create(api, world, receiver.url).get_json()
    assert api.get(_path(world), key=world.keys["other"]).status_code == 404
    other = f"/api/v1/tenants/{world.other.slug}/webhooks/{endpoint['id']}"
    assert api.patch(other, key=world.keys["other"], json={"enabled": False}).status_code == 404
    assert api.delete(other, key=world.keys["other"]).status_code == 404
    assert api.get(f"{other}/deliveries", key=world.keys["other"]).status_code == 404


def test_webhooks_need_the_basic_plan(api, world, receiver):
    free = factories.tenant("initech", plan="free", owner=factories.user("o@initech.test"))
    key = factories.api_key(free, "owner")
    answer = api.post(f"/api/v1/tenants/{free.slug}/webhooks", key=key,
                      json={"url": receiver.url, "events": ["member.added"]})
    assert answer.status_code == 403
    assert (answer.get_json().get("error") or answer.get_json())["code"] == "feature_not_in_plan"
