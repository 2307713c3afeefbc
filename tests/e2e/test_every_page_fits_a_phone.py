"""Every page of the portal, found from the URL map (so a page added later is walked too), passes
`check_page` for the people who use it: no serious or critical axe finding, and at 390 px nothing
scrolls sideways, neither the page (scrollWidth <= innerWidth) nor a table inside its box."""

from __future__ import annotations

import re

from flask import current_app

from app.services import beta_features, quotas
from app.services.audit import Actor
from tests import factories as f
from tests.e2e.conftest import check_page, sign_in

# Not pages: downloads, styles, probes, protocol endpoints and HTMX fragments (their pages are walked).
NOT_PAGES = re.compile(r"\.(csv|css|pdf)$|/pdf$|^/(healthz|readyz|metrics)$|^/sso/|^/login/|/search$|/move$|"
                       r"^/(invitations|reset-password|verify-email)/")
# Signed-in owners see the tenant and account pages; the platform admin the console.
PUBLIC = ("/login", "/signup", "/forgot-password")
SIGNED_IN = re.compile(r".*/(t/|admin|organisations).*")


def _pages(values: dict[str, str]) -> list[str]:
    """Every GET page whose path parameters we can fill in, in URL order."""
    paths = []
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.rule.startswith(("/api", "/scim", "/static")):
            continue
        if not set(rule.arguments) <= set(values):
            continue
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", value, path)
        if not NOT_PAGES.search(path):
            paths.append(path)
    return paths


def _walk(page, paths: list[str], prefix: str) -> list[str]:
    failures = []
    for path in paths:
        response = page.goto(path)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        name = prefix + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home")
        try:
            check_page(page, name)
        except AssertionError as exc:
            failures.append(str(exc))
    return failures


def test_every_page_fits_a_phone_and_passes_axe(page, live_server, admin_user_for_walk):
    owner = f.user("owner@walk.test", name="Wanda Walker")
    tenant = f.tenant("walkco", owner=owner, name="Walk Company with a fairly long name", plan="basic")
    member = f.member(tenant, "admin", f.user("a.long.address.for.a.member@walk-subsidiary.test", name="Ad Min"))
    for n in range(2):
        f.invitation(tenant, f"invited-person-number-{n}@walk-subsidiary.test")
    f.api_key(tenant, name="deployment pipeline key")
    quotas.set_custom_limits(tenant, {"api_calls": 500}, Actor.system())
    beta_features.allow(tenant, "new_editor", True, Actor.system())  # a switch row, not only the empty state
    values = {"tenant_slug": "walkco", "tenant_id": tenant.id, "user_id": str(member.id)}
    paths = _pages(values)
    assert "/t/walkco/members" in paths and "/admin/tenants" in paths

    failures = []
    for path in PUBLIC:
        page.goto(path)
        try:
            check_page(page, "walk-public-" + path.strip("/"))
        except AssertionError as exc:
            failures.append(str(exc))
    sign_in(page, "owner@walk.test", lands=SIGNED_IN)
    failures += _walk(page, [p for p in paths if not p.startswith("/admin") and p not in PUBLIC], "walk-owner-")
    page.context.clear_cookies()
    sign_in(page, admin_user_for_walk.email, lands=SIGNED_IN)
    failures += _walk(page, [p for p in paths if p.startswith("/admin")], "walk-admin-")
    assert not failures, "\n\n".join(failures)
