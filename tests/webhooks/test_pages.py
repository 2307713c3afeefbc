"""Settings -> Webhooks in the portal: add (secret shown once), delivery log, replay, delete; CSRF, 404, 403."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint
from app.services import members
from app.services.audit import Actor
from tests import factories
from tests.conftest import csrf_token, login

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _page(world, suffix=""):
    return f"/t/{world.tenant.slug}/settings/webhooks{suffix}"


def test_admin_adds_an_endpoint_sees_the_secret_once_and_replays(client, world, receiver, clock):
    clock(START)
    login(client, world.users["admin"])
    token = csrf_token(client, _page(world))
    answer = client.post(_page(world), data={"csrf_token": token, "url": receiver.url, "description": "CRM",
                                             "events": ["member.role_changed", "member.added"]})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert 'data-testid="webhook-secret"' in html and "whsec_" in html
    endpoint = db.session.scalars(select(WebhookEndpoint)).one()
    assert endpoint.events == ["member.added", "member.role_changed"]
    assert "whsec_" not in client.get(_page(world)).get_data(as_text=True)
    members.change_role(world.tenant, world.users["viewer"].id, "member", Actor.system())
    detail = client.get(_page(world, f"/{endpoint.id}"))
    assert detail.status_code == 200 and detail.get_data(as_text=True).count('data-testid="delivery-row"') == 1
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    replay = client.post(_page(world, f"/{endpoint.id}/deliveries/{delivery.id}/replay"),
                         data={"csrf_token": csrf_token(client, _page(world, f"/{endpoint.id}"))})
    assert replay.status_code == 302 and len(receiver.requests) == 2
    gone = client.post(_page(world, f"/{endpoint.id}/delete"),
                       data={"csrf_token": csrf_token(client, _page(world, f"/{endpoint.id}"))})
    assert gone.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_a_bad_url_is_shown_beside_the_field(client, world):
    login(client, world.users["owner"])
    client.application.config["WEBHOOK_ALLOW_PRIVATE"] = False
    answer = client.post(_page(world), data={"csrf_token": csrf_token(client, _page(world)),
                                             "url": "http://127.0.0.1/hook", "events": ["member.added"]})
    assert answer.status_code == 422
    assert "private, loopback or link-local" in answer.get_data(as_text=True)


def test_without_csrf_nothing_is_added(client, world, receiver):
    login(client, world.users["owner"])
    answer = client.post(_page(world), data={"url": receiver.url, "events": ["member.added"]})
    assert answer.status_code in (400, 422)
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_member_gets_403_and_other_tenants_endpoint_404(client, world, receiver):
    from app.services import webhooks

    login(client, world.users["member"])
    assert client.get(_page(world)).status_code == 403
    endpoint, _ = webhooks.create_endpoint(world.tenant, Actor.system(), url=receiver.url, events=["member.added"])
    # The owner of both tenants asks for acme's endpoint through globex: not found.
    factories.member(world.other, "owner", world.users["owner"])
    login(client, world.users["owner"])
    assert client.get(f"/t/{world.other.slug}/settings/webhooks").status_code == 200
    assert client.get(f"/t/{world.other.slug}/settings/webhooks/{endpoint.id}").status_code == 404
