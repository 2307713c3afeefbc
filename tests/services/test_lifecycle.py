"""What time changes, run by the scheduled jobs: trials expire, invitations lapse, deleted tenants go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue
from app.models import AuditEvent, Job, Tenant, TenantInvitation
from app.services import tenants
from tests import factories as f
from tests.isolation.support import PLACES


def _run(name: str) -> Job:
    job = enqueue(name)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Job, job.id)


def test_trials_expire_at_their_last_second_not_before(app, clock):
    traveller = clock(datetime(2028, 2, 15, 12, 0, tzinfo=UTC))
    ending = f.tenant("ending", status="trial")
    later = f.tenant("later", status="trial")
    later.trial_ends_at = datetime(2028, 3, 1, 0, 0, tzinfo=UTC)
    ending.trial_ends_at = datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC)  # a leap day
    db.session.commit()

    traveller.move_to(datetime(2028, 2, 29, 23, 59, 58, tzinfo=UTC))
    assert _run("tenants.expire_trials").status == "done"
    assert db.session.get(Tenant, ending.id).status == "trial"

    traveller.move_to(datetime(2028, 2, 29, 23, 59, 59, tzinfo=UTC))
    _run("tenants.expire_trials")
    assert db.session.get(Tenant, ending.id).status == "expired"
    assert db.session.get(Tenant, later.id).status == "trial"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenant.trial_expired"))
    assert (event.tenant_id, event.actor_label) == (ending.id, "system")

    _run("tenants.expire_trials")  # idempotent: nothing more to do, no second event
    assert len(list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.trial_expired")))) == 1


def test_pending_invitations_past_their_expiry_are_marked_expired(app, clock):
    traveller = clock(datetime(2026, 12, 24, 9, 0, tzinfo=UTC))
    tenant = f.tenant()
    lapsing, _ = f.invitation(tenant, "lapsing@x.test")
    traveller.shift(timedelta(days=3))
    fresh, _ = f.invitation(tenant, "fresh@x.test")
    traveller.move_to(lapsing.expires_at)  # New Year's Eve, 09:00: its last instant has come
    _run("invitations.expire")
    assert db.session.get(TenantInvitation, lapsing.id).status == "expired"
    assert db.session.get(TenantInvitation, fresh.id).status == "pending"


def test_deleted_tenants_are_purged_once_the_grace_period_ends(app, clock):
    traveller = clock(datetime(2026, 1, 1, 0, 0, tzinfo=UTC))
    doomed = f.tenant("doomed", status="deleted")
    kept = f.tenant("kept", status="deleted")
    kept.deleted_at = datetime(2026, 1, 20, tzinfo=UTC)
    db.session.commit()
    doomed_id = doomed.id
    traveller.move_to(datetime(2026, 1, 31, 0, 0, tzinfo=UTC))  # 30 days after the first deletion
    assert _run("tenants.purge_deleted").status == "done"
    assert db.session.get(Tenant, doomed_id) is None
    assert db.session.get(Tenant, kept.id).status == "deleted"
    assert tenants.get_tenant("kept").is_deleted


@pytest.mark.app_config(**PLACES)
def test_the_plane_migration_fan_out_enqueues_one_job_per_tenant_behind(app):
    from app.placement import plane_migrations
    from tests.isolation.support import tenant_on

    behind = tenant_on("database")
    plane_migrations.record(behind.id, None)  # as if created before the latest tenant-plane migration
    db.session.commit()
    _run("tenants.migrate_planes")
    jobs = list(db.session.scalars(select(Job).where(Job.name == "tenants.migrate_plane")))
    assert [(j.kwargs, j.status) for j in jobs] == [({"tenant_id": behind.id}, "done")]
    assert plane_migrations.pending() == []
    from app.placement import database

    database.drop(behind.id)
