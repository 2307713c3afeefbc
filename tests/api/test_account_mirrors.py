"""The Account page and the admin outbox, as API calls: the same services, rules and audit events."""

from __future__ import annotations

import socket

from sqlalchemy import select

from app.extensions import db
from app.models import OutboundEmail, User
from app.services import invitations, sessions
from app.services.authority import Authority
from tests import factories
from tests.api.conftest import bearer
from tests.api.test_portal_mirrors import last_action, user_token
from tests.conftest import login


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_person_changes_their_profile_and_only_what_they_sent(world, api):
    viewer = world.users["viewer"]
    viewer.timezone = "Europe/Berlin"
    db.session.commit()
    response = api.patch("/api/v1/me", headers=user_token(viewer), json={"name": "Vera Viewer", "locale": "zh"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["locale"], body["timezone"]) == ("Vera Viewer", "zh", "Europe/Berlin")
    assert last_action() == "user.profile_updated"
    back = api.patch("/api/v1/me", headers=user_token(viewer), json={"locale": None, "timezone": None})
    assert (back.get_json()["locale"], back.get_json()["timezone"]) == (None, None)


def test_a_profile_body_reports_every_bad_field_and_a_key_is_no_person(world, api):
    bad = api.patch("/api/v1/me", headers=user_token(world.users["member"]),
                    json={"name": " ", "locale": "xx", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]["fields"]) == {"name", "locale"}
    zone = api.patch("/api/v1/me", headers=user_token(world.users["member"]), json={"timezone": "Mars/Olympus"})
    assert zone.status_code == 422 and "timezone" in zone.get_json()["error"]["details"]["fields"]
    keyed = api.patch("/api/v1/me", headers=world.headers("owner"), json={"name": "Keyed"})
    assert keyed.status_code == 403 and keyed.get_json()["error"]["code"] == "user_token_required"
    db.session.expire_all()
    assert db.session.get(User, world.users["member"].id).name != " "


def test_changing_the_password_ends_the_old_token_and_answers_a_new_one(world, api):
    member = world.users["member"]
    old = user_token(member, world.tenant)
    wrong = api.post("/api/v1/me/password", headers=old, json={"current_password": "not it",
                                                               "password": "a brand new passphrase"})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "wrong_password"
    response = api.post("/api/v1/me/password", headers=old, json={"current_password": factories.PASSWORD,
                                                                  "password": "a brand new passphrase"})
    assert response.status_code == 200, response.get_json()
    fresh = response.get_json()
    assert fresh["tenant_id"] == world.tenant.id  # a tenant token is renewed for that tenant only
    assert last_action() == "user.password_changed"
    assert api.get("/api/v1/me", headers=old).status_code == 401
    assert api.get("/api/v1/me", headers=bearer(fresh["access_token"])).status_code == 200
    signed_in = api.post("/api/v1/auth/token", json={"email": member.email, "password": "a brand new passphrase"})
    assert signed_in.status_code == 200


def test_a_new_password_must_meet_the_policy(world, api):
    weak = api.post("/api/v1/me/password", headers=user_token(world.users["admin"]),
                    json={"current_password": factories.PASSWORD, "password": "short"})
    assert weak.status_code == 422 and "password" in weak.get_json()["error"]["details"]["fields"]
    assert api.post("/api/v1/me/password", headers=world.headers("admin"),
                    json={"current_password": factories.PASSWORD, "password": "x" * 20}).status_code == 403


def test_a_platform_admin_lists_the_outbox_and_retries_a_waiting_email(app, world, api, mailbox):
    app.config["MAIL_PORT"] = _closed_port()
    sent = invitations.invite(world.tenant, "late@acme.test", "member", Authority.system())
    assert sent.email_sent is False
    listed = api.get("/api/v1/emails?status=retrying", headers=world.headers("platform"))
    assert listed.status_code == 200
    [waiting] = listed.get_json()["items"]
    assert waiting["to_address"] == "late@acme.test" and sent.token not in listed.get_data(as_text=True)

    app.config["MAIL_PORT"] = mailbox.port
    retried = api.post(f"/api/v1/emails/{waiting['id']}/retry", headers=world.headers("platform"))
    assert retried.status_code == 200 and retried.get_json()["status"] == "sent"
    assert mailbox.wait_for("late@acme.test")
    assert last_action(world.tenant.id) == "email.retried"
    again = api.post(f"/api/v1/emails/{waiting['id']}/retry", headers=world.headers("platform"))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "email_not_retryable"
    assert api.post("/api/v1/emails/999999/retry", headers=world.headers("platform")).status_code == 404


def test_tenant_keys_and_owners_cannot_see_or_retry_the_outbox(world, api):
    factories.invitation(world.other, "someone@globex.test")
    email_id = db.session.scalar(select(OutboundEmail.id))
    for who in ("owner", "other"):
        assert api.get("/api/v1/emails", headers=world.headers(who)).status_code == 403
        assert api.post(f"/api/v1/emails/{email_id}/retry", headers=world.headers(who)).status_code == 403
    owner_token = user_token(world.users["owner"])
    assert api.get("/api/v1/emails", headers=owner_token).status_code == 403


def test_a_person_signs_a_browser_session_out_by_its_id_and_then_all_of_them(world, api, client):
    member, owner = world.users["member"], world.users["owner"]
    login(client, member)
    sessions.start(member, method="password", mfa=False, ip="127.0.0.2")
    theirs, _ = sessions.start(owner, method="password", mfa=False, ip="127.0.0.3")
    db.session.commit()
    token = user_token(member)
    listed = api.get("/api/v1/me/sessions", headers=token).get_json()["items"]
    assert len(listed) == 2
    owners_id = sessions.list_sessions(owner.id)[0].id
    assert api.delete(f"/api/v1/me/sessions/{owners_id}", headers=token).status_code == 404
    ended = api.delete(f"/api/v1/me/sessions/{listed[0]['id']}", headers=token)
    assert ended.status_code == 200 and ended.get_json()["id"] == listed[0]["id"]
    assert last_action() == "session.ended"
    assert api.delete("/api/v1/me/sessions", headers=token).get_json() == {"ended": 1}
    assert client.get("/account").status_code == 302  # the browser is signed out
    assert len(sessions.list_sessions(owner.id)) == 1 and theirs
    assert api.get("/api/v1/me", headers=token).status_code == 200  # the token is not a session
    assert api.delete("/api/v1/me/sessions", headers=world.headers("owner")).status_code == 403
