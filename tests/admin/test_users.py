"""Users across tenants: search, memberships, disable, platform admin (never the last one)."""

from __future__ import annotations

from app.extensions import db
from app.models import User
from tests import factories as f
from tests.conftest import csrf_token


def test_search_across_tenants_shows_memberships(admin_client):
    carol = f.user("carol@shared.test", name="Carol")
    acme = f.tenant("acme", owner=carol, name="Acme")
    globex = f.tenant("globex", name="Globex")
    f.member(globex, "viewer", carol)
    f.user("unrelated@else.test")

    html = admin_client.get("/admin/users?q=carol").get_data(as_text=True)
    assert "carol@shared.test" in html and "unrelated@else.test" not in html
    assert f"/admin/tenants/{acme.id}" in html and "Acme <span" in html and "· Owner" in html
    assert "Globex <span" in html and "· Viewer" in html


def test_admins_only_filter(admin_client):
    f.user("plain@x.test")
    html = admin_client.get("/admin/users?admins=1").get_data(as_text=True)
    assert "root@platform.test" in html and "plain@x.test" not in html


def test_disabling_a_user_signs_them_out(post, server_app):
    victim = f.user("mallory@x.test")
    their_client = server_app.test_client()
    from tests.conftest import login

    login(their_client, victim)
    assert their_client.get("/").status_code in (200, 302)

    response = post(f"/admin/users/{victim.id}/disable", q="mallory", follow=True)
    assert "mallory@x.test is disabled" in response.get_data(as_text=True)
    assert db.session.get(User, victim.id).is_disabled
    # Their open session is gone on their next request.
    assert their_client.get("/").headers["Location"].endswith("/login")

    post(f"/admin/users/{victim.id}/enable")
    assert not db.session.get(User, victim.id).is_disabled


def test_grant_and_revoke_platform_admin(post):
    helper = f.user("helper@x.test")
    # Granting the console is typed out: without the person's email it is refused.
    refused = post(f"/admin/users/{helper.id}/grant-admin", follow=True, confirm="helper@x.tes")
    assert "type their email address to confirm" in refused.get_data(as_text=True)
    assert not db.session.get(User, helper.id).is_platform_admin
    post(f"/admin/users/{helper.id}/grant-admin", confirm="Helper@x.test")
    assert db.session.get(User, helper.id).is_platform_admin
    post(f"/admin/users/{helper.id}/revoke-admin")
    assert not db.session.get(User, helper.id).is_platform_admin


def test_the_last_platform_admin_cannot_be_revoked_or_disabled(post, admin_user):
    response = post(f"/admin/users/{admin_user.id}/revoke-admin", follow=True)
    assert "last platform admin" in response.get_data(as_text=True)
    assert db.session.get(User, admin_user.id).is_platform_admin


def test_an_admin_cannot_disable_themselves(post, admin_user):
    f.user("second@platform.test", admin=True)
    response = post(f"/admin/users/{admin_user.id}/disable", follow=True)
    assert "cannot disable your own account" in response.get_data(as_text=True)
    assert not db.session.get(User, admin_user.id).is_disabled


def test_disabling_the_other_admin_is_refused_when_it_is_the_last_active_one(post, app):
    from app.services import platform_users
    from app.services.audit import Actor

    other = f.user("other@platform.test", admin=True)
    # Revoke the signed-in admin through the service so `other` is the last one left.
    platform_users.revoke_platform_admin(db.session.scalar(db.select(User).where(
        User.email == "root@platform.test")), Actor.system())
    response = post(f"/admin/users/{other.id}/disable", follow=True)
    assert db.session.get(User, other.id).is_disabled is False
    assert response.status_code == 403 or "last platform admin" in response.get_data(as_text=True)


def test_unknown_user_is_404(admin_client):
    token = csrf_token(admin_client, "/admin/users")
    assert admin_client.post("/admin/users/999999/disable", data={"csrf_token": token}).status_code == 404


def test_an_admin_resets_a_users_two_factor_who_is_emailed_and_signed_out(post, admin_client, server_app, mailbox):
    import pyotp

    from app.services import mfa, sessions
    from app.services.audit import Actor
    from tests.conftest import login
    from tests.mailbox import text_of

    olga = f.user("olga@acme.test")
    enrolment = mfa.begin_enrolment(olga)
    mfa.confirm_enrolment(olga, pyotp.TOTP(enrolment.secret).now(), Actor.for_user(olga))
    phone = server_app.test_client()
    login(phone, olga, mfa=True)
    html = admin_client.get("/admin/users?q=olga").get_data(as_text=True)
    assert "Reset two-factor" in html

    response = post(f"/admin/users/{olga.id}/reset-2fa", q="olga", follow=True)

    assert "Two-factor authentication of olga@acme.test is off" in response.get_data(as_text=True)
    assert not mfa.is_enabled(olga) and sessions.list_sessions(olga.id) == []
    assert "root@platform.test" in text_of(mailbox.wait_for("olga@acme.test"))
    assert "Reset two-factor" not in admin_client.get("/admin/users?q=olga").get_data(as_text=True)


def test_reset_two_factor_of_someone_without_it_says_so(post):
    plain = f.user("plain@x.test")
    response = post(f"/admin/users/{plain.id}/reset-2fa", follow=True)
    assert "does not use two-factor authentication" in response.get_data(as_text=True)
