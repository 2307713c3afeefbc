"""Two-factor sign-in, enrolment from the account pages, and the policies that require it.

The clock is pinned (`clock`) and moved by whole 30-second steps: a TOTP code is valid for its
step, and one code never works twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.services import mfa, sessions, tenants
from app.services.audit import Actor
from tests import factories as f
from tests.conftest import csrf_token, login
from tests.web.conftest import post

START = datetime(2026, 3, 15, 9, 0, 5, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture
def traveller(clock):
    return clock(START)


@pytest.fixture
def olga(traveller):
    owner = f.user("olga@acme.test")
    f.tenant("acme", owner=owner, name="Acme")
    return owner


def enrol(user) -> tuple[str, list[str]]:
    """Two-factor on for `user` through the service (the pages have their own tests below)."""
    enrolment = mfa.begin_enrolment(user)
    codes = mfa.confirm_enrolment(user, pyotp.TOTP(enrolment.secret).now(), Actor.for_user(user))
    return enrolment.secret, codes


def _password(client, email="olga@acme.test", **extra):
    return client.post("/login?next=/t/acme/members", data={"csrf_token": csrf_token(client), "email": email,
                                                            "password": f.PASSWORD, **extra})


def _code(client, code, **extra):
    return client.post("/login/two-factor", data={"csrf_token": csrf_token(client, "/forgot-password"),
                                                  "code": code, **extra})


def _signed_in(client) -> bool:
    return client.get("/t/acme/").status_code == 200


# --- Signing in with a second factor ---------------------------------------------------------------

def test_the_password_alone_does_not_sign_in_a_user_with_two_factor(client, olga, traveller):
    secret, _ = enrol(olga)
    traveller.shift(STEP)
    response = _password(client)
    assert response.status_code == 302 and response.location == "/login/two-factor"
    assert not _signed_in(client)
    assert sessions.list_sessions(olga.id) == []

    response = _code(client, pyotp.TOTP(secret).now())

    assert response.status_code == 302 and response.location == "/t/acme/members"  # next= survives
    assert _signed_in(client)
    (record,) = sessions.list_sessions(olga.id)
    assert record.mfa and record.method == "password"
    login_event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login")).one()
    assert login_event.details == {"method": "password", "second_factor": "totp"}


def test_a_wrong_code_is_refused_with_a_message_and_audited(client, olga, traveller):
    enrol(olga)
    traveller.shift(STEP)
    _password(client)
    response = _code(client, "000000")
    assert response.status_code == 422
    assert "That code is not right" in response.get_data(as_text=True)
    assert not _signed_in(client)
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.second_factor_failed")).one()
    assert failed.actor_user_id == olga.id


def test_a_code_used_once_cannot_sign_in_again(client, server_app, olga, traveller):
    secret, _ = enrol(olga)
    traveller.shift(STEP)
    code = pyotp.TOTP(secret).now()
    _password(client)
    assert _code(client, code).status_code == 302
    other = server_app.test_client()
    _password(other)
    response = _code(other, code)
    assert response.status_code == 422
    assert "already used" in response.get_data(as_text=True)


def test_a_recovery_code_signs_in_once(client, olga, traveller):
    _, codes = enrol(olga)
    _password(client)
    response = _code(client, codes[0])
    assert response.status_code == 302
    assert "9 are left" in client.get(response.location, follow_redirects=True).get_data(as_text=True)
    post(client, "/logout", token_from="/account")

    _password(client)
    response = _code(client, codes[0])
    assert response.status_code == 422 and not _signed_in(client)


def test_the_code_step_expires_after_five_minutes(client, olga, traveller):
    secret, _ = enrol(olga)
    _password(client)
    traveller.shift(timedelta(minutes=5, seconds=1))
    response = _code(client, pyotp.TOTP(secret).now())
    assert response.status_code == 302 and response.location == "/login"
    assert not _signed_in(client)


def test_the_code_page_without_a_password_first_sends_to_sign_in(client):
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.location == "/login"


@pytest.mark.app_config(RATELIMIT_ENABLED=True, MFA_RATE_LIMIT="3 per minute", LOGIN_RATE_LIMIT="100 per minute")
def test_wrong_codes_are_rate_limited_per_account(client, server_app, olga, traveller):
    secret, _ = enrol(olga)
    _password(client)
    assert [_code(client, "000000").status_code for _ in range(3)] == [422, 422, 422]
    # Another browser (another address, as far as the account is concerned) shares the budget.
    other = server_app.test_client()
    _password(other)
    traveller.shift(STEP)
    response = _code(other, pyotp.TOTP(secret).now())
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_remember_this_device_skips_the_code_until_devices_are_forgotten(client, olga, traveller):
    secret, _ = enrol(olga)
    traveller.shift(STEP)
    _password(client)
    _code(client, pyotp.TOTP(secret).now(), remember_device="y")
    cookie = client.get_cookie("remembered_device")
    assert cookie is not None and cookie.http_only
    post(client, "/logout", token_from="/account")

    response = _password(client)
    assert response.location == "/t/acme/members"  # no code asked
    assert sessions.list_sessions(olga.id)[0].mfa
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.details["second_factor"] == "remembered_device"

    post(client, "/account/two-factor/forget-devices", token_from="/account")
    post(client, "/logout", token_from="/account")
    assert _password(client).location == "/login/two-factor"


def test_a_remembered_device_of_one_user_does_not_skip_anothers_code(client, olga, traveller):
    secret, _ = enrol(olga)
    bob = f.user("bob@acme.test")
    bob_secret, _ = enrol(bob)
    traveller.shift(STEP)
    _password(client)
    _code(client, pyotp.TOTP(secret).now(), remember_device="y")
    post(client, "/logout", token_from="/account")
    assert _password(client, "bob@acme.test").location == "/login/two-factor"
    assert bob_secret


# --- Enrolment from the account pages --------------------------------------------------------------

def test_enrolment_shows_a_qr_code_and_the_key_and_is_confirmed_by_a_code(client, olga, traveller):
    login(client, olga)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Not set up" in page
    post(client, "/account/two-factor/setup", token_from="/account")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    secret = mfa.pending_enrolment(olga).secret
    assert secret in page

    wrong = post(client, "/account/two-factor/confirm", {"code": "123456"}, token_from="/account")
    assert wrong.status_code == 422 and "not right" in wrong.get_data(as_text=True)
    assert not mfa.is_enabled(olga)

    done = post(client, "/account/two-factor/confirm", {"code": pyotp.TOTP(secret).now()}, token_from="/account")
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "shown only this once" in html
    assert html.count("<li>") >= 10
    db.session.expire_all()
    assert mfa.is_enabled(olga)
    assert sessions.list_sessions(olga.id)[0].mfa  # the session that enrolled passed the factor


def test_turning_two_factor_off_needs_a_code_and_signs_out_other_sessions(client, server_app, olga, traveller):
    _, codes = enrol(olga)
    login(client, olga, mfa=True)
    laptop = server_app.test_client()
    login(laptop, olga, mfa=True)
    refused = post(client, "/account/two-factor/disable", {"code": "000000"}, token_from="/account")
    assert refused.status_code == 422 and mfa.is_enabled(olga)

    post(client, "/account/two-factor/disable", {"code": codes[1]}, token_from="/account")
    db.session.expire_all()
    assert not mfa.is_enabled(olga)
    assert laptop.get("/t/acme/").status_code == 302
    (left,) = sessions.list_sessions(olga.id)
    assert not left.mfa


def test_new_recovery_codes_need_a_current_code(client, olga, traveller):
    secret, old = enrol(olga)
    login(client, olga, mfa=True)
    traveller.shift(STEP)
    response = post(client, "/account/two-factor/recovery-codes", {"code": pyotp.TOTP(secret).now()},
                    token_from="/account")
    assert response.status_code == 200 and "old codes no longer work" in response.get_data(as_text=True)
    assert old[0] not in response.get_data(as_text=True)


# --- "Require two-factor" ------------------------------------------------------------------------

@pytest.fixture
def strict_acme(olga):
    acme = tenants.find_tenant("acme")
    _, acme.olgas_codes = enrol(olga)
    tenants.update_tenant(acme, Actor.for_user(olga), require_2fa=True)
    return acme


def test_a_member_without_two_factor_is_sent_to_set_it_up_then_gets_in(client, strict_acme, traveller):
    mia = f.member(strict_acme, "member", f.user("mia@acme.test"))
    login(client, mia)
    response = client.get("/t/acme/members")
    assert response.status_code == 302
    assert response.location == "/account/two-factor?next=/t/acme/members"
    assert "requires two-factor" in client.get(response.location).get_data(as_text=True)

    post(client, "/account/two-factor/setup?next=/t/acme/members", token_from="/account")
    secret = mfa.pending_enrolment(mia).secret
    done = post(client, "/account/two-factor/confirm?next=/t/acme/members", {"code": pyotp.TOTP(secret).now()},
                token_from="/account")
    assert 'href="/t/acme/members"' in done.get_data(as_text=True)
    assert client.get("/t/acme/members").status_code == 200


def test_a_member_with_two_factor_but_a_session_without_it_enters_a_code(client, strict_acme, olga):
    login(client, olga)  # a session that never passed the factor (e.g. older than the enrolment)
    response = client.get("/t/acme/")
    assert response.location == "/account/two-factor?next=/t/acme/"
    assert "Enter a code to continue" in client.get(response.location).get_data(as_text=True)

    verified = post(client, "/account/two-factor/verify?next=/t/acme/", {"code": strict_acme.olgas_codes[0]},
                    token_from="/account")
    assert verified.location == "/t/acme/"
    assert client.get("/t/acme/").status_code == 200


def test_an_sso_sign_in_satisfies_the_policy(client, strict_acme):
    mia = f.member(strict_acme, "member", f.user("mia@acme.test"))
    login(client, mia, mfa=True, method="oidc")
    assert client.get("/t/acme/").status_code == 200


def test_the_policy_applies_to_its_tenant_only(client, strict_acme):
    mia = f.member(strict_acme, "member", f.user("mia@acme.test"))
    f.tenant("globex", owner=mia)
    login(client, mia)
    assert client.get("/t/globex/").status_code == 200
    assert client.get("/t/acme/").status_code == 302


def test_a_jwt_without_a_second_factor_is_refused_by_a_strict_tenant_and_api_keys_are_not(client, strict_acme):
    from app.api.tokens import issue_token

    mia = f.member(strict_acme, "admin", f.user("mia@acme.test"))
    token, _ = issue_token(mia, strict_acme)
    response = client.get("/api/v1/tenants/acme", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and response.json["error"]["code"] == "two_factor_required"

    key = f.api_key(strict_acme, "viewer")
    assert client.get("/api/v1/tenants/current", headers={"Authorization": f"Bearer {key}"}).status_code == 200


def test_an_owner_cannot_require_two_factor_before_using_it(client, olga):
    login(client, olga)
    response = post(client, "/t/acme/settings", {"name": "Acme", "slug": "acme", "timezone": "UTC", "locale": "en",
                                                  "brand_color": "#4f46e5", "require_2fa": "y"},
                    token_from="/t/acme/settings")
    assert response.status_code == 422
    assert "for your own account first" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not tenants.find_tenant("acme").config.require_2fa


def test_the_settings_page_turns_the_policy_on_and_it_is_audited(client, olga):
    enrol(olga)
    login(client, olga, mfa=True)
    response = post(client, "/t/acme/settings", {"name": "Acme", "slug": "acme", "timezone": "UTC", "locale": "en",
                                                  "brand_color": "#4f46e5", "require_2fa": "y"},
                    token_from="/t/acme/settings")
    assert response.status_code == 302
    db.session.expire_all()
    assert tenants.find_tenant("acme").config.require_2fa
    updated = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenant.updated")).one()
    assert updated.details["changes"]["require_2fa"] == {"from": False, "to": True}


# --- Platform admins ----------------------------------------------------------------------------

@pytest.mark.app_config(PLATFORM_ADMIN_REQUIRE_2FA=True)
def test_platform_admins_need_a_second_factor_when_configured(client, traveller):
    root = f.user("root@platform.test", admin=True)
    login(client, root)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/account/two-factor")
    assert client.get("/api/v1/tenants/", headers={"Accept": "application/json"}).status_code in (401, 403)

    enrol(root)
    login(client, root, mfa=True)
    assert client.get("/admin/").status_code == 200


def test_without_the_setting_platform_admins_need_no_second_factor(client):
    root = f.user("root@platform.test", admin=True)
    login(client, root)
    assert client.get("/admin/").status_code == 200


def test_the_account_pages_are_closed_while_viewing_as_an_owner(client, olga):
    root = f.user("root@platform.test", admin=True)
    login(client, root)
    acme = tenants.find_tenant("acme")
    post(client, f"/admin/tenants/{acme.id}/impersonate", {"reason": "support ticket"}, token_from="/admin/")
    assert client.get("/account").status_code == 403
    assert client.get("/account/two-factor").status_code == 403
