"""Delivery (issue 17): signed per Standard Webhooks, retried with backoff, never for a rolled-back change,
and not lost with a killed worker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from app.extensions import db
from app.jobs.queue import hand_over
from app.jobs.runner import STALE_AFTER, due_jobs
from app.models import Job, WebhookDelivery, WebhookEndpoint, WebhookEvent
from app.services import members, webhooks
from app.services.audit import Actor
from app.services.transaction import unit_of_work

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _endpoint(world, receiver, events=("member.role_changed",)):
    return webhooks.create_endpoint(world.tenant, Actor.system(), url=receiver.url, events=list(events))


def _promote_viewer(world):
    members.change_role(world.tenant, world.users["viewer"].id, "member", Actor.system())


def _sweep():
    ids = due_jobs()
    names = dict(db.session.query(Job.id, Job.name).filter(Job.id.in_(ids)).all())
    hand_over([(i, names[i]) for i in ids])


def test_a_change_arrives_signed_and_verifies_with_standardwebhooks(app, world, receiver, clock):
    clock(START)
    _endpoint_row, secret = _endpoint(world, receiver)
    _promote_viewer(world)
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "member.role_changed"
    assert payload["data"]["tenant_id"] == world.tenant.id
    assert payload["data"]["details"]["to"] == "member"
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.latency_ms is not None and delivery.response_excerpt == "ok"
    assert headers["webhook-id"] == delivery.event_id


def test_an_event_not_subscribed_to_is_not_sent(app, world, receiver, clock):
    clock(START)
    _endpoint(world, receiver, events=("document.created",))
    _promote_viewer(world)
    assert receiver.requests == []


def test_a_receiver_answering_500_gets_retries_with_backoff(app, world, receiver, clock):
    traveller = clock(START)
    receiver.status = 500
    _endpoint(world, receiver)
    _promote_viewer(world)
    assert len(receiver.requests) == 1
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.response_status, delivery.response_excerpt) == ("retrying", 500, "boom")
    job = db.session.scalars(select(Job).where(Job.name == "webhooks.deliver")).one()
    assert job.status == "retrying" and job.run_after == START + timedelta(seconds=webhooks.BACKOFF)
    _sweep()  # not due yet
    assert len(receiver.requests) == 1
    traveller.shift(timedelta(seconds=webhooks.BACKOFF))
    _sweep()
    assert len(receiver.requests) == 2
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.run_after == START + timedelta(seconds=webhooks.BACKOFF * 3)  # 30 s, then 60 s
    receiver.status = 200
    traveller.shift(timedelta(seconds=webhooks.BACKOFF * 2))
    _sweep()
    assert len(receiver.requests) == 3
    db.session.expire_all()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    # Every try carries the same webhook-id (the receiver deduplicates by it).
    assert len({headers["webhook-id"] for headers, _ in receiver.requests}) == 1


def test_the_retries_span_about_24_hours():
    from app.jobs.registry import get_task

    spec = get_task("webhooks.deliver")
    total = sum(spec.delay_before(attempt) for attempt in range(1, spec.max_attempts))
    assert timedelta(hours=23) <= timedelta(seconds=total) <= timedelta(hours=25)


def test_an_event_whose_transaction_rolls_back_is_never_delivered(app, world, receiver, clock):
    clock(START)
    _endpoint(world, receiver)
    with pytest.raises(RuntimeError), unit_of_work():
        webhooks.emit(world.tenant, "member.role_changed", {"why": "a change that fails"})
        db.session.flush()
        raise RuntimeError("the change failed")
    assert db.session.scalars(select(WebhookEvent)).all() == []
    assert db.session.scalars(select(Job).where(Job.name.like("webhooks.%"))).all() == []
    assert receiver.requests == []


def _promote_with_no_worker(app, world) -> None:
    """The audited change, with no worker taking the jobs its commit hands over (they stay queued)."""
    app.extensions["jobs.backend"], backend = (lambda *a: None), app.extensions["jobs.backend"]
    try:
        _promote_viewer(world)
    finally:
        app.extensions["jobs.backend"] = backend


def test_a_killed_worker_loses_no_event(app, world, receiver, clock):
    traveller = clock(START)
    _endpoint(world, receiver)
    # The fan-out job is claimed by a worker that dies: nothing is handed over at commit.
    _promote_with_no_worker(app, world)
    job = db.session.scalars(select(Job).where(Job.name == "webhooks.fan_out")).one()
    job.status, job.started_at, job.attempts = "running", START, 1
    db.session.commit()
    assert receiver.requests == []
    traveller.shift(STALE_AFTER + timedelta(seconds=1))
    _sweep()  # the lost claim counts as a failed try and is due after its backoff
    traveller.shift(timedelta(minutes=1))
    _sweep()
    assert len(receiver.requests) == 1


def test_the_outbox_sweep_fans_out_an_event_whose_job_vanished(app, world, receiver, clock):
    traveller = clock(START)
    _endpoint(world, receiver)
    _promote_with_no_worker(app, world)
    db.session.execute(Job.__table__.delete())
    db.session.commit()
    traveller.shift(timedelta(minutes=5))
    assert webhooks.sweep_outbox() == 1
    assert len(receiver.requests) == 1


def test_both_signatures_are_sent_while_a_rotated_secret_overlaps(app, world, receiver, clock):
    traveller = clock(START)
    endpoint, old = _endpoint(world, receiver)
    _, new = webhooks.rotate_secret(world.tenant, endpoint.id, Actor.system())
    _promote_viewer(world)
    headers, body = receiver.requests[-1]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)
    traveller.shift(timedelta(hours=25))
    members.change_role(world.tenant, world.users["viewer"].id, "viewer", Actor.system())
    headers, _ = receiver.requests[-1]
    assert len(headers["webhook-signature"].split(" ")) == 1


@pytest.mark.app_config(WEBHOOK_DISABLE_AFTER=2)
def test_repeated_failure_disables_the_endpoint_and_emails_the_owners(app, world, receiver, clock):
    from app.models import OutboundEmail

    traveller = clock(START)
    receiver.status = 500
    endpoint, _ = _endpoint(world, receiver)
    _promote_viewer(world)
    traveller.shift(timedelta(seconds=webhooks.BACKOFF))
    _sweep()
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert endpoint.enabled is False and endpoint.consecutive_failures == 2
    assert db.session.scalars(select(WebhookDelivery)).one().status == "failed"
    mails = db.session.scalars(select(OutboundEmail).where(OutboundEmail.kind == "webhook_disabled")).all()
    assert [m.to_address for m in mails] == [world.users["owner"].email]


def test_replay_sends_the_event_again_as_a_new_delivery(app, world, receiver, clock):
    clock(START)
    endpoint, _secret = _endpoint(world, receiver)
    _promote_viewer(world)
    first = db.session.scalars(select(WebhookDelivery)).one()
    again = webhooks.replay(world.tenant, endpoint.id, first.id, Actor.system())
    assert len(receiver.requests) == 2
    db.session.expire_all()
    assert db.session.get(WebhookDelivery, again.id).status == "succeeded"
    assert json.loads(receiver.requests[1][1]) == json.loads(receiver.requests[0][1])
