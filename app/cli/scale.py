"""`flask seed-scale`: a synthetic fleet (10,000 tenants / 100,000 users by default) to measure pages at scale.

Rows go in with Core bulk inserts (a minute, not an hour): tenants on every status and the three
priced plans, each with an owner and members, this month's API usage for a third of them, and a
pending invitation for every tenth. Names and emails are made up (`scale-…`, `…@scale.test`); the
accounts have no password, so nobody can sign in with them. It adds to what is there, so it can run
twice (the benchmarks grow a fleet from 10 to 10,000 tenants that way).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import click
from flask_babel import gettext
from sqlalchemy import func, insert, select, text

from app.extensions import db
from app.models import ApiUsageDaily, Tenant, TenantConfig, TenantInvitation, TenantUser, User
from app.models.types import utcnow
from app.services.plans import ensure_plans_seeded

STATUSES = ("active", "trial", "suspended", "active", "expired", "active")
PLANS = ("free", "basic", "pro")
BATCH = 5_000


def seed_scale(tenants: int, users: int, now: datetime | None = None) -> tuple[int, int]:
    """Add `tenants` tenants and `users` users (spread evenly over them as members); returns the numbers
    of tenants and users in the database afterwards."""
    if tenants < 1 or users < tenants:
        raise ValueError("need at least one tenant and at least one user per tenant")
    now = now or utcnow()
    ensure_plans_seeded()
    # Ids and names carry on after whatever the database holds, so a second run adds, never collides.
    first_user = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    first_tenant = db.session.scalar(select(func.count()).select_from(Tenant).where(Tenant.slug.like("scale-%"))) or 0
    per_tenant = users // tenants
    tenant_rows, config_rows, user_rows, member_rows, usage_rows, invitation_rows = [], [], [], [], [], []
    for i in range(tenants):
        number = first_tenant + i
        tenant_id = f"tnt_s{number:015d}"
        owner_id = first_user + i * per_tenant
        status = STATUSES[number % len(STATUSES)]
        calls = (number * 37) % 5_000 if number % 3 == 0 else 0
        tenant_rows.append({
            "id": tenant_id, "name": f"Scale Tenant {number}", "slug": f"scale-{number}", "status": status,
            "plan_code": PLANS[number % len(PLANS)], "owner_id": owner_id,
            "created_at": now - timedelta(minutes=number), "isolation_strategy": "row",
            "storage_used_bytes": (number * 7919) % 2**30,
            "trial_ends_at": now + timedelta(days=number % 14) if status == "trial" else None,
            "suspended_reason": "Payment failed." if status == "suspended" else None,
            # The usage row below, and its counter (member_count is the triggers' to keep).
            "api_calls_month": calls, "api_calls_month_start": now.date().replace(day=1) if calls else None})
        config_rows.append({"tenant_id": tenant_id, "timezone": "UTC", "locale": "en", "brand_color": "#4f46e5",
                            "feature_flags": {}})
        members = per_tenant if i < tenants - 1 else users - per_tenant * (tenants - 1)
        for j in range(members):
            user_id = owner_id + j
            user_rows.append({"id": user_id, "email": f"u{user_id}@scale.test", "name": f"Scale User {user_id}",
                              "is_platform_admin": False, "is_disabled": False, "created_at": now,
                              "session_version": 1})
            member_rows.append({"tenant_id": tenant_id, "user_id": user_id, "role": "owner" if j == 0 else "member",
                                "status": "active", "joined_at": now})
        if calls:
            usage_rows.append({"tenant_id": tenant_id, "day": now.date(), "calls": calls, "month_to_date": calls})
        if number % 10 == 0:
            invitation_rows.append({
                "tenant_id": tenant_id, "email": f"invitee{number}@scale.test", "role": "member",
                "token_hash": secrets.token_hex(32), "status": "pending", "expires_at": now + timedelta(days=7),
                "invited_by_id": owner_id, "created_at": now, "last_sent_at": now, "send_count": 1})
    for model, rows in ((User, user_rows), (Tenant, tenant_rows), (TenantConfig, config_rows),
                        (TenantUser, member_rows), (ApiUsageDaily, usage_rows), (TenantInvitation, invitation_rows)):
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(model), rows[start:start + BATCH])
    if db.session.get_bind().dialect.name == "postgresql":
        # The ids were given explicitly: move the sequence past them, or the next sign-up collides.
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"))
    db.session.commit()
    return (db.session.scalar(select(func.count()).select_from(Tenant)) or 0,
            db.session.scalar(select(func.count()).select_from(User)) or 0)


@click.command("seed-scale")
@click.option("--tenants", default=10_000, show_default=True, help="Tenants to add.")
@click.option("--users", default=100_000, show_default=True, help="Users to add, spread over the new tenants.")
def seed_scale_command(tenants: int, users: int) -> None:
    """Add a synthetic fleet for measuring pages at scale (never on a production database)."""
    if users < tenants or tenants < 1:
        raise click.BadParameter(gettext("give at least one tenant and at least as many users as tenants"),
                                 param_hint="--users")
    total_tenants, total_users = seed_scale(tenants, users)
    click.echo(gettext("Added %(tenants)s tenants and %(users)s users; the database now holds %(total_tenants)s tenants and %(total_users)s users.", tenants=format(tenants, ','), users=format(users, ','), total_tenants=format(total_tenants, ','), total_users=format(total_users, ',')))
