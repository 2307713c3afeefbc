"""API-call counting per day and month, and the audit trail's append-only promise."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.services import audit, usage
from app.services.audit import Actor, AuditFilter
from app.services.authority import Authority
from tests import factories as f


def at(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def test_calls_count_per_day_and_add_up_over_the_month(app):
    tenant = f.tenant()
    for day in (1, 1, 2, 5):
        assert usage.consume_api_call_db(tenant.id, 1000, now=at(2026, 3, day)).allowed
    assert usage.api_calls_this_month_db(tenant.id, now=at(2026, 3, 20)) == 4
    daily = dict(usage.daily_calls_db(tenant.id, days=5, now=at(2026, 3, 5)))
    assert daily == {date(2026, 3, 1): 2, date(2026, 3, 2): 1, date(2026, 3, 3): 0, date(2026, 3, 4): 0,
                     date(2026, 3, 5): 1}


def test_limit_admits_exactly_up_to_it_then_refuses_until_next_month(app):
    tenant = f.tenant()
    results = [usage.consume_api_call_db(tenant.id, 3, now=at(2026, 3, 31, 23)) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert results[2].remaining == 0 and results[3].used == 3
    assert results[3].retry_after_seconds == 3600
    # A new calendar month (UTC) starts from zero.
    assert usage.consume_api_call_db(tenant.id, 3, now=at(2026, 4, 1, 0)).used == 1


def test_unlimited_plans_are_never_refused(app):
    tenant = f.tenant(plan="enterprise")
    assert all(usage.consume_api_call_db(tenant.id, None, now=at(2026, 3, 1)).allowed for _ in range(5))


def test_period_bounds_are_the_utc_calendar_month():
    start, end = usage.period_bounds(at(2024, 2, 29))
    assert (start, end) == (at(2024, 2, 1, 0), at(2024, 3, 1, 0))


def test_every_mutation_writes_one_audit_event_in_its_transaction(app):
    from app.services import invitations, members, plans, tenants

    tenant = f.tenant(plan="free")
    owner = Actor.for_user(tenant.owner, ip="203.0.113.9")
    bob = f.user()
    before = db.session.query(AuditEvent).count()
    members.add_member(tenant, bob, "member", Authority.member(owner, tenant, "owner"))
    members.change_role(tenant, bob.id, "admin", Authority.member(owner, tenant, "owner"))
    sent = invitations.invite(tenant, "x@example.test", "member", Authority.member(owner, tenant, "owner"))
    invitations.revoke(tenant, sent.invitation.id, owner)
    plans.change_plan(tenant, "basic", owner)
    tenants.update_tenant(tenant, owner, name="Renamed Co")
    members.remove_member(tenant, bob.id, Authority.member(owner, tenant, "owner"))
    new_events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))[before:]
    actions = [e.action for e in new_events]
    assert actions == ["member.added", "member.role_changed", "invitation.created", "invitation.revoked",
                       "tenant.plan_changed", "tenant.updated", "member.removed"]
    assert {e.ip for e in new_events} == {"203.0.113.9"}
    assert {e.actor_label for e in new_events} == {tenant.owner.email}


def test_refused_mutation_leaves_no_audit_event(app):
    from app.services import members
    from app.services.errors import LastOwner

    tenant = f.tenant()
    count = db.session.query(AuditEvent).count()
    with pytest.raises(LastOwner):
        members.remove_member(tenant, tenant.owner_id, Authority.system())
    assert db.session.query(AuditEvent).count() == count


def test_audit_events_cannot_be_changed_or_deleted(app):
    tenant = f.tenant()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.tenant_id == tenant.id))
    event.action = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEvent).where(AuditEvent.tenant_id == tenant.id)))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()


def test_audit_filter_by_tenant_action_prefix_and_actor(app):
    a, b = f.tenant(), f.tenant()
    f.member(a, "viewer")
    f.member(b, "viewer")
    page = audit.list_events(AuditFilter(tenant_id=a.id, action="member."))
    assert [e.action for e in page.items] == ["member.added"] and all(e.tenant_id == a.id for e in page.items)
    assert audit.list_events(AuditFilter(actor="SYSTEM")).total >= 4
    assert audit.list_events(AuditFilter(actor="nobody-like-this")).total == 0
