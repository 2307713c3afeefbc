"""Celery, the way Flask documents it (`celery_init_app`): every task runs in an app context.

Each registered task becomes a Celery task of the same name. A message carries only a job id
(`run job N`: the row holds the arguments and the attempt count); beat's periodic messages carry
none and call the handler directly, since a periodic sweep simply runs again at its next tick.
Retries are not Celery's: a failed attempt sets the row's `run_after` and the `jobs.sweep` task
(every 15 s) hands it over again, so a retry survives a worker restart and is visible in the row.
"""

from __future__ import annotations

import logging

from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import worker_process_init
from flask import Flask, g

from app.jobs.registry import TASKS, Daily, Every, TaskSpec

log = logging.getLogger(__name__)


def celery_init_app(app: Flask) -> Celery:
    """Build the Celery app for `app`, register every task and the beat schedule."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        task_default_queue=app.config["JOBS_QUEUE"],
        task_ignore_result=True,
        # A message is acknowledged after the task ran: a worker killed mid-task leaves it to another.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        # A web request publishing to a broker that is down gives up quickly; the row waits for the sweeper.
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        broker_transport_options={"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5},
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(),
    )
    for spec in TASKS.values():
        celery_app.task(name=spec.name, bind=False, ignore_result=True)(_celery_handler(spec))

    def fresh_connections(**_kwargs: object) -> None:
        # A prefork child must not share the parent's pooled database connections.
        from app.extensions import db

        with app.app_context():
            db.engine.dispose(close=False)

    worker_process_init.connect(fresh_connections, weak=False)
    app.extensions["celery"] = celery_app
    return celery_app


def _celery_handler(spec: TaskSpec):
    def handle(job_id: int | None = None, **kwargs: object) -> str:
        from app.jobs.runner import run_job

        if job_id is None:  # a periodic run from beat
            g.request_id = f"beat-{spec.name}"
            spec.func(**kwargs)
            return "done"
        return run_job(int(job_id)).status

    handle.__name__ = handle.__qualname__ = spec.name.replace(".", "_")
    return handle


def beat_schedule() -> dict:
    """Celery beat's schedule from the tasks declared with `schedule=`."""
    schedule = {}
    for spec in TASKS.values():
        if isinstance(spec.schedule, Every):
            schedule[spec.name] = {"task": spec.name, "schedule": spec.schedule.seconds}
        elif isinstance(spec.schedule, Daily):
            schedule[spec.name] = {"task": spec.name,
                                   "schedule": crontab(hour=spec.schedule.hour, minute=spec.schedule.minute)}
    return schedule


def publish(app: Flask, job_id: int, name: str) -> None:
    """The celery backend: send "run job N" under the job's task name."""
    app.extensions["celery"].send_task(name, kwargs={"job_id": job_id}, queue=app.config["JOBS_QUEUE"])
