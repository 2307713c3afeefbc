"""Jobs cross processes: the web side publishes "run job N" on commit, a real Celery worker runs it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.jobs import enqueue
from app.models import Job, TenantInvitation
from tests import factories

pytestmark = pytest.mark.redis


def wait_for(condition, worker, timeout: float = 30.0):
    """Poll the database until `condition()` is truthy; fail with the worker's log after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        value = condition()
        if value:
            return value
        db.session.rollback()
        time.sleep(0.1)
    pytest.fail(f"condition not met within {timeout}s; worker log:\n{worker.log()[-4000:]}")


@pytest.fixture
def celery_app(app, celery_worker):
    """The test body's app instance, sending its jobs to the real worker."""
    from app import jobs

    app.config.update(celery_worker.app_config())
    jobs.init_app(app)
    yield app


def test_a_committed_job_is_run_by_the_worker_process(celery_app, celery_worker):
    tenant = factories.tenant()
    invitation, _token = factories.invitation(tenant)
    db.session.execute(update(TenantInvitation).where(TenantInvitation.id == invitation.id)
                       .values(expires_at=datetime(2020, 1, 1, tzinfo=UTC)))  # past on any clock, here and there
    job = enqueue("invitations.expire")
    db.session.commit()
    job_id = job.id

    done = wait_for(lambda: db.session.scalar(select(Job).where(Job.id == job_id, Job.status == "done")),
                    celery_worker)
    assert done.attempts == 1
    assert db.session.get(TenantInvitation, invitation.id).status == "expired"
    assert f"job {job_id} invitations.expire: done" in celery_worker.log()  # it ran there, not here


def test_a_rolled_back_job_never_reaches_the_worker(celery_app, celery_worker):
    enqueue("invitations.expire")
    db.session.rollback()
    marker = enqueue("usage.sync")
    db.session.commit()
    marker_id = marker.id
    wait_for(lambda: db.session.scalar(select(Job).where(Job.id == marker_id, Job.status == "done")), celery_worker)
    assert [job.name for job in db.session.scalars(select(Job))] == ["usage.sync"]
