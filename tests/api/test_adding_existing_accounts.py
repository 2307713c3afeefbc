"""Issue 9, findings 2 and 5: adding an existing account by email is an invitation the person
accepts, unless the address is verified and the adder vouches for it (a platform admin, or the
tenant's verified domain); and the answer has the same shape whether or not an account exists."""

from __future__ import annotations

from app.extensions import db
from app.models import TenantInvitation, TenantUser
from tests import factories
from tests.api.test_members_and_invitations import _verified_domain


def _add(api, world, email: str, who: str = "admin"):
    return api.post("/api/v1/tenants/acme/users", headers=world.headers(who), json={"email": email, "role": "member"})


def _shape(response) -> tuple:
    """What an adder can learn from an answer, with the ids and moments that always differ left out."""
    body = response.get_json()
    invitation = {k: v for k, v in body["invitation"].items() if k not in ("id", "email", "created_at", "expires_at",
                                                                           "last_sent_at")}
    return response.status_code, sorted(body), body["result"], invitation, body["email_sent"]


def _is_member(world, user) -> bool:
    db.session.expire_all()
    return db.session.query(TenantUser).filter_by(tenant_id=world.tenant.id, user_id=user.id).first() is not None


def test_an_unverified_squatter_is_invited_not_added(world, api, mailbox):
    """The attack: sign up as the new hire before they do, and be added in their place."""
    squatter = factories.user("newhire@victim.test", verified=False)
    _verified_domain(world.tenant, "victim.test")
    response = _add(api, world, "newhire@victim.test")
    assert response.status_code == 202 and response.get_json()["result"] == "invited"
    assert not _is_member(world, squatter)
    # The link goes to the address, that is, to the real new hire.
    assert [m["To"] for m in mailbox.messages] == ["newhire@victim.test"]


def test_a_verified_account_off_the_tenants_domains_is_invited_by_a_tenant_admin(world, api):
    someone = factories.user("someone@elsewhere.test")
    response = _add(api, world, "someone@elsewhere.test")
    assert response.status_code == 202
    assert not _is_member(world, someone)
    db.session.expire_all()
    assert db.session.query(TenantInvitation).filter_by(email="someone@elsewhere.test", status="pending").count() == 1


def test_a_platform_admin_adds_a_verified_account_at_once_but_invites_an_unverified_one(world, api):
    verified = factories.user("verified@elsewhere.test")
    unverified = factories.user("unverified@elsewhere.test", verified=False)
    assert _add(api, world, "verified@elsewhere.test", who="platform").status_code == 201
    assert _is_member(world, verified)
    assert _add(api, world, "unverified@elsewhere.test", who="platform").status_code == 202
    assert not _is_member(world, unverified)


def test_adding_an_existing_account_answers_exactly_like_inviting_an_unknown_address(world, api):
    factories.user("known@elsewhere.test")
    factories.user("unproven@elsewhere.test", verified=False)
    known = _add(api, world, "known@elsewhere.test")
    unproven = _add(api, world, "unproven@elsewhere.test")
    unknown = _add(api, world, "nobody@elsewhere.test")
    assert _shape(known) == _shape(unproven) == _shape(unknown)
    assert _shape(unknown)[0] == 202


def test_accepting_the_invitation_proves_the_address(world, api, client):
    from app.services import invitations

    person = factories.user("later@elsewhere.test", verified=False)
    sent = invitations.invite(world.tenant, person.email, "member", factories.SYSTEM)
    invitations.accept(sent.token, person)
    db.session.expire_all()
    assert _is_member(world, person) and db.session.get(type(person), person.id).is_email_verified
