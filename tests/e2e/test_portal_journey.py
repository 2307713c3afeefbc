"""The owner's journey in a real browser: sign up, invite a colleague by real email, the colleague
joins from a second browser, a role changes in place, the Free plan's seats run out, an upgrade
to Basic lifts the limit. Screenshots of the main pages at desktop and phone widths."""

from __future__ import annotations

import random
from datetime import timedelta

from playwright.sync_api import expect

from app.extensions import db
from app.models.types import utcnow
from app.services import tenants, usage
from tests.e2e.conftest import check_page, sign_in
from tests.mailbox import first_link

PASSWORD = "a-long-enough-secret"


def _sign_up(page, mailbox) -> None:
    """Sign up, confirm the address from the emailed link, sign in: the owner lands in the new tenant."""
    page.goto("/signup")
    page.get_by_label("Your name").fill("Olivia Owner")
    page.get_by_label("Work email").fill("olivia@northwind.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Organisation name").fill("Northwind Traders")
    page.get_by_label("Address").fill("northwind")
    page.get_by_role("button", name="Create organisation").click()
    page.get_by_text("We sent a message to olivia@northwind.test").wait_for()
    check_page(page, "signup-sent")
    page.goto(first_link(mailbox.wait_for("olivia@northwind.test"), "/verify-email/"))
    page.get_by_text("olivia@northwind.test is confirmed").wait_for()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/t/northwind/")


def _invite(page, email: str, role: str = "Member") -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Role").select_option(label=role)
    page.get_by_role("button", name="Send invitation").click()


def _seed_usage(slug: str) -> None:
    """Thirty days of API traffic, so the chart in the screenshot has a shape."""
    tenant = tenants.get_tenant(slug)
    today = utcnow().date()
    rng = random.Random(7)
    calls = {today - timedelta(days=i): max(0, int(18 + 12 * rng.random() - (i % 7 in (5, 6)) * 12))
             for i in range(30) if (today - timedelta(days=i)).month == today.month}
    usage.load_daily_calls(tenant.id, calls)
    db.session.remove()


def test_owner_signs_up_invites_a_colleague_and_upgrades(page, new_context, live_server, mailbox):
    csp_violations: list[str] = []
    page.on("console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None)

    _sign_up(page, mailbox)
    assert page.get_by_test_id("verify-email").count() == 0
    _seed_usage("northwind")
    page.reload()
    assert page.locator("svg.usage-chart rect.bar").count() == 30
    check_page(page, "dashboard")

    # Invite a colleague; the email arrives at the real SMTP server.
    page.get_by_role("link", name="Invitations").first.click()
    _invite(page, "colin@northwind.test")
    page.get_by_text("Invitation sent to colin@northwind.test").wait_for()
    assert page.get_by_test_id("invitation-row").filter(has_text="colin@northwind.test").is_visible()
    link = first_link(mailbox.wait_for("colin@northwind.test"), "/invitations/")
    assert link.startswith(live_server.url)

    # The colleague opens the link in a browser of their own and creates an account.
    colleague = new_context().new_page()
    colleague.goto(link)
    colleague.get_by_label("Your name").fill("Colin Colleague")
    colleague.get_by_label("Choose a password").fill(PASSWORD)
    colleague.get_by_role("button", name="Create account and join").click()
    colleague.wait_for_url("**/t/northwind/")
    assert colleague.get_by_text("Welcome to Northwind Traders! You joined as Member.").is_visible()

    # The owner sees them among the members and makes them a viewer without a page reload.
    page.get_by_role("link", name="Members").first.click()
    row = page.get_by_test_id("member-row").filter(has_text="colin@northwind.test")
    expect(row).to_be_visible()  # waits for the Members page (a loaded CI run checked before it arrived)
    page.evaluate("window.__sameDocument = true")
    row.get_by_test_id("role-select").select_option("viewer")
    row.get_by_role("button", name="Save the role of Colin Colleague").click()
    row.get_by_text("Saved").wait_for()
    assert page.evaluate("window.__sameDocument === true")
    page.reload()
    assert page.get_by_test_id("member-row").filter(has_text="colin@northwind.test") \
        .get_by_test_id("role-select").input_value() == "viewer"
    check_page(page, "members")

    # Free allows 5 users: 2 members + 3 pending invitations fill it; the next one is refused.
    page.get_by_role("link", name="Invitations").first.click()
    for n in range(3):
        _invite(page, f"new{n}@northwind.test")
        page.get_by_text(f"Invitation sent to new{n}@northwind.test").wait_for()
    # The form already warns that every seat is taken; trying anyway gets the service's reason.
    assert "Every seat of the Free plan is taken" in page.get_by_test_id("quota-message").inner_text()
    _invite(page, "one-too-many@northwind.test")
    message = page.get_by_test_id("quota-message")
    message.get_by_text("The Free plan allows 5 users").wait_for()
    check_page(page, "invitations-quota")
    message.get_by_role("link", name="See plans with more seats").click()

    # The plan picker: upgrade to Basic, and the users meter has room again.
    page.wait_for_url("**/t/northwind/plan")
    users_meter = page.locator("#meter-users")
    assert "5 / 5" in users_meter.inner_text()
    assert users_meter.get_attribute("data-state") == "danger"
    check_page(page, "plan-picker")
    # Upgrading shows the preview first (price, every limit), then confirms.
    page.get_by_role("link", name="Upgrade to Basic").click()
    assert "$99.00 a month" in page.get_by_test_id("plan-preview").inner_text()
    check_page(page, "plan-preview")
    page.get_by_role("button", name="Confirm: move to Basic").click()
    page.get_by_text("Upgraded to Basic").wait_for()
    assert "5 / 20" in page.locator("#meter-users").inner_text()
    assert page.locator(".plan-card.current").get_attribute("data-plan") == "basic"
    assert csp_violations == []


def test_pages_fit_a_phone(new_context, live_server):
    from tests import factories as f

    owner = f.user("owner@phone.test", name="Pat Phone")
    tenant = f.tenant("phoneco", owner=owner, name="PhoneCo")
    f.member(tenant, "admin")
    f.invitation(tenant)
    context = new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, "owner@phone.test", lands="**/t/phoneco/")
    for path, name in (("/t/phoneco/", "phone-dashboard"), ("/t/phoneco/members", "phone-members"),
                       ("/t/phoneco/plan", "phone-plan-picker")):
        page.goto(path)
        check_page(page, name)  # includes: nothing wider than the screen, no sideways scrolling
