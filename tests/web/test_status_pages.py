"""An organisation that cannot be used says why, what to do and whom to contact, to its members
only: suspended (with the reason), deleted but restorable (until when); outsiders get the plain 404."""

from __future__ import annotations

from app.services import tenants
from app.services.audit import Actor
from tests import factories as f


def test_a_suspended_organisation_shows_its_owner_the_reason_and_support(client, as_user, org):
    tenants.suspend(org.tenant, "Unpaid invoices", Actor.system())
    as_user(org.owner)
    response = client.get("/t/acme/")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Acme is suspended" in html and "Unpaid invoices" in html
    assert 'href="mailto:support@example.com' in html


def test_a_deleted_organisation_tells_its_members_until_when_it_can_be_restored(client, as_user, org):
    tenants.soft_delete(org.tenant, Actor.system())
    as_user(org.member)
    response = client.get("/t/acme/members")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Acme was deleted" in html and "can still be restored" in html
    assert 'data-state="deleted"' in html


def test_an_outsider_learns_nothing_from_a_deleted_organisations_address(client, as_user, org):
    tenants.soft_delete(org.tenant, Actor.system())
    as_user(f.user("stranger@else.test"))
    html = client.get("/t/acme/").get_data(as_text=True)
    assert "Acme was deleted" not in html and "tenant-status" not in html
