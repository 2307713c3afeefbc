"""`flask seed-demo`: a populated portal for a new user (tenants on every plan and status, billing's too)."""

from __future__ import annotations

import random
from datetime import timedelta

import click
from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from app.extensions import db
from app.models import Tenant, User
from app.models.types import utcnow
from app.services import accounts, documents, invitations, members, placements, plans, tenants, usage
from app.services.audit import Actor
from app.services.authority import Authority

DEMO_PASSWORD = "demo-password"
ADMIN_EMAIL = "admin@example.com"
OWNER_EMAIL = "alice@acme.example"

# slug, name, plan, status, owner, extra members (email, role), pending invitations, API calls a day
DEMO_TENANTS = [
    ("acme", "Acme Corporation", "pro", "active", OWNER_EMAIL,
     [("bob@acme.example", "admin"), ("carol@acme.example", "member"), ("dave@acme.example", "viewer"),
      ("erin@acme.example", "member")], ["frank@acme.example", "grace@partner.example"], 1200),
    ("globex", "Globex Labs", "basic", "trial", OWNER_EMAIL,
     [("hank@globex.example", "admin"), ("bob@acme.example", "member")], ["ivy@globex.example"], 210),
    ("initech", "Initech", "free", "active", "peter@initech.example",
     [("milton@initech.example", "member"), ("samir@initech.example", "member"),
      ("michael@initech.example", "viewer")], ["joanna@initech.example"], 31),
    ("umbrella", "Umbrella Health", "enterprise", "active", "albert@umbrella.example",
     [("jill@umbrella.example", "admin"), ("chris@umbrella.example", "member")], [], 9000),
    ("hooli", "Hooli", "pro", "suspended", "gavin@hooli.example",
     [("denpok@hooli.example", "admin")], [], 800),
    ("soylent", "Soylent Foods", "basic", "expired", "sol@soylent.example", [], [], 40),
    ("vandelay", "Vandelay Industries", "free", "deleted", "art@vandelay.example", [], [], 5),
    ("piedpiper", "Pied Piper", "pro", "trial", "richard@piedpiper.example",
     [("dinesh@piedpiper.example", "member"), ("gilfoyle@piedpiper.example", "admin")], [], 1500),
    # The billing walk (docs/billing.md): an invoice unpaid for 5, 20, 40 and 70 days.
    ("bluesun", "Blue Sun Corporation", "basic", "past_due", "owner@bluesun.example", [], [], 60),
    ("weyland", "Weyland Industries", "pro", "read_only", "owner@weyland.example",
     [("ripley@weyland.example", "member")], [], 400),
    ("sirius", "Sirius Cybernetics", "basic", "unpaid_suspended", "owner@sirius.example", [], [], 20),
    ("veridian", "Veridian Dynamics", "basic", "pending_deletion", "owner@veridian.example", [], [], 10),
]
# Days an invoice has been unpaid (after its due date) for each demo billing state.
UNPAID_DAYS = {"past_due": 5, "read_only": 20, "unpaid_suspended": 40, "pending_deletion": 70}
FILLER_NAMES = ["Stark Logistics", "Wayne Analytics", "Cyberdyne Cloud", "Tyrell Bio", "Wonka Retail",
                "Nakatomi Trading", "Oscorp Energy", "Massive Dynamic", "Aperture Research", "Black Mesa Labs",
                "Gringotts Finance", "Monarch Solutions", "Duff Beverages", "Sterling Cooper", "Prestige Worldwide",
                "Dunder Mifflin", "Los Pollos Hermanos", "Bluth Company"]
# A few real documents, so the knowledge base, its search and the storage meters have content.
DEMO_DOCUMENTS = {
    "acme": [
        ("Employee onboarding guide", "onboarding, hr",
         "Welcome to Acme. In your first week you will set up your laptop, meet your team and read the "
         "security policy. Ask your manager for access to the staging environment; production access "
         "needs a second approval. Payroll runs on the 25th of each month."),
        ("API integration handbook", "engineering, api",
         "Every integration uses its own API key with the least role it needs. Keys are shown once: store "
         "them in the vault. Test against the staging tenant before you call production. Rate limits: the "
         "monthly API quota of the plan applies to every call; watch the X-Quota-Remaining header."),
        ("Security policy", "security",
         "Passwords are at least twelve characters. Report a lost laptop within one hour. Customer data "
         "never leaves the EU region. Penetration tests run twice a year; findings are fixed within 30 days."),
        ("Release checklist", "engineering",
         "Before a release: run the full test suite, review the migration plan, update the changelog, "
         "announce the maintenance window and check the rollback steps."),
    ],
    "globex": [
        ("Lab safety rules", "safety",
         "Goggles on at all times. Sign every sample in and out. The fire exits must stay clear."),
    ],
    "umbrella": [
        ("Clinical data handling", "compliance",
         "Patient data is pseudonymised before analysis. Access is logged and reviewed every month."),
    ],
    "initech": [
        ("TPS report template", "reports",
         "Every TPS report carries the new cover sheet. Send a test copy to your manager before filing."),
    ],
}


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when tenants already exist.")
def seed_demo(if_empty: bool) -> None:
    """Create demo tenants, users, invitations and usage, and print the demo logins."""
    plans.ensure_plans_seeded()
    present = (if_empty and db.session.scalar(select(func.count()).select_from(Tenant))) or \
        db.session.scalar(select(func.count()).select_from(Tenant).where(Tenant.slug == "acme"))
    if present:
        # A run cut short before (or a portal from before placements were checked) may have left
        # schema or database tenants without their plane: build them now rather than serve 503s.
        repaired = placements.repair_unready(limit=10_000, now=utcnow() + placements.CREATION_GRACE)
        click.echo("Demo data already present." + (f" Built the missing tenant plane of {len(repaired)} "
                                                  "tenant(s)." if repaired else ""))
        _print_logins()
        return
    actor = Authority.cli()
    rng = random.Random(42)
    _user(ADMIN_EMAIL, "Platform Admin", admin=True)
    now = utcnow()
    for slug, name, plan, status, owner_email, extra, pending, daily in DEMO_TENANTS:
        _make_tenant(slug, name, plan, status, owner_email, extra, pending, daily, actor, rng, now)
    for i, name in enumerate(FILLER_NAMES):
        plan = ["free", "basic", "pro", "free", "basic", "enterprise"][i % 6]
        status = ["active", "active", "trial", "active", "suspended", "expired"][i % 6] if plan != "enterprise" \
            else "active"
        slug = tenants.suggest_slug(name)
        owner_email = f"owner@{slug}.example"
        extra = [(f"user{j}@{slug}.example", rng.choice(["admin", "member", "viewer"])) for j in range(rng.randint(0, 3))]
        _make_tenant(slug, name, plan, status, owner_email, extra, [], rng.randint(5, 300),
                     actor, rng, now - timedelta(days=7 * (i + 1)))
    click.echo(gettext("Seeded %(value)s demo tenants.", value=len(DEMO_TENANTS) + len(FILLER_NAMES)))
    _print_logins()


def _print_logins() -> None:
    click.echo("")
    click.echo(gettext("Demo logins (password for all: %(demo_password)s)", demo_password=DEMO_PASSWORD))
    click.echo(gettext("  platform admin : %(admin_email)s", admin_email=ADMIN_EMAIL))
    click.echo(gettext("  tenant owner   : %(owner_email)s   (owner of Acme Corporation and Globex Labs)", owner_email=OWNER_EMAIL))
    click.echo(gettext("  tenant admin   : bob@acme.example"))
    click.echo("  viewer         : dave@acme.example")


def _user(email: str, name: str, admin: bool = False) -> User:
    user = accounts.find_user(email)
    if user is None:
        user = accounts.build_user(email, None, name, is_platform_admin=admin, email_verified=True)
        # Every demo account has the same published password: hashing it once (scrypt, salted)
        # instead of 60 times is most of the seed's time, and reveals nothing more.
        user.password_hash = _demo_password_hash()
        db.session.commit()
    return user


def _demo_password_hash() -> str:
    cached = current_app.extensions.get("demo.password_hash")
    if cached is None:
        probe = User()
        probe.set_password(DEMO_PASSWORD)
        cached = current_app.extensions["demo.password_hash"] = probe.password_hash
    return cached


def _make_tenant(slug, name, plan, status, owner_email, extra, pending, daily, actor, rng, created):
    owner = _user(owner_email, owner_email.split("@")[0].title())
    # create_tenant, not build_tenant: it also builds a schema or database tenant's own plane,
    # which the documents below are written to (ISOLATION_STRATEGY=database or schema).
    tenant = tenants.create_tenant(name, slug, owner.email, plan, actor,
                                   status="trial" if status == "trial" else "active")
    tenant.created_at = created
    db.session.commit()
    for email, role in extra:
        members.add_member(tenant, _user(email, email.split("@")[0].title()), role, actor)
    for email in pending:
        invitations.invite(tenant, email, "member", actor)
    if status == "trial":
        tenant.trial_ends_at = utcnow() + timedelta(days=5)
    db.session.commit()
    today = utcnow().date()
    calls = {today - timedelta(days=d): max(0, int(daily * rng.uniform(0.4, 1.3))) for d in range(45)}
    usage.load_daily_calls(tenant.id, calls)
    owner_actor = Actor.for_user(owner)
    for title, tags, text in DEMO_DOCUMENTS.get(slug, []):
        documents.create_document(tenant, owner_actor, documents.Upload(title=title, content=text, tags=tags))
    if status == "suspended":
        tenants.suspend(tenant, "Payment failed: the card on file was declined.", actor)
    elif status == "expired":
        tenants.set_status(tenant, "expired", actor)
    elif status == "deleted":
        tenants.soft_delete(tenant, actor)
    elif status in UNPAID_DAYS:
        _leave_unpaid(tenant, UNPAID_DAYS[status], actor)


def _leave_unpaid(tenant: Tenant, days: int, actor) -> None:
    """Start the subscription so its first invoice fell due `days` ago unpaid, then let billing's own
    step walk the tenant to where that leaves it (past_due, read_only, suspended, pending_deletion)."""
    from app.billing import lifecycle, subscriptions

    now = utcnow()
    due_days = int(current_app.config.get("BILLING_INVOICE_DUE_DAYS", 14))
    subscriptions.ensure_subscription(tenant, now - timedelta(days=days + due_days))
    lifecycle.step_tenant(tenant.id, now, actor, lifecycle.Schedule.from_config(), lifecycle.TickReport())
