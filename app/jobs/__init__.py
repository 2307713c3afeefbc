"""Background jobs, the fourth face beside web/, api/ and cli/ (docs/jobs.md).

A service asks for work with one call, inside its unit of work::

    from app.jobs import enqueue
    enqueue("emails.send", email_id=email.id)

The job is handed over only when that unit of work commits. Handlers are thin adapters,
registered in `app/jobs/<feature>.py` with `@task("feature.action", max_retries=...)`; they load
what they need and call one service function, and must be safe to run twice. With a broker
configured (`CELERY_BROKER_URL`, else `REDIS_URL`) Celery workers run them; without one (the
`make run` default, and the tests) they run inline, in-process, right after the commit, with
the same record and retry rules.
"""

from __future__ import annotations

from flask import Flask

from app.jobs.queue import enqueue
from app.jobs.registry import daily, every, task

__all__ = ["daily", "enqueue", "every", "init_app", "task"]

# The modules that hold tasks; importing one registers its tasks.
TASK_MODULES = ("app.jobs.billing", "app.jobs.emails", "app.jobs.exports", "app.jobs.lifecycle", "app.jobs.placement",
                "app.jobs.support_access", "app.jobs.sweep", "app.jobs.usage", "app.jobs.webhooks")


def init_app(app: Flask) -> None:
    """Register the tasks and choose the backend (`JOBS_BACKEND`: inline or celery)."""
    import importlib

    from app.jobs import queue

    for module in TASK_MODULES:
        importlib.import_module(module)
    queue.listen()
    backend = app.config.get("JOBS_BACKEND") or "inline"
    if backend == "celery":
        if not app.config.get("CELERY_BROKER_URL"):
            raise RuntimeError("JOBS_BACKEND=celery needs CELERY_BROKER_URL or REDIS_URL (see .env.example).")
        from app.jobs.celery_app import celery_init_app, publish

        celery_init_app(app)
        app.extensions["jobs.backend"] = publish
    elif backend == "inline":
        app.extensions["jobs.backend"] = queue.run_inline
    else:
        raise RuntimeError(f"JOBS_BACKEND must be 'inline' or 'celery', not {backend!r}.")
