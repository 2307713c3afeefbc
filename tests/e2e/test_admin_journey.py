"""A platform admin in a real browser: filter the fleet to suspended Pro tenants, open one,
reactivate it, view the portal as its owner (banner), return, and find both actions in the
audit log. Screenshots of the overview, the tenant table and a tenant's page."""

from __future__ import annotations

import random
from datetime import timedelta

from app.extensions import db
from app.models import GIB, Tenant
from app.models.types import utcnow
from app.services import feature_flags, usage
from tests import factories as f
from tests.e2e.conftest import check_page, sign_in

COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella Health", "Hooli", "Vandelay Industries", "Stark Logistics",
             "Wayne Analytics", "Soylent Foods", "Cyberdyne Robotics", "Tyrell Bio", "Wonka Sweets", "Pied Piper",
             "Massive Dynamic", "Oscorp Labs", "Aperture Science", "Black Mesa", "Monarch Solutions", "Gringotts",
             "Dunder Mifflin", "Prestige Worldwide", "Bluth Company", "Sterling Cooper", "Los Pollos Hermanos"]


def _seed_fleet() -> Tenant:
    """Two dozen tenants spread over twelve weeks, with members, usage and storage; returns the one to fix."""
    rng = random.Random(11)
    now = utcnow()
    plans = ["free", "basic", "pro", "pro", "basic", "enterprise"]
    statuses = ["active", "active", "active", "trial", "suspended", "active"]
    target = None
    for i, name in enumerate(COMPANIES):
        slug = name.lower().replace(" ", "-")
        plan = plans[i % len(plans)]
        status = statuses[i % len(statuses)]
        if name in ("Initech", "Black Mesa", "Tyrell Bio"):
            plan, status = "pro", "suspended"
        tenant = f.tenant(slug, name=name, plan=plan, status=status,
                          owner=f.user(f"owner@{slug}.test", name=f"{name.split()[0]} Owner"))
        for _ in range(rng.randint(0, 4 if plan == "free" else 9)):
            f.member(tenant, rng.choice(["admin", "member", "viewer"]))
        row = db.session.get(Tenant, tenant.id)
        row.created_at = now - timedelta(days=rng.randint(0, 83))
        row.storage_used_bytes = int(rng.uniform(0.05, 0.95 if i % 5 else 1.1) * (GIB if plan == "free" else 10 * GIB))
        db.session.commit()
        calls = {now.date() - timedelta(days=d): rng.randint(5, 60) for d in range(min(now.day, 10))}
        usage.load_daily_calls(tenant.id, calls)
        if name == "Initech":
            target = tenant
    assert target is not None
    return target



def test_admin_reactivates_a_suspended_pro_tenant_and_views_it_as_its_owner(page, live_server):
    f.user("admin@platform.test", name="Platform Admin", admin=True)
    initech = _seed_fleet()
    # An override on the tenant page, so its panel's list is in the page the checks look at.
    feature_flags.set_override(initech, "new_editor", True, f.SYSTEM, note="pilot customer")
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    sign_in(page, "admin@platform.test")
    page.wait_for_url("**/admin/")
    assert page.get_by_text("Fleet overview").is_visible()
    check_page(page, "admin-overview")

    page.get_by_role("link", name="Tenants", exact=True).click()
    page.wait_for_url("**/admin/tenants")
    check_page(page, "admin-tenants")
    page.get_by_label("Status").select_option("suspended")
    page.wait_for_url("**/admin/tenants?*status=suspended*")
    page.get_by_label("Plan").select_option("pro")
    page.wait_for_url("**/admin/tenants?*plan=pro*")
    rows = page.locator("#tenant-table tbody tr")
    rows.first.wait_for()
    assert "status=suspended" in page.url and "plan=pro" in page.url  # hx-push-url: the view is bookmarkable
    statuses = page.locator("#tenant-table tbody tr .status-badge").all_inner_texts()
    assert len(statuses) == 3 and set(statuses) == {"Suspended"}
    assert set(page.locator("#tenant-table tbody tr .plan-badge").all_inner_texts()) == {"Professional"}
    check_page(page, "admin-tenants-suspended-pro")

    # The bookmarked URL renders the same filtered table from scratch.
    bookmarked = page.url
    page.goto(bookmarked)
    assert page.locator("#tenant-table tbody tr").count() == len(statuses)

    page.get_by_role("link", name="Initech").click()
    page.wait_for_url(f"**/admin/tenants/{initech.id}")
    page.get_by_role("button", name="Reactivate").click()
    page.get_by_role("dialog").get_by_role("button", name="Reactivate Initech").click()
    page.get_by_text("Initech is active again.").wait_for()
    check_page(page, "admin-tenant-detail")

    page.get_by_label("Why view as owner@initech.test?").fill("Ticket 1234: reactivation check")
    page.get_by_role("button", name="View as owner").click()
    page.wait_for_url(f"**/t/{initech.slug}/")
    banner = page.locator(".impersonation-banner")
    assert "You are viewing as owner@initech.test" in banner.inner_text()
    check_page(page, "admin-impersonating")

    banner.get_by_role("button", name="Return to admin").click()
    page.wait_for_url(f"**/admin/tenants/{initech.id}")
    assert page.locator(".impersonation-banner").count() == 0

    page.get_by_role("link", name="Audit log", exact=True).click()
    page.wait_for_url("**/admin/audit")
    page.get_by_label("Tenant", exact=True).fill(initech.slug)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(f"**/admin/audit?*tenant={initech.slug}*")
    log = page.locator("#audit-table").inner_text()
    assert "tenant.reactivated" in log and "impersonation.started" in log and "impersonation.ended" in log
    assert "admin@platform.test" in log
    check_page(page, "admin-audit")

    page.get_by_role("link", name="Users", exact=True).click()
    # Type only once the page has loaded: htmx binds the search box's input trigger at load, and a
    # value typed before that sends no search (the table never narrowed that way on a loaded CI run).
    page.wait_for_url("**/admin/users")
    page.get_by_label("Search all tenants").fill("owner@initech")
    page.locator('#user-table tr[data-user="owner@initech.test"]').wait_for()
    assert "Initech" in page.locator("#user-table").inner_text()
    page.get_by_label("Search all tenants").fill("")
    page.locator("#user-table tbody tr").nth(20).wait_for()
    check_page(page, "admin-users")
    assert violations == []
