"""The admin tenant page's feature-flag overrides panel (issue 17): set on or off with an expiry and a
note, every bad field reported at once, clear; platform admins only, CSRF required."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.services import entitlements, feature_flags
from tests import factories as f
from tests.conftest import csrf_token

START = datetime(2028, 2, 29, 23, 30, tzinfo=UTC)  # a leap day, late: the expiry crosses into March


@pytest.fixture
def at_start(app, clock):
    """The clock stopped at START before the admin signs in (the session and its CSRF token date from it)."""
    return clock(START)


def _panel(html: str) -> str:
    return html.split('data-testid="flag-overrides"', 1)[1].split("</section>", 1)[0]


def test_admin_sets_an_override_until_an_instant_and_the_tenant_evaluates_it(at_start, admin_client, post):
    tenant = f.tenant("acme", name="Acme Corp")
    answer = post(f"/admin/tenants/{tenant.id}/flags", follow=True, **{
        "flag-key": "new_editor", "flag-enabled": "on", "flag-expires_at": "2028-03-01T09:00",
        "flag-note": "pilot until the workshop"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "new_editor is on for Acme Corp until 2028-03-01 09:00 UTC." in html
    panel = _panel(html)
    assert "<code>new_editor</code>" in panel and "pilot until the workshop" in panel and "expired" not in panel
    assert entitlements.evaluate(tenant)["flags"] == {"new_editor": True}
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.tenant_id == tenant.id,
                                                          AuditEvent.action == "feature_flag.set"))
    assert event.details["expires_at"] == "2028-03-01T09:00:00+00:00" and event.details["note"] == "pilot until the workshop"

    at_start.move_to(datetime(2028, 3, 1, 9, 0, tzinfo=UTC))  # the expiry instant: no longer in force, still listed
    assert entitlements.evaluate(tenant)["flags"] == {}
    assert "expired" in _panel(admin_client.get(f"/admin/tenants/{tenant.id}").get_data(as_text=True))


def test_a_bad_key_and_a_past_expiry_are_both_reported_and_nothing_is_saved(at_start, admin_client, post):
    tenant = f.tenant("acme")
    answer = post(f"/admin/tenants/{tenant.id}/flags", **{
        "flag-key": "New Editor!", "flag-enabled": "off", "flag-expires_at": "2028-02-29T23:00",
        "flag-note": "kept as typed"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "A flag key is lowercase letters, digits and underscores" in html
    assert "The expiry must be in the future." in html
    assert "kept as typed" in html and 'value="New Editor!"' in html
    assert feature_flags.list_overrides(tenant) == []


def test_admin_clears_an_override_and_the_plan_value_returns(post):
    tenant = f.tenant("acme", name="Acme Corp")
    feature_flags.set_override(tenant, "beta_search", False, f.SYSTEM)
    answer = post(f"/admin/tenants/{tenant.id}/flags/beta_search/clear", follow=True)
    assert "The override of beta_search is cleared" in answer.get_data(as_text=True)
    assert feature_flags.list_overrides(tenant) == [] and entitlements.evaluate(tenant)["flags"] == {}
    missing = post(f"/admin/tenants/{tenant.id}/flags/beta_search/clear")
    assert missing.status_code == 422 and "has no override of the flag" in missing.get_data(as_text=True)


def test_only_platform_admins_set_overrides_and_only_with_a_csrf_token(client, as_user, admin_client):
    owner = f.user("olive@acme.test")
    tenant = f.tenant("acme", owner=owner)
    # Without the token the admin's form is refused.
    refused = admin_client.post(f"/admin/tenants/{tenant.id}/flags", data={"flag-key": "new_editor", "flag-enabled": "on"})
    assert refused.status_code == 400 and feature_flags.list_overrides(tenant) == []
    # The tenant's own owner is not a platform admin.
    as_user(owner)
    token = csrf_token(client, f"/t/{tenant.slug}/")
    denied = client.post(f"/admin/tenants/{tenant.id}/flags",
                         data={"csrf_token": token, "flag-key": "new_editor", "flag-enabled": "on"})
    assert denied.status_code == 403 and feature_flags.list_overrides(tenant) == []
    assert client.post(f"/admin/tenants/{tenant.id}/flags/new_editor/clear", data={"csrf_token": token}).status_code == 403
