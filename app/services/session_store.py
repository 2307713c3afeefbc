"""Where server-side sessions live: the database (the default) or Redis (SESSION_STORE=redis).

Both stores keep the same `SessionRecord` under the SHA-256 of the cookie's token and can list a
user's records; the rules (expiry, who may end what) are in services/sessions.py.

The database store works in the caller's transaction (its changes commit with the unit of work
they belong to, e.g. a password change and the sessions it ends). Redis writes at once; that only
ever errs towards a session ending, never towards one surviving.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import UserSession


@dataclass
class SessionRecord:
    id: str
    user_id: int
    method: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    mfa: bool = False
    persistent: bool = False
    tenant_id: str | None = None
    impersonator_user_id: int | None = None
    ip: str | None = None
    user_agent: str = ""


_DATETIMES = ("created_at", "last_seen_at", "expires_at")
_FIELDS = tuple(f.name for f in fields(SessionRecord))


class SessionStore(Protocol):
    def add(self, token_hash: str, record: SessionRecord) -> None: ...
    def get(self, token_hash: str) -> SessionRecord | None: ...
    def update(self, token_hash: str, **changes) -> None: ...
    def update_now(self, token_hash: str, **changes) -> None: ...
    def delete(self, token_hashes: list[str]) -> None: ...
    def for_user(self, user_id: int) -> list[tuple[str, SessionRecord]]: ...
    def delete_expired(self, now: datetime) -> int: ...


class DatabaseStore:
    """Rows of `user_sessions`, through the request's SQLAlchemy session (the caller commits)."""

    @staticmethod
    def _record(row: UserSession) -> SessionRecord:
        return SessionRecord(**{name: getattr(row, name) for name in _FIELDS})

    def add(self, token_hash: str, record: SessionRecord) -> None:
        db.session.add(UserSession(token_hash=token_hash, **asdict(record)))
        db.session.flush()

    def get(self, token_hash: str) -> SessionRecord | None:
        row = db.session.scalar(select(UserSession).where(UserSession.token_hash == token_hash))
        return self._record(row) if row is not None else None

    def update(self, token_hash: str, **changes) -> None:
        db.session.execute(update(UserSession).where(UserSession.token_hash == token_hash).values(**changes)
                           .execution_options(synchronize_session=False))

    def update_now(self, token_hash: str, **changes) -> None:
        """Update in a short transaction of its own: bookkeeping (last seen) that must not
        commit, or wait for, whatever the request's session holds."""
        with db.engine.begin() as conn:
            conn.execute(update(UserSession).where(UserSession.token_hash == token_hash).values(**changes))

    def delete(self, token_hashes: list[str]) -> None:
        if token_hashes:
            db.session.execute(delete(UserSession).where(UserSession.token_hash.in_(token_hashes))
                               .execution_options(synchronize_session=False))

    def for_user(self, user_id: int) -> list[tuple[str, SessionRecord]]:
        rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)
                                  .order_by(UserSession.last_seen_at.desc())).all()
        return [(row.token_hash, self._record(row)) for row in rows]

    def delete_expired(self, now: datetime) -> int:
        result = db.session.execute(delete(UserSession).where(UserSession.expires_at <= now)
                                    .execution_options(synchronize_session=False))
        return result.rowcount or 0


class RedisStore:
    """`<prefix>s:<hash>` holds a record as JSON (expiring with it); `<prefix>u:<user id>` the set of a
    user's hashes, pruned of expired members whenever it is read."""

    def __init__(self, client, prefix: str = "session:") -> None:
        self.client = client
        self.prefix = prefix

    def _key(self, token_hash: str) -> str:
        return f"{self.prefix}s:{token_hash}"

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}u:{user_id}"

    @staticmethod
    def _dump(record: SessionRecord) -> str:
        data = asdict(record)
        for name in _DATETIMES:
            data[name] = data[name].isoformat()
        return json.dumps(data)

    @staticmethod
    def _load(raw: bytes | str | None) -> SessionRecord | None:
        if raw is None:
            return None
        data = json.loads(raw)
        for name in _DATETIMES:
            data[name] = datetime.fromisoformat(data[name])
        return SessionRecord(**{k: v for k, v in data.items() if k in _FIELDS})

    def _ttl(self, record: SessionRecord) -> int:
        from app.models.types import utcnow

        return max(1, int((record.expires_at - utcnow()).total_seconds()))

    def add(self, token_hash: str, record: SessionRecord) -> None:
        ttl = self._ttl(record)
        pipe = self.client.pipeline()
        pipe.set(self._key(token_hash), self._dump(record), ex=ttl)
        pipe.sadd(self._user_key(record.user_id), token_hash)
        pipe.expire(self._user_key(record.user_id), ttl, gt=True)
        pipe.expire(self._user_key(record.user_id), ttl, nx=True)
        pipe.execute()

    def get(self, token_hash: str) -> SessionRecord | None:
        return self._load(self.client.get(self._key(token_hash)))

    def update(self, token_hash: str, **changes) -> None:
        record = self.get(token_hash)
        if record is None:
            return
        for name, value in changes.items():
            setattr(record, name, value)
        # xx: never resurrect a record that was deleted meanwhile (a sign-out racing a request).
        self.client.set(self._key(token_hash), self._dump(record), ex=self._ttl(record), xx=True)
        self.client.expire(self._user_key(record.user_id), self._ttl(record), gt=True)

    update_now = update

    def delete(self, token_hashes: list[str]) -> None:
        if not token_hashes:
            return
        records = [self.get(h) for h in token_hashes]
        pipe = self.client.pipeline()
        pipe.delete(*[self._key(h) for h in token_hashes])
        for token_hash, record in zip(token_hashes, records, strict=True):
            if record is not None:
                pipe.srem(self._user_key(record.user_id), token_hash)
        pipe.execute()

    def for_user(self, user_id: int) -> list[tuple[str, SessionRecord]]:
        hashes = sorted(h.decode() if isinstance(h, bytes) else h
                        for h in self.client.smembers(self._user_key(user_id)))
        if not hashes:
            return []
        raws = self.client.mget([self._key(h) for h in hashes])
        found, gone = [], []
        for token_hash, raw in zip(hashes, raws, strict=True):
            record = self._load(raw)
            if record is None or record.user_id != user_id:
                gone.append(token_hash)
            else:
                found.append((token_hash, record))
        if gone:
            self.client.srem(self._user_key(user_id), *gone)
        return sorted(found, key=lambda pair: pair[1].last_seen_at, reverse=True)

    def delete_expired(self, now: datetime) -> int:
        return 0  # Redis expires records by itself; user sets are pruned when read


@lru_cache(maxsize=8)
def _redis_store(url: str, prefix: str) -> RedisStore:
    import redis

    return RedisStore(redis.Redis.from_url(url), prefix)


def store_for(config) -> SessionStore:
    """The store the configuration names: SESSION_STORE `database` (default) or `redis` (needs REDIS_URL)."""
    if config.get("SESSION_STORE") == "redis":
        url = config.get("SESSION_REDIS_URL") or config.get("REDIS_URL")
        if not url:
            raise RuntimeError("SESSION_STORE=redis needs REDIS_URL (or SESSION_REDIS_URL).")
        return _redis_store(url, config.get("SESSION_REDIS_PREFIX") or "session:")
    return DatabaseStore()
