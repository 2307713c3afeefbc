"""Billing in a real browser: the owner upgrades after reading the preview, opens the prorated invoice
and downloads its PDF; later, unpaid and read-only, the owner sees the banner on every page and an
invitation is refused with a page that links to Billing."""

from __future__ import annotations

from app.billing import subscriptions
from app.extensions import db
from app.models import Subscription, Tenant
from app.models.types import utcnow
from tests import factories as f
from tests.e2e.conftest import check_page, sign_in


def test_owner_upgrades_with_the_preview_downloads_the_invoice_and_meets_read_only(page, live_server):
    owner = f.user("owner@billco.test", name="Bea Owner")
    tenant = f.tenant("billco", plan="basic", owner=owner, name="Billco")
    tenant_id = tenant.id
    subscriptions.ensure_subscription(tenant)
    db.session.remove()
    sign_in(page, "owner@billco.test", lands="**/t/**")

    page.goto("/t/billco/plan")
    page.get_by_role("link", name="Upgrade to Professional").click()
    preview = page.get_by_test_id("plan-preview").inner_text()
    assert "$299.00 a month" in preview and "Charged today" in preview
    charged = page.get_by_test_id("preview-today").inner_text()
    check_page(page, "billing-plan-preview")
    page.get_by_role("button", name="Confirm: move to Professional").click()
    page.get_by_text("Upgraded to Professional").wait_for()
    assert charged in page.locator(".alert").first.inner_text()

    page.goto("/t/billco/billing")
    check_page(page, "billing-page")
    page.locator("tr[data-invoice] a").first.click()
    page.get_by_test_id("invoice-total").wait_for()
    assert page.get_by_test_id("invoice-total").inner_text() == charged
    check_page(page, "billing-invoice")
    with page.expect_download() as download:
        page.get_by_test_id("invoice-pdf").click()
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(path, "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    # Unpaid past day 14: read-only.
    db.session.get(Tenant, tenant_id).status = "read_only"
    sub = db.session.query(Subscription).filter_by(tenant_id=tenant_id).one()
    sub.past_due_since = utcnow()
    db.session.commit()
    page.goto("/t/billco/invitations")
    banner = page.get_by_test_id("billing-banner")
    assert "read-only because its invoices are unpaid" in banner.inner_text()
    check_page(page, "billing-read-only-banner")
    page.get_by_label("Email address").fill("newbie@billco.test")
    page.get_by_role("button", name="Send invitation").click()  # htmx: refused, the page reloads and says why
    page.get_by_text("The owner can pay on the Billing page to restore it.").wait_for()
    assert "newbie@billco.test" not in page.locator("#invitations").inner_text()
    check_page(page, "billing-read-only-refusal")
    page.get_by_test_id("billing-banner").get_by_role("link", name="Go to Billing").click()
    page.wait_for_url("**/t/billco/billing")
