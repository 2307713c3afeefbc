"""Invitations: invite by real email, the seat quota in the form, resend/revoke, and the accept page."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent, TenantInvitation, TenantUser, User
from app.models.types import utcnow
from app.services import accounts, invitations
from app.services.audit import Actor
from tests import factories as f
from tests.conftest import csrf_token
from tests.mailbox import first_link
from tests.web.conftest import post


def test_admin_invites_a_colleague_who_gets_an_email_with_a_public_link(client, as_user, org, mailbox):
    as_user(org.admin)
    response = post(client, "/t/acme/invitations", {"email": "new@acme.test", "role": "member"})
    assert response.location == "/t/acme/invitations"
    page = client.get("/t/acme/invitations").get_data(as_text=True)
    assert "Invitation sent to new@acme.test." in page and "5 of 5 in use" in page
    message = mailbox.wait_for("new@acme.test")
    assert "Adam Admin invited you to join Acme" in message["Subject"]
    assert first_link(message, "/invitations/").startswith("http://portal.test/invitations/")


def test_links_ignore_a_forged_host_header(client, as_user, org, mailbox):
    as_user(org.admin)
    token = csrf_token(client, "/t/acme/invitations")
    client.post("/t/acme/invitations", data={"csrf_token": token, "email": "new@acme.test", "role": "member"},
                headers={"X-Forwarded-Host": "evil.example", "Forwarded": "host=evil.example"})
    assert "evil.example" not in first_link(mailbox.wait_for("new@acme.test"))


def test_htmx_invite_answers_the_block_with_the_new_row_and_the_flash(client, as_user, org, mailbox):
    as_user(org.admin)
    response = post(client, "/t/acme/invitations", {"email": "new@acme.test", "role": "viewer"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="invitations"')
    assert "new@acme.test" in html and 'id="flashes"' in html and "Invitation sent" in html


def test_invalid_email_re_renders_the_form_with_the_message(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/invitations", {"email": "not an email", "role": "member"})
    assert response.status_code == 422
    assert "is not a valid email address" in response.get_data(as_text=True)


def test_inviting_a_current_member_says_so_on_the_field(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/invitations", {"email": "member@acme.test", "role": "member"}, htmx=True)
    assert "member@acme.test is already a member of Acme." in response.get_data(as_text=True)


def test_full_quota_says_so_in_the_form_with_a_link_to_the_plans(client, as_user, org, mailbox):
    f.invitation(org.tenant, "fifth@acme.test")  # 5 of 5 seats
    as_user(org.owner)
    page = client.get("/t/acme/invitations").get_data(as_text=True)
    assert "Every seat of the Free plan is taken" in page and 'href="/t/acme/plan"' in page
    response = post(client, "/t/acme/invitations", {"email": "sixth@acme.test", "role": "member"}, htmx=True)
    html = response.get_data(as_text=True)
    assert "The Free plan allows 5 users and 5 are in use" in html
    assert 'href="/t/acme/plan"' in html
    db.session.expire_all()
    assert db.session.query(TenantInvitation).filter_by(email="sixth@acme.test").count() == 0


def test_admin_cannot_invite_an_owner(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/invitations", {"email": "boss@acme.test", "role": "owner"})
    assert response.status_code == 422
    assert db.session.query(TenantInvitation).count() == 0


def test_invite_without_csrf_token_is_refused(client, as_user, org):
    as_user(org.admin)
    response = client.post("/t/acme/invitations", data={"email": "new@acme.test", "role": "member"})
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_invite(client, as_user, org, role):
    as_user(org.user(role))
    response = post(client, "/t/acme/invitations", {"email": "new@acme.test", "role": "viewer"})
    assert response.status_code == 403


def test_resend_sends_a_fresh_link_and_the_old_one_dies(client, as_user, org, mailbox):
    invitation, old_token = f.invitation(org.tenant, "new@acme.test")
    as_user(org.admin)
    response = post(client, f"/t/acme/invitations/{invitation.id}/resend", htmx=True)
    assert "A fresh link was sent to new@acme.test." in response.get_data(as_text=True)
    new_link = first_link(mailbox.wait_for("new@acme.test", after=1), "/invitations/")
    assert client.get(f"/invitations/{old_token}").status_code == 410
    assert client.get(new_link.removeprefix("http://portal.test")).status_code == 200


def test_revoke_frees_the_seat_and_kills_the_link(client, as_user, org):
    invitation, token = f.invitation(org.tenant, "new@acme.test")
    as_user(org.admin)
    response = post(client, f"/t/acme/invitations/{invitation.id}/revoke")
    assert response.location == "/t/acme/invitations"
    page = client.get("/t/acme/invitations").get_data(as_text=True)
    assert "was revoked" in page and "4 of 5 in use" in page
    gone = client.get(f"/invitations/{token}")
    assert gone.status_code == 410 and "withdrawn" in gone.get_data(as_text=True)


def test_htmx_revoke_answers_the_updated_list_seats_and_flash(client, as_user, org):
    invitation, _ = f.invitation(org.tenant, "new@acme.test")
    as_user(org.admin)
    html = post(client, f"/t/acme/invitations/{invitation.id}/revoke", htmx=True).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="invitations"') and "<html" not in html
    assert 'id="invitation-' not in html and "No pending invitations" in html
    assert "4 of 5 in use" in html
    assert 'hx-swap-oob="innerHTML"' in html and "The invitation to new@acme.test was revoked." in html


def test_revoking_twice_says_it_is_already_revoked(client, as_user, org):
    invitation, _ = f.invitation(org.tenant, "new@acme.test")
    as_user(org.admin)
    post(client, f"/t/acme/invitations/{invitation.id}/revoke")
    html = post(client, f"/t/acme/invitations/{invitation.id}/revoke", htmx=True).get_data(as_text=True)
    assert "This invitation is already revoked." in html


def test_another_tenants_admin_cannot_resend_or_revoke(client, as_user, org, other_org):
    invitation, _ = f.invitation(org.tenant, "new@acme.test")
    as_user(other_org.owner)
    assert post(client, f"/t/acme/invitations/{invitation.id}/revoke").status_code == 404
    assert post(client, f"/t/globex/invitations/{invitation.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(TenantInvitation, invitation.id).status == "pending"


# --- The accept page -------------------------------------------------------------------------------

def _join_as_new_user(client, token: str, name: str = "Nina New", password: str = "a-long-enough-secret"):
    path = f"/invitations/{token}"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "name": name, "password": password})


def test_new_person_sets_a_name_and_password_and_joins(client, org):
    _, token = f.invitation(org.tenant, "nina@acme.test", role="viewer")
    page = client.get(f"/invitations/{token}").get_data(as_text=True)
    assert "Join Acme" in page and "nina@acme.test" in page
    response = _join_as_new_user(client, token)
    assert response.location == "/t/acme/"
    db.session.expire_all()
    nina = accounts.find_user("nina@acme.test")
    assert db.session.query(TenantUser).filter_by(tenant_id=org.tenant.id, user_id=nina.id).one().role == "viewer"
    assert "You joined as Viewer" in client.get("/t/acme/").get_data(as_text=True)


def test_new_person_with_a_weak_password_sees_why(client, org):
    _, token = f.invitation(org.tenant, "nina@acme.test")
    response = _join_as_new_user(client, token, password="nina-secret-pw")
    assert response.status_code == 422
    assert "the part of your email address before the @" in response.get_data(as_text=True)


def test_existing_user_signs_in_then_joins_with_one_click(client, org):
    f.user("nina@acme.test")
    _, token = f.invitation(org.tenant, "nina@acme.test")
    page = client.get(f"/invitations/{token}").get_data(as_text=True)
    assert "Sign in to accept" in page and f"next=/invitations/{token}" in page
    client.post(f"/login?next=/invitations/{token}", data={"csrf_token": csrf_token(client), "email": "nina@acme.test",
                                                          "password": f.PASSWORD})
    response = client.post(f"/invitations/{token}", data={"csrf_token": csrf_token(client, f"/invitations/{token}")})
    assert response.location == "/t/acme/"
    db.session.expire_all()
    assert db.session.query(TenantUser).filter_by(tenant_id=org.tenant.id).count() == 5


def test_signed_in_as_someone_else_is_told_so(client, as_user, org, other_org):
    _, token = f.invitation(org.tenant, "nina@acme.test")
    as_user(other_org.owner)
    page = client.get(f"/invitations/{token}").get_data(as_text=True)
    assert "but this invitation is for nina@acme.test" in page


def _expire(invitation):
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


@pytest.mark.parametrize(("spoil", "says"), [
    ("expired", "This invitation has expired"),
    ("revoked", "This invitation was withdrawn"),
    ("used", "This invitation was already used"),
    ("tampered", "This invitation link isn"),
])
def test_unusable_links_show_a_clear_page(client, org, spoil, says):
    invitation, token = f.invitation(org.tenant, "nina@acme.test")
    if spoil == "expired":
        _expire(invitation)
    elif spoil == "revoked":
        invitations.revoke(org.tenant, invitation.id, Actor.system())
    elif spoil == "used":
        invitations.accept_as_new_user(token, "Nina", "a-long-enough-secret")
    elif spoil == "tampered":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for response in (client.get(f"/invitations/{token}"), _join_as_new_user(client, token)):
        assert response.status_code == 410
        assert says in response.get_data(as_text=True)


def test_twenty_parallel_redemptions_of_one_link_admit_exactly_one(server_app, org):
    _, token = f.invitation(org.tenant, "nina@acme.test")
    path = f"/invitations/{token}"
    clients = [server_app.test_client() for _ in range(20)]
    tokens = [csrf_token(c, path) for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    lock = threading.Lock()

    def redeem(c, csrf):
        barrier.wait()
        response = c.post(path, data={"csrf_token": csrf, "name": "Nina", "password": "a-long-enough-secret"})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=redeem, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(statuses) == 20
    assert statuses.count(302) == 1, statuses
    assert 500 not in statuses
    db.session.expire_all()
    assert db.session.query(User).filter_by(email="nina@acme.test").count() == 1
    assert db.session.query(TenantUser).filter_by(tenant_id=org.tenant.id).count() == 5
    assert db.session.query(AuditEvent).filter_by(action="invitation.accepted").count() == 1
