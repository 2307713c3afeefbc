"""Running one job: claim its row, call the handler, record the outcome (done, retry later, failed)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g
from sqlalchemy import and_, or_, select, update

from app.extensions import db
from app.jobs.registry import TASKS, get_task
from app.models import Job, utcnow

log = logging.getLogger(__name__)

# A claimed job whose worker has said nothing for this long is taken to be lost (the worker died).
STALE_AFTER = timedelta(minutes=15)
# Web and worker clocks differ a little: a retry this close to due is not turned away.
CLOCK_SKEW = timedelta(seconds=5)
# A message for a due job that has not run after this long is taken to be lost and sent again.
REDISPATCH_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Outcome:
    """What one run did: `done`, `retrying` (again after `retry_in` seconds), `failed`, or `skipped`."""

    status: str
    retry_in: float | None = None


def _error_text(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def run_job(job_id: int) -> Outcome:
    """Run job `job_id` once in the current app context, if it is due and nobody else runs it.

    The claim is one conditional UPDATE, so of two deliveries of the same message exactly one
    runs the handler. The handler's own units of work commit as usual; what it leaves pending is
    committed together with the "done" mark.
    """
    session = db.session
    now = utcnow()
    claimed = session.execute(
        update(Job)
        # A new job is due at once, whatever the enqueuing machine's clock said; a retry after its time.
        .where(Job.id == job_id, or_(Job.status == "pending",
                                     and_(Job.status == "retrying", Job.run_after <= now + CLOCK_SKEW)))
        .values(status="running", attempts=Job.attempts + 1, started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if claimed != 1:
        return Outcome("skipped")
    job = session.get(Job, job_id)
    name, kwargs, attempt = job.name, dict(job.kwargs or {}), job.attempts
    g.request_id = job.request_id or f"job-{job_id}"
    g.job_id = job_id
    try:
        spec = get_task(name)
        log.info("job %s %s: attempt %d started", job_id, name, attempt)
        spec.func(**kwargs)
    except Exception as exc:  # any failure of the handler is recorded on the job, never lost
        session.rollback()
        return _record_failure(job_id, name, attempt, exc)
    job = session.get(Job, job_id)
    job.status, job.finished_at, job.last_error = "done", utcnow(), None
    session.commit()
    log.info("job %s %s: done", job_id, name)
    return Outcome("done")


def _record_failure(job_id: int, name: str, attempt: int, exc: BaseException) -> Outcome:
    spec = TASKS.get(name)
    job = db.session.get(Job, job_id)
    job.last_error = _error_text(exc)
    permanent = spec is None or isinstance(exc, spec.give_up_on)
    if permanent or attempt >= job.max_attempts:
        job.status, job.finished_at = "failed", utcnow()
        db.session.commit()
        log.error("job %s %s: failed for good after %d attempt(s): %s", job_id, name, attempt, job.last_error,
                  exc_info=exc)
        return Outcome("failed")
    delay = spec.delay_before(attempt)
    job.status, job.run_after = "retrying", utcnow() + timedelta(seconds=delay)
    db.session.commit()
    log.warning("job %s %s: attempt %d failed (%s); next try in %.0f s", job_id, name, attempt, job.last_error, delay)
    return Outcome("retrying", retry_in=delay)


def due_jobs(now: datetime | None = None, limit: int = 100) -> list[int]:
    """Jobs that should be handed to a worker now; marks them dispatched.

    Due means: pending or retrying, `run_after` passed, and no message for this try can still be
    in flight (none sent since the try became due, or the last one is older than REDISPATCH_AFTER).
    Claims that went stale (a worker died mid-run) count as a failed attempt first.
    """
    now = now or utcnow()
    session = db.session
    for job in session.scalars(select(Job).where(Job.status == "running", Job.started_at < now - STALE_AFTER)):
        job.last_error = "the worker running this job stopped answering (lost claim)"
        if job.attempts >= job.max_attempts:
            job.status, job.finished_at = "failed", now
        else:
            spec = TASKS.get(job.name)
            job.status = "retrying"
            job.run_after = now + timedelta(seconds=spec.delay_before(job.attempts) if spec else 0)
    session.flush()
    ids = list(session.scalars(
        select(Job.id)
        .where(Job.status.in_(("pending", "retrying")), Job.run_after <= now,
               or_(Job.dispatched_at.is_(None), Job.dispatched_at < Job.run_after,
                   Job.dispatched_at < now - REDISPATCH_AFTER))
        .order_by(Job.run_after, Job.id).limit(limit)
    ))
    if ids:
        session.execute(update(Job).where(Job.id.in_(ids)).values(dispatched_at=now)
                        .execution_options(synchronize_session=False))
    session.commit()
    return ids
