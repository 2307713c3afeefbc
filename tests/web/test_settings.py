"""Settings: name, slug, time zone, language, brand colour; deleting the tenant (owner only)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Tenant
from tests.web.conftest import post

VALID = {"name": "Acme Rockets", "slug": "acme", "timezone": "Europe/Berlin", "locale": "en", "brand_color": "#0f766e"}


def _tenant(org) -> Tenant:
    db.session.expire_all()
    return db.session.get(Tenant, org.tenant.id)


def test_admin_saves_settings_and_the_header_takes_the_brand_colour(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/settings", VALID)
    assert response.location == "/t/acme/settings"
    tenant = _tenant(org)
    assert (tenant.name, tenant.config.timezone, tenant.config.brand_color) == ("Acme Rockets", "Europe/Berlin",
                                                                                "#0f766e")
    page = client.get("/t/acme/settings").get_data(as_text=True)
    assert "Settings saved." in page and "/t/acme/brand.css?v=0f766e" in page
    css = client.get("/t/acme/brand.css").get_data(as_text=True)
    assert "--brand: #0f766e" in css and "--brand-contrast: #ffffff" in css


def test_a_light_brand_colour_gets_dark_header_text(client, as_user, org):
    from app.services.audit import Actor
    from app.services.tenants import update_tenant

    update_tenant(org.tenant, Actor.system(), brand_color="#fde68a")
    as_user(org.viewer)  # the stylesheet is a page of the tenant: members only
    assert "--brand-contrast: #111827" in client.get("/t/acme/brand.css").get_data(as_text=True)


def test_settings_page_shows_the_address_the_slug_gives(client, as_user, org):
    as_user(org.admin)
    assert "portal.test/t/acme/" in client.get("/t/acme/settings").get_data(as_text=True)


@pytest.mark.app_config(TENANT_BASE_DOMAIN="portal.example.com")
def test_with_subdomains_the_slug_gives_a_subdomain(client, as_user, org):
    as_user(org.admin)
    assert "acme.portal.example.com" in client.get("/t/acme/settings").get_data(as_text=True)


def test_a_new_slug_moves_the_pages_to_the_new_address(client, as_user, org):
    as_user(org.owner)
    response = post(client, "/t/acme/settings", {**VALID, "slug": "acme-rockets"})
    assert response.location == "/t/acme-rockets/settings"
    assert "the old one leads here for 30 days" in client.get("/t/acme-rockets/settings").get_data(as_text=True)
    assert client.get("/t/acme-rockets/").status_code == 200
    assert client.get("/t/acme/").location == "/t/acme-rockets/"  # see test_slug_redirects.py


def test_htmx_save_redirects_the_whole_page(client, as_user, org):
    as_user(org.owner)
    response = post(client, "/t/acme/settings", VALID, htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/t/acme/settings"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("slug", "Not A Slug", "lowercase letters"),
    ("brand_color", "red", "hex colour"),
    ("name", "", "Name is required"),
])
def test_invalid_settings_re_render_the_form_with_messages(client, as_user, org, field, value, message):
    as_user(org.admin)
    response = post(client, "/t/acme/settings", {**VALID, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _tenant(org).name == "Acme"


def test_settings_report_every_bad_field_at_once_and_keep_the_values(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/settings", {**VALID, "name": "", "slug": "Not A Slug", "brand_color": "red"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Name is required" in html and "lowercase letters" in html and "hex colour" in html
    assert "3 fields need attention" in html
    assert 'value="Not A Slug"' in html and 'value="red"' in html
    assert _tenant(org).slug == "acme"


def test_invalid_settings_over_htmx_return_only_the_form(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/settings", {**VALID, "brand_color": "red"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="settings-card"' in html
    assert "hex colour" in html


def test_a_taken_slug_says_so(client, as_user, org, other_org):
    as_user(org.admin)
    response = post(client, "/t/acme/settings", {**VALID, "slug": "globex"})
    assert response.status_code == 422 and "already taken" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_change_settings(client, as_user, org, role):
    as_user(org.user(role))
    assert post(client, "/t/acme/settings", VALID).status_code == 403
    assert _tenant(org).name == "Acme"


def test_another_tenant_cannot_change_acmes_settings(client, as_user, org, other_org):
    as_user(other_org.owner)
    assert post(client, "/t/acme/settings", VALID).status_code == 404
    assert post(client, "/t/acme/settings/delete", {"confirm_slug": "acme"}).status_code == 404
    assert _tenant(org).status == "active"


def test_settings_without_csrf_token_are_refused(client, as_user, org):
    as_user(org.owner)
    assert client.post("/t/acme/settings", data=VALID).status_code == 400


def test_owner_deletes_the_tenant_by_typing_its_slug(client, as_user, org):
    as_user(org.owner)
    response = post(client, "/t/acme/settings/delete", {"confirm_slug": "acme"})
    assert response.location == "/"
    assert _tenant(org).status == "deleted"
    assert client.get("/t/acme/").status_code == 404


def test_delete_with_the_wrong_slug_changes_nothing(client, as_user, org):
    as_user(org.owner)
    response = post(client, "/t/acme/settings/delete", {"confirm_slug": "acme-typo"})
    assert response.status_code == 422 and "Type acme exactly to confirm." in response.get_data(as_text=True)
    assert _tenant(org).status == "active"


def test_admins_do_not_see_or_reach_the_danger_zone(client, as_user, org):
    as_user(org.admin)
    assert "Danger zone" not in client.get("/t/acme/settings").get_data(as_text=True)
    assert post(client, "/t/acme/settings/delete", {"confirm_slug": "acme"}).status_code == 403
    assert _tenant(org).status == "active"


@pytest.mark.parametrize(("path", "current"), [("/t/acme/settings", "Settings"), ("/t/acme/settings/roles", "Roles")])
def test_one_navigation_item_is_current(client, as_user, org, path, current):
    import re

    as_user(org.owner)
    html = client.get(path).get_data(as_text=True)
    lit = re.findall(r'aria-current="page"\s+href="[^"]*"><i [^>]*></i>([^<]+)</a>', html)
    assert lit == [current]
