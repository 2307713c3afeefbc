"""Settings -> Beta features in the portal: the allowed betas with a switch and Save each (a plain
form with CSRF, or HTMX), an empty state, read-only for viewers, nothing of another organisation;
and the admin tenant page's panel that allows and withdraws them."""

from __future__ import annotations

from app.models import AuditEvent
from app.services import beta_features, entitlements
from tests import factories as f
from tests.conftest import csrf_token, login

PAGE = "/t/acme/settings/beta-features"


def _save(key: str) -> str:
    return f"{PAGE}/{key}"


def test_an_organisation_without_betas_sees_the_empty_state(client, world):
    login(client, world.users["owner"])
    html = client.get(PAGE).get_data(as_text=True)
    assert 'data-testid="beta-empty"' in html and "No beta features yet" in html
    assert 'href="/t/acme/settings/beta-features"' in html  # the settings navigation links it


def test_the_owner_switches_an_allowed_beta_on_and_off(client, world):
    beta_features.allow(world.tenant, "new_editor", True, f.SYSTEM)
    login(client, world.users["owner"])
    html = client.get(PAGE).get_data(as_text=True)
    assert html.count('data-testid="beta-row"') == 1 and "New document editor" in html
    assert "Usage insights" not in html  # not allowed: not shown
    on = client.post(_save("new_editor"), data={"csrf_token": csrf_token(client, PAGE), "enabled": "y"})
    assert on.status_code == 302 and on.headers["Location"].endswith(PAGE)
    assert entitlements.evaluate(world.tenant)["flags"] == {"new_editor": True}
    assert "checked" in client.get(PAGE).get_data(as_text=True)
    off = client.post(_save("new_editor"), data={"csrf_token": csrf_token(client, PAGE)})  # unchecked: absent
    assert off.status_code == 302
    assert entitlements.evaluate(world.tenant)["flags"] == {}
    assert [e.action for e in AuditEvent.query.filter_by(tenant_id=world.tenant.id, target_type="beta_feature")
            .order_by(AuditEvent.id)] == ["beta_feature.allowed", "beta_feature.enabled", "beta_feature.disabled"]


def test_with_htmx_the_list_region_comes_back(client, world):
    beta_features.allow(world.tenant, "usage_insights", True, f.SYSTEM)
    login(client, world.users["admin"])
    answer = client.post(_save("usage_insights"), data={"csrf_token": csrf_token(client, PAGE), "enabled": "y"},
                         headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="beta-features-region"' in html and "<html" not in html
    assert "data-focus-after-swap" in html and "Usage insights is on." in html


def test_without_csrf_nothing_changes(client, world):
    beta_features.allow(world.tenant, "new_editor", True, f.SYSTEM)
    login(client, world.users["owner"])
    answer = client.post(_save("new_editor"), data={"enabled": "y"})
    assert answer.status_code in (302, 400, 422)
    assert beta_features.enabled_keys(world.tenant) == frozenset()


def test_a_beta_not_allowed_is_refused_with_a_message(client, world):
    login(client, world.users["owner"])
    answer = client.post(_save("new_editor"), data={"csrf_token": csrf_token(client, PAGE), "enabled": "y"},
                         follow_redirects=True)
    assert "is not available to this organisation yet" in answer.get_data(as_text=True)
    assert beta_features.enabled_keys(world.tenant) == frozenset()


def test_viewers_see_the_betas_read_only_and_may_not_save(client, world):
    beta_features.allow(world.tenant, "new_editor", True, f.SYSTEM)
    login(client, world.users["viewer"])
    html = client.get(PAGE).get_data(as_text=True)
    assert 'data-testid="beta-read-only"' in html and 'role="switch"' not in html
    token = csrf_token(client, "/t/acme/")
    assert client.post(_save("new_editor"), data={"csrf_token": token, "enabled": "y"}).status_code == 403
    assert beta_features.enabled_keys(world.tenant) == frozenset()


def test_a_member_of_another_organisation_gets_404(client, world):
    beta_features.allow(world.tenant, "new_editor", True, f.SYSTEM)
    login(client, f.member(world.other, "owner"))
    assert client.get(PAGE).status_code == 404
    assert client.post(_save("new_editor"), data={"enabled": "y"}).status_code in (400, 404)
