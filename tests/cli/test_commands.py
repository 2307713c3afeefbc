"""The operators' commands: create-admin, seed-demo, tenants list / purge-deleted, apikey create."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiKey, Tenant, TenantInvitation, User
from app.models.types import utcnow
from app.services import accounts
from tests import factories as f


def test_create_admin_with_password_option(runner):
    result = runner.invoke(args=["create-admin", "Root@Example.test", "--password", "a-strong-admin-pass"])
    assert result.exit_code == 0, result.output
    user = accounts.find_user("root@example.test")
    assert user.is_platform_admin and user.check_password("a-strong-admin-pass")


def test_create_admin_prompts_for_the_password(runner):
    result = runner.invoke(args=["create-admin", "prompted@example.test"],
                           input="typed-at-the-prompt-1\ntyped-at-the-prompt-1\n")
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("prompted@example.test", "typed-at-the-prompt-1") is not None


def test_create_admin_refuses_a_weak_password_without_a_traceback(runner):
    result = runner.invoke(args=["create-admin", "weak@example.test", "--password", "short"])
    assert result.exit_code == 1
    assert "Password must be at least 10 characters" in result.output and "Traceback" not in result.output
    assert accounts.find_user("weak@example.test") is None


def get_status(slug: str) -> str:
    return db.session.scalar(select(Tenant.status).where(Tenant.slug == slug))


def test_seed_demo_populates_every_plan_and_status_once(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output and "demo-password" in result.output
    plans = set(db.session.scalars(select(Tenant.plan_code).distinct()))
    statuses = set(db.session.scalars(select(Tenant.status).distinct()))
    assert plans == {"free", "basic", "pro", "enterprise"}
    assert statuses == {"trial", "active", "suspended", "expired", "deleted", "past_due", "read_only",
                        "pending_deletion"}
    # billing's walk put them there, from invoices unpaid for days
    assert get_status("sirius") == "suspended" and get_status("veridian") == "pending_deletion"
    assert db.session.scalar(select(func.count()).select_from(TenantInvitation)) >= 3
    assert accounts.authenticate("alice@acme.example", "demo-password") is not None
    # The knowledge base has real documents, and the storage meter counts exactly their bytes.
    from app.services import documents, search
    from app.services.tenants import get_tenant

    acme = get_tenant("acme")
    listed = documents.list_documents(acme)
    assert listed.total == 4 and acme.storage_used_bytes == sum(d.size_bytes for d in listed.items)
    assert search.search(acme, "onboarding", 5)[0].title == "Employee onboarding guide"
    tenants_before = db.session.scalar(select(func.count()).select_from(Tenant))

    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "already present" in again.output
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == tenants_before


def test_tenants_list_filters(runner):
    f.tenant("listed-pro", plan="pro")
    f.tenant("listed-free", plan="free")
    result = runner.invoke(args=["tenants", "list", "--plan", "pro"])
    assert result.exit_code == 0
    assert "listed-pro" in result.output and "listed-free" not in result.output


def test_tenants_purge_deleted_respects_the_grace_period(runner):
    old = f.tenant("long-gone", status="deleted")
    old.deleted_at = utcnow() - timedelta(days=40)
    f.tenant("just-gone", status="deleted")
    db.session.commit()
    result = runner.invoke(args=["tenants", "purge-deleted"])
    assert result.exit_code == 0, result.output
    assert "purged long-gone" in result.output and "just-gone" not in result.output
    db.session.expire_all()
    assert {t.slug for t in db.session.scalars(select(Tenant))} == {"just-gone"}


def test_apikey_create_platform_prints_the_secret_once_and_stores_a_hash(runner):
    result = runner.invoke(args=["apikey", "create", "--platform", "--name", "ci"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    key = db.session.scalar(select(ApiKey))
    assert secret.startswith("sk_") and key.tenant_id is None
    assert key.key_hash != secret and secret not in key.key_hash


def test_apikey_create_needs_exactly_one_target(runner):
    result = runner.invoke(args=["apikey", "create", "--name", "orphan"])
    assert result.exit_code == 2 and "exactly one" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_sessions_purge_expired_deletes_only_expired_sessions(app, runner, clock):
    from datetime import UTC, datetime

    from app.services import sessions

    traveller = clock(datetime(2026, 3, 15, 9, 0, tzinfo=UTC))
    user = f.user()
    sessions.start(user, method="password")
    sessions.start(user, method="password", persistent=True)
    db.session.commit()
    traveller.shift(timedelta(days=1))
    result = runner.invoke(args=["sessions", "purge-expired"])
    assert result.exit_code == 0 and "Purged 1 expired session(s)." in result.output
    assert len(sessions.list_sessions(user.id)) == 1
