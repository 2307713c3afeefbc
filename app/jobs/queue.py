"""`enqueue()`: ask for a job in the current unit of work; it is handed over once that commits.

The job row is added to the request's session, so it exists exactly when the change does. After
the outermost transaction commits (and its connection is released), each new job is handed to
the configured backend: `inline` runs it at once in a fresh app context of this process;
`celery` publishes "run job N" to the broker. A rolled-back change takes its jobs with it.
"""

from __future__ import annotations

import json
import logging

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs.registry import get_task
from app.models import Job, utcnow

log = logging.getLogger(__name__)

_PENDING = "jobs.pending"      # Job objects added in the open transaction
_COMMITTED = "jobs.committed"  # ids whose transaction committed, handed over when it has ended


def enqueue(name: str, /, **kwargs) -> Job:
    """Ask for job `name` with these keyword arguments (JSON values), after the current commit.

    Call it inside the unit of work that makes the change the job is about. Returns the job row
    (its id is set once the session flushes).
    """
    spec = get_task(name)
    try:
        json.dumps(kwargs)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"job {name!r}: arguments must be JSON values ({exc})") from None
    now = utcnow()
    request_id = g.get("request_id") if has_request_context() or has_app_context() else None
    job = Job(name=name, kwargs=kwargs, status="pending", attempts=0, max_attempts=spec.max_attempts,
              run_after=now, created_at=now, dispatched_at=now, request_id=request_id)
    session = db.session()
    session.add(job)
    session.info.setdefault(_PENDING, []).append(job)
    return job


def dispatch_after_commit(job: Job) -> None:
    """Hand an existing job (a retry asked for by an admin) over once the current transaction commits."""
    db.session().info.setdefault(_PENDING, []).append(job)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: its jobs wait for the outermost commit
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        # Objects of a rolled-back savepoint are no longer persistent: their jobs never existed.
        handed = [(state.identity[0], state.dict["name"]) for state in map(inspect, pending) if state.persistent]
        session.info.setdefault(_COMMITTED, []).extend(handed)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)  # not committed: gone with the transaction
    committed = session.info.pop(_COMMITTED, None)
    if committed and has_app_context():
        hand_over(committed)


def hand_over(jobs: list[tuple[int, str]]) -> None:
    """Give committed jobs (id, name) to the configured backend; one it cannot take waits for the sweeper."""
    app = current_app._get_current_object()
    backend = app.extensions["jobs.backend"]
    for job_id, name in jobs:
        try:
            backend(app, job_id, name)
        except Exception:  # the broker is down, say: the row waits, the sweeper hands it over later
            log.exception("could not hand job %s to the %s backend; the sweeper will retry",
                          job_id, app.config["JOBS_BACKEND"])


def run_inline(app, job_id: int, name: str) -> None:
    """The inline backend: run the job now, in an app context (and database session) of its own."""
    from app.jobs.runner import run_job

    with app.app_context():
        run_job(job_id)


_listening = False


def listen() -> None:
    """Install the commit hooks on Flask-SQLAlchemy's session class (once per process)."""
    global _listening
    if not _listening:
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_transaction_end", _after_transaction_end)
        _listening = True
