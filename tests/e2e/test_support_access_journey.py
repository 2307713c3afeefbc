"""The issue's done-when, in Chromium: support asks, the owner approves in the browser, support uses
the access under the banner, it expires on the (pinned) clock, and the owner's audit log shows every
step. Each page state passes check_page (axe, no sideways scroll at 390 px).

The clock is pinned and moved (never slept on); the cookies have no expiry date, so the browser keeps
them whatever the pinned date is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.services import support_access
from tests import factories as f
from tests.e2e.conftest import check_page, sign_in

pytestmark = pytest.mark.e2e

START = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
REASON = "Ticket 5120: the invoice page is blank"


def test_owner_approves_in_the_browser_support_uses_it_and_it_expires(page, new_context, clock):
    traveller = clock(START)
    owner = f.user("olive@acme.test", name="Olive")
    acme = f.tenant("acme", owner=owner, plan="pro", status="active", name="Acme")
    admin = f.user("root@platform.test", name="Root", admin=True)

    # Support asks, from the admin tenant page.
    sign_in(page, "root@platform.test", lands="**/admin/")
    page.goto(f"/admin/tenants/{acme.id}")
    panel = page.get_by_test_id("support-access")
    panel.get_by_label("Reason (the owners read it)").fill(REASON)
    panel.get_by_label("For").select_option("60")
    panel.get_by_label("Level").select_option("full")
    panel.get_by_role("button", name="Request access").click()
    page.get_by_text("Access requested: the owners of Acme have been emailed.").wait_for()
    check_page(page, "support-admin-requested")

    # The owner sees the notice, reviews and approves.
    owner_page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(owner_page, "olive@acme.test", lands="**/t/acme/")
    notice = owner_page.get_by_test_id("support-notice")
    assert "1 request waiting" in notice.inner_text()
    notice.get_by_role("link", name="Review").click()
    owner_page.wait_for_url("**/t/acme/settings/support-access")
    request = owner_page.get_by_test_id("support-request")
    assert REASON in request.inner_text() and "root@platform.test" in request.inner_text()
    check_page(owner_page, "support-owner-pending")
    request.get_by_role("button", name="Approve").click()
    owner_page.get_by_text("Support access approved.").wait_for()
    assert owner_page.get_by_test_id("support-notice").count() == 0
    assert "root@platform.test" in owner_page.get_by_test_id("support-active").inner_text()
    check_page(owner_page, "support-owner-approved")

    # Support opens it: the banner names the owner, the reason, the level and the expiry.
    page.reload()
    page.get_by_role("button", name="Open with support access").click()
    page.wait_for_url("**/t/acme/")
    banner = page.locator(".impersonation-banner")
    assert "You are viewing as olive@acme.test" in banner.inner_text()
    assert REASON in banner.inner_text() and "Support access: Full access, until" in banner.inner_text()
    check_page(page, "support-admin-viewing")
    page.goto("/t/acme/members")
    assert "olive@acme.test" in page.locator("main").inner_text()

    # An hour later it has ended by itself.
    traveller.shift(timedelta(minutes=61))
    page.goto("/t/acme/members")
    page.wait_for_url(f"**/admin/tenants/{acme.id}")
    page.get_by_text("Support access ended: it expired.").wait_for()
    assert page.locator(".impersonation-banner").count() == 0

    # Every step is in the tenant's own audit log, for its owner to read.
    owner_page.goto("/t/acme/audit")
    log = owner_page.locator("main").inner_text()
    for step in ("Support access requested", "Support access approved", "Viewing as owner started",
                 "Support access expired", "Viewing as owner ended"):
        assert step in log, step
    check_page(owner_page, "support-owner-audit")

    # Break-glass elsewhere is flagged on the fleet overview.
    globex = f.tenant("globex", owner=f.user("gus@globex.test"), plan="pro", status="active", name="Globex")
    support_access.break_glass(globex, admin, reason="Outage: Globex cannot sign in")
    page.goto("/admin/")
    flag = page.get_by_test_id("break-glass-flag")
    assert "Globex" in flag.inner_text() and "Outage: Globex cannot sign in" in flag.inner_text()
    check_page(page, "support-admin-overview-break-glass")
