"""Changing plans: upgrades at once, downgrades only when usage fits, enterprise through sales."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import GIB, AuditEvent
from app.services import plans
from app.services.audit import Actor
from app.services.errors import NotFound, PermissionDenied, PlanDowngradeBlocked
from tests import factories as f

SYSTEM = Actor.system()


def test_upgrade_is_immediate_and_audited(app):
    tenant = f.tenant(plan="free")
    owner = Actor.for_user(tenant.owner)
    plans.change_plan(tenant, "basic", owner)
    assert tenant.plan_code == "basic"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenant.plan_changed"))
    assert event.details["direction"] == "upgrade" and event.details["from"] == "free"


def test_downgrade_past_usage_is_refused_naming_what_exceeds(app):
    tenant = f.tenant(plan="pro", name="Big Co")
    for _ in range(22):
        f.member(tenant)  # 23 users with the owner
    tenant.storage_used_bytes = 12 * GIB
    db.session.commit()
    with pytest.raises(PlanDowngradeBlocked) as exc:
        plans.change_plan(tenant, "basic", Actor.for_user(tenant.owner))
    assert "23 users; the Basic plan allows 20" in exc.value.message
    assert "12 GiB stored; the Basic plan allows 10 GiB" in exc.value.message
    db.session.refresh(tenant)
    assert tenant.plan_code == "pro"


def test_downgrade_that_fits_goes_through(app):
    tenant = f.tenant(plan="pro")
    plans.change_plan(tenant, "free", Actor.for_user(tenant.owner))
    assert tenant.plan_code == "free"


def test_platform_admin_may_override_a_blocked_downgrade_and_it_is_audited(app):
    tenant = f.tenant(plan="basic")
    for _ in range(6):
        f.member(tenant)
    with pytest.raises(PermissionDenied):
        plans.change_plan(tenant, "free", Actor.for_user(tenant.owner), override_limits=True)
    plans.change_plan(tenant, "free", SYSTEM, override_limits=True)
    assert tenant.plan_code == "free"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenant.plan_changed"))
    assert event.details["override_limits"] is True and event.details["blockers"]


def test_enterprise_needs_sales(app):
    tenant = f.tenant(plan="pro")
    with pytest.raises(PermissionDenied) as exc:
        plans.change_plan(tenant, "enterprise", Actor.for_user(tenant.owner))
    assert exc.value.code == "contact_sales"
    plans.change_plan(tenant, "enterprise", SYSTEM)
    assert tenant.plan_code == "enterprise"


def test_unknown_plan_is_not_found(app):
    tenant = f.tenant()
    with pytest.raises(NotFound) as exc:
        plans.change_plan(tenant, "platinum", SYSTEM)
    assert exc.value.field == "plan" and "free, basic, pro, enterprise" in exc.value.message


def test_a_custom_quota_above_the_new_plan_lets_a_downgrade_through_and_keeps_applying(app):
    from app.services import quotas

    tenant = f.tenant(plan="pro")
    for _ in range(22):
        f.member(tenant)  # 23 users; Basic allows 20
    quotas.set_custom_limits(tenant, {"users": 30}, SYSTEM)
    plans.change_plan(tenant, "basic", Actor.for_user(tenant.owner))
    assert tenant.plan_code == "basic"
    assert quotas.limits_for(tenant)["users"] == 30


def test_a_custom_quota_never_blocks_a_downgrade_but_the_plans_other_limits_still_do(app):
    from app.services import quotas

    tenant = f.tenant(plan="pro", name="Big Co")
    for _ in range(22):
        f.member(tenant)
    tenant.storage_used_bytes = 12 * GIB
    db.session.commit()
    quotas.set_custom_limits(tenant, {"users": 21}, SYSTEM)  # below usage already, on any plan
    with pytest.raises(PlanDowngradeBlocked) as exc:
        plans.change_plan(tenant, "basic", Actor.for_user(tenant.owner))
    assert exc.value.details["blockers"] == ["12 GiB stored; the Basic plan allows 10 GiB"]
    quotas.set_custom_limits(tenant, {"storage": None}, SYSTEM)  # unlimited storage by deal
    plans.change_plan(tenant, "basic", Actor.for_user(tenant.owner))
    assert tenant.plan_code == "basic"


def test_without_overrides_the_new_plans_limits_judge_a_downgrade(app):
    from app.services import quotas

    tenant = f.tenant(plan="pro")
    quotas.set_custom_limits(tenant, {"users": 30}, SYSTEM)
    quotas.set_custom_limits(tenant, {"users": "plan"}, SYSTEM)
    for _ in range(22):
        f.member(tenant)
    with pytest.raises(PlanDowngradeBlocked):
        plans.change_plan(tenant, "basic", Actor.for_user(tenant.owner))
