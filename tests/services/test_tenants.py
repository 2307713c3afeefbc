"""The tenant manager: creation, slugs, settings, status changes, soft delete and purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, Tenant, TenantInvitation, TenantUser, User
from app.models.types import utcnow
from app.services import feature_flags, tenants
from app.services.audit import Actor
from app.services.errors import SlugTaken, TenantStateConflict, ValidationError
from tests import factories as f

SYSTEM = Actor.system()


def events(action: str, tenant_id: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action)
    if tenant_id:
        stmt = stmt.where(AuditEvent.tenant_id == tenant_id)
    return list(db.session.scalars(stmt))


@pytest.mark.parametrize("slug", ["acme", "a1b", "my-company-42", "x" * 63])
def test_valid_slugs_are_accepted(slug):
    assert tenants.validate_slug(f"  {slug.upper()} ") == slug


@pytest.mark.parametrize("slug, complaint", [
    ("", "required"),
    ("ab", "3 to 63"),
    ("x" * 64, "3 to 63"),
    ("-acme", "start and end"),
    ("acme-", "start and end"),
    ("ac_me", "only lowercase letters"),
    ("acme.com", "only lowercase letters"),
    ("xn--bcher-kva", "internationalised"),
    ("www", "reserved"),
    ("api", "reserved"),
    ("admin", "reserved"),
    ("current", "reserved"),
    ("plans", "reserved"),
])
def test_invalid_slugs_are_refused_with_a_reason(slug, complaint):
    with pytest.raises(ValidationError) as exc:
        tenants.validate_slug(slug)
    assert exc.value.field == "slug"
    assert complaint in exc.value.message


def test_create_tenant_makes_owner_membership_config_and_audit(app):
    owner = f.user("founder@example.test")
    tenant = tenants.create_tenant("Acme Inc", "acme", "FOUNDER@example.test", "basic", SYSTEM)
    assert tenant.id.startswith("tnt_") and tenant.slug == "acme"
    assert tenant.owner_id == owner.id
    assert tenant.status == "trial" and tenant.trial_ends_at > utcnow()
    assert tenant.config.timezone == "UTC" and tenant.config.display_name == "Acme Inc"
    assert tenants.role_of(tenant.id, owner.id) == "owner"
    assert [e.details["slug"] for e in events("tenant.created", tenant.id)] == ["acme"]


def test_free_tenant_starts_active_without_trial(app):
    tenant = tenants.create_tenant("Tiny", "tiny", "t@example.test", "free", SYSTEM)
    assert tenant.status == "active" and tenant.trial_ends_at is None


def test_create_tenant_for_unknown_owner_creates_passwordless_account(app):
    tenant = tenants.create_tenant("New Co", "new-co", "New.Person@Example.test", "pro", SYSTEM)
    owner = db.session.get(User, tenant.owner_id)
    assert owner.email == "new.person@example.test"
    assert owner.password_hash is None


def test_duplicate_slug_is_refused_and_nothing_is_written(app):
    f.tenant("acme")
    before = db.session.scalar(select(func.count()).select_from(User))
    with pytest.raises(SlugTaken) as exc:
        tenants.create_tenant("Other", "ACME", "someone-new@example.test", "free", SYSTEM)
    assert exc.value.code == "slug_taken" and exc.value.field == "slug"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == 1
    # The owner account that would have been created rolled back with the tenant.
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_unknown_plan_is_refused(app):
    with pytest.raises(Exception) as exc:
        tenants.create_tenant("X", "xyz", "x@example.test", "platinum", SYSTEM)
    assert getattr(exc.value, "field", None) == "plan"


def test_schema_isolation_is_refused_on_sqlite_with_a_clear_message():
    from app.placement import validate_strategy

    with pytest.raises(ValidationError) as exc:
        validate_strategy("schema", "sqlite")
    assert exc.value.field == "isolation_strategy" and "PostgreSQL" in exc.value.message
    assert validate_strategy("schema", "postgresql") == "schema"
    assert validate_strategy("database", "sqlite") == "database"
    with pytest.raises(ValidationError):
        validate_strategy("shards", "postgresql")


def test_get_tenant_by_id_or_slug(app):
    tenant = f.tenant("lookup-me")
    assert tenants.get_tenant(tenant.id).id == tenant.id
    assert tenants.get_tenant("LOOKUP-ME").id == tenant.id
    with pytest.raises(tenants.TenantNotFound):
        tenants.get_tenant("nope")


def test_update_settings_validates_each_field(app):
    tenant = f.tenant()
    tenants.update_tenant(tenant, SYSTEM, name="Renamed", timezone="Europe/Berlin", locale="zh",
                          brand_color="#AA00FF", feature_flags={"beta_search": True})
    assert tenant.name == "Renamed" and tenant.config.timezone == "Europe/Berlin"
    assert tenant.config.brand_color == "#aa00ff" and feature_flags.effective_flags(tenant) == {"beta_search": True}
    (event,) = events("tenant.updated", tenant.id)
    assert event.details["changes"]["timezone"] == {"from": "UTC", "to": "Europe/Berlin"}

    for field, value in [("timezone", "Mars/Olympus"), ("locale", "xx"), ("brand_color", "red"),
                         ("feature_flags", {"Bad Name": True}), ("feature_flags", {"ok": "yes"})]:
        with pytest.raises(ValidationError) as exc:
            tenants.update_tenant(tenant, SYSTEM, **{field: value})
        assert exc.value.field == field
    db.session.rollback()
    assert tenant.config.timezone == "Europe/Berlin"


def test_slug_change_is_checked_for_uniqueness(app):
    f.tenant("taken")
    tenant = f.tenant("mine")
    with pytest.raises(SlugTaken):
        tenants.update_tenant(tenant, SYSTEM, slug="taken")
    db.session.rollback()
    tenants.update_tenant(tenant, SYSTEM, slug="mine-renamed")
    assert tenants.get_tenant("mine-renamed").id == tenant.id


def test_suspend_needs_a_reason_and_reactivate_clears_it(app):
    tenant = f.tenant()
    with pytest.raises(ValidationError) as exc:
        tenants.suspend(tenant, "  ", SYSTEM)
    assert exc.value.field == "reason"
    tenants.suspend(tenant, "Card declined", SYSTEM)
    assert tenant.status == "suspended" and tenant.suspended_reason == "Card declined"
    tenants.reactivate(tenant, SYSTEM)
    assert tenant.status == "active" and tenant.suspended_reason is None
    assert len(events("tenant.suspended", tenant.id)) == 1 and len(events("tenant.reactivated", tenant.id)) == 1


def test_trial_past_its_end_counts_as_expired(app):
    tenant = f.tenant(plan="basic", status="trial")
    assert tenants.effective_status(tenant) == "trial"
    assert tenants.effective_status(tenant, now=tenant.trial_ends_at + timedelta(seconds=1)) == "expired"


def test_extend_trial_revives_an_expired_trial(app):
    tenant = f.tenant(plan="basic", status="expired")
    tenants.extend_trial(tenant, 7, SYSTEM)
    assert tenant.status == "trial" and tenant.trial_ends_at > utcnow() + timedelta(days=6)
    with pytest.raises(ValidationError):
        tenants.extend_trial(tenant, 0, SYSTEM)


def test_soft_delete_keeps_data_and_restore_brings_status_back(app):
    tenant = f.tenant(plan="basic", status="suspended")
    tenants.soft_delete(tenant, SYSTEM)
    assert tenant.status == "deleted" and tenant.deleted_at is not None
    assert db.session.get(Tenant, tenant.id) is not None
    tenants.restore(tenant, SYSTEM, grace_days=30)
    assert tenant.status == "suspended" and tenant.deleted_at is None


def test_restore_after_grace_period_is_refused(app):
    tenant = f.tenant(status="deleted")
    tenant.deleted_at = utcnow() - timedelta(days=31)
    db.session.commit()
    with pytest.raises(TenantStateConflict):
        tenants.restore(tenant, SYSTEM, grace_days=30)


def test_purge_deleted_removes_only_tenants_past_the_grace_period(app):
    old = f.tenant("old-gone", status="deleted")
    recent = f.tenant("recently-gone", status="deleted")
    alive = f.tenant("alive")
    f.member(old, "admin")
    f.invitation(old)
    old.deleted_at = utcnow() - timedelta(days=31)
    db.session.commit()
    old_id = old.id

    purged = tenants.purge_deleted(SYSTEM, grace_days=30)

    assert purged == ["old-gone"]
    db.session.expire_all()
    assert db.session.get(Tenant, old_id) is None
    assert db.session.get(Tenant, recent.id) is not None and db.session.get(Tenant, alive.id) is not None
    assert db.session.scalar(select(func.count()).select_from(TenantUser).where(TenantUser.tenant_id == old_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(TenantInvitation)
                             .where(TenantInvitation.tenant_id == old_id)) == 0
    # The audit trail outlives the tenant.
    assert events("tenant.purged", old_id) and events("tenant.created", old_id)


def test_purge_refuses_a_live_tenant(app):
    tenant = f.tenant()
    with pytest.raises(TenantStateConflict):
        tenants.purge(tenant, SYSTEM)


def test_list_tenants_filters_and_searches(app):
    f.tenant("alpha", plan="pro", name="Alpha Widgets")
    f.tenant("beta", plan="free", name="Beta Gadgets", status="suspended")
    f.tenant("gamma", plan="pro", owner=f.user("boss@gamma-corp.test"))
    page = tenants.list_tenants(tenants.TenantFilter(plan="pro"))
    assert {t.slug for t in page.items} == {"alpha", "gamma"} and page.total == 2
    assert [t.slug for t in tenants.list_tenants(tenants.TenantFilter(status="suspended")).items] == ["beta"]
    assert [t.slug for t in tenants.list_tenants(tenants.TenantFilter(q="widget")).items] == ["alpha"]
    assert [t.slug for t in tenants.list_tenants(tenants.TenantFilter(q="gamma-corp")).items] == ["gamma"]
    # LIKE wildcards in a search are literal characters, not patterns.
    assert tenants.list_tenants(tenants.TenantFilter(q="%")).total == 0


def test_list_tenants_paginates_with_total(app):
    for i in range(7):
        f.tenant(f"page-{i}")
    page = tenants.list_tenants(tenants.TenantFilter(), page=2, per_page=3)
    assert page.total == 7 and page.pages == 3 and len(page.items) == 3
    assert tenants.list_tenants(tenants.TenantFilter(), page=1, per_page=1000).per_page == 100


def test_reactivating_a_trial_suspended_before_its_end_keeps_the_trial(app, clock):
    traveller = clock(datetime(2028, 2, 28, 12, tzinfo=UTC))
    tenant = f.tenant(plan="basic", status="trial")
    ends = tenant.trial_ends_at
    tenants.suspend(tenant, "Fraud check", SYSTEM)
    traveller.move_to(ends - timedelta(seconds=1))
    tenants.reactivate(tenant, SYSTEM)
    assert tenant.status == "trial" and tenant.trial_ends_at == ends  # the same trial, same end

    tenants.suspend(tenant, "Fraud check", SYSTEM)
    traveller.move_to(ends)  # the trial is over by the time support lifts the suspension
    tenants.reactivate(tenant, SYSTEM)
    assert tenant.status == "active"


def test_reactivating_a_suspended_paying_tenant_makes_it_active(app):
    tenant = f.tenant(plan="pro", status="active")
    tenants.suspend(tenant, "Chargeback", SYSTEM)
    tenants.reactivate(tenant, SYSTEM)
    assert tenant.status == "active"
