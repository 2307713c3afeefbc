"""Signed-in sessions live server-side: signing out, idling out or being signed out elsewhere ends
them for every copy of the cookie. Runs on the database store and, where REDIS_URL is set, on Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.services import sessions
from tests import factories as f
from tests.conftest import csrf_token

START = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["database", "redis"])
def store(request):
    """Each test runs once per session store."""
    if request.param == "redis":
        request.getfixturevalue("redis_sessions")
    return request.param


@pytest.fixture
def olga():
    owner = f.user("olga@acme.test")
    f.tenant("acme", owner=owner)
    return owner


def _sign_in(client, email="olga@acme.test", *, remember=False):
    data = {"csrf_token": csrf_token(client), "email": email, "password": f.PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _sign_out(client):
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/t/acme/")})


def _lands_on_login(response) -> bool:
    return response.status_code == 302 and response.location.startswith("/login")


# --- Issue 9, finding 6 ----------------------------------------------------------------------------

def test_sign_out_after_keep_me_signed_in_really_signs_out(client, olga, store):
    _sign_in(client, remember=True)
    assert client.get("/t/acme/").status_code == 200

    _sign_out(client)

    assert _lands_on_login(client.get("/t/acme/"))


def test_a_session_cookie_copied_before_sign_out_stops_working(client, server_app, olga, store):
    _sign_in(client, remember=True)
    copied = {name: client.get_cookie(name).value for name in ("session", "remember_token")
              if client.get_cookie(name) is not None}
    thief = server_app.test_client()
    for name, value in copied.items():
        thief.set_cookie(name, value)
    assert thief.get("/t/acme/").status_code == 200  # the copy works while the session lives

    _sign_out(client)

    assert _lands_on_login(thief.get("/t/acme/"))


# --- Lifetime --------------------------------------------------------------------------------------

def test_a_session_ends_after_it_sits_idle_too_long(client, olga, store, clock):
    traveller = clock(START)
    _sign_in(client)
    traveller.shift(timedelta(hours=11, minutes=59))
    assert client.get("/t/acme/").status_code == 200  # use slides the window
    traveller.shift(timedelta(hours=11, minutes=59))
    assert client.get("/t/acme/").status_code == 200
    traveller.shift(timedelta(hours=12, seconds=1))
    assert _lands_on_login(client.get("/t/acme/"))


def test_keep_me_signed_in_lasts_thirty_idle_days_in_a_cookie_that_outlives_the_browser(client, olga, store, clock):
    traveller = clock(START)
    _sign_in(client, remember=True)
    cookie = client.get_cookie("session")
    assert cookie.expires is not None and cookie.expires - START >= timedelta(days=29)
    traveller.shift(timedelta(days=29))
    assert client.get("/t/acme/").status_code == 200
    traveller.shift(timedelta(days=30, seconds=1))
    assert _lands_on_login(client.get("/t/acme/"))


def test_without_keep_me_signed_in_the_cookie_dies_with_the_browser(client, olga):
    _sign_in(client)
    assert client.get_cookie("session").expires is None


# --- Ended elsewhere -------------------------------------------------------------------------------

def test_a_password_change_ends_every_other_session_but_not_the_one_making_it(client, server_app, olga, store):
    _sign_in(client)
    laptop = server_app.test_client()
    _sign_in(laptop)
    assert len(sessions.list_sessions(olga.id)) == 2

    with client.session_transaction() as cookie:
        token = cookie["_sid"]
    from app.services import accounts
    from app.services.audit import Actor

    accounts.set_password(olga, "a-brand-new-secret", Actor.for_user(olga), keep_session_token=token)

    assert client.get("/t/acme/").status_code == 200
    assert _lands_on_login(laptop.get("/t/acme/"))


def test_disabling_an_account_ends_its_sessions_at_once(client, olga, store):
    from app.services import platform_users
    from app.services.audit import Actor

    _sign_in(client)
    platform_users.disable_user(olga, Actor.system())
    assert sessions.list_sessions(olga.id) == []
    assert _lands_on_login(client.get("/t/acme/"))


def test_sign_in_records_how_and_from_where(client, olga):
    client.post("/login", data={"csrf_token": csrf_token(client), "email": "olga@acme.test",
                                "password": f.PASSWORD}, headers={"User-Agent": "Mozilla/5.0 (X11; Linux) Firefox/140.0"})
    (record,) = sessions.list_sessions(olga.id)
    assert record.method == "password" and not record.mfa and not record.persistent
    assert record.ip == "127.0.0.1" and "Firefox" in record.user_agent
    login = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.login")).one()
    assert login.details == {"method": "password"} and login.actor_user_id == olga.id


def test_a_forged_or_unknown_session_token_is_signed_out(client, olga):
    _sign_in(client)
    with client.session_transaction() as cookie:
        cookie["_sid"] = "not-a-real-token"
    assert _lands_on_login(client.get("/t/acme/"))


def test_a_cookie_naming_another_user_than_its_session_is_signed_out(client, olga):
    other = f.user("mallory@acme.test")
    _sign_in(client)
    with client.session_transaction() as cookie:
        cookie["_user_id"] = other.get_id()
    assert _lands_on_login(client.get("/t/acme/"))
