"""A renamed organisation's old address leads to it for 30 days, only for its own people, and is
reserved for it meanwhile (issue 11 §8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.services import tenants
from app.services.audit import Actor
from app.services.errors import SlugTaken
from tests.web.conftest import post

RENAMED_AT = datetime(2028, 12, 31, 23, 30, tzinfo=UTC)  # the 30 days cross a year end
VALID = {"name": "Acme", "timezone": "UTC", "locale": "en", "brand_color": "#4f46e5"}


@pytest.fixture
def renamed(app, clock, org):
    traveller = clock(RENAMED_AT)
    tenants.update_tenant(org.tenant, Actor.for_user(org.owner), slug="acme-rockets")
    return traveller


def test_members_following_an_old_link_land_on_the_same_page_at_the_new_address(client, as_user, org, renamed):
    as_user(org.member)
    answer = client.get("/t/acme/knowledge?q=holiday")
    assert answer.status_code == 307 and answer.location == "/t/acme-rockets/knowledge?q=holiday"
    assert client.get(answer.location).status_code == 200


def test_to_anyone_else_an_old_slug_is_an_unknown_one(client, as_user, org, other_org, renamed):
    as_user(other_org.owner)
    old, never = client.get("/t/acme/members"), client.get("/t/no-such-org/members")
    assert old.status_code == never.status_code == 404
    assert "acme-rockets" not in old.get_data(as_text=True)


def test_a_form_posted_to_the_old_address_is_not_replayed(client, as_user, org, renamed):
    as_user(org.owner)
    answer = post(client, "/t/acme/settings", {**VALID, "slug": "acme"})
    assert answer.status_code == 404
    assert tenants.get_tenant(org.tenant.id).slug == "acme-rockets"


def test_the_old_address_stops_leading_there_after_30_days(client, as_user, org, renamed):
    renamed.move_to(RENAMED_AT + timedelta(days=30) - timedelta(seconds=1))
    as_user(org.member)
    assert client.get("/t/acme/").status_code == 307
    renamed.move_to(RENAMED_AT + timedelta(days=30))
    as_user(org.member)
    assert client.get("/t/acme/").status_code == 404


def test_the_old_slug_is_reserved_for_30_days_and_the_tenant_may_take_it_back(org, other_org, renamed):
    with pytest.raises(SlugTaken):
        tenants.update_tenant(other_org.tenant, Actor.for_user(other_org.owner), slug="acme")
    renamed.move_to(RENAMED_AT + timedelta(days=30))
    tenants.update_tenant(other_org.tenant, Actor.for_user(other_org.owner), slug="acme")
    assert tenants.get_tenant(other_org.tenant.id).slug == "acme"


def test_taking_the_old_slug_back_ends_its_redirect(client, as_user, org, renamed):
    tenants.update_tenant(org.tenant, Actor.for_user(org.owner), slug="acme")
    assert tenants.redirected_slug("acme") is None
    assert tenants.redirected_slug("acme-rockets") == "acme"
    as_user(org.member)
    assert client.get("/t/acme/").status_code == 200


def test_the_settings_form_asks_before_changing_the_address(client, as_user, org):
    as_user(org.owner)
    html = client.get("/t/acme/settings").get_data(as_text=True)
    assert 'data-confirm-changed="slug"' in html and 'data-confirm-original="acme"' in html
    assert "keep leading here for 30 days" in html


def test_a_new_tenant_cannot_take_a_reserved_slug(org, renamed):
    with pytest.raises(SlugTaken):
        tenants.check_new_tenant("Acme again", "acme")
