"""The rest of the portal in a real browser: settings recolour the header, an API key's secret is
shown once and copied, the audit log pages with HTMX, and the public pages render without CSP
violations. Screenshots for a look at each."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.conftest import check_page, sign_in


def _watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


def test_settings_brand_colour_recolours_the_header(page, live_server):
    owner = f.user("owner@brand.test", name="Bree Brand")
    f.tenant("brandco", owner=owner, name="BrandCo")
    violations = _watch_csp(page)
    sign_in(page, "owner@brand.test")
    page.goto("/t/brandco/settings")
    page.get_by_label("Brand colour", exact=True).fill("#0f766e")
    # The time-zone list is searchable: one match left is chosen.
    page.get_by_label("Search time zones").fill("berlin")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("Europe/Berlin")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Settings saved.").wait_for()
    # The message is in the DOM before the brand stylesheet has loaded: wait for the colour, do not sample it.
    expect(page.locator("header")).to_have_css("background-color", "rgb(15, 118, 110)")
    # The danger zone's button waits for the slug to be typed.
    delete = page.get_by_role("button", name="Delete organisation")
    assert delete.is_disabled()
    page.get_by_label("Type the slug to confirm").fill("brandco")
    assert delete.is_enabled()
    check_page(page, "settings")
    assert violations == []


def test_changing_the_address_asks_first_and_the_old_one_leads_to_the_new(page, live_server):
    owner = f.user("owner@moving.test", name="Mo Moving")
    f.tenant("movingco", owner=owner, name="MovingCo")
    sign_in(page, "owner@moving.test")
    page.goto("/t/movingco/settings")
    page.wait_for_load_state("load")
    page.get_by_label("Slug", exact=True).fill("moved-co")
    page.get_by_role("button", name="Save changes").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Change the address of MovingCo?")
    check_page(page, "settings-confirm-address")
    dialog.get_by_role("button", name="Change the address").click()
    page.wait_for_url("**/t/moved-co/settings")
    expect(page.get_by_text("the old one leads here for 30 days")).to_be_visible()
    page.goto("/t/movingco/members")
    page.wait_for_url("**/t/moved-co/members")


def test_api_key_secret_is_shown_once_with_a_copy_button(browser, live_server):
    owner = f.user("owner@keys.test")
    f.tenant("keyco", owner=owner, name="KeyCo")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        sign_in(page, "owner@keys.test")
        page.goto("/t/keyco/keys")
        page.get_by_label("Name").fill("CI pipeline")
        page.get_by_role("button", name="Create key").click()
        secret = page.locator("#new-key-secret").inner_text()
        assert secret.startswith("sk_")
        page.get_by_role("button", name="Copy").click()
        page.get_by_role("button", name="Copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        check_page(page, "keys")
        page.reload()
        assert secret not in page.content()
    finally:
        context.close()


def test_audit_log_pages_in_place(page, live_server):
    from app.services.audit import Actor, record_now

    owner = f.user("owner@audit.test")
    tenant = f.tenant("auditco", owner=owner, name="AuditCo")
    for i in range(30):
        record_now("document.created", Actor(label="bot@audit.test"), tenant_id=tenant.id,
                   target_type="document", target_id=i, details={"title": f"Doc {i}"})
    sign_in(page, "owner@audit.test")
    page.goto("/t/auditco/audit")
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("link", name="Next").click()
    page.get_by_text("Page 2 of 2").wait_for()
    assert page.evaluate("window.__sameDocument === true")
    assert "page=2" in page.url
    page.get_by_label("Action").select_option("tenant.created")
    page.get_by_test_id("event-count").filter(has_text="1 event").wait_for()
    check_page(page, "audit")


def test_public_pages_render_cleanly(page, live_server):
    tenant = f.tenant("joinco", name="JoinCo")
    _, token = f.invitation(tenant, "newbie@join.test")
    violations = _watch_csp(page)
    for path, name in (("/login", "login"), ("/signup", "signup"), (f"/invitations/{token}", "accept-invitation"),
                       ("/invitations/not-a-real-token", "invitation-invalid")):
        page.goto(path)
        check_page(page, name)
    assert violations == []


def test_removing_a_member_asks_first_then_drops_the_row_in_place(page, live_server):
    owner = f.user("owner@team.test", name="Tess Team")
    tenant = f.tenant("teamco", owner=owner, name="TeamCo")
    f.member(tenant, "member", f.user("leaver@team.test", name="Lee Leaver"))
    violations = _watch_csp(page)
    sign_in(page, "owner@team.test")
    page.goto("/t/teamco/members")
    page.evaluate("window.__sameDocument = true")
    row = page.get_by_test_id("member-row").filter(has_text="leaver@team.test")
    row.get_by_role("link", name="Remove Lee Leaver").click()
    dialog = page.get_by_role("dialog")
    assert "Remove Lee Leaver from TeamCo?" in dialog.inner_text()
    check_page(page, "members-confirm-remove")
    dialog.get_by_role("button", name="Cancel").click()
    assert row.is_visible()

    row.get_by_role("link", name="Remove Lee Leaver").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove Lee Leaver").click()
    row.wait_for(state="detached")
    page.get_by_text("1 of 5 seats in use").wait_for()
    assert page.evaluate("window.__sameDocument === true")
    assert violations == []
