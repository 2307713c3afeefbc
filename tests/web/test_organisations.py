"""A signed-in user creates another organisation, and a member leaves one."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Tenant, TenantUser
from app.services.tenants import role_of
from tests import factories as f
from tests.web.conftest import post


def test_signed_in_user_creates_a_second_organisation_and_owns_it(as_user, org):
    client = as_user(org.member)
    response = post(client, "/organisations/new", {"organisation": "Side Project Ltd", "slug": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/side-project-ltd/")
    db.session.expire_all()
    created = db.session.scalar(select(Tenant).where(Tenant.slug == "side-project-ltd"))
    assert created.plan_code == "free" and created.owner_id == org.member.id
    assert role_of(created.id, org.member.id) == "owner"
    assert role_of(org.tenant.id, org.member.id) == "member"  # the first organisation is untouched
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenant.created",
                                                       AuditEvent.tenant_id == created.id))
    assert event.actor_label == org.member.email
    assert "Side Project Ltd" in client.get("/organisations").get_data(as_text=True)


def test_taken_address_is_refused_on_the_field_and_nothing_is_created(as_user, org):
    client = as_user(org.owner)
    response = post(client, "/organisations/new", {"organisation": "Acme Again", "slug": "acme"})
    assert response.status_code == 422
    assert "already taken" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Tenant).where(Tenant.name == "Acme Again")) is None


def test_new_organisation_needs_sign_in_and_csrf(client, as_user, org):
    assert client.get("/organisations/new").status_code == 302
    signed_in = as_user(org.owner)
    assert signed_in.post("/organisations/new", data={"organisation": "No Token"}).status_code == 400


def test_member_leaves_and_loses_access(as_user, org):
    client = as_user(org.viewer)
    response = post(client, "/t/acme/members/leave")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    db.session.expire_all()
    assert role_of(org.tenant.id, org.viewer.id) is None
    assert client.get("/t/acme/").status_code == 404


def test_last_owner_cannot_leave(as_user, org):
    client = as_user(org.owner)
    response = post(client, "/t/acme/members/leave")
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/acme/members")
    assert "only owner" in client.get("/t/acme/members").get_data(as_text=True)
    db.session.expire_all()
    assert role_of(org.tenant.id, org.owner.id) == "owner"


def test_leaving_another_tenant_is_not_found_and_changes_nothing(as_user, org, other_org):
    client = as_user(other_org.member)
    assert post(client, "/t/acme/members/leave").status_code == 404
    db.session.expire_all()
    assert db.session.query(TenantUser).filter_by(tenant_id=org.tenant.id).count() == 4


def test_sign_up_still_derives_the_address_from_the_name(client):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/signup")
    response = client.post("/signup", data={"csrf_token": token, "name": "Nia", "email": "nia@example.test",
                                            "password": f.PASSWORD, "organisation": "Nia's Bakery", "slug": ""})
    assert response.status_code == 200
    from app.services import tenants

    assert tenants.find_tenant("nia-s-bakery") is not None
