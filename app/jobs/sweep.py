"""The sweeper: hands over jobs that are due again (retries, lost messages, lost workers)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from app.extensions import db
from app.jobs.queue import hand_over
from app.jobs.registry import every, task
from app.models import Job, utcnow

# Done jobs are kept this long for the operations page, then deleted; failed ones stay until handled.
KEEP_FINISHED = timedelta(days=14)


@task("jobs.sweep", schedule=every(15), max_retries=0)
def sweep() -> None:
    from app.jobs.runner import due_jobs

    ids = due_jobs()
    if ids:
        names = dict(db.session.query(Job.id, Job.name).filter(Job.id.in_(ids)).all())
        hand_over([(job_id, names[job_id]) for job_id in ids])


@task("jobs.prune", schedule=every(timedelta(hours=6)), max_retries=0)
def prune() -> None:
    db.session.execute(delete(Job).where(Job.status == "done",
                                         Job.finished_at < utcnow() - KEEP_FINISHED))
    db.session.commit()
