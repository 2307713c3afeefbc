"""Platform endpoints by CLI: they receive events of every tenant."""

from __future__ import annotations

from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from app.services import members
from app.services.audit import Actor


def test_a_platform_endpoint_receives_a_tenants_event(app, runner, world, receiver, clock):
    clock(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    added = runner.invoke(args=["webhooks", "add", receiver.url, "--event", "member.role_changed"])
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip().splitlines()[0]
    listed = runner.invoke(args=["webhooks", "list"])
    assert receiver.url in listed.output
    members.change_role(world.tenant, world.users["viewer"].id, "member", Actor.system())
    headers, body = receiver.requests[0]
    assert Webhook(secret).verify(body, headers)["data"]["tenant_id"] == world.tenant.id
    endpoint_id = listed.output.split("\t")[0]
    assert runner.invoke(args=["webhooks", "delete", endpoint_id]).exit_code == 0
