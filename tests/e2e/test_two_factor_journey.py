"""Two-factor authentication in a real browser: enrol with a code pyotp computes from the key the
page shows, sign out, sign in with a code, then with a recovery code (which fails a second time),
and end another session from the account page (its next request lands on the sign-in page).

The clock is pinned and moved by whole 30-second steps (never slept on); no cookie of this test
has an expiry date, so the browser keeps them whatever the pinned date is."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.conftest import check_page

START = datetime(2026, 3, 15, 9, 0, 5, tzinfo=UTC)
STEP = timedelta(seconds=30)


def _password(page, email="olga@acme.test") -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _code(page, code: str) -> None:
    page.get_by_label("Authentication code").fill(code)
    page.get_by_role("button", name="Verify and sign in").click()


def _sign_out(page) -> None:
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("log-out").click()
    page.wait_for_url("**/login")


def test_enrol_sign_in_with_a_code_then_a_recovery_code_and_end_another_session(page, new_context, clock):
    traveller = clock(START)
    owner = f.user("olga@acme.test", name="Olga Owner")
    f.tenant("acme", owner=owner, name="Acme")

    # A second browser signed in first: the session to end from the account page later.
    laptop = new_context(viewport={"width": 1280, "height": 900}).new_page()
    _password(laptop)
    laptop.wait_for_url("**/t/acme/")

    # Enrol from the account page, reached from the user menu.
    _password(page)
    page.wait_for_url("**/t/acme/")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Your account").click()
    page.get_by_test_id("manage-two-factor").click()
    page.get_by_test_id("start-two-factor").click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    check_page(page, "two-factor-enrol")
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and turn on").click()
    # The list arrives with the next page: wait for it before reading it (reading at once can see none).
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    check_page(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="I have saved them").click()

    # Sign out, then in with the password and a fresh code.
    _sign_out(page)
    traveller.shift(STEP)
    _password(page)
    page.wait_for_url("**/login/two-factor")
    check_page(page, "two-factor-sign-in")
    _code(page, pyotp.TOTP(secret).now())
    page.wait_for_url("**/t/acme/")

    # Then with a recovery code, which works once.
    _sign_out(page)
    _password(page)
    _code(page, codes[0])
    page.wait_for_url("**/t/acme/")
    assert page.get_by_text("You signed in with a recovery code; 9 are left").is_visible()
    _sign_out(page)
    _password(page)
    _code(page, codes[0])
    # The refusal is a new page from the same URL: wait for its message (checking at once can still see the
    # page the code was typed into).
    expect(page.get_by_text("That code is not right")).to_be_visible()
    traveller.shift(STEP)
    _code(page, pyotp.TOTP(secret).now())
    page.wait_for_url("**/t/acme/")

    # End the laptop's session from the account page.
    page.goto("/account")
    rows = page.get_by_test_id("session-row")
    assert rows.count() == 2
    check_page(page, "account")
    other = rows.filter(has_not_text="This device")
    other.get_by_test_id("end-session").click()
    page.get_by_text("That session is signed out").wait_for()
    assert page.get_by_test_id("session-row").count() == 1

    laptop.goto("/t/acme/members")
    laptop.wait_for_url(re.compile(r"/login\?next=/t/acme/members$"))
    assert laptop.get_by_role("button", name="Sign in").is_visible()
