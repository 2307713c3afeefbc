"""The job interface: handed over only on commit, run inline by default, retried with backoff, recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.jobs import enqueue, task
from app.jobs.runner import STALE_AFTER, run_job
from app.jobs.sweep import sweep
from app.models import Job, Tenant
from app.services.errors import ValidationError
from tests import factories

SEEN: list[dict] = []
FAILURES_LEFT: dict[str, int] = {}


@task("tests.see_tenant", max_retries=3, backoff=10, backoff_max=25)
def see_tenant(tenant_id: str, label: str = "") -> None:
    """Reads committed data in its own session; fails while FAILURES_LEFT says so."""
    tenant = db.session.get(Tenant, tenant_id)
    if FAILURES_LEFT.get(label, 0) > 0:
        FAILURES_LEFT[label] -= 1
        raise ConnectionError("smtp down")
    SEEN.append({"tenant": tenant.name if tenant else None, "label": label})


@task("tests.refuse", max_retries=5)
def refuse() -> None:
    raise ValidationError("nothing to do here", field="x")


@pytest.fixture(autouse=True)
def _reset():
    SEEN.clear()
    FAILURES_LEFT.clear()


def _jobs() -> list[Job]:
    db.session.expire_all()
    return list(db.session.scalars(select(Job).order_by(Job.id)))


def test_a_job_runs_after_its_unit_of_work_commits_and_sees_the_committed_change(app):
    tenant = factories.tenant(name="Acme")
    tenant.name = "Acme Renamed"
    enqueue("tests.see_tenant", tenant_id=tenant.id, label="rename")
    assert SEEN == []  # not before the commit
    db.session.commit()
    assert SEEN == [{"tenant": "Acme Renamed", "label": "rename"}]
    [job] = _jobs()
    assert (job.status, job.attempts, job.finished_at is not None) == ("done", 1, True)


def test_a_rolled_back_change_enqueues_nothing(app):
    tenant = factories.tenant()
    enqueue("tests.see_tenant", tenant_id=tenant.id)
    db.session.rollback()
    db.session.commit()
    assert SEEN == []
    assert _jobs() == []


def test_a_job_of_a_rolled_back_savepoint_is_dropped_and_the_rest_runs(app):
    tenant = factories.tenant()
    enqueue("tests.see_tenant", tenant_id=tenant.id, label="outer")
    savepoint = db.session.begin_nested()
    enqueue("tests.see_tenant", tenant_id=tenant.id, label="inner")
    savepoint.rollback()
    db.session.commit()
    assert [seen["label"] for seen in SEEN] == ["outer"]
    assert [job.kwargs["label"] for job in _jobs()] == ["outer"]


def test_a_failed_attempt_is_recorded_and_retried_with_exponential_backoff(app, clock):
    traveller = clock(datetime(2026, 3, 31, 23, 59, 50, tzinfo=UTC))
    tenant = factories.tenant()
    FAILURES_LEFT["flaky"] = 2
    enqueue("tests.see_tenant", tenant_id=tenant.id, label="flaky")
    db.session.commit()
    [job] = _jobs()
    assert (job.status, job.attempts, job.last_error) == ("retrying", 1, "ConnectionError: smtp down")
    assert job.run_after == datetime(2026, 4, 1, 0, 0, 0, tzinfo=UTC)  # 10 s

    sweep()  # not due yet: nothing runs
    assert _jobs()[0].attempts == 1
    traveller.shift(timedelta(seconds=10))
    sweep()
    job = _jobs()[0]
    assert (job.status, job.attempts) == ("retrying", 2)
    assert job.run_after == datetime(2026, 4, 1, 0, 0, 20, tzinfo=UTC)  # then 20 s

    traveller.shift(timedelta(seconds=20))
    sweep()
    job = _jobs()[0]
    assert (job.status, job.attempts, job.last_error) == ("done", 3, None)
    assert [seen["label"] for seen in SEEN] == ["flaky"]


def test_a_job_that_keeps_failing_is_failed_after_its_last_retry_and_kept(app, clock):
    traveller = clock(datetime(2026, 2, 28, 12, 0, tzinfo=UTC))
    tenant = factories.tenant()
    FAILURES_LEFT["doomed"] = 99
    enqueue("tests.see_tenant", tenant_id=tenant.id, label="doomed")
    db.session.commit()
    delays = []
    for _ in range(3):
        job = _jobs()[0]
        delays.append((job.run_after - datetime.now(UTC)).total_seconds())
        traveller.move_to(job.run_after)
        sweep()
    job = _jobs()[0]
    assert delays == [10, 20, 25]  # doubled, capped at backoff_max
    assert (job.status, job.attempts) == ("failed", 4)
    assert "smtp down" in job.last_error
    traveller.shift(timedelta(days=30))
    sweep()
    from app.jobs.sweep import prune

    prune()
    assert [j.status for j in _jobs()] == ["failed"]  # kept for an operator to see


def test_a_domain_error_fails_the_job_at_once(app):
    enqueue("tests.refuse")
    db.session.commit()
    [job] = _jobs()
    assert (job.status, job.attempts, job.last_error) == ("failed", 1, "ValidationError: nothing to do here")


def test_a_delivered_twice_job_runs_once(app):
    tenant = factories.tenant()
    job = enqueue("tests.see_tenant", tenant_id=tenant.id, label="once")
    db.session.commit()
    assert run_job(job.id).status == "skipped"
    assert len(SEEN) == 1


def test_a_job_whose_worker_died_is_retried_by_the_sweeper(app, clock):
    traveller = clock(datetime(2026, 12, 31, 23, 50, tzinfo=UTC))
    tenant = factories.tenant()
    job = Job(name="tests.see_tenant", kwargs={"tenant_id": tenant.id, "label": "lost"}, status="running",
              attempts=1, max_attempts=4, run_after=datetime.now(UTC), started_at=datetime.now(UTC))
    db.session.add(job)
    db.session.commit()
    sweep()
    assert SEEN == []  # still within its claim
    traveller.shift(STALE_AFTER + timedelta(seconds=1))
    sweep()  # lost claim: counted as a failed attempt, due again after the backoff
    job = _jobs()[0]
    assert (job.status, job.attempts) == ("retrying", 1)
    assert "stopped answering" in job.last_error
    traveller.move_to(job.run_after)
    sweep()
    assert (_jobs()[0].status, _jobs()[0].attempts) == ("done", 2)
    assert [seen["label"] for seen in SEEN] == ["lost"]


def test_arguments_must_be_json_and_the_task_must_exist(app):
    with pytest.raises(TypeError, match="JSON"):
        enqueue("tests.see_tenant", tenant_id=object())
    with pytest.raises(KeyError, match=r"no task 'tests\.nope'"):
        enqueue("tests.nope")
    db.session.commit()
    assert _jobs() == []


def test_a_job_carries_the_request_id_of_the_request_that_asked_for_it(app, caplog):
    tenant = factories.tenant()
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "req-abcdef12"
        enqueue("tests.see_tenant", tenant_id=tenant.id)
        db.session.commit()
    assert _jobs()[0].request_id == "req-abcdef12"


def test_the_schedule_holds_the_periodic_jobs(app):
    from app.jobs.celery_app import beat_schedule

    schedule = beat_schedule()
    for name in ("jobs.sweep", "tenants.purge_deleted", "tenants.expire_trials", "invitations.expire",
                 "usage.sync", "tenants.migrate_planes"):
        assert schedule[name]["task"] == name
    assert schedule["jobs.sweep"]["schedule"] == 15


def test_a_daily_task_is_a_crontab_at_its_utc_time(app):
    """The hook billing's daily tick uses: `@task("billing.tick", schedule=daily(hour=2))`."""
    from celery.schedules import crontab

    from app.jobs import daily
    from app.jobs.celery_app import beat_schedule
    from app.jobs.registry import TASKS

    task("tests.daily_tick", schedule=daily(hour=2, minute=30))(lambda: None)
    try:
        entry = beat_schedule()["tests.daily_tick"]
        assert entry["schedule"] == crontab(hour=2, minute=30)
    finally:
        TASKS.pop("tests.daily_tick")


def test_a_broker_that_is_down_at_commit_time_loses_nothing(app, clock):
    """The change commits and the request carries on; the job waits as a row for the sweeper."""
    import socket

    from app import jobs
    from app.jobs.runner import REDISPATCH_AFTER

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    traveller = clock(datetime(2026, 6, 30, 23, 59, tzinfo=UTC))
    app.config.update(JOBS_BACKEND="celery", CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port}/0",
                      JOBS_QUEUE="tenantry-nowhere")
    jobs.init_app(app)
    tenant = factories.tenant()
    enqueue("tests.see_tenant", tenant_id=tenant.id, label="waiting")
    db.session.commit()  # publishing fails: logged, not raised
    [job] = _jobs()
    assert (job.status, job.attempts) == ("pending", 0)
    assert SEEN == []

    # The broker is back (here: inline again); after REDISPATCH_AFTER the sweeper hands the job over.
    app.config.update(JOBS_BACKEND="inline", CELERY_BROKER_URL=None)
    jobs.init_app(app)
    sweep()
    assert _jobs()[0].status == "pending"  # its first message might still be in flight
    traveller.shift(REDISPATCH_AFTER + timedelta(seconds=1))
    sweep()
    assert (_jobs()[0].status, [s["label"] for s in SEEN]) == ("done", ["waiting"])
