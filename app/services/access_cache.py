"""The per-process cache of what every API call asks first: who is this key, and what may its tenant do.

A metered API call starts with the same lookups every time: the key behind the secret, the tenant
the request names (its status, plan, settings, owner) and the tenant's limits. They change rarely
and are read on every call, so each process keeps them here for a short while (`ACCESS_CACHE_TTL`,
5 s at most) instead of asking the database each time.

What keeps it honest is invalidation, not the TTL:

- **What invalidates**: a commit that changed anything these answers are made of: an API key, a
  tenant, its settings, its quota overrides, a membership, a user account or a plan
  (`watch_commits` listens on every SQLAlchemy session, so a change made by any service, the CLI, a
  job or a bulk UPDATE is seen, whoever wrote it). Columns that only count (a tenant's month
  counter, a key's last use, a user's last sign-in) are ignored, or every call would flush the cache.
- **In this process**: the commit clears every cache of the process at once (the test suite's two
  app instances are one process).
- **In other processes**: with `REDIS_URL`, the commit publishes on a Redis channel every process
  subscribes to (a daemon thread each), and they clear theirs when the message arrives: well
  within a second. A process whose subscription is down (Redis restarting) trusts its entries for
  1 s only; without Redis the TTL is the bound.

The whole cache is cleared on any such change: these changes are rare (a revoke, a suspension, a
role or plan change), so precision buys little and a missed dependency would cost a security bug.

Entries are detached ORM objects; `lookup` hands back a copy merged into the request's session
without SQL (`Session.merge(load=False)`), so views get ordinary objects they may read, lazy-load
and change as before.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from app.extensions import db

log = logging.getLogger(__name__)

_EXTENSION = "access_cache"
CHANNEL = "access-cache:invalidate"
MAX_TTL_SECONDS = 5.0
UNSUBSCRIBED_TTL_SECONDS = 1.0
MAX_ENTRIES = 20_000

# The tables whose rows decide what a call may do, and the columns of theirs that only count.
_COUNTER_COLUMNS: dict[str, frozenset[str]] = {
    "api_keys": frozenset({"last_used_at"}),
    "tenants": frozenset({"api_calls_month", "api_calls_month_start", "storage_used_bytes", "member_count"}),
    "tenant_configs": frozenset(),
    "tenant_flag_overrides": frozenset(),
    "tenant_beta_features": frozenset(),
    "tenant_quotas": frozenset(),
    "tenant_users": frozenset(),
    "users": frozenset({"last_login_at", "last_tenant_id"}),
    "plans": frozenset(),
}
_PENDING = "access_cache_pending"


class AccessCache:
    """One app's cache. `scope` names the group of caches a commit in this process clears directly
    ("process" for all of them); a cache in a scope of its own behaves as if in another process."""

    def __init__(self, ttl: float, redis_url: str | None = None, scope: str = "process") -> None:
        self.ttl = min(float(ttl), MAX_TTL_SECONDS)
        self.redis_url = redis_url
        self.channel = channel_for(redis_url) if redis_url else CHANNEL
        self.scope = scope
        self.origin = uuid.uuid4().hex
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.generation = 0
        self._subscriber_pid: int | None = None
        self._subscribed = threading.Event()
        self._publisher = None

    # --- reading -------------------------------------------------------------------------------

    def _trust_seconds(self) -> float:
        if self.redis_url and not self._subscribed.is_set():
            return min(self.ttl, UNSUBSCRIBED_TTL_SECONDS)
        return self.ttl

    def peek(self, key: Hashable) -> Any:
        """The cached value for `key` while it is trusted, else None; never loads (the API's hot
        path serves only what is already here and leaves the rest to the ordinary path)."""
        self._ensure_subscribed()
        entry = self._entries.get(key)
        if entry is not None and time.time() - entry[0] < self._trust_seconds():
            return entry[1]
        return None

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The cached value for `key`, or `load()`'s (stored unless it is None or the cache was
        cleared while it loaded: a load that raced an invalidation may have read the old rows)."""
        cached = self.peek(key)
        if cached is not None:
            return cached
        now = time.time()
        generation = self.generation
        value = load()
        if value is not None and self.ttl > 0:
            with self._lock:
                if generation == self.generation:
                    if len(self._entries) >= MAX_ENTRIES:
                        self._entries.pop(next(iter(self._entries)))
                    self._entries[key] = (now, value)
        return value

    def lookup(self, key: Hashable, load: Callable[[Session], Any], *, attach: bool = True) -> Any:
        """Like `get` for a loader of an ORM object (or None) from the session it is given: a short
        session of the cache's own, so the cached object and whatever the loader loaded with it are
        detached and never expire. The caller gets a copy merged into the request's session
        without a statement, or with `attach=False` the shared detached object itself (cheaper; for
        objects only read, column by column)."""
        def load_detached():
            with Session(bind=db.engine, expire_on_commit=False) as session:
                found = load(session)
                session.expunge_all()
            return found

        cached = self.get(key, load_detached)
        if cached is None or not attach:
            return cached
        return db.session.merge(cached, load=False)

    # --- invalidating --------------------------------------------------------------------------

    def clear(self, reason: str = "") -> None:
        with self._changed:
            self._entries.clear()
            self.generation += 1
            self._changed.notify_all()
        log.debug("access cache cleared: %s", reason)

    def wait_for_clear(self, after_generation: int, timeout: float) -> bool:
        """Block until the cache was cleared after `after_generation`, at most `timeout` seconds
        (what tests of cross-process invalidation wait on instead of sleeping)."""
        with self._changed:
            return self._changed.wait_for(lambda: self.generation > after_generation, timeout=timeout)

    def publish(self, reason: str) -> None:
        """Tell every other process to clear its cache (no-op without Redis)."""
        if not self.redis_url:
            return
        try:
            if self._publisher is None:
                import redis

                self._publisher = redis.Redis.from_url(self.redis_url, socket_timeout=1)
            self._publisher.publish(self.channel, json.dumps({"origin": self.origin, "reason": reason}))
        except Exception:  # Redis down: the other processes fall back to their 1 s trust window
            log.warning("access cache: could not publish an invalidation (%s)", reason, exc_info=True)

    # --- the subscriber thread -----------------------------------------------------------------

    def _ensure_subscribed(self) -> None:
        # Started lazily and per process: a gunicorn worker forks after the app is built.
        if not self.redis_url or self._subscriber_pid == os.getpid():
            return
        with self._lock:
            if self._subscriber_pid == os.getpid():
                return
            self._subscriber_pid = os.getpid()
            self._subscribed.clear()
            self._publisher = None
        threading.Thread(target=_listen, args=(weakref.ref(self), os.getpid()),
                         name="access-cache-invalidations", daemon=True).start()


def _listen(cache_ref: weakref.ref, pid: int) -> None:
    """The subscriber thread: clear the cache on every invalidation another process publishes.
    Holds the cache only weakly, and ends once the cache is gone (apps built and dropped in tests)."""
    import redis

    def alive() -> AccessCache | None:
        cache = cache_ref()
        return cache if cache is not None and cache._subscriber_pid == pid else None

    while (cache := alive()) is not None:
        url, channel = cache.redis_url, cache.channel
        del cache
        try:
            client = redis.Redis.from_url(url, health_check_interval=10)
            pubsub = client.pubsub()
            pubsub.subscribe(channel)
            while (cache := alive()) is not None:
                message = pubsub.get_message(timeout=1.0)
                if message is None:
                    pass
                elif message["type"] == "subscribe":
                    # Whatever was published while not subscribed is lost: start afresh.
                    cache.clear("subscribed")
                    cache._subscribed.set()
                elif message["type"] == "message":
                    payload = json.loads(message["data"])
                    if payload.get("origin") != cache.origin:
                        cache.clear(payload.get("reason", "published"))
                del cache
            pubsub.close()
            client.close()
        except Exception:
            if (cache := alive()) is not None:
                cache._subscribed.clear()
            del cache
            log.warning("access cache: invalidation subscription lost; retrying", exc_info=True)
            time.sleep(0.5)  # back off before reconnecting to a Redis that is down


def channel_for(redis_url: str) -> str:
    """The channel of the Redis database `redis_url` names: Redis pub/sub ignores database numbers,
    and deployments (or test runs) sharing a server on different databases must not hear each other."""
    from redis.connection import parse_url

    return f"{CHANNEL}:{parse_url(redis_url).get('db', 0)}"


# --- the app's cache and the process registry ----------------------------------------------------

_registry: weakref.WeakSet[AccessCache] = weakref.WeakSet()
_registry_lock = threading.Lock()


def init_app(app: Flask) -> None:
    ttl = float(app.config.get("ACCESS_CACHE_TTL", MAX_TTL_SECONDS))
    cache = AccessCache(ttl, app.config.get("REDIS_URL"), app.config.get("ACCESS_CACHE_SCOPE", "process"))
    app.extensions[_EXTENSION] = cache
    with _registry_lock:
        _registry.add(cache)


def cache_of(app: Flask) -> AccessCache:
    return app.extensions[_EXTENSION]


def current_cache() -> AccessCache:
    return cache_of(current_app)


def invalidate(reason: str) -> None:
    """Clear the caches of this process (of the current app's scope) and tell the other processes."""
    own = current_app.extensions.get(_EXTENSION) if has_app_context() else None
    scope = own.scope if own is not None else "process"
    with _registry_lock:
        local = [c for c in _registry if c.scope == scope]
    for cache in local:
        cache.clear(reason)
    if own is not None:
        own.publish(reason)


# --- seeing the commits that matter --------------------------------------------------------------

def _relevant_columns(table: str, columns: set[str]) -> bool:
    ignored = _COUNTER_COLUMNS.get(table)
    return ignored is not None and bool(columns - ignored)


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _flush_context) -> None:
    for obj in list(session.new) + list(session.deleted):
        table = getattr(type(obj), "__tablename__", None)
        if table in _COUNTER_COLUMNS:
            session.info[_PENDING] = f"{table} added or deleted"
            return
    for obj in session.dirty:
        table = getattr(type(obj), "__tablename__", None)
        if table not in _COUNTER_COLUMNS:
            continue
        state = inspect(obj)
        changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
        if _relevant_columns(table, changed):
            session.info[_PENDING] = f"{table} changed ({', '.join(sorted(changed))})"
            return


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_write(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in _COUNTER_COLUMNS:
        return
    if state.is_delete:
        state.session.info[_PENDING] = f"{name} deleted"
        return
    values = getattr(state.statement, "_values", None) or {}
    columns = {getattr(c, "key", None) or str(c) for c in values}
    if not columns or _relevant_columns(name, columns):
        state.session.info[_PENDING] = f"{name} updated"


@event.listens_for(Session, "after_commit")
def _invalidate_after_commit(session: Session) -> None:
    reason = session.info.pop(_PENDING, None)
    if reason:
        invalidate(reason)


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
