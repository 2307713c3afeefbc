"""A unit of work commits only its own changes; records that must outlive a refusal use their own session."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, AuditEvent, Tenant, User
from app.services import accounts, api_keys, audit, tenants, usage
from app.services.audit import Actor
from app.services.transaction import UncommittedChanges, unit_of_work
from tests import factories as f


def _rename_without_committing(tenant: Tenant) -> str:
    """Someone's change left pending (not flushed) on the request's session; returns the tenant's id.

    (The id is read first: reading an expired attribute later would autoflush the change.)
    """
    tenant_id = tenant.id
    tenant.name = "Half-done rename"
    return tenant_id


def stored_name(tenant_id: str) -> str:
    db.session.expire_all()
    return db.session.get(Tenant, tenant_id).name


def test_a_unit_of_work_refuses_to_start_with_changes_nobody_committed(app):
    tenant = f.tenant("clean-co", name="Clean Co")
    _rename_without_committing(tenant)
    with pytest.raises(UncommittedChanges, match="changed <Tenant clean-co>"):
        tenants.update_tenant(tenant, Actor.system(), timezone="Europe/Berlin")
    db.session.rollback()
    assert stored_name(tenant.id) == "Clean Co" and tenant.config.timezone == "UTC"


def test_a_flushed_but_uncommitted_write_also_counts_as_unclean(app):
    f.tenant("flushy")
    accounts.build_user("loose@example.test", None)  # flushes an INSERT, commits nothing
    with pytest.raises(UncommittedChanges, match="flushed"), unit_of_work():
        pass
    db.session.rollback()
    assert accounts.find_user("loose@example.test") is None


def test_record_now_keeps_the_event_without_committing_the_request_s_work(app):
    tenant_id = _rename_without_committing(f.tenant("audited", name="Audited"))
    audit.record_now("security.tenant_access_denied", Actor(label="probe"), tenant_id=tenant_id)
    db.session.rollback()
    assert stored_name(tenant_id) == "Audited"
    assert db.session.scalar(select(AuditEvent.actor_label).where(
        AuditEvent.action == "security.tenant_access_denied", AuditEvent.tenant_id == tenant_id)) == "probe"


def test_a_metered_call_is_counted_without_committing_the_request_s_work(app):
    tenant_id = _rename_without_committing(f.tenant("metered", name="Metered"))
    assert usage.consume_api_call_db(tenant_id, 10).allowed
    db.session.rollback()
    assert stored_name(tenant_id) == "Metered"
    assert usage.api_calls_this_month_db(tenant_id) == 1


def test_noting_a_key_s_last_use_commits_nothing_else(app, clock):
    from datetime import UTC, datetime

    clock(datetime(2026, 3, 15, 9, tzinfo=UTC))
    tenant = f.tenant("keyed", name="Keyed")
    secret = f.api_key(tenant, "viewer")
    tenant_id = _rename_without_committing(tenant)
    # Kept pending (not autoflushed by the key lookup): on SQLite a flushed write would hold the
    # database's write lock, which a second session cannot take.
    with db.session.no_autoflush:
        key = api_keys.authenticate_key(secret)
        assert key is not None
        api_keys.flush_key_uses()  # the write-behind thread's work (if it has not done it yet), now
    db.session.rollback()
    assert stored_name(tenant_id) == "Keyed"
    assert db.session.get(ApiKey, key.id).last_used_at == datetime(2026, 3, 15, 9, tzinfo=UTC)


def test_remembering_the_last_tenant_commits_nothing_else(app):
    tenant = f.tenant("remembered", name="Remembered")
    owner, owner_id = tenant.owner, tenant.owner.id
    owner.last_tenant_id  # loaded now, so the check below needs no autoflushing refresh  # noqa: B018
    tenant_id = _rename_without_committing(tenant)
    accounts.set_last_tenant(owner, tenant_id)
    db.session.rollback()
    assert stored_name(tenant_id) == "Remembered"
    assert db.session.get(User, owner_id).last_tenant_id == tenant_id
