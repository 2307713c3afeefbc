"""Limits and usage: plan limits, custom overrides, the meters' arithmetic."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import GIB
from app.services import quotas
from app.services.audit import Actor
from app.services.errors import StorageQuotaExceeded, ValidationError
from app.services.quotas import QuotaLine
from tests import factories as f

SYSTEM = Actor.system()


def test_plans_carry_the_release_notes_limits(app):
    from app.services.plans import list_plans

    rows = {p.code: (p.name, p.price_cents, p.max_users, p.max_storage_bytes, p.max_api_calls_per_month)
            for p in list_plans()}
    assert rows == {
        "free": ("Free", 0, 5, GIB, 1_000),
        "basic": ("Basic", 9_900, 20, 10 * GIB, 10_000),
        "pro": ("Professional", 29_900, 50, 50 * GIB, 50_000),
        "enterprise": ("Enterprise", None, None, None, None),
    }


def test_report_counts_members_and_pending_invitations_as_users(app):
    tenant = f.tenant(plan="free")
    f.member(tenant)
    f.invitation(tenant)
    users, storage, api = quotas.quota_report(tenant)
    assert (users.resource, users.used, users.limit, users.remaining) == ("users", 3, 5, 2)
    assert (storage.used, storage.limit) == (0, GIB)
    assert (api.used, api.limit) == (0, 1_000)


def test_enterprise_is_unlimited(app):
    tenant = f.tenant(plan="enterprise")
    assert all(line.unlimited and line.remaining is None and line.state == "ok"
               for line in quotas.quota_report(tenant))


@pytest.mark.parametrize("used, limit, state, percent", [
    (0, 5, "ok", 0.0), (3, 5, "ok", 60.0), (4, 5, "warning", 80.0), (5, 5, "danger", 100.0),
    (6, 5, "danger", 120.0), (7, None, "ok", 0.0),
])
def test_meter_turns_warning_at_80_and_danger_at_100_percent(used, limit, state, percent):
    line = QuotaLine("users", used, limit)
    assert (line.state, line.percent) == (state, percent)


def test_storage_at_the_limit_fits_and_one_byte_past_does_not(app):
    tenant = f.tenant(plan="free")
    tenant.storage_used_bytes = GIB - 100
    db.session.commit()
    quotas.ensure_storage_available(tenant, 100)
    with pytest.raises(StorageQuotaExceeded) as exc:
        quotas.ensure_storage_available(tenant, 101)
    assert exc.value.http_status == 413 and exc.value.code == "storage_quota_exceeded"


def test_custom_limits_override_the_plan_and_can_be_cleared(app):
    tenant = f.tenant(plan="enterprise")
    quotas.set_custom_limits(tenant, {"users": 500, "storage": None}, SYSTEM)
    limits = quotas.limits_for(tenant)
    assert limits["users"] == 500 and limits["storage"] is None and limits["api_calls"] is None
    quotas.set_custom_limits(tenant, {"users": "plan"}, SYSTEM)
    assert quotas.limits_for(tenant)["users"] is None


def test_custom_limits_are_validated(app):
    tenant = f.tenant(plan="enterprise")
    with pytest.raises(ValidationError) as exc:
        quotas.set_custom_limits(tenant, {"users": -1}, SYSTEM)
    assert exc.value.field == "users"
    with pytest.raises(ValidationError):
        quotas.set_custom_limits(tenant, {"bananas": 3}, SYSTEM)


def test_expired_invitations_free_their_seat(app):
    from datetime import timedelta

    from app.models.types import utcnow

    tenant = f.tenant(plan="free")
    invitation, _ = f.invitation(tenant)
    assert quotas.seats_used(tenant.id) == 2
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert quotas.seats_used(tenant.id) == 1
