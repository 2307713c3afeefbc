"""`flask jobs ...`: the background jobs from the command line (cron instead of beat, a look at failures)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import Job, Tenant
from tests import factories as f


def test_tasks_lists_every_task_and_its_schedule(runner):
    result = runner.invoke(args=["jobs", "tasks"])
    assert result.exit_code == 0, result.output
    assert "emails.send" in result.output and "tenants.purge_deleted" in result.output
    assert "schedule=Every(seconds=15.0)" in result.output  # jobs.sweep


def test_run_runs_a_periodic_task_now(runner, clock):
    clock(datetime(2026, 3, 15, 12, 0, tzinfo=UTC))
    tenant = f.tenant(status="trial")
    tenant.trial_ends_at = datetime(2026, 3, 1, tzinfo=UTC)
    db.session.commit()
    result = runner.invoke(args=["jobs", "run", "tenants.expire_trials"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).status == "expired"


def test_run_names_the_tasks_when_one_is_unknown(runner):
    result = runner.invoke(args=["jobs", "run", "nope.nothing"])
    assert result.exit_code != 0
    assert "no task 'nope.nothing'" in result.output and "emails.send" in result.output


def test_list_shows_failed_jobs_with_their_error(runner):
    db.session.add(Job(name="emails.send", kwargs={"email_id": 1}, status="failed", attempts=9, max_attempts=9,
                       last_error="ConnectionRefusedError: [Errno 111] Connection refused"))
    db.session.add(Job(name="usage.sync", kwargs={}, status="done", attempts=1, max_attempts=1))
    db.session.commit()
    result = runner.invoke(args=["jobs", "list", "--status", "failed"])
    assert result.exit_code == 0, result.output
    assert "failed" in result.output and "9/9 emails.send" in result.output and "Connection refused" in result.output
    assert "usage.sync" not in result.output


def test_run_due_hands_over_due_jobs(runner):
    result = runner.invoke(args=["jobs", "run-due"])
    assert (result.exit_code, result.output.strip()) == (0, "Due jobs handed over.")
