"""Actions with big consequences take a deliberate step, in a real browser: the styled dialog names
the action and its object, Cancel (not the destructive button) has the focus, Esc cancels;
granting platform admin is typed out; deleting a tenant waits for its slug; viewing as an owner
asks why (and the banner shows it); a role is chosen, then saved, and Owner is confirmed."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.conftest import check_page, sign_in


def _sign_in(page, email: str) -> None:
    sign_in(page, email)
    page.wait_for_load_state()


def test_member_role_is_chosen_then_saved_and_owner_is_confirmed(page, live_server):
    owner = f.user("owner@roles.test", name="Olga Owner")
    tenant = f.tenant("roleco", owner=owner, name="RoleCo")
    f.member(tenant, "member", f.user("carol@roles.test", name="Carol Clark"))
    _sign_in(page, "owner@roles.test")
    page.goto("/t/roleco/members")
    row = page.get_by_test_id("member-row").filter(has_text="carol@roles.test")
    select = row.get_by_test_id("role-select")

    # A stray arrow key on the focused menu changes nothing until Save.
    select.focus()
    page.keyboard.press("ArrowDown")
    page.reload()
    assert page.get_by_test_id("member-row").filter(has_text="carol@roles.test") \
        .get_by_test_id("role-select").input_value() == "member"

    # Owner: the dialog asks; Cancel has the focus; Esc cancels and nothing changed.
    select.select_option("owner")
    row.get_by_role("button", name="Save the role of Carol Clark").click()
    dialog = page.get_by_role("dialog")
    assert "Make Carol Clark an owner of RoleCo?" in dialog.inner_text()
    expect(page.get_by_role("dialog").get_by_role("button", name="Cancel")).to_be_focused()
    check_page(page, "members-confirm-owner")
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    page.reload()
    assert page.get_by_test_id("member-row").filter(has_text="carol@roles.test") \
        .get_by_test_id("role-select").input_value() == "member"

    row = page.get_by_test_id("member-row").filter(has_text="carol@roles.test")
    row.get_by_test_id("role-select").select_option("owner")
    row.get_by_role("button", name="Save the role of Carol Clark").click()
    page.get_by_role("dialog").get_by_role("button", name="Make Carol Clark an owner").click()
    page.get_by_test_id("member-row").filter(has_text="carol@roles.test").get_by_text("Saved").wait_for()
    page.reload()
    assert page.get_by_test_id("member-row").filter(has_text="carol@roles.test") \
        .get_by_test_id("role-select").input_value() == "owner"


def test_platform_admin_confirms_types_and_gives_reasons(page, live_server):
    f.user("root@platform.test", name="Root Admin", admin=True)
    f.user("helper@people.test", name="Hal Helper")
    owner = f.user("owner@doomed.test", name="Dora Doomed")
    doomed = f.tenant("doomed", owner=owner, name="Doomed Inc")
    _sign_in(page, "root@platform.test")

    # Disable: the dialog names the person; Esc cancels.
    page.goto("/admin/users?q=helper")
    page.get_by_role("button", name="Disable helper@people.test").click()
    dialog = page.get_by_role("dialog")
    assert "Disable helper@people.test?" in dialog.inner_text()
    expect(page.get_by_role("dialog").get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert page.get_by_text("Disabled", exact=True).count() == 0

    # Make admin: typed out. The button waits for the exact email.
    page.get_by_role("button", name="Make admin helper@people.test").click()
    dialog = page.get_by_role("dialog")
    grant = dialog.get_by_role("button", name="Make platform admin")
    assert grant.is_disabled()
    dialog.get_by_label("Type helper@people.test to confirm").fill("helper@people")
    assert grant.is_disabled()
    check_page(page, "admin-users-confirm-grant")
    dialog.get_by_label("Type helper@people.test to confirm").fill("helper@people.test")
    grant.click()
    page.get_by_text("helper@people.test is now a platform admin.").wait_for()

    # Deleting a tenant waits for its slug.
    page.goto(f"/admin/tenants/{doomed.id}")
    delete = page.get_by_role("button", name="Delete Doomed Inc")
    assert delete.is_disabled()
    page.get_by_label("Type the slug to confirm").fill("doomed")
    assert delete.is_enabled()

    # View as owner asks why; without a reason it says so, with one the banner shows it.
    page.get_by_role("button", name="View as owner").click()
    page.get_by_text("Say why you are viewing this tenant as its owner").wait_for()
    check_page(page, "admin-impersonate-reason-missing")
    page.get_by_label("Why view as owner@doomed.test?").fill("Ticket 4711: cannot invite")
    page.get_by_role("button", name="View as owner").click()
    page.wait_for_url("**/t/doomed/")
    assert "Reason: Ticket 4711: cannot invite" in page.get_by_test_id("impersonation-reason").inner_text()
    check_page(page, "impersonating-with-reason")
    page.get_by_role("button", name="Return to admin").click()
    page.wait_for_url(f"**/admin/tenants/{doomed.id}")

    # Suspend: the dialog names the tenant.
    page.get_by_label("Reason (shown to the tenant's users)").fill("Unpaid invoices")
    page.get_by_role("button", name="Suspend").click()
    assert "Suspend Doomed Inc?" in page.get_by_role("dialog").inner_text()
    page.get_by_role("dialog").get_by_role("button", name="Suspend Doomed Inc").click()
    page.get_by_text("Doomed Inc is suspended.").wait_for()
