"""Issue 9's pages in a real browser: the "verify your email" banner of an unverified account, and
an owner taking over a colleague's API key. Both pass check_page (axe, no sideways scroll at 390 px)."""

from __future__ import annotations

from app.services import api_keys
from app.services.audit import Actor
from app.services.authority import Authority
from tests import factories as f
from tests.e2e.conftest import check_page, sign_in


def test_an_unverified_account_is_asked_to_verify_and_can_have_the_link_resent(page, live_server, mailbox):
    owner = f.user("new.owner.with.a.long.address@unverified-company.test", name="Nell New", verified=False)
    f.tenant("unverified", owner=owner, name="Unverified Co")
    sign_in(page, owner.email)
    page.wait_for_url("**/t/unverified/")
    banner = page.get_by_test_id("verify-email")
    assert banner.is_visible() and "Verify your email" in banner.inner_text()
    check_page(page, "verify-email-banner")
    banner.get_by_role("button", name="Send the link again").click()
    page.get_by_text("A new link is on its way").wait_for()
    assert mailbox.wait_for(owner.email)["Subject"] == "Confirm your email address"


def test_an_owner_takes_over_a_colleagues_key(page, live_server):
    owner = f.user("owner@keys.test", name="Olive Owner")
    tenant = f.tenant("keysco", owner=owner, name="KeysCo")
    admin = f.member(tenant, "admin", f.user("admin@keys.test", name="Adam Admin"))
    api_keys.create_key(tenant, "nightly export", "viewer", Authority.member(Actor.for_user(admin), tenant, "admin"))
    sign_in(page, "owner@keys.test")
    page.goto("/t/keysco/keys")
    page.get_by_text("Works while admin@keys.test is a member").wait_for()
    check_page(page, "keys-take-over")
    page.get_by_role("button", name="Take over nightly export").click()
    page.get_by_text("Works while owner@keys.test is a member").wait_for()
    assert page.get_by_role("button", name="Take over nightly export").count() == 0
