"""`flask billing tick` and the scheduled `billing.tick` job run the same idempotent step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.billing import subscriptions
from app.billing.providers.manual import BANK_TRANSFER
from app.extensions import db
from app.jobs.registry import TASKS
from app.models import Invoice, Tenant
from tests import factories


def test_the_cli_tick_ends_a_trial_and_says_what_it_did(app, runner, clock):
    traveller = clock(datetime(2028, 2, 20, tzinfo=UTC))
    tenant = factories.tenant("cli-trial", plan="basic", status="trial")
    subscriptions.ensure_subscription(tenant).payment_method = BANK_TRANSFER
    db.session.commit()
    traveller.move_to(tenant.trial_ends_at + timedelta(seconds=1))
    result = runner.invoke(args=["billing", "tick"])
    assert result.exit_code == 0, result.output
    assert "cli-trial: trial -> active" in result.output and "1 invoice(s) issued" in result.output
    again = runner.invoke(args=["billing", "tick"])
    assert "cli-trial" not in again.output and "0 invoice(s) issued" in again.output
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).status == "active"
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1


def test_the_job_is_scheduled(app):
    assert "billing.tick" in TASKS and TASKS["billing.tick"].schedule is not None
