"""The session service on both stores: what a session list shows, what ending one does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, UserSession
from app.services import sessions
from app.services.audit import Actor
from app.services.errors import NotFound
from tests import factories as f

START = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["database", "redis"])
def store(request):
    if request.param == "redis":
        request.getfixturevalue("redis_sessions")
    return request.param


def _start(user, **kwargs):
    token, record = sessions.start(user, method="password", **kwargs)
    db.session.commit()
    return token, record


def test_a_token_resumes_its_session_until_it_ends(app, store):
    olga = f.user()
    token, record = _start(olga, ip="203.0.113.9", user_agent="Mozilla/5.0")
    resumed = sessions.resume(token)
    assert resumed.id == record.id and resumed.user_id == olga.id and resumed.ip == "203.0.113.9"

    sessions.end(token)
    db.session.commit()
    assert sessions.resume(token) is None
    assert sessions.list_sessions(olga.id) == []


@pytest.mark.parametrize("token", [None, "", "x" * 101, "unknown-token"])
def test_nothing_but_a_live_token_resumes_anything(app, store, token):
    _start(f.user())
    assert sessions.resume(token) is None


def test_the_session_list_is_the_users_own_most_recent_first(app, store, clock):
    traveller = clock(START)
    olga, other = f.user(), f.user()
    first_token, first = _start(olga)
    traveller.shift(timedelta(minutes=5))
    _, second = _start(olga)
    _start(other)
    traveller.shift(timedelta(minutes=5))
    sessions.touch(first_token, first, "198.51.100.7")

    listed = sessions.list_sessions(olga.id)
    assert [s.id for s in listed] == [first.id, second.id]
    assert listed[0].ip == "198.51.100.7" and listed[0].last_seen_at == START + timedelta(minutes=10)


def test_touch_slides_the_expiry_and_is_needed_at_most_once_a_minute(app, store, clock):
    traveller = clock(START)
    token, record = _start(f.user(), ip="127.0.0.1")
    assert not sessions.needs_touch(record, "127.0.0.1")
    assert sessions.needs_touch(record, "10.9.9.9")  # a new address is worth noting at once
    traveller.shift(timedelta(seconds=60))
    assert sessions.needs_touch(record, "127.0.0.1")
    sessions.touch(token, record, "127.0.0.1")
    assert sessions.resume(token).expires_at == START + timedelta(seconds=60) + timedelta(hours=12)


def test_one_can_end_only_ones_own_sessions(app, store):
    olga, mallory = f.user(), f.user()
    olga_token, olga_session = _start(olga)
    with pytest.raises(NotFound):
        sessions.end_session(mallory, olga_session.id, Actor.for_user(mallory))
    assert sessions.resume(olga_token) is not None

    sessions.end_session(olga, olga_session.id, Actor.for_user(olga))
    assert sessions.resume(olga_token) is None
    ended = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.ended")).one()
    assert ended.actor_user_id == olga.id and ended.details == {"session_id": olga_session.id}


def test_signing_out_everywhere_else_keeps_the_current_session(app, store):
    olga = f.user()
    keep, _ = _start(olga)
    others = [_start(olga)[0] for _ in range(3)]
    assert sessions.end_other_sessions(olga, keep, Actor.for_user(olga)) == 3
    assert sessions.resume(keep) is not None
    assert all(sessions.resume(token) is None for token in others)


def test_ending_a_tenants_sessions_leaves_the_others(app, store):
    olga = f.user()
    acme, globex = f.tenant("acme"), f.tenant("globex")
    via_acme, _ = _start(olga, tenant_id=acme.id)
    via_globex, _ = _start(olga, tenant_id=globex.id)
    by_password, _ = _start(olga)
    assert sessions.end_all(olga.id, tenant_id=acme.id) == 1
    db.session.commit()
    assert sessions.resume(via_acme) is None
    assert sessions.resume(via_globex) is not None and sessions.resume(by_password) is not None


def test_expired_sessions_resume_nothing_and_are_purged(app, clock):
    traveller = clock(START)
    olga = f.user()
    short, _ = _start(olga)
    long, _ = _start(olga, persistent=True)
    traveller.shift(timedelta(hours=12))
    assert sessions.resume(short) is None and sessions.resume(long) is not None
    assert [s.persistent for s in sessions.list_sessions(olga.id)] == [True]
    assert sessions.purge_expired() == 1
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 1


def test_the_database_keeps_only_a_hash_of_the_token(app):
    token, record = _start(f.user())
    row = db.session.get(UserSession, record.id)
    assert row.token_hash == sessions.token_hash(token) and token not in row.token_hash
