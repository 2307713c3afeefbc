"""The admin tenant page's "Beta features" panel: every beta of the catalogue, allowed or withdrawn
with a CSRF form, and what the tenant then sees; only platform admins reach it."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import beta_features, entitlements
from app.services.authority import Authority
from tests import factories as f
from tests.conftest import csrf_token, login


@pytest.fixture
def admin_client(client):
    login(client, f.user("root@platform.test", admin=True, name="Root Admin"), mfa=True)
    return client


def _post(client, path: str, **data):
    response = client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **data})
    db.session.expire_all()
    return response


def test_the_tenant_page_lists_every_beta_and_allows_one(admin_client):
    acme = f.tenant("acme", name="Acme")
    html = admin_client.get(f"/admin/tenants/{acme.id}").get_data(as_text=True)
    assert 'data-testid="admin-beta-features"' in html and html.count('data-testid="admin-beta-row"') == 2
    answer = _post(admin_client, f"/admin/tenants/{acme.id}/beta-features/new_editor", allowed="1")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#beta-features-panel")
    assert [s.key for s in beta_features.tenant_view(acme)] == ["new_editor"]
    page = admin_client.get(f"/admin/tenants/{acme.id}").get_data(as_text=True)
    assert "New document editor is allowed for Acme" in page and "Withdraw" in page


def test_withdrawing_switches_the_beta_off_for_the_tenant(admin_client):
    acme = f.tenant("acme")
    beta_features.allow(acme, "usage_insights", True, f.SYSTEM)
    owner = Authority.member(Authority(user_id=acme.owner_id, label="owner"), acme, "owner")
    beta_features.set_enabled(acme, "usage_insights", True, owner)
    assert _post(admin_client, f"/admin/tenants/{acme.id}/beta-features/usage_insights", allowed="0").status_code == 302
    assert beta_features.tenant_view(acme) == [] and entitlements.evaluate(acme)["flags"] == {}


def test_without_csrf_or_with_an_unknown_key_nothing_changes(admin_client):
    acme = f.tenant("acme")
    plain = admin_client.post(f"/admin/tenants/{acme.id}/beta-features/new_editor", data={"allowed": "1"})
    assert plain.status_code in (302, 400)
    unknown = _post(admin_client, f"/admin/tenants/{acme.id}/beta-features/time_travel", allowed="1")
    assert unknown.status_code == 302
    assert "is not a beta feature" in admin_client.get(f"/admin/tenants/{acme.id}").get_data(as_text=True)
    assert all(not s.allowed for s in beta_features.platform_view(acme))


def test_a_tenant_owner_cannot_reach_the_panel(client):
    acme = f.tenant("acme")
    login(client, acme.owner)
    token = csrf_token(client, "/t/acme/")
    answer = client.post(f"/admin/tenants/{acme.id}/beta-features/new_editor", data={"csrf_token": token, "allowed": "1"})
    assert answer.status_code in (403, 404)
    assert beta_features.tenant_view(acme) == []
