"""Requesting an export: a job builds it with progress, one at a time per tenant, audited, expiring after 24 h."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, DataExport
from app.models.types import utcnow
from app.services import export_archive, exports, storage
from app.services.audit import Actor
from app.services.authority import Authority
from app.services.errors import Conflict, NotFound, PermissionDenied
from tests import factories as f


def _owner(tenant) -> Authority:
    membership_user = f.member(tenant, "owner")
    return Authority.member(Actor(user_id=membership_user.id, label=membership_user.email), tenant, "owner")


def _actions(tenant) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.tenant_id == tenant.id,
                                                                   AuditEvent.action.like("export.%"))
                                   .order_by(AuditEvent.id)))


@pytest.fixture
def held_jobs(app, monkeypatch):
    """Jobs are recorded but not run: an export stays queued."""
    monkeypatch.setitem(app.extensions, "jobs.backend", lambda app, job_id, name: None)


def test_a_requested_export_is_built_by_the_job_and_audited(app):
    tenant = f.tenant()
    owner = _owner(tenant)

    export = exports.request(tenant, owner)

    db.session.expire_all()
    done = exports.get_export(tenant, export.id)
    assert (done.status, done.progress, done.error) == ("done", 100, None)
    assert done.expires_at == done.finished_at + timedelta(hours=24) and done.size_bytes > 0
    names = zipfile.ZipFile(io.BytesIO(storage.read(tenant.id, exports.AREA, done.storage_key))).namelist()
    assert "roles.json" in names and "members.csv" in names
    assert _actions(tenant) == ["export.requested"]


def test_progress_is_committed_part_by_part(app, held_jobs, monkeypatch):
    tenant = f.tenant()
    export = exports.request(tenant, _owner(tenant))
    seen: list[tuple[str, int, str]] = []
    original = export_archive.build_archive

    def watching(t, progress):
        def report(percent, part):
            progress(percent, part)
            row = db.session.execute(select(DataExport.status, DataExport.progress, DataExport.step)
                                     .where(DataExport.id == export.id)).one()
            seen.append(tuple(row))
        return original(t, progress=report)

    monkeypatch.setattr(exports, "build_archive", watching)
    exports.build(export.id)
    assert seen[0][0] == "running" and seen[0][2] == "organisation"
    assert [p for _s, p, _step in seen] == sorted(p for _s, p, _step in seen) and max(p for _s, p, _ in seen) == 99
    assert exports.get_export(tenant, export.id).status == "done"


def test_a_second_request_while_one_is_under_way_is_a_409(app, held_jobs):
    tenant = f.tenant()
    owner = _owner(tenant)
    first = exports.request(tenant, owner)
    with pytest.raises(Conflict) as refused:
        exports.request(tenant, owner)
    assert refused.value.code == "export_in_progress" and refused.value.details["export_id"] == first.id
    exports.build(first.id)
    assert exports.request(tenant, owner).id != first.id


def test_a_build_gone_silent_for_an_hour_no_longer_blocks_and_is_failed_by_the_clean_up(app, held_jobs):
    tenant = f.tenant()
    owner = _owner(tenant)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        lost = exports.request(tenant, owner)
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        assert exports.expire() == 1
        assert exports.get_export(tenant, lost.id).status == "failed"
        exports.request(tenant, owner)


def test_a_failed_build_is_recorded_not_left_running(app, held_jobs, monkeypatch):
    tenant = f.tenant()
    export = exports.request(tenant, _owner(tenant))

    def broken(_tenant, progress):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "build_archive", broken)
    exports.build(export.id)
    failed = exports.get_export(tenant, export.id)
    assert failed.status == "failed" and "disk full" in failed.error and failed.finished_at is not None


def test_only_holders_of_data_export_may_request(app):
    tenant = f.tenant()
    admin = f.member(tenant, "admin")
    with pytest.raises(PermissionDenied):
        exports.request(tenant, Authority.member(Actor(user_id=admin.id, label=admin.email), tenant, "admin"))
    assert db.session.scalar(select(DataExport.id).where(DataExport.tenant_id == tenant.id)) is None


def test_download_is_audited_and_refused_once_expired(app):
    tenant = f.tenant()
    owner = _owner(tenant)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        export = exports.request(tenant, owner)
        token = exports.sign_download(tenant.id, export.id)
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        _row, stream = exports.open_download(tenant, token, owner)
        with stream:
            assert zipfile.ZipFile(io.BytesIO(stream.read())).namelist()
        assert _actions(tenant) == ["export.requested", "export.downloaded"]
        fresh = exports.sign_download(tenant.id, export.id)
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        # The link itself is fresh, but the export it names is past its 24 hours.
        with pytest.raises(NotFound):
            exports.open_download(tenant, fresh, owner)
        assert exports.expire() == 1
        gone = exports.get_export(tenant, export.id)
        assert gone.status == "expired" and gone.storage_key is None
        with pytest.raises(FileNotFoundError):
            storage.read(tenant.id, exports.AREA, f"export-{export.id}.zip")


def test_another_tenants_export_is_not_found(app):
    mine, theirs = f.tenant(), f.tenant()
    export = exports.request(theirs, _owner(theirs))
    with pytest.raises(NotFound):
        exports.get_export(mine, export.id)
    with pytest.raises(NotFound):
        exports.open_download(mine, exports.sign_download(theirs.id, export.id), _owner(mine))


def test_the_clean_up_runs_hourly_under_beat(app):
    from app.jobs.celery_app import beat_schedule

    entry = beat_schedule()["exports.expire"]
    assert entry["task"] == "exports.expire" and entry["schedule"] == 3600
