"""The served portal loads in a real browser with its vendored assets and no CSP violations."""

from __future__ import annotations

from tests import factories as f
from tests.e2e.conftest import check_page


def test_owner_signs_in_and_sees_their_dashboard(page, live_server):
    owner = f.user("owner@smoke.test")
    tenant = f.tenant("smoke", owner=owner, name="Smoke Test Inc")
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    page.goto("/login")
    page.get_by_label("Email").fill("owner@smoke.test")
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"**/t/{tenant.slug}/")
    assert "Smoke Test Inc" in page.content()
    # Bootstrap's stylesheet arrived from our own origin: the top bar is styled.
    assert page.evaluate("getComputedStyle(document.querySelector('header')).display") == "flex"
    assert page.evaluate("typeof htmx") == "object"
    assert violations == []
    check_page(page, "smoke-dashboard")
