"""Server-side sign-in sessions: start, resume, list and end them.

A browser holds one random token (in its signed session cookie); the store keeps a record under
the token's SHA-256: who, how they signed in, whether a second factor was satisfied, from where,
last seen, and when it expires. Ending a session deletes the record, so a copy of the cookie is
worth nothing afterwards. Expiry slides: a session idle for SESSION_IDLE_MINUTES (or, with "keep me
signed in", SESSION_REMEMBER_DAYS) is over.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext

from app.models import User
from app.models.types import utcnow
from app.services.audit import Actor, record
from app.services.errors import NotFound
from app.services.session_store import SessionRecord, SessionStore, store_for
from app.services.transaction import unit_of_work

DEFAULT_IDLE_MINUTES = 12 * 60
DEFAULT_REMEMBER_DAYS = 30
DEFAULT_TOUCH_SECONDS = 60
USER_AGENT_MAX = 255


def _store() -> SessionStore:
    return store_for(current_app.config)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(persistent: bool) -> timedelta:
    """How long a session may sit idle before it is over."""
    config = current_app.config
    if persistent:
        return timedelta(days=config.get("SESSION_REMEMBER_DAYS") or DEFAULT_REMEMBER_DAYS)
    return timedelta(minutes=config.get("SESSION_IDLE_MINUTES") or DEFAULT_IDLE_MINUTES)


def start(user: User, *, method: str, mfa: bool = False, persistent: bool = False, tenant_id: str | None = None,
          impersonator_user_id: int | None = None, ip: str | None = None, user_agent: str | None = None,
          now: datetime | None = None) -> tuple[str, SessionRecord]:
    """Open a session for `user`; returns the cookie's token (shown nowhere else) and the record.

    Joins the caller's transaction on the database store: the caller commits (sign-in does so
    together with its audit event).
    """
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session_record = SessionRecord(
        id=secrets.token_hex(12), user_id=user.id, method=method, mfa=mfa, persistent=persistent,
        tenant_id=tenant_id, impersonator_user_id=impersonator_user_id, ip=ip,
        user_agent=(user_agent or "")[:USER_AGENT_MAX], created_at=now, last_seen_at=now,
        expires_at=now + lifetime(persistent))
    _store().add(token_hash(token), session_record)
    return token, session_record


def resume(token: str | None, now: datetime | None = None) -> SessionRecord | None:
    """The live session this token names, or None (unknown, ended or expired)."""
    if not token or len(token) > 100:
        return None
    found = _store().get(token_hash(token))
    if found is None or found.expires_at <= (now or utcnow()):
        return None
    return found


def needs_touch(session_record: SessionRecord, ip: str | None, now: datetime | None = None) -> bool:
    """Whether a request should refresh last-seen (at most once a minute, or when the address changed)."""
    interval = current_app.config.get("SESSION_TOUCH_SECONDS", DEFAULT_TOUCH_SECONDS)
    now = now or utcnow()
    return ip != session_record.ip or now - session_record.last_seen_at >= timedelta(seconds=interval)


def touch(token: str, session_record: SessionRecord, ip: str | None, now: datetime | None = None) -> None:
    """Slide the expiry and note when and from where the session was last used (committed at once,
    apart from the request's own transaction)."""
    now = now or utcnow()
    _store().update_now(token_hash(token), last_seen_at=now, ip=ip,
                    expires_at=now + lifetime(session_record.persistent))


def set_mfa(token: str | None, satisfied: bool) -> None:
    """Record whether this session has passed a second factor (it just enrolled or entered a code;
    or the factor was removed). Committed at once: call it after the change that caused it."""
    if token:
        _store().update_now(token_hash(token), mfa=satisfied)


def satisfy_mfa(token: str | None) -> None:
    set_mfa(token, True)


def end(token: str | None) -> None:
    """End the session this token names (signing out). Unknown tokens are ignored."""
    if token:
        _store().delete([token_hash(token)])


def list_sessions(user_id: int, now: datetime | None = None) -> list[SessionRecord]:
    """A user's live sessions, most recently used first."""
    now = now or utcnow()
    return [found for _, found in _store().for_user(user_id) if found.expires_at > now]


def end_session(user: User, session_id: str, actor: Actor) -> SessionRecord:
    """End one of `user`'s own sessions by its public id; `NotFound` if it is not one of theirs."""
    store = _store()
    for hashed, found in store.for_user(user.id):
        if found.id == session_id:
            with unit_of_work():
                store.delete([hashed])
                record("session.ended", actor, target_type="user", target_id=user.id,
                       details={"session_id": session_id})
            return found
    raise NotFound(gettext("That session is not one of yours, or it has already ended."), code="session_not_found")


def end_all(user_id: int, *, except_token: str | None = None, tenant_id: str | None = None) -> int:
    """End a user's sessions (all but `except_token`; only those bound to `tenant_id`, if given).

    Joins the caller's transaction on the database store. Returns how many ended.
    """
    store = _store()
    keep = token_hash(except_token) if except_token else None
    doomed = [hashed for hashed, found in store.for_user(user_id)
              if hashed != keep and (tenant_id is None or found.tenant_id == tenant_id)]
    store.delete(doomed)
    return len(doomed)


def end_other_sessions(user: User, current_token: str | None, actor: Actor) -> int:
    """"Sign out everywhere else": end every session of `user` but the current one (audited)."""
    with unit_of_work():
        ended = end_all(user.id, except_token=current_token)
        record("session.ended_others", actor, target_type="user", target_id=user.id, details={"ended": ended})
    return ended


def purge_expired(now: datetime | None = None) -> int:
    """Delete expired session records (the database store; Redis expires them by itself)."""
    with unit_of_work():
        return _store().delete_expired(now or utcnow())
