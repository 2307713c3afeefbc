"""The account page: profile, password, and the list of one's sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, User
from app.services import sessions
from tests import factories as f
from tests.conftest import login
from tests.web.conftest import HX, post


@pytest.fixture
def olga():
    owner = f.user("olga@acme.test", name="Olga Owner")
    f.tenant("acme", owner=owner, name="Acme")
    return owner


def test_the_account_page_is_for_signed_in_people(client):
    response = client.get("/account")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_the_account_page_shows_profile_password_two_factor_and_sessions(client, olga):
    login(client, olga)
    html = client.get("/account").get_data(as_text=True)
    for heading in ("Profile", "Password", "Two-factor authentication", "Active sessions", "This device"):
        assert heading in html
    assert 'href="/account"' in client.get("/t/acme/").get_data(as_text=True)  # the user menu links it


def test_profile_changes_are_saved_audited_and_used_for_the_page(client, olga):
    login(client, olga)
    response = post(client, "/account/profile", {"name": "Olga O.", "locale": "zh", "timezone": "Asia/Tokyo"},
                    token_from="/account")
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, olga.id)
    assert (user.name, user.locale, user.timezone) == ("Olga O.", "zh", "Asia/Tokyo")
    assert '<html lang="zh-Hans">' in client.get("/account").get_data(as_text=True)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.profile_updated")).one()
    assert event.details["changes"]["timezone"] == {"from": None, "to": "Asia/Tokyo"}


def test_bad_profile_input_shows_every_error_and_saves_nothing(client, olga):
    login(client, olga)
    response = post(client, "/account/profile", {"name": "", "locale": "xx", "timezone": "Mars/Olympus"},
                    token_from="/account")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required" in html or "Name is required" in html
    db.session.expire_all()
    assert db.session.get(User, olga.id).name == "Olga Owner"

    response = post(client, "/account/profile", {"name": "Olga", "locale": "xx", "timezone": "Mars/Olympus"},
                    token_from="/account")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Language must be one of" in html and "Unknown time zone" in html
    db.session.expire_all()
    assert db.session.get(User, olga.id).timezone is None


def test_changing_the_password_needs_the_current_one(client, olga):
    login(client, olga)
    response = post(client, "/account/password", {"current_password": "not-it", "password": "a-new-long-secret",
                                                   "confirm": "a-new-long-secret"}, token_from="/account")
    assert response.status_code == 422 and "not your current password" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, olga.id).check_password(f.PASSWORD)


def test_changing_the_password_signs_out_other_sessions_and_keeps_this_one(client, server_app, olga):
    login(client, olga)
    phone = server_app.test_client()
    login(phone, olga)
    response = post(client, "/account/password", {"current_password": f.PASSWORD, "password": "a-new-long-secret",
                                                   "confirm": "a-new-long-secret"}, token_from="/account")
    assert response.status_code == 302
    assert "Every other session was signed out" in client.get("/account").get_data(as_text=True)
    assert client.get("/t/acme/").status_code == 200
    assert phone.get("/t/acme/").location.startswith("/login")


def test_a_new_password_must_follow_the_policy(client, olga):
    login(client, olga)
    response = post(client, "/account/password", {"current_password": f.PASSWORD, "password": "short",
                                                   "confirm": "short"}, token_from="/account")
    assert response.status_code == 422 and "at least 10 characters" in response.get_data(as_text=True)


def test_ending_another_session_signs_that_browser_out(client, server_app, olga):
    login(client, olga)
    laptop = server_app.test_client()
    laptops = sessions.resume(login(laptop, olga))

    response = post(client, f"/account/sessions/{laptops.id}/end", htmx=True, token_from="/account")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="sessions"' in html and "That session is signed out" in html and laptops.id not in html
    assert laptop.get("/t/acme/").location.startswith("/login")
    assert client.get("/t/acme/").status_code == 200


def test_no_one_ends_another_persons_session(client, server_app, olga):
    mallory = f.user("mallory@acme.test")
    phone = server_app.test_client()
    login(phone, olga)
    (olgas,) = sessions.list_sessions(olga.id)
    login(client, mallory)
    response = post(client, f"/account/sessions/{olgas.id}/end", token_from="/account")
    assert response.status_code == 302
    assert phone.get("/t/acme/").status_code == 200
    assert "not one of yours" in client.get("/account").get_data(as_text=True)


def test_sign_out_all_other_sessions(client, server_app, olga):
    login(client, olga)
    others = [server_app.test_client() for _ in range(2)]
    for other in others:
        login(other, olga)
    response = post(client, "/account/sessions/end-others", token_from="/account")
    assert response.status_code == 302
    assert all(o.get("/t/acme/").location.startswith("/login") for o in others)
    assert len(sessions.list_sessions(olga.id)) == 1


def test_ending_ones_own_current_session_signs_out(client, olga):
    login(client, olga)
    (mine,) = sessions.list_sessions(olga.id)
    response = client.post(f"/account/sessions/{mine.id}/end",
                           data={"csrf_token": _token(client)}, headers=HX)
    assert response.headers["HX-Redirect"] == "/login"
    assert client.get("/t/acme/").location.startswith("/login")


def _token(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/account")
