"""Signing up, in and out, and resetting a forgotten password by an emailed link."""

from __future__ import annotations

import re

import pytest

from app import create_app
from app.extensions import db
from app.models import Tenant, TenantUser
from app.services import accounts
from tests import factories as f
from tests.conftest import csrf_token
from tests.mailbox import first_link
from tests.web.conftest import post


def _login(client, email: str, password: str = f.PASSWORD, next_: str | None = None):
    path = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(path, data={"csrf_token": csrf_token(client), "email": email, "password": password})


# --- Sign in / out ---------------------------------------------------------------------------------

def test_owner_signs_in_and_lands_on_their_last_used_tenant(client):
    owner = f.user("olga@acme.test")
    f.tenant("acme", owner=owner)
    globex = f.tenant("globex", owner=owner)
    owner.last_tenant_id = globex.id
    db.session.commit()
    response = _login(client, "olga@acme.test")
    assert response.status_code == 302
    assert client.get(response.location).location.endswith("/t/globex/")


def test_wrong_password_re_renders_the_form_with_a_message(client):
    f.user("olga@acme.test")
    response = _login(client, "olga@acme.test", "not-the-password")
    assert response.status_code == 422
    assert "don&#39;t match an account" in response.get_data(as_text=True)


def test_sign_in_rotates_the_session(client):
    f.user("olga@acme.test")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _login(client, "olga@acme.test")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


@pytest.mark.parametrize(("target", "lands_on"), [
    ("/t/acme/members", "/t/acme/members"),
    ("https://evil.example/", "/"),
    ("//evil.example/phish", "/"),
])
def test_next_only_leads_to_our_own_paths(client, target, lands_on):
    owner = f.user("olga@acme.test")
    f.tenant("acme", owner=owner)
    response = _login(client, "olga@acme.test", next_=target)
    assert response.location == lands_on


def test_login_without_csrf_token_is_refused(client):
    f.user("olga@acme.test")
    response = client.post("/login", data={"email": "olga@acme.test", "password": f.PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_log_out_ends_the_session(client, as_user):
    owner = f.user("olga@acme.test")
    f.tenant("acme", owner=owner)
    as_user(owner)
    response = post(client, "/logout")
    assert response.location == "/login"
    assert client.get("/t/acme/").status_code == 302


@pytest.mark.app_config(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
def test_login_attempts_are_rate_limited(client):
    f.user("olga@acme.test")
    responses = [_login(client, "olga@acme.test", "guess-number-x") for _ in range(4)]
    assert [r.status_code for r in responses] == [422, 422, 422, 429]
    assert "Too many attempts" in responses[-1].get_data(as_text=True)


# --- Sign up ---------------------------------------------------------------------------------------

def _sign_up(client, **overrides):
    data = {"name": "Olga Owner", "email": "olga@new.test", "password": "a-long-enough-secret",
            "organisation": "New Co", "slug": "newco", **overrides}
    return client.post("/signup", data={"csrf_token": csrf_token(client, "/signup"), **data})


def test_sign_up_creates_an_unverified_user_and_a_free_tenant_and_emails_a_link(client, mailbox):
    response = _sign_up(client)
    assert response.status_code == 200
    assert "We sent a message to olga@new.test" in response.get_data(as_text=True)
    db.session.expire_all()
    user = accounts.find_user("olga@new.test")
    tenant = db.session.query(Tenant).filter_by(slug="newco").one()
    assert tenant.plan_code == "free" and tenant.status == "active" and tenant.owner_id == user.id
    assert db.session.query(TenantUser).filter_by(tenant_id=tenant.id, user_id=user.id).one().role == "owner"
    assert not user.is_email_verified
    assert first_link(mailbox.wait_for("olga@new.test"), "/verify-email/")


def test_the_emailed_link_verifies_the_address_once(client, mailbox):
    _sign_up(client)
    path = first_link(mailbox.wait_for("olga@new.test"), "/verify-email/").removeprefix("http://portal.test")
    response = client.get(path)
    assert response.status_code == 302 and response.location.startswith("/login?email=olga")
    db.session.expire_all()
    assert accounts.find_user("olga@new.test").is_email_verified
    again = client.get(path)
    assert again.status_code == 410 and "not valid any more" in again.get_data(as_text=True)


def test_an_unverified_account_signs_in_and_is_asked_to_verify(client, mailbox):
    _sign_up(client)
    assert _login(client, "olga@new.test", "a-long-enough-secret").status_code == 302
    page = client.get("/t/newco/").get_data(as_text=True)
    assert 'data-testid="verify-email"' in page and "Verify your email" in page
    mailbox.clear()
    resent = client.post("/verify-email", data={"csrf_token": csrf_token(client, "/t/newco/")})
    assert resent.status_code == 302
    client.get(first_link(mailbox.wait_for("olga@new.test"), "/verify-email/").removeprefix("http://portal.test"))
    assert 'data-testid="verify-email"' not in client.get("/t/newco/").get_data(as_text=True)


def test_a_verified_account_sees_no_banner(client):
    owner = f.user("olga@acme.test")
    f.tenant("acme", owner=owner)
    _login(client, "olga@acme.test")
    assert 'data-testid="verify-email"' not in client.get("/t/acme/").get_data(as_text=True)


def _page_text(response) -> str:
    """The page as a person reads it: the per-session CSRF token left out."""
    return re.sub(r'[\w-]*csrf[\w-]*"?[^"]*"[^"]*"', "", response.get_data(as_text=True), flags=re.I)


def test_sign_up_with_an_existing_email_answers_the_same_and_emails_its_owner(client, app, mailbox):
    existing = f.user("olga@new.test")
    taken = _sign_up(client)
    second = app.test_client()  # a second browser: no session shared with the first
    new = second.post("/signup", data={"csrf_token": csrf_token(second, "/signup"), "name": "Olga Owner",
                                       "email": "ola@new.test", "password": "a-long-enough-secret",
                                       "organisation": "Other Co", "slug": "otherco"})
    assert taken.status_code == new.status_code == 200
    assert _page_text(taken).replace("olga@new.test", "X") == _page_text(new).replace("ola@new.test", "X")
    message = mailbox.wait_for("olga@new.test")
    assert message["Subject"] == "You already have an account"
    db.session.expire_all()
    assert db.session.query(Tenant).filter_by(slug="newco").first() is None
    assert accounts.authenticate("olga@new.test", f.PASSWORD).id == existing.id  # nothing changed


def test_sign_up_with_an_existing_email_refuses_bad_fields_as_for_a_new_one(client):
    f.user("olga@new.test")
    taken = _sign_up(client, password="short")
    new = _sign_up(client, email="ola@new.test", password="short")
    assert taken.status_code == new.status_code == 422
    assert "at least 10 characters" in taken.get_data(as_text=True)
    f.tenant("newco")
    assert "already taken" in _sign_up(client).get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("password", "short", "at least 10 characters"),
    ("password", "olga@new.test-secret", "must not contain your email"),
    ("email", "not-an-email", "is not a valid email address"),
    ("slug", "admin", "reserved"),
])
def test_sign_up_explains_what_is_wrong(client, field, value, message):
    response = _sign_up(client, **{field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_sign_up_reports_every_error_at_once_and_keeps_what_was_typed(client):
    response = _sign_up(client, email="not-an-email", password="short", slug="Acme Corp!")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "is not a valid email address" in html
    assert "at least 10 characters" in html
    assert "Slug may contain only lowercase letters" in html
    # The summary at the top counts them; each field keeps its value, except the password.
    assert "3 fields need attention" in html
    assert 'value="not-an-email"' in html and 'value="Acme Corp!"' in html and 'value="Olga Owner"' in html
    assert "short" not in html.split('name="password"')[1].split(">")[0]
    db.session.expire_all()
    assert accounts.find_user("not-an-email") is None


def test_password_rule_message_names_the_part_of_the_email_it_found(client):
    response = _sign_up(client, password="my-olga-password")
    assert response.status_code == 422
    assert "must not contain “olga”, the part of your email address before the @" in \
        response.get_data(as_text=True)


def test_a_taken_slug_leaves_no_orphan_account_behind(client):
    f.tenant("newco")
    response = _sign_up(client)
    assert response.status_code == 422
    assert "already taken" in response.get_data(as_text=True)
    db.session.expire_all()
    assert accounts.find_user("olga@new.test") is None


# --- Password reset --------------------------------------------------------------------------------

def _request_reset(client, email: str):
    return client.post("/forgot-password", data={"csrf_token": csrf_token(client, "/forgot-password"),
                                                 "email": email})


def test_forgotten_password_is_reset_through_the_emailed_link_once(client, mailbox):
    f.user("olga@acme.test")
    response = _request_reset(client, "olga@acme.test")
    assert "Check your email" in response.get_data(as_text=True)
    link = first_link(mailbox.wait_for("olga@acme.test"), "/reset-password/")
    assert link.startswith("http://portal.test/reset-password/")
    path = link.removeprefix("http://portal.test")

    page = client.get(path)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post(path, data={"csrf_token": token, "password": "brand-new-password",
                                       "confirm": "brand-new-password"})
    assert response.status_code == 302
    db.session.expire_all()
    assert accounts.authenticate("olga@acme.test", "brand-new-password") is not None
    # The link died with the old password.
    again = client.get(path)
    assert again.status_code == 410
    assert "not valid any more" in again.get_data(as_text=True)


def test_a_password_reset_link_proves_the_address(client, mailbox):
    user = f.user("olga@acme.test", verified=False)
    _request_reset(client, "olga@acme.test")
    path = first_link(mailbox.wait_for("olga@acme.test"), "/reset-password/").removeprefix("http://portal.test")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))
    client.post(path, data={"csrf_token": token.group(1), "password": "brand-new-password",
                            "confirm": "brand-new-password"})
    db.session.expire_all()
    assert db.session.get(type(user), user.id).is_email_verified


def test_reset_form_for_an_unknown_email_answers_the_same_and_sends_nothing(client, mailbox):
    response = _request_reset(client, "nobody@acme.test")
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_tampered_reset_link_shows_a_clear_page(client):
    user = f.user("olga@acme.test")
    token = accounts.password_reset_token(user)
    response = client.get(f"/reset-password/{token[:-3]}xyz")
    assert response.status_code == 410
    assert "not valid any more" in response.get_data(as_text=True)


def test_reset_link_expires_after_an_hour(app):
    user = f.user("olga@acme.test")
    token = accounts.password_reset_token(user)
    with pytest.raises(accounts.ValidationError) as caught:
        accounts.user_for_reset_token(token, max_age=-1)
    assert caught.value.code == "reset_link_expired"


def test_new_password_must_follow_the_policy(client):
    user = f.user("olga@acme.test")
    path = f"/reset-password/{accounts.password_reset_token(user)}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "password": "short",
                                       "confirm": "short"})
    assert response.status_code == 422
    assert "at least 10 characters" in response.get_data(as_text=True)


@pytest.mark.app_config(RATELIMIT_ENABLED=True, PASSWORD_RESET_RATE_LIMIT="2 per minute")
def test_password_reset_requests_are_rate_limited(client):
    statuses = [_request_reset(client, "olga@acme.test").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- Cookies and headers ---------------------------------------------------------------------------

def _session_cookie_header(config_name: str, database_url: str) -> str:
    app = create_app(config_name, {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": database_url,
                                   "RATELIMIT_ENABLED": False})
    try:
        response = app.test_client().get("/login")
        return response.headers["Set-Cookie"]
    finally:
        with app.app_context():
            db.engine.dispose()


def test_session_cookie_is_secure_httponly_and_lax_in_production(database_url, _schema):
    cookie = _session_cookie_header("production", database_url)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_session_cookie_works_over_plain_http_in_development(database_url, _schema):
    cookie = _session_cookie_header("development", database_url)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.mark.parametrize("path", ["/login", "/signup", "/forgot-password"])
def test_public_pages_carry_a_strict_csp_and_no_inline_code(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script>"
    assert " style=" not in html and "<style" not in html

