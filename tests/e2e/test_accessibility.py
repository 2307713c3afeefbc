"""Accessibility and phone fit of the page states the journeys do not reach: each role's pages,
the error pages, the public forms with their errors showing. Every visit goes through
`check_page` (axe-core: zero serious or critical findings; no sideways scrolling at 390 px).
Plus the focus ring on the brand-coloured top bar, which must stay visible on any brand colour."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.services import beta_features
from tests import factories as f
from tests.e2e.conftest import check_page, sign_in


def _luminance(rgb: tuple[int, int, int]) -> float:
    linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two computed `rgb(r, g, b)` colours."""
    def parse(css: str) -> tuple[int, int, int]:
        r, g, b = (int(float(x)) for x in css[css.index("(") + 1:css.index(")")].split(",")[:3])
        return r, g, b
    light, dark = sorted((_luminance(parse(a)), _luminance(parse(b))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_each_roles_pages_pass_axe_and_fit_a_phone(page, live_server):
    owner = f.user("owner@roles.test", name="Ola Owner")
    tenant = f.tenant("roles", owner=owner, name="Roles Inc")
    f.member(tenant, "admin", f.user("admin@roles.test", name="Ada Admin"))
    f.member(tenant, "viewer", f.user("viewer@roles.test", name="Vik Viewer"))
    f.invitation(tenant, "pending@roles.test")
    beta_features.allow(tenant, "new_editor", True, f.SYSTEM)

    sign_in(page, "viewer@roles.test", lands="**/t/**")
    for path, name in (("/t/roles/", "viewer-dashboard"), ("/t/roles/members", "viewer-members"),
                       ("/t/roles/plan", "viewer-plan"), ("/t/roles/knowledge", "viewer-knowledge"),
                       ("/t/roles/settings/beta-features", "viewer-beta-features")):
        page.goto(path)
        check_page(page, name)
    page.goto("/t/roles/settings")  # a page the viewer may not open
    check_page(page, "viewer-forbidden")
    page.goto("/t/no-such-org/")
    check_page(page, "not-found")

    page.context.clear_cookies()
    sign_in(page, "admin@roles.test", lands="**/t/**")
    for path, name in (("/t/roles/invitations", "admin-invitations"), ("/t/roles/keys", "admin-keys"),
                       ("/t/roles/audit", "admin-audit-log"),
                       ("/t/roles/settings/beta-features", "admin-beta-features")):
        page.goto(path)
        check_page(page, name)


def test_public_forms_with_errors_pass_axe(page, live_server):
    f.user("someone@public.test")
    page.goto("/login")
    page.get_by_label("Email").fill("someone@public.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".alert, .invalid-feedback").first.wait_for()
    check_page(page, "login-error")
    page.goto("/forgot-password")
    check_page(page, "forgot-password")
    # Sign-up with three bad fields: all three at once, a summary that takes the focus, values kept.
    page.goto("/signup")
    page.get_by_label("Your name").fill("Sam Signup")
    page.get_by_label("Work email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_label("Organisation name").fill("Acme Corp")
    page.get_by_label("Address").fill("Acme Corp!")
    page.get_by_role("button", name="Create organisation").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_focused()
    assert "3 fields need attention" in summary.inner_text()
    assert page.get_by_label("Address").input_value() == "Acme Corp!"
    assert page.get_by_label("Password").input_value() == ""
    check_page(page, "signup-errors")


@pytest.mark.parametrize("brand", ["#4f46e5", "#0f766e", "#fde047"])
def test_keyboard_focus_ring_is_visible_on_the_top_bar(page, live_server, brand):
    from app.extensions import db

    owner = f.user("owner@focus.test")
    tenant = f.tenant("focus", owner=owner, name="Focus Co")
    tenant.config.brand_color = brand
    db.session.commit()
    sign_in(page, "owner@focus.test", lands="**/t/**")
    switcher = page.get_by_test_id("tenant-switcher")
    for _ in range(8):  # Tab from the top of the page until the switcher has the keyboard focus
        page.keyboard.press("Tab")
        if switcher.evaluate("e => e === document.activeElement"):
            break
    assert switcher.evaluate("e => e.matches(':focus-visible')")
    ring = switcher.evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineColor]; }")
    bar = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert ring[0] == "solid"
    # WCAG 1.4.11: a focus indicator needs 3:1 against what surrounds it.
    assert _contrast(ring[1], bar) >= 3, (ring, bar)


def test_check_page_fails_on_a_serious_finding_and_on_sideways_scrolling(page):
    """The harness itself: a page with an unlabelled button and a too-wide box does not pass."""
    page.set_content('<html lang="en"><head><title>t</title></head><body><main>'
                     '<button><svg width="10" height="10"></svg></button>'
                     '<div style="width: 600px">wide</div></main></body></html>')
    with pytest.raises(AssertionError) as failure:
        check_page(page, "harness-self-test")
    assert "button-name" in str(failure.value)
    assert "scrolls sideways at 390 px" in str(failure.value)


def test_check_page_fails_on_a_table_clipped_inside_its_scrolling_box(page):
    """The page itself fits, but a wide table scrolls inside .table-responsive: its last column is cut off."""
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><div class="table-responsive" '
                     'style="overflow-x: auto; max-width: 100%"><table data-no-stack><tr><td>'
                     '<div style="width: 900px">wide</div></td></tr></table></div></main></body></html>')
    with pytest.raises(AssertionError) as failure:
        check_page(page, "harness-self-test-clipped")
    assert "a table scrolls inside its box" in str(failure.value)


def test_pages_in_dark_mode_follow_the_system_and_pass_axe(new_context, live_server):
    owner = f.user("owner@dark.test", name="Dana Dark")
    tenant = f.tenant("darkco", owner=owner, name="Dark Co", plan="pro", status="trial")
    f.member(tenant, "admin", f.user("admin@dark.test", name="Ada Admin"))
    f.invitation(tenant, "pending@dark.test")
    f.user("root@dark.test", admin=True)
    page = new_context(color_scheme="dark", viewport={"width": 1440, "height": 900}).new_page()
    sign_in(page, "owner@dark.test", lands="**/t/**")
    assert page.locator("html").get_attribute("data-bs-theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert _contrast(background, "rgb(0, 0, 0)") < 2, "the canvas is dark"
    for path, name in (("/t/darkco/", "dark-dashboard"), ("/t/darkco/members", "dark-members"),
                       ("/t/darkco/plan", "dark-plan"), ("/t/darkco/settings", "dark-settings"),
                       ("/t/darkco/audit", "dark-audit-log"), ("/t/darkco/knowledge", "dark-knowledge")):
        page.goto(path)
        check_page(page, name)
    page.context.clear_cookies()
    sign_in(page, "root@dark.test")
    page.wait_for_load_state("load")
    for path, name in (("/admin/", "dark-admin-overview"), ("/admin/tenants", "dark-admin-tenants")):
        page.goto(path)
        check_page(page, name)
