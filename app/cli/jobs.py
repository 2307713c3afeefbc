"""`flask jobs ...`: background jobs from the command line."""

from __future__ import annotations

import click
from flask_babel import gettext

from app.extensions import db
from app.jobs.registry import TASKS, get_task
from app.models import JOB_STATUSES, Job


@click.group("jobs")
def jobs_group() -> None:
    """List, run and retry background jobs."""


@jobs_group.command("list")
@click.option("--status", type=click.Choice(JOB_STATUSES), help="Only jobs with this status.")
@click.option("--limit", type=int, default=50, show_default=True)
def list_jobs(status: str | None, limit: int) -> None:
    """The newest jobs: id, status, attempts, name, last error."""
    query = db.session.query(Job).order_by(Job.id.desc())
    if status:
        query = query.filter(Job.status == status)
    for job in query.limit(limit):
        error = f"  {job.last_error.splitlines()[0][:80]}" if job.last_error else ""
        click.echo(f"{job.id:>8} {job.status:<9} {job.attempts}/{job.max_attempts} {job.name}{error}")


@jobs_group.command("tasks")
def list_tasks() -> None:
    """Every registered task and its schedule."""
    for name in sorted(TASKS):
        spec = TASKS[name]
        click.echo(f"{name:<28} retries={spec.max_retries:<3} schedule={spec.schedule or '-'}")


@jobs_group.command("run")
@click.argument("name")
def run_task(name: str) -> None:
    """Run task NAME now, in this process (a periodic task without beat, e.g. from cron)."""
    try:
        spec = get_task(name)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0]))
    spec.func()
    db.session.commit()
    click.echo(f"{name}: done")


@jobs_group.command("run-due")
def run_due() -> None:
    """Hand over every job that is due (retries, lost messages): run it from cron without beat."""
    from app.jobs.sweep import sweep

    sweep()
    click.echo(gettext("Due jobs handed over."))
